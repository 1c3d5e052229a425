/* lab-worker.c — the life of one worker process
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `concurrency-lab --worker` is this same program started by the app's
 * process pool.  It has its own memory: it knows nothing of the app's data
 * except what arrives through stdin.  It says hello, then waits for work
 * on its event loop: a plan, then tasks, each answered with its result.
 *
 * For the processes mode a task runs to its end right there, one at a
 * time, as in a multiprocessing.Pool worker.  For processes + async the
 * plan says "event loop": every task is started on the loop and the next
 * one is taken at once, so many are in flight; each result goes back the
 * moment its task is done, in whatever order they finish (a result names
 * its task).  Answers leave through a writer that never blocks, so a slow
 * app never stalls the tasks still running here.
 *
 * A second thread keeps reading stdin while a task runs, so a Cancel
 * reaches a busy worker at once, and when the app goes away (stdin closes)
 * the worker goes too.
 */

#define G_LOG_DOMAIN "lab-worker"

#include "config.h"

#include <unistd.h>

#include "lab-frame-writer.h"
#include "lab-protocol.h"
#include "lab-states.h"
#include "lab-worker.h"
#include "lab-workload.h"

typedef struct _WorkerRun WorkerRun;

typedef struct
{
  GMainContext   *context;
  WorkerRun      *run;          /* the plan of the current run, or NULL */
  LabFrameWriter *writer;       /* frames to the app */
  GAsyncQueue    *frames;       /* RUN and TASK frames, from the reader to the loop */
  gint            wake_pending; /* the loop has been woken for the frames queued */

  GMutex          lock;         /* guards the two below, shared with the reader */
  GCancellable   *cancellable;  /* of the current run */
  guint           current_run;
  guint           cancelled_run;
} Worker;

/* One run's plan in this process.  Tasks still in flight on the loop keep
 * it (and the workload's per-worker state) alive after the next plan came. */
struct _WorkerRun
{
  gint            ref_count;
  guint           run_id;
  gboolean        event_loop;   /* processes + async: many tasks in flight */
  LabWorkload    *workload;
  LabTaskContext  task_context;
};

static WorkerRun *
worker_run_ref (WorkerRun *run)
{
  run->ref_count++;
  return run;
}

static void
worker_run_unref (WorkerRun *run)
{
  if (--run->ref_count > 0)
    return;

  lab_workload_worker_data_free (run->workload, run->task_context.worker_data);
  g_clear_object (&run->task_context.cancellable);
  g_clear_object (&run->workload);
  g_free (run);
}

static gboolean take_frames_cb (gpointer data);

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

      /* The loop takes every queued frame, in order, when woken; a burst
       * of tasks costs one wake-up, not one each. */
      g_async_queue_push (worker->frames, g_memdup2 (&frame, sizeof frame));
      if (!g_atomic_int_exchange (&worker->wake_pending, TRUE))
        g_main_context_invoke (worker->context, take_frames_cb, worker);
    }

  return NULL;
}

static void
writer_broken_cb (LabFrameWriter *writer,
                  const char     *why,
                  gpointer        user_data)
{
  _exit (1);   /* the app stopped listening */
}

static WorkerRun *
handle_run (Worker   *worker,
            LabFrame *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GVariant) plan_variant = NULL;
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  WorkerRun *run;
  guint run_id = 0;
  gboolean event_loop = FALSE;

  variant = lab_frame_get_variant (frame, "(ua{sv})", &error);
  if (variant != NULL)
    {
      g_variant_get (variant, "(u@a{sv})", &run_id, &plan_variant);
      g_variant_lookup (plan_variant, "event-loop", "b", &event_loop);
      plan = lab_plan_from_variant (plan_variant, &error);
    }
  if (plan != NULL)
    workload = lab_workload_new (plan, &error);

  if (workload == NULL)
    {
      lab_frame_writer_send_variant (worker->writer, LAB_FRAME_FAILED,
                                     g_variant_new ("(us)", run_id, error->message));
      return NULL;
    }

  run = g_new0 (WorkerRun, 1);
  run->ref_count = 1;
  run->run_id = run_id;
  run->event_loop = event_loop;
  run->workload = g_steal_pointer (&workload);
  run->task_context.cancellable = g_cancellable_new ();
  run->task_context.gil = NULL;   /* each Python process has a GIL of its own, all to itself */
  run->task_context.worker_data = lab_workload_worker_data_new (run->workload);

  g_mutex_lock (&worker->lock);
  g_set_object (&worker->cancellable, run->task_context.cancellable);
  worker->current_run = run_id;
  if (worker->cancelled_run == run_id)
    g_cancellable_cancel (run->task_context.cancellable);
  g_mutex_unlock (&worker->lock);

  return run;
}

/* The result goes back as a copy (with the output, a downloaded body), as
 * Python's pool pickles a result back to the parent. */
static void
send_result (Worker              *worker,
             guint32              run_id,
             const LabTaskRecord *record)
{
  g_autoptr(GBytes) head = lab_task_result_encode_head (run_id, record->index, record);

  lab_frame_writer_send (worker->writer, LAB_FRAME_DONE, NULL, 0, head, record->output);
}

typedef struct
{
  Worker        *worker;
  WorkerRun     *run;
  LabTaskRecord  record;
  GBytes        *input;
} LoopTask;

