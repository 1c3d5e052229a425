/* lab-timeline-private.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* What the timeline widget's files share: its instance, the geometry of a
 * frame, and the caches of a lane.  lab-timeline.c is the widget (snapshot,
 * API), lab-timeline-layout.c its style, lanes' heights and places, and
 * bars-or-area per lane, lab-timeline-draw.c draws bars and the axis,
 * lab-timeline-area.c the tasks-in-flight chart, lab-timeline-marks.c the
 * items through a queue, lab-timeline-states.c where the time went (a
 * bar's pieces, the legend, the cores-busy strip), lab-timeline-tooltip.c
 * explains a bar, lab-timeline-input.c zooms and pans. */

#include "lab-timeline.h"
#include "lab-timeline-model.h"

G_BEGIN_DECLS

#define ROW_HEIGHT           14    /* one sub-row at 100 %: a 12 px bar and a 2 px gap */
#define MAX_VISIBLE_ROWS     12    /* a lane grows no taller; more sub-rows are squeezed */
#define MAX_STACKED_ROWS     32    /* beyond this, stacked bars are no longer legible */
#define MIN_BAR_SPACE        4     /* px per bar per sub-row for bars to stay legible */
#define LANE_PADDING         7
#define LABEL_PADDING        12
#define RIGHT_PADDING        16
#define TICK_LENGTH          5
#define HOST_HEADER_HEIGHT   18    /* a host's name above its workers' lanes (distributed) */

/* Everything the cached nodes depend on besides the data and the style. */
typedef struct
{
  int    width;
  int    height;
  int    plot_x;            /* where from_us is drawn */
  int    plot_width;
  gint64 from_us;           /* the visible range, relative to the run's start */
  gint64 to_us;
} LabTimelineView;

/* "Tasks in flight" of one lane, one value per pixel column of the plot:
 * the time each task spends inside a column, summed, over the column's
 * duration, i.e. the average number in flight there.  Kept as a direct
 * part (a task's partial columns) and a difference array (its whole
 * columns, +1 where they begin, -1 after), so a task costs O(1); in fixed
 * point, so that the sums do not depend on the order tasks came in. */
typedef struct
{
  int     n_cols;
  gint64 *done;             /* 4 × n_cols: done, done_diff, failed, failed_diff */
} LabTimelineArea;

/* Where a lane of the model is drawn, and what is cached for it. */
typedef struct
{
  int             y;                /* layout, in widget coordinates */
  int             height;
  int             rows_top;         /* the first sub-row, from y */
  int             content_height;   /* the sub-rows' pixels */
  int             row_height;       /* one sub-row, ROW_HEIGHT grown with the text */

  /* What the caches below were made for; any change drops them. */
  gboolean        cache_valid;
  guint           generation;       /* the lane's */
  guint           n_rows_shown;     /* bars: the sub-rows in view share the content height */
  gboolean        dense;            /* drawn as tasks in flight rather than bars */

  /* The lane's finished bars are appended as they finish: lane->finished
   * [0, n_cached) are in the caches already. */
  guint           n_cached;
  GPtrArray      *chunks;           /* GskRenderNode (or NULL), the bars of each chunk */
  GArray         *chunk_ends;       /* guint, one past each chunk's last finished bar */
  LabTimelineArea area;
  int             area_settled;     /* dense: chunks hold the chart's columns before this */
  double          area_top;         /* dense: the count the chunks' lane top stands for */
} LabTimelineLaneBox;

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
  int                   legend_height;  /* 0: no legend (no finished bar yet) */
  int                   strip_height;   /* 0: no cores-busy strip (no sample yet) */
  guint                 legend_states;  /* 1 << LabState for each state in the legend */
  int                   legend_right;   /* where the legend's last entry ends, as drawn */
  int                   row_height;    /* ROW_HEIGHT at the text's scale */
  gboolean              full_contrast; /* axis labels as dark as the text */
  guint                 style_valid : 1;
  guint                 labels_valid : 1;
  guint                 layout_valid : 1;

  LabTimelineView       view;          /* what the cached nodes were drawn for */
  GskRenderNode        *frame_node;    /* axis, grid, lane stripes and labels */
  guint                 n_node_builds;
  guint                 n_bars_drawn;  /* finished bars put into chunks, for the tests */
  guint                 n_area_columns; /* columns of charts put into chunks, for the tests */

  GArray               *strips;        /* scratch: one LabTimelineStrip per sub-row */
  GArray               *scratch;       /* scratch: the area's columns, double */
  GArray               *scratch_fixed; /* scratch: the running tasks' columns, fixed point */

  double                pointer_x;     /* -1 while the pointer is elsewhere */
  double                zoom_scale;    /* the pinch gesture's last scale */
  gint64                drag_from_us;  /* the view's start when a drag began */
  double                drag_us_per_px;

  guint                 accessible_id;
};

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

