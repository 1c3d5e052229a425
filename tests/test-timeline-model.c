/* test-timeline-model.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The timeline's model without a display: lanes, sub-rows and bars as
 * events arrive, out of order, requeued or replayed; the visible range
 * (fitted, zoomed, panned) and when a lane has too many tasks for bars. */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "lab-event-buffer.h"
#include "lab-states.h"
#include "lab-test-util.h"
#include "lab-timeline-model.h"

#define MS(x) ((gint64) (x) * 1000)
#define ORIGIN G_GINT64_CONSTANT (1000000000)

static LabTimelineModel *
new_model (void)
{
  LabTimelineModel *model = lab_timeline_model_new ();

  lab_timeline_model_reset (model, ORIGIN);
  return model;
}

static void
test_lanes_and_bars (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();

  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 0);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 0);

  lab_timeline_model_set_lane_label (model, 0, "thread 1");
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 1);

  lab_timeline_model_task_started (model, 0, 0, ORIGIN + MS (1), "block 1");
  lab_timeline_model_task_started (model, 1, 1, ORIGIN + MS (2), "block 2");
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 2);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 2);

  lab_timeline_model_task_finished (model, 0, 0, ORIGIN + MS (1), ORIGIN + MS (90), 1024, TRUE,
                                    NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 2);

  /* A finish whose start was never seen creates the bar, and lanes up to it. */
  lab_timeline_model_task_finished (model, 7, 3, ORIGIN + MS (5), ORIGIN + MS (50), 0, FALSE,
                                    "disk full");
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 4);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 3);

  /* A late duplicate start does not turn a finished task back on. */
  lab_timeline_model_task_started (model, 0, 0, ORIGIN + MS (1), "block 1");
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 3);
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 0), ==, 1);

  lab_timeline_model_set_now (model, ORIGIN + MS (100));
  lab_timeline_model_set_now (model, 0);

  lab_timeline_model_reset (model, ORIGIN);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 0);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 0);
}

/* A crashed worker process's task is requeued: the bar moves. */
static void
test_requeue_moves_bar (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();

  lab_timeline_model_task_started (model, 5, 1, ORIGIN + MS (10), "block 6");
  lab_timeline_model_task_started (model, 6, 1, ORIGIN + MS (10), "block 7");
  lab_timeline_model_task_started (model, 5, 2, ORIGIN + MS (40), "block 6");
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 2);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 3);

  lab_timeline_model_task_finished (model, 5, 2, ORIGIN + MS (40), ORIGIN + MS (80), 10, TRUE,
                                    NULL);
  lab_timeline_model_task_finished (model, 6, 1, ORIGIN + MS (10), ORIGIN + MS (90), 10, TRUE,
                                    NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 2);
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 2), ==, 1);

  /* Finished on yet another lane, with a start it was never seen with. */
  lab_timeline_model_task_finished (model, 5, 0, ORIGIN + MS (45), ORIGIN + MS (85), 10, TRUE,
                                    NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 2);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 3);
}

/* The event loop runs many tasks at once on one lane: sub-rows, not lanes. */
static void
test_async_stacking (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();

  lab_timeline_model_set_lane_label (model, 0, "event loop");
  for (guint i = 0; i < 50; i++)
    lab_timeline_model_task_started (model, i, 0, ORIGIN + MS (i), NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 1);
  g_assert_cmpuint (lab_timeline_model_get_n_bars (model), ==, 50);
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 0), ==, 50);

  for (guint i = 0; i < 50; i++)
    lab_timeline_model_task_finished (model, i, 0, ORIGIN + MS (i), ORIGIN + MS (100 + i), 0,
                                      TRUE, NULL);

  /* The next wave reuses the rows the first one freed. */
  for (guint i = 50; i < 100; i++)
    lab_timeline_model_task_started (model, i, 0, ORIGIN + MS (200 + i), NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 0), ==, 50);
  g_assert_cmpuint (lab_timeline_model_get_n_lanes (model), ==, 1);

  /* Back-to-back tasks of one thread share one row, even replayed backwards. */
  for (guint i = 0; i < 20; i++)
    {
      guint task = 1000 + 19 - i;
      gint64 start = ORIGIN + MS (10 * (19 - i));

      lab_timeline_model_task_finished (model, task, 1, start, start + MS (10), 0, TRUE, NULL);
    }
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 1), ==, 1);

  /* An overlapping task replayed out of order still gets a row of its own. */
  lab_timeline_model_task_finished (model, 2000, 1, ORIGIN + MS (15), ORIGIN + MS (25), 0,
                                    TRUE, NULL);
  g_assert_cmpuint (lab_timeline_model_get_n_rows (model, 1), ==, 2);
}

