/* lab-worker.c — the life of one worker process
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `concurrency-lab --worker` is this same program started by the app's
 * process pool.  It has its own memory: it knows nothing of the app's data
 * except what arrives through stdin.  It says hello, then loops: receive a
 * plan, receive tasks one at a time, run each, send the result back.
 *
 * A second thread keeps reading stdin while a task runs, so a Cancel
 * reaches a busy worker at once, and when the app goes away (stdin closes)
 * the worker goes too.
 */

#define G_LOG_DOMAIN "lab-worker"

#include "config.h"

#include <unistd.h>

#include "lab-protocol.h"
#include "lab-worker.h"
#include "lab-workload.h"

typedef struct
{
  int           out_fd;
  GAsyncQueue  *frames;        /* RUN and TASK frames, for the main thread */

  GMutex        lock;          /* guards the two below, shared with the reader */
  GCancellable *cancellable;   /* of the current run */
  guint         current_run;
  guint         cancelled_run;
} Worker;

static gpointer
reader_thread (gpointer data)
{
  Worker *worker = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      LabFrame frame = { 0 };

      if (!lab_frame_read_fd (STDIN_FILENO, &frame, &error))
        {
          /* stdin closed: the app is gone or wants us gone.  Leave now,
           * even in the middle of a task; nobody waits for its result. */
          if (error != NULL)
            g_printerr ("concurrency-lab worker %d: %s\n", getpid (), error->message);
          _exit (error != NULL ? 1 : 0);
        }

      if (frame.type == LAB_FRAME_CANCEL)
        {
          g_autoptr(GVariant) variant = lab_frame_get_variant (&frame, "(u)", NULL);
          guint run_id = 0;

          if (variant != NULL)
            g_variant_get (variant, "(u)", &run_id);

          g_mutex_lock (&worker->lock);
          worker->cancelled_run = run_id;
          if (run_id == worker->current_run && worker->cancellable != NULL)
            g_cancellable_cancel (worker->cancellable);
          g_mutex_unlock (&worker->lock);

          lab_frame_clear (&frame);
          continue;
        }

      g_async_queue_push (worker->frames, g_memdup2 (&frame, sizeof frame));
    }

  return NULL;
}

static void
send_or_die (Worker       *worker,
             LabFrameType  type,
             GVariant     *variant)
{
  g_autoptr(GError) error = NULL;

  /* If the app is gone, SIGPIPE (left at its default: the pool does not
   * ignore it for us) or the error ends this worker: both are right. */
  if (!lab_frame_write_variant_fd (worker->out_fd, type, variant, &error))
    _exit (1);   /* the app stopped listening */
}

typedef struct
{
  guint          run_id;
  LabWorkload   *workload;
  gpointer       worker_data;
  GCancellable  *cancellable;
} WorkerRun;

static void
worker_run_clear (WorkerRun *run)
{
  if (run->workload != NULL)
    lab_workload_worker_data_free (run->workload, run->worker_data);
  run->worker_data = NULL;
  g_clear_object (&run->workload);
  g_clear_object (&run->cancellable);
  run->run_id = 0;
}

static void
handle_run (Worker    *worker,
            WorkerRun *run,
            LabFrame  *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) plan_variant = NULL;
  g_autoptr(LabPlan) plan = NULL;
  guint run_id = 0;

  worker_run_clear (run);

  variant = lab_frame_get_variant (frame, "(ua{sv})", &error);
  if (variant != NULL)
    {
      g_variant_get (variant, "(u@a{sv})", &run_id, &plan_variant);
      plan = lab_plan_from_variant (plan_variant, &error);
    }
  if (plan != NULL)
    run->workload = lab_workload_new (plan, &error);

  if (run->workload == NULL)
    {
      send_or_die (worker, LAB_FRAME_FAILED, g_variant_new ("(us)", run_id, error->message));
      return;
    }

  run->run_id = run_id;
  run->worker_data = lab_workload_worker_data_new (run->workload);
  run->cancellable = g_cancellable_new ();

  g_mutex_lock (&worker->lock);
  g_set_object (&worker->cancellable, run->cancellable);
  worker->current_run = run_id;
  if (worker->cancelled_run == run_id)
    g_cancellable_cancel (run->cancellable);
  g_mutex_unlock (&worker->lock);
}

static void
handle_task (Worker    *worker,
             WorkerRun *run,
             LabFrame  *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  LabTaskRecord record = { 0 };
  gsize size;
  const guint8 *data = g_bytes_get_data (frame->payload, &size);
  guint32 run_id = 0, index = 0;

  if (size >= 8)
    {
      memcpy (&run_id, data, 4);
      memcpy (&index, data + 4, 4);
      run_id = GUINT32_FROM_LE (run_id);
      index = GUINT32_FROM_LE (index);
    }

  record.index = index;
  record.start_us = g_get_monotonic_time ();

  if (size < 8 || run->workload == NULL || run_id != run->run_id ||
      index >= lab_workload_get_n_tasks (run->workload))
    {
      record.error = g_strdup_printf ("worker got task %u of run %u, which it does not know",
                                      index, run_id);
    }
  else
    {
      LabTaskContext context = {
        .cancellable = run->cancellable,
        .gil = NULL,   /* each Python process has a GIL of its own, all to itself */
        .worker_data = run->worker_data,
      };

      if (lab_workload_has_task_input (run->workload))
        input = g_bytes_new_from_bytes (frame->payload, 8, size - 8);

      if (!lab_workload_run_task (run->workload, &context, input, &record, &error))
        record.error = g_strdup (error->message);
    }

  record.end_us = g_get_monotonic_time ();

  /* The output (a downloaded body) travels back as a copy, as Python's
   * pool pickles a result back to the parent. */
  {
    g_autoptr(GBytes) head = lab_task_result_encode_head (run_id, index, &record);
    g_autoptr(GError) write_error = NULL;

    if (!lab_frame_write_fd (worker->out_fd, LAB_FRAME_DONE,
                             g_bytes_get_data (head, NULL), g_bytes_get_size (head),
                             record.output ? g_bytes_get_data (record.output, NULL) : NULL,
                             record.output ? g_bytes_get_size (record.output) : 0,
                             &write_error))
      _exit (1);
  }
  lab_task_record_clear (&record);
}

int
lab_worker_main (void)
{
  Worker worker = { 0 };
  WorkerRun run = { 0 };

  /* Our stdout is the pipe to the app.  Keep it for frames only and point
   * fd 1 at stderr, so a stray print can never corrupt the protocol. */
  worker.out_fd = dup (STDOUT_FILENO);
  if (worker.out_fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    return 1;

  worker.frames = g_async_queue_new ();
  g_mutex_init (&worker.lock);

  send_or_die (&worker, LAB_FRAME_HELLO, g_variant_new ("(i)", (gint32) getpid ()));
  g_thread_unref (g_thread_new ("lab-worker-reader", reader_thread, &worker));

  for (;;)
    {
      LabFrame *frame = g_async_queue_pop (worker.frames);

      if (frame->type == LAB_FRAME_RUN)
        handle_run (&worker, &run, frame);
      else if (frame->type == LAB_FRAME_TASK)
        handle_task (&worker, &run, frame);

      lab_frame_clear (frame);
      g_free (frame);
    }

  return 0;
}
