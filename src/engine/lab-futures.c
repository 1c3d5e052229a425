/* lab-futures.c — an executor of N threads and the futures it hands out,
 * the way Python's concurrent.futures.ThreadPoolExecutor works (seed 001)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * submit () puts a call into one queue and returns at once with a future:
 * a promise of the result.  N threads take calls from the queue in order.
 * done () only looks at the future and never waits; result () blocks the
 * caller until the call is over.  cancel () can only take back a call that
 * is still in the queue: once a thread runs it, it runs to the end.  map ()
 * is submit () for every call, then result () for each in the order they
 * were submitted — so the results come in that order, whichever finished
 * first.
 *
 * Every call runs the workload's run_task, the very code the modes run.
 * The caller's own waits in result () are recorded too, on a lane of their
 * own (lane N, after the N threads; run->caller_lane in the run, and
 * events marked .caller), so a timeline shows when the caller sat blocked
 * and on what.
 */

#define G_LOG_DOMAIN "lab-futures"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "lab-futures.h"
#include "lab-states.h"

typedef enum
{
  FUTURE_PENDING,       /* in the queue */
  FUTURE_RUNNING,
  FUTURE_CANCELLED,
  FUTURE_FINISHED,
} FutureState;

struct _LabFuture
{
  gint           ref_count;
  LabExecutor   *executor;    /* not a reference: futures are used while it lives */
  guint          id;          /* 0, 1, 2… in submission order */
  FutureState    state;       /* guarded by the executor's mutex, as is all below */
  guint          finished;    /* 1 for the first call to finish, 2 for the next…; 0 */
  GBytes        *input;
  LabTaskRecord  record;
};

typedef struct
{
  LabExecutor *executor;
  guint        lane;
  GThread     *thread;
  gpointer     worker_data;
} Worker;

struct _LabExecutor
{
  LabWorkload    *workload;
  guint           n_workers;
  Worker         *workers;
  LabEventBuffer *events;
  GCancellable   *cancellable;
  gulong          cancelled_id;
  gint64          start_us;

  GMutex          mutex;
  GCond           changed;      /* a future changed state, or the executor stops */
  GQueue          queue;        /* LabFuture (a reference each), the next at the head */
  GPtrArray      *futures;      /* every future, in submission order */
  GArray         *waits;        /* LabTaskRecord: the caller's waits in result () */
  guint           n_finished;
  gboolean        shutting_down;
  gboolean        joined;
  gboolean        began;        /* the workload's begin_run, still to be ended */
};

static void
push_event (LabExecutor         *self,
            LabEventKind         kind,
            guint                id,
            const LabTaskRecord *record,
            gboolean             caller)
{
  LabEvent event = {
    .kind = kind,
    .mode = LAB_MODE_THREADS,
    .task = id,
    .lane = record->lane,
    .pid = record->pid,
    .ok = record->error == NULL,
    .start_us = record->start_us,
    .time_us = kind == LAB_EVENT_TASK_STARTED ? record->start_us : record->end_us,
    .bytes = record->bytes,
    .caller = caller,
  };

  if (self->events != NULL)
    lab_event_buffer_push (self->events, &event);
}

