/* lab-timeline.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lab-timeline.h"
#include "lab-timeline-model.h"

/* What every worker of one run does over time, drawn: a lane per worker, a
 * bar per task.  The data lives in a LabTimelineModel, normalised as it
 * arrives, so that a frame only draws; finished bars are cached as render
 * nodes, one per lane, and only the bars still running are drawn anew
 * every frame.
 *
 * Past 800 lines, this is still one idea, the drawing of a model: layout,
 * cached nodes and hit testing share one geometry (lab_timeline_bar_rect),
 * which is what makes a tooltip match the bar under the pointer. */

#define ROW_HEIGHT           14    /* one sub-row: a 12 px bar and a 2 px gap */
#define MAX_VISIBLE_ROWS     12    /* more sub-rows than this are squeezed thinner */
#define LANE_PADDING         7
#define LABEL_PADDING        12
#define MIN_LABEL_WIDTH      64
#define MAX_LABEL_WIDTH      180
#define MIN_WIDTH            200
#define RIGHT_PADDING        16
#define TICK_LENGTH          5
#define MIN_TICK_GAP         24    /* between two axis labels */
#define MIN_STEP_US          10000
#define WIDE_BAR             3     /* narrower bars are merged with their neighbours */
#define CORNER_RADIUS        3
#define ACCESSIBLE_DELAY_MS  250

/* Where a lane of the model is drawn, and its finished bars as drawn. */
typedef struct
{
  GskRenderNode *node;          /* the finished bars in lane coordinates; NULL if none */
  guint          node_serial;   /* the lane's serial the node was built for */
  gboolean       node_valid;
  int            y;             /* layout, in widget coordinates */
  int            height;
  int            rows_top;      /* the first sub-row, from y */
} LabTimelineLaneBox;

/* Everything the cached nodes depend on besides the data and the style. */
typedef struct
{
  int    width;
  int    height;
  int    plot_x;            /* where time 0 is drawn */
  int    plot_width;
  gint64 span_us;           /* the time at the right end of the plot */
} LabTimelineView;

/* Neighbouring narrow bars of one sub-row, merged into one rectangle. */
typedef struct
{
  const GdkRGBA *color;     /* NULL: nothing pending */
  int            x0;
  int            x1;
  int            y;
  int            height;
} LabTimelineStrip;

struct _LabTimeline
{
  GtkWidget             parent_instance;

  LabTimelineModel     *model;
  GArray               *boxes;         /* LabTimelineLaneBox, one per lane of the model */

  PangoLayout          *layout;        /* the one layout every label goes through */
  PangoAttrList        *axis_attrs;
  PangoFontDescription *font;
  GdkRGBA               fg_color;
  GdkRGBA               running_color;
  GdkRGBA               done_color;
  GdkRGBA               failed_color;
  int                   line_height;
  int                   axis_line_height;
  int                   label_width;
  int                   natural_height;
  guint                 style_valid : 1;
  guint                 labels_valid : 1;
  guint                 layout_valid : 1;

  LabTimelineView       view;          /* what the cached nodes were drawn for */
  GskRenderNode        *frame_node;    /* axis, grid, lane stripes and labels */
  guint                 n_node_builds;

  GArray               *strips;        /* scratch: LabTimelineStrip per sub-row */

  guint                 accessible_id;
};

G_DEFINE_FINAL_TYPE (LabTimeline, lab_timeline, GTK_TYPE_WIDGET)

/* For tests only: how often a cached node was rebuilt.  Declared here
 * rather than in the header. */
guint lab_timeline_get_n_node_builds (LabTimeline *self);

static inline const LabTimelineLane *
lab_timeline_get_lane (LabTimeline *self,
                       guint        lane)
{
  return lab_timeline_model_get_lane (self->model, lane);
}

static inline LabTimelineLaneBox *
lab_timeline_get_box (LabTimeline *self,
                      guint        lane)
{
  return &g_array_index (self->boxes, LabTimelineLaneBox, lane);
}

static void
lab_timeline_lane_box_clear (gpointer data)
{
  LabTimelineLaneBox *box = data;

  g_clear_pointer (&box->node, gsk_render_node_unref);
}

/* Caches and redraws ------------------------------------------------------ */

