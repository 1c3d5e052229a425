/* test-window.c — the window under a headless X server
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Driving the window from a test, as a user would:
 * - choose: the GSettings keys the controls are bound to ("lesson" — a
 *   lesson id or "" —, "job", "mode", "tasks", "workers", "task-ms", …),
 *   live, before or after the window opens; "quick-lessons" on the window
 *   runs lessons at their small size;
 * - start and cancel: gtk_widget_activate_action (window, "win.run" or
 *   "win.cancel", NULL);
 * - wait for the end: the "running" property (notify::running), TRUE from
 *   the click until the run is over, cancelled or not.
 */

#include "config.h"

#include "lab-application.h"
#include "lab-lesson-card.h"
#include "lab-test-util.h"
#include "lab-timeline-private.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

/* Responsiveness limits from the issue (100 ms), doubled: with another
 * process on one of the two cores the scheduler alone once held the UI
 * thread back 118 ms.  The bugs these tests are for — work done on the UI
 * thread — freeze it for the whole work: seconds, or the 300 ms pause of
 * the start-up test.  An ASan build runs 2–3 times slower, and there the
 * limits only catch gross regressions.  The event flood has a limit of
 * its own (500 ms), which a callback per event would overrun. */
#if defined(__SANITIZE_ADDRESS__)
# define STALL_SLACK 5
# define FLOOD_SLACK 4
#else
# define STALL_SLACK 2
# define FLOOD_SLACK 1
#endif

static gboolean
has_workers (gpointer data)
{
  g_autoptr(GArray) pids = lab_window_dup_worker_pids (data);

  return pids->len > 0 && g_array_index (pids, gint, 0) > 0;
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
test_opens (void)
{
  LabWindow *window;

  lab_ui_configure_job ("sleep", "threads", 4, 2, 10);
  window = lab_ui_open_window (app);

  g_assert_false (lab_window_get_running (window));
  g_assert_cmpstr (lab_window_get_status (window), !=, "");
  g_assert_cmpuint (lab_timings_get_n_rows (lab_window_get_timings (window)), ==, 0);
  lab_ui_close_window (window);
}

/* Download runs a threads job to the end, the row shows ✓, and the window
 * stayed responsive all along. */
static void
test_threads_run (void)
{
  LabWindow *window;
  g_autofree char *row = NULL;

  lab_ui_configure_job ("sleep", "threads", 40, 4, 50);
  window = lab_ui_open_window (app);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_assert_false (lab_window_get_running (window));

  row = lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_THREADS);
  g_test_message ("row: %s; worst stall %.1f ms", row, lab_window_get_worst_stall_us (window) / 1e3);
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (row, "✓"));
  g_assert_cmpint (lab_window_get_worst_stall_us (window), <, STALL_SLACK * 100 * 1000);
  lab_ui_close_window (window);
}

/* A flood of events: 60 threads finishing 1 ms tasks, over 100,000
 * events a second (a start and an end per task), fed to
 * the window in batches once per frame.  The window must stay responsive. */
static void
test_event_flood (void)
{
  LabWindow *window;
  gint64 start;

  lab_ui_configure_job ("sleep", "threads", 60000, 60, 1);
  window = lab_ui_open_window (app);
  lab_ui_spin_for (300);   /* the first frames are drawn; the flood is what is measured */

  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_test_message ("60,000 tasks in %.2f s (%.0f events/s), worst stall %.1f ms",
                  (g_get_monotonic_time () - start) / 1e6,
                  120000 / ((g_get_monotonic_time () - start) / 1e6),
                  lab_window_get_worst_stall_us (window) / 1e3);
  g_assert_false (lab_window_get_running (window));
  /* 60 busy threads share two cores with the UI thread: the scheduler
   * alone now and then holds it back 80 ms (seen once in eight runs, before
   * and after the window's changes), and up to 380 ms while the machine
   * also built the project twice over (load average 9).  One main-loop
   * callback per event would stall it for most of the 1.2 s run. */
  g_assert_cmpint (lab_window_get_worst_stall_us (window), <, FLOOD_SLACK * 500 * 1000);
  lab_ui_close_window (window);
}

static gboolean
about_is_open (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        {
          *(GtkWindow **) data = GTK_WINDOW (window);
          return TRUE;
        }
    }
  return FALSE;
}

/* About answers at once in the middle of a run; Escape-bound Cancel stops
 * it; the status line says what is going on. */