/* One thread of the pool: take the next call, run it, publish the result. */
static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  LabExecutor *self = worker->executor;

  for (;;)
    {
      g_autoptr(LabFuture) future = NULL;
      g_autoptr(GError) error = NULL;
      LabTaskContext context = { self->cancellable, NULL, worker->worker_data };
      LabCpuSample cpu_at_start;
      gint64 end_us;

      g_mutex_lock (&self->mutex);
      while (g_queue_is_empty (&self->queue) && !self->shutting_down)
        g_cond_wait (&self->changed, &self->mutex);
      future = g_queue_pop_head (&self->queue);
      if (future == NULL)
        {
          g_mutex_unlock (&self->mutex);
          return NULL;
        }
      /* Cancel (the whole lesson) came while it waited: it never runs. */
      if (g_cancellable_is_cancelled (self->cancellable))
        {
          future->state = FUTURE_CANCELLED;
          g_cond_broadcast (&self->changed);
          g_mutex_unlock (&self->mutex);
          continue;
        }
      future->state = FUTURE_RUNNING;
      future->record.lane = worker->lane;
      future->record.pid = getpid ();
      future->record.start_us = g_get_monotonic_time ();
      g_mutex_unlock (&self->mutex);

      push_event (self, LAB_EVENT_TASK_STARTED, future->id, &future->record, FALSE);
      /* Only this thread touches the record while the call runs; where the
       * time went is measured as for any task on a thread. */
      lab_cpu_sample_task_start (&cpu_at_start, future->record.start_us);
      lab_spans_begin_task (&future->record.spans);
      if (!lab_workload_run_task (self->workload, &context, future->input, &future->record,
                                  &error))
        future->record.error = g_strdup (error->message);
      lab_spans_end_task ();
      end_us = g_get_monotonic_time ();
      lab_cpu_sample_task_end (&cpu_at_start, end_us, end_us - future->record.start_us,
                               &future->record.cpu_us, &future->record.run_queue_us);

      g_mutex_lock (&self->mutex);
      future->record.end_us = end_us;
      future->state = FUTURE_FINISHED;
      future->finished = ++self->n_finished;
      g_cond_broadcast (&self->changed);
      g_mutex_unlock (&self->mutex);
      push_event (self, LAB_EVENT_TASK_FINISHED, future->id, &future->record, FALSE);
    }
}

/* Cancel wakes every caller blocked in result (). */
static void
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  LabExecutor *self = data;

  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);
}

/* A pool of exactly @workers threads that run @workload's tasks; their
 * events go to @events (may be NULL).  @cancellable stops queued calls
 * and tells running ones to stop. */
LabExecutor *
lab_executor_new (LabWorkload     *workload,
                  guint            workers,
                  LabEventBuffer  *events,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(LabExecutor) self = NULL;

  g_return_val_if_fail (LAB_IS_WORKLOAD (workload), NULL);
  g_return_val_if_fail (workers > 0, NULL);

  self = g_new0 (LabExecutor, 1);
  self->workload = g_object_ref (workload);
  self->n_workers = workers;
  self->events = events != NULL ? lab_event_buffer_ref (events) : NULL;
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  self->futures = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_future_unref);
  self->waits = g_array_new (FALSE, TRUE, sizeof (LabTaskRecord));
  g_array_set_clear_func (self->waits, (GDestroyNotify) lab_task_record_clear);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->changed);
  g_queue_init (&self->queue);
  /* What all calls share (the bank's account) is set up before any runs. */
  if (!lab_workload_begin_run (workload, LAB_MODE_THREADS, error))
    return NULL;
  self->began = TRUE;
  self->start_us = g_get_monotonic_time ();

  {
    LabEvent event = { .kind = LAB_EVENT_RUN_STARTED, .mode = LAB_MODE_THREADS,
                       .task = lab_workload_get_n_tasks (workload), .lane = -1,
                       .time_us = self->start_us };

    if (self->events != NULL)
      lab_event_buffer_push (self->events, &event);
  }

  self->workers = g_new0 (Worker, workers);
  for (guint i = 0; i < workers; i++)
    {
      Worker *worker = &self->workers[i];
      g_autofree char *name = g_strdup_printf ("lab-executor-%u", i);

      worker->executor = self;
      worker->lane = i;
      worker->worker_data = lab_workload_worker_data_new (workload);
      worker->thread = g_thread_try_new (name, worker_main, worker, error);
      if (worker->thread == NULL)
        return NULL;   /* lab_executor_free () stops the threads started so far */
    }

  self->cancelled_id = g_cancellable_connect (self->cancellable, G_CALLBACK (cancelled_cb), self,
                                              NULL);
  return g_steal_pointer (&self);
}

