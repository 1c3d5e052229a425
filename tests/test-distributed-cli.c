/* test-distributed-cli.c — the distributed mode's processes, seen from outside
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bad input to `worker` and `bench --modes=distributed` gets one sentence
 * and a non-zero exit, never a hang; a broker without a password on
 * another machine gets a warning; the broker and workers the app starts
 * die with it, and a run whose local workers all die ends with a
 * sentence.  Traffic stays on 127.0.0.1 or in a network namespace the
 * test makes, except the one test of the built-in server listening beyond
 * loopback, which connects to this machine's own network address.
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "lab-local-broker.h"
#include "lab-plan.h"
#include "lab-net.h"
#include "lab-server.h"
#include "lab-test-util.h"

/* Workers and the broker the app started die with it, even when it is
 * killed (SIGKILL: no cleanup runs). */
static void
test_nothing_outlives_the_app (void)
{
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) children = g_array_new (FALSE, FALSE, sizeof (int));
  gint64 deadline;
  int bench_pid;

  if (!lab_test_have_redis ())
    return;

  bench = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, g_getenv ("LAB_BINARY"), "bench", "--modes=distributed",
                            "--workload=sleep", "--task-ms=60000", "--tasks=4", "--workers=2",
                            NULL);
  g_assert_no_error (error);
  bench_pid = atoi (g_subprocess_get_identifier (bench));

  /* Its children: redis-server and two workers. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (children->len < 3)
    {
      g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
      const char *entry;

      g_array_set_size (children, 0);
      while ((entry = g_dir_read_name (proc)) != NULL)
        {
          g_autofree char *stat_path = g_build_filename ("/proc", entry, "stat", NULL);
          g_autofree char *stat = NULL;
          const char *paren;
          int ppid = 0, pid = atoi (entry);

          if (pid <= 0 || !g_file_get_contents (stat_path, &stat, NULL, NULL))
            continue;
          paren = strrchr (stat, ')');
          if (paren != NULL && sscanf (paren + 2, "%*c %d", &ppid) == 1 && ppid == bench_pid)
            g_array_append_val (children, pid);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }

  g_subprocess_force_exit (bench);
  g_subprocess_wait (bench, NULL, NULL);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (guint i = 0; i < children->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d", g_array_index (children, int, i));

      /* Gone, or a zombie on its way out (reparented, not yet reaped). */
      while (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *stat_path = g_build_filename (path, "stat", NULL);
          g_autofree char *stat = NULL;
          const char *paren;

          if (g_file_get_contents (stat_path, &stat, NULL, NULL) &&
              (paren = strrchr (stat, ')')) != NULL && paren[2] == 'Z')
            break;
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (20000);
        }
    }
}

/* Runs the real binary with @argv (after LAB_BINARY), bounded: a hang
 * fails the test instead of the suite.  Returns the exit status; @out, if
 * not NULL, gets what it printed on stdout. */