static void
test_about_and_cancel_mid_run (void)
{
  LabWindow *window;
  GtkWindow *about = NULL;
  g_autofree char *row = NULL;
  gint64 start;

  lab_ui_configure_job ("sleep", "threads", 200, 4, 100);
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_spin_for (300);
  g_assert_true (lab_window_get_running (window));
  g_assert_true (g_str_has_prefix (lab_window_get_status (window), "Running Threads:"));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL) &&
                  lab_timings_get_n_rows (lab_window_get_timings (window)) > 1);

  start = g_get_monotonic_time ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  lab_ui_wait_until (about_is_open, &about, 2000);
  g_test_message ("About open after %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_nonnull (about);
  g_assert_true (lab_window_get_running (window));
  gtk_window_destroy (about);

  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 5000);
  g_assert_false (lab_window_get_running (window));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  row = lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_THREADS);
  g_test_message ("after cancel: %s / %s", row, lab_window_get_status (window));
  g_assert_nonnull (strstr (row, "cancelled"));
  lab_ui_close_window (window);
}

static void
test_shortcuts (void)
{
  struct { const char *action, *accel; } expected[] = {
    { "win.run", "<Control>Return" },
    { "win.cancel", "Escape" },
    { "app.quit", "<Control>q" },
    { "win.show-help-overlay", "<Control>question" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                   expected[i].action);

      g_assert_nonnull (accels);
      g_assert_cmpstr (accels[0], ==, expected[i].accel);
    }
}

/* The setup survives closing the window. */
static void
test_remembers_setup (void)
{
  LabWindow *window;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *spin;

  lab_ui_configure_job ("cpu", "processes", 7, 3, 10);
  window = lab_ui_open_window (app);
  spin = GTK_WIDGET (lab_ui_window_child (window, "tasks_spin"));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==, 7);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 12);
  gtk_window_set_default_size (GTK_WINDOW (window), 1111, 777);
  lab_ui_close_window (window);

  g_assert_cmpuint (g_settings_get_uint (settings, "tasks"), ==, 12);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1111);
  g_assert_cmpstr (g_settings_get_string (settings, "job"), ==, "cpu");
}

/* The Workers spin allows what the chosen mode's mechanism allows
 * (lab-plan.h): 5,000 waits in flight on the loop, at most 256 processes. */
static void
test_workers_limit_follows_mode (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;
  GtkSpinButton *spin;
  GtkAdjustment *adjustment;

  lab_ui_configure_job ("sleep", "async", 10, 5000, 10);
  window = lab_ui_open_window (app);
  spin = GTK_SPIN_BUTTON (lab_ui_window_child (window, "workers_spin"));
  adjustment = gtk_spin_button_get_adjustment (spin);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, LAB_MAX_ASYNC_IN_FLIGHT);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 5000);

  g_settings_set_string (settings, "mode", "threads");
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, LAB_MAX_THREADS);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 5000);

  g_settings_set_string (settings, "mode", "processes");
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, LAB_MAX_PROCESS_WORKERS);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, LAB_MAX_PROCESS_WORKERS);
  g_assert_cmpuint (g_settings_get_uint (settings, "workers"), ==, LAB_MAX_PROCESS_WORKERS);
  lab_ui_close_window (window);
}

/* The default job: download → save → hash from the built-in server; the
 * row shows a time for each stage and ✓. */
static void
test_pipeline (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;
  g_autofree char *row = NULL;
  g_auto(GStrv) cells = NULL;

  lab_ui_configure_job ("pipeline", "threads", 12, 4, 0);
  g_settings_set_uint (settings, "size-kib", 64);
  g_settings_set_uint (settings, "latency-ms", 20);
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  row = lab_timings_dup_row_text (lab_window_get_timings (window), LAB_MODE_THREADS);
  g_test_message ("%s / %s", row, lab_window_get_status (window));
  g_assert_nonnull (strstr (row, "✓"));
  /* "Threads", three stages, total, start-up: each a time in seconds. */
  cells = g_strsplit (row, " s", -1);
  g_assert_cmpuint (g_strv_length (cells), >=, 5);
  lab_ui_close_window (window);
}

/* The plain download job: the same built-in server as the pipeline, in
 * every mode of "Compare all" (threads and async among them), each row
 * verified with its Download time; its rows are the server's (size,
 * latency) without the pipeline's folder, and seed 003's About stays the
 * pipeline's. */
