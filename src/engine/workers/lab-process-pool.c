/* lab-process-pool.c — N worker processes, started once, fed over pipes
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like Python's multiprocessing.Pool: copies of this very program are
 * started ahead of time (start-up is slow, so it is paid once and measured
 * apart), each waits for work on its stdin.  This file keeps them: it
 * spawns them, replaces the dead, decides when a pool is worth reusing,
 * and stops a run within a grace period.  What the workers do in a run
 * (the next task to a free worker, results back) is the mode's business
 * (a LabPoolMode): modes/lab-mode-processes.c gives each worker one task at
 * a time, modes/lab-mode-processes-async.c up to M for its event loop.
 *
 * All of this happens on one long-lived thread of the pool with its own
 * event loop, for two reasons: the caller (a window) must never block on a
 * pipe, and Linux's "kill my children when I die" (PR_SET_PDEATHSIG) fires
 * when the *thread* that spawned them ends, so spawning must happen on a
 * thread that lives as long as the pool.
 *
 * Each worker lives in a slot (lab-worker-slot.c: its pipes, framed and
 * never blocking, and how we notice it is gone).  When a worker is gone,
 * its tasks go back to the front of the queue and a new worker takes its
 * place.  A lane whose workers keep dying is given up: the pool is then
 * "broken", the run in progress fails with a sentence, and the runner
 * starts a whole new pool next time.
 */

#define G_LOG_DOMAIN "lab-process-pool"

#include "config.h"

#include <glib/gi18n.h>
#include <pthread.h>
#include <signal.h>

#include "lab-process-pool-private.h"

#define STARTUP_TIMEOUT_US  (10 * G_USEC_PER_SEC)
#define CANCEL_GRACE_MS     500
#define SHUTDOWN_GRACE_MS   200
#define MAX_DEATHS_PER_LANE  5   /* in a row without a result; above LAB_MAX_CRASHES_PER_TASK */


static void pool_stop_run      (LabProcessPool *pool,
                                const char     *message,
                                gboolean        failure);

static void
pool_publish_pid (LabProcessPool *pool,
                  guint           lane,
                  gint            pid)
{
  g_mutex_lock (&pool->mutex);
  g_array_index (pool->pids, gint, lane) = pid;
  g_mutex_unlock (&pool->mutex);
}

static void
pool_fail_start (LabProcessPool *pool,
                 GError         *error)
{
  g_mutex_lock (&pool->mutex);
  if (!pool->started)
    {
      pool->started = TRUE;
      pool->start_error = error;
      g_cond_broadcast (&pool->cond);
    }
  else
    g_error_free (error);
  g_mutex_unlock (&pool->mutex);
}

/* A lane lost its workers for good, so the pool can no longer promise N
 * workers.  Nothing is respawned any more, the run in progress fails with
 * @message, and the runner starts a whole new pool next time. */
