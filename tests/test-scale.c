/* test-scale.c — ten thousand at once: each mode's limit, async waits at
 * that scale, the descriptor limit, and what a run costs
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Behaviour only: every check is about what ran, in which order and how
 * much, never about how fast.  The one time limit (cancel) has a margin of
 * 50 times what the right behaviour takes.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lab-cost.h"
#include "lab-plan.h"
#include "lab-test-util.h"

static LabWorkload *
sleep_workload (guint tasks,
                guint workers,
                guint task_ms)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->tasks = tasks;
  plan->workers = workers;
  plan->task_ms = task_ms;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* Were all the tasks in flight at once?  Yes when the last one started
 * before the first one ended. */
static gboolean
all_in_flight_together (const LabRun *run)
{
  gint64 last_start = G_MININT64, first_end = G_MAXINT64;

  for (guint i = 0; i < run->n_records; i++)
    {
      last_start = MAX (last_start, run->records[i].start_us);
      first_end = MIN (first_end, run->records[i].end_us);
    }

  return last_start < first_end;
}

/* 10,000 waits on one event loop: all of them in flight together, each
 * as long as it should be (verify), on one thread of this process. */
static void
test_async_ten_thousand (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  /* 2 s: starting 10,000 tasks takes ~20 ms here, so even 50 times slower
   * (sanitizers, a loaded machine) they are all in flight together. */
  g_autoptr(LabWorkload) workload = sleep_workload (10000, 10000, 2000);
  g_autoptr(LabRun) run = lab_test_run (runner, workload, LAB_MODE_ASYNC, NULL);

  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_ok, ==, 10000);
  g_assert_true (all_in_flight_together (run));
  for (guint i = 0; i < run->n_records; i++)
    {
      g_assert_cmpint (run->records[i].pid, ==, getpid ());
      g_assert_cmpint (run->records[i].lane, ==, 0);
    }
  g_assert_cmpuint (run->cost.threads_created, ==, 1);
}

/* Cancel reaches every wait in the loop's timer heap: 10,000 waits of
 * 20 s cancelled after 0.2 s end long before 20 s, all cancelled. */
static void
test_async_cancel (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = sleep_workload (10000, 10000, 20000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = NULL;
  gint64 start = g_get_monotonic_time ();

  lab_test_cancel_after (cancellable, 200);
  run = lab_test_run (runner, workload, LAB_MODE_ASYNC, cancellable);

  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_true (run->cancelled);
  g_assert_cmpuint (run->tasks_failed, ==, 10000);
}

/* Each mechanism's limit: refused one above it with a sentence naming the
 * number, and really run at it (processes: 256 workers, the pool's part). */
static void
test_limits (void)
{
  static const struct { LabMode mode; guint limit; guint task_ms; } cases[] = {
    /* Handing out 10,000 or 100,000 tasks takes 0.1–0.3 s here: waits of
     * 5 s keep them all in flight together on a machine 15 times slower. */
    { LAB_MODE_THREADS, LAB_MAX_THREADS, 5000 },
    { LAB_MODE_PROCESSES, LAB_MAX_PROCESS_WORKERS, 10 },
    { LAB_MODE_ASYNC, LAB_MAX_ASYNC_IN_FLIGHT, 5000 },
  };

  g_assert_cmpuint (LAB_MAX_THREADS, ==, 10000);
  g_assert_cmpuint (LAB_MAX_PROCESS_WORKERS, ==, 256);
  g_assert_cmpuint (LAB_MAX_ASYNC_IN_FLIGHT, ==, 100000);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(LabRunner) runner = lab_runner_new ();
      g_autoptr(LabWorkload) workload = sleep_workload (cases[c].limit, cases[c].limit,
                                                        cases[c].task_ms);
      g_autoptr(LabPlan) above = lab_plan_copy (lab_workload_get_plan (workload));
      g_autoptr(GError) error = NULL;
      g_autoptr(LabRun) run = NULL;
      g_autofree char *number = g_strdup_printf ("%u", cases[c].limit);

      g_test_message ("%s at its limit of %u", lab_mode_to_string (cases[c].mode),
                      cases[c].limit);
      g_assert_cmpuint (lab_plan_max_workers (cases[c].mode), ==, cases[c].limit);

      above->workers = cases[c].limit + 1;
      g_assert_false (lab_plan_validate_mode (above, cases[c].mode, &error));
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
      g_assert_nonnull (strstr (error->message, number));
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);

      run = lab_test_run (runner, workload, cases[c].mode, NULL);
      g_assert_true (lab_run_is_ok (run));
      g_assert_cmpuint (run->workers, ==, cases[c].limit);
      if (cases[c].mode != LAB_MODE_PROCESSES)
        g_assert_true (all_in_flight_together (run));
      else
        g_assert_cmpuint (run->cost.processes, ==, cases[c].limit);
    }
}

