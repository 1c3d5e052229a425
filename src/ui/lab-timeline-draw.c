/* lab-timeline-draw.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* How the timeline paints: bars (finished ones cached as render nodes,
 * appended chunk by chunk as tasks finish, so a new bar never redraws the
 * lane), the "tasks in flight" chart of a lane too dense for bars, and the
 * frame (axis, grid, lane labels).  Every function here draws what the
 * model and lab-timeline.c's layout already decided. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "lab-timeline-private.h"

#define WIDE_BAR        3     /* narrower bars are merged with their neighbours */
#define CORNER_RADIUS   3
#define MIN_TICK_GAP    24    /* between two axis labels */
#define MAX_CHUNKS      24    /* a lane's cache is merged back below this many nodes */

/* Neighbouring narrow bars of one sub-row, merged into one rectangle. */
typedef struct
{
  const GdkRGBA *color;     /* NULL: nothing pending */
  int            x0;
  int            x1;
  int            y;
  int            height;
} LabTimelineStrip;

/* Geometry ------------------------------------------------------------------ */

/* Whole pixels keep bars crisp and make "adjacent" a simple comparison.
 * Times outside the view land just outside the plot, which is clipped. */
int
lab_timeline_view_x (const LabTimelineView *view,
                     gint64                 time_us)
{
  double x = (double) (time_us - view->from_us) * view->plot_width
             / (double) (view->to_us - view->from_us);

  x = CLAMP (x, -2.0, view->plot_width + 2.0);
  return view->plot_x + (int) floor (x + 0.5);
}

gint64
lab_timeline_view_time (const LabTimelineView *view,
                        double                 x)
{
  return view->from_us + (gint64) ((x - view->plot_x) * (double) (view->to_us - view->from_us)
                                   / view->plot_width);
}

/* The sub-rows in view share the lane's height, at most a row's each. */
double
lab_timeline_box_row_height (const LabTimelineLaneBox *box)
{
  guint n_rows = MAX (box->n_rows_shown, 1);

  return MIN ((double) box->row_height, (double) box->content_height / n_rows);
}

/* The pixels of sub-row @row, from the lane's top edge. */
static void
lab_timeline_row_extent (const LabTimelineLaneBox *box,
                         guint                     row,
                         int                      *y,
                         int                      *height)
{
  double row_height = lab_timeline_box_row_height (box);
  int top = box->rows_top + (int) (row * row_height + 0.5);
  int bottom = box->rows_top + (int) ((row + 1) * row_height + 0.5);
  int gap = row_height >= 6 ? 2 : row_height >= 3 ? 1 : 0;

  *y = top + gap / 2;
  *height = MAX (1, bottom - top - gap);
}

/* The rectangle a bar is drawn in, with y from the lane's top edge.  Shared
 * by drawing and hit testing, so that the tooltip matches the picture. */
void
lab_timeline_bar_rect (LabTimeline              *self,
                       const LabTimelineView    *view,
                       const LabTimelineLaneBox *box,
                       const LabTimelineBar     *bar,
                       GdkRectangle             *rect)
{
  gint64 end = lab_timeline_model_get_bar_end (self->model, bar);
  int x0 = lab_timeline_view_x (view, bar->start_us);
  int x1 = lab_timeline_view_x (view, end);

  lab_timeline_row_extent (box, bar->row, &rect->y, &rect->height);
  rect->x = x0;
  /* A running bar shows at once, however short it still is. */
  rect->width = MAX (x1 - x0, bar->running ? 2 : 1);
}

/* Bars ---------------------------------------------------------------------- */

void
lab_timeline_append_bar (GtkSnapshot   *snapshot,
                         int            x,
                         int            y,
                         int            width,
                         int            height,
                         const GdkRGBA *color)
{
  graphene_rect_t rect = GRAPHENE_RECT_INIT (x, y, width, height);

  /* Rounded corners only where they can be seen; the clip costs more than
   * the colour. */
  if (width >= 2 * CORNER_RADIUS + 2 && height >= 2 * CORNER_RADIUS + 2)
    {
      GskRoundedRect rounded;

      gsk_rounded_rect_init_from_rect (&rounded, &rect, CORNER_RADIUS);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, color, &rect);
      gtk_snapshot_pop (snapshot);
    }
  else
    gtk_snapshot_append_color (snapshot, color, &rect);
}

