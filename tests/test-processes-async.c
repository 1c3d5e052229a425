/* test-processes-async.c — the fifth mode: worker processes, each an event loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every workload runs and verifies in processes + async; the work really
 * spreads over the processes and many tasks are in flight in each at
 * once; Cancel stops them all; a worker killed mid-run loses no task; bad
 * --in-flight values get one sentence; bench prints the mode like any
 * other.  Every run has a deadline of its own, so a lost task or a stuck
 * pipe fails the test with a sentence instead of hanging the suite.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <unistd.h>

#include "lab-files.h"
#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-test-util.h"

/* Far above what any run here needs (a second or two), far below meson's timeout. */
#define RUN_DEADLINE_S 30

typedef struct
{
  LabRun         *run;
  LabPipelineRun *pipeline_run;
  GError         *error;
  gboolean        done;
  gint64          ended_at;
} Waiter;

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Waiter *waiter = data;

  waiter->run = lab_runner_run_finish (NULL, result, &waiter->error);
  waiter->ended_at = g_get_monotonic_time ();
  waiter->done = TRUE;
}

static void
pipeline_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Waiter *waiter = data;

  waiter->pipeline_run = lab_pipeline_run_finish (result, &waiter->error);
  waiter->done = TRUE;
}

typedef gboolean (*WatchFunc) (gpointer data);

/* Iterates this thread's context until the run is done; @watch (if any)
 * is called every few ms meanwhile.  Past the deadline the test stops. */
static void
wait_for (Waiter    *waiter,
          WatchFunc  watch,
          gpointer   watch_data)
{
  gint64 deadline = g_get_monotonic_time () + RUN_DEADLINE_S * G_USEC_PER_SEC;

  while (!waiter->done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s: the run did not end within %d s: a task was lost or a pipe is stuck",
                 g_test_get_path (), RUN_DEADLINE_S);
      if (watch != NULL && watch (watch_data))
        watch = NULL;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static LabRun *
run_within (LabRunner    *runner,
            LabWorkload  *workload,
            GCancellable *cancellable,
            WatchFunc     watch,
            gpointer      watch_data)
{
  Waiter waiter = { 0 };

  lab_runner_run_async (runner, workload, LAB_MODE_PROCESSES_ASYNC, cancellable, run_done_cb,
                        &waiter);
  wait_for (&waiter, watch, watch_data);
  g_assert_no_error (waiter.error);
  g_assert_nonnull (waiter.run);
  return waiter.run;
}

static LabWorkload *
make_workload (LabPlan *plan)
{
  g_autoptr(GError) error = NULL;
  LabWorkload *workload = lab_workload_new (plan, &error);

  g_assert_no_error (error);
  return workload;
}

/* Every job runs in the fifth mode and verifies: the sums, the digests
 * (of files big enough that a result overflows a pipe: the worker's writer
 * must wait for room), the saved files, the bank (no shared memory: each
 * process has its own account), ping-pong's pipe to the app, and the
 * pipeline's three stages. */
static void
test_every_workload (void)
{
  const char *names[] = { "sleep", "cpu", "hash", "download", "save", "bank", "pingpong" };
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabServer) server = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lab-pasync-XXXXXX", NULL);
  LabServerOptions options;
  g_autoptr(GError) error = NULL;

  lab_server_options_init (&options);
  options.n_files = 12;
  options.file_size = 256 * 1024;
  options.latency_ms = 20;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new (names[i]);
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabRun) run = NULL;

      plan->tasks = 12;
      plan->workers = 2;
      plan->in_flight = 4;
      plan->task_ms = 20;
      plan->n = 1000000;
      plan->size = 256 * 1024;
      plan->url = g_strdup (lab_server_get_url (server));
      if (g_str_equal (names[i], "save"))
        plan->out_dir = g_strdup (dir);
      workload = make_workload (plan);

      run = run_within (runner, workload, NULL, NULL, NULL);
      g_test_message ("%s: %s %s", names[i], run->result, run->verify_error);
      g_assert_true (lab_run_is_ok (run));
      g_assert_true (run->verified);
      for (guint t = 0; t < run->n_records; t++)
        {
          g_assert_cmpint (run->records[t].pid, >, 0);
          g_assert_cmpint (run->records[t].pid, !=, getpid ());
        }
    }

  {
    g_autoptr(LabPlan) plan = lab_plan_new ("pipeline");
    g_autoptr(LabPipeline) pipeline = NULL;
    g_autofree char *out = g_build_filename (dir, "pipeline", NULL);
    Waiter waiter = { 0 };

    plan->tasks = 12;
    plan->workers = 2;
    plan->in_flight = 4;
    plan->size = 256 * 1024;
    plan->url = g_strdup (lab_server_get_url (server));
    plan->out_dir = g_strdup (out);
    g_mkdir (out, 0700);
    pipeline = lab_pipeline_new (plan, &error);
    g_assert_no_error (error);

    lab_pipeline_run_async (pipeline, runner, LAB_MODE_PROCESSES_ASYNC, NULL, pipeline_done_cb,
                            &waiter);
    wait_for (&waiter, NULL, NULL);
    g_assert_no_error (waiter.error);
    g_test_message ("pipeline: %s %s", waiter.pipeline_run->result, waiter.pipeline_run->error);
    g_assert_true (waiter.pipeline_run->ok);
    lab_pipeline_run_free (waiter.pipeline_run);
  }

  lab_remove_folder (dir);
}

