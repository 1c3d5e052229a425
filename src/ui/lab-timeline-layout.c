/* lab-timeline-layout.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The timeline's layout: the colours and font metrics it takes from the
 * theme, the width of the label column, each lane's height and place, and
 * whether a lane is drawn as bars or as tasks in flight.  Drawing and hit
 * testing only read what is decided here. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <math.h>
#include <pango/pangocairo.h>

#include "lab-timeline-private.h"

#define MIN_LABEL_WIDTH      64
#define MAX_LABEL_WIDTH      180

/* Style --------------------------------------------------------------------- */

/* The first of @names the theme defines, else @fallback: plain GTK (the
 * tests) does not define libadwaita's named colours. */
static void
lab_timeline_lookup_color (GtkStyleContext    *context,
                           const char * const *names,
                           const char         *fallback,
                           GdkRGBA            *color)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (gtk_style_context_lookup_color (context, names[i], color))
        return;
    }
  gdk_rgba_parse (color, fallback);
}

/* Resolves colours and font metrics, and drops the caches only if one of
 * them really changed: css-changed also fires for mere state changes such
 * as the pointer entering the widget. */
gboolean
lab_timeline_resolve_style (LabTimeline *self)
{
  /* The *_bg_ colours are meant to be filled, and stay saturated in the
   * dark style, where success_color and error_color turn pale for text. */
  static const char * const running_names[] = { "accent_bg_color", "accent_color", NULL };
  static const char * const done_names[] = { "success_bg_color", "success_color", NULL };
  static const char * const failed_names[] = { "error_bg_color", "error_color", NULL };
  GtkWidget *widget = GTK_WIDGET (self);
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  const PangoFontDescription *font;
  GdkRGBA fg, running, done, failed;
  int line_height, axis_line_height, row_height;
  GtkRoot *root = gtk_widget_get_root (widget);
  gboolean full_contrast;
  double dpi;
  gboolean changed;

  if (self->layout == NULL)
    self->layout = gtk_widget_create_pango_layout (widget, NULL);

  gtk_style_context_get_color (context, &fg);
  lab_timeline_lookup_color (context, running_names, "#3584e4", &running);
  lab_timeline_lookup_color (context, done_names, "#26a269", &done);
  lab_timeline_lookup_color (context, failed_names, "#c01c28", &failed);

  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  pango_layout_context_changed (self->layout);
  pango_layout_set_width (self->layout, -1);
  pango_layout_set_text (self->layout, "0123456789 s", -1);
  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_get_pixel_size (self->layout, NULL, &line_height);
  pango_layout_set_attributes (self->layout, self->axis_attrs);
  pango_layout_get_pixel_size (self->layout, NULL, &axis_line_height);
  pango_layout_set_attributes (self->layout, NULL);

  /* A sub-row grows with the text: presentation mode scales the content
   * through -gtk-dpi, which is the resolution of our Pango context, so
   * 250 % gives rows two and a half times as tall as at 96 dpi. */
  dpi = pango_cairo_context_get_resolution (gtk_widget_get_pango_context (widget));
  row_height = dpi > 96.0 ? (int) round (ROW_HEIGHT * dpi / 96.0) : ROW_HEIGHT;
  /* On a projector the axis is read from the back of the room. */
  full_contrast = root != NULL && gtk_widget_has_css_class (GTK_WIDGET (root), "presenting");

  changed = !self->style_valid
            || !gdk_rgba_equal (&fg, &self->fg_color)
            || !gdk_rgba_equal (&running, &self->running_color)
            || !gdk_rgba_equal (&done, &self->done_color)
            || !gdk_rgba_equal (&failed, &self->failed_color)
            || line_height != self->line_height
            || axis_line_height != self->axis_line_height
            || row_height != self->row_height
            || full_contrast != self->full_contrast
            || self->font == NULL
            || !pango_font_description_equal (font, self->font);
  if (!changed)
    return FALSE;

  self->fg_color = fg;
  self->running_color = running;
  self->done_color = done;
  self->failed_color = failed;
  self->line_height = line_height;
  self->axis_line_height = axis_line_height;
  self->row_height = row_height;
  self->full_contrast = full_contrast;
  g_clear_pointer (&self->font, pango_font_description_free);
  self->font = pango_font_description_copy (font);
  self->style_valid = TRUE;
  self->labels_valid = FALSE;
  self->layout_valid = FALSE;
  lab_timeline_drop_caches (self);

  return TRUE;
}

