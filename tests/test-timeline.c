/* test-timeline.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gtk/gtk.h>

#include "lab-timeline.h"
#include "lab-ui-test-util.h"

/* Not in the header: what the widget keeps for its tests. */
guint    lab_timeline_get_n_node_builds (LabTimeline *self);
guint    lab_timeline_get_n_bars_drawn  (LabTimeline *self);
guint    lab_timeline_get_n_area_columns (LabTimeline *self);
gboolean lab_timeline_is_lane_dense     (LabTimeline *self,
                                         guint        lane);

#define MS(x) ((gint64) (x) * 1000)
#define ORIGIN G_GINT64_CONSTANT (1000000000)

static LabTimeline *
new_timeline (void)
{
  LabTimeline *timeline = LAB_TIMELINE (g_object_ref_sink (lab_timeline_new ()));

  lab_timeline_reset (timeline, ORIGIN);
  return timeline;
}

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
wake_up_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Present a window around @child and wait until it has been laid out. */
static GtkWidget *
present_in_window (GtkWidget *child,
                   int        width,
                   int        height)
{
  GtkWidget *window = gtk_window_new ();
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint wake_up_id = g_timeout_add (10, wake_up_cb, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));

  while ((!gtk_widget_get_mapped (child) || gtk_widget_get_width (child) <= 0)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_up_id);

  g_assert_true (gtk_widget_get_mapped (child));
  g_assert_cmpint (gtk_widget_get_width (child), >, 0);
  drain_main_context ();
  return window;
}

static gboolean
summary_is (gpointer    object,
            const char *expected)
{
  g_autofree char *differs = NULL;

  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (object),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  return differs == NULL;
}

/* Iterate the main context until @done or 5 s have passed. */
static void
wait_until (gboolean  (*done) (gpointer object, const char *expected),
            gpointer    object,
            const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint wake_up_id = g_timeout_add (10, wake_up_cb, NULL);

  while (!done (object, expected) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_up_id);
}

static void
test_accessible_summary (void)
{
  g_autoptr(LabTimeline) timeline = new_timeline ();

  gtk_test_accessible_assert_role (timeline, GTK_ACCESSIBLE_ROLE_IMG);

  for (guint i = 0; i < 4; i++)
    lab_timeline_task_finished (timeline, i, i, ORIGIN, ORIGIN + MS (10), 0, TRUE, NULL);
  lab_timeline_task_started (timeline, 4, 0, ORIGIN + MS (10), NULL);

  /* The summary follows a moment later, once per batch rather than per task. */
  wait_until (summary_is, timeline, "Timeline: 4 workers, 5 tasks, 1 running");
  gtk_test_accessible_assert_property (timeline, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Timeline: 4 workers, 5 tasks, 1 running");
}

static void
test_tooltip (void)
{
  GtkWidget *widget = lab_timeline_new ();
  LabTimeline *timeline = LAB_TIMELINE (widget);
  GtkWidget *window = present_in_window (widget, 800, 300);
  gboolean hit = FALSE;

  lab_timeline_reset (timeline, ORIGIN);
  lab_timeline_set_lane_label (timeline, 0, "thread 1");
  lab_timeline_task_finished (timeline, 0, 0, ORIGIN, ORIGIN + MS (500), 4096, TRUE, NULL);
  lab_timeline_task_finished (timeline, 1, 1, ORIGIN, ORIGIN + MS (500), 0, FALSE, "disk full");
  /* The axis fits the run: this one makes it a second long. */
  lab_timeline_task_finished (timeline, 2, 2, ORIGIN + MS (950), ORIGIN + MS (1000), 0, TRUE,
                              NULL);
  drain_main_context ();

  /* Half of the 1 s scale, whatever the width of the label column. */
  for (int y = 0; y < 160 && !hit; y++)
    hit = lab_ui_query_tooltip (widget, 300, y);
  g_assert_true (hit);

  /* Past the bars' end there is nothing to explain. */
  for (int y = 0; y < 160; y++)
    g_assert_false (lab_ui_query_tooltip (widget, 700, y));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Builds the widget's render node the way a frame does, and optionally
 * renders it with the window's renderer (cairo under test). */
static double
frame_ms (GtkWidget *widget,
          gboolean   render)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  gint64 begin = g_get_monotonic_time ();

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  if (render)
    {
      GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
      graphene_rect_t viewport = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                     gtk_widget_get_height (widget));

      texture = gsk_renderer_render_texture (renderer, node, &viewport);
      g_assert_nonnull (texture);
    }

  return (g_get_monotonic_time () - begin) / 1000.0;
}