static void
pool_break (LabProcessPool *pool,
            const char     *message)
{
  if (pool->broken)
    return;

  g_debug ("giving the pool up: %s", message);
  pool->broken = TRUE;

  g_mutex_lock (&pool->mutex);
  pool->broken_error = g_error_new_literal (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER, message);
  g_mutex_unlock (&pool->mutex);

  pool_fail_start (pool, g_error_new_literal (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER, message));
  pool_stop_run (pool, message, TRUE);
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

static LabWorkerSlot *pool_spawn (LabProcessPool *pool, guint lane, GError **error);

/* A worker is gone: the run learns of it (its task goes back to the queue)
 * and, unless the lane keeps failing, a new worker takes its place. */
static void
pool_slot_gone_cb (LabWorkerSlot *slot,
                   gpointer       user_data)
{
  LabProcessPool *pool = user_data;
  guint lane = slot->lane;

  pool->slots[lane] = NULL;
  pool_publish_pid (pool, lane, 0);

  /* Killing busy workers is how a run is stopped: no sign of a bad lane. */
  if (pool->stop_message == NULL)
    pool->deaths[lane]++;

  if (pool->ctx != NULL)
    pool->mode->worker_lost (pool, slot);

  lab_worker_slot_free (slot);

  if (pool->shutting_down)
    {
      for (guint i = 0; i < pool->n_workers; i++)
        if (pool->slots[i] != NULL)
          return;
      g_main_loop_quit (pool->loop);
      return;
    }

  if (pool->broken)
    {
      /* This pool will be thrown away: respawning would only spin. */
    }
  else if (pool->deaths[lane] >= MAX_DEATHS_PER_LANE)
    {
      g_autofree char *message = NULL;

      if (!pool->started)
        message = g_strdup_printf (_("Worker processes from “%s” keep exiting before they "
                                     "are ready."), pool->executable);
      else
        message = g_strdup_printf (_("Worker processes from “%s” keep dying, and a dead one "
                                     "could not be replaced."), pool->executable);
      pool_break (pool, message);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      /* Keep the pool whole: a new worker takes the lane. */
      pool->slots[lane] = pool_spawn (pool, lane, &error);
      if (pool->slots[lane] == NULL)
        pool_break (pool, error->message);
      else if (pool->ctx != NULL)
        pool->ctx->run->respawns++;
    }

  if (pool->ctx != NULL)
    lab_process_pool_give_tasks (pool);
}

/* A worker said hello: it is ready, and maybe the whole pool is now. */
static void
slot_handle_hello (LabWorkerSlot *slot,
                   LabFrame      *frame)
{
  LabProcessPool *pool = slot->user_data;

  if (slot->ready)
    return;

  slot->ready = TRUE;
  pool_publish_pid (pool, slot->lane, slot->pid);

  g_mutex_lock (&pool->mutex);
  pool->n_ready++;
  if (!pool->started && pool->n_ready == pool->n_workers)
    {
      pool->started = TRUE;
      pool->startup_us = g_get_monotonic_time () - pool->spawn_start_us;
      g_cond_broadcast (&pool->cond);
    }
  g_mutex_unlock (&pool->mutex);

  if (pool->startup_timeout != NULL && pool->started)
    {
      g_source_destroy (pool->startup_timeout);
      g_clear_pointer (&pool->startup_timeout, g_source_unref);
    }

  if (pool->ctx != NULL)
    {
      lab_run_context_push_worker (pool->ctx, LAB_EVENT_WORKER_STARTED, slot->lane, slot->pid);
      pool->mode->give_task (pool, slot);
    }
}

/* The slot read a frame from a worker: what it means for the pool and the run. */
static void
pool_slot_frame_cb (LabWorkerSlot *slot,
                    LabFrame      *frame,
                    gpointer       user_data)
{
  switch (frame->type)
    {
    case LAB_FRAME_HELLO:
      slot_handle_hello (slot, frame);
      break;

    case LAB_FRAME_DONE:
      {
        LabProcessPool *pool = slot->user_data;

        /* Before any run there is nobody to answer to. */
        if (pool->mode != NULL)
          pool->mode->take_result (pool, slot, frame);
      }
      break;

    case LAB_FRAME_FAILED:
      lab_mode_processes_run_refused (slot->user_data, slot, frame);
      break;

    case LAB_FRAME_RUN:
    case LAB_FRAME_TASK:
    case LAB_FRAME_CANCEL:
    default:
      g_assert_not_reached ();
    }
}

static LabWorkerSlot *
pool_spawn (LabProcessPool  *pool,
            guint            lane,
            GError         **error)
{
  return lab_worker_slot_spawn (pool->executable, lane, pool->context,
                                pool_slot_frame_cb, pool_slot_gone_cb, pool, error);
}

static gboolean
startup_timeout_cb (gpointer data)
{
  LabProcessPool *pool = data;

  g_clear_pointer (&pool->startup_timeout, g_source_unref);
  pool_fail_start (pool, g_error_new (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                                      _("Worker processes from “%s” did not start within %d s."),
                                      pool->executable, (int) (STARTUP_TIMEOUT_US / G_USEC_PER_SEC)));
  return G_SOURCE_REMOVE;
}

static gpointer
pool_thread (gpointer data)
{
  LabProcessPool *pool = data;
  GSource *timeout;
  sigset_t sigpipe;

  /* Writing to a worker that has closed its stdin raises SIGPIPE, which
   * would kill the whole app.  Block it on this thread only, the one
   * thread that writes to workers: the write then fails with EPIPE, which
   * lab-worker-slot.c handles, and the rest of the app keeps the usual
   * signal handling.  (SIGPIPE from a write is sent to the writing thread.) */
  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &sigpipe, NULL);

  g_main_context_push_thread_default (pool->context);

  pool->spawn_start_us = g_get_monotonic_time ();
  for (guint i = 0; i < pool->n_workers; i++)
    {
      GError *error = NULL;

      pool->slots[i] = pool_spawn (pool, i, &error);
      if (pool->slots[i] == NULL)
        {
          pool_fail_start (pool, error);
          break;
        }
    }

  timeout = g_timeout_source_new (STARTUP_TIMEOUT_US / 1000);
  g_source_set_callback (timeout, startup_timeout_cb, pool, NULL);
  g_source_set_static_name (timeout, "[lab] pool start-up timeout");
  g_source_attach (timeout, pool->context);
  pool->startup_timeout = timeout;

  g_main_loop_run (pool->loop);

  clear_source (&pool->startup_timeout);
  g_main_context_pop_thread_default (pool->context);
  return NULL;
}

