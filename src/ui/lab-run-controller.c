/* lab-run-controller.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sequence of a run, without a single widget: the modes still to run
 * and the pipeline's stages, here; what their timings rows and the status
 * line say in lab-run-controller-timings.c; a lesson's steps in
 * lab-run-controller-lessons.c; the built-in server and the folder a
 * pipeline waits for in lab-run-controller-server.c.  The window owns one
 * and listens: the "running" and "status"
 * properties, and signals for the timings and the lesson card.  What the
 * workers report on the way goes to the timeline through the controller's
 * feed (lab-run-feed.c).
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-files.h"
#include "lab-run-controller-private.h"
#include "lab-timings.h"

G_DEFINE_FINAL_TYPE (LabRunController, lab_run_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_STATUS,
  PROP_QUICK_LESSONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint lab_run_controller_signals[N_CONTROLLER_SIGNALS];

static void run_next_mode (LabRunController *self);

void
lab_run_controller_set_status (LabRunController *self,
                               const char       *text)
{
  if (g_strcmp0 (self->status, text) == 0)
    return;

  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/* Every run goes through here, start and end: the window's controls
 * follow, and so can anyone watching the "running" property. */
void
lab_run_controller_set_running (LabRunController *self,
                                gboolean          running)
{
  if (self->running == running)
    return;

  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
lab_run_controller_show_error (LabRunController *self,
                               const char       *message)
{
  lab_run_controller_set_status (self, message);
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_ERROR], 0, message);
}

void
lab_run_controller_finish_batch (LabRunController *self)
{
  /* The window may go when the run is over, and take us with it. */
  g_autoptr(LabRunController) hold = g_object_ref (self);

  lab_run_feed_stop (self->feed);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_object (&self->frozen_lesson);
  lab_run_controller_close_server_to_network (self);
  self->in_lesson = FALSE;
  lab_run_controller_set_running (self, FALSE);
}

/* A mode is over: go on with the next, or stop.  @error is set when the
 * mode could not run at all; cancelling is no error to report. */
void
lab_run_controller_after_mode (LabRunController *self,
                               const GError     *error)
{
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lab_run_controller_set_status (self, _("Cancelled."));
      else
        lab_run_controller_show_error (self, error->message);
      lab_run_controller_finish_batch (self);
    }
  else if (g_cancellable_is_cancelled (self->cancellable) || self->closing)
    lab_run_controller_finish_batch (self);
  else
    run_next_mode (self);
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LabRunController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run_finish (NULL, result, &error);

  if (run != NULL)
    lab_run_controller_record_run (self, g_steal_pointer (&run));
  lab_run_controller_after_mode (self, error);
}

static void
pipeline_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LabRunController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPipelineRun) run = lab_pipeline_run_finish (result, &error);

  if (run != NULL)
    lab_run_controller_record_pipeline_run (self, run);
  lab_run_controller_after_mode (self, error);
}

static void
run_next_mode (LabRunController *self)
{
  if (self->pending_modes == NULL || self->pending_modes->len == 0)
    {
      if (self->n_job_modes > 1)
        {
          g_autofree char *status = g_strdup_printf (_("All modes finished in %.2f s."),
                                                     (g_get_monotonic_time () - self->batch_start_us) / 1e6);
          lab_run_controller_set_status (self, status);
        }
      lab_run_controller_finish_batch (self);
      return;
    }

  self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
  g_array_remove_index (self->pending_modes, 0);
  lab_run_feed_begin_mode (self->feed);

  lab_run_controller_timings_update (self, self->current_mode, NULL, 0, 0, TRUE, NAN,
                                     LAB_VERDICT_PENDING, NULL);

  if (self->pipeline != NULL)
    {
      lab_pipeline_run_async (self->pipeline, self->runner, self->current_mode, self->cancellable,
                              pipeline_done, g_object_ref (self));
      return;
    }

  lab_runner_run_async (self->runner, self->workload, self->current_mode, self->cancellable,
                        run_done, g_object_ref (self));
}