static void
test_download_job (void)
{
  static const LabMode modes[] = { LAB_MODE_SEQUENTIAL, LAB_MODE_THREADS, LAB_MODE_PROCESSES,
                                   LAB_MODE_ASYNC, LAB_MODE_PROCESSES_ASYNC };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabSetupPanel *panel;
  LabWindow *window;

  lab_ui_configure_job ("download", "compare", 12, 4, 0);
  g_settings_set_uint (settings, "size-kib", 64);
  g_settings_set_uint (settings, "latency-ms", 20);
  window = lab_ui_open_window (app);
  panel = lab_window_get_setup_panel (window);

  g_assert_true (gtk_widget_get_visible (lab_setup_panel_get_widget (panel, "size_row")));
  g_assert_true (gtk_widget_get_visible (lab_setup_panel_get_widget (panel, "latency_row")));
  g_assert_false (gtk_widget_get_visible (lab_setup_panel_get_widget (panel, "out_dir_row")));
  g_assert_false (lab_setup_panel_is_download_job (panel));
  g_assert_cmpstr (lab_setup_panel_get_stage (panel), ==, "Download");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_test_message ("status: %s", lab_window_get_status (window));
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *row = lab_timings_dup_row_text (lab_window_get_timings (window), modes[i]);
      g_auto(GStrv) cells = NULL;

      g_test_message ("%s", row);
      g_assert_nonnull (row);
      g_assert_nonnull (strstr (row, "✓"));
      /* The mode, its Download time, total, start-up: times in seconds. */
      cells = g_strsplit (row, " s", -1);
      g_assert_cmpuint (g_strv_length (cells), >=, 3);
      g_assert_cmpuint (lab_timeline_model_get_n_bars (lab_window_get_timeline (window, modes[i])->model),
                        ==, 12);
    }
  lab_ui_close_window (window);
}

/* A seed lesson runs from the window and ends in a verdict built from the
 * measurement. */
static void
test_lesson (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;

  g_settings_set_string (settings, "lesson", "bank");
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_test_message ("verdict: %s", lab_window_get_verdict (window));
  g_assert_nonnull (strstr (lab_window_get_verdict (window), "lost"));

  /* A page per step, named as on the card, each with its own bars: the
   * race without a lock is not drawn over by the run with one. */
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), ==, 6);
  g_assert_cmpstr (lab_window_get_lesson_page_title (window, 0), ==, "Threads, no lock");
  g_assert_cmpstr (lab_window_get_lesson_page_title (window, 1), ==, "Threads, with a lock");
  for (guint i = 0; i < 6; i++)
    {
      LabTimeline *timeline = lab_window_get_lesson_timeline (window, i);

      g_test_message ("page %u: %s, %u bars", i, lab_window_get_lesson_page_title (window, i),
                      lab_timeline_get_n_bars (timeline));
      g_assert_cmpuint (lab_timeline_get_n_bars (timeline), >, 0);
    }
  g_assert_cmpuint (lab_timeline_get_n_bars (lab_window_get_lesson_timeline (window, 0)), ==,
                    lab_timeline_get_n_bars (lab_window_get_lesson_timeline (window, 1)));

  /* Choosing another lesson takes the last one's pages and verdict away. */
  g_settings_set_string (settings, "lesson", "gil");
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), ==, 0);
  g_assert_cmpstr (lab_window_get_verdict (window), ==, "");
  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
}

/* Compare all fills one row per mode. */
static void
test_compare_all (void)
{
  LabWindow *window;

  lab_ui_configure_job ("sleep", "compare", 8, 4, 20);
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  g_assert_cmpuint (lab_timings_get_n_rows (lab_window_get_timings (window)), ==, LAB_N_MODES);
  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autofree char *row = lab_timings_dup_row_text (lab_window_get_timings (window), mode);

      g_test_message ("%s", row);
      g_assert_nonnull (strstr (row, "✓"));
    }
  lab_ui_close_window (window);
}

/* Run on the UI thread: the click handler blocks for the whole job, and
 * the heartbeat records the freeze once the window thaws. */
static void
test_frozen_window (void)
{
  LabWindow *window;

  lab_ui_configure_job ("sleep", "sequential", 1, 1, 1000);
  window = lab_ui_open_window (app);
  gtk_switch_set_active (GTK_SWITCH (lab_ui_window_child (window, "ui_thread_switch")), TRUE);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_spin_for (100);

  g_test_message ("worst stall %.3f s", lab_window_get_worst_stall_us (window) / 1e6);
  g_assert_cmpint (lab_window_get_worst_stall_us (window), >=, 900 * 1000);
  lab_ui_close_window (window);
}