static int
run_binary_out (const char * const  *argv,
                const char          *path,
                char               **out,
                char               **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new ((out != NULL ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                            : G_SUBPROCESS_FLAGS_STDOUT_SILENCE) |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  if (path != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_ptr_array_add (args, (gpointer) g_getenv ("LAB_BINARY"));
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  lab_test_cancel_after (cancellable, 30000);
  g_subprocess_communicate_utf8 (process, NULL, cancellable, out, err, &error);
  if (error != NULL)
    {
      g_subprocess_force_exit (process);
      g_error ("`%s %s` did not end within 30 s", (char *) args->pdata[0], argv[0]);
    }
  return g_subprocess_get_exit_status (process);
}

static int
run_binary (const char * const  *argv,
            const char          *path,
            char               **err)
{
  return run_binary_out (argv, path, NULL, err);
}

static void
expect_sentence (const char * const *argv,
                 const char         *path,
                 int                 status,
                 const char         *words)
{
  g_autofree char *err = NULL;
  int got = run_binary (argv, path, &err);

  g_test_message ("%s → %d: %s", argv[0], got, err);
  g_assert_cmpint (got, ==, status);
  g_assert_nonnull (strstr (err, words));
  /* One sentence: one line (a warning may come before it). */
  g_assert_true (g_str_has_suffix (err, ".\n"));
}

/* Bad input to `worker` and to `bench --modes=distributed`: one sentence
 * and a non-zero exit, never a hang. */
static void
test_bad_input (void)
{
  const char *no_broker[] = { "worker", NULL };
  const char *bad_url[] = { "worker", "--broker=http://example.org/", NULL };
  const char *bad_db[] = { "worker", "--broker=redis://127.0.0.1:6379/99", NULL };
  const char *zero[] = { "worker", "--broker=redis://127.0.0.1:1", "--concurrency=0", NULL };
  const char *many[] = { "worker", "--broker=redis://127.0.0.1:1", "--concurrency=65", NULL };
  const char *name[] = { "worker", "--broker=redis://127.0.0.1:1", "--name=a b", NULL };
  const char *closed[] = { "worker", "--broker=redis://127.0.0.1:1", NULL };
  const char *bench_closed[] = { "bench", "--modes=distributed", "--broker=redis://127.0.0.1:1",
                                 "--tasks=1", NULL };
  const char *bench_bad[] = { "bench", "--modes=distributed", "--broker=redis:", NULL };
  const char *bench_bank[] = { "bench", "--modes=distributed", "--workload=bank",
                               "--broker=redis://127.0.0.1:1", NULL };
  const char *no_redis[] = { "bench", "--modes=distributed", "--tasks=1", NULL };

  if (lab_test_binary () == NULL)
    return;

  expect_sentence (no_broker, NULL, 2, "--broker=redis://");
  expect_sentence (bad_url, NULL, 2, "is not a broker address");
  expect_sentence (bad_db, NULL, 2, "from 0 to 15");
  expect_sentence (zero, NULL, 2, "at least 1");
  expect_sentence (many, NULL, 2, "at most 64");
  expect_sentence (name, NULL, 2, "without spaces");
  /* Port 1 on loopback: nobody listens, the connection is refused. */
  expect_sentence (closed, NULL, 1, "cannot be reached");
  expect_sentence (bench_closed, NULL, 1, "cannot be reached");
  expect_sentence (bench_bad, NULL, 2, "is not a broker address");
  /* A run refused at once ends before bench's main loop starts, or just
   * after: ten tries, so that a race between the two cannot hide. */
  for (guint i = 0; i < 10; i++)
    expect_sentence (bench_bank, NULL, 1, "shares memory or a pipe");
  /* No redis-server on the PATH: how to install it, or which --broker. */
  expect_sentence (no_redis, "/nonexistent", 1, "apt install redis-server");
}

/* A broker on another machine without a password gets a warning.  Run in
 * a network namespace of our own, where 192.0.2.1 is unreachable at once:
 * no packet leaves this machine. */
static void
test_warns_without_password (void)
{
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_autofree char *err = NULL;
  const char *argv[] = { "--net", NULL, "bench", "--modes=distributed",
                         "--broker=redis://192.0.2.1:6379", "--tasks=1", NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0 || unshare == NULL)
    {
      g_test_skip ("needs `unshare --net`, as root");
      return;
    }

  argv[1] = g_getenv ("LAB_BINARY");
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, unshare, argv[0], argv[1], argv[2], argv[3], argv[4],
                              argv[5], NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, "has no password"));
  g_assert_nonnull (strstr (err, "cannot be reached"));
}

/* The pids of this process's children running `worker`. */
static GArray *
find_local_workers (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *entry;

  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", entry, "stat", NULL);
      g_autofree char *cmdline_path = g_build_filename ("/proc", entry, "cmdline", NULL);
      g_autofree char *stat = NULL, *cmdline = NULL;
      gsize length = 0;
      const char *paren;
      int ppid = 0, pid = atoi (entry);

      if (pid <= 0 || !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      paren = strrchr (stat, ')');
      if (paren == NULL || sscanf (paren + 2, "%*c %d", &ppid) != 1 || ppid != getpid ())
        continue;
      /* argv[1] is "worker": the second NUL-separated string. */
      if (strlen (cmdline) + 1 < length && g_str_equal (cmdline + strlen (cmdline) + 1, "worker"))
        g_array_append_val (pids, pid);
    }
  return pids;
}

/* When every worker the app started dies, the run ends with a sentence
 * instead of waiting for ever: nobody else knows our broker's password. */
static void
test_local_workers_die (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  LabTestThreadRun job = { 0 };
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  if (!lab_test_have_redis ())
    return;

  plan->tasks = 4;
  plan->workers = 2;
  plan->task_ms = 30000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  lab_test_cancel_after (cancellable, 60000);
  lab_test_thread_run_start (&job, workload, LAB_MODE_DISTRIBUTED, cancellable);

  do
    {
      g_clear_pointer (&pids, g_array_unref);
      pids = find_local_workers ();
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  while (pids->len < 2);
  /* Let them register and take a job, then kill them all. */
  g_usleep (G_USEC_PER_SEC);
  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, int, i), SIGKILL);

  lab_test_thread_run_join (&job);
  g_assert_null (job.run);
  g_assert_error (job.error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER);
  g_test_message ("%s", job.error->message);
  lab_test_thread_run_clear (&job);
}

/* A worker from the network downloads from the teacher's built-in server
 * only when bench lets the server listen beyond loopback: then the jobs
 * carry the LAN URL and verify, with a notice; otherwise they carry
 * 127.0.0.1 URLs, which that worker refuses. */