/* Seed 003's first tkinter version: the click handler does the whole job
 * itself and returns only when it is over.  Until then GTK can neither
 * draw nor answer a click — the window freezes, and the heartbeat misses
 * every beat, which is what the meter shows afterwards. */
static void
run_on_ui_thread (LabRunController *self)
{
  while (self->pending_modes->len > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabRun) run = NULL;

      self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
      g_array_remove_index (self->pending_modes, 0);
      lab_run_feed_begin_mode (self->feed);

      if (self->pipeline != NULL)
        {
          g_autoptr(LabPipelineRun) pipeline_run = lab_pipeline_run (self->pipeline, self->runner,
                                                                     self->current_mode, NULL, &error);
          if (pipeline_run == NULL)
            {
              lab_run_controller_show_error (self, error->message);
              break;
            }
          lab_run_controller_record_pipeline_run (self, pipeline_run);
          continue;
        }

      run = lab_runner_run (self->runner, self->workload, self->current_mode, NULL, &error);
      if (run == NULL)
        {
          lab_run_controller_show_error (self, error->message);
          break;
        }
      lab_run_controller_record_run (self, g_steal_pointer (&run));
    }

  lab_run_controller_finish_batch (self);
}

/* ---- Free experiments --------------------------------------------------- */

/* The job is ready (and its server, for a download job): set up the table
 * and the timelines, and go. */
void
lab_run_controller_start_job (LabRunController *self,
                              LabPlan          *plan)
{
  g_autoptr(GError) error = NULL;
  const char *stages[] = { NULL, NULL };

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);

  /* A download job fetches from the built-in server, ready by now. */
  if (!lab_run_controller_plan_uses_server (plan)
      || lab_run_controller_use_server (self, plan, &error))
    {
      if (g_str_equal (plan->workload, "pipeline"))
        {
          self->pipeline = lab_pipeline_new (plan, &error);
          if (self->pipeline != NULL)
            self->workload = g_object_ref (lab_pipeline_get_stage (self->pipeline,
                                                                   LAB_STAGE_DOWNLOAD));
        }
      else
        self->workload = lab_workload_new (plan, &error);
    }

  if (self->workload == NULL)
    {
      lab_run_controller_show_error (self, error->message);
      lab_run_controller_finish_batch (self);
      return;
    }

  self->pending_modes = g_array_copy (self->job_modes);
  self->n_job_modes = self->job_modes->len;
  lab_run_controller_set_results (self, lab_run_results_new_job (plan));

  if (self->pipeline != NULL)
    {
      const char *pipeline_stages[LAB_N_STAGES + 1] = { NULL };

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        pipeline_stages[stage] = lab_stage_get_title (stage);
      g_signal_emit (self, lab_run_controller_signals[SIGNAL_TIMINGS_RESET], 0, pipeline_stages);
    }
  else
    {
      stages[0] = self->stage_title;
      g_signal_emit (self, lab_run_controller_signals[SIGNAL_TIMINGS_RESET], 0, stages);
    }

  /* One timeline page per mode of this job; the others are hidden. */
  lab_run_feed_begin_job (self->feed, self->workload, self->pipeline != NULL,
                          (const LabMode *) self->pending_modes->data, self->pending_modes->len);
  self->sequential_wall_us = 0;
  self->batch_start_us = g_get_monotonic_time ();

  if (self->on_ui_thread)
    {
      run_on_ui_thread (self);
      return;
    }

  lab_run_feed_start (self->feed);
  lab_run_controller_set_status (self, _("Starting…"));
  run_next_mode (self);
}

/* Runs @plan (taken over) in each of @modes, one after another; with
 * @on_ui_thread, inside this call, freezing the window as seed 003 does.
 * @stage_title names the timings' column of a one-stage job. */