/* Starts @n_workers copies of this program (or of $LAB_WORKER_EXECUTABLE)
 * and waits until every one of them is ready, or @cancellable fires. */
LabProcessPool *
lab_process_pool_new (guint          n_workers,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const char *override = g_getenv (LAB_WORKER_EXECUTABLE_ENV);
  g_autofree char *executable = NULL;
  g_autoptr(GError) local_error = NULL;

  if (override != NULL && *override != '\0')
    executable = g_strdup (override);
  else
    executable = g_file_read_link ("/proc/self/exe", &local_error);

  if (executable == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   _("Cannot find this program to start worker processes: %s"),
                   local_error->message);
      return NULL;
    }

  return lab_process_pool_new_for_executable (executable, n_workers, cancellable, error);
}

static void
start_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  LabProcessPool *pool = data;

  g_mutex_lock (&pool->mutex);
  pool->start_cancelled = TRUE;
  g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->mutex);
}

LabProcessPool *
lab_process_pool_new_for_executable (const char    *executable,
                                     guint          n_workers,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  g_autoptr(LabProcessPool) pool = NULL;
  gulong handler = 0;

  g_return_val_if_fail (executable != NULL, NULL);
  g_return_val_if_fail (n_workers > 0, NULL);

  if (n_workers > LAB_MAX_PROCESS_WORKERS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("At most %u worker processes can run at once, not %u."),
                   LAB_MAX_PROCESS_WORKERS, n_workers);
      return NULL;
    }

  pool = g_new0 (LabProcessPool, 1);
  pool->executable = g_strdup (executable);
  pool->n_workers = n_workers;
  g_mutex_init (&pool->mutex);
  g_cond_init (&pool->cond);
  g_queue_init (&pool->pending);
  pool->pids = g_array_new (FALSE, TRUE, sizeof (gint));
  g_array_set_size (pool->pids, n_workers);
  pool->slots = g_new0 (LabWorkerSlot *, n_workers);
  pool->deaths = g_new0 (guint, n_workers);
  pool->context = g_main_context_new ();
  pool->loop = g_main_loop_new (pool->context, FALSE);

  pool->thread = g_thread_new ("lab-process-pool", pool_thread, pool);

  /* Cancel must not wait for workers that are slow to start. */
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (start_cancelled_cb), pool, NULL);

  g_mutex_lock (&pool->mutex);
  while (!pool->started && !pool->start_cancelled)
    g_cond_wait (&pool->cond, &pool->mutex);
  g_mutex_unlock (&pool->mutex);

  g_cancellable_disconnect (cancellable, handler);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;   /* the pool (and its workers) go with the autoptr */

  if (pool->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pool->start_error));
      return NULL;
    }

  return g_steal_pointer (&pool);
}

static gboolean
shutdown_grace_cb (gpointer data)
{
  LabProcessPool *pool = data;

  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      lab_worker_slot_kill (pool->slots[i]);

  return G_SOURCE_REMOVE;
}

static gboolean
shutdown_in_pool_thread (gpointer data)
{
  LabProcessPool *pool = data;
  gboolean any = FALSE;
  GSource *grace;

  pool->shutting_down = TRUE;

  /* Closing its stdin asks a worker to leave; it does so at once. */
  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      {
        lab_worker_slot_close_stdin (pool->slots[i]);
        any = TRUE;
      }

  if (!any)
    {
      g_main_loop_quit (pool->loop);
      return G_SOURCE_REMOVE;
    }

  /* A stopped or hung worker never reads the end of its stdin. */
  grace = g_timeout_source_new (SHUTDOWN_GRACE_MS);
  g_source_set_callback (grace, shutdown_grace_cb, pool, NULL);
  g_source_set_static_name (grace, "[lab] pool shutdown grace");
  g_source_attach (grace, pool->context);
  g_source_unref (grace);

  return G_SOURCE_REMOVE;
}