static void
lab_timeline_ensure_style (LabTimeline *self)
{
  if (!self->style_valid)
    lab_timeline_resolve_style (self);
}

/* The label column is as wide as the widest label, within limits. */
static void
lab_timeline_ensure_labels (LabTimeline *self)
{
  int widest = 0;

  if (self->labels_valid)
    return;

  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_set_width (self->layout, -1);
  for (guint i = 0; i < self->boxes->len; i++)
    {
      g_autofree char *label = lab_timeline_model_dup_lane_label (self->model, i);
      int width;

      pango_layout_set_text (self->layout, label, -1);
      pango_layout_get_pixel_size (self->layout, &width, NULL);
      widest = MAX (widest, width);
    }
  widest = MAX (widest, lab_timeline_states_label_width (self));

  self->label_width = CLAMP (widest + 2 * LABEL_PADDING, MIN_LABEL_WIDTH, MAX_LABEL_WIDTH);
  self->labels_valid = TRUE;
}

static void
lab_timeline_ensure_layout (LabTimeline *self)
{
  int min_height = MAX (self->row_height + 2 * LANE_PADDING, self->line_height + 10);
  int y;

  if (self->layout_valid)
    return;

  lab_timeline_states_layout (self);
  y = self->legend_height + lab_timeline_axis_height (self) + self->strip_height;
  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLane *lane = lab_timeline_get_lane (self, i);
      LabTimelineLaneBox *box = lab_timeline_get_box (self, i);
      int content = CLAMP (lane->rows->len, 1, MAX_VISIBLE_ROWS) * self->row_height;
      /* The first lane of a host's workers carries the host's name above it. */
      int header = lab_timeline_model_get_lane_header (self->model, i)
                   ? MAX (HOST_HEADER_HEIGHT, self->line_height + 4) : 0;

      /* The sub-rows' height is in every cached bar. */
      if (box->content_height != content || box->row_height != self->row_height)
        lab_timeline_lane_box_drop (box);
      box->content_height = content;
      box->row_height = self->row_height;
      box->height = MAX (content + 2 * LANE_PADDING, min_height) + header;
      box->rows_top = header + (box->height - header - content) / 2;
      box->y = y;
      y += box->height;
    }

  self->natural_height = y;
  self->layout_valid = TRUE;
}

/* Everything measuring, drawing and hit testing need, brought up to date. */
void
lab_timeline_ensure_laid_out (LabTimeline *self)
{
  lab_timeline_ensure_style (self);
  lab_timeline_ensure_labels (self);
  lab_timeline_ensure_layout (self);
}

/* Geometry ------------------------------------------------------------------ */

void
lab_timeline_compute_view (LabTimeline     *self,
                           LabTimelineView *view)
{
  view->width = gtk_widget_get_width (GTK_WIDGET (self));
  view->height = gtk_widget_get_height (GTK_WIDGET (self));
  view->plot_x = self->label_width;
  view->plot_width = MAX (1, view->width - self->label_width - RIGHT_PADDING);
  lab_timeline_model_get_visible (self->model, &view->from_us, &view->to_us);
}

/* Decides how @lane is drawn in @view: as bars if the model says that the
 * bars in view are few enough for the plot's width and stacked no higher
 * than can be read, else as tasks in flight.  A change of mind, or of the
 * sub-rows the bars need, drops what was cached. */
void
lab_timeline_prepare_lane (LabTimeline           *self,
                           const LabTimelineView *view,
                           guint                  lane_index)
{
  const LabTimelineLane *lane = lab_timeline_get_lane (self, lane_index);
  LabTimelineLaneBox *box = lab_timeline_get_box (self, lane_index);
  guint rows = CLAMP (lane->rows->len, 1, MAX_STACKED_ROWS);
  guint max_bars = MAX (1, view->plot_width / MIN_BAR_SPACE) * rows;
  guint rows_shown = 0;
  gboolean dense;

  dense = !lab_timeline_model_lane_fits (self->model, lane_index, view->from_us, view->to_us,
                                         max_bars, MAX_STACKED_ROWS, &rows_shown);
  if (dense != box->dense
      || (!dense && rows_shown != box->n_rows_shown)
      || lane->generation != box->generation)
    {
      lab_timeline_lane_box_drop (box);
      box->dense = dense;
      box->n_rows_shown = dense ? 0 : rows_shown;
      box->generation = lane->generation;
    }
}