static void
lab_timeline_drop_caches (LabTimeline *self)
{
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  for (guint i = 0; i < self->boxes->len; i++)
    lab_timeline_get_box (self, i)->node_valid = FALSE;
}

/* Lane heights or labels changed: the frame must be redrawn and the natural
 * size may differ. */
static void
lab_timeline_layout_changed (LabTimeline *self)
{
  self->layout_valid = FALSE;
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static gboolean
lab_timeline_update_accessible_cb (gpointer data)
{
  LabTimeline *self = data;
  g_autofree char *workers = NULL;
  g_autofree char *tasks = NULL;
  g_autofree char *running = NULL;
  g_autofree char *label = NULL;
  guint n_lanes = lab_timeline_model_get_n_lanes (self->model);
  guint n_bars = lab_timeline_model_get_n_bars (self->model);
  guint n_running = lab_timeline_model_get_running (self->model)->len;

  self->accessible_id = 0;

  workers = g_strdup_printf (ngettext ("%u worker", "%u workers", n_lanes), n_lanes);
  tasks = g_strdup_printf (ngettext ("%u task", "%u tasks", n_bars), n_bars);
  running = g_strdup_printf (_("%u running"), n_running);
  /* Translators: the parts are "4 workers", "37 tasks" and "3 running" */
  label = g_strdup_printf (_("Timeline: %s, %s, %s"), workers, tasks, running);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  return G_SOURCE_REMOVE;
}

/* Every task of a batch lands here.  The summary is for assistive
 * technologies, which need the gist rather than every frame's count: it is
 * refreshed at most a few times per second. */
static void
lab_timeline_data_changed (LabTimeline *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));

  if (self->accessible_id == 0)
    {
      self->accessible_id = g_timeout_add_full (G_PRIORITY_LOW, ACCESSIBLE_DELAY_MS,
                                                lab_timeline_update_accessible_cb, self, NULL);
      g_source_set_name_by_id (self->accessible_id, "[lab] timeline accessible label");
    }
}

/* The model took an event for @lane, which had @n_rows_before sub-rows
 * while the model had @n_lanes_before lanes: new lanes need boxes and a
 * label, and a lane growing a sub-row grows taller, up to the cap; beyond
 * it the rows get thinner. */
static void
lab_timeline_lanes_changed (LabTimeline *self,
                            guint        n_lanes_before,
                            guint        lane,
                            guint        n_rows_before)
{
  guint n_lanes = lab_timeline_model_get_n_lanes (self->model);
  guint n_rows;

  if (n_lanes != n_lanes_before)
    {
      g_array_set_size (self->boxes, n_lanes);
      self->labels_valid = FALSE;
      lab_timeline_layout_changed (self);
    }

  if (lane >= n_lanes)
    return;
  n_rows = lab_timeline_model_get_n_rows (self->model, lane);
  if (n_rows != n_rows_before && n_rows <= MAX_VISIBLE_ROWS)
    lab_timeline_layout_changed (self);
}

static guint
lab_timeline_get_n_rows_or_0 (LabTimeline *self,
                              guint        lane)
{
  if (lane >= lab_timeline_model_get_n_lanes (self->model))
    return 0;
  return lab_timeline_model_get_n_rows (self->model, lane);
}

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
static gboolean
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
  int line_height, axis_line_height;
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

  changed = !self->style_valid
            || !gdk_rgba_equal (&fg, &self->fg_color)
            || !gdk_rgba_equal (&running, &self->running_color)
            || !gdk_rgba_equal (&done, &self->done_color)
            || !gdk_rgba_equal (&failed, &self->failed_color)
            || line_height != self->line_height
            || axis_line_height != self->axis_line_height
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

  self->label_width = CLAMP (widest + 2 * LABEL_PADDING, MIN_LABEL_WIDTH, MAX_LABEL_WIDTH);
  self->labels_valid = TRUE;
}

static int
lab_timeline_get_axis_height (LabTimeline *self)
{
  return self->axis_line_height + TICK_LENGTH + 6;
}