/* "Run on the UI thread" is for one demonstration: a new window (the next
 * class) starts with it off, and it is no key of the settings. */
static void
test_ui_thread_not_remembered (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  LabWindow *window;

  g_object_get (settings, "settings-schema", &schema, NULL);
  g_assert_false (g_settings_schema_has_key (schema, "run-on-ui-thread"));

  lab_ui_configure_job ("sleep", "sequential", 1, 1, 10);
  window = lab_ui_open_window (app);
  gtk_switch_set_active (GTK_SWITCH (lab_ui_window_child (window, "ui_thread_switch")), TRUE);
  lab_ui_close_window (window);

  window = lab_ui_open_window (app);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (lab_ui_window_child (window, "ui_thread_switch"))));
  lab_ui_close_window (window);
}

static const char * const setup_widgets[] = {
  "lesson_chooser", "job_row", "mode_row", "size_group", "rules_group",
};

static void
assert_setup_sensitive (LabWindow *window,
                        gboolean   sensitive)
{
  for (guint i = 0; i < G_N_ELEMENTS (setup_widgets); i++)
    {
      GtkWidget *widget = lab_ui_window_child (window, setup_widgets[i]);

      if (gtk_widget_is_sensitive (widget) != sensitive)
        g_error ("%s is %s", setup_widgets[i], sensitive ? "insensitive" : "sensitive");
    }
}

/* The lessons of issue 13 in the window, --quick: ten-thousand's 10,000
 * threads each get their lane (no lane past the timeline model's guard),
 * many-cores prepares its own server; both end in a verdict, one page per
 * step. */
static void
run_lesson (LabWindow  *window,
            const char *id)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "lesson", id);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 120000);
  g_test_message ("%s: %s; worst stall %.1f ms", id, lab_window_get_verdict (window),
                  lab_window_get_worst_stall_us (window) / 1e3);
  g_assert_cmpuint (strlen (lab_window_get_verdict (window)), >, 100);
}

static void
test_scale_lessons (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;

  g_settings_set_string (settings, "lesson", "ten-thousand");
  window = lab_ui_open_window (app);
  g_object_set (window, "quick-lessons", TRUE, NULL);

  run_lesson (window, "ten-thousand");
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), ==, 3);
  /* Threads started late may find the queue empty (those started first
   * took a second wait): a lane for each thread that ran one, thousands —
   * how many thousands depends on how fast 10,000 threads start (3,742
   * under ASan with the other core busy).  That the model's guard keeps a
   * lane for every thread a run can have is asserted where it is defined,
   * at compile time. */
  g_assert_cmpuint (lab_timeline_get_n_lanes (lab_window_get_lesson_timeline (window, 1)), >,
                    1000);
  g_assert_cmpuint (lab_timeline_get_n_bars (lab_window_get_lesson_timeline (window, 1)), ==,
                    10000);

  run_lesson (window, "many-cores");
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), ==, 4);
  g_assert_cmpuint (lab_timeline_get_n_bars (lab_window_get_lesson_timeline (window, 3)), ==, 100);

  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
}

/* During a run the lesson, the job and its setup stay as they are; after
 * it they can be changed again. */
static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  (*(guint *) data)++;
}

static void
test_setup_locked_during_run (void)
{
  LabWindow *window;
  guint notifications = 0;

  lab_ui_configure_job ("sleep", "threads", 20, 4, 100);
  window = lab_ui_open_window (app);
  assert_setup_sensitive (window, TRUE);
  g_signal_connect (window, "notify::running", G_CALLBACK (count_notify), &notifications);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (lab_window_get_running (window));
  assert_setup_sensitive (window, FALSE);

  lab_ui_wait_until (lab_ui_is_idle, window, 20000);
  g_assert_false (lab_window_get_running (window));
  assert_setup_sensitive (window, TRUE);
  /* "running" told its watchers twice: at the start and at the end. */
  g_assert_cmpuint (notifications, ==, 2);
  lab_ui_close_window (window);
}

/* A pool of 4 worker processes and 1 task: the timeline shows the 4
 * processes, 3 of them idle. */
