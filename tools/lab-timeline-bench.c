/* lab-timeline-bench.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A benchmark, not a test: feeds the timeline widget 100,000 events a
 * second of synthetic tasks, the way the window does (one batch per
 * 60 Hz frame), and times each frame's snapshot and its rendering with the
 * window's renderer; then zooms and pans over the 100,000 tasks.  Prints
 * ms per frame and the ratio to the 16 ms a frame may take.
 *
 *   xvfb-run -a -s "-screen 0 1920x1080x24" env GSK_RENDERER=cairo \
 *     _build/tools/lab-timeline-bench [SECONDS] */

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "lab-timeline.h"

#define FRAME_US       16667
#define BUDGET_MS      16.0
#define ORIGIN         G_GINT64_CONSTANT (1000000000)

typedef struct
{
  GArray *snapshot_ms;
  GArray *total_ms;         /* feeding the batch + snapshot + render */
  GArray *feed_ms;
} Times;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_times (const char *what,
             GArray     *times)
{
  double sum = 0;
  double p50, p99, max;

  g_array_sort (times, compare_doubles);
  for (guint i = 0; i < times->len; i++)
    sum += g_array_index (times, double, i);
  p50 = g_array_index (times, double, times->len / 2);
  p99 = g_array_index (times, double, MIN (times->len - 1, times->len * 99 / 100));
  max = g_array_index (times, double, times->len - 1);
  g_print ("  %-34s mean %6.2f  p50 %6.2f  p99 %6.2f  max %6.2f ms"
           "   p99/16 ms = %.2f\n", what, sum / times->len, p50, p99, max, p99 / BUDGET_MS);
}

/* One frame: snapshot (timed), then render it as the window would. */
static void
frame (GtkWidget *widget,
       gint64     fed_us,
       Times     *times)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  gint64 begin = g_get_monotonic_time ();
  gint64 snapped;

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  snapped = g_get_monotonic_time ();
  if (node != NULL)
    texture = gsk_renderer_render_texture (renderer, node,
                                           &GRAPHENE_RECT_INIT (0, 0,
                                                                gtk_widget_get_width (widget),
                                                                gtk_widget_get_height (widget)));
  g_array_append_val (times->snapshot_ms, (double) { (snapped - begin) / 1000.0 });
  g_array_append_val (times->feed_ms, (double) { fed_us / 1000.0 });
  g_array_append_val (times->total_ms,
                      (double) { (g_get_monotonic_time () - begin + fed_us) / 1000.0 });
}

typedef struct
{
  guint  task;
  guint  lane;
  gint64 start;
  gint64 end;
  gboolean started;
} Task;

/* One start or end, to be fed in time order as the event buffer has them. */
typedef struct
{
  gint64   time;
  gboolean finished;
  Task     task;
} Event;

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const Event *x = a, *y = b;

  return x->time < y->time ? -1 : x->time > y->time;
}

/* @n_lanes workers with @in_flight tasks each of @task_us, back to back,
 * for @seconds: a frame's batch is every start and end in its 16.7 ms. */
static void
run (LabTimeline *timeline,
     const char  *title,
     guint        n_lanes,
     guint        in_flight,
     gint64       task_us,
     double       seconds)
{
  GtkWidget *widget = GTK_WIDGET (timeline);
  guint slots = n_lanes * in_flight;
  g_autofree Task *current = g_new0 (Task, slots);
  Times times = { g_array_new (FALSE, FALSE, sizeof (double)),
                  g_array_new (FALSE, FALSE, sizeof (double)),
                  g_array_new (FALSE, FALSE, sizeof (double)) };
  gint64 end_us = (gint64) (seconds * G_USEC_PER_SEC);
  guint next_task = 0;
  guint64 events = 0;
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, sizeof (Event));

  lab_timeline_reset (timeline, ORIGIN);
  for (guint lane = 0; lane < n_lanes; lane++)
    {
      g_autofree char *label = g_strdup_printf ("worker %u", lane + 1);

      lab_timeline_set_lane_label (timeline, lane, label);
    }
  for (guint s = 0; s < slots; s++)
    {
      current[s].lane = s / in_flight;
      /* Spread the first wave so that ends do not all fall in one frame. */
      current[s].start = (gint64) s * task_us / in_flight % task_us / MAX (n_lanes, 1);
      current[s].end = current[s].start + task_us;
      current[s].task = next_task++;
    }

  for (gint64 now = FRAME_US; now <= end_us; now += FRAME_US)
    {
      gint64 begin;

      /* What the workers did during this frame, in the order they did it
       * (outside the clock: the app's workers do this, not its UI). */
      g_array_set_size (batch, 0);
      for (guint s = 0; s < slots; s++)
        {
          Task *t = &current[s];

          while (TRUE)
            {
              if (!t->started && t->start <= now)
                {
                  g_array_append_val (batch, ((Event) { t->start, FALSE, *t }));
                  t->started = TRUE;
                }
              if (!t->started || t->end > now)
                break;
              g_array_append_val (batch, ((Event) { t->end, TRUE, *t }));
              t->task = next_task++;
              t->start = t->end;
              t->end = t->start + task_us;
              t->started = FALSE;
            }
        }
      g_array_sort (batch, compare_events);

      begin = g_get_monotonic_time ();
      for (guint e = 0; e < batch->len; e++)
        {
          const Event *event = &g_array_index (batch, Event, e);

          if (event->finished)
            lab_timeline_task_finished (timeline, event->task.task, event->task.lane,
                                        ORIGIN + event->task.start, ORIGIN + event->task.end,
                                        0, TRUE, NULL);
          else
            lab_timeline_task_started (timeline, event->task.task, event->task.lane,
                                       ORIGIN + event->task.start, NULL);
          events++;
        }
      lab_timeline_set_now (timeline, ORIGIN + now);
      frame (widget, g_get_monotonic_time () - begin, &times);
    }
  lab_timeline_set_now (timeline, 0);

  g_print ("%s: %u tasks, %.0f events/s, %u frames\n", title, lab_timeline_get_n_bars (timeline),
           events / seconds, times.snapshot_ms->len);
  print_times ("snapshot", times.snapshot_ms);
  print_times ("feeding the batch", times.feed_ms);
  print_times ("feed + snapshot + render", times.total_ms);
  g_array_unref (times.feed_ms);
  g_array_unref (times.snapshot_ms);
  g_array_unref (times.total_ms);
}