/* A bar in its pieces, with the same rounded corners as a plain one. */
static void
lab_timeline_append_bar_pieces (LabTimeline           *self,
                                GtkSnapshot           *snapshot,
                                const LabTimelineView *view,
                                const LabTimelineBar  *bar,
                                const GdkRectangle    *rect)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (rect->x, rect->y, rect->width - 1, rect->height);
  gboolean rounded = rect->width - 1 >= 2 * CORNER_RADIUS + 2
                     && rect->height >= 2 * CORNER_RADIUS + 2;

  if (rounded)
    {
      GskRoundedRect clip;

      gsk_rounded_rect_init_from_rect (&clip, &bounds, CORNER_RADIUS);
      gtk_snapshot_push_rounded_clip (snapshot, &clip);
    }
  lab_timeline_append_bar_states (self, snapshot, view, bar, rect->x, rect->y, rect->width - 1,
                                  rect->height);
  if (rounded)
    gtk_snapshot_pop (snapshot);
}

static void
lab_timeline_flush_strip (GtkSnapshot      *snapshot,
                          LabTimelineStrip *strip)
{
  if (strip->color != NULL)
    {
      graphene_rect_t rect = GRAPHENE_RECT_INIT (strip->x0, strip->y,
                                                 strip->x1 - strip->x0, strip->height);

      gtk_snapshot_append_color (snapshot, strip->color, &rect);
      strip->color = NULL;
    }
}

static inline gboolean
lab_timeline_bar_in_view (const LabTimelineBar  *bar,
                          const LabTimelineView *view)
{
  return !bar->running && bar->end_us >= view->from_us && bar->start_us <= view->to_us;
}

/* The finished bars among @bars[@begin, @end) that are in view.  Narrow
 * bars that touch in a sub-row are merged into one rectangle: 10,000 tasks
 * cost at most a few rectangles per pixel column, not 10,000.  The bars
 * of one sub-row never overlap, so they come in start order whether @bars
 * is sorted by start or by finish. */
static GskRenderNode *
lab_timeline_build_bars_node (LabTimeline              *self,
                              const LabTimelineView    *view,
                              const LabTimelineLaneBox *box,
                              GPtrArray                *bars,
                              guint                     begin,
                              guint                     end)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  guint n_strips = MAX (box->n_rows_shown, 1);
  LabTimelineStrip *strips;

  if (self->strips == NULL)
    self->strips = g_array_new (FALSE, TRUE, sizeof (LabTimelineStrip));
  g_array_set_size (self->strips, n_strips);
  strips = (LabTimelineStrip *) (gpointer) self->strips->data;
  memset (strips, 0, n_strips * sizeof *strips);

  for (guint i = begin; i < end; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (bars, i);
      const GdkRGBA *color;
      LabTimelineStrip *strip;
      GdkRectangle rect;

      if (!lab_timeline_bar_in_view (bar, view))
        continue;

      self->n_bars_drawn++;
      lab_timeline_bar_rect (self, view, box, bar, &rect);
      /* A bar too narrow for its pieces gets the colour of its main state. */
      color = lab_timeline_bar_color (self, bar);

      if (rect.width >= WIDE_BAR)
        {
          /* A pixel of gap keeps back-to-back tasks apart.  A failed bar
           * stays red from end to end: the failure is the news. */
          if (!bar->ok)
            lab_timeline_append_bar (snapshot, rect.x, rect.y, rect.width - 1, rect.height, color);
          else
            lab_timeline_append_bar_pieces (self, snapshot, view, bar, &rect);
          continue;
        }

      /* The model said the bars in view use n_rows_shown sub-rows. */
      g_assert (bar->row < n_strips);
      strip = &strips[bar->row];
      if (strip->color == color && rect.x <= strip->x1 && rect.x + rect.width >= strip->x0)
        {
          strip->x0 = MIN (strip->x0, rect.x);
          strip->x1 = MAX (strip->x1, rect.x + rect.width);
          continue;
        }

      lab_timeline_flush_strip (snapshot, strip);
      strip->color = color;
      strip->x0 = rect.x;
      strip->x1 = rect.x + rect.width;
      strip->y = rect.y;
      strip->height = rect.height;
    }

  for (guint i = 0; i < n_strips; i++)
    lab_timeline_flush_strip (snapshot, &strips[i]);

  return gtk_snapshot_free_to_node (snapshot);
}

/* An empty chunk is a NULL node. */
static void
lab_timeline_node_unref (gpointer data)
{
  if (data != NULL)
    gsk_render_node_unref (data);
}

static guint
lab_timeline_chunk_end (const LabTimelineLaneBox *box,
                        int                       chunk)
{
  return chunk < 0 ? 0 : g_array_index (box->chunk_ends, guint, chunk);
}

