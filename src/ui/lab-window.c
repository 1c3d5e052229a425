/* lab-window.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window of seed 003's tkinter demo, grown up: Download runs the job
 * (on a thread of the engine, so the window stays alive), About always
 * answers, and while the job runs the timeline and the timings fill in.
 *
 * The window keeps the widgets, the actions and the settings; what a run
 * does, step by step, is the run controller's (lab-run-controller.c), and
 * the window only shows what the controller says.
 */

#define G_LOG_DOMAIN "lab-window"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-card-split.h"
#include "lab-export.h"
#include "lab-heartbeat.h"
#include "lab-lesson.h"
#include "lab-lesson-card.h"
#include "lab-out-dir-chooser.h"
#include "lab-presentation.h"
#include "lab-run-controller.h"
#include "lab-setup-panel.h"
#include "lab-timeline-pages.h"
#include "lab-timeline-switcher.h"
#include "lab-timings.h"
#include "lab-window.h"

struct _LabWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwFlap              *flap;
  GtkWidget            *content_box;
  GtkWidget            *blank_screen;
  LabSetupPanel        *setup_panel;
  LabOutDirChooser     *out_dir_chooser;
  LabLessonCard        *lesson_card;
  GtkWidget            *timings_heading;
  GtkWidget            *download_button;
  GtkWidget            *cancel_button;
  GtkWidget            *about_button;
  GtkStack             *timeline_stack;
  LabTimelinePages     *timeline_pages;          /* one per mode, kept for review */
  LabTimings           *timings;
  GtkLabel             *status_label;
  GtkLabel             *stall_label;

  GSettings            *settings;
  LabHeartbeat         *heartbeat;
  LabRunController     *controller;
  LabPresentation      *presentation;
  GCancellable         *export_cancellable;   /* cancelled when the window goes */
  guint                 tick_id;
};

G_DEFINE_FINAL_TYPE (LabWindow, lab_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_QUICK_LESSONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const LabLesson *selected_lesson (LabWindow *self);
static void lab_window_update_sensitivity (LabWindow *self);
static void lab_window_update_export (LabWindow *self);

static void
lab_window_set_status (LabWindow  *self,
                       const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (self->status_label), text) != 0)
    gtk_label_set_text (self->status_label, text);
}

static void
lab_window_update_stall (LabWindow *self)
{
  gint64 current = lab_heartbeat_get_current_us (self->heartbeat);
  gint64 worst = lab_heartbeat_get_worst_us (self->heartbeat);
  g_autofree char *text = NULL;

  if (worst >= 500 * G_TIME_SPAN_MILLISECOND)
    text = g_strdup_printf (_("UI stall: %d ms — the window was frozen for %.2f s"),
                            (int) (current / 1000), worst / 1e6);
  else
    text = g_strdup_printf (_("UI stall: %d ms, worst %d ms"),
                            (int) (current / 1000), (int) (worst / 1000));

  if (g_strcmp0 (gtk_label_get_text (self->stall_label), text) != 0)
    gtk_label_set_text (self->stall_label, text);
}

static void
lab_window_update_sensitivity (LabWindow *self)
{
  gboolean running = lab_run_controller_get_running (self->controller);
  gboolean lesson = selected_lesson (self) != NULL;

  lab_setup_panel_set_running (self->setup_panel, running);
  gtk_widget_set_visible (self->timings_heading, !lesson);
  gtk_widget_set_visible (GTK_WIDGET (self->timings), !lesson);
  /* Seed 003's About answers while the download runs; it belongs to that
   * job, and a lesson shows only its own controls (the menu keeps About). */
  gtk_widget_set_visible (self->about_button, lab_setup_panel_is_download_job (self->setup_panel));

  /* The button says what it will do. */
  gtk_button_set_label (GTK_BUTTON (self->download_button),
                        lab_setup_panel_get_button_label (self->setup_panel));
  gtk_widget_set_tooltip_text (self->download_button,
                               lesson ? _("Run the lesson’s steps (Ctrl+Return)")
                                      : _("Run the chosen job (Ctrl+Return)"));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", running);
  gtk_widget_set_visible (self->cancel_button, running);
  lab_window_update_export (self);
}

