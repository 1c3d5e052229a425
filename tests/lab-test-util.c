/* lab-test-util.c — small helpers shared by the engine tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lab-test-util.h"

LabWorkload *
lab_test_workload (const char *name,
                   guint       tasks,
                   guint       workers)
{
  g_autoptr(LabPlan) plan = lab_plan_new (name);
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->tasks = tasks;
  plan->workers = workers;
  plan->task_ms = 20;
  plan->size = 100 * 1024;
  plan->n = 1000000;

  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

LabRun *
lab_test_run (LabRunner    *runner,
              LabWorkload  *workload,
              LabMode       mode,
              GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  LabRun *run = lab_runner_run (runner, workload, mode, cancellable, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

/* The most tasks that were running at the same instant, counted from the
 * records (start/end events in time order), not guessed from wall times. */
guint
lab_test_max_overlap (const LabRun *run)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  guint current = 0, max = 0;

  for (guint i = 0; i < run->n_records; i++)
    {
      gint64 start[2] = { run->records[i].start_us, +1 };
      gint64 end[2] = { run->records[i].end_us, -1 };

      g_array_append_vals (points, start, 1);
      g_array_append_vals (points, end, 1);
    }

  /* Sort by time; at equal times count ends before starts. */
  for (guint i = 1; i < points->len; i++)
    for (guint j = i; j > 0; j--)
      {
        gint64 *a = (gint64 *) (points->data + (j - 1) * 2 * sizeof (gint64));
        gint64 *b = (gint64 *) (points->data + j * 2 * sizeof (gint64));

        if (a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]))
          {
            gint64 t0 = a[0], t1 = a[1];

            a[0] = b[0]; a[1] = b[1];
            b[0] = t0; b[1] = t1;
          }
        else
          break;
      }

  for (guint i = 0; i < points->len; i++)
    {
      gint64 *p = (gint64 *) (points->data + i * 2 * sizeof (gint64));

      current += p[1];
      max = MAX (max, current);
    }

  return max;
}

/* Live (non-zombie) processes whose parent is this process. */
guint
lab_test_count_children (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *after_comm;
      char state;
      int ppid;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      after_comm = strrchr (stat, ')');
      if (after_comm == NULL || sscanf (after_comm + 1, " %c %d", &state, &ppid) != 2)
        continue;
      if (ppid == getpid () && state != 'Z')
        count++;
    }

  return count;
}

/* How many entries a folder has: /proc/self/fd, say. */
guint
lab_test_count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Threads of ours.  GLib's shared pool ("pool-…", used by GTask and the
 * resolver) is left out: it is bounded and retires idle threads itself. */
guint
lab_test_count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", name);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && !g_str_has_prefix (comm, "pool-"))
        n++;
    }
  return n;
}

static gpointer
cancel_thread (gpointer data)
{
  GCancellable *cancellable = data;

  g_usleep (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (cancellable), "lab-ms")) * 1000);
  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);
  return NULL;
}

/* Presses Cancel from another thread after @ms, as a window would. */
void
lab_test_cancel_after (GCancellable *cancellable,
                       guint         ms)
{
  g_object_set_data (G_OBJECT (cancellable), "lab-ms", GUINT_TO_POINTER (ms));
  g_thread_unref (g_thread_new ("test-cancel", cancel_thread, g_object_ref (cancellable)));
}

/* @plan's workload run once in @mode, on a runner of its own. */
LabRun *
lab_test_run_plan (LabPlan *plan,
                   LabMode  mode)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LabWorkload) workload = lab_workload_new (plan, &error);

  g_assert_no_error (error);
  return lab_test_run (runner, workload, mode, NULL);
}

/* The share of the tasks' time @run spent in @state, start-up left out. */
double
lab_test_state_share (const LabRun *run,
                      LabState      state)
{
  gint64 by_state[LAB_N_STATES], total = 0;

  lab_run_get_time_by_state (run, by_state);
  for (LabState s = 0; s < LAB_N_STATES; s++)
    if (s != LAB_STATE_STARTUP)
      total += by_state[s];
  return total > 0 ? (double) by_state[state] / total : 0;
}

/* The tasks' time in @state, in µs. */
gint64
lab_test_state_total (const LabRun *run,
                      LabState      state)
{
  gint64 by_state[LAB_N_STATES];

  lab_run_get_time_by_state (run, by_state);
  return by_state[state];
}

/* The built concurrency-lab, as meson names it in LAB_BINARY; without
 * it, NULL and the test skipped with the reason. */
const char *
lab_test_binary (void)
{
  const char *binary = g_getenv ("LAB_BINARY");

  if (binary == NULL || *binary == '\0')
    {
      g_test_skip ("LAB_BINARY is not set; meson sets it to the built concurrency-lab");
      return NULL;
    }
  return binary;
}

/* The distributed tests need a real redis-server; without one the test is
 * skipped with the reason (and FALSE returned). */
gboolean
lab_test_have_redis (void)
{
  g_autofree char *path = g_find_program_in_path ("redis-server");

  if (path == NULL)
    g_test_skip ("redis-server is not installed (apt install redis-server)");
  return path != NULL;
}

/* Stops a `concurrency-lab worker` as Ctrl+C would (SIGTERM) and waits
 * until it has exited. */
void
lab_test_stop_worker (GSubprocess *worker)
{
  g_subprocess_send_signal (worker, SIGTERM);
  g_subprocess_wait (worker, NULL, NULL);
}

static gpointer
thread_run (gpointer data)
{
  LabTestThreadRun *job = data;
  gint64 start = g_get_monotonic_time ();

  job->run = lab_runner_run (job->runner, job->workload, job->mode, job->cancellable,
                             &job->error);
  job->took_us = g_get_monotonic_time () - start;
  return NULL;
}

/* Starts @workload in @mode on a thread (and a runner) of its own; @job
 * may be started again with the same workload once joined and its run
 * cleared. */
void
lab_test_thread_run_start (LabTestThreadRun *job,
                           LabWorkload      *workload,
                           LabMode           mode,
                           GCancellable     *cancellable)
{
  g_assert_null (job->thread);
  g_assert_null (job->run);
  g_assert_null (job->error);

  if (job->runner == NULL)
    job->runner = lab_runner_new ();
  g_set_object (&job->workload, workload);
  g_set_object (&job->cancellable, cancellable);
  job->mode = mode;
  job->thread = g_thread_new ("run", thread_run, job);
}

/* Waits until the run has ended, however it ended. */
void
lab_test_thread_run_join (LabTestThreadRun *job)
{
  g_assert_nonnull (job->thread);
  g_thread_join (g_steal_pointer (&job->thread));
}

/* Frees what @job holds; it must have been joined. */
void
lab_test_thread_run_clear (LabTestThreadRun *job)
{
  g_assert_null (job->thread);
  g_clear_pointer (&job->run, lab_run_free);
  g_clear_error (&job->error);
  g_clear_object (&job->workload);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->runner, lab_runner_free);
}