/* Zoom in 12 steps around the middle, pan along, fit again: every frame
 * has a new view, so nothing cached can be reused. */
static void
navigate (LabTimeline *timeline)
{
  GtkWidget *widget = GTK_WIDGET (timeline);
  Times times = { g_array_new (FALSE, FALSE, sizeof (double)),
                  g_array_new (FALSE, FALSE, sizeof (double)),
                  g_array_new (FALSE, FALSE, sizeof (double)) };

  frame (widget, 0, &times);
  g_array_set_size (times.snapshot_ms, 0);
  g_array_set_size (times.total_ms, 0);
  g_array_set_size (times.feed_ms, 0);

  for (guint i = 0; i < 12; i++)
    {
      gtk_widget_activate_action (widget, "timeline.zoom-in", NULL);
      frame (widget, 0, &times);
    }
  for (guint i = 0; i < 20; i++)
    {
      gtk_widget_activate_action (widget, "timeline.zoom-out", NULL);
      frame (widget, 0, &times);
      gtk_widget_activate_action (widget, "timeline.zoom-in", NULL);
      frame (widget, 0, &times);
    }
  gtk_widget_activate_action (widget, "timeline.fit", NULL);
  frame (widget, 0, &times);

  g_print ("  navigating (zoom, fit) over %u tasks, %u frames:\n",
           lab_timeline_get_n_bars (timeline), times.snapshot_ms->len);
  print_times ("snapshot", times.snapshot_ms);
  print_times ("snapshot + render", times.total_ms);
  g_array_unref (times.feed_ms);
  g_array_unref (times.snapshot_ms);
  g_array_unref (times.total_ms);
}

static gboolean
wake_up_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 2.0;
  GtkWidget *window, *widget;
  gint64 deadline;
  guint wake_up_id;

  gtk_init ();
  if (seconds <= 0 || seconds > 60)
    {
      g_printerr ("The run's length must be between 0 and 60 seconds.\n");
      return 1;
    }

  window = gtk_window_new ();
  widget = lab_timeline_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 720);
  gtk_window_set_child (GTK_WINDOW (window), widget);
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  wake_up_id = g_timeout_add (10, wake_up_cb, NULL);
  while (gtk_widget_get_width (widget) <= 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_up_id);
  if (gtk_widget_get_width (widget) <= 0)
    {
      g_printerr ("The window did not appear: is there a display?\n");
      return 1;
    }

  g_print ("Timeline at %dx%d, renderer %s, a frame may take %.0f ms\n",
           gtk_widget_get_width (widget), gtk_widget_get_height (widget),
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (gtk_widget_get_native (widget))),
           BUDGET_MS);

  /* The event loop: 1,000 waits of 20 ms in flight on one lane. */
  run (LAB_TIMELINE (widget), "async, 1 lane x 1,000 in flight, 20 ms tasks", 1, 1000, 20000,
       seconds);
  navigate (LAB_TIMELINE (widget));
  /* Threads: 8 workers, each one 160 µs task after another. */
  run (LAB_TIMELINE (widget), "threads, 8 lanes x 1, 160 µs tasks", 8, 1, 160, seconds);
  navigate (LAB_TIMELINE (widget));
  /* Processes + async: 4 workers with 250 tasks each in flight. */
  run (LAB_TIMELINE (widget), "4 lanes x 250 in flight, 20 ms tasks", 4, 250, 20000, seconds);
  navigate (LAB_TIMELINE (widget));

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
