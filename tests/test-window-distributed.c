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
#include "lab-broker.h"
#include "lab-local-broker.h"
#include "lab-net.h"
#include "lab-rq.h"
#include "lab-setup-panel.h"
#include "lab-test-util.h"
#include "lab-timeline-private.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

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
  g_settings_set_boolean (settings, "serve-beyond-loopback", FALSE);
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

  if (!lab_test_have_redis ())
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

/* The lane labelled @label on the distributed page, or -1. */
static gint
find_lane (LabWindow  *window,
           const char *label)
{
  LabTimelineModel *model = distributed_model (window);

  for (guint lane = 0; lane < lab_timeline_model_get_n_lanes (model); lane++)
    {
      g_autofree char *text = lab_timeline_model_dup_lane_label (model, lane);

      if (g_str_equal (text, label))
        return lane;
    }
  return -1;
}

static gboolean
has_lane_labelled (LabWindow  *window,
                   const char *text)
{
  return find_lane (window, text) >= 0;
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

  if (!lab_test_have_redis ())
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

  if (!lab_test_have_redis ())
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
    lab_test_stop_worker (g_ptr_array_index (workers, i));
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


/* ---- The download job, the server's switch, the window's notices -------- */

/* The download job, distributed, from the built-in server: @tasks files of
 * 16 KiB, each answered after @latency_ms; the window's own broker. */
static void
configure_download (guint    tasks,
                    guint    workers,
                    guint    latency_ms,
                    gboolean beyond_loopback)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  configure ("", tasks, workers, 0);
  g_settings_set_string (settings, "job", "download");
  g_settings_set_uint (settings, "size-kib", 16);
  g_settings_set_uint (settings, "latency-ms", latency_ms);
  g_settings_set_boolean (settings, "serve-beyond-loopback", beyond_loopback);
}

/* A label under @root whose text holds @text (a toast's title among
 * them), or NULL. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
shows_notice (gpointer window)
{
  return find_label (window, "Notice: the built-in server is reachable") != NULL;
}

/* The plan the run's jobs carry, as the workers read it from the broker
 * (rq:job:<id>'s lab_plan), once one is queued; NULL if none is. */
static char *
dup_queued_plan (const char *broker_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LabBroker) broker = lab_broker_connect (broker_url, &error);
  g_autoptr(redisReply) keys = NULL;
  g_autoptr(redisReply) plan = NULL;

  g_assert_no_error (error);
  keys = lab_broker_command (broker, &error, "KEYS", LAB_RQ_JOB_PREFIX "*", NULL);
  g_assert_no_error (error);
  if (keys->type != REDIS_REPLY_ARRAY || keys->elements == 0)
    return NULL;
  plan = lab_broker_command (broker, &error, "HGET", keys->element[0]->str, "lab_plan", NULL);
  g_assert_no_error (error);
  return plan->type == REDIS_REPLY_STRING ? g_strdup (plan->str) : NULL;
}

typedef struct
{
  LabWindow *window;
  char      *plan;
} QueuedPlan;

static gboolean
has_queued_plan (gpointer data)
{
  QueuedPlan *queued = data;
  const char *command = lab_setup_panel_get_join_command (lab_window_get_setup_panel (queued->window));

  if (command == NULL)
    return FALSE;
  queued->plan = dup_queued_plan (strstr (command, "redis://"));
  return queued->plan != NULL;
}

/* The URL the running job's workers download from, read from its queued
 * jobs on the window's own broker. */
static char *
wait_for_queued_plan (LabWindow *window)
{
  QueuedPlan queued = { window, NULL };

  lab_ui_wait_until (has_queued_plan, &queued, 30000);
  g_assert_nonnull (queued.plan);
  g_assert_true (lab_window_get_running (window));
  return queued.plan;
}

/* Whether this process listens on a TCP port at an address other than
 * 127.0.0.1 (its sockets' inodes in /proc/net/tcp, state 0A, LISTEN);
 * sets @n_listening to how many listening sockets it has at all. */
static gboolean
listens_beyond_loopback (guint *n_listening)
{
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean beyond = FALSE;
  const char *name;

  g_assert_nonnull (fds);
  while ((name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &table, NULL, NULL));
  lines = g_strsplit (table, "\n", -1);
  *n_listening = 0;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (fields[j][0] != '\0')
          g_ptr_array_add (words, fields[j]);
      /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
      if (words->len < 10 || !g_str_equal (g_ptr_array_index (words, 3), "0A")
          || !g_hash_table_contains (inodes, g_ptr_array_index (words, 9)))
        continue;
      (*n_listening)++;
      if (!g_str_has_prefix (g_ptr_array_index (words, 1), "0100007F:"))
        beyond = TRUE;
    }
  return beyond;
}

