/* lab-timeline-area.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The "tasks in flight" chart: what a lane shows instead of bars when it
 * has more tasks in view, or more stacked at once, than bars can show
 * legibly (1,000 waits in flight on the event loop, 100,000 tiny tasks).
 * Each pixel column shows how many tasks were in flight there on average,
 * finished ones (and failed ones) below, running ones on top, with the
 * count the top of the lane stands for written beside it.
 *
 * The columns before the earliest task still running can no longer
 * change: they are drawn once into cached nodes, so that a frame of a
 * live run redraws only the columns where tasks are still in flight. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "lab-timeline-private.h"

#define SETTLE_COLUMNS 16   /* settled columns are cached once there are this many new ones */
#define ONE            (G_GINT64_CONSTANT (1) << 20)   /* a whole column, in fixed point */

enum { DONE, DONE_DIFF, FAILED, FAILED_DIFF, N_AREA_ARRAYS };

/* Adds [@start_us, @end_us) to the columns it covers: the columns it
 * covers partly get their fraction directly, the whole ones +1 through
 * the difference array, so that even a task across the whole plot costs
 * O(1). */
static void
lab_timeline_area_add (gint64                *direct,
                       gint64                *diff,
                       int                    n_cols,
                       const LabTimelineView *view,
                       gint64                 start_us,
                       gint64                 end_us)
{
  double us_per_col = (double) (view->to_us - view->from_us) / n_cols;
  double fs, fe;
  int c0, c1;

  if (end_us <= view->from_us || start_us >= view->to_us)
    return;

  fs = (double) (MAX (start_us, view->from_us) - view->from_us) / us_per_col;
  fe = (double) (MIN (end_us, view->to_us) - view->from_us) / us_per_col;
  c0 = CLAMP ((int) fs, 0, n_cols - 1);
  c1 = CLAMP ((int) fe, 0, n_cols - 1);

  if (c0 == c1)
    direct[c0] += (gint64) ((fe - fs) * ONE + 0.5);
  else
    {
      direct[c0] += (gint64) ((c0 + 1 - fs) * ONE + 0.5);
      direct[c1] += (gint64) ((fe - c1) * ONE + 0.5);
      diff[c0 + 1] += ONE;
      diff[c1] -= ONE;
    }
}

static void
lab_timeline_area_add_bar (LabTimelineArea       *area,
                           const LabTimelineView *view,
                           const LabTimelineBar  *bar)
{
  gint64 *done = area->done;
  int n = area->n_cols;

  if (bar->ok)
    lab_timeline_area_add (done + DONE * n, done + DONE_DIFF * n, n, view, bar->start_us,
                           bar->end_us);
  else
    lab_timeline_area_add (done + FAILED * n, done + FAILED_DIFF * n, n, view, bar->start_us,
                           bar->end_us);
}

/**
 * lab_timeline_update_lane_area:
 *
 * Brings the finished part of @lane's chart up to date: afresh from the
 * bars in view, or by adding the bars that finished since the last frame.
 */
void
lab_timeline_update_lane_area (LabTimeline           *self,
                               const LabTimelineLane *lane,
                               LabTimelineLaneBox    *box,
                               const LabTimelineView *view)
{
  LabTimelineArea *area = &box->area;
  guint n_finished = lane->finished->len;

  if (!box->cache_valid || area->n_cols != view->plot_width)
    {
      guint first, end;

      lab_timeline_lane_box_drop (box);
      lab_timeline_lane_box_ensure_chunks (box);
      if (area->n_cols != view->plot_width)
        {
          g_free (area->done);
          area->n_cols = view->plot_width;
          area->done = g_new (gint64, N_AREA_ARRAYS * (gsize) area->n_cols);
        }
      memset (area->done, 0, N_AREA_ARRAYS * (gsize) area->n_cols * sizeof (gint64));

      lab_timeline_lane_get_bars_between (lane, view->from_us, view->to_us, &first, &end);
      for (guint i = first; i < end; i++)
        {
          const LabTimelineBar *bar = g_ptr_array_index (lane->bars, i);

          if (!bar->running)
            lab_timeline_area_add_bar (area, view, bar);
        }
      box->n_cached = n_finished;
      box->cache_valid = TRUE;
      self->n_node_builds++;
      return;
    }

  for (guint i = box->n_cached; i < n_finished; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (lane->finished, i);

      lab_timeline_area_add_bar (area, view, bar);
      /* A task reported late reaches into columns thought settled. */
      if (lab_timeline_view_x (view, bar->start_us) - view->plot_x < box->area_settled)
        {
          g_ptr_array_set_size (box->chunks, 0);
          box->area_settled = 0;
        }
    }
  box->n_cached = n_finished;
}

