/* lab-runner.c — runs one workload in one mode and checks the outcome
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The runner makes the inputs (before any clock starts, so every mode gets
 * the same data for free), keeps a process pool between runs (start-up is
 * paid once, by the first run on the pool, and reported apart), hands the
 * run to the mode, and finally lets the workload verify the results.
 *
 * One runner serves one caller at a time; run it from a thread that may
 * block, or use lab_runner_run_async ().  Only lab_runner_dup_worker_pids ()
 * may be called from other threads meanwhile.
 */

#define G_LOG_DOMAIN "lab-runner"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-process-pool.h"
#include "lab-run-context.h"
#include "lab-cores-sampler.h"
#include "lab-runner.h"
#include "lab-thread-task.h"

struct _LabRunner
{
  LabEventBuffer  *events;

  /* The run's thread replaces the pool while a window may be asking for
   * its pids from another: the lock keeps a pool from being freed under
   * the reader.  Only the run's thread writes the pointer. */
  GMutex           pool_lock;
  LabProcessPool  *pool;
  char            *worker_executable;   /* NULL: this program */

  /* Inputs of the last workload, kept for repeated runs. */
  LabWorkload     *inputs_for;
  GBytes         **inputs;
  guint            n_inputs;
};

LabRunner *
lab_runner_new (void)
{
  LabRunner *self = g_new0 (LabRunner, 1);

  g_mutex_init (&self->pool_lock);
  return self;
}

/* Puts @pool in place of the current one, which is freed (its workers
 * stopped) outside the lock, so readers never wait for that. */
static void
lab_runner_replace_pool (LabRunner      *self,
                         LabProcessPool *pool)
{
  LabProcessPool *old;

  g_mutex_lock (&self->pool_lock);
  old = self->pool;
  self->pool = pool;
  g_mutex_unlock (&self->pool_lock);

  lab_process_pool_free (old);
}

static void
lab_runner_clear_inputs (LabRunner *self)
{
  for (guint i = 0; i < self->n_inputs; i++)
    g_clear_pointer (&self->inputs[i], g_bytes_unref);
  g_clear_pointer (&self->inputs, g_free);
  g_clear_object (&self->inputs_for);
  self->n_inputs = 0;
}

void
lab_runner_free (LabRunner *self)
{
  if (self == NULL)
    return;

  lab_runner_clear_inputs (self);
  lab_runner_replace_pool (self, NULL);
  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_mutex_clear (&self->pool_lock);
  g_free (self->worker_executable);
  g_free (self);
}

/* Where to send events while runs go on; NULL for nowhere. */
void
lab_runner_set_events (LabRunner      *self,
                       LabEventBuffer *events)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->events, lab_event_buffer_unref);
  if (events != NULL)
    self->events = lab_event_buffer_ref (events);
}

/* Where events go (NULL: nowhere), for work a lesson runs beside the
 * runner, such as an executor's threads. */
LabEventBuffer *
lab_runner_get_events (LabRunner *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->events;
}

static gboolean
lab_runner_ensure_pool (LabRunner     *self,
                        guint          workers,
                        gboolean       fresh,
                        GCancellable  *cancellable,
                        GError       **error)
{
  LabProcessPool *pool;

  /* A warm pool is reused only when it is whole: the right size, every
   * lane with a live worker, none given up.  Anything less would run with
   * fewer workers than asked, or wait for one that never comes. */
  if (!fresh && self->pool != NULL &&
      lab_process_pool_get_n_workers (self->pool) == workers &&
      lab_process_pool_is_whole (self->pool))
    return TRUE;

  lab_runner_replace_pool (self, NULL);
  if (self->worker_executable != NULL)
    pool = lab_process_pool_new_for_executable (self->worker_executable, workers, cancellable,
                                                error);
  else
    pool = lab_process_pool_new (workers, cancellable, error);
  lab_runner_replace_pool (self, pool);

  return pool != NULL;
}

/* Worker processes are started from @executable from now on (NULL: this
 * program, or $LAB_WORKER_EXECUTABLE); a running pool is stopped. */
