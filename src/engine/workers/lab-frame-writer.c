/* lab-frame-writer.c — the one way frames leave a process, never blocking
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pipe holds only 64 KiB.  A blocking writer would freeze whoever writes
 * the moment the reader stops reading: the app behind a stopped worker, or
 * a worker's event loop (and every task in flight on it) behind a slow
 * app.  So frames wait in a queue, and the writer writes what fits and
 * waits for the pipe to have room (G_IO_OUT) before it writes the rest.
 * With a stall limit, a reader that takes nothing for that long counts as
 * dead (the app uses one; a worker trusts its app and waits).
 */

#define G_LOG_DOMAIN "lab-frame-writer"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lab-frame-writer.h"
#include "lab-plan.h"

/* One frame on its way, written as far as the pipe allowed so far. */
typedef struct
{
  guint8   head[LAB_FRAME_HEADER_SIZE + 8];  /* the header, then a few fixed bytes */
  gsize    head_len;
  GBytes  *parts[2];                         /* the big parts (plan, input, result), or NULL */
  gsize    written;
} OutFrame;

struct _LabFrameWriter
{
  int                       fd;
  GMainContext             *context;
  gint64                    stall_us;       /* 0: wait for the reader as long as it takes */
  LabFrameWriterBrokenFunc  broken_func;
  gpointer                  user_data;
  gboolean                  broken;
  GQueue                    frames;         /* of OutFrame, not fully written yet */
  GSource                  *ready;          /* wakes us when the pipe has room again */
  GSource                  *watchdog;       /* gives up on a reader that reads nothing */
  gint64                    progress_us;    /* when a write last moved */
};

static void
out_frame_free (gpointer data)
{
  OutFrame *frame = data;

  g_clear_pointer (&frame->parts[0], g_bytes_unref);
  g_clear_pointer (&frame->parts[1], g_bytes_unref);
  g_free (frame);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Makes @fd non-blocking (our end only: the reader reads its end as
 * usual) and writes frames to it on @context. */
LabFrameWriter *
lab_frame_writer_new (int                        fd,
                      GMainContext              *context,
                      gint64                     stall_us,
                      LabFrameWriterBrokenFunc   broken_func,
                      gpointer                   user_data,
                      GError                   **error)
{
  LabFrameWriter *writer;

  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (context != NULL, NULL);
  g_return_val_if_fail (broken_func != NULL, NULL);

  if (!g_unix_set_fd_nonblocking (fd, TRUE, error))
    return NULL;

  writer = g_new0 (LabFrameWriter, 1);
  writer->fd = fd;
  writer->context = g_main_context_ref (context);
  writer->stall_us = stall_us;
  writer->broken_func = broken_func;
  writer->user_data = user_data;
  g_queue_init (&writer->frames);

  return writer;
}

/* Forgets what was still to be written and writes nothing more. */
void
lab_frame_writer_stop (LabFrameWriter *writer)
{
  g_return_if_fail (writer != NULL);

  writer->broken = TRUE;
  g_queue_clear_full (&writer->frames, out_frame_free);
  clear_source (&writer->ready);
  clear_source (&writer->watchdog);
}

/* Does not close the descriptor: whoever opened it does. */
void
lab_frame_writer_free (LabFrameWriter *writer)
{
  if (writer == NULL)
    return;

  lab_frame_writer_stop (writer);
  g_main_context_unref (writer->context);
  g_free (writer);
}

/* Whether frames still wait to be written (the reader is not reading). */
gboolean
lab_frame_writer_is_writing (LabFrameWriter *writer)
{
  g_return_val_if_fail (writer != NULL, FALSE);

  return !g_queue_is_empty (&writer->frames);
}

static void
writer_break (LabFrameWriter *writer,
              const char     *why)
{
  lab_frame_writer_stop (writer);
  writer->broken_func (writer, why, writer->user_data);
}

/* A write to a reader that closed its end fails with EPIPE and raises
 * SIGPIPE at this thread.  The app's pool thread blocks it (see
 * lab-process-pool.c): drop it so it never piles up.  (A worker leaves
 * SIGPIPE at its default and simply dies with its app.) */
static void
forget_sigpipe (void)
{
  struct timespec no_wait = { 0, 0 };
  sigset_t sigpipe;

  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  while (sigtimedwait (&sigpipe, NULL, &no_wait) > 0)
    ;
}

static gboolean writer_ready_cb   (gint fd, GIOCondition condition, gpointer data);
static gboolean writer_stalled_cb (gpointer data);

/* Writes as much of the queued frames as the pipe takes now; the rest
 * waits until the reader has read some. */
static void
writer_flush (LabFrameWriter *writer)
{
  OutFrame *frame;

  while ((frame = g_queue_peek_head (&writer->frames)) != NULL)
    {
      struct iovec iov[3];
      gsize offset = frame->written, total = frame->head_len;
      int n_iov = 0;
      ssize_t n;

      /* The parts not written yet, skipping what went out before. */
      if (offset < frame->head_len)
        iov[n_iov++] = (struct iovec) { frame->head + offset, frame->head_len - offset };
      for (guint i = 0; i < G_N_ELEMENTS (frame->parts); i++)
        {
          gsize len = 0;
          const guint8 *data = frame->parts[i] ? g_bytes_get_data (frame->parts[i], &len) : NULL;

          if (len > 0 && offset < total + len)
            {
              gsize skip = offset > total ? offset - total : 0;

              iov[n_iov++] = (struct iovec) { (guint8 *) data + skip, len - skip };
            }
          total += len;
        }

      if (n_iov == 0)
        {
          out_frame_free (g_queue_pop_head (&writer->frames));
          continue;
        }

      n = writev (writer->fd, iov, n_iov);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          /* The pipe is full: wait for the reader, but with a stall limit not forever. */
          if (writer->ready == NULL)
            {
              writer->ready = g_unix_fd_source_new (writer->fd, G_IO_OUT | G_IO_ERR | G_IO_HUP);
              g_source_set_callback (writer->ready, G_SOURCE_FUNC (writer_ready_cb), writer, NULL);
              g_source_set_static_name (writer->ready, "[lab] pipe has room");
              g_source_attach (writer->ready, writer->context);
            }
          if (writer->watchdog == NULL && writer->stall_us > 0)
            {
              writer->watchdog = g_timeout_source_new (writer->stall_us / 1000 / 4);
              g_source_set_callback (writer->watchdog, writer_stalled_cb, writer, NULL);
              g_source_set_static_name (writer->watchdog, "[lab] pipe write watchdog");
              g_source_attach (writer->watchdog, writer->context);
            }
          return;
        }
      if (n < 0)
        {
          int saved = errno;

          /* EPIPE: the reader closed its end, so it is leaving or broken. */
          if (saved == EPIPE)
            forget_sigpipe ();
          writer_break (writer, g_strerror (saved));
          return;
        }

      frame->written += n;
      writer->progress_us = g_get_monotonic_time ();
    }

  /* All written: nothing to wait for. */
  clear_source (&writer->ready);
  clear_source (&writer->watchdog);
}