/* lab-timeline.c */
void     lab_timeline_drop_caches         (LabTimeline              *self);
void     lab_timeline_view_changed        (LabTimeline              *self);

/* lab-timeline-layout.c */
gboolean lab_timeline_resolve_style       (LabTimeline              *self);
void     lab_timeline_ensure_laid_out     (LabTimeline              *self);
void     lab_timeline_compute_view        (LabTimeline              *self,
                                           LabTimelineView          *view);
void     lab_timeline_prepare_lane        (LabTimeline              *self,
                                           const LabTimelineView    *view,
                                           guint                     lane_index);

/* lab-timeline-draw.c */
int      lab_timeline_view_x              (const LabTimelineView    *view,
                                           gint64                    time_us);
gint64   lab_timeline_view_time           (const LabTimelineView    *view,
                                           double                    x);
double   lab_timeline_box_row_height      (const LabTimelineLaneBox *box);
void     lab_timeline_bar_rect            (LabTimeline              *self,
                                           const LabTimelineView    *view,
                                           const LabTimelineLaneBox *box,
                                           const LabTimelineBar     *bar,
                                           GdkRectangle             *rect);
void     lab_timeline_append_bar          (GtkSnapshot              *snapshot,
                                           int                       x,
                                           int                       y,
                                           int                       width,
                                           int                       height,
                                           const GdkRGBA            *color);
void     lab_timeline_lane_box_drop       (LabTimelineLaneBox       *box);
void     lab_timeline_lane_box_ensure_chunks (LabTimelineLaneBox    *box);
void     lab_timeline_update_lane_bars    (LabTimeline              *self,
                                           const LabTimelineLane    *lane,
                                           LabTimelineLaneBox       *box,
                                           const LabTimelineView    *view);
void     lab_timeline_update_lane_area    (LabTimeline              *self,
                                           const LabTimelineLane    *lane,
                                           LabTimelineLaneBox       *box,
                                           const LabTimelineView    *view);
void     lab_timeline_append_lane_area    (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           guint                     lane,
                                           LabTimelineLaneBox       *box,
                                           const LabTimelineView    *view);
int      lab_timeline_axis_height         (LabTimeline              *self);
GskRenderNode *
         lab_timeline_build_frame_node    (LabTimeline              *self,
                                           const LabTimelineView    *view);

/* lab-timeline-tooltip.c */
gboolean lab_timeline_query_tooltip       (GtkWidget                *widget,
                                           int                       x,
                                           int                       y,
                                           gboolean                  keyboard_tooltip,
                                           GtkTooltip               *tooltip);

/* lab-timeline-marks.c */
void     lab_timeline_append_marks        (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           const LabTimelineView    *view);

/* lab-timeline-states.c */
gboolean lab_timeline_states_layout       (LabTimeline              *self);
int      lab_timeline_states_label_width  (LabTimeline              *self);
void     lab_timeline_states_changed      (LabTimeline              *self);
const GdkRGBA *
         lab_timeline_bar_color           (LabTimeline              *self,
                                           const LabTimelineBar     *bar);
void     lab_timeline_append_bar_states   (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           const LabTimelineView    *view,
                                           const LabTimelineBar     *bar,
                                           int                       x,
                                           int                       y,
                                           int                       width,
                                           int                       height);
void     lab_timeline_append_legend       (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           const LabTimelineView    *view);
void     lab_timeline_append_strip_frame  (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           const LabTimelineView    *view);
void     lab_timeline_append_cores_strip  (LabTimeline              *self,
                                           GtkSnapshot              *snapshot,
                                           const LabTimelineView    *view);
gboolean lab_timeline_states_query_tooltip (LabTimeline             *self,
                                           int                       x,
                                           int                       y,
                                           GtkTooltip               *tooltip);
void     lab_timeline_states_describe_bar (LabTimeline              *self,
                                           const LabTimelineBar     *bar,
                                           gint64                    time_us,
                                           GString                  *text);

/* lab-timeline-input.c */
void     lab_timeline_input_class_init    (GtkWidgetClass           *widget_class);
void     lab_timeline_input_init          (LabTimeline              *self);

G_END_DECLS