/* On the loop, a task is done: its result goes back at once. */
static void
loop_task_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoopTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!lab_workload_run_task_finish (LAB_WORKLOAD (source), result, &error) &&
      task->record.error == NULL)
    task->record.error = g_strdup (error->message);
  if (task->record.end_us == 0)
    task->record.end_us = g_get_monotonic_time ();

  send_result (task->worker, task->run->run_id, &task->record);

  lab_task_record_clear (&task->record);
  g_clear_pointer (&task->input, g_bytes_unref);
  worker_run_unref (task->run);
  g_free (task);
}

static void
handle_task (Worker    *worker,
             WorkerRun *run,
             LabFrame  *frame)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  LabTaskRecord record = { .cpu_us = -1, .run_queue_us = -1 };
  LabCpuSample cpu_at_start;
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

  /* The task's input came through the pipe: a copy, before it could
   * start.  Shorter copies than this are not worth a span. */
  if (frame->last_byte_us - frame->first_byte_us >= LAB_MIN_TRANSFER_SPAN_US)
    lab_spans_add (&record.spans, LAB_STATE_TRANSFER, LAB_WAIT_SEND, frame->first_byte_us,
                   frame->last_byte_us);

  if (size < 8 || run == NULL || run_id != run->run_id ||
      index >= lab_workload_get_n_tasks (run->workload))
    {
      record.error = g_strdup_printf ("worker got task %u of run %u, which it does not know",
                                      index, run_id);
      record.end_us = g_get_monotonic_time ();
      send_result (worker, run_id, &record);
      lab_task_record_clear (&record);
      return;
    }

  if (lab_workload_has_task_input (run->workload))
    input = g_bytes_new_from_bytes (frame->payload, 8, size - 8);

  if (run->event_loop)
    {
      /* Start it and return to the loop: a waiting task gives the loop
       * back at once, and the next task (or result) is taken meanwhile. */
      LoopTask *task = g_new0 (LoopTask, 1);
      gint64 started;

      task->worker = worker;
      task->run = worker_run_ref (run);
      task->record = record;
      task->input = g_steal_pointer (&input);

      /* As on the app's event loop (lab-mode-async.c): the call that
       * starts a task is all of a computing one, so its CPU time is
       * measured around it.  The task's callback comes at a later turn
       * of the loop, never from inside this call, so @task is still ours. */
      lab_cpu_sample_task_start (&cpu_at_start, record.start_us);
      lab_spans_begin_task (&task->record.spans);
      lab_workload_run_task_async (run->workload, &run->task_context, task->input,
                                   &task->record, loop_task_done_cb, task);
      lab_spans_end_task ();
      started = g_get_monotonic_time ();
      lab_cpu_sample_task_end (&cpu_at_start, started, started - record.start_us,
                               &task->record.cpu_us, &task->record.run_queue_us);
      return;
    }

  /* One task at a time, to its end; the kernel counts its CPU time and
   * its waits for a core, and it records its other waits, as on a thread
   * of the app. */
  lab_cpu_sample_task_start (&cpu_at_start, record.start_us);
  lab_spans_begin_task (&record.spans);
  if (!lab_workload_run_task (run->workload, &run->task_context, input, &record, &error))
    record.error = g_strdup (error->message);
  lab_spans_end_task ();
  record.end_us = g_get_monotonic_time ();
  lab_cpu_sample_task_end (&cpu_at_start, record.end_us, record.end_us - record.start_us,
                           &record.cpu_us, &record.run_queue_us);

  send_result (worker, run_id, &record);
  lab_task_record_clear (&record);
}

/* The reader handed the loop frames: take them all, in order. */
static gboolean
take_frames_cb (gpointer data)
{
  Worker *worker = data;
  LabFrame *frame;

  /* Cleared first: a frame queued from now on wakes us again. */
  g_atomic_int_set (&worker->wake_pending, FALSE);

  while ((frame = g_async_queue_try_pop (worker->frames)) != NULL)
    {
      if (frame->type == LAB_FRAME_RUN)
        {
          g_clear_pointer (&worker->run, worker_run_unref);
          worker->run = handle_run (worker, frame);
        }
      else if (frame->type == LAB_FRAME_TASK)
        handle_task (worker, worker->run, frame);

      lab_frame_clear (frame);
      g_free (frame);
    }

  return G_SOURCE_REMOVE;
}

int
lab_worker_main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Worker worker = { 0 };
  int out_fd;

  /* Our stdout is the pipe to the app.  Keep it for frames only and point
   * fd 1 at stderr, so a stray print can never corrupt the protocol. */
  out_fd = dup (STDOUT_FILENO);
  if (out_fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    return 1;

  /* Everything a task starts (timers, HTTP requests) reports back to this
   * loop, the worker's only one. */
  worker.context = g_main_context_new ();
  g_main_context_push_thread_default (worker.context);
  loop = g_main_loop_new (worker.context, FALSE);

  /* No stall limit: a worker trusts its app to read, however slowly. */
  worker.writer = lab_frame_writer_new (out_fd, worker.context, 0, writer_broken_cb, NULL, &error);
  if (worker.writer == NULL)
    {
      g_printerr ("concurrency-lab worker %d: %s\n", getpid (), error->message);
      return 1;
    }

  worker.frames = g_async_queue_new ();
  g_mutex_init (&worker.lock);

  lab_frame_writer_send_variant (worker.writer, LAB_FRAME_HELLO,
                                 g_variant_new ("(i)", (gint32) getpid ()));
  g_thread_unref (g_thread_new ("lab-worker-reader", reader_thread, &worker));

  /* Until the app closes our stdin (the reader then ends the process). */
  g_main_loop_run (loop);

  return 0;
}
