/* lab-worker-slot.c — one worker process and the two pipes to it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A slot starts one copy of this program with --worker, writes frames to
 * its stdin, reads frames from its stdout, and tells its owner when the
 * worker is gone: once we have seen both the end of its stdout and its
 * exit status.  It runs on its owner's thread and main context.
 *
 * Nothing here may hang.  Writes never block: a pipe holds only 64 KiB, so
 * a worker that stops reading (stopped, hung) would freeze a blocking
 * writer and every other worker with it.  We write what fits, wait until
 * the pipe drains, and a worker that reads nothing for WRITE_STALL_US
 * counts as dead.
 */

#define G_LOG_DOMAIN "lab-worker-slot"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixoutputstream.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lab-plan.h"
#include "lab-worker.h"
#include "lab-worker-slot.h"

#define WRITE_STALL_US (2 * G_USEC_PER_SEC)  /* a worker that reads nothing this long is dead */

/* One frame on its way to a worker, written as far as the pipe allows. */
typedef struct
{
  guint8   head[LAB_FRAME_HEADER_SIZE + 8];  /* the header, then a few fixed bytes */
  gsize    head_len;
  GBytes  *body;                             /* the big part (plan, task input), or NULL */
  gsize    written;
} OutFrame;

static void slot_read_header (LabWorkerSlot *slot);

static void
child_setup (gpointer data)
{
  sigset_t sigpipe;

  /* In the new worker, before it runs: die with the pool thread that
   * spawned us, even if the app is killed and cannot clean up. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != GPOINTER_TO_INT (data))
    _exit (1);

  /* The pool thread blocks SIGPIPE (see pool_thread ()); a worker starts
   * with the ordinary signal mask instead of inheriting that. */
  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  sigprocmask (SIG_UNBLOCK, &sigpipe, NULL);
}

static void
out_frame_free (gpointer data)
{
  OutFrame *frame = data;

  g_clear_pointer (&frame->body, g_bytes_unref);
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

/* Forgets what was still to be written, and stops waiting to write it. */
static void
slot_stop_writing (LabWorkerSlot *slot)
{
  g_queue_clear_full (&slot->out_frames, out_frame_free);
  clear_source (&slot->out_ready);
  clear_source (&slot->out_watchdog);
}

void
lab_worker_slot_free (LabWorkerSlot *slot)
{
  if (slot == NULL)
    return;

  slot_stop_writing (slot);
  g_clear_object (&slot->process);
  g_clear_pointer (&slot->context, g_main_context_unref);
  g_free (slot->executable);
  g_free (slot->payload);
  g_free (slot);
}

/* Gives up on the worker: nothing more is written, and it is made to exit. */
void
lab_worker_slot_kill (LabWorkerSlot *slot)
{
  g_return_if_fail (slot != NULL);

  slot->broken = TRUE;
  slot_stop_writing (slot);
  if (!slot->exited)
    g_subprocess_force_exit (slot->process);
}

/* Asks the worker to leave: closing its stdin does that, at once. */
void
lab_worker_slot_close_stdin (LabWorkerSlot *slot)
{
  g_return_if_fail (slot != NULL);

  slot->broken = TRUE;
  slot_stop_writing (slot);
  g_output_stream_close (slot->to_worker, NULL, NULL);
}

/* Whether frames still wait to be written (the worker is not reading). */
gboolean
lab_worker_slot_is_writing (LabWorkerSlot *slot)
{
  g_return_val_if_fail (slot != NULL, FALSE);

  return !g_queue_is_empty (&slot->out_frames);
}

static void
slot_check_gone (LabWorkerSlot *slot)
{
  if (slot->eof && !slot->exited)
    {
      /* It closed its stdout but lives on: it is of no use any more. */
      g_subprocess_force_exit (slot->process);
    }
  else if (slot->eof && slot->exited)
    {
      g_debug ("worker %d in lane %u is gone", slot->pid, slot->lane);
      slot->gone_func (slot, slot->user_data);
    }
}

static void
slot_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LabWorkerSlot *slot = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  slot->exited = TRUE;
  slot_check_gone (slot);
}

/* A write to a worker that closed its stdin fails with EPIPE and raises
 * SIGPIPE at this thread, which blocks it; drop it so it never piles up. */
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

static gboolean slot_writable_cb      (gint fd, GIOCondition condition, gpointer data);
static gboolean slot_write_stalled_cb (gpointer data);

/* Writes as much of the queued frames as the pipe takes now, never
 * blocking; the rest waits until the worker has read some. */