void
lab_runner_set_worker_executable (LabRunner  *self,
                                  const char *executable)
{
  g_return_if_fail (self != NULL);

  lab_runner_replace_pool (self, NULL);
  g_free (self->worker_executable);
  self->worker_executable = g_strdup (executable);
}

/* Starts (or keeps) a pool of exactly @workers worker processes.  The
 * first run on a new pool is the one that pays (and reports) its start-up. */
gboolean
lab_runner_prepare_processes (LabRunner     *self,
                              guint          workers,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return lab_runner_ensure_pool (self, workers, FALSE, cancellable, error);
}

/* The pids of the pool's workers, or an empty array without a pool.  Safe
 * to call from any thread, even while a run replaces the pool. */
GArray *
lab_runner_dup_worker_pids (LabRunner *self)
{
  GArray *pids;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->pool_lock);
  if (self->pool == NULL)
    pids = g_array_new (FALSE, TRUE, sizeof (gint));
  else
    pids = lab_process_pool_dup_pids (self->pool);
  g_mutex_unlock (&self->pool_lock);

  return pids;
}

static gboolean
lab_runner_ensure_inputs (LabRunner     *self,
                          LabWorkload   *workload,
                          GCancellable  *cancellable,
                          GError       **error)
{
  guint n_tasks = lab_workload_get_n_tasks (workload);

  if (self->inputs_for == workload)
    return TRUE;

  lab_runner_clear_inputs (self);
  self->inputs = g_new0 (GBytes *, n_tasks);
  self->n_inputs = n_tasks;

  if (lab_workload_has_task_input (workload))
    for (guint i = 0; i < n_tasks; i++)
      {
        GError *local_error = NULL;

        if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
          {
            g_propagate_error (error, local_error);
            lab_runner_clear_inputs (self);
            return FALSE;
          }

        self->inputs[i] = lab_workload_make_task_input (workload, i, &local_error);
        if (local_error != NULL)
          {
            g_propagate_error (error, local_error);
            lab_runner_clear_inputs (self);
            return FALSE;
          }
      }

  self->inputs_for = g_object_ref (workload);
  return TRUE;
}

static void
push_run_finished (LabEventBuffer *events,
                   const LabRun   *run)
{
  LabEvent event = {
    .kind = LAB_EVENT_RUN_FINISHED,
    .mode = run->mode,
    .task = run->n_records,
    .lane = -1,
    .ok = lab_run_is_ok (run),
    .time_us = run->start_us + run->wall_us,
  };

  if (events != NULL)
    lab_event_buffer_push (events, &event);
}

/* Cancel came before there were workers: the clock starts and every task
 * ends cancelled at once, as when Cancel beats a pool to its first task. */
static gboolean
lab_runner_cancel_every_task (LabRunContext *ctx)
{
  lab_run_context_start_clock (ctx);
  for (guint i = 0; i < ctx->run->n_records; i++)
    {
      ctx->run->records[i].error = g_strdup (_("Cancelled"));
      ctx->run->records[i].end_us = g_get_monotonic_time ();
      lab_run_context_task_finished (ctx, i);
    }

  return TRUE;
}

/* How many cores the run keeps busy: this process, and in processes mode
 * the pool's workers. */
static LabCoresSampler *
start_cores_sampler (LabRunner *self,
                     LabMode    mode)
{
  g_autoptr(GArray) pids = NULL;

  if (lab_mode_uses_processes (mode))
    pids = lab_runner_dup_worker_pids (self);
  return lab_cores_sampler_start (pids ? (const gint *) pids->data : NULL, pids ? pids->len : 0,
                                  self->events, mode);
}

/* Runs every task of @workload in @mode and verifies the results.  Returns
 * NULL only when the run could not happen at all (say, worker processes
 * would not start); failed or cancelled tasks are in the returned run. */
LabRun *
lab_runner_run (LabRunner     *self,
                LabWorkload   *workload,
                LabMode        mode,
                GCancellable  *cancellable,
                GError       **error)
{
  return lab_runner_run_with_inputs (self, workload, mode, NULL, cancellable, error);
}