/* A 10 ms run fills the axis, with ticks in ms; while it runs, the scale
 * grows with it in a few steps rather than every frame. */
static void
test_axis_fits_short_run (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  g_autofree char *label = NULL;
  gint64 from, to, last_to = 0;
  guint changes = 0;
  LabTimelineUnit unit;
  gint64 step;

  /* An empty timeline still shows a second. */
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (to, ==, G_USEC_PER_SEC);

  /* Live: every frame (1 ms here) the run is longer. */
  for (guint ms = 1; ms <= 10; ms++)
    {
      lab_timeline_model_set_now (model, ORIGIN + MS (ms));
      lab_timeline_model_get_visible (model, &from, &to);
      g_assert_cmpint (from, ==, 0);
      g_assert_cmpint (to, >=, MS (ms));
      g_assert_cmpint (to, <=, 2 * MS (ms));
    }
  for (gint64 us = 1000; us <= MS (1000); us += 500)
    {
      lab_timeline_model_set_now (model, ORIGIN + us);
      lab_timeline_model_get_visible (model, &from, &to);
      changes += to != last_to;
      last_to = to;
    }
  /* 1 ms → 1 s is ten doublings: a few steps each, not 2,000 frames' worth. */
  g_assert_cmpuint (changes, <=, 60);

  lab_timeline_model_reset (model, ORIGIN);
  for (guint i = 0; i < 10; i++)
    lab_timeline_model_task_finished (model, i, i % 2, ORIGIN + MS (i), ORIGIN + MS (i + 1), 0,
                                      TRUE, NULL);
  lab_timeline_model_set_now (model, 0);
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, >=, MS (10));
  g_assert_cmpint (to, <=, MS (20));

  /* Whatever the width, a step of about a tenth of the run is in ms. */
  step = lab_timeline_nice_step (to / 10);
  unit = lab_timeline_unit_for_step (step, to);
  g_assert_cmpint (unit, ==, LAB_TIMELINE_UNIT_MS);
  label = lab_timeline_format_time (2 * step, unit, lab_timeline_step_decimals (step, unit));
  g_assert_cmpstr (label, ==, "2 ms");
  g_clear_pointer (&label, g_free);

  /* Seconds for long runs, also zoomed in to ms ticks; µs for a run
   * shorter than a millisecond. */
  unit = lab_timeline_unit_for_step (200000, 1400000);
  label = lab_timeline_format_time (1400000, unit, lab_timeline_step_decimals (200000, unit));
  g_assert_cmpstr (label, ==, "1.4 s");
  g_clear_pointer (&label, g_free);
  unit = lab_timeline_unit_for_step (20000, 2700000);
  label = lab_timeline_format_time (2520000, unit, lab_timeline_step_decimals (20000, unit));
  g_assert_cmpstr (label, ==, "2.52 s");
  g_clear_pointer (&label, g_free);
  unit = lab_timeline_unit_for_step (20, 600);
  g_assert_cmpint (unit, ==, LAB_TIMELINE_UNIT_US);
  label = lab_timeline_format_time (40, unit, lab_timeline_step_decimals (20, unit));
  g_assert_cmpstr (label, ==, "40 µs");
}

/* Zoom keeps the time under the pointer in place, pan moves the range,
 * fit brings the whole run back; a zoomed view stays put while the run
 * grows, and a fitted one follows it. */
