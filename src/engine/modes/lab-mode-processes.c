/* lab-mode-processes.c — N worker processes take tasks from one queue
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like Python's multiprocessing.Pool.  The workers are copies of this very
 * program, started once and kept (workers/lab-process-pool.c).  They share
 * no memory with us, so a run goes like this: every worker is sent the
 * plan once (a RUN frame), then each free worker is sent the next task
 * with a copy of its input (TASK); when it answers (DONE) we book the
 * result and give it the next task.  A worker that dies takes no task
 * with it: the task goes back to the front of the queue for another one.
 *
 * All of this runs on the pool's thread; the caller just waits.
 */

#define G_LOG_DOMAIN "lab-mode-processes"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-process-pool-private.h"
#include "lab-states.h"

/* A task is over for good, one way or another: book it on the run. */
void
lab_mode_processes_finish_task (LabProcessPool *pool,
                                guint           index,
                                const char     *error_message)
{
  LabTaskRecord *record = &pool->ctx->run->records[index];

  if (error_message != NULL && record->error == NULL)
    record->error = g_strdup (error_message);
  if (record->end_us == 0)
    record->end_us = g_get_monotonic_time ();

  lab_run_context_task_finished (pool->ctx, index);
  pool->outstanding--;
}

/* The run starts: every task waits in one queue, in order. */
void
lab_mode_processes_begin (LabProcessPool *pool)
{
  LabRunContext *ctx = pool->ctx;

  pool->outstanding = ctx->run->n_records;
  pool->crashes = g_new0 (guint, ctx->run->n_records);
  for (guint i = 0; i < ctx->run->n_records; i++)
    g_queue_push_tail (&pool->pending, GUINT_TO_POINTER (i + 1));

  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL && pool->slots[i]->ready)
      lab_run_context_push_worker (ctx, LAB_EVENT_WORKER_STARTED, i, pool->slots[i]->pid);

  lab_run_context_start_clock (ctx);
}

/* Give a free worker the next task of the current run. */
static void
give_task (LabProcessPool *pool,
           LabWorkerSlot  *slot)
{
  LabRunContext *ctx = pool->ctx;
  gpointer item;
  guint index;

  if (ctx == NULL || !slot->ready || slot->broken || slot->task >= 0 ||
      pool->stop_message != NULL)
    return;

  if (!lab_mode_processes_send_plan (pool, slot))
    return;

  item = g_queue_pop_head (&pool->pending);
  if (item == NULL)
    return;
  index = GPOINTER_TO_UINT (item) - 1;

  slot->task = index;
  lab_mode_processes_send_task (pool, slot, index);
}

/* The plan travels once per worker and run, not with every task.  FALSE
 * when the worker is of no use any more. */
gboolean
lab_mode_processes_send_plan (LabProcessPool *pool,
                              LabWorkerSlot  *slot)
{
  if (slot->run_sent != pool->run_id)
    {
      if (!lab_worker_slot_send (slot, LAB_FRAME_RUN, NULL, 0, pool->run_payload))
        return FALSE;
      slot->run_sent = pool->run_id;
    }
  return TRUE;
}

/* Task @index goes to @slot's worker, with a copy of its input: processes
 * share no memory.  If the worker turns out dead, the mode's worker_lost
 * puts the task back. */
void
lab_mode_processes_send_task (LabProcessPool *pool,
                              LabWorkerSlot  *slot,
                              guint           index)
{
  guint8 ids[8];
  guint32 run_id_le = GUINT32_TO_LE (pool->run_id);
  guint32 index_le = GUINT32_TO_LE (index);

  lab_run_context_task_started (pool->ctx, index, slot->lane, slot->pid, g_get_monotonic_time ());

  memcpy (ids, &run_id_le, 4);
  memcpy (ids + 4, &index_le, 4);
  lab_worker_slot_send (slot, LAB_FRAME_TASK, ids, sizeof ids, pool->ctx->inputs[index]);
}

/* A worker answered (DONE): its result is copied into the run's record. */
static void
take_result (LabProcessPool *pool,
             LabWorkerSlot  *slot,
             LabFrame       *frame)
{
  g_auto(LabTaskResult) result = { 0 };

  if (!lab_mode_processes_read_result (slot, frame, &result))
    return;

  if (pool->ctx == NULL || result.run_id != pool->run_id || (gint) result.index != slot->task)
    return;   /* a late answer to a run that is already over */

  slot->task = -1;
  lab_mode_processes_book_result (pool, slot, &result);

  give_task (pool, slot);
  lab_process_pool_end_run_if_done (pool);
}

/* Reads a DONE frame.  A worker that sends garbage is of no use: it is
 * killed (and replaced), and FALSE returned. */
gboolean
lab_mode_processes_read_result (LabWorkerSlot *slot,
                                LabFrame      *frame,
                                LabTaskResult *result)
{
  g_autoptr(GError) error = NULL;

  if (lab_frame_get_result (frame, result, &error))
    return TRUE;

  g_warning ("worker %d sent a %s", slot->pid, error->message);
  lab_worker_slot_kill (slot);
  return FALSE;
}