static void
lab_timeline_ensure_layout (LabTimeline *self)
{
  int min_height = MAX (ROW_HEIGHT + 2 * LANE_PADDING, self->line_height + 10);
  int y;

  if (self->layout_valid)
    return;

  y = lab_timeline_get_axis_height (self);
  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLane *lane = lab_timeline_get_lane (self, i);
      LabTimelineLaneBox *box = lab_timeline_get_box (self, i);
      int content = CLAMP (lane->rows->len, 1, MAX_VISIBLE_ROWS) * ROW_HEIGHT;

      box->height = MAX (content + 2 * LANE_PADDING, min_height);
      box->rows_top = (box->height - content) / 2;
      box->y = y;
      y += box->height;
    }

  self->natural_height = y;
  self->layout_valid = TRUE;
}

/* Everything measuring, drawing and hit testing need, brought up to date. */
static void
lab_timeline_ensure_laid_out (LabTimeline *self)
{
  lab_timeline_ensure_style (self);
  lab_timeline_ensure_labels (self);
  lab_timeline_ensure_layout (self);
}

/* Geometry ------------------------------------------------------------------ */

static void
lab_timeline_compute_view (LabTimeline     *self,
                           LabTimelineView *view)
{
  view->width = gtk_widget_get_width (GTK_WIDGET (self));
  view->height = gtk_widget_get_height (GTK_WIDGET (self));
  view->plot_x = self->label_width;
  view->plot_width = MAX (1, view->width - self->label_width - RIGHT_PADDING);
  view->span_us = lab_timeline_model_get_span (self->model);
}

static gboolean
lab_timeline_view_equal (const LabTimelineView *a,
                         const LabTimelineView *b)
{
  return a->width == b->width
         && a->height == b->height
         && a->plot_x == b->plot_x
         && a->plot_width == b->plot_width
         && a->span_us == b->span_us;
}

/* Whole pixels keep bars crisp and make "adjacent" a simple comparison. */
static inline int
lab_timeline_view_x (const LabTimelineView *view,
                     gint64                 time_us)
{
  double x = (double) CLAMP (time_us, 0, view->span_us) * view->plot_width / view->span_us;

  return view->plot_x + (int) (x + 0.5);
}

static inline double
lab_timeline_lane_row_height (const LabTimelineLane *lane)
{
  guint n_rows = MAX (lane->rows->len, 1);

  return (double) MIN (n_rows, MAX_VISIBLE_ROWS) * ROW_HEIGHT / n_rows;
}

/* The pixels of sub-row @row, from the lane's top edge. */
static inline void
lab_timeline_lane_row_extent (const LabTimelineLaneBox *box,
                              double                    row_height,
                              guint                     row,
                              int                      *y,
                              int                      *height)
{
  int top = box->rows_top + (int) (row * row_height + 0.5);
  int bottom = box->rows_top + (int) ((row + 1) * row_height + 0.5);
  int gap = row_height >= 6 ? 2 : row_height >= 3 ? 1 : 0;

  *y = top + gap / 2;
  *height = MAX (1, bottom - top - gap);
}

/* The rectangle a bar is drawn in, with y from the lane's top edge.  Shared
 * by drawing and hit testing, so that the tooltip matches the picture. */
static void
lab_timeline_bar_rect (LabTimeline              *self,
                       const LabTimelineView    *view,
                       const LabTimelineLaneBox *box,
                       double                    row_height,
                       const LabTimelineBar     *bar,
                       GdkRectangle             *rect)
{
  gint64 end = lab_timeline_model_get_bar_end (self->model, bar);
  int x0 = lab_timeline_view_x (view, bar->start_us);
  int x1 = lab_timeline_view_x (view, end);

  lab_timeline_lane_row_extent (box, row_height, bar->row, &rect->y, &rect->height);
  rect->x = x0;
  /* A running bar shows at once, however short it still is. */
  rect->width = MAX (x1 - x0, bar->running ? 2 : 1);
}

/* Drawing ------------------------------------------------------------------- */

static void
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

/* The finished bars of one lane.  Bars come in start order, so the narrow
 * ones that touch in a sub-row (or in a pixel row, once sub-rows are
 * thinner than a pixel) are merged into one rectangle: 10,000 tasks cost at
 * most a few rectangles per pixel column, not 10,000. */