/* The most tasks of process @pid in flight at one instant, from the records. */
static guint
max_overlap_of (const LabRun *run,
                gint          pid)
{
  guint max = 0;

  /* Tasks overlap at the start of one of them: count who runs then. */
  for (guint i = 0; i < run->n_records; i++)
    {
      guint at_once = 0;

      if (run->records[i].pid != pid)
        continue;
      for (guint j = 0; j < run->n_records; j++)
        at_once += run->records[j].pid == pid &&
                   run->records[j].start_us <= run->records[i].start_us &&
                   run->records[j].end_us > run->records[i].start_us;
      max = MAX (max, at_once);
    }

  return max;
}

/* With 2 processes, both do work, and each has many tasks in flight at
 * once on its loop (records of one pid overlap); lanes are the processes. */
static void
test_spread_and_overlap (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer pid;

  plan->tasks = 40;
  plan->workers = 2;
  plan->in_flight = 10;
  plan->task_ms = 200;
  workload = make_workload (plan);

  run = run_within (runner, workload, NULL, NULL, NULL);
  g_assert_true (lab_run_is_ok (run));

  for (guint i = 0; i < run->n_records; i++)
    {
      g_assert_cmpint (run->records[i].lane, >=, 0);
      g_assert_cmpint (run->records[i].lane, <, 2);
      g_hash_table_add (pids, GINT_TO_POINTER (run->records[i].pid));
    }
  g_assert_cmpuint (g_hash_table_size (pids), ==, 2);

  g_hash_table_iter_init (&iter, pids);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    {
      guint overlap = max_overlap_of (run, GPOINTER_TO_INT (pid));

      g_test_message ("pid %d: %u tasks in flight at once", GPOINTER_TO_INT (pid), overlap);
      /* More than one at once, never more than its loop may hold. */
      g_assert_cmpuint (overlap, >=, 2);
      g_assert_cmpuint (overlap, <=, 10);
    }
}

/* With the default in flight (500 a process) a few tasks still spread
 * evenly: the first worker takes its share, not everything. */
static void
test_fair_share (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint first_pid;
  guint on_first = 0;

  plan->tasks = 8;
  plan->workers = 2;
  plan->task_ms = 100;
  workload = make_workload (plan);
  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));
  g_assert_no_error (error);

  run = run_within (runner, workload, NULL, NULL, NULL);
  g_assert_true (lab_run_is_ok (run));
  first_pid = run->records[0].pid;
  for (guint i = 0; i < run->n_records; i++)
    on_first += run->records[i].pid == first_pid;
  g_assert_cmpuint (on_first, ==, 4);
}

typedef struct
{
  LabEventBuffer *events;
  GCancellable   *cancellable;
  gint            victim;        /* killed: the pid; 0 until then */
  guint           started;
} Watcher;

/* @workload on two worker processes started beforehand (their start-up is
 * not the run's), @watch fed the run's events as they come. */
static LabRun *
run_watched (LabRunner    *runner,
             LabWorkload  *workload,
             GCancellable *cancellable,
             WatchFunc     watch,
             Watcher      *watcher)
{
  g_autoptr(GError) error = NULL;
  LabRun *run;

  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));
  g_assert_no_error (error);
  lab_runner_set_events (runner, watcher->events);
  run = run_within (runner, workload, cancellable, watch, watcher);
  lab_runner_set_events (runner, NULL);
  return run;
}