static void
test_idle_worker_lanes (void)
{
  LabWindow *window;
  LabTimeline *timeline;

  lab_ui_configure_job ("sleep", "processes", 1, 4, 50);
  window = lab_ui_open_window (app);
  timeline = lab_window_get_timeline (window, LAB_MODE_PROCESSES);

  for (guint round = 0; round < 2; round++)   /* a fresh pool, then the same one again */
    {
      gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
      lab_ui_wait_until (lab_ui_is_idle, window, 30000);
      g_assert_false (lab_window_get_running (window));
      g_test_message ("run %u: %u lanes, %u bars", round + 1, lab_timeline_get_n_lanes (timeline),
                      lab_timeline_get_n_bars (timeline));
      g_assert_cmpuint (lab_timeline_get_n_bars (timeline), ==, 1);
      g_assert_cmpuint (lab_timeline_get_n_lanes (timeline), ==, 4);
    }
  lab_ui_close_window (window);
}

/* The meter counts from the moment the window is on the screen: building
 * it, and whatever the app does before showing it (here a 300 ms pause),
 * is no stall anyone saw. */
static void
test_no_stall_at_startup (void)
{
  LabWindow *window;

  lab_ui_configure_job ("sleep", "threads", 4, 2, 10);
  window = lab_window_new (app);
  g_usleep (300 * 1000);
  gtk_window_present (GTK_WINDOW (window));
  lab_ui_wait_until (lab_ui_is_mapped, window, 5000);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  lab_ui_spin_for (300);
  g_test_message ("worst stall after opening: %.1f ms", lab_window_get_worst_stall_us (window) / 1e3);
  g_assert_cmpint (lab_window_get_worst_stall_us (window), <, STALL_SLACK * 100 * 1000);
  lab_ui_close_window (window);
}

static gboolean
is_preparing (gpointer data)
{
  return !g_str_has_prefix (lab_window_get_status (data), "Preparing");
}

/* Making a big server's files and digests takes seconds, on a thread: the
 * heartbeat never misses more than a few beats meanwhile.  Cancel then
 * ends the wait at once. */
static void
test_server_prepared_off_ui_thread (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;
  gint64 start, prepared;

  lab_ui_configure_job ("pipeline", "threads", 8, 4, 0);
  g_settings_set_uint (settings, "size-kib", 32 * 1024);   /* 256 MiB to make and digest */
  g_settings_set_uint (settings, "latency-ms", 0);
  window = lab_ui_open_window (app);
  lab_ui_spin_for (100);

  start = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (lab_window_get_running (window));
  g_assert_true (g_str_has_prefix (lab_window_get_status (window), "Preparing"));
  lab_ui_wait_until (is_preparing, window, 60000);
  prepared = g_get_monotonic_time () - start;
  /* The download that follows is not what this test is about. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  g_assert_false (lab_window_get_running (window));
  lab_ui_spin_for (50);   /* a freeze shows in the beat that comes after it */

  g_test_message ("server ready after %.2f s; worst stall %.1f ms", prepared / 1e6,
                  lab_window_get_worst_stall_us (window) / 1e3);
  /* Long enough that doing it on the UI thread would show: such a freeze
   * would last as long as the preparation. */
  g_assert_cmpint (prepared, >, 300 * 1000);
  g_assert_cmpint (prepared, >, 3 * lab_window_get_worst_stall_us (window));
  g_assert_cmpint (lab_window_get_worst_stall_us (window), <, STALL_SLACK * 100 * 1000);
  g_settings_set_uint (settings, "size-kib", 64);
  lab_ui_close_window (window);
}

static gboolean
is_in_step_2 (gpointer data)
{
  return g_str_has_prefix (lab_window_get_status (data), "Step 2");
}

static LabWindow *
open_frozen_lesson (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;

  g_settings_set_string (settings, "lesson", "frozen-window");
  window = lab_ui_open_window (app);
  /* The lesson's small size: a 300 ms job. */
  g_object_set (window, "quick-lessons", TRUE, NULL);
  return window;
}

/* Seed 003 for real: step 1 freezes this very window for the job's 300 ms,
 * step 2 runs the job on a worker thread while the window beats on. */
