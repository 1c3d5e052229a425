/* test-distributed-runs.c — distributed runs the app sets up itself
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The part of the `distributed` suite whose runs start their own broker
 * and local workers, as the window does with no --broker: every workload
 * that can travel verifies, the jobs that share memory are refused, and a
 * job's time comes back from its worker (CPU time, I/O waits) through
 * parsers that refuse what a worker should not write.  The tests that
 * start brokers and workers by hand, and main (), are in
 * test-distributed.c.
 */

#include "config.h"

#include <unistd.h>

#include "lab-files.h"
#include "lab-rq.h"
#include "lab-server.h"
#include "lab-states.h"
#include "lab-test-util.h"
#include "test-distributed-runs.h"

/* Every workload that can travel verifies with 3 local workers and a
 * broker the app starts itself (no --broker). */
void
test_workloads (void)
{
  const char *names[] = { "sleep", "cpu", "hash", "download", "save" };
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autofree char *out_dir = NULL;
  LabServerOptions options;
  g_autoptr(LabServer) server = NULL;
  g_autoptr(GError) error = NULL;

  if (!lab_test_have_redis ())
    return;

  lab_server_options_init (&options);
  options.n_files = 6;
  options.file_size = 32 * 1024;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);
  out_dir = g_dir_make_tmp ("lab-distributed-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new (names[i]);
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabRun) run = NULL;

      plan->tasks = 6;
      plan->workers = 3;
      plan->task_ms = 50;
      plan->size = 64 * 1024;
      plan->n = 1000000;
      if (g_str_equal (names[i], "download"))
        plan->url = g_strdup (lab_server_get_url (server));
      if (g_str_equal (names[i], "save"))
        plan->out_dir = g_strdup (out_dir);
      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);

      run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s", names[i], run->verify_error ? run->verify_error : "verified");
      g_assert_null (run->verify_error);
      g_assert_true (run->verified);
      g_assert_cmpuint (run->tasks_ok, ==, 6);
      /* The broker's cost per job was measured, and is a part of the run. */
      g_assert_cmpint (run->broker_cost_us, >=, 0);
      g_assert_cmpint (run->broker_cost_us, <=, run->wall_us);
      /* Three workers, three lanes, named host:pid. */
      g_assert_cmpuint (run->lane_names->len, >=, 1);
      g_assert_cmpuint (run->lane_names->len, <=, 3);
      for (guint t = 0; t < run->n_records; t++)
        {
          g_assert_cmpint (run->records[t].start_us, >=, run->start_us - G_USEC_PER_SEC);
          g_assert_cmpint (run->records[t].end_us, >=, run->records[t].start_us);
          g_assert_cmpint (run->records[t].pid, !=, getpid ());
        }
    }

  lab_remove_folder (out_dir);
}

/* The bank and ping-pong jobs share memory or a pipe with the app: one
 * sentence, no run. */
void
test_refuses_shared_jobs (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = lab_test_workload ("bank", 4, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);

  g_assert_null (run);
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  g_assert_nonnull (strstr (error->message, "bank"));
}

/* Sums where @run's task time went, and checks that every wait of every
 * task lies inside its own bar, start to end. */
static gint64
time_by_state (const LabRun *run,
               gint64        by_state[LAB_N_STATES])
{
  gint64 total = 0;

  lab_run_get_time_by_state (run, by_state);
  for (LabState state = 0; state < LAB_N_STATES; state++)
    {
      if (state != LAB_STATE_STARTUP)
        total += by_state[state];
      g_test_message ("%s: %" G_GINT64_FORMAT " µs", lab_state_to_string (state),
                      by_state[state]);
    }
  return total;
}

/* A CPU job's worker brings back its time on a CPU: the bars are
 * "computing", not grey "other". */
void
test_cpu_time (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 by_state[LAB_N_STATES], total;

  if (!lab_test_have_redis ())
    return;

  plan->tasks = 4;
  plan->workers = 2;
  plan->n = 40000000;   /* 10 million additions a job: several ms of CPU each */
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  /* A pool of worker processes from an earlier run idles through this
   * one: its costs are not the distributed workers'. */
  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));
  g_assert_no_error (error);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->verified);
  g_assert_cmpuint (run->cost.processes, ==, 0);

  for (guint t = 0; t < run->n_records; t++)
    {
      gint64 task[LAB_N_STATES] = { 0 };

      g_test_message ("task %u: %" G_GINT64_FORMAT " µs long, cpu %" G_GINT64_FORMAT
                      " µs, run queue %" G_GINT64_FORMAT " µs", t,
                      run->records[t].end_us - run->records[t].start_us,
                      run->records[t].cpu_us, run->records[t].run_queue_us);
      g_assert_cmpint (run->records[t].cpu_us, >, 0);
      g_assert_cmpint (run->records[t].cpu_us, <=, run->records[t].end_us - run->records[t].start_us);
      lab_task_add_time_by_state (&run->records[t], task);
      g_assert_cmpint (task[LAB_STATE_COMPUTE], >, 0);
    }

  /* Computing, or waiting for a core on a machine shared with the test's
   * other processes, is most of the jobs' time; the broker's round trips
   * at either end of a job are the rest ("other"). */
  total = time_by_state (run, by_state);
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE], >, 0);
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE] + by_state[LAB_STATE_RUNQUEUE], >, total / 2);
  /* No figure of cores busy: this process's sampler cannot see the
   * workers, which did the work. */
  g_assert_cmpfloat (lab_run_get_mean_cores_busy (run), <, 0);
}

/* A download job's waits for the network come back, and land inside its
 * own bar on the app's timeline. */