static void
test_zoom_pan_fit (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  gint64 from, to;

  lab_timeline_model_task_finished (model, 0, 0, ORIGIN, ORIGIN + MS (10000), 0, TRUE, NULL);
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, ==, MS (10000));
  g_assert_true (lab_timeline_model_is_fitted (model));

  /* 4× around 6 s, which is at 60 % of the width before and after. */
  g_assert_true (lab_timeline_model_zoom (model, 4.0, MS (6000)));
  g_assert_false (lab_timeline_model_is_fitted (model));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (to - from, ==, MS (2500));
  g_assert_cmpint (from, ==, MS (6000) - MS (1500));

  g_assert_true (lab_timeline_model_pan (model, MS (1000)));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (from, ==, MS (5500));
  g_assert_cmpint (to, ==, MS (8000));

  /* Not past the run's end, nor before its start. */
  lab_timeline_model_pan (model, MS (100000));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (to, ==, MS (10000));
  lab_timeline_model_pan (model, -MS (100000));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, ==, MS (2500));

  /* Zooming out as far as the whole run is fitting. */
  g_assert_true (lab_timeline_model_zoom (model, 0.5, MS (1000)));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (to - from, ==, MS (5000));
  g_assert_true (lab_timeline_model_zoom (model, 0.1, MS (1000)));
  g_assert_true (lab_timeline_model_is_fitted (model));
  g_assert_false (lab_timeline_model_pan (model, MS (1000)));

  /* Live: the zoomed range stays while the run goes on… */
  lab_timeline_model_zoom (model, 10.0, MS (2000));
  lab_timeline_model_get_visible (model, &from, &to);
  lab_timeline_model_set_now (model, ORIGIN + MS (20000));
  {
    gint64 from2, to2;

    lab_timeline_model_get_visible (model, &from2, &to2);
    g_assert_cmpint (from2, ==, from);
    g_assert_cmpint (to2, ==, to);
  }

  /* …and fit follows it again. */
  g_assert_true (lab_timeline_model_fit (model));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (from, ==, 0);
  g_assert_cmpint (to, >=, MS (20000));
  lab_timeline_model_set_now (model, ORIGIN + MS (40000));
  lab_timeline_model_get_visible (model, &from, &to);
  g_assert_cmpint (to, >=, MS (40000));

  /* A new run starts fitted. */
  lab_timeline_model_zoom (model, 10.0, MS (2000));
  lab_timeline_model_reset (model, ORIGIN);
  g_assert_true (lab_timeline_model_is_fitted (model));
}

/* Too many bars for the width, or too many stacked at once, and a lane is
 * drawn as tasks in flight; zoomed in to a few, bars again. */
static void
test_dense_lane (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  guint rows = 0;

  /* Lane 0: 10,000 back-to-back 1 ms tasks of one thread. */
  for (guint i = 0; i < 10000; i++)
    lab_timeline_model_task_finished (model, i, 0, ORIGIN + MS (i), ORIGIN + MS (i + 1), 0,
                                      TRUE, NULL);
  g_assert_false (lab_timeline_model_lane_fits (model, 0, 0, MS (10000), 200, 32, NULL));
  g_assert_true (lab_timeline_model_lane_fits (model, 0, MS (5000), MS (5100), 200, 32, &rows));
  g_assert_cmpuint (rows, ==, 1);

  /* Lane 1: 1,000 waits at once for 1 s, then one task alone. */
  for (guint i = 0; i < 1000; i++)
    lab_timeline_model_task_started (model, 20000 + i, 1, ORIGIN + i, NULL);
  lab_timeline_model_set_now (model, ORIGIN + MS (1000));
  /* Few enough bars in a short range, but stacked 1,000 high. */
  g_assert_false (lab_timeline_model_lane_fits (model, 1, MS (500), MS (501), 2000, 32, NULL));
  for (guint i = 0; i < 1000; i++)
    lab_timeline_model_task_finished (model, 20000 + i, 1, ORIGIN + i, ORIGIN + MS (1000) + i, 0,
                                      TRUE, NULL);
  lab_timeline_model_task_finished (model, 30000, 1, ORIGIN + MS (3000), ORIGIN + MS (3500), 0,
                                    TRUE, NULL);
  lab_timeline_model_set_now (model, 0);
  g_assert_false (lab_timeline_model_lane_fits (model, 1, MS (500), MS (501), 2000, 32, NULL));
  /* The quiet stretch after them: one bar. */
  g_assert_true (lab_timeline_model_lane_fits (model, 1, MS (2000), MS (4000), 200, 32, &rows));
  g_assert_cmpuint (rows, ==, 1);
}

