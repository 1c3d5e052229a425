/* test-window-distributed.c — the distributed mode in the window
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window as a teacher uses it: Distributed chosen shows the Broker
 * row; a job runs on the window's own broker and local workers and
 * verifies, with lanes named host:pid under their host; a worker started
 * by hand (the `worker` subcommand, as a second terminal would) joins the
 * running pool and gets a lane; a bad or unreachable broker is one
 * sentence, no hang.  Every broker is a real redis-server on 127.0.0.1
 * (the window's own, or one the test starts the same way); skipped, with
 * the reason, where redis-server is missing.
 */

#include "config.h"

#include <signal.h>

#include "lab-application.h"
#include "lab-local-broker.h"
#include "lab-setup-panel.h"
#include "lab-test-util.h"
#include "lab-timeline-private.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

static gboolean
have_redis (void)
{
  g_autofree char *path = g_find_program_in_path ("redis-server");

  if (path == NULL)
    g_test_skip ("redis-server is not installed (apt install redis-server)");
  return path != NULL;
}

static void
configure (const char *broker,
           guint       tasks,
           guint       workers,
           guint       task_ms)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "lesson", "");
  g_settings_set_string (settings, "job", "sleep");
  g_settings_set_string (settings, "mode", "distributed");
  g_settings_set_string (settings, "broker", broker);
  g_settings_set_uint (settings, "tasks", tasks);
  g_settings_set_uint (settings, "workers", workers);
  g_settings_set_uint (settings, "task-ms", task_ms);
}

static LabTimelineModel *
distributed_model (LabWindow *window)
{
  return lab_window_get_timeline (window, LAB_MODE_DISTRIBUTED)->model;
}

/* A `concurrency-lab worker` joining @url by hand, named @name. */
static GSubprocess *
start_worker (const char *url,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *broker = g_strconcat ("--broker=", url, NULL);
  g_autofree char *name_option = g_strconcat ("--name=", name, NULL);
  GSubprocess *worker = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                          g_getenv ("LAB_WORKER_EXECUTABLE"), "worker",
                                          broker, name_option, "--concurrency=1", NULL);

  g_assert_no_error (error);
  return worker;
}

static void
stop_worker (GSubprocess *worker)
{
  g_subprocess_send_signal (worker, SIGTERM);
  g_subprocess_wait (worker, NULL, NULL);
}

/* Choosing Distributed shows the Broker row; another mode hides it; and
 * "Compare all" does not run it. */
static void
test_broker_row (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabSetupPanel *panel;
  LabWindow *window;
  GtkWidget *group;

  configure ("", 4, 2, 10);
  window = lab_ui_open_window (app);
  panel = lab_window_get_setup_panel (window);
  group = lab_setup_panel_get_widget (panel, "broker_group");

  g_assert_true (gtk_widget_get_visible (group));
  {
    AdwComboRow *mode_row = ADW_COMBO_ROW (lab_setup_panel_get_widget (panel, "mode_row"));
    GtkStringList *titles = GTK_STRING_LIST (adw_combo_row_get_model (mode_row));

    g_assert_cmpstr (gtk_string_list_get_string (titles, adw_combo_row_get_selected (mode_row)), ==,
                     "Distributed (Redis)");
  }
  g_settings_set_string (settings, "mode", "threads");
  g_assert_false (gtk_widget_get_visible (group));
  g_settings_set_string (settings, "mode", "compare");
  g_assert_false (gtk_widget_get_visible (group));
  {
    LabMode modes[LAB_N_MODES];
    guint n = lab_setup_panel_get_modes (panel, modes);

    for (guint i = 0; i < n; i++)
      g_assert_cmpint (modes[i], !=, LAB_MODE_DISTRIBUTED);
  }
  g_settings_set_string (settings, "mode", "distributed");
  g_assert_true (gtk_widget_get_visible (group));
  lab_ui_close_window (window);
}

/* With no URL the run starts its own broker and three local workers; the
 * job verifies; each lane is a worker named host:pid, under a header with
 * this machine's name; bars ended well say they are on the broker's clock. */