/* The worker's result is copied into the task's record, and the task is over. */
void
lab_mode_processes_book_result (LabProcessPool *pool,
                                LabWorkerSlot  *slot,
                                LabTaskResult  *result)
{
  LabTaskRecord *record = &pool->ctx->run->records[result->index];

  record->lane = slot->lane;   /* the process's lane on the timeline */
  record->pid = slot->pid;
  record->start_us = result->start_us;
  record->end_us = result->end_us;
  record->bytes = result->bytes;
  record->value = g_strdup (result->value);
  record->status = result->status;
  record->ttfb_us = result->ttfb_us;
  record->cpu_us = result->cpu_us;
  record->run_queue_us = result->run_queue_us;
  record->spans = g_steal_pointer (&result->spans);
  /* The result came back through the pipe: a copy, after the task. */
  if (result->last_byte_us - result->first_byte_us >= LAB_MIN_TRANSFER_SPAN_US)
    lab_spans_add (&record->spans, LAB_STATE_TRANSFER, LAB_WAIT_RECEIVE, result->first_byte_us,
                   result->last_byte_us);
  record->output = g_steal_pointer (&result->output);
  pool->deaths[slot->lane] = 0;   /* a worker that delivers is a good lane */
  lab_mode_processes_finish_task (pool, result->index, result->error);
}

/* Every task still waiting ends with @message. */
void
lab_mode_processes_fail_waiting (LabProcessPool *pool,
                                 const char     *message)
{
  gpointer item;

  while ((item = g_queue_pop_head (&pool->pending)) != NULL)
    lab_mode_processes_finish_task (pool, GPOINTER_TO_UINT (item) - 1, message);
}

/* A worker could not set up this run (FAILED; say, the input folder is
 * unreadable from there): every task still waiting fails the same way. */
void
lab_mode_processes_run_refused (LabProcessPool *pool,
                                LabWorkerSlot  *slot,
                                LabFrame       *frame)
{
  g_autoptr(GVariant) variant = lab_frame_get_variant (frame, "(us)", NULL);
  const char *message = NULL;
  guint32 run_id = 0;

  if (variant != NULL)
    g_variant_get (variant, "(u&s)", &run_id, &message);

  pool->deaths[slot->lane] = 0;   /* it answered: it works */

  if (pool->ctx != NULL && run_id == pool->run_id)
    {
      lab_mode_processes_fail_waiting (pool, message ? message
                                                     : _("A worker process could not start the run."));
      lab_process_pool_end_run_if_done (pool);
    }
}

/* A worker died during the run: somebody else does its task, unless the
 * run is being stopped or the task has killed workers too often. */
static void
worker_lost (LabProcessPool *pool,
             LabWorkerSlot  *slot)
{
  guint index;

  lab_run_context_push_worker (pool->ctx, LAB_EVENT_WORKER_LOST, slot->lane, slot->pid);
  if (slot->task < 0)
    return;

  index = slot->task;
  if (pool->stop_message != NULL)
    lab_mode_processes_finish_task (pool, index, pool->stop_message);
  else if (++pool->crashes[index] >= LAB_MAX_CRASHES_PER_TASK)
    lab_mode_processes_finish_task (pool, index, _("The worker process died every time it ran this task."));
  else
    {
      LabTaskRecord *record = &pool->ctx->run->records[index];

      record->start_us = record->end_us = 0;
      g_queue_push_head (&pool->pending, GUINT_TO_POINTER (index + 1));
    }
}

static const LabPoolMode processes_mode = {
  lab_mode_processes_begin, give_task, take_result, worker_lost,
};

/* Runs every task of @ctx on the pool's workers as @mode says, each
 * worker getting @plan (a vardict) once; returns when all are done or
 * cancelled.  FALSE when the pool broke (its workers kept dying). */
gboolean
lab_mode_processes_run_plan (LabRunContext      *ctx,
                             const LabPoolMode  *mode,
                             GVariant           *plan,
                             GError            **error)
{
  static guint next_run_id;   /* shared by both process modes: a late answer never matches */
  LabProcessPool *pool = ctx->pool;
  g_autoptr(GVariant) frame = NULL;
  guint run_id;

  g_assert (pool != NULL);

  run_id = (guint) g_atomic_int_add (&next_run_id, 1) + 1;
  frame = g_variant_ref_sink (g_variant_new ("(u@a{sv})", run_id, plan));

  /* Only the first run on a pool paid for starting it; later ones found
   * the workers waiting (warm) and paid nothing. */
  ctx->run->warm_start = pool->runs > 0;
  ctx->run->startup_us = ctx->run->warm_start ? 0 : pool->startup_us;
  pool->runs++;

  return lab_process_pool_run (pool, ctx, mode, run_id, g_variant_get_data_as_bytes (frame), error);
}

gboolean
lab_mode_processes_execute (LabRunContext  *ctx,
                            GError        **error)
{
  return lab_mode_processes_run_plan (ctx, &processes_mode,
                                      lab_plan_to_variant (lab_workload_get_plan (ctx->workload)),
                                      error);
}
