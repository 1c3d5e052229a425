/* lab-timeline-tooltip.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the timeline says about the bar under the pointer: found with the
 * same geometry the bar was drawn with (lab_timeline_bar_rect), so the
 * tooltip always matches the picture. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-timeline-private.h"

/* Tooltips ------------------------------------------------------------------ */

/* Whether @bar is drawn under (@x, @y), in lane coordinates; sets @area
 * to where it is drawn, in widget coordinates. */
static gboolean
lab_timeline_hit (LabTimeline              *self,
                  const LabTimelineView    *view,
                  const LabTimelineLaneBox *box,
                  const LabTimelineBar     *bar,
                  int                       x,
                  int                       y,
                  GdkRectangle             *area)
{
  lab_timeline_bar_rect (self, view, box, bar, area);
  if (x < area->x - 1 || x > area->x + area->width
      || y < area->y || y >= area->y + area->height)
    return FALSE;

  area->y += box->y;
  return TRUE;
}

static LabTimelineBar *
lab_timeline_find_bar (LabTimeline  *self,
                       int           x,
                       int           y,
                       GdkRectangle *area)
{
  GPtrArray *running = lab_timeline_model_get_running (self->model);
  const LabTimelineLane *lane;
  const LabTimelineLaneBox *box;
  LabTimelineView view;
  gint64 time_us, slop_us;
  guint lo = 0, hi = self->boxes->len;
  guint lane_index, first, end;

  lab_timeline_ensure_laid_out (self);

  /* Lanes are sorted by y. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (lab_timeline_get_box (self, mid)->y <= y)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return NULL;
  lane_index = lo - 1;
  lane = lab_timeline_get_lane (self, lane_index);
  box = lab_timeline_get_box (self, lane_index);
  if (y >= box->y + box->height)
    return NULL;

  lab_timeline_compute_view (self, &view);
  if (x < view.plot_x - 2)
    return NULL;

  /* A lane drawn as tasks in flight has no bars to point at. */
  lab_timeline_prepare_lane (self, &view, lane_index);
  if (box->dense)
    return NULL;

  y -= box->y;

  /* Running bars are drawn on top, so they win. */
  for (guint i = 0; i < running->len; i++)
    {
      LabTimelineBar *bar = g_ptr_array_index (running, i);

      if (bar->lane == lane_index && bar->row < MAX (box->n_rows_shown, 1)
          && lab_timeline_hit (self, &view, box, bar, x, y, area))
        return bar;
    }

  /* Finished bars that can reach x (give or take a pixel), the latest
   * start first. */
  time_us = lab_timeline_view_time (&view, x);
  slop_us = (view.to_us - view.from_us) / view.plot_width + 1;
  lab_timeline_lane_get_bars_between (lane, time_us - slop_us, time_us + slop_us, &first, &end);
  for (guint i = end; i > first; i--)
    {
      LabTimelineBar *bar = g_ptr_array_index (lane->bars, i - 1);

      if (!bar->running && lab_timeline_hit (self, &view, box, bar, x, y, area))
        return bar;
    }

  return NULL;
}

gboolean
lab_timeline_query_tooltip (GtkWidget  *widget,
                            int         x,
                            int         y,
                            gboolean    keyboard_tooltip,
                            GtkTooltip *tooltip)
{
  LabTimeline *self = LAB_TIMELINE (widget);
  g_autoptr(GString) text = NULL;
  g_autofree char *worker = NULL;
  LabTimelineBar *bar;
  GdkRectangle area;
  gint64 end_us;

  if (keyboard_tooltip)
    return FALSE;

  /* Above the lanes: the legend and the cores-busy strip. */
  lab_timeline_ensure_laid_out (self);
  if (lab_timeline_states_query_tooltip (self, x, y, tooltip))
    return TRUE;

  bar = lab_timeline_find_bar (self, x, y, &area);
  if (bar == NULL)
    return FALSE;

  worker = lab_timeline_model_dup_lane_label (self->model, bar->lane);
  end_us = lab_timeline_model_get_bar_end (self->model, bar);

  text = g_string_new (NULL);
  if (bar->name != NULL)
    g_string_append (text, bar->name);
  else
    g_string_append_printf (text, _("task %u"), bar->task + 1);
  g_string_append_c (text, '\n');
  g_string_append (text, worker);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("start: %.3f s"), (double) bar->start_us / G_USEC_PER_SEC);
  g_string_append_c (text, '\n');
  if (bar->running)
    g_string_append (text, _("end: still running"));
  else
    g_string_append_printf (text, _("end: %.3f s"), (double) bar->end_us / G_USEC_PER_SEC);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("duration: %.1f ms"), (double) (end_us - bar->start_us) / 1000);
  if (!bar->running)
    {
      g_autofree char *size = g_format_size (bar->bytes);

      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("bytes: %s"), size);
    }
  if (!bar->running)
    {
      LabTimelineView view;

      lab_timeline_compute_view (self, &view);
      lab_timeline_states_describe_bar (self, bar, lab_timeline_view_time (&view, x), text);
    }
  if (!bar->running && !bar->ok)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("failed: %s"),
                              bar->error != NULL ? bar->error : _("unknown error"));
    }

  /* One clock: which one this bar's times come from. */
  if (lab_timeline_model_bar_has_broker_clock (self->model, bar))
    {
      g_string_append_c (text, '\n');
      g_string_append (text, bar->running
                       ? _("The start is the broker’s clock (Redis TIME), which every machine "
                           "shares.")
                       : _("Start and end are the broker’s clock (Redis TIME), which every "
                           "machine shares."));
    }

  gtk_tooltip_set_text (tooltip, text->str);
  /* Moving onto the next bar asks again instead of keeping this text. */
  gtk_tooltip_set_tip_area (tooltip, &area);
  return TRUE;
}