void
lab_timeline_lane_box_ensure_chunks (LabTimelineLaneBox *box)
{
  if (box->chunks == NULL)
    {
      box->chunks = g_ptr_array_new_with_free_func (lab_timeline_node_unref);
      box->chunk_ends = g_array_new (FALSE, FALSE, sizeof (guint));
    }
}

/* Forgets what is cached for a lane; the next frame draws it afresh. */
void
lab_timeline_lane_box_drop (LabTimelineLaneBox *box)
{
  box->cache_valid = FALSE;
  box->n_cached = 0;
  box->area_settled = 0;
  if (box->chunks != NULL)
    g_ptr_array_set_size (box->chunks, 0);
  if (box->chunk_ends != NULL)
    g_array_set_size (box->chunk_ends, 0);
}

/**
 * lab_timeline_update_lane_bars:
 *
 * Brings the cached bars of @lane up to date.  A fresh cache draws the bars
 * in view, found by a search on start times.  Afterwards, the bars that
 * finished since the last frame become one more small node, and small
 * nodes are merged as they pile up (the last two, once the last is as big
 * as the one before), as a binary counter carries: each bar is redrawn
 * O(log n) times over a run, and a frame appends O(log n) nodes.
 */
void
lab_timeline_update_lane_bars (LabTimeline           *self,
                               const LabTimelineLane *lane,
                               LabTimelineLaneBox    *box,
                               const LabTimelineView *view)
{
  guint n_finished = lane->finished->len;
  guint k;

  lab_timeline_lane_box_ensure_chunks (box);

  if (!box->cache_valid)
    {
      guint first, end;

      lab_timeline_lane_box_drop (box);
      lab_timeline_lane_get_bars_between (lane, view->from_us, view->to_us, &first, &end);
      g_ptr_array_add (box->chunks,
                       lab_timeline_build_bars_node (self, view, box, lane->bars, first, end));
      g_array_append_val (box->chunk_ends, n_finished);
      box->n_cached = n_finished;
      box->cache_valid = TRUE;
      self->n_node_builds++;
      return;
    }

  if (box->n_cached == n_finished)
    return;

  g_ptr_array_add (box->chunks, lab_timeline_build_bars_node (self, view, box, lane->finished,
                                                              box->n_cached, n_finished));
  g_array_append_val (box->chunk_ends, n_finished);
  box->n_cached = n_finished;
  self->n_node_builds++;

  while ((k = box->chunks->len) >= 2)
    {
      guint begin = lab_timeline_chunk_end (box, (int) k - 3);
      guint middle = lab_timeline_chunk_end (box, (int) k - 2);
      guint end = lab_timeline_chunk_end (box, (int) k - 1);

      if (end - middle < middle - begin && k <= MAX_CHUNKS)
        break;

      g_ptr_array_set_size (box->chunks, k - 1);
      g_array_set_size (box->chunk_ends, k - 1);
      g_clear_pointer (&g_ptr_array_index (box->chunks, k - 2), gsk_render_node_unref);
      g_ptr_array_index (box->chunks, k - 2) =
        lab_timeline_build_bars_node (self, view, box, lane->finished, begin, end);
      g_array_index (box->chunk_ends, guint, k - 2) = end;
      self->n_node_builds++;
    }
}

/* The frame ---------------------------------------------------------------- */

/* The smallest 1-2-5 step whose labels do not crowd each other. */
static gint64
lab_timeline_choose_step (LabTimeline           *self,
                          const LabTimelineView *view)
{
  gint64 range = view->to_us - view->from_us;
  gint64 step = lab_timeline_nice_step (MAX (range / MAX (view->plot_width, 1), 1));

  pango_layout_set_attributes (self->layout, self->axis_attrs);

  for (;;)
    {
      g_autofree char *widest = NULL;
      LabTimelineUnit unit = lab_timeline_unit_for_step (step, view->to_us);
      double step_px = (double) step * view->plot_width / range;
      int width;

      /* The last value, with every decimal a label of this step needs. */
      widest = lab_timeline_format_time (view->to_us / step * step, unit,
                                         lab_timeline_step_decimals (step, unit));
      pango_layout_set_text (self->layout, widest, -1);
      pango_layout_get_pixel_size (self->layout, &width, NULL);

      if (step_px >= width + MIN_TICK_GAP || step >= range)
        return step;

      step = lab_timeline_nice_step (step + 1);
    }
}

int
lab_timeline_axis_height (LabTimeline *self)
{
  return self->axis_line_height + TICK_LENGTH + 6;
}