static void
test_serve_beyond_loopback (void)
{
  g_autoptr(LabLocalBroker) broker = NULL;
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lan = lab_net_dup_lan_address ();
  g_autofree char *broker_option = NULL, *expected = NULL;
  g_autofree char *err_lan = NULL, *err_loopback = NULL, *out_loopback = NULL;
  const char *beyond[] = { "bench", "--modes=distributed", "--workload=download", "--tasks=4",
                           NULL, "--serve-beyond-loopback", NULL };
  const char *loopback[] = { "bench", "--modes=distributed", "--workload=download", "--tasks=4",
                             NULL, NULL };
  int status;

  if (!lab_test_have_redis ())
    return;
  if (lab_test_binary () == NULL)
    return;
  if (lan == NULL)
    {
      g_test_skip ("this machine has no IPv4 address other than loopback");
      return;
    }

  broker = lab_local_broker_start (NULL, &error);
  g_assert_no_error (error);
  broker_option = g_strconcat ("--broker=", lab_local_broker_get_url (broker), NULL);
  beyond[4] = loopback[4] = broker_option;
  /* No --local: it takes jobs as a classroom PC would. */
  worker = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                             g_getenv ("LAB_BINARY"), "worker", broker_option,
                             "--concurrency=1", NULL);
  g_assert_no_error (error);

  status = run_binary (beyond, NULL, &err_lan);
  g_test_message ("with the switch → %d: %s", status, err_lan);
  g_assert_cmpint (status, ==, 0);
  expected = g_strdup_printf ("reachable by every machine on the network at http://%s:", lan);
  g_assert_nonnull (strstr (err_lan, expected));
  g_assert_null (strstr (err_lan, "refused"));

  status = run_binary_out (loopback, NULL, &out_loopback, &err_loopback);
  g_test_message ("without it → %d: %s%s", status, out_loopback, err_loopback);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (out_loopback, "points at this very PC (loopback)"));
  g_assert_null (strstr (err_loopback, "reachable by every machine"));

  lab_test_stop_worker (worker);
}

/* What start-up means is said for the modes in the table: the distributed
 * row's start-up is reaching (and here starting) the broker, not only
 * starting workers. */
static void
test_startup_sentence (void)
{
  const char *with[] = { "bench", "--modes=processes,distributed", "--workload=sleep",
                         "--tasks=2", "--task-ms=10", "--workers=2", NULL };
  const char *without[] = { "bench", "--modes=processes", "--workload=sleep", "--tasks=2",
                            "--task-ms=10", "--workers=2", NULL };
  const char *sentence = "For Distributed it is the time to reach the broker";
  g_autofree char *out_with = NULL, *out_without = NULL, *err_with = NULL, *err_without = NULL;

  if (!lab_test_have_redis ())
    return;
  if (lab_test_binary () == NULL)
    return;

  g_assert_cmpint (run_binary_out (with, NULL, &out_with, &err_with), ==, 0);
  g_assert_nonnull (strstr (out_with, sentence));
  g_assert_cmpint (run_binary_out (without, NULL, &out_without, &err_without), ==, 0);
  g_assert_nonnull (strstr (out_without, "Start-up is the time to start the workers"));
  g_assert_null (strstr (out_without, sentence));
}

/* `serve --listen-all`: the URL it prints is this machine's LAN address,
 * with the notice; plain `serve` stays on 127.0.0.1 without one. */
static void
test_serve_listen_all (void)
{
  g_autofree char *lan = lab_net_dup_lan_address ();

  if (lab_test_binary () == NULL)
    return;
  if (lan == NULL)
    {
      g_test_skip ("this machine has no IPv4 address other than loopback");
      return;
    }

  for (guint all = 0; all < 2; all++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) serve =
        g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                          g_getenv ("LAB_BINARY"), "serve", all ? "--listen-all" : "--files=1",
                          NULL);
      g_autoptr(GDataInputStream) out = NULL;
      g_autofree char *url = NULL, *expected = NULL, *err = NULL;

      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
      url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (url);
      g_subprocess_send_signal (serve, SIGTERM);
      g_subprocess_communicate_utf8 (serve, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_test_message ("serve%s → %s; %s", all ? " --listen-all" : "", url, err);
      expected = g_strdup_printf ("http://%s:", all ? lan : "127.0.0.1");
      g_assert_true (g_str_has_prefix (url, expected));
      g_assert_true ((strstr (err, "reachable by every machine on the network") != NULL) == all);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/distributed-cli/bad-input", test_bad_input);
  g_test_add_func ("/lab/distributed-cli/warns-without-password", test_warns_without_password);
  g_test_add_func ("/lab/distributed-cli/nothing-outlives-the-app", test_nothing_outlives_the_app);
  g_test_add_func ("/lab/distributed-cli/local-workers-die", test_local_workers_die);
  g_test_add_func ("/lab/distributed-cli/serve-beyond-loopback", test_serve_beyond_loopback);
  g_test_add_func ("/lab/distributed-cli/serve-listen-all", test_serve_listen_all);
  g_test_add_func ("/lab/distributed-cli/startup-sentence", test_startup_sentence);

  return g_test_run ();
}