static void
test_local_run (void)
{
  g_autofree char *row = NULL;
  LabTimelineModel *model;
  LabWindow *window;
  guint n_lanes;

  if (!have_redis ())
    return;

  configure ("", 12, 3, 100);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);

  row = lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_DISTRIBUTED);
  g_test_message ("row: %s; status: %s", row, lab_window_get_status (window));
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (row, "✓"));

  model = distributed_model (window);
  n_lanes = lab_timeline_model_get_n_lanes (model);
  g_assert_cmpuint (n_lanes, >=, 1);
  g_assert_cmpuint (n_lanes, <=, 3);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 12);
  for (guint lane = 0; lane < n_lanes; lane++)
    {
      g_autofree char *label = lab_timeline_model_dup_lane_label (model, lane);
      g_autofree char *prefix = g_strdup_printf ("%s:", g_get_host_name ());

      g_test_message ("lane %u: %s", lane, label);
      g_assert_true (g_str_has_prefix (label, prefix));
      g_assert_cmpstr (lab_timeline_model_get_lane (model, lane)->host, ==, g_get_host_name ());
      /* One host: one header, above its first lane. */
      g_assert_cmpstr (lab_timeline_model_get_lane_header (model, lane), ==,
                       lane == 0 ? g_get_host_name () : NULL);
    }
  for (guint task = 0; task < 12; task++)
    {
      const LabTimelineBar *bar = lab_timeline_model_get_bar (model, task);

      g_assert_true (lab_timeline_model_bar_has_broker_clock (model, bar));
    }

  /* The run's broker is gone with the run, and so is the command. */
  g_assert_null (lab_setup_panel_get_join_command (lab_window_get_setup_panel (window)));
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

static gboolean
has_join_command (gpointer data)
{
  return lab_setup_panel_get_join_command (lab_window_get_setup_panel (data)) != NULL;
}

static gboolean
has_lane_labelled (LabWindow  *window,
                   const char *text)
{
  LabTimelineModel *model = distributed_model (window);

  for (guint lane = 0; lane < lab_timeline_model_get_n_lanes (model); lane++)
    {
      g_autofree char *label = lab_timeline_model_dup_lane_label (model, lane);

      if (g_str_equal (label, text))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_hand_lane (gpointer data)
{
  return has_lane_labelled (data, "by-hand");
}

static gboolean
has_lost_hand_lane (gpointer data)
{
  return has_lane_labelled (data, "by-hand (lost)");
}

/* While a long run goes on, the window shows the command for one more
 * worker; a worker started with it (as from a second terminal) takes a
 * job and gets a lane under its name, live.  Killed, it stops beating and
 * its lane shows it lost (after LAB_RQ_JOB_TTL_S), and stays so after
 * Cancel. */
static void
test_hand_worker_joins (void)
{
  g_autoptr(GSubprocess) worker = NULL;
  const char *command;
  LabWindow *window;

  if (!have_redis ())
    return;

  /* 2 workers × 200 tasks of 0.5 s: 50 s, far longer than a worker takes
   * to join even on a slow machine; the test cancels once it has. */
  configure ("", 200, 2, 500);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (has_join_command, window, 30000);

  command = lab_setup_panel_get_join_command (lab_window_get_setup_panel (window));
  g_assert_nonnull (command);
  g_test_message ("%s", command);
  g_assert_true (g_str_has_prefix (command, "concurrency-lab worker --broker=redis://:"));
  g_assert_nonnull (strstr (command, "@127.0.0.1:"));

  worker = start_worker (strstr (command, "redis://"), "by-hand");
  lab_ui_wait_until (has_hand_lane, window, 30000);
  g_assert_true (has_hand_lane (window));
  g_assert_true (lab_window_get_running (window));

  g_subprocess_force_exit (worker);
  g_subprocess_wait (worker, NULL, NULL);
  lab_ui_wait_until (has_lost_hand_lane, window, 30000);
  g_assert_true (has_lost_hand_lane (window));
  g_assert_true (lab_window_get_running (window));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_assert_true (has_lost_hand_lane (window));
  g_assert_null (lab_setup_panel_get_join_command (lab_window_get_setup_panel (window)));
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

/* A malformed URL is one sentence in the window, and nothing runs; nor
 * does the pipeline, whose later stages cannot travel; a broker nobody
 * listens at ends the run with one sentence, promptly. */
static void
test_bad_broker (void)
{
  LabWindow *window;
  const char *status;
  gint64 start;

  configure ("http://example.org/", 4, 2, 10);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 10000);
  status = lab_window_get_status (window);
  g_test_message ("malformed: %s", status);
  g_assert_false (lab_window_get_running (window));
  g_assert_null (lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_DISTRIBUTED));
  g_assert_true (g_str_has_suffix (status, "."));
  g_assert_null (strchr (status, '\n'));
  g_assert_nonnull (strstr (status, "redis://"));

  /* The pipeline's later stages cannot travel: said before it starts. */
  configure ("", 4, 2, 10);
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);

    g_settings_set_string (settings, "job", "pipeline");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
    lab_ui_wait_until (lab_ui_is_idle, window, 10000);
    g_test_message ("pipeline: %s", lab_window_get_status (window));
    g_assert_false (lab_window_get_running (window));
    g_assert_null (lab_timings_dup_row_text (lab_window_get_timings (window),
                                             LAB_MODE_DISTRIBUTED));
    g_assert_nonnull (strstr (lab_window_get_status (window), "whole jobs only"));
  }

  /* Port 1 on loopback: refused at once. */
  configure ("redis://:secret@127.0.0.1:1", 4, 2, 10);
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  status = lab_window_get_status (window);
  g_test_message ("unreachable: %s (%.2f s)", status, (g_get_monotonic_time () - start) / 1e6);
  g_assert_false (lab_window_get_running (window));
  g_assert_nonnull (strstr (status, "127.0.0.1"));
  lab_ui_close_window (window);
}