/* Once tasks are in flight: press Cancel. */
static gboolean
cancel_when_started (gpointer data)
{
  Watcher *watcher = data;
  g_autoptr(GArray) batch = lab_event_buffer_drain (watcher->events);

  for (guint i = 0; i < batch->len; i++)
    watcher->started += g_array_index (batch, LabEvent, i).kind == LAB_EVENT_TASK_STARTED;
  if (watcher->started < 20)
    return FALSE;

  g_cancellable_cancel (watcher->cancellable);
  return TRUE;
}

/* Cancel with 20 s waits (and long sums) in flight on every loop: the run
 * ends at once, every task cancelled, stopped by the message and not by
 * the kill after the grace period (no worker replaced); and when the
 * runner goes, no child is left. */
static void
test_cancel (gconstpointer data)
{
  const char *name = data;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabPlan) plan = lab_plan_new (name);
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  Watcher watcher = { events, cancellable, 0, 0 };
  gint64 cancelled_at;

  plan->tasks = 20;
  plan->workers = 2;
  plan->in_flight = 10;
  plan->task_ms = 20000;
  plan->n = G_GUINT64_CONSTANT (6000000000);
  workload = make_workload (plan);

  run = run_watched (runner, workload, cancellable, cancel_when_started, &watcher);
  cancelled_at = g_get_monotonic_time ();
  g_assert_true (run->cancelled);
  g_assert_cmpuint (run->tasks_failed, ==, 20);
  g_assert_cmpuint (run->respawns, ==, 0);
  /* A task that ignored Cancel would take 20 s (a sum: seconds). */
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].end_us - run->start_us, <, 10 * G_USEC_PER_SEC);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, 10 * G_USEC_PER_SEC);
}

/* Once a worker has tasks in flight: SIGKILL it. */
static gboolean
kill_when_busy (gpointer data)
{
  Watcher *watcher = data;
  g_autoptr(GArray) batch = lab_event_buffer_drain (watcher->events);

  for (guint i = 0; i < batch->len; i++)
    {
      const LabEvent *event = &g_array_index (batch, LabEvent, i);

      if (event->kind == LAB_EVENT_TASK_STARTED && event->pid > 0 && watcher->victim == 0)
        {
          watcher->victim = event->pid;
          kill (event->pid, SIGKILL);
        }
    }

  return watcher->victim != 0;
}

/* SIGKILL a worker with 10 one-second tasks in flight on its loop: all of
 * them are done again (by the other worker or the one that replaces it),
 * none fails, and no result claims to come from the dead process. */
static void
test_killed_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  Watcher watcher = { events, NULL, 0, 0 };

  plan->tasks = 20;
  plan->workers = 2;
  plan->in_flight = 10;
  plan->task_ms = 1000;
  workload = make_workload (plan);

  run = run_watched (runner, workload, NULL, kill_when_busy, &watcher);

  g_test_message ("killed %d; respawns: %u; %s", watcher.victim, run->respawns, run->verify_error);
  g_assert_cmpint (watcher.victim, >, 0);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_ok, ==, 20);
  g_assert_cmpuint (run->respawns, >=, 1);
  for (guint i = 0; i < run->n_records; i++)
    {
      g_assert_cmpint (run->records[i].pid, >, 0);
      g_assert_cmpint (run->records[i].pid, !=, watcher.victim);
    }
}

/* Every time task 0 is given to a worker: SIGKILL that worker. */
static gboolean
kill_task_zero (gpointer data)
{
  Watcher *watcher = data;
  g_autoptr(GArray) batch = lab_event_buffer_drain (watcher->events);

  for (guint i = 0; i < batch->len; i++)
    {
      const LabEvent *event = &g_array_index (batch, LabEvent, i);

      if (event->kind == LAB_EVENT_TASK_STARTED && event->task == 0 && event->pid > 0)
        {
          kill (event->pid, SIGKILL);
          watcher->started++;
        }
    }

  return FALSE;   /* keep watching */
}

/* A task whose worker dies every time it is in flight is not retried
 * forever: after three workers it fails with a sentence saying so, and
 * the other tasks still complete. */
static void
test_task_kills_its_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  Watcher watcher = { events, NULL, 0, 0 };

  plan->tasks = 4;
  plan->workers = 2;
  plan->in_flight = 1;
  plan->task_ms = 1000;
  workload = make_workload (plan);

  run = run_watched (runner, workload, NULL, kill_task_zero, &watcher);

  g_test_message ("task 0 given %u times: %s", watcher.started, run->records[0].error);
  g_assert_cmpuint (watcher.started, ==, 3);
  g_assert_cmpuint (run->tasks_failed, ==, 1);
  g_assert_cmpuint (run->tasks_ok, ==, 3);
  g_assert_nonnull (strstr (run->records[0].error, "died every time"));
}

