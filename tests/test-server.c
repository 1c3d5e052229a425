/* test-server.c — the embedded server and downloads over a long day:
 * nothing grows per run, and the server survives running out of descriptors
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-test-util.h"
#include "lab-workload-save.h"

static guint
count_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct
{
  guint fds;
  guint threads;
  guint children;
} Usage;

/* Threads of ours.  GLib's shared pool ("pool-…", used by GTask and the
 * resolver) is left out: it is bounded and retires idle threads itself. */
static guint
count_threads (void)
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

static Usage
measure (void)
{
  Usage usage;

  usage.fds = count_dir ("/proc/self/fd");
  usage.threads = count_threads ();
  usage.children = lab_test_count_children ();
  return usage;
}

/* What the process uses once the run's last threads have exited and a
 * killed worker has been replaced: that may take a moment on a loaded
 * machine, so look again for up to 20 s before calling it a leak. */
static Usage
measure_settled (const Usage *expected)
{
  Usage usage = measure ();

  for (guint i = 0; i < 200; i++)
    {
      if (usage.fds == expected->fds && usage.threads == expected->threads &&
          usage.children == expected->children)
        break;
      g_usleep (100000);
      usage = measure ();
    }
  return usage;
}

static LabServer *
start_server (LabServerFailure failure)
{
  LabServerOptions options;
  g_autoptr(GError) error = NULL;
  LabServer *server;

  lab_server_options_init (&options);
  options.n_files = 10;
  options.file_size = 64 * 1024;
  options.latency_ms = 5;
  options.failure = failure;
  options.fail_share = failure != LAB_SERVER_FAIL_NONE ? 0.5 : 0;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);
  return server;
}

static LabPlan *
plan_for (const char *url,
          const char *workload,
          const char *out_dir)
{
  LabPlan *plan = lab_plan_new (workload);

  plan->url = g_strdup (url);
  plan->tasks = 10;
  plan->workers = 4;
  plan->size = 64 * 1024;
  plan->timeout_ms = 5000;
  plan->out_dir = g_strdup (out_dir);
  return plan;
}

/* One of everything the window can do with downloads, in every mode. */
static void
run_round (LabRunner  *runner,
           LabServer  *server,
           LabServer  *failing,
           const char *out_dir)
{
  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabPlan) plan = plan_for (lab_server_get_url (server), "download", out_dir);
      g_autoptr(LabPlan) pipe_plan = plan_for (lab_server_get_url (server), "pipeline", out_dir);
      g_autoptr(LabPlan) fail_plan = plan_for (lab_server_get_url (failing), "download", out_dir);
      g_autoptr(LabPlan) gone_plan = plan_for ("http://127.0.0.1:1/", "download", out_dir);
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabPipeline) pipeline = NULL;
      g_autoptr(LabRun) run = NULL;
      g_autoptr(LabPipelineRun) pipe_run = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;

      /* The window makes a fresh workload for every press of a button. */
      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);
      run = lab_test_run (runner, workload, mode, NULL);
      g_assert_true (lab_run_is_ok (run));
      g_clear_pointer (&run, lab_run_free);
      g_clear_object (&workload);
      pipeline = lab_pipeline_new (pipe_plan, &error);
      g_assert_no_error (error);
      pipe_run = lab_pipeline_run (pipeline, runner, mode, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (pipe_run->ok);
      g_clear_pointer (&pipe_run, lab_pipeline_run_free);

      /* Cancelled half way. */
      lab_test_cancel_after (cancellable, 20);
      pipe_run = lab_pipeline_run (pipeline, runner, mode, cancellable, &error);
      g_assert_no_error (error);
      g_clear_pointer (&pipe_run, lab_pipeline_run_free);

      /* A server that fails half the requests, and one that is not there. */
      workload = lab_workload_new (fail_plan, &error);
      g_assert_no_error (error);
      run = lab_test_run (runner, workload, mode, NULL);
      g_assert_cmpuint (run->tasks_failed, >, 0);
      g_clear_pointer (&run, lab_run_free);
      g_clear_object (&workload);

      workload = lab_workload_new (gone_plan, &error);
      g_assert_no_error (error);
      run = lab_test_run (runner, workload, mode, NULL);
      g_assert_cmpuint (run->tasks_failed, ==, 10);
    }
}

/* As in the window: one long-lived server, one runner with its warm
 * worker processes, and run after run.  After a warm-up round every round
 * must leave exactly the descriptors, threads and children it found. */
static void
test_nothing_grows_per_run (void)
{
  g_autoptr(LabServer) server = start_server (LAB_SERVER_FAIL_NONE);
  g_autoptr(LabServer) failing = start_server (LAB_SERVER_FAIL_RESET);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autofree char *dir = g_dir_make_tmp ("lab-leaks-XXXXXX", NULL);
  guint rounds = g_test_slow () ? 10 : 3;
  Usage before, after;

  run_round (runner, server, failing, dir);
  before = measure ();
  g_test_message ("after the warm-up: %u fds, %u threads, %u children",
                  before.fds, before.threads, before.children);

  for (guint round = 1; round <= rounds; round++)
    {
      run_round (runner, server, failing, dir);
      after = measure_settled (&before);
      g_test_message ("after round %u: %u fds, %u threads, %u children",
                      round, after.fds, after.threads, after.children);
      g_assert_cmpuint (after.fds, ==, before.fds);
      g_assert_cmpuint (after.threads, ==, before.threads);
      g_assert_cmpuint (after.children, ==, before.children);
    }

  lab_remove_folder (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/server/nothing-grows-per-run", test_nothing_grows_per_run);

  return g_test_run ();
}
