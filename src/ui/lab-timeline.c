/* lab-timeline.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "lab-timeline-private.h"

/* What every worker of one run does over time, drawn: a lane per worker, a
 * bar per task, on an axis that fits the run or the range zoomed to.  The
 * data lives in a LabTimelineModel, normalised as it arrives, so that a
 * frame only draws.  This file is the widget: its frame (what is cached,
 * when it is redrawn), tooltips and API.  Its layout (style, lanes' heights,
 * which lanes are bars and which too dense for them) is in
 * lab-timeline-layout.c, drawing in lab-timeline-draw.c and
 * lab-timeline-area.c, zoom and pan in lab-timeline-input.c. */

#define MIN_WIDTH            200
#define ACCESSIBLE_DELAY_MS  250

G_DEFINE_FINAL_TYPE (LabTimeline, lab_timeline, GTK_TYPE_WIDGET)

/* For tests only, declared here rather than in the header: how often a
 * cached node was rebuilt, how many finished bars were drawn into caches,
 * whether a lane is drawn as tasks in flight. */
guint    lab_timeline_get_n_node_builds (LabTimeline *self);
guint    lab_timeline_get_n_bars_drawn  (LabTimeline *self);
guint    lab_timeline_get_n_area_columns (LabTimeline *self);
gboolean lab_timeline_is_lane_dense     (LabTimeline *self,
                                         guint        lane);

static void
lab_timeline_lane_box_clear (gpointer data)
{
  LabTimelineLaneBox *box = data;

  g_clear_pointer (&box->chunks, g_ptr_array_unref);
  g_clear_pointer (&box->chunk_ends, g_array_unref);
  g_clear_pointer (&box->area.done, g_free);
  box->area.n_cols = 0;
}

/* Caches and redraws ------------------------------------------------------ */

void
lab_timeline_drop_caches (LabTimeline *self)
{
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  for (guint i = 0; i < self->boxes->len; i++)
    lab_timeline_lane_box_drop (lab_timeline_get_box (self, i));
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

  /* The consumer of a queue has a lane, but it is no worker. */
  if (n_lanes > 0 && lab_timeline_model_get_lane (self->model, n_lanes - 1)->consumer)
    n_lanes--;
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
      /* The consumer's lane stays last: a worker's lane may take its box.
       * Without a consumer, lanes are only added, each with a fresh box:
       * dropping every cache for each new lane made 10,000 thread lanes
       * cost O(N²) (a 1 s stall in the ten-thousand lesson). */
      if (n_lanes < n_lanes_before ||
          (n_lanes > 0 && lab_timeline_model_get_lane (self->model, n_lanes - 1)->consumer))
        lab_timeline_drop_caches (self);
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

static gboolean
lab_timeline_view_equal (const LabTimelineView *a,
                         const LabTimelineView *b)
{
  return a->width == b->width
         && a->height == b->height
         && a->plot_x == b->plot_x
         && a->plot_width == b->plot_width
         && a->from_us == b->from_us
         && a->to_us == b->to_us;
}

/* Drawing ------------------------------------------------------------------- */

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

  /* Bars that begin before the view are cut at its edge. */
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (view.plot_x, 0,
                                                         view.width - view.plot_x, view.height));

  for (guint i = 0; i < self->boxes->len; i++)
    {
      const LabTimelineLane *lane = lab_timeline_get_lane (self, i);
      LabTimelineLaneBox *box = lab_timeline_get_box (self, i);

      /* Lanes below the allocation are not drawn at all. */
      if (box->y >= view.height)
        break;

      lab_timeline_prepare_lane (self, &view, i);
      if (box->dense)
        {
          lab_timeline_update_lane_area (self, lane, box, &view);
          lab_timeline_append_lane_area (self, snapshot, i, box, &view);
          continue;
        }

      lab_timeline_update_lane_bars (self, lane, box, &view);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, box->y));
      for (guint c = 0; c < box->chunks->len; c++)
        {
          GskRenderNode *node = g_ptr_array_index (box->chunks, c);

          if (node != NULL)
            gtk_snapshot_append_node (snapshot, node);
        }
      gtk_snapshot_restore (snapshot);
    }

  /* Running bars grow every frame, so they are never cached; a dense lane
   * counts its own in its chart. */
  for (guint i = 0; i < running->len; i++)
    {
      const LabTimelineBar *bar = g_ptr_array_index (running, i);
      const LabTimelineLaneBox *box = lab_timeline_get_box (self, bar->lane);
      GdkRectangle rect;

      if (box->y >= view.height || box->dense || !box->cache_valid
          || bar->start_us > view.to_us
          || lab_timeline_model_get_bar_end (self->model, bar) < view.from_us)
        continue;

      lab_timeline_bar_rect (self, &view, box, bar, &rect);
      lab_timeline_append_bar (snapshot, rect.x, box->y + rect.y, rect.width, rect.height,
                               &self->running_color);
    }

  lab_timeline_append_marks (self, snapshot, &view);
  lab_timeline_append_cores_strip (self, snapshot, &view);

  gtk_snapshot_pop (snapshot);
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
  g_clear_pointer (&self->scratch, g_array_unref);
  g_clear_pointer (&self->scratch_fixed, g_array_unref);
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
  lab_timeline_input_class_init (widget_class);
}