/* Everything that changes only with the view, the size, the lanes or the
 * theme: lane stripes and labels, the axis, the grid. */
GskRenderNode *
lab_timeline_build_frame_node (LabTimeline           *self,
                               const LabTimelineView *view)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  /* From the top: the legend, the axis, the cores-busy strip, the lanes. */
  int top = self->legend_height;
  int axis_height = lab_timeline_axis_height (self);
  int lanes_bottom = top + axis_height + self->strip_height;
  GdkRGBA stripe = self->fg_color;
  GdkRGBA rule = self->fg_color;
  GdkRGBA grid = self->fg_color;
  GdkRGBA label = self->fg_color;
  GdkRGBA dim = self->fg_color;
  LabTimelineUnit unit;
  gint64 step;
  int decimals;

  stripe.alpha *= 0.04f;
  rule.alpha *= 0.12f;
  grid.alpha *= 0.07f;
  label.alpha *= 0.85f;
  dim.alpha *= lab_timeline_axis_label_alpha (self->full_contrast);

  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_set_width (self->layout, (self->label_width - 2 * LABEL_PADDING) * PANGO_SCALE);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);

  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLaneBox *box = &g_array_index (self->boxes, LabTimelineLaneBox, i);
      g_autofree char *text = NULL;
      int text_y;

      if (box->y >= view->height)
        break;

      if (i % 2 == 1)
        gtk_snapshot_append_color (snapshot, &stripe,
                                   &GRAPHENE_RECT_INIT (0, box->y, view->width, box->height));
      gtk_snapshot_append_color (snapshot, &rule,
                                 &GRAPHENE_RECT_INIT (0, box->y + box->height - 1,
                                                      view->width, 1));

      /* Distributed: a host's workers come under its name and a rule. */
      if (lab_timeline_model_get_lane_header (self->model, i) != NULL)
        {
          gtk_snapshot_append_color (snapshot, &dim,
                                     &GRAPHENE_RECT_INIT (0, box->y, view->width, 1));
          pango_layout_set_text (self->layout, lab_timeline_model_get_lane_header (self->model, i),
                                 -1);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (LABEL_PADDING / 2, box->y + 2));
          gtk_snapshot_append_layout (snapshot, self->layout, &dim);
          gtk_snapshot_restore (snapshot);
        }

      /* Beside the first sub-row, so the label stays put as the lane grows. */
      text = lab_timeline_model_dup_lane_label (self->model, i);
      text_y = box->y + box->rows_top + (box->row_height - self->line_height) / 2;
      pango_layout_set_text (self->layout, text, -1);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (LABEL_PADDING, text_y));
      gtk_snapshot_append_layout (snapshot, self->layout, &label);
      gtk_snapshot_restore (snapshot);

      lanes_bottom = box->y + box->height;
    }

  pango_layout_set_width (self->layout, -1);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_NONE);

  lab_timeline_append_legend (self, snapshot, view);
  lab_timeline_append_strip_frame (self, snapshot, view);

  gtk_snapshot_append_color (snapshot, &rule,
                             &GRAPHENE_RECT_INIT (view->plot_x, top + axis_height - 1,
                                                  view->width - view->plot_x, 1));

  step = lab_timeline_choose_step (self, view);
  unit = lab_timeline_unit_for_step (step, view->to_us);
  decimals = lab_timeline_step_decimals (step, unit);
  for (gint64 t = (view->from_us + step - 1) / step * step; t <= view->to_us; t += step)
    {
      g_autofree char *text = lab_timeline_format_time (t, unit, decimals);
      int x = lab_timeline_view_x (view, t);
      int text_width;
      int text_x;

      gtk_snapshot_append_color (snapshot, &dim,
                                 &GRAPHENE_RECT_INIT (x, top + axis_height - TICK_LENGTH,
                                                      1, TICK_LENGTH));
      if (lanes_bottom > top + axis_height)
        gtk_snapshot_append_color (snapshot, &grid,
                                   &GRAPHENE_RECT_INIT (x, top + axis_height,
                                                        1, lanes_bottom - top - axis_height));

      pango_layout_set_text (self->layout, text, -1);
      pango_layout_get_pixel_size (self->layout, &text_width, NULL);
      text_x = MAX (view->plot_x - LABEL_PADDING,
                    MIN (x - text_width / 2, view->width - text_width));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, top + 2));
      gtk_snapshot_append_layout (snapshot, self->layout, &dim);
      gtk_snapshot_restore (snapshot);
    }

  pango_layout_set_attributes (self->layout, NULL);

  return gtk_snapshot_free_to_node (snapshot);
}