/* The finished bars of a lane, in the order they finished: what the
 * widget's caches append from.  A requeued bar leaves it and says so. */
static void
test_finished_log (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  const LabTimelineLane *lane;
  guint generation;

  for (guint i = 0; i < 5; i++)
    lab_timeline_model_task_started (model, i, 0, ORIGIN + MS (i), NULL);
  for (guint i = 5; i > 0; i--)
    lab_timeline_model_task_finished (model, i - 1, 0, ORIGIN + MS (i - 1), ORIGIN + MS (10 + i),
                                      0, TRUE, NULL);
  lane = lab_timeline_model_get_lane (model, 0);
  g_assert_cmpuint (lane->finished->len, ==, 5);
  g_assert_cmpuint (((LabTimelineBar *) g_ptr_array_index (lane->finished, 0))->task, ==, 4);
  g_assert_cmpuint (lane->n_running, ==, 0);

  generation = lane->generation;
  lab_timeline_model_task_started (model, 2, 1, ORIGIN + MS (30), NULL);
  g_assert_cmpuint (lane->finished->len, ==, 4);
  g_assert_cmpuint (lane->generation, !=, generation);
}

/* What the window does with a run's events, without the window. */
static void
feed_events (LabTimelineModel *model,
             LabEventBuffer   *events)
{
  g_autoptr(GArray) batch = lab_event_buffer_drain (events);

  for (guint i = 0; i < batch->len; i++)
    {
      const LabEvent *event = &g_array_index (batch, LabEvent, i);

      switch (event->kind)
        {
        case LAB_EVENT_RUN_STARTED:
          lab_timeline_model_reset (model, event->time_us);
          break;
        case LAB_EVENT_TASK_STARTED:
          lab_timeline_model_task_started (model, event->task, event->lane, event->start_us,
                                           NULL);
          break;
        case LAB_EVENT_TASK_SPAN:
          lab_timeline_model_add_task_span (model, event->task, event->state, event->wait,
                                            event->start_us, event->time_us);
          break;
        case LAB_EVENT_CORES_BUSY:
          lab_timeline_model_add_cores_sample (model, event->time_us, event->cores);
          break;
        case LAB_EVENT_TASK_FINISHED:
          if (event->lane >= 0 && event->has_times)
            lab_timeline_model_set_task_times (model, event->task, event->cpu_us,
                                               event->run_queue_us);
          if (event->lane >= 0)
            lab_timeline_model_task_finished (model, event->task, event->lane, event->start_us,
                                              event->time_us, event->bytes, event->ok, NULL);
          break;
        case LAB_EVENT_ITEM_PUT:
        case LAB_EVENT_ITEM_TAKEN:
          lab_timeline_model_add_item_mark (model, event->task,
                                            event->kind == LAB_EVENT_ITEM_TAKEN, event->time_us);
          break;
        default:
          break;
        }
    }
}

/* A real ping-pong run, in threads, processes and on the event loop: the
 * consumer's lane has one take per item taken, in the order the workload
 * says they arrived, each after its put, and each producer's lane has its
 * puts. */
static void
test_pingpong_marks (void)
{
  static const LabMode modes[] = { LAB_MODE_THREADS, LAB_MODE_PROCESSES, LAB_MODE_ASYNC };
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabRunner) runner = lab_runner_new ();

  lab_runner_set_events (runner, events);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("pingpong");
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabTimelineModel) model = lab_timeline_model_new ();
      g_autoptr(LabRun) run = NULL;
      g_autoptr(GVariant) order_variant = NULL;
      g_autofree const char **order = NULL;
      g_autoptr(GError) error = NULL;
      const LabTimelineLane *consumer = NULL;
      guint n_puts = 0;

      plan->workers = 2;
      plan->pause_ms = 5;
      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);
      run = lab_test_run (runner, workload, modes[m], NULL);
      g_assert_true (run->verified);
      order_variant = g_variant_lookup_value (run->result_fields, "order",
                                              G_VARIANT_TYPE_STRING_ARRAY);
      order = g_variant_get_strv (order_variant, NULL);
      g_assert_cmpuint (g_strv_length ((char **) order), ==, 10);

      feed_events (model, events);
      for (guint lane = 0; lane < lab_timeline_model_get_n_lanes (model); lane++)
        {
          const LabTimelineLane *l = lab_timeline_model_get_lane (model, lane);

          if (l->consumer)
            consumer = l;
          else
            n_puts += l->marks->len;
        }
      g_assert_nonnull (consumer);
      g_assert_cmpuint (n_puts, >=, 10);
      g_assert_cmpuint (consumer->marks->len, ==, 10);

      for (guint i = 0; i < consumer->marks->len; i++)
        {
          const LabTimelineMark *mark = &g_array_index (consumer->marks, LabTimelineMark, i);
          const LabTimelineBar *producer = lab_timeline_model_get_bar (model, mark->task);

          g_assert_true (mark->taken);
          g_assert_cmpstr (order[i], ==, mark->task % 2 == 0 ? "Ping" : "Pong");
          g_assert_cmpint (mark->put_us, <=, mark->time_us);
          g_assert_nonnull (producer);
          g_assert_cmpint (mark->put_us, >=, producer->start_us);
          if (i > 0)
            g_assert_cmpint (mark[-1].time_us, <=, mark->time_us);
        }
    }
}