void
lab_run_controller_run_job (LabRunController *self,
                            LabPlan          *plan,
                            const LabMode    *modes,
                            guint             n_modes,
                            const char       *stage_title,
                            guint             latency_ms,
                            gboolean          on_ui_thread)
{
  g_autoptr(LabPlan) owned_plan = plan;

  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));
  g_return_if_fail (plan != NULL);
  g_return_if_fail (modes != NULL && n_modes > 0);

  if (self->running)
    return;

  {
    g_autoptr(GError) error = NULL;

    if (!lab_run_controller_check_distributed (self, plan, modes, n_modes, &error))
      {
        lab_run_controller_show_error (self, error->message);
        return;
      }
  }

  g_clear_pointer (&self->job_modes, g_array_unref);
  self->job_modes = g_array_sized_new (FALSE, FALSE, sizeof (LabMode), n_modes);
  g_array_append_vals (self->job_modes, modes, n_modes);
  self->stage_title = stage_title;
  self->latency_ms = latency_ms;
  self->on_ui_thread = on_ui_thread;

  self->cancellable = g_cancellable_new ();
  /* The meter's worst covers everything the click starts, making the
   * server included. */
  lab_heartbeat_reset_worst (self->heartbeat);
  lab_run_controller_set_running (self, TRUE);

  if (!lab_run_controller_plan_uses_server (plan) || !lab_run_controller_needs_server (self, plan))
    lab_run_controller_start_job (self, plan);
  else
    lab_run_controller_prepare_server (self, g_steal_pointer (&owned_plan));
}

void
lab_run_controller_cancel (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      lab_run_controller_set_status (self, _("Cancelling…"));
      lab_run_controller_stop_waiting_for_server (self);
    }
}

/* The window is asked to close.  Returns TRUE when a run must stop first:
 * it is cancelled, and "running" turns FALSE when it has (within a
 * fraction of a second); lab_run_controller_get_closing() says why. */
gboolean
lab_run_controller_close (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  /* Still making the server: nothing ran yet, nothing to wait for. */
  if (self->waiting_plan != NULL)
    {
      lab_server_preparer_forget (self->server_preparer);
      lab_run_controller_finish_batch (self);
    }

  if (!self->running)
    return FALSE;

  self->closing = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

/* The window is going without waiting: cancel whatever runs, and drop the
 * timers that would call back into it. */
void
lab_run_controller_stop (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  lab_run_feed_stop (self->feed);
  if (self->frozen_lesson != NULL)
    lab_frozen_lesson_stop (self->frozen_lesson);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->server_preparer != NULL)
    lab_server_preparer_forget (self->server_preparer);
}

/* Once per frame, from the window: the events of the run, if one is on. */
void
lab_run_controller_tick (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  if (lab_run_feed_is_draining (self->feed))
    lab_run_feed_drain (self->feed);
}

gboolean
lab_run_controller_get_running (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->running;
}

const char *
lab_run_controller_get_status (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return self->status;
}

gboolean
lab_run_controller_get_closing (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->closing;
}

gboolean
lab_run_controller_get_quick_lessons (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->quick_lessons;
}

void
lab_run_controller_set_quick_lessons (LabRunController *self,
                                      gboolean          quick_lessons)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  quick_lessons = !!quick_lessons;
  if (self->quick_lessons == quick_lessons)
    return;

  self->quick_lessons = quick_lessons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUICK_LESSONS]);
}

/* The worst stall the meter measured in each step of the last frozen-window
 * lesson, or -1 where there is none. */
gint64
lab_run_controller_get_lesson_step_us (LabRunController *self,
                                       guint             step)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), -1);

  if (step >= self->last_lesson_n_steps)
    return -1;
  return self->last_lesson_step_us[step];
}

/* Where the run's events go, for the timeline. */
LabRunFeed *
lab_run_controller_get_feed (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return self->feed;
}

GArray *
lab_run_controller_dup_worker_pids (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return lab_runner_dup_worker_pids (self->runner);
}

