/* test-timeline-states.c — where the time went, in the window
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Under a headless X server: the timeline's legend lists exactly the
 * states its run spent time in and the cores-busy strip makes room for
 * itself; a real run of four threads under the GIL, in the window, shows
 * GIL waits on at least two lanes, samples in the strip, and a timings row
 * whose time by state is what the timeline shows (start-up aside).
 */

#include "config.h"

#include "lab-application.h"
#include "lab-states.h"
#include "lab-test-util.h"
#include "lab-timeline-model.h"
#include "lab-timings.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

#define MS(x) ((gint64) (x) * 1000)
#define ORIGIN G_GINT64_CONSTANT (1000000000)

/* For tests only, from lab-timeline-states.c. */
guint             lab_timeline_get_legend_states   (LabTimeline *self);
guint             lab_timeline_get_n_cores_samples (LabTimeline *self);
LabTimelineModel *lab_timeline_get_model           (LabTimeline *self);

static LabApplication *app;

static int
natural_height (GtkWidget *widget)
{
  int natural;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, -1, NULL, &natural, NULL, NULL);
  return natural;
}

/* The legend follows the bars: nothing before a bar finishes, then
 * exactly the states the finished bars spent time in; the strip makes
 * room for itself with its first sample. */
static void
test_legend_and_strip (void)
{
  GtkWidget *widget = lab_timeline_new ();
  LabTimeline *timeline = LAB_TIMELINE (widget);
  GtkWidget *window = gtk_window_new ();
  int height_empty, height_before, height_with_legend;

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 300);
  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  lab_ui_wait_until (lab_ui_is_mapped, window, 5000);

  lab_timeline_reset (timeline, ORIGIN);
  lab_ui_spin_for (50);
  height_empty = natural_height (widget);
  lab_timeline_task_started (timeline, 0, 0, ORIGIN, NULL);
  lab_timeline_add_task_span (timeline, 0, LAB_STATE_GIL, 0, ORIGIN + MS (10), ORIGIN + MS (60));
  lab_timeline_set_task_times (timeline, 0, MS (50), 0);
  lab_ui_spin_for (50);
  g_assert_cmpuint (lab_timeline_get_legend_states (timeline), ==, 0);
  height_before = natural_height (widget);

  lab_timeline_task_finished (timeline, 0, 0, ORIGIN, ORIGIN + MS (100), 0, TRUE, NULL);
  lab_ui_spin_for (50);
  /* 50 ms of GIL wait, 50 ms of computing: nothing is left for "other". */
  g_assert_cmpuint (lab_timeline_get_legend_states (timeline), ==,
                    (1u << LAB_STATE_COMPUTE) | (1u << LAB_STATE_GIL));
  height_with_legend = natural_height (widget);
  g_assert_cmpint (height_with_legend, >, height_before);
  /* The legend explains itself on hover, where it is drawn. */
  g_assert_true (lab_ui_query_tooltip (widget, 20, 5));

  /* A task nobody measured adds "other", and only that. */
  lab_timeline_task_finished (timeline, 1, 1, ORIGIN, ORIGIN + MS (100), 0, TRUE, NULL);
  lab_ui_spin_for (50);
  g_assert_cmpuint (lab_timeline_get_legend_states (timeline), ==,
                    (1u << LAB_STATE_COMPUTE) | (1u << LAB_STATE_GIL) | (1u << LAB_STATE_OTHER));

  g_assert_cmpuint (lab_timeline_get_n_cores_samples (timeline), ==, 0);
  lab_timeline_add_cores_sample (timeline, ORIGIN + MS (20), 1.0);
  lab_ui_spin_for (50);
  g_assert_cmpuint (lab_timeline_get_n_cores_samples (timeline), ==, 1);
  g_assert_cmpint (natural_height (widget), >, height_with_legend);

  /* A new run: no legend, no strip. */
  lab_timeline_reset (timeline, ORIGIN);
  lab_ui_spin_for (50);
  g_assert_cmpuint (lab_timeline_get_legend_states (timeline), ==, 0);
  g_assert_cmpuint (lab_timeline_get_n_cores_samples (timeline), ==, 0);
  g_assert_cmpint (natural_height (widget), ==, height_empty);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Four threads under the GIL in the window: they hand the GIL over, so
 * two lanes or more show GIL waits; the strip has its samples; the legend
 * is the model's states; and the timings row says where the time went as
 * the run measured it — the timeline's bars, plus the start-up no bar
 * shows. */