static gboolean
stopped_listening_beyond_loopback (gpointer data)
{
  guint n;

  return !listens_beyond_loopback (&n);
}

/* The row of the run that just ended: ✓, and its Download time. */
static void
assert_verified (LabWindow *window)
{
  g_autofree char *row = lab_timings_dup_row_text (lab_window_get_timings (window),
                                                   LAB_MODE_DISTRIBUTED);
  g_auto(GStrv) cells = NULL;

  g_test_message ("row: %s; status: %s", row, lab_window_get_status (window));
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (row, "✓"));
  cells = g_strsplit (row, " s", -1);
  g_assert_cmpuint (g_strv_length (cells), >=, 3);
}

/* Distributed with the switch off (the default): the download job travels
 * as jobs to three local workers and verifies; the URL they are given is
 * on 127.0.0.1, no notice shows, and nothing of ours listens beyond
 * loopback. */
static void
test_download_loopback (void)
{
  g_autofree char *plan = NULL;
  LabWindow *window;
  guint n_listening;

  if (!lab_test_have_redis ())
    return;

  /* 12 files answered after 0.5 s by 3 workers: 2 s at least, time to
   * read a queued job from the broker. */
  configure_download (12, 3, 500, FALSE);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  plan = wait_for_queued_plan (window);
  g_test_message ("a job's plan: %s", plan);
  g_assert_nonnull (strstr (plan, "'download'"));
  g_assert_nonnull (strstr (plan, "'http://127.0.0.1:"));
  g_assert_false (listens_beyond_loopback (&n_listening));
  g_assert_cmpuint (n_listening, >=, 1);   /* the built-in server */
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);

  assert_verified (window);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (distributed_model (window)), ==, 12);
  g_assert_false (shows_notice (window));
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

/* The switch on, distributed: the server listens on the network and the
 * jobs carry this machine's LAN address (the workers here download from
 * it too, and the job verifies); the window shows the terminal's notice,
 * with that URL; and when the run is over the server stops listening, as
 * the notice promised. */
static void
test_download_beyond_loopback (void)
{
  g_autofree char *lan = lab_net_dup_lan_address ();
  g_autofree char *lan_url = NULL;
  g_autofree char *plan = NULL;
  GtkWidget *notice;
  LabWindow *window;
  guint n_listening;

  if (!lab_test_have_redis ())
    return;
  if (lan == NULL)
    {
      g_test_skip ("this machine has no network address other than loopback");
      return;
    }
  lan_url = g_strdup_printf ("http://%s:", lan);

  configure_download (12, 3, 500, TRUE);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  plan = wait_for_queued_plan (window);
  g_test_message ("a job's plan: %s", plan);
  g_assert_nonnull (strstr (plan, lan_url));
  g_assert_true (listens_beyond_loopback (&n_listening));

  lab_ui_wait_until (shows_notice, window, 10000);
  notice = find_label (GTK_WIDGET (window), "Notice: the built-in server is reachable");
  g_assert_nonnull (notice);
  g_test_message ("%s", gtk_label_get_text (GTK_LABEL (notice)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (notice)), lan_url));
  g_assert_true (g_str_has_suffix (gtk_label_get_text (GTK_LABEL (notice)), "until the run ends."));

  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  assert_verified (window);
  /* Freed on a thread once the run is over: a moment later, not never. */
  lab_ui_wait_until (stopped_listening_beyond_loopback, NULL, 10000);
  g_assert_false (listens_beyond_loopback (&n_listening));
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

/* No network address but loopback (a network namespace of its own, root
 * only: this test runs itself again inside `unshare --net`): with the
 * switch on, a distributed download is one sentence in the window — the
 * server's own — and nothing starts. */
static void
test_no_lan_address (void)
{
  LabWindow *window;

  if (g_getenv ("LAB_TEST_IN_NETNS") == NULL)
    {
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *out = NULL;

      if (geteuid () != 0)
        {
          g_test_skip ("a network namespace without a LAN address needs unshare --net, "
                       "which needs root");
          return;
        }
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                            | G_SUBPROCESS_FLAGS_STDERR_MERGE);
      g_subprocess_launcher_setenv (launcher, "LAB_TEST_IN_NETNS", "1", TRUE);
      child = g_subprocess_launcher_spawn (launcher, &error, "unshare", "--net", self, "-p",
                                           "/lab/window-distributed/no-lan-address", NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("in a network namespace of its own:\n%s", out);
      g_assert_true (g_subprocess_get_if_exited (child));
      g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
      g_assert_nonnull (strstr (out, "ok 1 /lab/window-distributed/no-lan-address"));
      return;
    }

  g_assert_null (lab_net_dup_lan_address ());
  configure_download (4, 2, 0, TRUE);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_test_message ("status: %s", lab_window_get_status (window));
  g_assert_false (lab_window_get_running (window));
  g_assert_nonnull (strstr (lab_window_get_status (window),
                            "no network address other than loopback"));
  g_assert_nonnull (find_label (GTK_WIDGET (window), "no network address other than loopback"));
  g_assert_null (lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_DISTRIBUTED));
  g_assert_false (shows_notice (window));
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