static void
lab_run_controller_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;

    case PROP_QUICK_LESSONS:
      g_value_set_boolean (value, self->quick_lessons);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_controller_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_QUICK_LESSONS:
      lab_run_controller_set_quick_lessons (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_controller_dispose (GObject *object)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  lab_run_controller_stop (self);
  g_clear_object (&self->heartbeat);
  g_clear_object (&self->settings);
  g_clear_object (&self->workload);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_object (&self->frozen_lesson);
  g_clear_object (&self->server_preparer);

  G_OBJECT_CLASS (lab_run_controller_parent_class)->dispose (object);
}

static void
lab_run_controller_finalize (GObject *object)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  /* No run holds the runner any more (a run keeps the controller alive);
   * this ends the worker processes. */
  g_clear_pointer (&self->runner, lab_runner_free);
  g_clear_object (&self->feed);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  g_clear_pointer (&self->server, lab_server_free);
  g_clear_pointer (&self->job_modes, g_array_unref);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->results, lab_run_results_unref);

  /* The pipeline's files were only ever for the demonstration. */
  if (self->out_dir != NULL)
    lab_remove_folder (self->out_dir);
  g_clear_pointer (&self->out_dir, g_free);

  G_OBJECT_CLASS (lab_run_controller_parent_class)->finalize (object);
}

static void
lab_run_controller_class_init (LabRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_run_controller_dispose;
  object_class->finalize = lab_run_controller_finalize;
  object_class->get_property = lab_run_controller_get_property;
  object_class->set_property = lab_run_controller_set_property;

  /* TRUE from the start of a job or lesson until it is over, cancelled or
   * not. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* One sentence on what happens now, for the status line. */
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Lessons at the small size their tests use. */
  properties[PROP_QUICK_LESSONS] =
    g_param_spec_boolean ("quick-lessons", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A run could not start or go on, or the teacher must know something
   * before it does (a broker without a password, a server open to the
   * network): a sentence for a toast. */
  lab_run_controller_signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The timings start over with these stage columns (a NULL-terminated
   * array of strings, or NULL). */
  lab_run_controller_signals[SIGNAL_TIMINGS_RESET] =
    g_signal_new ("timings-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* A mode's row: mode, stage times (gint64 array or NULL), total,
   * start-up, still running, speed-up, LabVerdict, note. */
  lab_run_controller_signals[SIGNAL_TIMINGS_UPDATE] =
    g_signal_new ("timings-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 8, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_INT64, G_TYPE_INT64,
                  G_TYPE_BOOLEAN, G_TYPE_DOUBLE, G_TYPE_INT, G_TYPE_STRING);
  /* The lesson card's steps and verdict go. */
  lab_run_controller_signals[SIGNAL_STEPS_CLEARED] =
    g_signal_new ("steps-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* row, a LabLessonStep, the timeline page of its run (or -1) */
  lab_run_controller_signals[SIGNAL_STEP_ADDED] =
    g_signal_new ("step-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_INT);
  lab_run_controller_signals[SIGNAL_VERDICT] =
    g_signal_new ("verdict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
lab_run_controller_init (LabRunController *self)
{
  self->server_preparer = lab_server_preparer_new ();
  self->feed = lab_run_feed_new ();
  g_signal_connect_object (self->feed, "drained", G_CALLBACK (lab_run_controller_on_drained), self,
                           G_CONNECT_SWAPPED);
  self->runner = lab_runner_new ();
  lab_runner_set_events (self->runner, lab_run_feed_get_events (self->feed));
}

/* A controller for runs whose stalls @heartbeat measures, saving where
 * @settings' "out-dir" says. */
LabRunController *
lab_run_controller_new (LabHeartbeat *heartbeat,
                        GSettings    *settings)
{
  LabRunController *self;

  g_return_val_if_fail (LAB_IS_HEARTBEAT (heartbeat), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LAB_TYPE_RUN_CONTROLLER, NULL);
  self->heartbeat = g_object_ref (heartbeat);
  self->settings = g_object_ref (settings);
  return self;
}
