/* lab-mode-processes-async.c — N worker processes, each running one event loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shape of nginx (seed 001) and of "multiple processes, each running
 * coroutines" (seed 003): a master hands work to a few worker processes,
 * about one per core, and each worker runs an event loop that keeps many
 * tasks in flight.  Processes use every core; the loops make the waiting
 * cheap.  A task that computes still holds its own loop, but only its own:
 * the other processes go on.
 *
 * The master is the processes mode's: the same pool of copies of this
 * program (workers/lab-process-pool.c), the same queue of tasks, the plan
 * sent once per worker and run.  Two things change.  The plan says
 * "event-loop", so a worker starts each task on its loop and takes the
 * next one at once (workers/lab-worker.c); and we give each worker up to
 * M tasks at a time instead of one.  Results come back as tasks finish, in
 * any order; each names its task.  A worker that dies takes its M tasks
 * with it: they all go back to the front of the queue for the others.
 *
 * All of this runs on the pool's thread; the caller just waits.
 */

#define G_LOG_DOMAIN "lab-mode-processes-async"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-process-pool-private.h"

/* The run starts: every task waits in one queue, and runs nowhere yet. */
static void
begin (LabProcessPool *pool)
{
  lab_mode_processes_begin (pool);

  pool->task_lane = g_new (gint, pool->ctx->run->n_records);
  for (guint i = 0; i < pool->ctx->run->n_records; i++)
    pool->task_lane[i] = -1;
}

/* Fill a worker's loop: up to M tasks of the current run in flight, but no
 * more than its share of what is left, so that 40 tasks on 2 workers go
 * 20 and 20 rather than all 40 to the first one that asks. */
static void
give_task (LabProcessPool *pool,
           LabWorkerSlot  *slot)
{
  guint live = 0, share;
  gpointer item;

  if (pool->ctx == NULL || !slot->ready || slot->broken || pool->stop_message != NULL ||
      !lab_mode_processes_send_plan (pool, slot))
    return;

  for (guint i = 0; i < pool->n_workers; i++)
    live += pool->slots[i] != NULL && pool->slots[i]->ready && !pool->slots[i]->broken;
  share = (pool->outstanding + live - 1) / MAX (live, 1);

  while (slot->in_flight < MIN (pool->in_flight, share) && !slot->broken &&
         (item = g_queue_pop_head (&pool->pending)) != NULL)
    {
      guint index = GPOINTER_TO_UINT (item) - 1;

      pool->task_lane[index] = slot->lane;
      slot->in_flight++;
      lab_mode_processes_send_task (pool, slot, index);
    }
}

/* A worker's loop finished a task (DONE): book it, and the loop has room
 * for the next one. */
static void
take_result (LabProcessPool *pool,
             LabWorkerSlot  *slot,
             LabFrame       *frame)
{
  g_auto(LabTaskResult) result = { 0 };

  if (!lab_mode_processes_read_result (slot, frame, &result))
    return;

  /* Not in flight there (any more): a late answer to a run already over. */
  if (pool->ctx == NULL || result.run_id != pool->run_id ||
      result.index >= pool->ctx->run->n_records || pool->task_lane[result.index] != (gint) slot->lane)
    return;

  /* Its lane is the process: the timeline stacks a lane's tasks in flight. */
  pool->task_lane[result.index] = -1;
  slot->in_flight--;
  lab_mode_processes_book_result (pool, slot, &result);

  give_task (pool, slot);
  lab_process_pool_end_run_if_done (pool);
}

/* A worker died during the run with tasks in flight on its loop: each goes
 * back to the front of the queue (in order) for the other workers, unless
 * the run is being stopped or the task was in flight at every crash. */
static void
worker_lost (LabProcessPool *pool,
             LabWorkerSlot  *slot)
{
  LabRunContext *ctx = pool->ctx;

  lab_run_context_push_worker (ctx, LAB_EVENT_WORKER_LOST, slot->lane, slot->pid);

  for (guint i = ctx->run->n_records; i-- > 0;)
    {
      if (pool->task_lane[i] != (gint) slot->lane)
        continue;

      pool->task_lane[i] = -1;
      if (pool->stop_message != NULL)
        lab_mode_processes_finish_task (pool, i, pool->stop_message);
      else if (++pool->crashes[i] >= LAB_MAX_CRASHES_PER_TASK)
        lab_mode_processes_finish_task (pool, i, _("The worker process died every time this "
                                                   "task was in flight on its event loop."));
      else
        {
          ctx->run->records[i].start_us = ctx->run->records[i].end_us = 0;
          g_queue_push_head (&pool->pending, GUINT_TO_POINTER (i + 1));
        }
    }
  slot->in_flight = 0;
}

static const LabPoolMode processes_async_mode = {
  begin, give_task, take_result, worker_lost,
};

/* Runs every task of @ctx on the pool's workers, up to plan->in_flight
 * (by default 1000 in all, shared out) on each worker's loop. */
gboolean
lab_mode_processes_async_execute (LabRunContext  *ctx,
                                  GError        **error)
{
  const LabPlan *plan = lab_workload_get_plan (ctx->workload);
  guint processes = lab_process_pool_get_n_workers (ctx->pool);
  guint in_flight = plan->in_flight > 0 ? plan->in_flight : MAX (1000 / processes, 1);
  g_autoptr(LabPlan) worker_plan = NULL;
  g_autoptr(GVariant) worker_variant = NULL;
  GVariantDict dict;

  if ((guint64) in_flight * processes > LAB_MAX_PROCESS_IN_FLIGHT)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Processes + async keeps at most %u tasks in flight in all, not %u "
                     "processes × %u each."),
                   LAB_MAX_PROCESS_IN_FLIGHT, processes, in_flight);
      return FALSE;
    }

  /* Each worker serves M tasks at once: that is its concurrency (a worker
   * opens as many HTTP connections, say).  And it runs them on its loop. */
  worker_plan = lab_plan_copy (plan);
  worker_plan->workers = MIN (in_flight, LAB_MAX_WORKERS);
  worker_variant = g_variant_ref_sink (lab_plan_to_variant (worker_plan));
  g_variant_dict_init (&dict, worker_variant);
  g_variant_dict_insert (&dict, "event-loop", "b", TRUE);

  /* Read on the pool's thread, which the run's start reaches after this. */
  ctx->pool->in_flight = in_flight;
  ctx->run->in_flight = in_flight;

  return lab_mode_processes_run_plan (ctx, &processes_async_mode, g_variant_dict_end (&dict),
                                      error);
}