static GskRenderNode *
lab_timeline_build_lane_node (LabTimeline              *self,
                              const LabTimelineLane    *lane,
                              const LabTimelineLaneBox *box,
                              const LabTimelineView    *view)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  double row_height = lab_timeline_lane_row_height (lane);
  gboolean dense = row_height < WIDE_BAR;
  guint n_strips = MAX (lane->rows->len, 1);
  LabTimelineStrip *strips;

  g_array_set_size (self->strips, n_strips);
  strips = (LabTimelineStrip *) (gpointer) self->strips->data;
  memset (strips, 0, n_strips * sizeof *strips);

  for (guint i = 0; i < lane->bars->len; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (lane->bars, i);
      const GdkRGBA *color = bar->ok ? &self->done_color : &self->failed_color;
      LabTimelineStrip *strip;
      GdkRectangle rect;

      if (bar->running)
        continue;

      lab_timeline_bar_rect (self, view, box, row_height, bar, &rect);

      if (!dense && rect.width >= WIDE_BAR)
        {
          /* A pixel of gap keeps back-to-back tasks apart. */
          lab_timeline_append_bar (snapshot, rect.x, rect.y, rect.width - 1, rect.height, color);
          continue;
        }

      strip = &strips[row_height >= 1 ? bar->row : (guint) (bar->row * row_height + 0.5)];
      if (strip->color == color && rect.x <= strip->x1)
        {
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

/* How many decimals @time_us needs, at most @max: "0 s", "0.5 s", "1 s". */
static int
lab_timeline_decimals (gint64 time_us,
                       int    max)
{
  gint64 unit = G_USEC_PER_SEC;
  int decimals = 0;

  while (decimals < max && time_us % unit != 0)
    {
      unit /= 10;
      decimals++;
    }
  return decimals;
}

static char *
lab_timeline_format_seconds (gint64 time_us,
                             int    decimals)
{
  /* Translators: a time on the axis, e.g. "1.5 s" */
  return g_strdup_printf (_("%.*f s"), decimals, (double) time_us / G_USEC_PER_SEC);
}

/* The smallest 1-2-5 step whose labels do not crowd each other. */
static gint64
lab_timeline_choose_step (LabTimeline           *self,
                          const LabTimelineView *view)
{
  gint64 step = MIN_STEP_US;

  pango_layout_set_attributes (self->layout, self->axis_attrs);

  for (;;)
    {
      g_autofree char *widest = NULL;
      double step_px = (double) step * view->plot_width / view->span_us;
      int width;

      /* The last value, with every decimal a label of this step can need. */
      widest = lab_timeline_format_seconds (view->span_us / step * step,
                                            lab_timeline_decimals (step, 3));
      pango_layout_set_text (self->layout, widest, -1);
      pango_layout_get_pixel_size (self->layout, &width, NULL);

      if (step_px >= width + MIN_TICK_GAP || step >= view->span_us)
        return step;

      step = lab_timeline_nice_step (step + 1);
    }
}

/* Everything that changes only with the scale, the size, the lanes or the
 * theme: lane stripes and labels, the axis, the grid. */
static GskRenderNode *
lab_timeline_build_frame_node (LabTimeline           *self,
                               const LabTimelineView *view)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int axis_height = lab_timeline_get_axis_height (self);
  int lanes_bottom = axis_height;
  GdkRGBA stripe = self->fg_color;
  GdkRGBA rule = self->fg_color;
  GdkRGBA grid = self->fg_color;
  GdkRGBA label = self->fg_color;
  GdkRGBA dim = self->fg_color;
  gint64 step;
  int decimals;

  stripe.alpha *= 0.04f;
  rule.alpha *= 0.12f;
  grid.alpha *= 0.07f;
  label.alpha *= 0.85f;
  dim.alpha *= 0.6f;

  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_set_width (self->layout, (self->label_width - 2 * LABEL_PADDING) * PANGO_SCALE);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);

  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLaneBox *box = lab_timeline_get_box (self, i);
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

      /* Beside the first sub-row, so the label stays put as the lane grows. */
      text = lab_timeline_model_dup_lane_label (self->model, i);
      text_y = box->y + box->rows_top + (ROW_HEIGHT - self->line_height) / 2;
      pango_layout_set_text (self->layout, text, -1);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (LABEL_PADDING, text_y));
      gtk_snapshot_append_layout (snapshot, self->layout, &label);
      gtk_snapshot_restore (snapshot);

      lanes_bottom = box->y + box->height;
    }

  pango_layout_set_width (self->layout, -1);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_NONE);

  gtk_snapshot_append_color (snapshot, &rule,
                             &GRAPHENE_RECT_INIT (view->plot_x, axis_height - 1,
                                                  view->width - view->plot_x, 1));

  step = lab_timeline_choose_step (self, view);
  decimals = lab_timeline_decimals (step, 3);
  for (gint64 t = 0; t <= view->span_us; t += step)
    {
      g_autofree char *text = lab_timeline_format_seconds (t, lab_timeline_decimals (t, decimals));
      int x = lab_timeline_view_x (view, t);
      int text_width;
      int text_x;

      gtk_snapshot_append_color (snapshot, &dim,
                                 &GRAPHENE_RECT_INIT (x, axis_height - TICK_LENGTH,
                                                      1, TICK_LENGTH));
      if (lanes_bottom > axis_height)
        gtk_snapshot_append_color (snapshot, &grid,
                                   &GRAPHENE_RECT_INIT (x, axis_height,
                                                        1, lanes_bottom - axis_height));

      pango_layout_set_text (self->layout, text, -1);
      pango_layout_get_pixel_size (self->layout, &text_width, NULL);
      text_x = MAX (0, MIN (x - text_width / 2, view->width - text_width));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, 2));
      gtk_snapshot_append_layout (snapshot, self->layout, &dim);
      gtk_snapshot_restore (snapshot);
    }

  pango_layout_set_attributes (self->layout, NULL);

  return gtk_snapshot_free_to_node (snapshot);
}