/* What the model says a bar's time went to, by state. */
static void
bar_time_by_state (const LabTimelineBar *bar,
                   gint64                by_state[LAB_N_STATES])
{
  const LabTimelineSegment *segments;
  guint n;

  memset (by_state, 0, sizeof (gint64) * LAB_N_STATES);
  segments = lab_timeline_bar_get_segments (bar, &n);
  for (guint i = 0; i < n; i++)
    if (segments[i].state != LAB_TIMELINE_GAP)
      by_state[segments[i].state] += segments[i].end_us - segments[i].start_us;
  for (guint i = 0; n > 0 && i < LAB_TIMELINE_N_GAP_STATES; i++)
    by_state[lab_timeline_gap_states[i]] += bar->states->gap_shares[i];
}

/* A task of 100 ms that waited for the GIL from 10 to 30 ms (and, as
 * reported twice, overlapping, until 35 ms) and for a timer from 50 to
 * 60 ms, with 40 ms on a CPU and 10 ms waiting for a core: the waits are
 * pieces at their times, the gaps between them one kind of piece, and the
 * gaps' 65 ms are 40 computing, 10 waiting for a core and 15 other — the
 * remainder nobody measured, never given to a measured state. */
static void
test_states_segments (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  const LabTimelineSegment *segments;
  const LabTimelineBar *bar;
  gint64 by_state[LAB_N_STATES];
  static const struct { gint64 start, end; guint state; } expected[] = {
    { 0, 10, LAB_TIMELINE_GAP },
    { 10, 35, LAB_STATE_GIL },
    { 35, 50, LAB_TIMELINE_GAP },
    { 50, 60, LAB_STATE_IO },
    { 60, 100, LAB_TIMELINE_GAP },
  };
  guint n;

  lab_timeline_model_task_started (model, 0, 0, ORIGIN, NULL);
  lab_timeline_model_add_task_span (model, 0, LAB_STATE_IO, LAB_WAIT_TIMER, ORIGIN + MS (50),
                                    ORIGIN + MS (60));
  lab_timeline_model_add_task_span (model, 0, LAB_STATE_GIL, LAB_WAIT_NONE, ORIGIN + MS (10),
                                    ORIGIN + MS (30));
  lab_timeline_model_add_task_span (model, 0, LAB_STATE_GIL, LAB_WAIT_NONE, ORIGIN + MS (20),
                                    ORIGIN + MS (35));
  lab_timeline_model_set_task_times (model, 0, MS (40), MS (10));

  /* Nothing is drawn in pieces while the task runs. */
  bar = lab_timeline_model_get_bar (model, 0);
  g_assert_null (lab_timeline_bar_get_segments (bar, &n));
  g_assert_cmpuint (lab_timeline_model_get_states_present (model), ==, 0);

  lab_timeline_model_task_finished (model, 0, 0, ORIGIN, ORIGIN + MS (100), 0, TRUE, NULL);
  segments = lab_timeline_bar_get_segments (bar, &n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (segments[i].start_us, ==, MS (expected[i].start));
      g_assert_cmpint (segments[i].end_us, ==, MS (expected[i].end));
      g_assert_cmpuint (segments[i].state, ==, expected[i].state);
    }
  g_assert_cmpuint (segments[3].wait, ==, LAB_WAIT_TIMER);

  bar_time_by_state (bar, by_state);
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE], ==, MS (40));
  g_assert_cmpint (by_state[LAB_STATE_RUNQUEUE], ==, MS (10));
  g_assert_cmpint (by_state[LAB_STATE_GIL], ==, MS (25));
  g_assert_cmpint (by_state[LAB_STATE_IO], ==, MS (10));
  g_assert_cmpint (by_state[LAB_STATE_OTHER], ==, MS (15));
  g_assert_cmpint (by_state[LAB_STATE_LOCK], ==, 0);
  g_assert_cmpuint (lab_timeline_bar_get_main_state (bar), ==, LAB_STATE_COMPUTE);

  /* The kernel's counts never hold more than the gaps: what is left over
   * stays unexplained, and a task not measured at all is all "other". */
  lab_timeline_model_task_started (model, 1, 1, ORIGIN, NULL);
  lab_timeline_model_add_task_span (model, 1, LAB_STATE_LOCK, LAB_WAIT_NONE, ORIGIN + MS (0),
                                    ORIGIN + MS (80));
  lab_timeline_model_set_task_times (model, 1, MS (50), MS (50));
  lab_timeline_model_task_finished (model, 1, 1, ORIGIN, ORIGIN + MS (100), 0, TRUE, NULL);
  bar_time_by_state (lab_timeline_model_get_bar (model, 1), by_state);
  g_assert_cmpint (by_state[LAB_STATE_LOCK], ==, MS (80));
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE], ==, MS (20));
  g_assert_cmpint (by_state[LAB_STATE_RUNQUEUE], ==, 0);
  g_assert_cmpint (by_state[LAB_STATE_OTHER], ==, 0);

  lab_timeline_model_task_started (model, 2, 1, ORIGIN + MS (100), NULL);
  lab_timeline_model_set_task_times (model, 2, -1, -1);
  lab_timeline_model_task_finished (model, 2, 1, ORIGIN + MS (100), ORIGIN + MS (130), 0, TRUE,
                                    NULL);
  bar_time_by_state (lab_timeline_model_get_bar (model, 2), by_state);
  g_assert_cmpint (by_state[LAB_STATE_OTHER], ==, MS (30));
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE], ==, 0);

  /* The model's sum is every finished bar's. */
  lab_timeline_model_get_time_by_state (model, by_state);
  g_assert_cmpint (by_state[LAB_STATE_COMPUTE], ==, MS (60));
  g_assert_cmpint (by_state[LAB_STATE_OTHER], ==, MS (45));
  g_assert_cmpint (by_state[LAB_STATE_LOCK], ==, MS (80));

  /* A requeued task starts over: its lost attempt's waits are gone. */
  lab_timeline_model_task_started (model, 3, 2, ORIGIN, NULL);
  lab_timeline_model_add_task_span (model, 3, LAB_STATE_IO, LAB_WAIT_TIMER, ORIGIN,
                                    ORIGIN + MS (5));
  lab_timeline_model_task_started (model, 3, 1, ORIGIN + MS (200), NULL);
  lab_timeline_model_task_finished (model, 3, 1, ORIGIN + MS (200), ORIGIN + MS (210), 0, TRUE,
                                    NULL);
  bar_time_by_state (lab_timeline_model_get_bar (model, 3), by_state);
  g_assert_cmpint (by_state[LAB_STATE_IO], ==, 0);
}

