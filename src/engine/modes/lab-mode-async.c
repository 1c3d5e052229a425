/* lab-mode-async.c — one thread, one event loop, many tasks in flight
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like Python's asyncio: a single thread runs an event loop (a GMainContext
 * of its own).  The loop starts up to N tasks; a task that has to wait
 * (a timer, a network reply) hands control back to the loop at once, and
 * the loop starts or resumes whatever is ready.  So 100 waits overlap on
 * one thread.  But a task that computes never hands control back until it
 * is done: while it runs, nothing else on the loop moves.
 *
 * The loop is measured as it runs (lab-states.c): when it was busy running
 * callbacks and when it slept in poll (), and how late each timer fired.
 * Sleeping tasks leave it idle and their timers on time; a computing task
 * keeps it busy, and every timer due meanwhile fires late.
 */

#define G_LOG_DOMAIN "lab-mode-async"

#include "config.h"

#include <unistd.h>

#include "lab-run-context.h"
#include "lab-states.h"

typedef struct
{
  LabRunContext  *ctx;
  GMainLoop      *loop;
  LabTaskContext  task_context;
  guint           next_task;
  guint           in_flight;
} AsyncRun;

typedef struct
{
  AsyncRun *async_run;
  guint     index;
} AsyncTask;

static void start_tasks (AsyncRun *async_run);

/* Runs on the loop when a task is over: book it, and use the free slot. */
static void
task_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree AsyncTask *async_task = user_data;
  AsyncRun *async_run = async_task->async_run;
  LabTaskRecord *record = &async_run->ctx->run->records[async_task->index];
  g_autoptr(GError) error = NULL;

  if (!lab_workload_run_task_finish (LAB_WORKLOAD (source), result, &error))
    record->error = g_strdup (error->message);
  if (record->end_us == 0)
    record->end_us = g_get_monotonic_time ();

  lab_run_context_task_finished (async_run->ctx, async_task->index);
  async_run->in_flight--;

  start_tasks (async_run);
  if (async_run->in_flight == 0)
    g_main_loop_quit (async_run->loop);
}

/* Keep up to N tasks in flight.  Starting a waiting task returns at once;
 * starting a computing task returns only when it is done. */
static void
start_tasks (AsyncRun *async_run)
{
  LabRunContext *ctx = async_run->ctx;

  while (async_run->in_flight < ctx->workers && async_run->next_task < ctx->run->n_records)
    {
      AsyncTask *async_task = g_new0 (AsyncTask, 1);
      LabTaskRecord *record = &ctx->run->records[async_run->next_task];
      LabCpuSample cpu_at_start;
      gint64 started;

      async_task->async_run = async_run;
      async_task->index = async_run->next_task++;
      async_run->in_flight++;

      record->lane = 0;
      record->pid = getpid ();
      record->start_us = g_get_monotonic_time ();
      lab_run_context_task_started (ctx, async_task->index, 0, record->pid, record->start_us);

      /* The call that starts the task is all of a computing task, and
       * all the CPU it gets: its time on a CPU is measured around it.  A
       * waiting task returns from it at once, having used a few µs; its
       * wait is a span its own callback records when it ends. */
      lab_cpu_sample_task_start (&cpu_at_start, record->start_us);
      lab_spans_begin_task (&record->spans);
      lab_workload_run_task_async (ctx->workload, &async_run->task_context,
                                   ctx->inputs[async_task->index], record,
                                   task_done_cb, async_task);
      lab_spans_end_task ();
      started = g_get_monotonic_time ();
      lab_cpu_sample_task_end (&cpu_at_start, started, started - record->start_us,
                               &record->cpu_us, &record->run_queue_us);
    }
}

static gpointer
async_thread (gpointer data)
{
  AsyncRun *async_run = data;
  LabRunContext *ctx = async_run->ctx;
  GMainContext *context = g_main_context_new ();
  LabLoopRecorder *recorder;

  /* Everything started from here (timers, HTTP requests) reports back to
   * this thread's own loop, not to the application's. */
  g_main_context_push_thread_default (context);
  recorder = lab_loop_recorder_start (context);
  async_run->loop = g_main_loop_new (context, FALSE);
  async_run->task_context.worker_data = lab_workload_worker_data_new (ctx->workload);

  lab_run_context_start_clock (ctx);
  start_tasks (async_run);
  if (async_run->in_flight > 0)
    g_main_loop_run (async_run->loop);

  /* Let finished tasks release what they hold before the context goes. */
  while (g_main_context_iteration (context, FALSE))
    ;
  lab_loop_recorder_stop (recorder, &ctx->run->loop);

  lab_workload_worker_data_free (ctx->workload, async_run->task_context.worker_data);
  g_main_loop_unref (async_run->loop);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

gboolean
lab_mode_async_execute (LabRunContext  *ctx,
                        GError        **error)
{
  AsyncRun async_run = { ctx, NULL, { ctx->cancellable, NULL, NULL }, 0, 0 };
  gint64 startup = g_get_monotonic_time ();
  GThread *thread;

  thread = g_thread_try_new ("lab-async", async_thread, &async_run, error);
  if (thread == NULL)
    return FALSE;
  lab_run_context_set_startup (ctx, startup);
  lab_cost_note_threads (&ctx->run->cost, 1, startup);

  lab_run_context_wait (ctx);
  g_thread_join (thread);

  return TRUE;
}