static void
lab_timeline_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  LabTimeline *self = LAB_TIMELINE (widget);
  GPtrArray *running = lab_timeline_model_get_running (self->model);
  LabTimelineView view;

  lab_timeline_ensure_laid_out (self);
  lab_timeline_compute_view (self, &view);

  if (view.width <= 0 || view.height <= 0)
    return;

  if (!lab_timeline_view_equal (&view, &self->view))
    {
      lab_timeline_drop_caches (self);
      self->view = view;
    }

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, view.width, view.height));

  if (self->frame_node == NULL)
    {
      self->frame_node = lab_timeline_build_frame_node (self, &view);
      self->n_node_builds++;
    }
  if (self->frame_node != NULL)
    gtk_snapshot_append_node (snapshot, self->frame_node);

  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLane *lane = lab_timeline_get_lane (self, i);
      LabTimelineLaneBox *box = lab_timeline_get_box (self, i);

      /* Lanes below the allocation are not drawn at all. */
      if (box->y >= view.height)
        break;

      /* The model counts every change to a lane's finished bars. */
      if (!box->node_valid || box->node_serial != lane->serial)
        {
          g_clear_pointer (&box->node, gsk_render_node_unref);
          box->node = lab_timeline_build_lane_node (self, lane, box, &view);
          box->node_serial = lane->serial;
          box->node_valid = TRUE;
          self->n_node_builds++;
        }

      if (box->node != NULL)
        {
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, box->y));
          gtk_snapshot_append_node (snapshot, box->node);
          gtk_snapshot_restore (snapshot);
        }
    }

  /* Running bars grow every frame, so they are never cached; there are at
   * most as many as there are workers. */
  for (guint i = 0; i < running->len; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (running, i);
      const LabTimelineLane *lane = lab_timeline_get_lane (self, bar->lane);
      const LabTimelineLaneBox *box = lab_timeline_get_box (self, bar->lane);
      GdkRectangle rect;

      if (box->y >= view.height)
        continue;

      lab_timeline_bar_rect (self, &view, box, lab_timeline_lane_row_height (lane), bar, &rect);
      lab_timeline_append_bar (snapshot, rect.x, box->y + rect.y, rect.width, rect.height,
                               &self->running_color);
    }

  gtk_snapshot_pop (snapshot);
}