static void
lab_timeline_init (LabTimeline *self)
{
  self->model = lab_timeline_model_new ();
  self->row_height = ROW_HEIGHT;
  self->boxes = g_array_new (FALSE, TRUE, sizeof (LabTimelineLaneBox));
  g_array_set_clear_func (self->boxes, lab_timeline_lane_box_clear);
  self->scratch = g_array_new (FALSE, FALSE, sizeof (double));
  self->scratch_fixed = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Axis labels: a little smaller, with digits of equal width so that they
   * do not jitter as the scale changes. */
  self->axis_attrs = pango_attr_list_new ();
  pango_attr_list_insert (self->axis_attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (self->axis_attrs, pango_attr_font_features_new ("tnum=1"));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  lab_timeline_input_init (self);
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
  self->legend_states = 0;
  g_array_set_size (self->boxes, 0);
  lab_timeline_view_changed (self);
  self->labels_valid = FALSE;

  lab_timeline_drop_caches (self);
  lab_timeline_layout_changed (self);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_set_lane_host:
 * @lane: the lane, created if needed
 * @host: (nullable): the machine the lane's worker runs on (distributed)
 */
void
lab_timeline_set_lane_host (LabTimeline *self,
                            guint        lane,
                            const char  *host)
{
  guint n_lanes, n_rows;

  g_return_if_fail (LAB_IS_TIMELINE (self));
  g_return_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES);

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  n_rows = lab_timeline_get_n_rows_or_0 (self, lane);
  if (lab_timeline_model_set_lane_host (self->model, lane, host))
    lab_timeline_drop_caches (self);   /* the lanes below move down */
  lab_timeline_lanes_changed (self, n_lanes, lane, n_rows);
  lab_timeline_layout_changed (self);
}

/* An empty lane at @lane; the lanes from there move down (distributed:
 * one more worker of a host whose lanes are not the last). */
void
lab_timeline_insert_lane (LabTimeline *self,
                          guint        lane)
{
  guint n_lanes;

  g_return_if_fail (LAB_IS_TIMELINE (self));
  g_return_if_fail (lane <= lab_timeline_model_get_n_lanes (self->model));

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  lab_timeline_model_insert_lane (self->model, lane);
  lab_timeline_lanes_changed (self, n_lanes, lane, 0);
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

  lab_timeline_states_changed (self);
  lab_timeline_lanes_changed (self, n_lanes, lane, n_rows);
  lab_timeline_data_changed (self);
}

/**
 * lab_timeline_add_item_mark:
 * @task: the item's producer
 * @taken: whether the consumer took it (else the producer put it)
 * @time_us: monotonic time
 *
 * Marks an item through a queue, see lab_timeline_model_add_item_mark().
 */
void
lab_timeline_add_item_mark (LabTimeline *self,
                            guint        task,
                            gboolean     taken,
                            gint64       time_us)
{
  guint n_lanes;

  g_return_if_fail (LAB_IS_TIMELINE (self));

  n_lanes = lab_timeline_model_get_n_lanes (self->model);
  if (lab_timeline_model_add_item_mark (self->model, task, taken, time_us))
    {
      self->labels_valid = FALSE;
      lab_timeline_lanes_changed (self, n_lanes, G_MAXUINT, 0);
    }
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

guint
lab_timeline_get_n_bars_drawn (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return self->n_bars_drawn;
}

guint
lab_timeline_get_n_area_columns (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return self->n_area_columns;
}

gboolean
lab_timeline_is_lane_dense (LabTimeline *self,
                            guint        lane)
{
  LabTimelineView view;

  g_return_val_if_fail (LAB_IS_TIMELINE (self), FALSE);
  g_return_val_if_fail (lane < self->boxes->len, FALSE);

  lab_timeline_ensure_laid_out (self);
  lab_timeline_compute_view (self, &view);
  lab_timeline_prepare_lane (self, &view, lane);
  return lab_timeline_get_box (self, lane)->dense;
}

/**
 * lab_timeline_get_visible_range:
 * @from_us: (out): the time at the plot's left end, from the run's start
 * @to_us: (out): the time at its right end
 *
 * Returns: whether the view is fitted to the run (rather than zoomed)
 */
gboolean
lab_timeline_get_visible_range (LabTimeline *self,
                                gint64      *from_us,
                                gint64      *to_us)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), TRUE);

  lab_timeline_model_get_visible (self->model, from_us, to_us);
  return lab_timeline_model_is_fitted (self->model);
}

/* The model's view moved (zoom, pan, fit): the next frame redraws, and
 * the zoom actions follow whether there is anything to fit. */
void
lab_timeline_view_changed (LabTimeline *self)
{
  gboolean fitted = lab_timeline_model_is_fitted (self->model);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.fit", !fitted);
  /* A zoomed view can be dragged along the run. */
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), fitted ? NULL : "grab");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
