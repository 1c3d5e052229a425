/* lab-mode-sequential.c — one worker, one task after another
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The baseline every other mode is measured against.  The tasks run on one
 * thread of their own (not the caller's, so a window stays alive), strictly
 * in order: task 2 starts when task 1 has finished.  Total time is the sum
 * of all task times.
 */

#define G_LOG_DOMAIN "lab-mode-sequential"

#include "config.h"

#include "lab-run-context.h"

static gpointer
sequential_worker (gpointer data)
{
  LabRunContext *ctx = data;
  gpointer worker_data = lab_workload_worker_data_new (ctx->workload);

  lab_run_context_start_clock (ctx);
  for (guint i = 0; i < ctx->run->n_records; i++)
    lab_run_context_run_task (ctx, i, 0, worker_data);

  lab_workload_worker_data_free (ctx->workload, worker_data);
  return NULL;
}

gboolean
lab_mode_sequential_execute (LabRunContext  *ctx,
                             GError        **error)
{
  gint64 startup = g_get_monotonic_time ();
  GThread *thread;

  thread = g_thread_try_new ("lab-sequential", sequential_worker, ctx, error);
  if (thread == NULL)
    return FALSE;
  lab_run_context_set_startup (ctx, startup);
  lab_cost_note_threads (&ctx->run->cost, 1, startup);

  lab_run_context_wait (ctx);
  g_thread_join (thread);

  return TRUE;
}