/* The descriptor arithmetic on each side of its branch: in this process
 * (limit 20,000 or what the system gives) a download in flight to a
 * server of our own costs two descriptors, to an outside server one, and
 * in the processes mode the app holds only the server's end. */
static void
test_descriptor_arithmetic (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(GError) error = NULL;
  struct rlimit limit;
  guint half;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 2 * LAB_MAX_ASYNC_IN_FLIGHT)
    {
      g_test_skip ("no descriptor limit to test against");
      return;
    }
  /* Comfortably below half the limit fits with the server here... */
  half = limit.rlim_cur / 2;
  plan->workers = half - 100;
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_ASYNC, plan->workers, TRUE, &error));
  g_assert_no_error (error);

  /* ...a little above half does not, but does with the server elsewhere,
   * and does in worker processes (which hold the client ends). */
  plan->workers = half + 100;
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_ASYNC, plan->workers, FALSE, &error));
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES, plan->workers, TRUE,
                                             &error));
  g_assert_no_error (error);
  g_assert_false (lab_plan_check_descriptors (plan, LAB_MODE_THREADS, plan->workers, TRUE,
                                              &error));
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  g_clear_error (&error);

  /* What is in flight is bounded by the tasks, not only by the workers. */
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_ASYNC, 10, TRUE, &error));
  g_assert_no_error (error);
}

/* Processes + async: each worker process holds the client ends of its own
 * share (up to --in-flight), the built-in server here holds the other ends
 * of all of them together.  Each side of both checks, with this process's
 * limit (the children inherit it). */
static void
test_descriptor_processes_async (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(GError) error = NULL;
  struct rlimit limit;
  guint half;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > LAB_MAX_TASKS / 2)
    {
      g_test_skip ("no descriptor limit to test against");
      return;
    }
  half = limit.rlim_cur / 2;

  /* Two processes with a little under half the limit each: both the
   * children and the server fit. */
  plan->workers = 2;
  plan->in_flight = half - 200;
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES_ASYNC, 2 * plan->in_flight,
                                             TRUE, &error));
  g_assert_no_error (error);

  /* Four with half the limit each: every child fits, the server's ends of
   * all of them together do not, unless the server is elsewhere. */
  plan->workers = 4;
  plan->in_flight = half;
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES_ASYNC, 4 * half, FALSE,
                                             &error));
  g_assert_no_error (error);
  g_assert_false (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES_ASYNC, 4 * half, TRUE,
                                              &error));
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "built-in server"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  /* …and fewer tasks than that are fewer in flight. */
  g_assert_true (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES_ASYNC, half, TRUE, &error));
  g_assert_no_error (error);

  /* One process with the whole limit in flight: the child cannot hold
   * them, wherever the server is. */
  plan->workers = 1;
  plan->in_flight = limit.rlim_cur;
  g_assert_false (lab_plan_check_descriptors (plan, LAB_MODE_PROCESSES_ASYNC, limit.rlim_cur,
                                              FALSE, &error));
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "worker process"));
  g_assert_nonnull (strstr (error->message, "--in-flight"));
}

static void
low_descriptor_limit (gpointer data)
{
  struct rlimit limit = { 256, 256 };

  setrlimit (RLIMIT_NOFILE, &limit);
}

static gboolean
kill_after_deadline (gpointer data)
{
  g_subprocess_force_exit (data);
  return G_SOURCE_REMOVE;
}

/* The binary with 256 descriptors asked for 200 downloads at once from
 * its own server (400 descriptors): one sentence naming the limit, a
 * non-zero exit, no hang and no flood of errors. */