static void
slot_flush (LabWorkerSlot *slot)
{
  OutFrame *frame;

  while ((frame = g_queue_peek_head (&slot->out_frames)) != NULL)
    {
      gsize body_len = 0;
      const guint8 *body = frame->body ? g_bytes_get_data (frame->body, &body_len) : NULL;
      struct iovec iov[2];
      int n_iov = 0;
      ssize_t n;

      if (frame->written == frame->head_len + body_len)
        {
          out_frame_free (g_queue_pop_head (&slot->out_frames));
          continue;
        }

      if (frame->written < frame->head_len)
        iov[n_iov++] = (struct iovec) { frame->head + frame->written,
                                        frame->head_len - frame->written };
      if (body_len > 0)
        {
          gsize done = frame->written > frame->head_len ? frame->written - frame->head_len : 0;

          iov[n_iov++] = (struct iovec) { (guint8 *) body + done, body_len - done };
        }

      n = writev (slot->to_worker_fd, iov, n_iov);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          /* The pipe is full: wait for the worker to read, but not forever. */
          if (slot->out_ready == NULL)
            {
              slot->out_ready = g_unix_fd_source_new (slot->to_worker_fd,
                                                      G_IO_OUT | G_IO_ERR | G_IO_HUP);
              g_source_set_callback (slot->out_ready, G_SOURCE_FUNC (slot_writable_cb), slot, NULL);
              g_source_set_static_name (slot->out_ready, "[lab] worker pipe has room");
              g_source_attach (slot->out_ready, slot->context);
            }
          if (slot->out_watchdog == NULL)
            {
              slot->out_watchdog = g_timeout_source_new (WRITE_STALL_US / 1000 / 4);
              g_source_set_callback (slot->out_watchdog, slot_write_stalled_cb, slot, NULL);
              g_source_set_static_name (slot->out_watchdog, "[lab] worker write watchdog");
              g_source_attach (slot->out_watchdog, slot->context);
            }
          return;
        }
      if (n < 0)
        {
          int saved = errno;

          /* EPIPE: it closed its stdin, so it is leaving or broken. */
          if (saved == EPIPE)
            forget_sigpipe ();
          g_debug ("worker %d: write to pipe: %s", slot->pid, g_strerror (saved));
          lab_worker_slot_kill (slot);
          return;
        }

      frame->written += n;
      slot->out_progress_us = g_get_monotonic_time ();
    }

  /* All written: nothing to wait for. */
  clear_source (&slot->out_ready);
  clear_source (&slot->out_watchdog);
}

static gboolean
slot_writable_cb (gint          fd,
                  GIOCondition  condition,
                  gpointer      data)
{
  LabWorkerSlot *slot = data;

  /* slot_flush () removes this source once the queue is empty. */
  slot_flush (slot);
  return G_SOURCE_CONTINUE;
}

static gboolean
slot_write_stalled_cb (gpointer data)
{
  LabWorkerSlot *slot = data;

  if (g_get_monotonic_time () - slot->out_progress_us < WRITE_STALL_US)
    return G_SOURCE_CONTINUE;

  /* A live worker's reader thread empties its pipe all the time; this one
   * has read nothing for seconds (stopped, hung): it counts as dead. */
  g_debug ("worker %d has read nothing for %d s; replacing it", slot->pid,
           (int) (WRITE_STALL_US / G_USEC_PER_SEC));
  lab_worker_slot_kill (slot);
  return G_SOURCE_REMOVE;
}

/* Queues a frame (@fixed: up to 8 bytes that come first, @body: the rest)
 * and writes what fits.  FALSE when the worker is of no use any more. */
gboolean
lab_worker_slot_send (LabWorkerSlot *slot,
                      LabFrameType   type,
                      const void    *fixed,
                      gsize          fixed_len,
                      GBytes        *body)
{
  OutFrame *frame;
  gsize body_len = body ? g_bytes_get_size (body) : 0;

  g_return_val_if_fail (slot != NULL, FALSE);
  g_assert (fixed_len <= sizeof frame->head - LAB_FRAME_HEADER_SIZE);

  if (slot->broken)
    return FALSE;

  frame = g_new0 (OutFrame, 1);
  lab_frame_header_encode (frame->head, type, fixed_len + body_len);
  if (fixed_len > 0)
    memcpy (frame->head + LAB_FRAME_HEADER_SIZE, fixed, fixed_len);
  frame->head_len = LAB_FRAME_HEADER_SIZE + fixed_len;
  frame->body = body ? g_bytes_ref (body) : NULL;

  /* The stall clock starts when there is something to write. */
  if (g_queue_is_empty (&slot->out_frames))
    slot->out_progress_us = g_get_monotonic_time ();
  g_queue_push_tail (&slot->out_frames, frame);

  if (slot->out_ready == NULL)
    slot_flush (slot);

  return !slot->broken;
}