static void
add_bars (LabTimeline *timeline,
          guint        n_lanes,
          guint        n_bars,
          gboolean     alternate)
{
  lab_timeline_reset (timeline, ORIGIN);
  for (guint lane = 0; lane < n_lanes; lane++)
    {
      g_autofree char *label = g_strdup_printf ("thread %u", lane + 1);

      lab_timeline_set_lane_label (timeline, lane, label);
    }

  /* Fed the way the window does: a batch per frame.  Alternating outcomes
   * defeat the merging of neighbouring bars: the worst case. */
  for (guint task = 0; task < n_bars; task++)
    {
      gint64 start = ORIGIN + (gint64) (task / n_lanes) * 800;
      gboolean ok = alternate ? task / n_lanes % 2 == 0 : task % 97 != 0;

      lab_timeline_task_finished (timeline, task, task % n_lanes, start, start + 700,
                                  1 << 16, ok, "checksum mismatch");
      if (task % 500 == 499)
        drain_main_context ();
    }
  g_assert_cmpuint (lab_timeline_get_n_bars (timeline), ==, n_bars);
  g_assert_cmpuint (lab_timeline_get_n_lanes (timeline), ==, n_lanes);
}

/* Cold: toggling "live" changes the scale, which drops every cache. */
static double
cold_frame_ms (LabTimeline *timeline,
               gboolean     render)
{
  double total = 0;

  for (guint i = 0; i < 10; i++)
    {
      lab_timeline_set_now (timeline, i % 2 == 0 ? ORIGIN + MS (1100) : 0);
      total += frame_ms (GTK_WIDGET (timeline), render);
    }
  return total / 10;
}

/* 10,000 finished bars: a frame must stay cheap, and a frame in which
 * nothing changed must reuse the cached nodes. */
