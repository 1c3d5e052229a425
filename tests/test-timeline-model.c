/* test-timeline-model.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The timeline's model without a display: lanes, sub-rows and bars as
 * events arrive, out of order, requeued or replayed. */

#include "config.h"

#include <glib.h>

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/timeline-model/lanes-and-bars", test_lanes_and_bars);
  g_test_add_func ("/lab/timeline-model/requeue-moves-bar", test_requeue_moves_bar);
  g_test_add_func ("/lab/timeline-model/async-stacking", test_async_stacking);

  return g_test_run ();
}