static void
slot_payload_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LabWorkerSlot *slot = user_data;
  LabFrame frame = { 0 };
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, NULL) ||
      n < slot->payload_len)
    {
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  frame.type = slot->frame_type;
  frame.payload = g_bytes_new_take (g_steal_pointer (&slot->payload), slot->payload_len);

  switch (frame.type)
    {
    case LAB_FRAME_HELLO:
    case LAB_FRAME_DONE:
    case LAB_FRAME_FAILED:
      slot->frame_func (slot, &frame, slot->user_data);
      break;

    case LAB_FRAME_RUN:
    case LAB_FRAME_TASK:
    case LAB_FRAME_CANCEL:
    default:
      g_warning ("worker %d sent a frame of type %d it should not send", slot->pid, frame.type);
      lab_worker_slot_kill (slot);
      break;
    }

  lab_frame_clear (&frame);
  slot_read_header (slot);
}

static void
slot_header_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LabWorkerSlot *slot = user_data;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, NULL) ||
      n < LAB_FRAME_HEADER_SIZE)
    {
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  if (!lab_frame_header_decode (slot->header, &slot->frame_type, &slot->payload_len, &error) ||
      (!slot->ready && slot->frame_type != LAB_FRAME_HELLO))
    {
      g_warning ("worker %d from “%s” does not speak our protocol: %s", slot->pid,
                 slot->executable, error ? error->message : "no hello");
      lab_worker_slot_kill (slot);
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  slot->payload = g_malloc (MAX (slot->payload_len, 1));
  g_input_stream_read_all_async (slot->from_worker, slot->payload, slot->payload_len,
                                 G_PRIORITY_DEFAULT, NULL, slot_payload_cb, slot);
}

static void
slot_read_header (LabWorkerSlot *slot)
{
  g_input_stream_read_all_async (slot->from_worker, slot->header, sizeof slot->header,
                                 G_PRIORITY_DEFAULT, NULL, slot_header_cb, slot);
}

/* Starts one worker from @executable for @lane.  Its frames and its end
 * are reported on @context, which must be the calling thread's default. */
LabWorkerSlot *
lab_worker_slot_spawn (const char              *executable,
                       guint                    lane,
                       GMainContext            *context,
                       LabWorkerSlotFrameFunc   frame_func,
                       LabWorkerSlotGoneFunc    gone_func,
                       gpointer                 user_data,
                       GError                 **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *identifier;
  LabWorkerSlot *slot;

  g_return_val_if_fail (executable != NULL, NULL);
  g_return_val_if_fail (context != NULL, NULL);
  g_return_val_if_fail (frame_func != NULL && gone_func != NULL, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER (getpid ()), NULL);

  slot = g_new0 (LabWorkerSlot, 1);
  slot->lane = lane;
  slot->task = -1;
  slot->executable = g_strdup (executable);
  slot->context = g_main_context_ref (context);
  slot->frame_func = frame_func;
  slot->gone_func = gone_func;
  slot->user_data = user_data;
  g_queue_init (&slot->out_frames);
  slot->process = g_subprocess_launcher_spawn (launcher, &local_error,
                                               executable, LAB_WORKER_FLAG, NULL);
  if (slot->process == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   _("Cannot start a worker process from “%s”: %s"),
                   executable, local_error->message);
      lab_worker_slot_free (slot);
      return NULL;
    }

  /* NULL when the child has already exited and been reaped. */
  identifier = g_subprocess_get_identifier (slot->process);
  slot->pid = identifier != NULL ? g_ascii_strtoll (identifier, NULL, 10) : 0;
  slot->to_worker = g_subprocess_get_stdin_pipe (slot->process);
  slot->from_worker = g_subprocess_get_stdout_pipe (slot->process);

  /* Our end only: the worker reads its end of the pipe as usual. */
  slot->to_worker_fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (slot->to_worker));
  if (!g_unix_set_fd_nonblocking (slot->to_worker_fd, TRUE, &local_error))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   _("Cannot set up the pipe to a worker process: %s"), local_error->message);
      g_subprocess_force_exit (slot->process);
      lab_worker_slot_free (slot);
      return NULL;
    }

  g_subprocess_wait_async (slot->process, NULL, slot_wait_cb, slot);
  slot_read_header (slot);

  return slot;
}