/* Too many tasks in flight in all: the engine says so in one sentence. */
static void
test_too_many_in_flight (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;

  plan->workers = 2;
  plan->in_flight = LAB_MAX_PROCESS_IN_FLIGHT / 2 + 1;
  workload = make_workload (plan);

  run = lab_runner_run (runner, workload, LAB_MODE_PROCESSES_ASYNC, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  g_test_message ("%s", error->message);

  /* Exactly at the limit is fine. */
  g_clear_error (&error);
  plan->in_flight = LAB_MAX_PROCESS_IN_FLIGHT / 2;
  plan->tasks = 4;
  plan->task_ms = 1;
  g_clear_object (&workload);
  workload = make_workload (plan);
  run = lab_runner_run (runner, workload, LAB_MODE_PROCESSES_ASYNC, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lab_run_is_ok (run));
}

/* Runs the binary's bench with @args; returns its exit status. */
static int
bench (const char * const  *args,
       char               **out,
       char               **err)
{
  const char *binary = g_getenv ("LAB_BINARY");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, "bench");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* Bad --in-flight values: one sentence naming the option, exit status 2. */
static void
test_bad_in_flight (void)
{
  const char *bad[] = { "--in-flight=0", "--in-flight=abc", "--in-flight=-3",
                        "--in-flight=50001", "--in-flight=1e9" };

  if (lab_test_binary () == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *args[] = { "--modes=processes-async", "--workers=2", bad[i], NULL };
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (bench (args, &out, &err), ==, 2);
      g_test_message ("%s: %s", bad[i], err);
      g_assert_true (g_str_has_prefix (err, "concurrency-lab bench: --in-flight must be"));
      g_assert_nonnull (strstr (err, "50000"));
      g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
      g_assert_cmpstr (out, ==, "");
    }
}

/* bench --modes=processes-async: a row in the table, a line in the CSV, a
 * run in the JSON, named like the mode and verified. */
static void
test_bench_output (void)
{
  const char *table[] = { "--modes=processes-async", "--tasks=6", "--task-ms=10",
                          "--workers=2", "--in-flight=3", NULL };
  const char *csv[] = { "--modes=processes-async", "--tasks=6", "--task-ms=10",
                        "--workers=2", "--format=csv", NULL };
  const char *json[] = { "--modes=threads,processes-async", "--tasks=6", "--task-ms=10",
                         "--workers=2", "--format=json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *runs;
  JsonObject *run;

  if (lab_test_binary () == NULL)
    return;

  g_assert_cmpint (bench (table, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Processes + async"));
  g_assert_nonnull (strstr (out, "6/0"));
  g_assert_nonnull (strstr (out, "2×3"));   /* processes × tasks in flight in each */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (bench (csv, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nprocesses-async,2,"));
  g_assert_nonnull (strstr (out, ",true,"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (bench (json, &out, &err), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  runs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);
  run = json_array_get_object_element (runs, 1);
  g_assert_cmpstr (json_object_get_string_member (run, "mode"), ==, "processes-async");
  g_assert_true (json_object_get_boolean_member (run, "verified"));
  g_assert_cmpint (json_object_get_int_member (run, "tasks_ok"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (run, "in_flight"), ==, 500);   /* 1000 / 2 */
  g_assert_false (json_object_has_member (json_array_get_object_element (runs, 0), "in_flight"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/processes-async/every-workload", test_every_workload);
  g_test_add_func ("/lab/processes-async/spread-and-overlap", test_spread_and_overlap);
  g_test_add_func ("/lab/processes-async/fair-share", test_fair_share);
  g_test_add_data_func ("/lab/processes-async/cancel/sleep", "sleep", test_cancel);
  g_test_add_data_func ("/lab/processes-async/cancel/cpu", "cpu", test_cancel);
  g_test_add_func ("/lab/processes-async/killed-worker", test_killed_worker);
  g_test_add_func ("/lab/processes-async/task-kills-its-worker", test_task_kills_its_worker);
  g_test_add_func ("/lab/processes-async/too-many-in-flight", test_too_many_in_flight);
  g_test_add_func ("/lab/processes-async/bad-in-flight", test_bad_in_flight);
  g_test_add_func ("/lab/processes-async/bench-output", test_bench_output);

  return g_test_run ();
}
