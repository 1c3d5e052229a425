/* lab-timeline-marks.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Items through a queue (ping-pong), drawn: a tick where a producer put an
 * item, on the producer's lane, a tick where the consumer took it, on the
 * consumer's lane, in the producer's colour, and a line from one to the
 * other while there are few enough to follow.  Read left to right, the
 * consumer's ticks are the order of arrival. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include "lab-timeline-private.h"

#define MAX_CONNECTED  200    /* more items in view get ticks, not lines */

/* One colour per producer, apart from the bars' green. */
static const GdkRGBA producer_colors[] = {
  { 0.11f, 0.44f, 0.85f, 1.0f },   /* blue */
  { 0.51f, 0.24f, 0.61f, 1.0f },   /* purple */
  { 0.90f, 0.38f, 0.00f, 1.0f },   /* orange */
  { 0.60f, 0.42f, 0.27f, 1.0f },   /* brown */
};

static const GdkRGBA *
lab_timeline_producer_color (guint task)
{
  return &producer_colors[task % G_N_ELEMENTS (producer_colors)];
}

/* The first mark of @marks at or after @time_us. */
static guint
lab_timeline_marks_bound (GArray *marks,
                          gint64  time_us)
{
  guint lo = 0, hi = marks->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (marks, LabTimelineMark, mid).time_us < time_us)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* From the put on the producer's lane down (or up) to the take. */
static void
lab_timeline_connect (LabTimeline           *self,
                      cairo_t               *cr,
                      const LabTimelineView *view,
                      const LabTimelineLaneBox *consumer,
                      const LabTimelineMark *mark)
{
  const LabTimelineBar *bar = lab_timeline_model_get_bar (self->model, mark->task);
  const LabTimelineLaneBox *producer;
  double x0, y0, x1, y1;

  if (bar == NULL || bar->lane >= self->boxes->len)
    return;

  producer = lab_timeline_get_box (self, bar->lane);
  x0 = lab_timeline_view_x (view, mark->put_us) + 0.5;
  x1 = lab_timeline_view_x (view, mark->time_us) + 0.5;
  if (producer->y < consumer->y)
    {
      y0 = producer->y + producer->rows_top + producer->content_height;
      y1 = consumer->y + consumer->rows_top;
    }
  else
    {
      y0 = producer->y + producer->rows_top;
      y1 = consumer->y + consumer->rows_top + consumer->content_height;
    }

  gdk_cairo_set_source_rgba (cr, lab_timeline_producer_color (mark->task));
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1, y1);
  cairo_stroke (cr);
}

/* The consumer's takes, numbered in the order it took them, where there is
 * room beside each tick for its number. */
static void
lab_timeline_number_takes (LabTimeline              *self,
                           GtkSnapshot              *snapshot,
                           const LabTimelineView    *view,
                           const LabTimelineLane    *lane,
                           const LabTimelineLaneBox *box,
                           guint                     first,
                           guint                     end)
{
  int free_x = G_MININT;

  pango_layout_set_attributes (self->layout, self->axis_attrs);
  for (guint m = first; m < end; m++)
    {
      const LabTimelineMark *mark = &g_array_index (lane->marks, LabTimelineMark, m);
      int x = lab_timeline_view_x (view, mark->time_us) + 3;
      int next_x = m + 1 < end
                   ? lab_timeline_view_x (view, g_array_index (lane->marks, LabTimelineMark,
                                                               m + 1).time_us) - 2
                   : view->plot_x + view->plot_width + RIGHT_PADDING;
      char number[16];
      int width, height;

      g_snprintf (number, sizeof number, "%u", m + 1);
      pango_layout_set_text (self->layout, number, -1);
      pango_layout_get_pixel_size (self->layout, &width, &height);
      if (x < free_x || x + width > next_x)
        continue;

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (x, box->y + box->rows_top
                                                       + (box->content_height - height) / 2));
      gtk_snapshot_append_layout (snapshot, self->layout, &self->fg_color);
      gtk_snapshot_restore (snapshot);
      free_x = x + width + 2;
    }
  pango_layout_set_attributes (self->layout, NULL);
}

void
lab_timeline_append_marks (LabTimeline           *self,
                           GtkSnapshot           *snapshot,
                           const LabTimelineView *view)
{
  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLane *lane = lab_timeline_get_lane (self, i);
      const LabTimelineLaneBox *box = lab_timeline_get_box (self, i);
      guint first, end;
      cairo_t *cr = NULL;

      if (box->y >= view->height)
        break;
      if (lane->marks->len == 0)
        continue;

      first = lab_timeline_marks_bound (lane->marks, view->from_us);
      end = lab_timeline_marks_bound (lane->marks, view->to_us + 1);

      /* The lines first, under the ticks; only the consumer's marks have
       * them, and only while one can tell them apart. */
      if (lane->consumer && end - first <= MAX_CONNECTED)
        {
          cr = gtk_snapshot_append_cairo (snapshot,
                                          &GRAPHENE_RECT_INIT (view->plot_x, 0,
                                                               view->plot_width + 1,
                                                               view->height));
          cairo_set_line_width (cr, 1.0);
          for (guint m = first; m < end; m++)
            lab_timeline_connect (self, cr, view, box,
                                  &g_array_index (lane->marks, LabTimelineMark, m));
          cairo_destroy (cr);
        }

      for (guint m = first; m < end; m++)
        {
          const LabTimelineMark *mark = &g_array_index (lane->marks, LabTimelineMark, m);
          int x = lab_timeline_view_x (view, mark->time_us);

          gtk_snapshot_append_color (snapshot, lab_timeline_producer_color (mark->task),
                                     &GRAPHENE_RECT_INIT (x - 1, box->y + box->rows_top - 2, 3,
                                                          box->content_height + 4));
        }

      if (lane->consumer && end - first <= MAX_CONNECTED)
        lab_timeline_number_takes (self, snapshot, view, lane, box, first, end);
    }
}
