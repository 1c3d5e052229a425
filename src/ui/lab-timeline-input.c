/* lab-timeline-input.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Zoom and pan on the timeline: Ctrl+scroll and pinch zoom around the
 * pointer, + and - around it (or the middle), a drag or a sideways scroll
 * pans, and 0, Home or the timeline.fit action go back to the whole run.
 * The view itself is the model's (lab_timeline_model_zoom and friends);
 * this file only turns input into those calls. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <math.h>

#include "lab-timeline-private.h"

#define ZOOM_STEP        1.5    /* one key press or one wheel notch */
#define PAN_STEP_PX      60     /* one arrow key press or one sideways notch */

/* Zooms by @factor, keeping the time under @x where it is. */
static void
lab_timeline_zoom_at (LabTimeline *self,
                      double       factor,
                      double       x)
{
  LabTimelineView view;

  lab_timeline_compute_view (self, &view);
  x = CLAMP (x, view.plot_x, view.plot_x + view.plot_width);
  if (lab_timeline_model_zoom (self->model, factor, lab_timeline_view_time (&view, x)))
    lab_timeline_view_changed (self);
}

static void
lab_timeline_pan_px (LabTimeline *self,
                     double       dx)
{
  LabTimelineView view;
  gint64 delta;

  lab_timeline_compute_view (self, &view);
  delta = (gint64) (dx * (double) (view.to_us - view.from_us) / view.plot_width);
  if (lab_timeline_model_pan (self->model, delta))
    lab_timeline_view_changed (self);
}

/* Where keys zoom: at the pointer while it is over the plot, else in the
 * middle. */
static double
lab_timeline_zoom_x (LabTimeline *self)
{
  LabTimelineView view;

  lab_timeline_compute_view (self, &view);
  if (self->pointer_x >= view.plot_x)
    return self->pointer_x;
  return view.plot_x + view.plot_width / 2.0;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           LabTimeline              *self)
{
  self->pointer_x = x;
}

static void
leave_cb (GtkEventControllerMotion *controller,
          LabTimeline              *self)
{
  self->pointer_x = -1;
}

/* Ctrl+wheel zooms; a sideways wheel pans.  A plain wheel is left to the
 * scrolled window around, which moves through the lanes. */
static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           LabTimeline              *self)
{
  GdkModifierType state;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if (state & GDK_CONTROL_MASK)
    {
      if (dy != 0)
        lab_timeline_zoom_at (self, pow (ZOOM_STEP, -dy), lab_timeline_zoom_x (self));
      return TRUE;
    }

  if (dx != 0 && !lab_timeline_model_is_fitted (self->model))
    {
      lab_timeline_pan_px (self, dx * PAN_STEP_PX);
      return TRUE;
    }
  return FALSE;
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               LabTimeline      *self)
{
  self->zoom_scale = 1.0;
}

static void
zoom_scale_changed_cb (GtkGestureZoom *gesture,
                       double          scale,
                       LabTimeline    *self)
{
  double x, y;

  if (scale <= 0 || self->zoom_scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = lab_timeline_zoom_x (self);
  lab_timeline_zoom_at (self, scale / self->zoom_scale, x);
  self->zoom_scale = scale;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               LabTimeline    *self)
{
  LabTimelineView view;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  lab_timeline_compute_view (self, &view);
  self->drag_from_us = view.from_us;
  self->drag_us_per_px = (double) (view.to_us - view.from_us) / view.plot_width;
}

/* The time under the pointer stays under it as it moves. */
static void
drag_update_cb (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                LabTimeline    *self)
{
  gint64 from, to;
  gint64 wanted;

  if (lab_timeline_model_is_fitted (self->model))
    return;

  lab_timeline_model_get_visible (self->model, &from, &to);
  wanted = self->drag_from_us - (gint64) (offset_x * self->drag_us_per_px);
  if (lab_timeline_model_pan (self->model, wanted - from))
    lab_timeline_view_changed (self);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LabTimeline *self = LAB_TIMELINE (widget);

  lab_timeline_zoom_at (self, ZOOM_STEP, lab_timeline_zoom_x (self));
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LabTimeline *self = LAB_TIMELINE (widget);

  lab_timeline_zoom_at (self, 1 / ZOOM_STEP, lab_timeline_zoom_x (self));
}

static void
fit_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LabTimeline *self = LAB_TIMELINE (widget);

  if (lab_timeline_model_fit (self->model))
    lab_timeline_view_changed (self);
}

static gboolean
pan_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  lab_timeline_pan_px (LAB_TIMELINE (widget), g_variant_get_int32 (args) * PAN_STEP_PX);
  return TRUE;
}

void
lab_timeline_input_class_init (GtkWidgetClass *widget_class)
{
  static const struct {
    guint       keyval;
    const char *action;
  } keys[] = {
    { GDK_KEY_plus, "timeline.zoom-in" },
    { GDK_KEY_equal, "timeline.zoom-in" },
    { GDK_KEY_KP_Add, "timeline.zoom-in" },
    { GDK_KEY_minus, "timeline.zoom-out" },
    { GDK_KEY_KP_Subtract, "timeline.zoom-out" },
    { GDK_KEY_0, "timeline.fit" },
    { GDK_KEY_KP_0, "timeline.fit" },
    { GDK_KEY_Home, "timeline.fit" },
  };

  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "timeline.fit", NULL, fit_action);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].keyval, 0, keys[i].action, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, pan_shortcut_cb, "i", -1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, pan_shortcut_cb, "i", 1);
}

void
lab_timeline_input_init (LabTimeline *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->pointer_x = -1;
  gtk_widget_set_focusable (widget, TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gtk_widget_action_set_enabled (widget, "timeline.fit", FALSE);
}