/* Ends every worker (politely, then by force) and frees the pool. */
void
lab_process_pool_free (LabProcessPool *pool)
{
  if (pool == NULL)
    return;

  if (pool->thread != NULL)
    {
      g_main_context_invoke (pool->context, shutdown_in_pool_thread, pool);
      g_thread_join (pool->thread);
    }

  g_clear_error (&pool->start_error);
  g_clear_error (&pool->run_error);
  g_clear_error (&pool->broken_error);
  g_clear_pointer (&pool->loop, g_main_loop_unref);
  g_clear_pointer (&pool->context, g_main_context_unref);
  g_clear_pointer (&pool->pids, g_array_unref);
  g_free (pool->slots);
  g_free (pool->deaths);
  g_free (pool->executable);
  g_mutex_clear (&pool->mutex);
  g_cond_clear (&pool->cond);
  g_free (pool);
}

guint
lab_process_pool_get_n_workers (LabProcessPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->n_workers;
}

/* How long the pool took to start all its workers.  What a run paid is
 * LabRun.startup_us: this the first time, 0 on a warm pool. */
gint64
lab_process_pool_get_startup_us (LabProcessPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->startup_us;
}

/* The pids of the live workers, by lane (0 where a lane is being refilled). */
GArray *
lab_process_pool_dup_pids (LabProcessPool *pool)
{
  GArray *pids;

  g_return_val_if_fail (pool != NULL, NULL);

  g_mutex_lock (&pool->mutex);
  pids = g_array_copy (pool->pids);
  g_mutex_unlock (&pool->mutex);

  return pids;
}

/* Whether every lane has a live, ready worker and no lane was given up:
 * only such a pool is worth reusing. */
gboolean
lab_process_pool_is_whole (LabProcessPool *pool)
{
  gboolean whole;

  g_return_val_if_fail (pool != NULL, FALSE);

  g_mutex_lock (&pool->mutex);
  whole = pool->broken_error == NULL;
  for (guint i = 0; i < pool->pids->len; i++)
    whole &= g_array_index (pool->pids, gint, i) != 0;
  g_mutex_unlock (&pool->mutex);

  return whole;
}

/* Every worker gets what the mode gives it, and the run ends if nothing is left. */
void
lab_process_pool_give_tasks (LabProcessPool *pool)
{
  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      pool->mode->give_task (pool, pool->slots[i]);

  lab_process_pool_end_run_if_done (pool);
}

/* The run is over once no task is outstanding: wake the caller. */
void
lab_process_pool_end_run_if_done (LabProcessPool *pool)
{
  if (pool->ctx == NULL || pool->outstanding > 0)
    return;

  /* From here on the pool thread no longer touches the run. */
  pool->ctx = NULL;
  clear_source (&pool->stop_grace);
  g_clear_pointer (&pool->crashes, g_free);
  g_clear_pointer (&pool->task_lane, g_free);
  g_clear_pointer (&pool->run_payload, g_bytes_unref);

  g_mutex_lock (&pool->mutex);
  if (pool->stop_is_failure)
    pool->run_error = g_error_new_literal (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                                           pool->stop_message);
  pool->run_active = FALSE;
  g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->mutex);

  g_clear_pointer (&pool->stop_message, g_free);
  pool->stop_is_failure = FALSE;
}

typedef struct
{
  LabProcessPool    *pool;
  LabRunContext     *ctx;
  const LabPoolMode *mode;
  guint              run_id;
  GBytes            *payload;
} RunStart;

static gboolean
start_run_in_pool_thread (gpointer data)
{
  RunStart *start = data;
  LabProcessPool *pool = start->pool;
  LabRunContext *ctx = start->ctx;

  pool->ctx = ctx;
  pool->mode = start->mode;
  pool->run_id = start->run_id;
  pool->run_payload = start->payload;
  pool->mode->begin (pool);

  /* The pool broke between the runner's look and now: no workers to wait for. */
  if (pool->broken)
    {
      pool_stop_run (pool, pool->broken_error->message, TRUE);
      return G_SOURCE_REMOVE;
    }

  /* Cancelled before we got here: the cancel request found no run. */
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      pool_stop_run (pool, _("Cancelled"), FALSE);
      return G_SOURCE_REMOVE;
    }

  lab_process_pool_give_tasks (pool);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_grace_cb (gpointer data)
{
  LabProcessPool *pool = data;

  g_clear_pointer (&pool->stop_grace, g_source_unref);

  /* Still busy after the grace period, or not even reading (stopped):
   * stop them the hard way; their tasks end with the stop message and
   * fresh workers take their places. */
  for (guint i = 0; i < pool->n_workers; i++)
    {
      LabWorkerSlot *slot = pool->slots[i];

      if (slot != NULL && (lab_worker_slot_is_busy (slot) || lab_worker_slot_is_writing (slot)))
        lab_worker_slot_kill (slot);
    }

  return G_SOURCE_REMOVE;
}

