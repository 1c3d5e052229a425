/* test-processes.c — the worker-process pool: crashes, cancel, clean exit
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab-process-pool.h"
#include "lab-test-util.h"

static gint
first_pid (LabRunner *runner)
{
  g_autoptr(GArray) pids = lab_runner_dup_worker_pids (runner);

  g_assert_cmpuint (pids->len, >, 0);
  return g_array_index (pids, gint, 0);
}

static gboolean
pool_is_whole (LabRunner *runner,
               guint      workers,
               gint       without)
{
  g_autoptr(GArray) pids = lab_runner_dup_worker_pids (runner);

  if (pids->len != workers)
    return FALSE;
  for (guint i = 0; i < pids->len; i++)
    {
      gint pid = g_array_index (pids, gint, i);

      if (pid == 0 || pid == without || kill (pid, 0) != 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gint pid;
  guint delay_ms;
} Killer;

static gpointer
kill_thread (gpointer data)
{
  Killer *killer = data;

  g_usleep (killer->delay_ms * 1000);
  kill (killer->pid, SIGKILL);
  return NULL;
}

/* SIGKILL a busy worker mid-run: its task is done again elsewhere, a new
 * worker takes its place, and the run still completes and verifies. */
static void
test_killed_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(LabRun) again = NULL;
  g_autoptr(GArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  Killer killer;
  GThread *thread;
  guint lost = 0;

  plan->tasks = 24;
  plan->workers = 4;
  plan->task_ms = 100;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  lab_runner_set_events (runner, events);
  g_assert_true (lab_runner_prepare_processes (runner, 4, NULL, &error));
  g_assert_no_error (error);

  killer.pid = first_pid (runner);
  killer.delay_ms = 250;
  thread = g_thread_new ("killer", kill_thread, &killer);
  run = lab_test_run (runner, workload, LAB_MODE_PROCESSES, NULL);
  g_thread_join (thread);

  g_test_message ("respawns: %u; %s", run->respawns, run->verify_error);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_ok, ==, 24);
  g_assert_cmpuint (run->respawns, >=, 1);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].pid, !=, 0);

  batch = lab_event_buffer_drain (events);
  for (guint i = 0; i < batch->len; i++)
    lost += g_array_index (batch, LabEvent, i).kind == LAB_EVENT_WORKER_LOST;
  g_assert_cmpuint (lost, >=, 1);

  /* The pool is whole again, without the dead worker... */
  for (guint tries = 0; tries < 200 && !pool_is_whole (runner, 4, killer.pid); tries++)
    g_usleep (10000);
  g_assert_true (pool_is_whole (runner, 4, killer.pid));

  /* ...and it works. */
  again = lab_test_run (runner, workload, LAB_MODE_PROCESSES, NULL);
  g_assert_true (lab_run_is_ok (again));
  g_assert_cmpuint (again->respawns, ==, 0);
}

/* Cancel mid-run, then drop the runner: nothing of ours may remain. */
static void
test_cancel_leaves_no_child (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  plan->tasks = 20;
  plan->workers = 4;
  plan->task_ms = 1000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  g_assert_true (lab_runner_prepare_processes (runner, 4, NULL, &error));
  g_assert_cmpuint (lab_test_count_children (), ==, 4);

  start = g_get_monotonic_time ();
  lab_test_cancel_after (cancellable, 300);
  run = lab_test_run (runner, workload, LAB_MODE_PROCESSES, cancellable);
  g_assert_true (run->cancelled);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

/* A computing worker hears Cancel too (its reader thread is never busy). */
static void
test_cancel_busy_cpu_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  plan->tasks = 2;
  plan->workers = 2;
  plan->n = G_GUINT64_CONSTANT (6000000000);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));

  start = g_get_monotonic_time ();
  lab_test_cancel_after (cancellable, 200);
  run = lab_test_run (runner, workload, LAB_MODE_PROCESSES, cancellable);
  g_assert_true (run->cancelled);
  g_assert_cmpuint (run->tasks_failed, ==, 2);
  /* Stopped by the message, not by the 500 ms kill: no worker replaced. */
  g_assert_cmpuint (run->respawns, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_startup_measured (void)
{
  g_autoptr(LabProcessPool) pool = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;

  pool = lab_process_pool_new (3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lab_process_pool_get_startup_us (pool), >, 0);
  pids = lab_process_pool_dup_pids (pool);
  g_assert_cmpuint (pids->len, ==, 3);
  for (guint i = 0; i < pids->len; i++)
    g_assert_cmpint (g_array_index (pids, gint, i), >, 0);

  g_clear_pointer (&pool, lab_process_pool_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

static void
test_bad_executable (void)
{
  const char *bad[] = { "/nonexistent/concurrency-lab", "/bin/false" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      LabProcessPool *pool;

      pool = lab_process_pool_new_for_executable (bad[i], 2, &error);
      g_assert_null (pool);
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER);
      g_test_message ("%s", error->message);
    }

  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

/* Workers die with the app even when it cannot clean up: SIGKILL a bench
 * that has a pool, and its workers must go too. */
static void
test_workers_die_with_app (void)
{
  const char *binary = g_getenv ("LAB_BINARY");
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workers = NULL;
  gboolean gone = FALSE;

  if (binary == NULL)
    {
      g_test_skip ("LAB_BINARY is not set");
      return;
    }

  bench = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, binary, "bench", "--modes=processes", "--workload=sleep",
                            "--tasks=10", "--task-ms=5000", "--workers=3", NULL);
  g_assert_no_error (error);

  /* Find its workers: processes whose parent is the bench. */
  for (guint tries = 0; tries < 300; tries++)
    {
      g_autofree char *out = NULL;
      g_autofree char *cmd = g_strdup_printf ("pgrep -P %s", g_subprocess_get_identifier (bench));

      g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
      if (out != NULL && g_strv_length (g_strsplit (out, "\n", -1)) >= 4)
        {
          workers = g_steal_pointer (&out);
          break;
        }
      g_usleep (10000);
    }
  g_assert_nonnull (workers);

  g_subprocess_force_exit (bench);
  g_subprocess_wait (bench, NULL, NULL);

  for (guint tries = 0; tries < 200 && !gone; tries++)
    {
      g_auto(GStrv) pids = g_strsplit (workers, "\n", -1);

      gone = TRUE;
      for (guint i = 0; pids[i] != NULL; i++)
        if (*pids[i] && kill (atoi (pids[i]), 0) == 0)
          {
            g_autofree char *stat_path = g_strdup_printf ("/proc/%s/stat", pids[i]);
            g_autofree char *stat = NULL;

            /* A zombie waiting for init to reap it counts as gone. */
            if (g_file_get_contents (stat_path, &stat, NULL, NULL) && !strstr (stat, ") Z "))
              gone = FALSE;
          }
      if (!gone)
        g_usleep (10000);
    }
  g_assert_true (gone);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/processes/killed-worker", test_killed_worker);
  g_test_add_func ("/lab/processes/cancel-leaves-no-child", test_cancel_leaves_no_child);
  g_test_add_func ("/lab/processes/cancel-busy-cpu-worker", test_cancel_busy_cpu_worker);
  g_test_add_func ("/lab/processes/startup-measured", test_startup_measured);
  g_test_add_func ("/lab/processes/bad-executable", test_bad_executable);
  g_test_add_func ("/lab/processes/workers-die-with-app", test_workers_die_with_app);

  return g_test_run ();
}
