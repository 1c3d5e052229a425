/* test-server.c — the embedded server and downloads over a long day:
 * nothing grows per run, and the server survives running out of descriptors
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lab-files.h"
#include "lab-pipeline.h"
#include "lab-net.h"
#include "lab-server.h"
#include "lab-test-util.h"

/* Once in a few dozen runs on a loaded machine, one more eventfd (a main
 * context that a cancelled request's I/O inside libsoup keeps) stays open.
 * The leak this test is for was 30 or more descriptors a run. */
#define FD_SLACK 2

typedef struct
{
  guint fds;
  guint threads;
  guint children;
} Usage;


/* What each open descriptor is, for the message of a failing check. */
static void
print_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_test_message ("fd %s: %s", name, target ? target : "?");
    }
}

static Usage
measure (void)
{
  Usage usage;

  usage.fds = lab_test_count_entries ("/proc/self/fd");
  usage.threads = lab_test_count_threads ();
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
      if (usage.fds <= expected->fds + FD_SLACK && usage.threads <= expected->threads &&
          usage.children <= expected->children)
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
  /* Every request fails: half of them would leave a run with no failure
   * once in a thousand. */
  options.fail_share = failure != LAB_SERVER_FAIL_NONE ? 1.0 : 0;
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
      if (after.fds > before.fds)
        print_fds ();
      g_assert_cmpuint (after.fds, <=, before.fds + FD_SLACK);
      g_assert_cmpuint (after.threads, <=, before.threads);
      g_assert_cmpuint (after.children, <=, before.children);
    }

  lab_remove_folder (dir);
}

/* Run out of file descriptors while a client connects: the server cannot
 * accept it, says so once, and serves it as soon as descriptors are free
 * again, instead of never accepting anything any more. */