/* The switch is for distributed runs only: the threads mode's workers are
 * on this PC, so the server stays on 127.0.0.1 with the switch on, and no
 * notice shows.  The switch is insensitive for a job without the server,
 * and during a run. */
static void
test_switch_only_distributed (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabSetupPanel *panel;
  GtkWidget *row;
  LabWindow *window;
  guint n_listening;

  configure_download (8, 4, 0, TRUE);
  window = lab_ui_open_window (app);
  panel = lab_window_get_setup_panel (window);
  row = lab_setup_panel_get_widget (panel, "serve_beyond_row");
  g_assert_true (gtk_widget_get_visible (row));
  g_assert_true (gtk_widget_get_sensitive (row));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (lab_setup_panel_get_widget (panel,
                                                                                "serve_beyond_switch"))));
  g_settings_set_string (settings, "job", "sleep");
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_nonnull (gtk_widget_get_tooltip_text (row));
  g_settings_set_string (settings, "job", "download");
  g_assert_true (gtk_widget_get_sensitive (row));

  g_settings_set_string (settings, "mode", "threads");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  {
    g_autofree char *text = lab_timings_dup_row_text (lab_window_get_timings (window),
                                                      LAB_MODE_THREADS);

    g_test_message ("row: %s", text);
    g_assert_nonnull (strstr (text, "✓"));
  }
  /* The loopback server stays for the next run: still listening, here. */
  g_assert_false (listens_beyond_loopback (&n_listening));
  g_assert_cmpuint (n_listening, >=, 1);
  g_assert_false (shows_notice (window));
  lab_ui_close_window (window);
}

/* A broker on another machine without a password: the window warns
 * before it tries to connect, as the terminal does.  This machine's own
 * LAN address at port 1 stands for "another machine" (nobody listens:
 * the run then ends with the connection's sentence, at once). */
static void
test_no_password_warning (void)
{
  g_autofree char *lan = lab_net_dup_lan_address ();
  g_autofree char *url = NULL;
  LabWindow *window;

  if (lan == NULL)
    {
      g_test_skip ("this machine has no network address other than loopback");
      return;
    }
  url = g_strdup_printf ("redis://%s:1", lan);
  configure (url, 4, 2, 10);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_test_message ("status: %s", lab_window_get_status (window));
  g_assert_false (lab_window_get_running (window));
  /* The warning is the first toast, still showing; the status line has
   * the run's own end. */
  g_assert_nonnull (find_label (GTK_WIDGET (window), "has no password"));
  g_assert_nonnull (strstr (lab_window_get_status (window), lan));

  /* With a password: no warning. */
  lab_ui_close_window (window);
  g_free (url);
  url = g_strdup_printf ("redis://:secret@%s:1", lan);
  configure (url, 4, 2, 10);
  window = lab_ui_open_window (app);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_assert_null (find_label (GTK_WIDGET (window), "has no password"));
  lab_ui_close_window (window);
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
clipboard_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

/* The join row's copy button puts the command on the clipboard, exactly
 * as the row shows it, while the run with the window's own broker lasts. */
static void
test_copy_join_command (void)
{
  ClipboardRead read = { NULL, FALSE };
  GdkClipboard *clipboard;
  LabSetupPanel *panel;
  LabWindow *window;

  if (!lab_test_have_redis ())
    return;

  configure ("", 200, 1, 500);
  window = lab_ui_open_window (app);
  panel = lab_window_get_setup_panel (window);
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  gdk_clipboard_set_text (clipboard, "something else");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (has_join_command, window, 30000);
  g_assert_nonnull (lab_setup_panel_get_join_command (panel));
  g_assert_true (gtk_widget_get_visible (lab_setup_panel_get_widget (panel, "join_row")));

  g_signal_emit_by_name (lab_setup_panel_get_widget (panel, "join_copy_button"), "clicked");
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read, &read);
  lab_ui_wait_until (clipboard_read_done, &read, 10000);
  g_test_message ("clipboard: %s", read.text);
  g_assert_cmpstr (read.text, ==, lab_setup_panel_get_join_command (panel));
  g_assert_true (g_str_has_prefix (read.text, "concurrency-lab worker --broker=redis://:"));
  g_assert_true (lab_window_get_running (window));
  g_free (read.text);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  lab_ui_close_window (window);
}