/* The legend's states are exactly those some finished bar spent time in;
 * a span that comes after its bar finished still counts, and makes the
 * lane's drawings stale. */
static void
test_states_present (void)
{
  g_autoptr(LabTimelineModel) model = new_model ();
  guint generation;

  /* Measured and all on a CPU: computing only, no "other". */
  lab_timeline_model_task_started (model, 0, 0, ORIGIN, NULL);
  lab_timeline_model_set_task_times (model, 0, MS (10), 0);
  lab_timeline_model_task_finished (model, 0, 0, ORIGIN, ORIGIN + MS (10), 0, TRUE, NULL);
  g_assert_cmpuint (lab_timeline_model_get_states_present (model), ==, 1u << LAB_STATE_COMPUTE);

  /* Nothing said: other. */
  lab_timeline_model_task_finished (model, 1, 0, ORIGIN + MS (10), ORIGIN + MS (20), 0, TRUE, NULL);
  g_assert_cmpuint (lab_timeline_model_get_states_present (model), ==,
                    (1u << LAB_STATE_COMPUTE) | (1u << LAB_STATE_OTHER));

  generation = lab_timeline_model_get_lane (model, 0)->generation;
  g_assert_true (lab_timeline_model_add_task_span (model, 0, LAB_STATE_GIL, LAB_WAIT_NONE,
                                                   ORIGIN + MS (2), ORIGIN + MS (4)));
  g_assert_cmpuint (lab_timeline_model_get_lane (model, 0)->generation, !=, generation);
  g_assert_cmpuint (lab_timeline_model_get_states_present (model), ==,
                    (1u << LAB_STATE_COMPUTE) | (1u << LAB_STATE_OTHER) | (1u << LAB_STATE_GIL));

  lab_timeline_model_reset (model, ORIGIN);
  g_assert_cmpuint (lab_timeline_model_get_states_present (model), ==, 0);
}