static void
lab_timeline_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  LabTimeline *self = LAB_TIMELINE (widget);

  lab_timeline_ensure_laid_out (self);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (MIN_WIDTH, self->label_width + 100);
      *natural = MAX (*minimum, self->label_width + 480);
    }
  else
    {
      /* Every lane, always: inside a scrolled window a smaller minimum
       * would cut lanes off rather than scroll to them. */
      *minimum = self->natural_height;
      *natural = self->natural_height;
    }
}

static void
lab_timeline_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lab_timeline_parent_class)->css_changed (widget, change);

  if (lab_timeline_resolve_style (LAB_TIMELINE (widget)))
    gtk_widget_queue_resize (widget);
}

/* Tooltips ------------------------------------------------------------------ */

/* Whether @bar is drawn under (@x, @y), in lane coordinates; sets @area
 * to where it is drawn, in widget coordinates. */
static gboolean
lab_timeline_hit (LabTimeline              *self,
                  const LabTimelineView    *view,
                  const LabTimelineLaneBox *box,
                  double                    row_height,
                  const LabTimelineBar     *bar,
                  int                       x,
                  int                       y,
                  GdkRectangle             *area)
{
  lab_timeline_bar_rect (self, view, box, row_height, bar, area);
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
  double row_height;
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

  y -= box->y;
  row_height = lab_timeline_lane_row_height (lane);

  /* Running bars are drawn on top, so they win. */
  for (guint i = 0; i < running->len; i++)
    {
      LabTimelineBar *bar = g_ptr_array_index (running, i);

      if (bar->lane == lane_index
          && lab_timeline_hit (self, &view, box, row_height, bar, x, y, area))
        return bar;
    }

  /* Finished bars that can reach x (give or take a pixel), the latest
   * start first. */
  time_us = (gint64) ((double) (x - view.plot_x) * view.span_us / view.plot_width);
  slop_us = view.span_us / view.plot_width + 1;
  lab_timeline_lane_get_bars_between (lane, time_us - slop_us, time_us + slop_us, &first, &end);
  for (guint i = end; i > first; i--)
    {
      LabTimelineBar *bar = g_ptr_array_index (lane->bars, i - 1);

      if (!bar->running && lab_timeline_hit (self, &view, box, row_height, bar, x, y, area))
        return bar;
    }

  return NULL;
}

static gboolean
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
  if (!bar->running && !bar->ok)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("failed: %s"),
                              bar->error != NULL ? bar->error : _("unknown error"));
    }

  gtk_tooltip_set_text (tooltip, text->str);
  /* Moving onto the next bar asks again instead of keeping this text. */
  gtk_tooltip_set_tip_area (tooltip, &area);
  return TRUE;
}

/* GObject ------------------------------------------------------------------- */

static void
lab_timeline_dispose (GObject *object)
{
  LabTimeline *self = LAB_TIMELINE (object);

  g_clear_handle_id (&self->accessible_id, g_source_remove);
  g_clear_object (&self->layout);
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);

  G_OBJECT_CLASS (lab_timeline_parent_class)->dispose (object);
}

static void
lab_timeline_finalize (GObject *object)
{
  LabTimeline *self = LAB_TIMELINE (object);

  g_clear_pointer (&self->model, lab_timeline_model_free);
  g_clear_pointer (&self->boxes, g_array_unref);
  g_clear_pointer (&self->strips, g_array_unref);
  g_clear_pointer (&self->axis_attrs, pango_attr_list_unref);
  g_clear_pointer (&self->font, pango_font_description_free);

  G_OBJECT_CLASS (lab_timeline_parent_class)->finalize (object);
}