/* Queues a call of task @task and returns its future at once.  The same
 * task may be submitted again: each call has its own future. */
LabFuture *
lab_executor_submit (LabExecutor *self,
                     guint        task)
{
  LabFuture *future;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (task < lab_workload_get_n_tasks (self->workload), NULL);

  future = g_new0 (LabFuture, 1);
  future->ref_count = 1;
  future->executor = self;
  future->state = FUTURE_PENDING;
  future->record.index = task;
  future->record.lane = -1;
  future->record.cpu_us = -1;
  future->record.run_queue_us = -1;
  future->record.name = lab_workload_dup_task_name (self->workload, task);
  /* The arguments are made when the call is submitted, as in Python. */
  future->input = lab_workload_make_task_input (self->workload, task, &error);
  if (error != NULL)
    {
      future->state = FUTURE_FINISHED;
      future->record.error = g_strdup (error->message);
    }

  g_mutex_lock (&self->mutex);
  if (self->shutting_down)
    {
      g_mutex_unlock (&self->mutex);
      g_critical ("lab_executor_submit () after lab_executor_shutdown ()");
      future->state = FUTURE_CANCELLED;
      return future;
    }
  future->id = self->futures->len;
  g_ptr_array_add (self->futures, lab_future_ref (future));
  if (future->state == FUTURE_PENDING)
    {
      g_queue_push_tail (&self->queue, lab_future_ref (future));
      g_cond_broadcast (&self->changed);
    }
  g_mutex_unlock (&self->mutex);

  return future;
}

/* Like Executor.map (): every call submitted at once, then the results
 * collected in submission order, blocking on each in turn.  Returns the
 * records (owned by the executor) in that order, or NULL on the first call
 * that failed or when cancelled. */
GPtrArray *
lab_executor_map (LabExecutor  *self,
                  const guint  *tasks,
                  guint         n_tasks,
                  GError      **error)
{
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_future_unref);
  g_autoptr(GPtrArray) results = g_ptr_array_new ();

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < n_tasks; i++)
    g_ptr_array_add (futures, lab_executor_submit (self, tasks[i]));

  for (guint i = 0; i < n_tasks; i++)
    {
      const LabTaskRecord *record = lab_future_result (futures->pdata[i], error);

      if (record == NULL)
        return NULL;
      g_ptr_array_add (results, (gpointer) record);
    }

  return g_steal_pointer (&results);
}

/* Like shutdown (wait=True): no more submissions; the calls in the queue
 * still run (unless cancelled); returns when every thread has ended. */
void
lab_executor_shutdown (LabExecutor *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  self->shutting_down = TRUE;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);

  if (self->joined)
    return;
  for (guint i = 0; i < self->n_workers; i++)
    if (self->workers[i].thread != NULL)
      g_thread_join (g_steal_pointer (&self->workers[i].thread));
  self->joined = TRUE;

  {
    LabEvent event = { .kind = LAB_EVENT_RUN_FINISHED, .mode = LAB_MODE_THREADS,
                       .task = self->futures->len, .lane = -1,
                       .ok = !g_cancellable_is_cancelled (self->cancellable),
                       .time_us = g_get_monotonic_time () };

    if (self->events != NULL)
      lab_event_buffer_push (self->events, &event);
  }
}

/* After lab_executor_shutdown (): what happened, as a run.  Its records are
 * the calls that ran, in submission order, then the caller's waits on lane
 * N (run->caller_lane).  The workload verifies the calls' results when
 * they are its tasks, each once, in order. */
