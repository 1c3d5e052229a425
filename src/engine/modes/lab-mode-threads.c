/* lab-mode-threads.c — a pool of exactly N threads in this process
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All tasks go into one queue; N threads take them out, one at a time, as
 * they become free.  The threads share this process's memory: they read the
 * inputs where they lie, with no copying at all.  That sharing is also the
 * danger (see the bank lesson).  While a thread waits (sleep, I/O) another
 * one runs; with plain C threads they also compute in parallel on all cores,
 * unless --gil makes them take turns, as Python threads must.
 *
 * The pool is our own (g_thread_pool_new with exclusive = TRUE): GLib's
 * shared pool grows by itself and is used by GIO too, so it would not be
 * "N threads".
 *
 * Each thread keeps the default stack (8 MiB reserved).  Measured with
 * 10,000 threads that wait: about 11 KB resident each (112 MB), started
 * in 0.2–0.4 s, because untouched stack pages cost address space, not
 * memory.  A smaller stack would save nothing we could measure, and would
 * make the threads mode unlike a real program's threads.  What they do
 * cost is in the run's LabCost.
 */

#define G_LOG_DOMAIN "lab-mode-threads"

#include "config.h"

#include "lab-run-context.h"

typedef struct
{
  LabRunContext *ctx;
  guint          serial;        /* tells this run from earlier ones */
  gint           next_lane;
  GMutex         lanes_lock;
  gpointer      *lane_data;     /* per-thread workload state, by lane */
} ThreadsRun;

static guint run_serial;   /* numbers the runs, see ThreadLane below */

static gint current_lane (ThreadsRun *threads_run);

/* What each pool thread does with each task it takes from the queue. */
static void
threads_worker (gpointer task_data,
                gpointer user_data)
{
  ThreadsRun *threads_run = user_data;
  guint index = GPOINTER_TO_UINT (task_data) - 1;
  gint lane = current_lane (threads_run);

  lab_run_context_run_task (threads_run->ctx, index, lane, threads_run->lane_data[lane]);
}

gboolean
lab_mode_threads_execute (LabRunContext  *ctx,
                          GError        **error)
{
  ThreadsRun threads_run = { ctx, (guint) g_atomic_int_add (&run_serial, 1) + 1, 0, { 0 }, NULL };
  GThreadPool *pool;
  gint64 startup = g_get_monotonic_time ();

  threads_run.lane_data = g_new0 (gpointer, ctx->workers);

  /* Exclusive: all N threads are started right here, and only we use them. */
  pool = g_thread_pool_new (threads_worker, &threads_run, ctx->workers, TRUE, error);
  if (pool == NULL)
    {
      g_free (threads_run.lane_data);
      return FALSE;
    }
  lab_run_context_set_startup (ctx, startup);
  lab_cost_note_threads (&ctx->run->cost, g_thread_pool_get_num_threads (pool), startup);

  lab_run_context_start_clock (ctx);
  for (guint i = 0; i < ctx->run->n_records; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);

  lab_run_context_wait (ctx);
  g_thread_pool_free (pool, FALSE, TRUE);

  for (guint i = 0; i < ctx->workers; i++)
    lab_workload_worker_data_free (ctx->workload, threads_run.lane_data[i]);
  g_free (threads_run.lane_data);

  return TRUE;
}

/* The lane bookkeeping, out of the way of the lesson above. */

/* Which lane of the timeline this thread draws in, learnt on its first
 * task of a run.  GLib may keep a pool thread alive for a later run, so
 * the lane is tagged with the run's serial number. */
typedef struct
{
  guint serial;
  gint  lane;
} ThreadLane;

static GPrivate thread_lane = G_PRIVATE_INIT (g_free);

static gint
current_lane (ThreadsRun *threads_run)
{
  ThreadLane *lane = g_private_get (&thread_lane);

  if (lane == NULL)
    {
      lane = g_new0 (ThreadLane, 1);
      g_private_set (&thread_lane, lane);
    }

  if (lane->serial != threads_run->serial)
    {
      lane->serial = threads_run->serial;
      lane->lane = g_atomic_int_add (&threads_run->next_lane, 1);
      threads_run->lane_data[lane->lane] = lab_workload_worker_data_new (threads_run->ctx->workload);
    }

  return lane->lane;
}