static void
lab_timeline_class_init (LabTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_timeline_dispose;
  object_class->finalize = lab_timeline_finalize;

  widget_class->snapshot = lab_timeline_snapshot;
  widget_class->measure = lab_timeline_measure;
  widget_class->css_changed = lab_timeline_css_changed;
  widget_class->query_tooltip = lab_timeline_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lab_timeline_init (LabTimeline *self)
{
  self->model = lab_timeline_model_new ();
  self->boxes = g_array_new (FALSE, TRUE, sizeof (LabTimelineLaneBox));
  g_array_set_clear_func (self->boxes, lab_timeline_lane_box_clear);
  self->strips = g_array_new (FALSE, TRUE, sizeof (LabTimelineStrip));

  /* Axis labels: a little smaller, with digits of equal width so that they
   * do not jitter as the scale changes. */
  self->axis_attrs = pango_attr_list_new ();
  pango_attr_list_insert (self->axis_attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (self->axis_attrs, pango_attr_font_features_new ("tnum=1"));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  lab_timeline_update_accessible_cb (self);
}

/* Public API ---------------------------------------------------------------- */

GtkWidget *
lab_timeline_new (void)
{
  return g_object_new (LAB_TYPE_TIMELINE, NULL);
}

/**
 * lab_timeline_reset:
 * @origin_us: the monotonic time shown as 0 s
 *
 * Forgets every lane and bar, for a new run.
 */
void
lab_timeline_reset (LabTimeline *self,
                    gint64       origin_us)
{
  g_return_if_fail (LAB_IS_TIMELINE (self));

  lab_timeline_model_reset (self->model, origin_us);
  g_array_set_size (self->boxes, 0);
  self->labels_valid = FALSE;

  lab_timeline_drop_caches (self);
  lab_timeline_layout_changed (self);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_set_lane_label:
 * @lane: the lane, created if needed
 * @label: (nullable): e.g. "thread 1" or "pid 4242"; %NULL for "worker N"
 */
void
lab_timeline_set_lane_label (LabTimeline *self,
                             guint        lane,
                             const char  *label)
{
  guint n_lanes, n_rows;
  gboolean changed;

  g_return_if_fail (LAB_IS_TIMELINE (self));
  g_return_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES);

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  n_rows = lab_timeline_get_n_rows_or_0 (self, lane);
  changed = lab_timeline_model_set_lane_label (self->model, lane, label);
  lab_timeline_lanes_changed (self, n_lanes, lane, n_rows);
  if (!changed)
    return;

  self->labels_valid = FALSE;
  lab_timeline_layout_changed (self);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_task_started:
 * @task: the task's index, unique within the run
 * @lane: the worker running it
 * @start_us: monotonic time
 * @name: (nullable): what the task is, e.g. "block 3"
 *
 * Adds a running bar.  A task started again elsewhere (its worker process
 * died and it was requeued) moves to the new lane.
 */
void
lab_timeline_task_started (LabTimeline *self,
                           guint        task,
                           guint        lane,
                           gint64       start_us,
                           const char  *name)
{
  guint n_lanes, n_rows;

  g_return_if_fail (LAB_IS_TIMELINE (self));
  g_return_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES);

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  n_rows = lab_timeline_get_n_rows_or_0 (self, lane);
  if (!lab_timeline_model_task_started (self->model, task, lane, start_us, name))
    return;

  lab_timeline_lanes_changed (self, n_lanes, lane, n_rows);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_task_finished:
 * @error: (nullable): why the task failed
 *
 * Ends a bar, creating it if its start was never seen.
 */
void
lab_timeline_task_finished (LabTimeline *self,
                            guint        task,
                            guint        lane,
                            gint64       start_us,
                            gint64       end_us,
                            guint64      bytes,
                            gboolean     ok,
                            const char  *error)
{
  guint n_lanes, n_rows;

  g_return_if_fail (LAB_IS_TIMELINE (self));
  g_return_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES);

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  n_rows = lab_timeline_get_n_rows_or_0 (self, lane);
  lab_timeline_model_task_finished (self->model, task, lane, start_us, end_us, bytes, ok, error);

  lab_timeline_lanes_changed (self, n_lanes, lane, n_rows);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_set_now:
 * @now_us: the monotonic time, or 0 once the run is over
 *
 * Running bars grow up to now, and the scale follows the run.
 */
void
lab_timeline_set_now (LabTimeline *self,
                      gint64       now_us)
{
  g_return_if_fail (LAB_IS_TIMELINE (self));

  if (lab_timeline_model_set_now (self->model, now_us))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
lab_timeline_get_n_bars (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return lab_timeline_model_get_n_bars (self->model);
}

guint
lab_timeline_get_n_lanes (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return lab_timeline_model_get_n_lanes (self->model);
}

guint
lab_timeline_get_n_node_builds (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return self->n_node_builds;
}