static void
test_gil_run (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  gint64 by_row[LAB_N_STATES], by_timeline[LAB_N_STATES];
  LabTimelineModel *model;
  LabTimeline *timeline;
  LabWindow *window;
  guint lanes_with_gil = 0;

  g_settings_set_string (settings, "lesson", "");
  g_settings_set_string (settings, "job", "cpu");
  g_settings_set_string (settings, "mode", "threads");
  g_settings_set_uint (settings, "tasks", 8);
  g_settings_set_uint (settings, "workers", 4);
  g_settings_set_uint (settings, "n-millions", 150);
  g_settings_set_boolean (settings, "gil", TRUE);
  window = lab_ui_open_window (app);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_assert_false (lab_window_get_running (window));

  timeline = lab_window_get_timeline (window, LAB_MODE_THREADS);
  model = lab_timeline_get_model (timeline);
  for (guint lane = 0; lane < lab_timeline_model_get_n_lanes (model); lane++)
    {
      const LabTimelineLane *l = lab_timeline_model_get_lane (model, lane);
      gboolean gil = FALSE;

      for (guint i = 0; i < l->bars->len; i++)
        {
          const LabTimelineSegment *segments;
          guint n;

          segments = lab_timeline_bar_get_segments (g_ptr_array_index (l->bars, i), &n);
          for (guint s = 0; s < n; s++)
            gil |= segments[s].state == LAB_STATE_GIL;
        }
      lanes_with_gil += gil;
    }
  g_test_message ("%u lanes with GIL waits, %u cores-busy samples", lanes_with_gil,
                  lab_timeline_get_n_cores_samples (timeline));
  g_assert_cmpuint (lanes_with_gil, >=, 2);
  g_assert_cmpuint (lab_timeline_get_n_cores_samples (timeline), >, 0);
  g_assert_cmpuint (lab_timeline_get_legend_states (timeline), ==,
                    lab_timeline_model_get_states_present (model));
  g_assert_true (lab_timeline_get_legend_states (timeline) & (1u << LAB_STATE_GIL));

  g_assert_true (lab_timings_get_time_by_state (lab_window_get_timings (window), LAB_MODE_THREADS,
                                                by_row));
  lab_timeline_model_get_time_by_state (model, by_timeline);
  for (guint state = 0; state < LAB_N_STATES; state++)
    if (state != LAB_STATE_STARTUP)
      g_assert_cmpint (by_row[state], ==, by_timeline[state]);
  g_assert_cmpint (by_row[LAB_STATE_GIL], >, 0);
  g_assert_cmpint (by_row[LAB_STATE_STARTUP], >=, 0);

  g_settings_set_boolean (settings, "gil", FALSE);
  lab_ui_close_window (window);
}

/* Every tooltip under @widget, one per line. */
static void
collect_tooltips (GtkWidget *widget,
                  GString   *into)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (tooltip != NULL)
    g_string_append_printf (into, "%s\n", tooltip);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_tooltips (child, into);
}

/* The start-up cell says what its time was: starting workers, or for the
 * distributed row reaching (maybe starting) the broker. */
static void
test_startup_tooltip (void)
{
  const char *broker = "Time to reach the broker";
  const char *workers = "Time to start the workers";

  for (guint distributed = 0; distributed < 2; distributed++)
    {
      GtkWidget *timings = g_object_ref_sink (lab_timings_new ());
      g_autoptr(GString) tooltips = g_string_new (NULL);

      lab_timings_update (LAB_TIMINGS (timings),
                          distributed ? LAB_MODE_DISTRIBUTED : LAB_MODE_PROCESSES, "Mode", NULL,
                          MS (100), MS (20), FALSE, 1.0, LAB_VERDICT_VERIFIED, NULL);
      collect_tooltips (timings, tooltips);
      g_assert_true ((strstr (tooltips->str, broker) != NULL) == distributed);
      g_assert_true ((strstr (tooltips->str, workers) != NULL) == !distributed);
      g_object_unref (timings);
    }
}

int
main (int   argc,
      char *argv[])
{
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;

  g_test_add_func ("/lab/timeline-states/legend-and-strip", test_legend_and_strip);
  g_test_add_func ("/lab/timeline-states/gil-run", test_gil_run);
  g_test_add_func ("/lab/timeline-states/startup-tooltip", test_startup_tooltip);

  return lab_ui_run_tests (&app);
}