LabRun *
lab_executor_steal_run (LabExecutor *self)
{
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) verify_error = NULL;
  guint n_ran = 0, i, n;
  gboolean in_order = TRUE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->joined, NULL);

  for (i = 0; i < self->futures->len; i++)
    n_ran += ((LabFuture *) self->futures->pdata[i])->record.start_us > 0;

  run = lab_run_new (LAB_MODE_THREADS, n_ran);
  run->workers = self->n_workers;
  run->start_us = self->start_us;
  run->caller_lane = self->n_workers;
  for (i = 0, n = 0; i < self->futures->len; i++)
    {
      LabFuture *future = self->futures->pdata[i];

      if (future->record.start_us == 0)
        continue;
      run->records[n] = future->record;
      memset (&future->record, 0, sizeof future->record);
      in_order &= run->records[n].index == n;
      run->wall_us = MAX (run->wall_us, run->records[n].end_us - run->start_us);
      n++;
    }

  for (i = 0; i < run->n_records; i++)
    {
      if (run->records[i].error == NULL)
        run->tasks_ok++;
      else
        run->tasks_failed++;
    }
  run->cancelled = g_cancellable_is_cancelled (self->cancellable);

  if (run->cancelled)
    run->verify_error = g_strdup (_("The run was cancelled."));
  else if (run->tasks_failed > 0)
    run->verify_error = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "%u task failed.", "%u tasks failed.",
                                                      run->tasks_failed),
                                         run->tasks_failed);
  else if (!in_order || n_ran != lab_workload_get_n_tasks (self->workload))
    run->verify_error = g_strdup (_("Not every task ran exactly once, so the results cannot be "
                                    "checked."));
  else if (lab_workload_verify (self->workload, run, &verify_error))
    run->verified = TRUE;
  else
    run->verify_error = g_strdup (verify_error->message);
  if (self->began)
    lab_workload_end_run (self->workload);
  self->began = FALSE;

  /* The caller's waits join the records once the tasks are verified:
   * they are part of the picture, not results. */
  run->records = g_renew (LabTaskRecord, run->records, run->n_records + self->waits->len);
  for (i = 0; i < self->waits->len; i++)
    {
      LabTaskRecord *wait = &g_array_index (self->waits, LabTaskRecord, i);

      run->records[run->n_records + i] = *wait;
      memset (wait, 0, sizeof *wait);
    }
  run->n_records += self->waits->len;
  run->tasks_ok += self->waits->len;

  return g_steal_pointer (&run);
}

void
lab_executor_free (LabExecutor *self)
{
  if (self == NULL)
    return;

  /* Threads never outlive their executor: queued calls are dropped. */
  g_mutex_lock (&self->mutex);
  while (!g_queue_is_empty (&self->queue))
    {
      LabFuture *future = g_queue_pop_head (&self->queue);

      future->state = FUTURE_CANCELLED;
      lab_future_unref (future);
    }
  g_mutex_unlock (&self->mutex);
  if (self->workers != NULL)
    {
      lab_executor_shutdown (self);
      for (guint i = 0; i < self->n_workers; i++)
        if (self->workers[i].worker_data != NULL)
          lab_workload_worker_data_free (self->workload, self->workers[i].worker_data);
    }
  if (self->began)
    lab_workload_end_run (self->workload);
  if (self->cancelled_id != 0)
    g_cancellable_disconnect (self->cancellable, self->cancelled_id);

  g_clear_pointer (&self->futures, g_ptr_array_unref);
  g_clear_pointer (&self->waits, g_array_unref);
  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->workload);
  g_free (self->workers);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->changed);
  g_free (self);
}

LabFuture *
lab_future_ref (LabFuture *future)
{
  g_return_val_if_fail (future != NULL, NULL);

  g_atomic_int_inc (&future->ref_count);
  return future;
}

void
lab_future_unref (LabFuture *future)
{
  if (future == NULL || !g_atomic_int_dec_and_test (&future->ref_count))
    return;

  lab_task_record_clear (&future->record);
  g_clear_pointer (&future->input, g_bytes_unref);
  g_free (future);
}

static FutureState
get_state (LabFuture *future)
{
  FutureState state;

  g_mutex_lock (&future->executor->mutex);
  state = future->state;
  g_mutex_unlock (&future->executor->mutex);
  return state;
}