static void
test_frozen_lesson (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window = open_frozen_lesson ();
  gint64 blocking, threaded;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 30000);
  g_assert_false (lab_window_get_running (window));

  blocking = lab_window_get_lesson_step_us (window, 0);
  threaded = lab_window_get_lesson_step_us (window, 1);
  g_test_message ("stalls: %.1f ms in the handler, %.1f ms with a thread; %s",
                  blocking / 1e3, threaded / 1e3, lab_window_get_verdict (window));
  g_assert_cmpint (lab_window_get_lesson_step_us (window, 2), ==, -1);
  g_assert_cmpint (blocking, >=, 300 * 1000 * 7 / 10);
  g_assert_cmpint (threaded, >=, 0);
  g_assert_cmpint (threaded * 2, <, blocking);
  g_assert_cmpint (threaded, <, STALL_SLACK * 100 * 1000);
  g_assert_cmpstr (lab_window_get_verdict (window), !=, "");
  g_assert_cmpstr (lab_window_get_status (window), ==, "The lesson is done; the verdict is in.");
  /* Each step's timeline page is named as its row on the card. */
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), ==, 2);
  g_assert_cmpstr (lab_window_get_lesson_page_title (window, 0), ==,
                   "Job in the click handler: worst stall");
  g_assert_cmpstr (lab_window_get_lesson_page_title (window, 1), ==,
                   "Job on a worker thread: worst stall");

  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
}

/* Cancelled in step 2 and closed at once: the worker thread's run comes
 * back to a window that waited for it (ASan watches this one). */
static void
test_frozen_lesson_cancel_and_close (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window = open_frozen_lesson ();
  gpointer weak = window;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (is_in_step_2, window, 30000);
  g_assert_true (is_in_step_2 (window));
  g_assert_true (lab_window_get_running (window));
  /* Step 1's stall is on the card already: one row of three cells. */
  {
    GtkWidget *steps = GTK_WIDGET (gtk_widget_get_template_child (lab_ui_window_child (window, "lesson_card"),
                                                                  LAB_TYPE_LESSON_CARD, "lesson_steps"));
    guint cells = 0;

    for (GtkWidget *c = gtk_widget_get_first_child (steps); c != NULL; c = gtk_widget_get_next_sibling (c))
      cells++;
    g_assert_cmpuint (cells, ==, 3);
  }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL);
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_close (GTK_WINDOW (window));
  lab_ui_wait_until (is_gone, &weak, 10000);
  g_assert_null (weak);
  lab_ui_spin_for (100);
  g_settings_set_string (settings, "lesson", "");
}

/* Closing mid-run cancels it, ends every worker process, and goes fast. */
static void
test_close_mid_run (void)
{
  LabWindow *window;
  gpointer weak;
  gint64 start;

  lab_ui_configure_job ("sleep", "processes", 40, 4, 1000);
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (has_workers, window, 10000);
  lab_ui_spin_for (300);
  g_assert_true (lab_window_get_running (window));
  g_assert_cmpuint (lab_test_count_children (), ==, 4);

  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  start = g_get_monotonic_time ();
  gtk_window_close (GTK_WINDOW (window));
  lab_ui_wait_until (is_gone, &weak, 5000);
  g_test_message ("window gone after %.3f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_null (weak);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;

  g_test_add_func ("/lab/window/opens", test_opens);
  g_test_add_func ("/lab/window/threads-run", test_threads_run);
  g_test_add_func ("/lab/window/compare-all", test_compare_all);
  g_test_add_func ("/lab/window/pipeline", test_pipeline);
  g_test_add_func ("/lab/window/download-job", test_download_job);
  g_test_add_func ("/lab/window/lesson", test_lesson);
  g_test_add_func ("/lab/window/scale-lessons", test_scale_lessons);
  g_test_add_func ("/lab/window/event-flood", test_event_flood);
  g_test_add_func ("/lab/window/about-and-cancel-mid-run", test_about_and_cancel_mid_run);
  g_test_add_func ("/lab/window/shortcuts", test_shortcuts);
  g_test_add_func ("/lab/window/remembers-setup", test_remembers_setup);
  g_test_add_func ("/lab/window/workers-limit-follows-mode", test_workers_limit_follows_mode);
  g_test_add_func ("/lab/window/frozen-window", test_frozen_window);
  g_test_add_func ("/lab/window/close-mid-run", test_close_mid_run);
  g_test_add_func ("/lab/window/ui-thread-not-remembered", test_ui_thread_not_remembered);
  g_test_add_func ("/lab/window/setup-locked-during-run", test_setup_locked_during_run);
  g_test_add_func ("/lab/window/idle-worker-lanes", test_idle_worker_lanes);
  g_test_add_func ("/lab/window/no-stall-at-startup", test_no_stall_at_startup);
  g_test_add_func ("/lab/window/server-prepared-off-ui-thread", test_server_prepared_off_ui_thread);
  g_test_add_func ("/lab/window/frozen-lesson", test_frozen_lesson);
  g_test_add_func ("/lab/window/frozen-lesson-cancel-and-close", test_frozen_lesson_cancel_and_close);

  return lab_ui_run_tests (&app);
}
