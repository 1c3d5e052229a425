/* lab-run-context.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bookkeeping every mode shares: stamping tasks, counting what is left,
 * telling listeners, and stopping the clock when the last result is in.
 * Each task writes only its own record, so workers never contend here
 * except for the one counter.
 */

#define G_LOG_DOMAIN "lab-run-context"

#include "config.h"

#include <unistd.h>

#include "lab-run-context.h"
#include "lab-states.h"

void
lab_run_context_init (LabRunContext *ctx)
{
  g_mutex_init (&ctx->mutex);
  g_cond_init (&ctx->all_done);
  ctx->remaining = ctx->run->n_records;
}

void
lab_run_context_clear (LabRunContext *ctx)
{
  g_mutex_clear (&ctx->mutex);
  g_cond_clear (&ctx->all_done);
}

/* Start-up (spawning threads or processes) is measured apart from the run. */
void
lab_run_context_set_startup (LabRunContext *ctx,
                             gint64         since_us)
{
  ctx->run->startup_us = g_get_monotonic_time () - since_us;
}

void
lab_run_context_start_clock (LabRunContext *ctx)
{
  ctx->run->start_us = g_get_monotonic_time ();

  if (ctx->events != NULL)
    {
      LabEvent event = {
        .kind = LAB_EVENT_RUN_STARTED,
        .mode = ctx->run->mode,
        .task = ctx->run->n_records,
        .lane = -1,
        .time_us = ctx->run->start_us,
      };

      lab_event_buffer_push (ctx->events, &event);
    }
}

void
lab_run_context_push_worker (LabRunContext *ctx,
                             LabEventKind   kind,
                             gint           lane,
                             gint           pid)
{
  if (ctx->events != NULL)
    {
      LabEvent event = {
        .kind = kind,
        .mode = ctx->run->mode,
        .lane = lane,
        .pid = pid,
        .time_us = g_get_monotonic_time (),
      };

      lab_event_buffer_push (ctx->events, &event);
    }
}

void
lab_run_context_task_started (LabRunContext *ctx,
                              guint          index,
                              gint           lane,
                              gint           pid,
                              gint64         start_us)
{
  if (ctx->events != NULL)
    {
      LabEvent event = {
        .kind = LAB_EVENT_TASK_STARTED,
        .mode = ctx->run->mode,
        .task = index,
        .lane = lane,
        .pid = pid,
        .start_us = start_us,
        .time_us = start_us,
      };

      lab_event_buffer_push (ctx->events, &event);
    }
}

/* A finished task's events: one per span of its waits, for the timeline
 * to draw while the run goes on, then its TASK_FINISHED — pushed together,
 * under one lock, so that a reader finds them side by side.  A task that
 * never waited costs nothing more than before. */
static void
push_finished (LabRunContext       *ctx,
               const LabEvent      *finished,
               const LabTaskRecord *record)
{
  guint n_spans = record->spans != NULL ? record->spans->len : 0;
  LabEvent on_stack[16];
  g_autofree LabEvent *on_heap = NULL;
  LabEvent *events = on_stack;

  if (n_spans == 0)
    {
      lab_event_buffer_push (ctx->events, finished);
      return;
    }
  if (n_spans + 1 > G_N_ELEMENTS (on_stack))
    events = on_heap = g_new (LabEvent, n_spans + 1);

  for (guint i = 0; i < n_spans; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);

      events[i] = (LabEvent) {
        .kind = LAB_EVENT_TASK_SPAN,
        .mode = finished->mode,
        .task = finished->task,
        .lane = finished->lane,
        .pid = finished->pid,
        .state = span->state,
        .wait = span->wait,
        .start_us = span->start_us,
        .time_us = span->end_us,
      };
    }
  events[n_spans] = *finished;
  lab_event_buffer_push_many (ctx->events, events, n_spans + 1);
}

/* The record of @index is complete; count it and, after the last one, stop
 * the clock and wake whoever waits for the run. */
void
lab_run_context_task_finished (LabRunContext *ctx,
                               guint          index)
{
  const LabTaskRecord *record = &ctx->run->records[index];
  gboolean last;

  if (ctx->events != NULL)
    {
      LabEvent event = {
        .kind = LAB_EVENT_TASK_FINISHED,
        .mode = ctx->run->mode,
        .task = index,
        .lane = record->lane,
        .pid = record->pid,
        .ok = record->error == NULL,
        .start_us = record->start_us,
        .time_us = record->end_us,
        .bytes = record->bytes,
        .has_times = TRUE,
        .cpu_us = record->cpu_us,
        .run_queue_us = record->run_queue_us,
      };

      /* Its waits first, so that the bar is whole when it finishes and is
       * drawn once. */
      push_finished (ctx, &event, record);
    }

  g_mutex_lock (&ctx->mutex);
  g_assert (ctx->remaining > 0);
  last = --ctx->remaining == 0;
  if (last)
    {
      ctx->run->wall_us = g_get_monotonic_time () - ctx->run->start_us;
      g_cond_broadcast (&ctx->all_done);
    }
  g_mutex_unlock (&ctx->mutex);
}

void
lab_run_context_wait (LabRunContext *ctx)
{
  g_mutex_lock (&ctx->mutex);
  while (ctx->remaining > 0)
    g_cond_wait (&ctx->all_done, &ctx->mutex);
  g_mutex_unlock (&ctx->mutex);
}

/* Runs task @index right here, on the calling thread, as worker @lane. */
void
lab_run_context_run_task (LabRunContext *ctx,
                          guint          index,
                          gint           lane,
                          gpointer       worker_data)
{
  LabTaskRecord *record = &ctx->run->records[index];
  LabTaskContext task_context = {
    .cancellable = ctx->cancellable,
    .gil = ctx->gil,
    .worker_data = worker_data,
  };
  g_autoptr(GError) error = NULL;

  LabCpuSample cpu_at_start;

  record->lane = lane;
  record->pid = getpid ();
  record->start_us = g_get_monotonic_time ();
  lab_cpu_sample_task_start (&cpu_at_start, record->start_us);
  lab_run_context_task_started (ctx, index, lane, record->pid, record->start_us);

  /* Where the task waits (the GIL, a lock, a timer, the disk), it says so
   * into its spans; the kernel counts its time on a CPU and in the queue
   * for one. */
  lab_spans_begin_task (&record->spans);
  if (!lab_workload_run_task (ctx->workload, &task_context, ctx->inputs[index], record, &error))
    record->error = g_strdup (error->message);
  lab_spans_end_task ();

  record->end_us = g_get_monotonic_time ();
  lab_cpu_sample_task_end (&cpu_at_start, record->end_us, record->end_us - record->start_us,
                           &record->cpu_us, &record->run_queue_us);
  lab_run_context_task_finished (ctx, index);
}