static void
test_descriptor_limit_refused (void)
{
  const char *binary = lab_test_binary ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint deadline;

  if (binary == NULL)
    return;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, low_descriptor_limit, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, binary, "bench",
                                         "--workload=download", "--tasks=200", "--workers=200",
                                         "--modes=async", "--size=1k", NULL);
  g_assert_no_error (error);

  /* 60 s: the refusal takes milliseconds; a hang would take forever. */
  deadline = g_timeout_add_seconds (60, kill_after_deadline, process);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_source_remove (deadline);

  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 0);
  g_assert_cmpstr (out, ==, "");
  lines = g_strsplit (g_strchomp (err), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_nonnull (strstr (err, "file descriptors"));
  g_assert_nonnull (strstr (err, "256"));
}

/* What a run cost, and that the numbers are the kernel's: N threads
 * started for N workers, each of them waited (a voluntary switch), memory
 * resident; one thread for the event loop; the workers' own figures in the
 * processes mode. */
static void
test_cost (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = sleep_workload (100, 50, 20);
  g_autoptr(LabRun) threads = lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
  g_autoptr(LabRun) async = lab_test_run (runner, workload, LAB_MODE_ASYNC, NULL);
  g_autoptr(LabRun) processes = NULL;
  g_autofree char *summary = NULL;

  g_assert_cmpuint (threads->cost.threads_created, >=, 50);
  g_assert_cmpint (threads->cost.thread_create_us, >, 0);
  g_assert_cmpuint (threads->cost.voluntary_switches, >=, 50);
  g_assert_cmpuint (threads->cost.peak_rss_bytes, >, 0);
  g_assert_cmpuint (threads->cost.peak_rss_bytes, >=, threads->cost.rss_before_bytes);
  g_assert_false (threads->cost.peak_rss_from_start);
  g_assert_cmpuint (threads->cost.processes, ==, 0);

  g_assert_cmpuint (async->cost.threads_created, ==, 1);
  g_assert_cmpuint (async->cost.peak_rss_bytes, >, 0);

  processes = lab_test_run (runner, workload, LAB_MODE_PROCESSES, NULL);
  g_assert_cmpuint (processes->cost.threads_created, ==, 0);
  g_assert_cmpuint (processes->cost.processes, ==, 50);
  g_assert_cmpuint (processes->cost.workers_peak_rss_bytes, >, 50 * 4096);
  g_assert_cmpuint (processes->cost.workers_voluntary_switches, >=, 50);

  summary = lab_cost_dup_summary (&threads->cost);
  g_assert_nonnull (strstr (summary, "50 threads started"));
}

/* bench --format=json has a "cost" object per run with every field. */
static void
test_cost_json (void)
{
  static const char * const fields[] = {
    "peak_rss_bytes", "rss_before_bytes", "rss_growth_bytes", "peak_rss_since_start",
    "threads_created", "thread_create_s", "voluntary_switches", "involuntary_switches",
    "processes", "workers_peak_rss_bytes", "workers_voluntary_switches",
    "workers_involuntary_switches",
  };
  const char *binary = lab_test_binary ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *runs;
  int status;

  if (binary == NULL)
    return;

  {
    const char *argv[] = { binary, "bench", "--tasks=20", "--workers=10", "--task-ms=10",
                           "--modes=threads,processes,async", "--format=json", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                 &out, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  runs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      JsonObject *cost = json_object_get_object_member (run, "cost");
      const char *mode = json_object_get_string_member (run, "mode");

      g_assert_nonnull (cost);
      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        g_assert_true (json_object_has_member (cost, fields[f]));
      g_assert_cmpint (json_object_get_int_member (cost, "peak_rss_bytes"), >, 0);
      if (g_str_equal (mode, "threads"))
        g_assert_cmpint (json_object_get_int_member (cost, "threads_created"), >=, 10);
      if (g_str_equal (mode, "processes"))
        g_assert_cmpint (json_object_get_int_member (cost, "processes"), ==, 10);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/scale/async-ten-thousand", test_async_ten_thousand);
  g_test_add_func ("/lab/scale/async-cancel", test_async_cancel);
  g_test_add_func ("/lab/scale/limits", test_limits);
  g_test_add_func ("/lab/scale/descriptors/arithmetic", test_descriptor_arithmetic);
  g_test_add_func ("/lab/scale/descriptors/refused", test_descriptor_limit_refused);
  g_test_add_func ("/lab/scale/descriptors/processes-async", test_descriptor_processes_async);
  g_test_add_func ("/lab/scale/cost", test_cost);
  g_test_add_func ("/lab/scale/cost-json", test_cost_json);

  return g_test_run ();
}
