/* lab-timeline-model-view.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The part of the timeline's model that is about looking: the visible time
 * range (fitted to the run and following it, or zoomed and panned to a
 * range that stays put while the run grows), and whether a lane's tasks in
 * that range are few enough to be drawn as bars.  No display needed, so
 * the tests check zoom, pan and fit on plain numbers. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include "lab-timeline-model-private.h"

#define MIN_VIEW_US 10    /* the deepest zoom: ticks of 1 or 2 µs */

/**
 * lab_timeline_model_lane_fits:
 * @from_us: (in): the visible range
 * @max_bars: how many bars the lane can draw legibly in the range
 * @max_rows: how many stacked sub-rows it can draw legibly
 * @n_rows_shown: (out) (optional): the sub-rows the visible bars use
 *
 * Whether @lane's tasks between @from_us and @to_us can be drawn as bars,
 * or are too many (or stacked too high) and need the "tasks in flight"
 * chart.  Looks at no more than @max_bars + 1 bars beyond the search.
 */
gboolean
lab_timeline_model_lane_fits (LabTimelineModel *self,
                              guint             lane,
                              gint64            from_us,
                              gint64            to_us,
                              guint             max_bars,
                              guint             max_rows,
                              guint            *n_rows_shown)
{
  const LabTimelineLane *l;
  guint first, end, n = 0, rows = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (lane < lab_timeline_model_n_shown_lanes (self), FALSE);

  l = lab_timeline_model_shown_lane (self, lane);
  if (n_rows_shown != NULL)
    *n_rows_shown = 0;

  /* Running bars are in view from their start until now. */
  if (l->n_running > max_bars)
    return FALSE;
  for (guint i = 0; i < self->running->len && l->n_running > 0; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (self->running, i);

      if (bar->lane != lane || bar->start_us > to_us
          || lab_timeline_model_get_bar_end (self, bar) < from_us)
        continue;
      rows = MAX (rows, bar->row + 1);
      if (++n > max_bars || rows > max_rows)
        return FALSE;
    }

  lab_timeline_lane_get_bars_between (l, from_us, to_us, &first, &end);
  for (guint i = first; i < end; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (l->bars, i);

      if (bar->running || bar->end_us < from_us)
        continue;
      rows = MAX (rows, bar->row + 1);
      if (++n > max_bars || rows > max_rows)
        return FALSE;
    }

  if (n_rows_shown != NULL)
    *n_rows_shown = rows;
  return TRUE;
}

/* The view ---------------------------------------------------------------- */

/**
 * lab_timeline_model_get_visible:
 * @from_us: (out): the time at the left end of the plot
 * @to_us: (out): the time at the right end
 *
 * The whole run while the view is fitted (growing with a live run), else
 * the range it was zoomed and panned to, which stays put as the run grows.
 */
void
lab_timeline_model_get_visible (LabTimelineModel *self,
                                gint64           *from_us,
                                gint64           *to_us)
{
  g_return_if_fail (self != NULL);

  if (self->fitted)
    {
      *from_us = 0;
      *to_us = lab_timeline_model_get_span (self);
    }
  else
    {
      *from_us = self->view_from;
      *to_us = self->view_to;
    }
}

gboolean
lab_timeline_model_is_fitted (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->fitted;
}

/* Back to the whole run, following it if it is live.  Returns whether the
 * view changed. */
gboolean
lab_timeline_model_fit (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->fitted)
    return FALSE;
  self->fitted = TRUE;
  return TRUE;
}

/* Sets a fixed view of [@from, @from + @width), kept inside the run: no
 * panning off into times before 0 or after the run's (fitted) end. */
static gboolean
lab_timeline_model_set_view (LabTimelineModel *self,
                             gint64            from,
                             gint64            width)
{
  gint64 span = lab_timeline_model_get_span (self);

  /* Zoomed out to the whole run or further: the run is what one sees. */
  if (width >= span)
    return lab_timeline_model_fit (self);

  width = MAX (width, MIN_VIEW_US);
  from = CLAMP (from, 0, span - width);
  if (!self->fitted && self->view_from == from && self->view_to == from + width)
    return FALSE;

  self->fitted = FALSE;
  self->view_from = from;
  self->view_to = from + width;
  return TRUE;
}

/**
 * lab_timeline_model_zoom:
 * @factor: above 1 zooms in, below 1 out
 * @at_us: the time that stays where it is, e.g. the one under the pointer
 *
 * Returns: whether the view changed
 */
gboolean
lab_timeline_model_zoom (LabTimelineModel *self,
                         double            factor,
                         gint64            at_us)
{
  gint64 from, to, width;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (factor > 0, FALSE);

  lab_timeline_model_get_visible (self, &from, &to);
  at_us = CLAMP (at_us, from, to);
  width = (gint64) ((double) (to - from) / factor + 0.5);
  width = MAX (width, MIN_VIEW_US);
  /* @at_us keeps its fraction of the width. */
  from = at_us - (gint64) ((double) (at_us - from) * width / (to - from) + 0.5);
  return lab_timeline_model_set_view (self, from, width);
}

/**
 * lab_timeline_model_pan:
 * @delta_us: how far to move the view; positive moves it later
 *
 * Returns: whether the view changed (a fitted view shows everything
 * already, and does not pan)
 */
gboolean
lab_timeline_model_pan (LabTimelineModel *self,
                        gint64            delta_us)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->fitted)
    return FALSE;
  return lab_timeline_model_set_view (self, self->view_from + delta_us,
                                      self->view_to - self->view_from);
}
