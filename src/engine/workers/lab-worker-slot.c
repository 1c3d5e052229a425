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
 * Nothing here may hang.  Writes never block (lab-frame-writer.c, the
 * same writer a worker uses for its answers): a pipe holds only 64 KiB, so
 * a worker that stops reading (stopped, hung) would freeze a blocking
 * writer and every other worker with it.  A worker that reads nothing for
 * WRITE_STALL_US counts as dead.
 */

#define G_LOG_DOMAIN "lab-worker-slot"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixoutputstream.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lab-plan.h"
#include "lab-worker.h"
#include "lab-worker-slot.h"

#define WRITE_STALL_US (2 * G_USEC_PER_SEC)  /* a worker that reads nothing this long is dead */

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

/* Forgets what was still to be written, and stops waiting to write it. */
static void
slot_stop_writing (LabWorkerSlot *slot)
{
  if (slot->writer != NULL)
    lab_frame_writer_stop (slot->writer);
}

void
lab_worker_slot_free (LabWorkerSlot *slot)
{
  if (slot == NULL)
    return;

  g_clear_pointer (&slot->writer, lab_frame_writer_free);
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

  return slot->writer != NULL && lab_frame_writer_is_writing (slot->writer);
}

/* Whether it has work in flight (one task, or several on its loop). */
gboolean
lab_worker_slot_is_busy (LabWorkerSlot *slot)
{
  g_return_val_if_fail (slot != NULL, FALSE);

  return slot->task >= 0 || slot->in_flight > 0;
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

/* The pipe to it broke or stalled: it is of no use any more. */
static void
slot_writer_broken_cb (LabFrameWriter *writer,
                       const char     *why,
                       gpointer        user_data)
{
  LabWorkerSlot *slot = user_data;

  g_debug ("worker %d: %s; replacing it", slot->pid, why);
  lab_worker_slot_kill (slot);
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
  g_return_val_if_fail (slot != NULL, FALSE);

  if (slot->broken)
    return FALSE;

  lab_frame_writer_send (slot->writer, type, fixed, fixed_len, body, NULL);
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
  frame.first_byte_us = slot->header_us;
  frame.last_byte_us = g_get_monotonic_time ();

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

  slot->header_us = g_get_monotonic_time ();
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

  /* A worker that reads nothing for WRITE_STALL_US counts as dead. */
  slot->writer = lab_frame_writer_new (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (slot->to_worker)),
                                       context, WRITE_STALL_US, slot_writer_broken_cb, slot,
                                       &local_error);
  if (slot->writer == NULL)
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