/* Stops the current run (Cancel, or a pool that broke): tasks still
 * waiting end with @message, busy workers are asked to stop and killed if
 * they have not within the grace period, so a run always ends in about
 * CANCEL_GRACE_MS.  With @failure the run fails with @message. */
static void
pool_stop_run (LabProcessPool *pool,
               const char     *message,
               gboolean        failure)
{
  if (pool->ctx == NULL || pool->stop_message != NULL)
    return;

  pool->stop_message = g_strdup (message);
  pool->stop_is_failure = failure;
  lab_mode_processes_fail_waiting (pool, message);

  for (guint i = 0; i < pool->n_workers; i++)
    {
      LabWorkerSlot *slot = pool->slots[i];
      g_autoptr(GVariant) variant = NULL;

      if (slot == NULL || !lab_worker_slot_is_busy (slot))
        continue;

      variant = g_variant_ref_sink (g_variant_new ("(u)", pool->run_id));
      lab_worker_slot_send (slot, LAB_FRAME_CANCEL, g_variant_get_data (variant),
                 g_variant_get_size (variant), NULL);
    }

  pool->stop_grace = g_timeout_source_new (CANCEL_GRACE_MS);
  g_source_set_callback (pool->stop_grace, stop_grace_cb, pool, NULL);
  g_source_set_static_name (pool->stop_grace, "[lab] stop grace");
  g_source_attach (pool->stop_grace, pool->context);

  lab_process_pool_end_run_if_done (pool);
}

typedef struct
{
  LabProcessPool *pool;
  guint           run_id;
} CancelRequest;

static gboolean
cancel_in_pool_thread (gpointer data)
{
  CancelRequest *request = data;

  if (request->pool->run_id == request->run_id)
    pool_stop_run (request->pool, _("Cancelled"), FALSE);

  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  CancelRequest *request = data;

  /* Any thread may press Cancel; the pool thread does the work. */
  g_main_context_invoke_full (request->pool->context, G_PRIORITY_HIGH,
                              cancel_in_pool_thread, g_memdup2 (request, sizeof *request), g_free);
}

/* Hands the run to the pool thread, where @mode feeds the workers (see
 * lab-mode-processes.c), and waits until all its tasks are done or
 * cancelled.  Takes @run_payload, the RUN frame.  FALSE when the pool
 * broke (its workers kept dying). */
gboolean
lab_process_pool_run (LabProcessPool     *pool,
                      LabRunContext      *ctx,
                      const LabPoolMode  *mode,
                      guint               run_id,
                      GBytes             *run_payload,
                      GError            **error)
{
  g_autoptr(GError) run_error = NULL;
  CancelRequest request;
  RunStart start;
  gulong handler;

  g_return_val_if_fail (pool != NULL, FALSE);
  g_return_val_if_fail (ctx != NULL, FALSE);

  start.pool = pool;
  start.ctx = ctx;
  start.mode = mode;
  start.run_id = run_id;
  start.payload = run_payload;

  g_mutex_lock (&pool->mutex);
  g_assert (!pool->run_active);
  pool->run_active = TRUE;
  g_mutex_unlock (&pool->mutex);

  /* Everything about the run is handed to the pool thread, which alone
   * touches it until the run is over. */
  request.pool = pool;
  request.run_id = start.run_id;
  g_main_context_invoke (pool->context, start_run_in_pool_thread, &start);
  handler = g_cancellable_connect (ctx->cancellable, G_CALLBACK (cancelled_cb), &request, NULL);

  g_mutex_lock (&pool->mutex);
  while (pool->run_active)
    g_cond_wait (&pool->cond, &pool->mutex);
  run_error = g_steal_pointer (&pool->run_error);
  g_mutex_unlock (&pool->mutex);

  g_cancellable_disconnect (ctx->cancellable, handler);

  if (run_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&run_error));
      return FALSE;
    }

  return TRUE;
}