static gboolean
writer_ready_cb (gint          fd,
                 GIOCondition  condition,
                 gpointer      data)
{
  /* writer_flush () removes this source once the queue is empty. */
  writer_flush (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
writer_stalled_cb (gpointer data)
{
  LabFrameWriter *writer = data;

  if (g_get_monotonic_time () - writer->progress_us < writer->stall_us)
    return G_SOURCE_CONTINUE;

  /* A live reader empties its pipe all the time; this one has read
   * nothing for seconds (stopped, hung). */
  g_clear_pointer (&writer->watchdog, g_source_unref);
  writer_break (writer, "the reader has read nothing for too long");
  return G_SOURCE_REMOVE;
}

/* Queues a frame: @fixed (up to 8 bytes) first, then @body and @tail (each
 * may be NULL), and writes what fits.  FALSE once the pipe is broken. */
gboolean
lab_frame_writer_send (LabFrameWriter *writer,
                       LabFrameType    type,
                       const void     *fixed,
                       gsize           fixed_len,
                       GBytes         *body,
                       GBytes         *tail)
{
  OutFrame *frame;
  gsize len = fixed_len;

  g_return_val_if_fail (writer != NULL, FALSE);
  g_return_val_if_fail (fixed_len <= sizeof frame->head - LAB_FRAME_HEADER_SIZE, FALSE);

  if (writer->broken)
    return FALSE;

  frame = g_new0 (OutFrame, 1);
  len += body ? g_bytes_get_size (body) : 0;
  len += tail ? g_bytes_get_size (tail) : 0;
  lab_frame_header_encode (frame->head, type, len);
  if (fixed_len > 0)
    memcpy (frame->head + LAB_FRAME_HEADER_SIZE, fixed, fixed_len);
  frame->head_len = LAB_FRAME_HEADER_SIZE + fixed_len;
  frame->parts[0] = body ? g_bytes_ref (body) : NULL;
  frame->parts[1] = tail ? g_bytes_ref (tail) : NULL;

  /* The stall clock starts when there is something to write. */
  if (g_queue_is_empty (&writer->frames))
    writer->progress_us = g_get_monotonic_time ();
  g_queue_push_tail (&writer->frames, frame);

  if (writer->ready == NULL)
    writer_flush (writer);

  return !writer->broken;
}

/* A frame whose payload is @variant (floating references are sunk). */
gboolean
lab_frame_writer_send_variant (LabFrameWriter *writer,
                               LabFrameType    type,
                               GVariant       *variant)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (variant);
  g_autoptr(GBytes) payload = g_variant_get_data_as_bytes (owned);

  return lab_frame_writer_send (writer, type, NULL, 0, payload, NULL);
}