/* The hand worker did a job, and has none now, while the run goes on. */
static gboolean
hand_worker_idle (gpointer data)
{
  gint lane = find_lane (data, "by-hand");
  const LabTimelineLane *bars;

  if (lane < 0 || !lab_window_get_running (data))
    return FALSE;
  bars = lab_timeline_model_get_lane (distributed_model (data), lane);
  if (bars->bars->len == 0)
    return FALSE;
  for (guint i = 0; i < bars->bars->len; i++)
    if (((const LabTimelineBar *) g_ptr_array_index (bars->bars, i))->running)
      return FALSE;
  return TRUE;
}

/* A worker that joins, does a job, and leaves while idle (SIGTERM: it
 * unregisters from the broker, as `rq` workers do on a warm shutdown):
 * its lane stays, marked lost, long before a silent worker's timeout
 * would say so, while the other worker's last job still runs.
 *
 * Two jobs of 5 s on a broker the test started: "by-hand" takes the first,
 * "other" joins 2.5 s later and takes the second; by-hand ends first and
 * has nothing left to take for 2.5 s — it is idle, deterministically. */
static void
test_idle_worker_leaves (void)
{
  g_autoptr(LabLocalBroker) broker = NULL;
  g_autoptr(GSubprocess) hand = NULL;
  g_autoptr(GSubprocess) other = NULL;
  g_autoptr(GError) error = NULL;
  LabWindow *window;
  const char *url;
  gint64 left_us;

  if (!lab_test_have_redis ())
    return;

  broker = lab_local_broker_start (NULL, &error);
  g_assert_no_error (error);
  url = lab_local_broker_get_url (broker);

  configure (url, 2, 1, 5000);
  window = lab_ui_open_window (app);
  hand = start_worker (url, "by-hand");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  lab_ui_wait_until (has_hand_lane, window, 30000);
  g_assert_true (has_hand_lane (window));
  lab_ui_spin_for (2500);
  other = start_worker (url, "other");

  lab_ui_wait_until (hand_worker_idle, window, 30000);
  g_assert_true (hand_worker_idle (window));
  g_subprocess_send_signal (hand, SIGTERM);
  g_subprocess_wait (hand, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (hand));
  left_us = g_get_monotonic_time ();

  lab_ui_wait_until (has_lost_hand_lane, window, 30000);
  g_test_message ("marked lost %.2f s after it left", (g_get_monotonic_time () - left_us) / 1e6);
  g_assert_true (has_lost_hand_lane (window));
  /* Told by its leaving, not by the silence of a dead worker. */
  g_assert_cmpint (g_get_monotonic_time () - left_us, <, LAB_RQ_JOB_TTL_S * G_USEC_PER_SEC);

  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  g_assert_true (has_lost_hand_lane (window));
  assert_verified (window);
  lab_test_stop_worker (other);
  lab_ui_close_window (window);
}

/* bench's Workers column: the pool the distributed run used (workers
 * that took its jobs, on how many machines), not the --workers asked. */
static void
test_bench_workers (void)
{
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (!lab_test_have_redis ())
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
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;

  g_test_add_func ("/lab/window-distributed/model-hosts", test_model_hosts);
  g_test_add_func ("/lab/window-distributed/bench-workers", test_bench_workers);
  g_test_add_func ("/lab/window-distributed/broker-row", test_broker_row);
  g_test_add_func ("/lab/window-distributed/local-run", test_local_run);
  g_test_add_func ("/lab/window-distributed/hand-worker-joins", test_hand_worker_joins);
  g_test_add_func ("/lab/window-distributed/bad-broker", test_bad_broker);
  g_test_add_func ("/lab/window-distributed/hosts-grouped", test_hosts_grouped);
  g_test_add_func ("/lab/window-distributed/download-loopback", test_download_loopback);
  g_test_add_func ("/lab/window-distributed/download-beyond-loopback",
                   test_download_beyond_loopback);
  g_test_add_func ("/lab/window-distributed/no-lan-address", test_no_lan_address);
  g_test_add_func ("/lab/window-distributed/switch-only-distributed", test_switch_only_distributed);
  g_test_add_func ("/lab/window-distributed/no-password-warning", test_no_password_warning);
  g_test_add_func ("/lab/window-distributed/copy-join-command", test_copy_join_command);
  g_test_add_func ("/lab/window-distributed/idle-worker-leaves", test_idle_worker_leaves);

  return lab_ui_run_tests (&app);
}