/* The modes whose work is done by the pool's worker processes. */
static gboolean
mode_uses_pool (LabMode mode)
{
  return mode == LAB_MODE_PROCESSES || mode == LAB_MODE_PROCESSES_ASYNC;
}

/* The same, with the tasks' inputs handed in: what an earlier stage made
 * (the bodies a download brought), one per task. */
LabRun *
lab_runner_run_with_inputs (LabRunner     *self,
                            LabWorkload   *workload,
                            LabMode        mode,
                            GBytes       **inputs,
                            GCancellable  *cancellable,
                            GError       **error)
{
  const LabPlan *plan;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GCancellable) own_cancellable = NULL;
  g_autoptr(LabGil) gil = NULL;
  g_autoptr(GError) verify_error = NULL;
  g_autoptr(GError) pool_error = NULL;
  g_autoptr(LabCostProbe) cost_probe = NULL;
  g_autoptr(GArray) worker_pids = NULL;
  LabRunContext ctx = { 0 };
  LabCoresSampler *sampler;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (LAB_IS_WORKLOAD (workload), NULL);
  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  plan = lab_workload_get_plan (workload);
  if (!lab_plan_validate_mode (plan, mode, error))
    return NULL;
  run = lab_run_new (mode, lab_workload_get_n_tasks (workload));
  run->workers = mode == LAB_MODE_SEQUENTIAL ? 1 : plan->workers;
  run->gil = plan->gil && mode == LAB_MODE_THREADS;

  if (cancellable == NULL)
    cancellable = own_cancellable = g_cancellable_new ();

  /* fresh_workers: a lesson about start-up cost wants it paid, not warm.
   * Cancelled while the workers start, the run still happens, with every
   * task cancelled (see lab_runner_cancel_every_task ()). */
  if (lab_mode_uses_processes (mode) &&
      !lab_runner_ensure_pool (self, run->workers, plan->fresh_workers, cancellable,
                               &pool_error) &&
      !g_error_matches (pool_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&pool_error));
      return NULL;
    }

  if (inputs != NULL)
    {
      lab_runner_clear_inputs (self);
      self->n_inputs = lab_workload_get_n_tasks (workload);
      self->inputs = g_new0 (GBytes *, self->n_inputs);
      for (guint i = 0; i < self->n_inputs; i++)
        self->inputs[i] = inputs[i] ? g_bytes_ref (inputs[i]) : NULL;
      self->inputs_for = g_object_ref (workload);
    }
  else if (!lab_runner_ensure_inputs (self, workload, cancellable, error))
    return NULL;

  run->inputs = g_new0 (GBytes *, run->n_records);
  for (guint i = 0; i < run->n_records; i++)
    {
      run->records[i].name = lab_workload_dup_task_name (workload, i);
      if (self->inputs[i] != NULL)
        run->inputs[i] = g_bytes_ref (self->inputs[i]);
    }

  if (run->gil)
    gil = lab_gil_new (LAB_GIL_SWITCH_INTERVAL_US);

  ctx.workload = workload;
  ctx.run = run;
  ctx.inputs = self->inputs;
  ctx.events = self->events;
  ctx.cancellable = cancellable;
  ctx.gil = gil;
  ctx.pool = self->pool;
  ctx.workers = run->workers;
  lab_workload_set_events (workload, self->events, mode);
  if (!lab_workload_begin_run (workload, mode, error))
    return NULL;
  lab_run_context_init (&ctx);
  /* Not for a distributed run: its work is done by workers this process's
   * sampler cannot see (other processes, other machines), and "0.0 cores
   * busy" would be false.  Its jobs' own CPU times say where time went. */
  sampler = mode != LAB_MODE_DISTRIBUTED ? start_cores_sampler (self, mode) : NULL;

  /* What the run costs the app and, in a pool mode, its workers.  Not
   * the pool's for a distributed run: the pool idles through it, and the
   * distributed workers are no children of ours (maybe on other machines). */
  if (self->pool != NULL && mode_uses_pool (mode))
    worker_pids = lab_process_pool_dup_pids (self->pool);
  cost_probe = lab_cost_probe_begin (&run->cost, worker_pids);

  switch (mode)
    {
    case LAB_MODE_SEQUENTIAL:
      ok = lab_mode_sequential_execute (&ctx, error);
      break;

    case LAB_MODE_THREADS:
      ok = lab_mode_threads_execute (&ctx, error);
      break;

    case LAB_MODE_PROCESSES:
      if (self->pool != NULL)
        ok = lab_mode_processes_execute (&ctx, error);
      else
        ok = lab_runner_cancel_every_task (&ctx);
      break;

    case LAB_MODE_ASYNC:
      ok = lab_mode_async_execute (&ctx, error);
      break;

    case LAB_MODE_PROCESSES_ASYNC:
      if (self->pool != NULL)
        ok = lab_mode_processes_async_execute (&ctx, error);
      else
        ok = lab_runner_cancel_every_task (&ctx);
      break;

    case LAB_MODE_DISTRIBUTED:
      /* A job carries parameters only: bodies an earlier stage made here
       * cannot travel to another machine as a job. */
      if (inputs != NULL)
        g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                             _("The distributed mode runs whole jobs only, not the later "
                               "stages of a pipeline."));
      else
        ok = lab_mode_distributed_execute (&ctx, error);
      break;

    case LAB_N_ALL_MODES:
    default:
      g_assert_not_reached ();
    }

  run->cores_busy = sampler != NULL ? lab_cores_sampler_stop (sampler) : NULL;
  g_clear_pointer (&worker_pids, g_array_unref);
  if (self->pool != NULL && mode_uses_pool (mode))
    worker_pids = lab_process_pool_dup_pids (self->pool);
  lab_cost_probe_end (cost_probe, &run->cost, worker_pids);

  lab_run_context_clear (&ctx);
  if (!ok)
    {
      lab_workload_end_run (workload);
      return NULL;
    }

  if (gil != NULL)
    {
      run->gil_max_holders = lab_gil_get_max_holders (gil);
      run->gil_switches = lab_gil_get_switches (gil);
    }

  for (guint i = 0; i < run->n_records; i++)
    {
      if (run->records[i].error == NULL)
        run->tasks_ok++;
      else
        run->tasks_failed++;
    }
  run->cancelled = g_cancellable_is_cancelled (cancellable);

  if (run->cancelled)
    run->verify_error = g_strdup (_("The run was cancelled."));
  else if (run->tasks_failed > 0)
    run->verify_error = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "%u task failed.", "%u tasks failed.",
                                                      run->tasks_failed),
                                         run->tasks_failed);
  else if (lab_workload_verify (workload, run, &verify_error))
    run->verified = TRUE;
  else
    run->verify_error = g_strdup (verify_error->message);
  lab_workload_end_run (workload);

  push_run_finished (self->events, run);

  return g_steal_pointer (&run);
}

typedef struct
{
  LabRunner   *runner;
  LabWorkload *workload;
  LabMode      mode;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run_data = data;

  g_clear_object (&run_data->workload);
  g_free (run_data);
}

static gpointer
run_thread (gpointer       data,
            GCancellable  *cancellable,
            GError       **error)
{
  RunData *run_data = data;

  return lab_runner_run (run_data->runner, run_data->workload, run_data->mode, cancellable, error);
}

/* Runs on a thread of its own; @callback gets the run on the caller's
 * main context.  Events still go to the event buffer meanwhile. */
void
lab_runner_run_async (LabRunner           *self,
                      LabWorkload         *workload,
                      LabMode              mode,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  RunData *run_data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (LAB_IS_WORKLOAD (workload));

  run_data = g_new0 (RunData, 1);
  run_data->runner = self;
  run_data->workload = g_object_ref (workload);
  run_data->mode = mode;
  lab_thread_task_run (lab_runner_run_async, run_thread, run_data, run_data_free,
                       (GDestroyNotify) lab_run_free, cancellable, callback, user_data);
}

LabRun *
lab_runner_run_finish (LabRunner     *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  return lab_thread_task_finish (result, lab_runner_run_async, error);
}