static void
test_accept_recovers (void)
{
  g_autoptr(LabServer) server = start_server (LAB_SERVER_FAIL_NONE);
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  const char request[] = "GET /manifest.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Connection: close\r\n\r\n";
  struct sockaddr_in address = { 0 };
  struct rlimit saved, low;
  struct pollfd pfd;
  char answer[64] = { 0 };
  int client, fd;
  gssize n;

  client = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (client, >=, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons (lab_server_get_port (server));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  /* A low limit, so that filling it up is quick; then fill it up. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = MIN (saved.rlim_cur, (rlim_t) client + 64);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  while ((fd = fcntl (client, F_DUPFD_CLOEXEC, 0)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  /* The kernel completes the connection; the server cannot accept it. */
  g_assert_cmpint (connect (client, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (send (client, request, strlen (request), 0), ==, (gssize) strlen (request));
  for (guint i = 0; i < 200 && lab_server_get_accept_failures (server) == 0; i++)
    g_usleep (50000);
  g_assert_cmpuint (lab_server_get_accept_failures (server), >, 0);

  /* Descriptors free again: the waiting client gets its answer. */
  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  pfd.fd = client;
  pfd.events = POLLIN;
  g_assert_cmpint (poll (&pfd, 1, 30000), ==, 1);
  n = recv (client, answer, sizeof answer - 1, 0);
  close (client);
  g_assert_cmpint (n, >, 0);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
}

/* The token bucket's arithmetic at the edges: exact where the answer fits
 * 64 bits (checked against 128-bit arithmetic), saturated where not. */
static void
test_bandwidth_arithmetic (void)
{
  const guint64 bandwidths[] = {
    0, 1, 999999, 1000000, 1000001, G_GUINT64_CONSTANT (1) << 20, G_GUINT64_CONSTANT (1) << 40,
    G_MAXUINT32, G_MAXUINT64 / 1000000, G_MAXUINT64 - 1, G_MAXUINT64,
  };
  const gint64 elapsed[] = {
    G_MININT64, -1, 0, 1, 999999, 1000000, 1000001, 20000, 10 * G_USEC_PER_SEC,
    G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC, G_MAXINT32, G_MAXINT64,
  };

  for (guint b = 0; b < G_N_ELEMENTS (bandwidths); b++)
    for (guint e = 0; e < G_N_ELEMENTS (elapsed); e++)
      {
        unsigned __int128 exact = 0;
        guint64 expected;

        if (elapsed[e] > 0)
          exact = (unsigned __int128) bandwidths[b] * (guint64) elapsed[e] / G_USEC_PER_SEC;
        expected = exact > G_MAXUINT64 ? G_MAXUINT64 : (guint64) exact;
        g_assert_cmpuint (lab_server_bytes_allowed (bandwidths[b], elapsed[e]), ==, expected);
      }

  /* 1 TiB/s for 10 s: the plain product wrapped around to a small number. */
  g_assert_cmpuint (lab_server_bytes_allowed (G_GUINT64_CONSTANT (1) << 40, 10 * G_USEC_PER_SEC),
                    ==, (G_GUINT64_CONSTANT (1) << 40) * 10);
}

static guint
count_fds_of (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd", pid);

  return lab_test_count_entries (path);
}

/* What a foreign load generator does to `concurrency-lab serve`: rounds of
 * 20,000 requests, 1,000 at a time, with and without keep-alive.  After
 * each round the server has the descriptors it had before. */
static void
test_serve_under_ab (void)
{
  const char *binary = g_getenv ("LAB_BINARY");
  g_autofree char *ab = g_find_program_in_path ("ab");
  g_autoptr(GSubprocess) serve = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *file_url = NULL;
  const char *pid;
  guint before;

  if (binary == NULL || ab == NULL)
    {
      g_test_skip ("needs LAB_BINARY and ab (Debian package apache2-utils)");
      return;
    }

  serve = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, binary, "serve", "--files=10", "--size=4k", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
  url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (url);
  file_url = g_strconcat (url, "file-001.bin", NULL);
  pid = g_subprocess_get_identifier (serve);

  /* A small warm-up first: serve sets up its signal handlers only after
   * printing its URL. */
  {
    const char *argv[] = { ab, "-q", "-n", "100", "-c", "10", file_url, NULL };
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                 NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  /* The server may still be closing the warm-up's connections: take its
   * level once the count has held still for half a second. */
  before = count_fds_of (pid);
  for (guint i = 0, still = 0; i < 200 && still < 10; i++)
    {
      guint now;

      g_usleep (50000);
      now = count_fds_of (pid);
      still = now == before ? still + 1 : 0;
      before = now;
    }

  for (guint round = 0; round < 3; round++)
    {
      /* ab -k: HTTP keep-alive, the clients close idle connections at the end. */
      const char *argv[] = { ab, "-q", "-n", "20000", "-c", "1000", round == 1 ? "-k" : "-r",
                             file_url, NULL };
      g_autofree char *report = NULL;
      const char *rate;
      gint64 start = g_get_monotonic_time ();
      guint after = 0;
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                   NULL, &report, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_nonnull (strstr (report, "Complete requests:      20000"));
      g_assert_nonnull (strstr (report, "Failed requests:        0"));
      rate = strstr (report, "Requests per second:");

      /* The server may still be closing the last connections. */
      for (guint i = 0; i < 200; i++)
        {
          after = count_fds_of (pid);
          if (after <= before)
            break;
          g_usleep (50000);
        }
      g_test_message ("round %u%s: %.1f s, %.*s; server descriptors %u before, %u after",
                      round + 1, round == 1 ? " (keep-alive)" : "",
                      (g_get_monotonic_time () - start) / 1e6,
                      rate ? (int) strcspn (rate, "\n") : 0, rate ? rate : "", before, after);
      g_assert_cmpuint (after, <=, before);
    }

  g_subprocess_send_signal (serve, SIGINT);
  g_assert_true (g_subprocess_wait (serve, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (serve));
}

/* Loopback by default; beyond it only when asked, and then the URL is one
 * other machines can use (not loopback), and downloads through it verify. */
static void
test_listen_beyond_loopback (void)
{
  LabServerOptions options;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabServer) here = NULL, beyond = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autofree char *lan = lab_net_dup_lan_address ();
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) host = NULL;
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;

  lab_server_options_init (&options);
  here = lab_server_new (&options, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (lab_server_get_url (here), "http://127.0.0.1:"));

  if (lan == NULL)
    {
      g_test_skip ("this machine has no IPv4 address other than loopback");
      return;
    }
  options.listen_beyond_loopback = TRUE;
  beyond = lab_server_new (&options, &error);
  g_assert_no_error (error);
  g_test_message ("beyond loopback: %s", lab_server_get_url (beyond));
  uri = g_uri_parse (lab_server_get_url (beyond), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_host (uri), ==, lan);
  host = g_inet_address_new_from_string (g_uri_get_host (uri));
  g_assert_nonnull (host);
  g_assert_false (g_inet_address_get_is_loopback (host));

  plan = plan_for (lab_server_get_url (beyond), "download", NULL);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_failed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/server/nothing-grows-per-run", test_nothing_grows_per_run);
  g_test_add_func ("/lab/server/accept-recovers", test_accept_recovers);
  g_test_add_func ("/lab/server/bandwidth-arithmetic", test_bandwidth_arithmetic);
  g_test_add_func ("/lab/server/serve-under-ab", test_serve_under_ab);
  g_test_add_func ("/lab/server/listen-beyond-loopback", test_listen_beyond_loopback);

  return g_test_run ();
}