/* Finished or cancelled.  Never waits. */
gboolean
lab_future_done (LabFuture *future)
{
  FutureState state;

  g_return_val_if_fail (future != NULL, FALSE);

  state = get_state (future);
  return state == FUTURE_FINISHED || state == FUTURE_CANCELLED;
}

/* A thread runs the call right now: too late to cancel it. */
gboolean
lab_future_running (LabFuture *future)
{
  g_return_val_if_fail (future != NULL, FALSE);

  return get_state (future) == FUTURE_RUNNING;
}

gboolean
lab_future_cancelled (LabFuture *future)
{
  g_return_val_if_fail (future != NULL, FALSE);

  return get_state (future) == FUTURE_CANCELLED;
}

/* Takes the call back if it still waits in the queue (TRUE); a call that
 * runs or has finished cannot be cancelled (FALSE), as in Python. */
gboolean
lab_future_cancel (LabFuture *future)
{
  LabExecutor *self;
  gboolean cancelled = FALSE;

  g_return_val_if_fail (future != NULL, FALSE);

  self = future->executor;
  g_mutex_lock (&self->mutex);
  if (future->state == FUTURE_PENDING && g_queue_remove (&self->queue, future))
    {
      future->state = FUTURE_CANCELLED;
      lab_future_unref (future);   /* the queue's reference; the caller still has one */
      g_cond_broadcast (&self->changed);
    }
  cancelled = future->state == FUTURE_CANCELLED;
  g_mutex_unlock (&self->mutex);

  return cancelled;
}

/* The call's record once it has finished, blocking the caller until then;
 * NULL with @error when the call failed, was cancelled, or Cancel came
 * while waiting.  A wait is recorded on the caller's lane. */
const LabTaskRecord *
lab_future_result (LabFuture  *future,
                   GError    **error)
{
  LabExecutor *self;
  LabTaskRecord wait = { 0 };
  guint wait_id;

  g_return_val_if_fail (future != NULL, NULL);

  self = future->executor;
  g_mutex_lock (&self->mutex);
  if (future->state == FUTURE_PENDING || future->state == FUTURE_RUNNING)
    {
      wait.index = future->record.index;
      wait.cpu_us = -1;          /* a blocked caller: "other", not measured */
      wait.run_queue_us = -1;
      wait.lane = self->n_workers;
      wait.pid = getpid ();
      wait.start_us = g_get_monotonic_time ();
      /* Translators: the caller blocked in result (), e.g. "result () of file-1.bin" */
      wait.name = g_strdup_printf (_("result () of %s"), future->record.name);
      wait_id = G_MAXUINT16 + self->waits->len;
      g_mutex_unlock (&self->mutex);
      push_event (self, LAB_EVENT_TASK_STARTED, wait_id, &wait, TRUE);
      g_mutex_lock (&self->mutex);

      while ((future->state == FUTURE_PENDING || future->state == FUTURE_RUNNING) &&
             !g_cancellable_is_cancelled (self->cancellable))
        g_cond_wait (&self->changed, &self->mutex);

      wait.end_us = g_get_monotonic_time ();
      g_array_append_val (self->waits, wait);
      g_mutex_unlock (&self->mutex);
      push_event (self, LAB_EVENT_TASK_FINISHED, wait_id, &wait, TRUE);
      g_mutex_lock (&self->mutex);
    }

  if (future->state == FUTURE_FINISHED && future->record.error == NULL)
    {
      g_mutex_unlock (&self->mutex);
      return &future->record;
    }

  if (future->state == FUTURE_FINISHED && !g_cancellable_is_cancelled (self->cancellable))
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK, "%s", future->record.error);
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
  g_mutex_unlock (&self->mutex);
  return NULL;
}

/* 1 for the call that finished first, 2 for the next…; 0 while it has not. */
guint
lab_future_get_finished (LabFuture *future)
{
  guint finished;

  g_return_val_if_fail (future != NULL, 0);

  g_mutex_lock (&future->executor->mutex);
  finished = future->finished;
  g_mutex_unlock (&future->executor->mutex);
  return finished;
}