static void
test_many_bars (void)
{
  const guint n_lanes = 8;
  const guint n_bars = 10000;
  GtkWidget *widget = lab_timeline_new ();
  LabTimeline *timeline = LAB_TIMELINE (widget);
  GtkWidget *window = present_in_window (widget, 800, 400);
  double cold, cold_render, warm = 0, live = 0, worst, worst_render;
  guint builds;

  add_bars (timeline, n_lanes, n_bars, FALSE);
  cold = cold_frame_ms (timeline, FALSE);
  cold_render = cold_frame_ms (timeline, TRUE);

  /* Warm: nothing changed, nothing is rebuilt. */
  frame_ms (widget, FALSE);
  builds = lab_timeline_get_n_node_builds (timeline);
  for (guint i = 0; i < 20; i++)
    warm += frame_ms (widget, FALSE);
  warm /= 20;
  g_assert_cmpuint (lab_timeline_get_n_node_builds (timeline), ==, builds);

  /* Live: every frame one lane gains a bar and some bars keep running. */
  lab_timeline_set_now (timeline, ORIGIN + MS (1010));
  for (guint lane = 0; lane < n_lanes; lane++)
    lab_timeline_task_started (timeline, n_bars + lane, lane, ORIGIN + MS (1000), NULL);
  for (guint i = 0; i < 20; i++)
    {
      guint task = n_bars + n_lanes + i;
      gint64 start = ORIGIN + MS (1000) + i * 800;

      lab_timeline_task_finished (timeline, task, i % n_lanes, start, start + 700, 0, TRUE, NULL);
      lab_timeline_set_now (timeline, ORIGIN + MS (1010) + i * 800);
      live += frame_ms (widget, FALSE);
    }
  live /= 20;

  add_bars (timeline, n_lanes, n_bars, TRUE);
  worst = cold_frame_ms (timeline, FALSE);
  worst_render = cold_frame_ms (timeline, TRUE);

  g_test_message ("10,000 bars at 800x400: snapshot cold %.2f ms, unchanged %.3f ms, "
                  "live %.2f ms; snapshot+cairo render cold %.2f ms", cold, warm, live,
                  cold_render);
  g_test_message ("10,000 unmergeable bars: snapshot cold %.2f ms, "
                  "snapshot+cairo render cold %.2f ms", worst, worst_render);
  g_assert_cmpfloat (cold, <, 50);
  g_assert_cmpfloat (live, <, 50);
  g_assert_cmpfloat (worst, <, 50);
  g_assert_cmpfloat (warm, <, cold);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The keys' actions: zoom in and out around the middle, fit to the run. */
static void
test_zoom_actions (void)
{
  GtkWidget *widget = lab_timeline_new ();
  LabTimeline *timeline = LAB_TIMELINE (widget);
  GtkWidget *window = present_in_window (widget, 800, 300);
  gint64 from, to, from2, to2;

  lab_timeline_reset (timeline, ORIGIN);
  lab_timeline_task_finished (timeline, 0, 0, ORIGIN, ORIGIN + MS (10), 0, TRUE, NULL);
  drain_main_context ();

  /* A 10 ms run fills the axis. */
  g_assert_true (lab_timeline_get_visible_range (timeline, &from, &to));
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, <=, MS (20));

  g_assert_true (gtk_widget_activate_action (widget, "timeline.zoom-in", NULL));
  g_assert_false (lab_timeline_get_visible_range (timeline, &from2, &to2));
  g_assert_cmpint (to2 - from2, <, to - from);
  /* Around the middle of the plot: both ends moved in. */
  g_assert_cmpint (from2, >, from);
  g_assert_cmpint (to2, <, to);
  frame_ms (widget, FALSE);

  gtk_widget_activate_action (widget, "timeline.zoom-out", NULL);
  gtk_widget_activate_action (widget, "timeline.zoom-in", NULL);
  gtk_widget_activate_action (widget, "timeline.zoom-in", NULL);
  g_assert_false (lab_timeline_get_visible_range (timeline, &from2, &to2));
  g_assert_true (gtk_widget_activate_action (widget, "timeline.fit", NULL));
  g_assert_true (lab_timeline_get_visible_range (timeline, &from2, &to2));
  g_assert_cmpint (from2, ==, from);
  g_assert_cmpint (to2, ==, to);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* One thread's 20,000 short tasks are far too many bars for 800 px: the
 * lane shows tasks in flight; zoomed in to a few dozen, bars again. */
static void
test_dense_lane_switches (void)
{
  GtkWidget *widget = lab_timeline_new ();
  LabTimeline *timeline = LAB_TIMELINE (widget);
  GtkWidget *window = present_in_window (widget, 800, 300);

  lab_timeline_reset (timeline, ORIGIN);
  for (guint i = 0; i < 20000; i++)
    lab_timeline_task_finished (timeline, i, 0, ORIGIN + i * 500, ORIGIN + i * 500 + 400, 0,
                                TRUE, NULL);
  /* A second lane with a handful. */
  for (guint i = 0; i < 10; i++)
    lab_timeline_task_finished (timeline, 20000 + i, 1, ORIGIN + MS (1000) * i,
                                ORIGIN + MS (1000) * i + MS (900), 0, TRUE, NULL);
  drain_main_context ();
  frame_ms (widget, TRUE);

  g_assert_true (lab_timeline_is_lane_dense (timeline, 0));
  g_assert_false (lab_timeline_is_lane_dense (timeline, 1));

  /* 1.5^12 ≈ 130×: 10 s → 77 ms, about 150 tasks of 0.5 ms. */
  for (guint i = 0; i < 12; i++)
    gtk_widget_activate_action (widget, "timeline.zoom-in", NULL);
  frame_ms (widget, TRUE);
  g_assert_false (lab_timeline_is_lane_dense (timeline, 0));

  gtk_widget_activate_action (widget, "timeline.fit", NULL);
  frame_ms (widget, TRUE);
  g_assert_true (lab_timeline_is_lane_dense (timeline, 0));

  gtk_window_destroy (GTK_WINDOW (window));
}

static GBytes *
render_pixels (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gsize stride = width * 4;
  guchar *data = g_malloc (stride * height);

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_texture_download (texture, data, stride);
  return g_bytes_new_take (data, stride * height);
}

/* @live, drawn frame by frame, and @cold, drawn at once, give the same
 * pixels. */
static void
assert_same_pixels (GtkWidget *live,
                    GtkWidget *cold)
{
  g_autoptr(GBytes) live_pixels = render_pixels (live);
  g_autoptr(GBytes) cold_pixels = render_pixels (cold);

  g_assert_true (g_bytes_equal (live_pixels, cold_pixels));
}

/* Four workers, each with four tasks at a time, in a fixed 1 s view. */
static void
feed (LabTimeline *timeline,
      guint        first,
      guint        end)
{
  for (guint task = first; task < end; task++)
    {
      guint lane = task % 4;
      gint64 start = ORIGIN + (gint64) (task / 4) * 2000;
      gint64 stop = start + 6000 + (task % 7) * 300;

      lab_timeline_task_finished (timeline, task, lane, start, stop, 0, task % 13 != 0,
                                  "checksum mismatch");
    }
}

/* Bars appended to the cache frame by frame (merged as they pile up) look
 * exactly like the same bars drawn at once, including after a requeue,
 * and a frame draws only what is new, not the whole lane again. */
static void
test_incremental_cache (void)
{
  GtkWidget *live = lab_timeline_new ();
  GtkWidget *cold = lab_timeline_new ();
  GtkWidget *window_live = present_in_window (live, 1600, 400);
  GtkWidget *window_cold = present_in_window (cold, 1600, 400);
  const guint n_tasks = 1600;
  const guint batch = 8;
  guint drawn;

  for (guint i = 0; i < 2; i++)
    {
      LabTimeline *timeline = LAB_TIMELINE (i == 0 ? live : cold);

      lab_timeline_reset (timeline, ORIGIN);
      for (guint lane = 0; lane < 4; lane++)
        lab_timeline_set_lane_label (timeline, lane, "worker");
      /* The scale: one second, from the start. */
      lab_timeline_task_finished (timeline, 100000, 0, ORIGIN + MS (999), ORIGIN + MS (1000),
                                  0, TRUE, NULL);
    }
  drain_main_context ();
  frame_ms (live, FALSE);

  drawn = lab_timeline_get_n_bars_drawn (LAB_TIMELINE (live));
  for (guint task = 0; task < n_tasks; task += batch)
    {
      feed (LAB_TIMELINE (live), task, task + batch);
      frame_ms (live, FALSE);
    }
  for (guint lane = 0; lane < 4; lane++)
    g_assert_false (lab_timeline_is_lane_dense (LAB_TIMELINE (live), lane));
  drawn = lab_timeline_get_n_bars_drawn (LAB_TIMELINE (live)) - drawn;
  g_test_message ("%u bars in %u frames: %u drawn into caches", n_tasks, n_tasks / batch, drawn);
  /* Redrawing a lane per frame would be ~n²/2/batch = 160,000; appending
   * and merging costs n log n. */
  g_assert_cmpuint (drawn, <, n_tasks * 14);

  feed (LAB_TIMELINE (cold), 0, n_tasks);
  assert_same_pixels (live, cold);

  /* A requeued task leaves its place: both draw it in its new one. */
  lab_timeline_task_finished (LAB_TIMELINE (live), 40, 3, ORIGIN + MS (500), ORIGIN + MS (510),
                              0, TRUE, NULL);
  lab_timeline_task_finished (LAB_TIMELINE (cold), 40, 3, ORIGIN + MS (500), ORIGIN + MS (510),
                              0, TRUE, NULL);
  assert_same_pixels (live, cold);

  gtk_window_destroy (GTK_WINDOW (window_live));
  gtk_window_destroy (GTK_WINDOW (window_cold));
}

/* Task @i of the area test: 3,000 from 0.3 ms × i for 20–50 ms, about
 * 100 at once, and a burst of 60 more at 0.6 s that raises the chart's
 * scale after much of it was cached. */
static void
area_task (guint   i,
           gint64 *start,
           gint64 *end)
{
  if (i < 3000)
    {
      *start = i * 300;
      *end = *start + MS (20) + (i * 7919 % 30) * 1000;
    }
  else
    {
      *start = MS (600) + (i - 3000) * 10;
      *end = *start + MS (30);
    }
}

/* A dense lane, started and ended as a live run does: the chart drawn
 * frame by frame, with its settled columns cached, looks exactly like the
 * chart of the finished run drawn at once, even after a burst changes its
 * scale and a task reported late reaches back into cached columns; and
 * each column is cached about once, not once per frame. */
static void
test_area_cache (void)
{
  GtkWidget *live = lab_timeline_new ();
  GtkWidget *cold = lab_timeline_new ();
  GtkWidget *window_live = present_in_window (live, 1000, 300);
  GtkWidget *window_cold = present_in_window (cold, 1000, 300);
  const guint n_tasks = 3060;
  guint columns;

  for (guint i = 0; i < 2; i++)
    {
      LabTimeline *timeline = LAB_TIMELINE (i == 0 ? live : cold);

      lab_timeline_reset (timeline, ORIGIN);
      lab_timeline_set_lane_label (timeline, 0, "event loop");
      /* The scale: one second, from the start. */
      lab_timeline_task_finished (timeline, 100000, 1, ORIGIN + MS (999), ORIGIN + MS (1000),
                                  0, TRUE, NULL);
    }
  drain_main_context ();

  for (gint64 now = 0; now <= MS (1000); now += MS (16))
    {
      for (guint i = 0; i < n_tasks; i++)
        {
          gint64 start, end;

          area_task (i, &start, &end);
          if (start <= now && start > now - MS (16))
            lab_timeline_task_started (LAB_TIMELINE (live), i, 0, ORIGIN + start, NULL);
          if (end <= now && end > now - MS (16))
            lab_timeline_task_finished (LAB_TIMELINE (live), i, 0, ORIGIN + start, ORIGIN + end,
                                        0, i % 11 != 0, "timeout");
        }
      lab_timeline_set_now (LAB_TIMELINE (live), ORIGIN + now);
      frame_ms (live, FALSE);
      if (now >= MS (100))
        g_assert_true (lab_timeline_is_lane_dense (LAB_TIMELINE (live), 0));
    }
  columns = lab_timeline_get_n_area_columns (LAB_TIMELINE (live));

  for (guint i = 0; i < n_tasks; i++)
    {
      gint64 start, end;

      area_task (i, &start, &end);
      lab_timeline_task_finished (LAB_TIMELINE (cold), i, 0, ORIGIN + start, ORIGIN + end, 0,
                                  i % 11 != 0, "timeout");
    }
  lab_timeline_set_now (LAB_TIMELINE (live), 0);
  frame_ms (live, FALSE);

  g_test_message ("%u columns cached over %u live frames, %d wide", columns, 1000 / 16,
                  gtk_widget_get_width (live));
  g_assert_cmpuint (columns, <, 2 * gtk_widget_get_width (live));

  assert_same_pixels (live, cold);

  /* Reported late: a task from 0.2 s to 0.4 s, after those columns were
   * cached; the cold timeline draws everything afresh. */
  lab_timeline_task_finished (LAB_TIMELINE (live), 9000, 0, ORIGIN + MS (200), ORIGIN + MS (400),
                              0, FALSE, "timeout");
  lab_timeline_reset (LAB_TIMELINE (cold), ORIGIN);
  lab_timeline_set_lane_label (LAB_TIMELINE (cold), 0, "event loop");
  lab_timeline_task_finished (LAB_TIMELINE (cold), 100000, 1, ORIGIN + MS (999),
                              ORIGIN + MS (1000), 0, TRUE, NULL);
  for (guint i = 0; i < n_tasks; i++)
    {
      gint64 start, end;

      area_task (i, &start, &end);
      lab_timeline_task_finished (LAB_TIMELINE (cold), i, 0, ORIGIN + start, ORIGIN + end, 0,
                                  i % 11 != 0, "timeout");
    }
  lab_timeline_task_finished (LAB_TIMELINE (cold), 9000, 0, ORIGIN + MS (200), ORIGIN + MS (400),
                              0, FALSE, "timeout");
  assert_same_pixels (live, cold);

  gtk_window_destroy (GTK_WINDOW (window_live));
  gtk_window_destroy (GTK_WINDOW (window_cold));
}

int
main (int   argc,
      char *argv[])
{
  /* Headless there is no accessibility bus to talk to ("none" would avoid
   * it too, but then there is no summary to check): GTK's test backend. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/timeline/accessible-summary", test_accessible_summary);
  g_test_add_func ("/lab/timeline/tooltip", test_tooltip);
  g_test_add_func ("/lab/timeline/many-bars", test_many_bars);
  g_test_add_func ("/lab/timeline/zoom-actions", test_zoom_actions);
  g_test_add_func ("/lab/timeline/dense-lane-switches", test_dense_lane_switches);
  g_test_add_func ("/lab/timeline/incremental-cache", test_incremental_cache);
  g_test_add_func ("/lab/timeline/area-cache", test_area_cache);

  return g_test_run ();
}