void
test_io_spans (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(LabServer) server = NULL;
  g_autoptr(GError) error = NULL;
  LabServerOptions options;
  gint64 by_state[LAB_N_STATES], total;

  if (!lab_test_have_redis ())
    return;

  lab_server_options_init (&options);
  options.n_files = 4;
  options.file_size = 16 * 1024;
  options.latency_ms = 100;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);

  plan->tasks = 4;
  plan->workers = 2;
  plan->url = g_strdup (lab_server_get_url (server));
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->verified);

  for (guint t = 0; t < run->n_records; t++)
    {
      const LabTaskRecord *record = &run->records[t];
      gint64 io = 0;

      g_assert_nonnull (record->spans);
      g_assert_cmpuint (record->spans->len, >, 0);
      for (guint i = 0; i < record->spans->len; i++)
        {
          const LabSpan *span = &g_array_index (record->spans, LabSpan, i);

          g_test_message ("task %u: %s %s from +%" G_GINT64_FORMAT " to +%" G_GINT64_FORMAT
                          " µs of %" G_GINT64_FORMAT, t, lab_state_to_string (span->state),
                          lab_wait_to_string (span->wait), span->start_us - record->start_us,
                          span->end_us - record->start_us, record->end_us - record->start_us);
          g_assert_cmpint (span->state, ==, LAB_STATE_IO);
          g_assert_cmpint (span->start_us, >=, record->start_us);
          g_assert_cmpint (span->end_us, <=, record->end_us);
          /* A download waits for one thing at a time, in order: connect,
           * first byte, body — each where it was on the worker. */
          if (i > 0)
            g_assert_cmpint (span->start_us, >=,
                             g_array_index (record->spans, LabSpan, i - 1).end_us);
          io += span->end_us - span->start_us;
        }
      /* The server's 100 ms before each answer is a wait for the network. */
      g_assert_cmpint (io, >=, 100 * 1000);
    }

  total = time_by_state (run, by_state);
  g_assert_cmpint (by_state[LAB_STATE_IO], >, total / 2);
}

/* A worker we do not control writes what it likes into a job's hash: the
 * parsers take the worker's own format and nothing else. */
void
test_malformed_fields (void)
{
  const char *bad[] = {
    "garbage", "io", "io:timer", "io:timer:5", "io:timer:5:", "io:timer::5",
    "io:timer:5:5:5", "compute::0:10", "startup::0:10", "other::0:10", "bogus:timer:0:10",
    "io:bogus:0:10", "io:timer:-5:10", "io:timer:5:-10", "io:timer:0x10:10",
    "io:timer:0:1001", "io:timer:1001:0", "io:timer:900:200",
    "io:timer:99999999999999999999:1", "io:timer:0:10  io:timer:20:10", " io:timer:0:10",
    "io:timer:0:10 ", "io:timer:0:10 garbage", "io:timer:1 0:10", "io:timer:0:10\n",
  };
  g_autoptr(GArray) good = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) many = g_string_new (NULL);
  g_autofree char *text = NULL;
  gint64 value = 7;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GArray) spans = lab_rq_parse_spans (bad[i], 1000000, 1000, &error);

      g_test_message ("“%s”: %s", bad[i], error ? error->message : "accepted");
      g_assert_null (spans);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }

  /* Too many waits for one job. */
  for (guint i = 0; i <= LAB_RQ_MAX_SPANS; i++)
    g_string_append (many, i > 0 ? " io:timer:0:1" : "io:timer:0:1");
  g_assert_null (lab_rq_parse_spans (many->str, 0, 1000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* What a worker writes reads back, moved to the reader's start. */
  good = g_array_new (FALSE, FALSE, sizeof (LabSpan));
  lab_spans_add (&good, LAB_STATE_IO, LAB_WAIT_CONNECT, 5000 + 10, 5000 + 30);
  lab_spans_add (&good, LAB_STATE_IO, LAB_WAIT_FIRST_BYTE, 5000 + 30, 5000 + 930);
  lab_spans_add (&good, LAB_STATE_LOCK, LAB_WAIT_NONE, 5000 + 930, 5000 + 1000);
  text = lab_rq_format_spans (good, 5000);
  g_assert_cmpstr (text, ==, "io:connect:10:20 io:first-byte:30:900 lock::930:70");
  g_clear_pointer (&good, g_array_unref);
  good = lab_rq_parse_spans (text, 1000000, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (good->len, ==, 3);
  g_assert_cmpint (g_array_index (good, LabSpan, 1).start_us, ==, 1000030);
  g_assert_cmpint (g_array_index (good, LabSpan, 1).end_us, ==, 1000930);
  g_assert_cmpint (g_array_index (good, LabSpan, 1).wait, ==, LAB_WAIT_FIRST_BYTE);
  g_assert_cmpint (g_array_index (good, LabSpan, 2).state, ==, LAB_STATE_LOCK);
  none = lab_rq_parse_spans ("", 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_null (lab_rq_format_spans (none, 0));

  /* CPU times: -1 (not measured) up to the job's length, nothing else. */
  g_assert_true (lab_rq_parse_cpu_time ("-1", 1000, &value, NULL));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (lab_rq_parse_cpu_time ("1000", 1000, &value, NULL));
  g_assert_cmpint (value, ==, 1000);
  value = 7;
  g_assert_false (lab_rq_parse_cpu_time ("1001", 1000, &value, NULL));
  g_assert_false (lab_rq_parse_cpu_time ("-2", 1000, &value, NULL));
  g_assert_false (lab_rq_parse_cpu_time ("", 1000, &value, NULL));
  g_assert_false (lab_rq_parse_cpu_time ("12ms", 1000, &value, NULL));
  g_assert_false (lab_rq_parse_cpu_time ("99999999999999999999", G_MAXINT64, &value, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpint (value, ==, 7);
}