static gboolean
has_n_lanes (gpointer data)
{
  LabWindow *window = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return lab_timeline_model_get_n_lanes (distributed_model (window)) >= n;
}

static gboolean
has_n_bars (gpointer data)
{
  LabWindow *window = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return lab_timeline_model_get_n_bars (distributed_model (window)) >= n;
}

/* Waits (bounded) until the distributed page has @n lanes. */
static void
wait_for_lanes (LabWindow *window,
                guint      n)
{
  gpointer data[] = { window, GUINT_TO_POINTER (n) };

  lab_ui_wait_until (has_n_lanes, data, 30000);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (distributed_model (window)), >=, n);
}

/* Each worker runs one job at a time (--concurrency=1): jobs that ended
 * well and overlap in time on one lane are another worker's. */
static gboolean
jobs_overlap (const LabTimelineLane *lane)
{
  gint64 end = G_MININT64;

  for (guint i = 0; i < lane->bars->len; i++)   /* sorted by start */
    {
      const LabTimelineBar *bar = g_ptr_array_index (lane->bars, i);

      if (bar->running || !bar->ok)
        continue;
      if (bar->start_us < end)
        return TRUE;
      end = bar->end_us;
    }
  return FALSE;
}

/* A worker in a UTS namespace of its own, under @host (root only). */
static GSubprocess *
start_worker_on (const char *url,
                 const char *host)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_strdup_printf ("hostname %s && exec \"$0\" worker "
                                             "--concurrency=1 --broker=\"$1\"", host);
  GSubprocess *worker = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "unshare", "--uts",
                                          "sh", "-c", script, g_getenv ("LAB_WORKER_EXECUTABLE"),
                                          url, NULL);

  g_assert_no_error (error);
  return worker;
}

/* Workers on two machines (UTS namespaces with host names of their own,
 * root only) against a broker the test started, joining a, b, then a
 * again: the second worker of pc-a goes beside the first, so the page
 * reads pc-a, pc-a, pc-b under two host headers. */