/* A real run of four threads under the GIL, its events fed to the model
 * as the window gets them: threads hand the GIL over, so at least two
 * lanes show GIL waits; the model's time by state is the run's, to the
 * microsecond (start-up aside, which no bar shows); and the cores-busy
 * samples came along. */
static void
test_states_from_run (void)
{
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabTimelineModel) model = lab_timeline_model_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 by_run[LAB_N_STATES], by_model[LAB_N_STATES];
  guint lanes_with_gil = 0, n_samples;

  lab_runner_set_events (runner, events);
  plan->tasks = 8;
  plan->workers = 4;
  plan->n = 60000000;
  plan->gil = TRUE;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
  g_assert_true (run->verified);
  feed_events (model, events);

  for (guint lane = 0; lane < lab_timeline_model_get_n_lanes (model); lane++)
    {
      const LabTimelineLane *l = lab_timeline_model_get_lane (model, lane);
      gboolean gil = FALSE;

      for (guint i = 0; i < l->bars->len; i++)
        {
          gint64 by_state[LAB_N_STATES];

          bar_time_by_state (g_ptr_array_index (l->bars, i), by_state);
          gil |= by_state[LAB_STATE_GIL] > 0;
        }
      lanes_with_gil += gil;
    }
  g_assert_cmpuint (lanes_with_gil, >=, 2);

  lab_run_get_time_by_state (run, by_run);
  lab_timeline_model_get_time_by_state (model, by_model);
  for (guint state = 0; state < LAB_N_STATES; state++)
    if (state != LAB_STATE_STARTUP)
      g_assert_cmpint (by_model[state], ==, by_run[state]);
  g_assert_true (lab_timeline_model_get_states_present (model) & (1u << LAB_STATE_GIL));

  lab_timeline_model_get_cores_samples (model, &n_samples);
  g_test_message ("%u lanes with GIL waits, %u cores-busy samples over %.0f ms",
                  lanes_with_gil, n_samples, run->wall_us / 1e3);
  g_assert_cmpuint (n_samples, ==, run->cores_busy->len);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/timeline-model/lanes-and-bars", test_lanes_and_bars);
  g_test_add_func ("/lab/timeline-model/requeue-moves-bar", test_requeue_moves_bar);
  g_test_add_func ("/lab/timeline-model/async-stacking", test_async_stacking);
  g_test_add_func ("/lab/timeline-model/axis-fits-short-run", test_axis_fits_short_run);
  g_test_add_func ("/lab/timeline-model/zoom-pan-fit", test_zoom_pan_fit);
  g_test_add_func ("/lab/timeline-model/dense-lane", test_dense_lane);
  g_test_add_func ("/lab/timeline-model/finished-log", test_finished_log);
  g_test_add_func ("/lab/timeline-model/pingpong-marks", test_pingpong_marks);
  g_test_add_func ("/lab/timeline-model/states-segments", test_states_segments);
  g_test_add_func ("/lab/timeline-model/states-present", test_states_present);
  g_test_add_func ("/lab/timeline-model/states-from-run", test_states_from_run);

  return g_test_run ();
}