/* One layer of the stacked chart, columns @begin to @end: the band between
 * @lower and @upper, in whole pixels, as one polygon (a vertex where the
 * band's edge moves, so a flat stretch costs two whatever its width, and no
 * seam can show between neighbouring columns).  In lane coordinates, x
 * from the plot's left edge. */
static void
lab_timeline_area_fill (GtkSnapshot   *snapshot,
                        const double  *lower,
                        const double  *upper,
                        int            begin,
                        int            end,
                        int            top,
                        int            bottom,
                        double         px_per_task,
                        const GdkRGBA *color)
{
  cairo_t *cr;
  int last = G_MININT;
  gboolean empty = TRUE;

  for (int c = begin; c < end && empty; c++)
    empty = (int) (upper[c] * px_per_task + 0.5) == (int) (lower[c] * px_per_task + 0.5);
  if (empty)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (begin, top, end - begin,
                                                                  bottom - top));
  for (int c = begin; c < end; c++)
    {
      int y = bottom - (int) (upper[c] * px_per_task + 0.5);

      if (c == begin)
        cairo_move_to (cr, c, y);
      else if (y != last)
        {
          cairo_line_to (cr, c, last);
          cairo_line_to (cr, c, y);
        }
      last = y;
    }
  cairo_line_to (cr, end, last);
  for (int c = end - 1; c >= begin; c--)
    {
      int y = bottom - (int) (lower[c] * px_per_task + 0.5);

      if (c == end - 1)
        cairo_line_to (cr, end, y);
      else if (y != last)
        {
          cairo_line_to (cr, c + 1, last);
          cairo_line_to (cr, c + 1, y);
        }
      last = y;
    }
  cairo_line_to (cr, begin, last);
  cairo_close_path (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill (cr);
  cairo_destroy (cr);
}

/* Sums a difference array into @values, on top of @direct. */
static void
lab_timeline_area_resolve (const gint64 *direct,
                           const gint64 *diff,
                           double       *values,
                           int           n_cols)
{
  gint64 level = 0;

  for (int c = 0; c < n_cols; c++)
    {
      level += diff[c];
      values[c] = (double) MAX (direct[c] + level, 0) / ONE;
    }
}

/**
 * lab_timeline_append_lane_area:
 *
 * Draws @box's chart: the cached finished part plus the tasks still
 * running, whose count changes every frame.  The lane's top stands for the
 * highest count in view, rounded up to a whole task and written there.
 */