static void
test_hosts_grouped (void)
{
  g_autoptr(LabLocalBroker) broker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workers = g_ptr_array_new_with_free_func (g_object_unref);
  const char *hosts[] = { "pc-a", "pc-a", "pc-b" };
  const char *headers[] = { "pc-a", NULL, "pc-b" };
  LabTimelineModel *model;
  LabWindow *window;
  const char *url;

  if (!have_redis ())
    return;
  if (geteuid () != 0)
    {
      g_test_skip ("host names of their own need unshare --uts, which needs root");
      return;
    }

  broker = lab_local_broker_start (NULL, &error);
  g_assert_no_error (error);
  url = lab_local_broker_get_url (broker);

  /* 400 jobs of 0.1 s: 40 s on one worker; cancelled once all three
   * have joined. */
  configure (url, 400, 1, 100);
  window = lab_ui_open_window (app);
  g_ptr_array_add (workers, start_worker_on (url, "pc-a"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  wait_for_lanes (window, 1);
  g_ptr_array_add (workers, start_worker_on (url, "pc-b"));
  wait_for_lanes (window, 2);
  g_ptr_array_add (workers, start_worker_on (url, "pc-a"));
  wait_for_lanes (window, 3);
  /* All three at work side by side for a while (about five jobs each). */
  {
    guint n_bars = lab_timeline_model_get_n_bars (distributed_model (window));
    gpointer data[] = { window, GUINT_TO_POINTER (n_bars + 15) };

    lab_ui_wait_until (has_n_bars, data, 30000);
  }
  g_assert_true (lab_window_get_running (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);

  model = distributed_model (window);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 3);
  for (guint lane = 0; lane < 3; lane++)
    {
      g_autofree char *label = lab_timeline_model_dup_lane_label (model, lane);
      const char *host = lab_timeline_model_get_lane (model, lane)->host;

      g_test_message ("lane %u: %s on %s", lane, label, host);
      g_assert_cmpstr (host, ==, hosts[lane]);
      g_assert_true (g_str_has_prefix (label, host));
      g_assert_cmpstr (lab_timeline_model_get_lane_header (model, lane), ==, headers[lane]);
      g_assert_false (jobs_overlap (lab_timeline_model_get_lane (model, lane)));
    }

  for (guint i = 0; i < workers->len; i++)
    stop_worker (g_ptr_array_index (workers, i));
  lab_ui_close_window (window);
}

static gboolean
on_broker_clock (LabTimelineModel *model,
                 guint             task)
{
  return lab_timeline_model_bar_has_broker_clock (model, lab_timeline_model_get_bar (model, task));
}

/* The model behind the host headers and the clock line, on both sides of
 * each branch: a header only where the host changes; the broker's clock
 * only for a host's bars that run or ended well. */
static void
test_model_hosts (void)
{
  g_autoptr(LabTimelineModel) model = lab_timeline_model_new ();
  const char *hosts[] = { "pc-a", "pc-a", "pc-b", NULL };
  const char *headers[] = { "pc-a", NULL, "pc-b", NULL };

  lab_timeline_model_reset (model, 1000);
  for (guint lane = 0; lane < G_N_ELEMENTS (hosts); lane++)
    {
      lab_timeline_model_set_lane_host (model, lane, hosts[lane]);
      lab_timeline_model_task_started (model, lane, lane, 1000, NULL);
    }
  lab_timeline_model_task_finished (model, 0, 0, 1000, 2000, 0, TRUE, NULL);
  lab_timeline_model_task_finished (model, 1, 1, 1000, 2000, 0, FALSE, "Cancelled");
  lab_timeline_model_task_finished (model, 3, 3, 1000, 2000, 0, TRUE, NULL);

  for (guint lane = 0; lane < G_N_ELEMENTS (hosts); lane++)
    g_assert_cmpstr (lab_timeline_model_get_lane_header (model, lane), ==, headers[lane]);
  /* ended well on pc-a; failed on pc-a; still running on pc-b; no host */
  g_assert_true (on_broker_clock (model, 0));
  g_assert_false (on_broker_clock (model, 1));
  g_assert_true (on_broker_clock (model, 2));
  g_assert_false (on_broker_clock (model, 3));

  /* One more lane at 1: the bars from there move down with their lanes. */
  lab_timeline_model_insert_lane (model, 1);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 5);
  g_assert_cmpuint (lab_timeline_model_get_bar (model, 0)->lane, ==, 0);
  g_assert_cmpuint (lab_timeline_model_get_bar (model, 1)->lane, ==, 2);
  g_assert_cmpuint (lab_timeline_model_get_bar (model, 3)->lane, ==, 4);
  g_assert_cmpuint (lab_timeline_model_get_lane (model, 1)->bars->len, ==, 0);
  g_assert_cmpstr (lab_timeline_model_get_lane (model, 2)->host, ==, "pc-a");
  g_assert_true (on_broker_clock (model, 2));
}

/* bench's Workers column: the pool the distributed run used (workers
 * that took its jobs, on how many machines), not the --workers asked. */
static void
test_bench_workers (void)
{
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!have_redis ())
    return;

  bench = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, g_getenv ("LAB_BINARY"), "bench", "--workload=sleep",
                            "--modes=distributed", "--workers=2", "--tasks=20", "--task-ms=100",
                            NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (bench, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s", out);
  g_assert_true (g_subprocess_get_successful (bench));
  /* Both local workers took jobs (20 tasks of 0.1 s); one machine. */
  g_assert_nonnull (strstr (out, "2 on 1 host"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display; ./run test starts Xvfb for these tests\n");
      return 0;
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/lab/window-distributed/model-hosts", test_model_hosts);
  g_test_add_func ("/lab/window-distributed/bench-workers", test_bench_workers);
  g_test_add_func ("/lab/window-distributed/broker-row", test_broker_row);
  g_test_add_func ("/lab/window-distributed/local-run", test_local_run);
  g_test_add_func ("/lab/window-distributed/hand-worker-joins", test_hand_worker_joins);
  g_test_add_func ("/lab/window-distributed/bad-broker", test_bad_broker);
  g_test_add_func ("/lab/window-distributed/hosts-grouped", test_hosts_grouped);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