/* The seed lesson chosen, or NULL for a free experiment. */
static const LabLesson *
selected_lesson (LabWindow *self)
{
  return lab_setup_panel_get_lesson (self->setup_panel);
}

/* Another lesson (or none) is chosen: the last one's steps, pages and
 * timings go with its card. */
static void
lab_window_update_lesson (LabWindow *self)
{
  lab_run_controller_clear (self->controller);
  lab_lesson_card_set_lesson (self->lesson_card, selected_lesson (self));
  lab_window_update_export (self);
}

/* ---- What the run controller says, on the widgets ------------------------ */

static void
on_status (LabWindow *self)
{
  const char *text = lab_run_controller_get_status (self->controller);

  if (text != NULL)
    lab_window_set_status (self, text);
}

static gboolean
lab_window_tick (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  lab_run_controller_tick (LAB_WINDOW (widget)->controller);
  return G_SOURCE_CONTINUE;
}

static void
lab_window_stop_tick (LabWindow *self)
{
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

/* Every run goes through here, start and end: the controls follow, and so
 * can anyone watching the "running" property (the tests do). */
static void
on_running (LabWindow *self)
{
  gboolean running = lab_run_controller_get_running (self->controller);

  if (running && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), lab_window_tick, NULL, NULL);
  else if (!running)
    lab_window_stop_tick (self);

  lab_window_update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (!running && lab_run_controller_get_closing (self->controller))
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
lab_window_show_error (LabWindow  *self,
                       const char *message)
{
  lab_window_set_status (self, message);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
on_error (LabWindow  *self,
          const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
on_timings_reset (LabWindow          *self,
                  const char * const *stages)
{
  lab_timings_reset (self->timings, stages);
}

static void
on_timings_update (LabWindow    *self,
                   guint         mode,
                   const gint64 *stages,
                   gint64        total_us,
                   gint64        startup_us,
                   gboolean      running,
                   double        speedup,
                   int           verdict,
                   const char   *note)
{
  lab_timings_update (self->timings, mode, lab_mode_get_title (mode), stages, total_us, startup_us,
                      running, speedup, verdict, note);
}

static void
on_steps_cleared (LabWindow *self)
{
  lab_lesson_card_clear_steps (self->lesson_card);
}

static void
on_step_added (LabWindow           *self,
               guint                row,
               const LabLessonStep *step,
               gint                 page)
{
  lab_lesson_card_add_step (self->lesson_card, row, step, page);
}

static void
on_step_page_activated (LabWindow *self,
                        guint      page)
{
  lab_timeline_pages_select (self->timeline_pages, page);
}

static void
on_verdict (LabWindow  *self,
            const char *verdict)
{
  lab_lesson_card_set_verdict (self->lesson_card, verdict);
}

static void
lab_window_connect_controller (LabWindow *self)
{
  static const struct {
    const char *signal;
    GCallback   callback;
  } handlers[] = {
    { "notify::status", G_CALLBACK (on_status) },
    { "notify::running", G_CALLBACK (on_running) },
    { "error", G_CALLBACK (on_error) },
    { "timings-reset", G_CALLBACK (on_timings_reset) },
    { "timings-update", G_CALLBACK (on_timings_update) },
    { "steps-cleared", G_CALLBACK (on_steps_cleared) },
    { "step-added", G_CALLBACK (on_step_added) },
    { "verdict", G_CALLBACK (on_verdict) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect_object (self->controller, handlers[i].signal, handlers[i].callback, self,
                             G_CONNECT_SWAPPED);
  /* Distributed: where one more worker can join the run's own broker. */
  g_signal_connect_object (lab_run_controller_get_feed (self->controller), "broker-ready",
                           G_CALLBACK (lab_setup_panel_set_local_broker), self->setup_panel,
                           G_CONNECT_SWAPPED);
}

/* ---- Actions ------------------------------------------------------------- */

static void
lab_window_run (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LabWindow *self = LAB_WINDOW (widget);
  LabMode modes[LAB_N_MODES];
  guint n_modes;

  if (lab_run_controller_get_running (self->controller))
    return;

  if (selected_lesson (self) != NULL)
    {
      lab_run_controller_run_lesson (self->controller, selected_lesson (self));
      return;
    }

  n_modes = lab_setup_panel_get_modes (self->setup_panel, modes);
  lab_run_controller_run_job (self->controller, lab_setup_panel_dup_plan (self->setup_panel),
                              modes, n_modes, lab_setup_panel_get_stage (self->setup_panel),
                              lab_setup_panel_get_latency_ms (self->setup_panel),
                              lab_setup_panel_get_ui_thread (self->setup_panel));
}

static void
lab_window_cancel (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  lab_run_controller_cancel (LAB_WINDOW (widget)->controller);
}

static void
lab_window_choose_out_dir (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  lab_out_dir_chooser_choose (LAB_WINDOW (widget)->out_dir_chooser);
}

static void
on_out_dir_message (LabWindow  *self,
                    const char *message,
                    gboolean    is_error)
{
  if (is_error)
    lab_window_show_error (self, message);
  else
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* ---- Export (lab-export.c) ------------------------------------------------ */

/* Something to export once a job or lesson has shown its results, and not
 * while the next one runs. */
static void
lab_window_update_export (LabWindow *self)
{
  LabRunResults *results = lab_run_controller_get_results (self->controller);
  gboolean enabled = !lab_run_controller_get_running (self->controller) && results != NULL
                     && lab_run_results_get_n_rows (results) > 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-trace", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-image", enabled);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-csv", enabled);
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(LabWindow) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = lab_export_finish (result, &error);
  g_autofree char *markup = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);
  /* The window is gone: no toast on it. */
  if (self == NULL || self->export_cancellable == NULL
      || g_cancellable_is_cancelled (self->export_cancellable)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* A toast's title is markup, and a file name may hold a '&'. */
  if (message == NULL)
    lab_window_set_status (self, error->message);
  markup = g_markup_escape_text (message != NULL ? message : error->message, -1);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

/* Export Trace…, Export Timeline Image… (at a scale: 2 for slides),
 * Export Timings CSV…: the file chooser, then the file. */
static void
lab_window_export (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LabWindow *self = LAB_WINDOW (widget);
  LabRunResults *results = lab_run_controller_get_results (self->controller);
  GWeakRef *weak;
  LabExportKind kind = g_str_equal (action_name, "win.export-trace") ? LAB_EXPORT_TRACE
                       : g_str_equal (action_name, "win.export-csv") ? LAB_EXPORT_CSV
                       : LAB_EXPORT_IMAGE;

  if (results == NULL || lab_run_controller_get_running (self->controller))
    return;
  /* Not a reference: the window must be free to go while the chooser
   * asks (it then cancels the export). */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  lab_export_choose_async (GTK_WINDOW (self), kind, results, self->content_box,
                           parameter != NULL ? CLAMP (g_variant_get_uint32 (parameter), 1, 2) : 1,
                           self->export_cancellable, exported, weak);
}

static gboolean
lab_window_close_request (GtkWindow *window)
{
  LabWindow *self = LAB_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  /* A run stops first, then the window goes: every mode stops within a
   * fraction of a second, and the window is gone from the screen
   * meanwhile. */
  if (lab_run_controller_close (self->controller))
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }

  return GTK_WINDOW_CLASS (lab_window_parent_class)->close_request (window);
}

static void
lab_window_setup_controls (LabWindow *self)
{
  lab_setup_panel_bind_settings (self->setup_panel, self->settings);
  g_signal_connect_object (self->setup_panel, "lesson-changed", G_CALLBACK (lab_window_update_lesson),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->setup_panel, "changed", G_CALLBACK (lab_window_update_sensitivity),
                           self, G_CONNECT_SWAPPED);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* The meter counts from the moment the window is on the screen: building
 * it is no freeze anyone could see. */
static void
lab_window_map (GtkWidget *widget)
{
  LabWindow *self = LAB_WINDOW (widget);

  GTK_WIDGET_CLASS (lab_window_parent_class)->map (widget);
  lab_heartbeat_start (self->heartbeat);
}

static void
lab_window_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  LabWindow *self = LAB_WINDOW (widget);

  GTK_WIDGET_CLASS (lab_window_parent_class)->size_allocate (widget, width, height, baseline);
  if (self->presentation != NULL)
    lab_presentation_resized (self->presentation, width, height);
}

static void
lab_window_unmap (GtkWidget *widget)
{
  LabWindow *self = LAB_WINDOW (widget);

  lab_heartbeat_stop (self->heartbeat);
  GTK_WIDGET_CLASS (lab_window_parent_class)->unmap (widget);
}

static void
lab_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  LabWindow *self = LAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, lab_run_controller_get_running (self->controller));
      break;

    case PROP_QUICK_LESSONS:
      g_value_set_boolean (value, lab_run_controller_get_quick_lessons (self->controller));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  LabWindow *self = LAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_QUICK_LESSONS:
      if (lab_run_controller_get_quick_lessons (self->controller) != g_value_get_boolean (value))
        {
          lab_run_controller_set_quick_lessons (self->controller, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_window_dispose (GObject *object)
{
  LabWindow *self = LAB_WINDOW (object);

  lab_window_stop_tick (self);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  /* A run still on comes back to a controller that no longer talks to
   * us; it ends the worker processes when that run lets it go. */
  if (self->controller != NULL)
    {
      lab_run_controller_stop (self->controller);
      g_signal_handlers_disconnect_by_data (self->controller, self);
      g_signal_handlers_disconnect_by_data (self->controller, self->timeline_pages);
    }
  g_clear_object (&self->controller);
  g_clear_object (&self->timeline_pages);

  g_clear_object (&self->presentation);
  g_clear_object (&self->out_dir_chooser);
  g_clear_object (&self->heartbeat);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lab_window_parent_class)->dispose (object);
}

static void
lab_window_class_init (LabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lab_window_dispose;
  object_class->get_property = lab_window_get_property;
  object_class->set_property = lab_window_set_property;
  widget_class->map = lab_window_map;
  widget_class->unmap = lab_window_unmap;
  widget_class->size_allocate = lab_window_size_allocate;
  window_class->close_request = lab_window_close_request;

  /* TRUE from Download (or a lesson's start) until the run is over,
   * cancelled or not: the state the buttons follow, and tests wait for. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Lessons at the small size their tests use. */
  properties[PROP_QUICK_LESSONS] =
    g_param_spec_boolean ("quick-lessons", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LAB_TYPE_CARD_SPLIT);
  g_type_ensure (LAB_TYPE_LESSON_CARD);
  g_type_ensure (LAB_TYPE_SETUP_PANEL);
  g_type_ensure (LAB_TYPE_TIMELINE);
  g_type_ensure (LAB_TYPE_TIMELINE_SWITCHER);
  g_type_ensure (LAB_TYPE_TIMINGS);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concurrencylab/ConcurrencyLab/lab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LabWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, blank_screen);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, setup_panel);
  /* Reachable by name (tests look them up), with no field of their own. */
  gtk_widget_class_bind_template_child_full (widget_class, "sidebar_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "card_split", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "card_scroller", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, lesson_card);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timings_heading);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, download_button);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, about_button);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timeline_stack);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timings);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, stall_label);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, lab_window_run);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, lab_window_cancel);
  gtk_widget_class_install_action (widget_class, "win.choose-out-dir", NULL, lab_window_choose_out_dir);
  gtk_widget_class_install_action (widget_class, "win.export-trace", NULL, lab_window_export);
  gtk_widget_class_install_action (widget_class, "win.export-image", "u", lab_window_export);
  gtk_widget_class_install_action (widget_class, "win.export-csv", NULL, lab_window_export);
}

static void
lab_window_init (LabWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->export_cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  self->heartbeat = lab_heartbeat_new ();
  g_signal_connect_object (self->heartbeat, "notify::current-us",
                           G_CALLBACK (lab_window_update_stall), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->heartbeat, "notify::worst-us",
                           G_CALLBACK (lab_window_update_stall), self, G_CONNECT_SWAPPED);
  self->controller = lab_run_controller_new (self->heartbeat, self->settings);
  self->timeline_pages = lab_timeline_pages_new (self->timeline_stack,
                                                 lab_run_controller_get_feed (self->controller));
  /* Where each mode's time went, for its timings row. */
  g_signal_connect_object (lab_run_controller_get_feed (self->controller), "time-by-state",
                           G_CALLBACK (lab_timings_set_time_by_state), self->timings,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->lesson_card, "page-activated", G_CALLBACK (on_step_page_activated),
                           self, G_CONNECT_SWAPPED);
  lab_window_connect_controller (self);

  lab_window_setup_controls (self);
  self->presentation = lab_presentation_new (GTK_WINDOW (self), self->flap, self->content_box,
                                             self->blank_screen, GTK_WIDGET (self->lesson_card),
                                             self->settings);
  self->out_dir_chooser = lab_out_dir_chooser_new (GTK_WINDOW (self), self->settings,
                                                   lab_setup_panel_get_out_dir_row (self->setup_panel));
  g_signal_connect_object (self->out_dir_chooser, "message", G_CALLBACK (on_out_dir_message), self,
                           G_CONNECT_SWAPPED);
  lab_window_update_lesson (self);
  lab_window_update_sensitivity (self);
  lab_window_update_stall (self);
  {
    /* The button's words as shown, without their mnemonic mark. */
    GtkWidget *label = gtk_button_get_child (GTK_BUTTON (self->download_button));
    g_autofree char *status = g_strdup_printf (_("Choose a job or a lesson and press “%s”."),
                                               gtk_label_get_text (GTK_LABEL (label)));

    if (lab_setup_panel_is_download_job (self->setup_panel))
      lab_window_set_status (self, _("Choose a job and press Download."));
    else
      lab_window_set_status (self, status);
  }
}

LabWindow *
lab_window_new (LabApplication *application)
{
  return g_object_new (LAB_TYPE_WINDOW, "application", application, NULL);
}

gboolean
lab_window_get_running (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);

  return lab_run_controller_get_running (self->controller);
}

const char *
lab_window_get_status (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return gtk_label_get_text (self->status_label);
}

const char *
lab_window_get_verdict (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_lesson_card_get_verdict (self->lesson_card);
}

gint64
lab_window_get_worst_stall_us (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), 0);

  return lab_heartbeat_get_worst_us (self->heartbeat);
}

LabTimings *
lab_window_get_timings (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->timings;
}

/* The timeline of @mode's runs. */
LabTimeline *
lab_window_get_timeline (LabWindow *self,
                         LabMode    mode)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);
  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  return lab_timeline_pages_get_timeline (self->timeline_pages, mode);
}

guint
lab_window_get_n_lesson_pages (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), 0);

  return lab_timeline_pages_get_n_lesson_pages (self->timeline_pages);
}

/* The timeline of the lesson's @n-th run (from 0), or NULL. */
LabTimeline *
lab_window_get_lesson_timeline (LabWindow *self,
                                guint      n)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_timeline_pages_get_lesson_timeline (self->timeline_pages, n);
}

const char *
lab_window_get_lesson_page_title (LabWindow *self,
                                  guint      n)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_timeline_pages_get_lesson_title (self->timeline_pages, n);
}

/* The worst stall the meter measured in each step of the last frozen-window
 * lesson, or -1 where there is none. */
gint64
lab_window_get_lesson_step_us (LabWindow *self,
                               guint      step)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), -1);

  return lab_run_controller_get_lesson_step_us (self->controller, step);
}

LabSetupPanel *
lab_window_get_setup_panel (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->setup_panel;
}

LabPresentation *
lab_window_get_presentation (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->presentation;
}

GArray *
lab_window_dup_worker_pids (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_run_controller_dup_worker_pids (self->controller);
}