void
lab_timeline_append_lane_area (LabTimeline           *self,
                               GtkSnapshot           *snapshot,
                               guint                  lane,
                               LabTimelineLaneBox    *box,
                               const LabTimelineView *view)
{
  GPtrArray *running = lab_timeline_model_get_running (self->model);
  const LabTimelineArea *area = &box->area;
  int n = area->n_cols;
  double *scratch, *done, *failed, *all, *running_tasks, *zero;
  gint64 *run_direct, *run_diff;
  double peak = 0, top, px_per_task;
  gint64 settle_us;
  int bottom, settled;
  g_autofree char *text = NULL;
  GdkRGBA rule = self->fg_color;
  /* A count of tasks, not a state: Adwaita's yellow, a colour no state in
   * the legend has, so the chart is never read as "computing" or "waiting
   * for I/O"; the text on it stays readable in both styles. */
  GdkRGBA finished = { 0.961f, 0.761f, 0.067f, 1.0f };    /* yellow 4, #f5c211 */
  GdkRGBA in_flight = { 0.961f, 0.761f, 0.067f, 0.5f };
  guint count;

  if (n <= 0)
    return;
  lab_timeline_lane_box_ensure_chunks (box);

  g_array_set_size (self->scratch, 5 * (gsize) n);
  scratch = (double *) (gpointer) self->scratch->data;
  memset (scratch, 0, 5 * (gsize) n * sizeof (double));
  done = scratch;
  failed = scratch + n;
  all = scratch + 2 * n;
  running_tasks = scratch + 3 * n;
  zero = scratch + 4 * n;
  g_array_set_size (self->scratch_fixed, 2 * (gsize) n);
  run_direct = (gint64 *) (gpointer) self->scratch_fixed->data;
  run_diff = run_direct + n;
  memset (run_direct, 0, 2 * (gsize) n * sizeof (gint64));

  for (guint i = 0; i < running->len; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (running, i);

      if (bar->lane == lane)
        lab_timeline_area_add (run_direct, run_diff, n, view, bar->start_us,
                               lab_timeline_model_get_bar_end (self->model, bar));
    }

  lab_timeline_area_resolve (area->done + DONE * n, area->done + DONE_DIFF * n, done, n);
  lab_timeline_area_resolve (area->done + FAILED * n, area->done + FAILED_DIFF * n, failed, n);
  lab_timeline_area_resolve (run_direct, run_diff, running_tasks, n);
  for (int c = 0; c < n; c++)
    {
      failed[c] += done[c];
      all[c] = failed[c] + running_tasks[c];
      peak = MAX (peak, all[c]);
    }

  /* A whole number of tasks at the top, so the label is a count. */
  top = MAX (1.0, ceil (peak - 1e-6));
  count = (guint) top;
  bottom = box->rows_top + box->content_height;
  px_per_task = box->content_height / top;
  if (top != box->area_top)
    {
      g_ptr_array_set_size (box->chunks, 0);
      box->area_settled = 0;
      box->area_top = top;
    }

  /* Columns before now and before every running task are final: cache
   * them (less one column, which a running task may share). */
  settle_us = lab_timeline_model_get_now (self->model);
  for (guint i = 0; i < running->len; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (running, i);

      if (bar->lane == lane)
        settle_us = MIN (settle_us, bar->start_us);
    }
  settled = settle_us >= view->to_us ? n
                                     : MAX (0, lab_timeline_view_x (view, settle_us)
                                               - view->plot_x - 1);
  settled = MIN (settled, n);

  if (settled - box->area_settled >= SETTLE_COLUMNS
      || (settled == n && box->area_settled < n))
    {
      GtkSnapshot *chunk = gtk_snapshot_new ();

      lab_timeline_area_fill (chunk, zero, done, box->area_settled, settled,
                              box->rows_top, bottom, px_per_task, &finished);
      lab_timeline_area_fill (chunk, done, failed, box->area_settled, settled,
                              box->rows_top, bottom, px_per_task, &self->failed_color);
      g_ptr_array_add (box->chunks, gtk_snapshot_free_to_node (chunk));
      self->n_area_columns += settled - box->area_settled;
      box->area_settled = settled;
      self->n_node_builds++;
    }

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (view->plot_x, box->y));
  for (guint c = 0; c < box->chunks->len; c++)
    {
      GskRenderNode *node = g_ptr_array_index (box->chunks, c);

      if (node != NULL)
        gtk_snapshot_append_node (snapshot, node);
    }
  lab_timeline_area_fill (snapshot, zero, done, box->area_settled, n, box->rows_top,
                          bottom, px_per_task, &finished);
  lab_timeline_area_fill (snapshot, done, failed, box->area_settled, n, box->rows_top,
                          bottom, px_per_task, &self->failed_color);
  lab_timeline_area_fill (snapshot, failed, all, box->area_settled, n, box->rows_top,
                          bottom, px_per_task, &in_flight);
  gtk_snapshot_restore (snapshot);

  rule.alpha *= 0.25f;

  /* The count axis: a rule at the top of the lane, and what it stands for. */
  gtk_snapshot_append_color (snapshot, &rule,
                             &GRAPHENE_RECT_INIT (view->plot_x, box->y + box->rows_top,
                                                  n, 1));
  text = g_strdup_printf (ngettext ("%u task in flight", "%u tasks in flight", count), count);
  pango_layout_set_attributes (self->layout, self->axis_attrs);
  pango_layout_set_text (self->layout, text, -1);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (view->plot_x + 4,
                                                          box->y + box->rows_top + 1));
  gtk_snapshot_append_layout (snapshot, self->layout, &self->fg_color);
  gtk_snapshot_restore (snapshot);
  pango_layout_set_attributes (self->layout, NULL);
}
