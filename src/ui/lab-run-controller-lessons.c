/* lab-run-controller-lessons.c — a seed lesson's steps, from the click to
 * the verdict
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lesson runs its steps one after another on a thread of its own (the
 * frozen-window lesson on the UI thread itself, in lab-frozen-lesson.c);
 * their events reach the timeline as any run's do, each run on a page of
 * its own, and at the end the card gets a row per step and the verdict.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-controller-private.h"
#include "lab-thread-task.h"

/* The steps' table and the verdict, or why there is none. */
static void
show_lesson_run (LabRunController *self,
                 LabLessonRun     *run,
                 const GError     *error)
{
  lab_run_feed_drain (self->feed);
  lab_run_feed_set_lesson_now (self->feed, 0);

  if (run == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lab_run_controller_set_status (self, _("Cancelled."));
      else
        lab_run_controller_show_error (self, error->message);
    }
  else
    {
      g_signal_emit (self, lab_run_controller_signals[SIGNAL_STEPS_CLEARED], 0);
      self->last_lesson_n_steps = run->n_steps;
      for (guint i = 0; i < run->n_steps; i++)
        {
          /* The step's run had a page of its own: it takes the step's
           * name, and the card's row leads to it. */
          gint page = lab_run_feed_find_lesson_page (self->feed, run->steps[i].run);

          if (page >= 0)
            {
              lab_run_feed_title_page (self->feed, page, run->steps[i].label);
              lab_run_feed_name_lanes (self->feed, page, run->steps[i].run);
            }
          self->last_lesson_step_us[i] = run->steps[i].value_us;
          g_signal_emit (self, lab_run_controller_signals[SIGNAL_STEP_ADDED], 0, i, &run->steps[i],
                         page);
        }
      g_signal_emit (self, lab_run_controller_signals[SIGNAL_VERDICT], 0, run->verdict);
      lab_run_controller_set_status (self, run->ok ? _("The lesson is done; the verdict is in.")
                                                   : _("The lesson ran, but not every step verified."));
      /* Shown: its runs move to the export. */
      lab_run_controller_set_results (self, lab_run_results_new_lesson (run));
    }

  lab_run_controller_finish_batch (self);
}

/* What a lesson's thread needs: the lesson, and the runner of its steps
 * (the controller, and so the runner, lives until the lesson is done). */
typedef struct
{
  const LabLesson *lesson;
  LabRunner       *runner;
  gboolean         quick;
} LessonJob;

static gpointer
lesson_thread (gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  LessonJob *job = data;

  return lab_lesson_run (job->lesson, job->runner, job->quick, cancellable, error);
}

static void
lesson_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LabRunController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = lab_thread_task_finish (result, lab_run_controller_run_lesson, &error);

  show_lesson_run (self, run, error);
}

/* The frozen-window lesson (lab-frozen-lesson.c) reports here. */
static void
frozen_status (const char *status,
               gpointer    user_data)
{
  lab_run_controller_set_status (user_data, status);
}

static void
frozen_step_added (guint                row,
                   const LabLessonStep *step,
                   gpointer             user_data)
{
  g_signal_emit (user_data, lab_run_controller_signals[SIGNAL_STEP_ADDED], 0, row, step, -1);
}

static void
frozen_done (LabLessonRun *run,
             const GError *error,
             gpointer      user_data)
{
  show_lesson_run (user_data, run, error);
}

static const LabFrozenLessonCallbacks frozen_callbacks = {
  frozen_status,
  frozen_step_added,
  frozen_done,
};

void
lab_run_controller_run_lesson (LabRunController *self,
                               const LabLesson  *lesson)
{
  LessonJob *job;

  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));
  g_return_if_fail (lesson != NULL);

  if (self->running)
    return;

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_STEPS_CLEARED], 0);
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_TIMINGS_RESET], 0, NULL);
  lab_run_controller_set_results (self, NULL);
  lab_run_feed_begin_lesson (self->feed);
  lab_heartbeat_reset_worst (self->heartbeat);

  self->last_lesson_n_steps = 0;
  self->in_lesson = TRUE;
  self->cancellable = g_cancellable_new ();
  lab_run_controller_set_running (self, TRUE);
  lab_run_feed_start (self->feed);
  lab_run_controller_set_status (self, _("Lesson running…"));

  if (g_str_equal (lesson->id, "frozen-window"))
    {
      g_clear_object (&self->frozen_lesson);
      self->frozen_lesson = lab_frozen_lesson_start (lesson, self->heartbeat, self->runner,
                                                     self->quick_lessons, self->cancellable,
                                                     &frozen_callbacks, G_OBJECT (self));
      return;
    }

  /* The lesson's steps run one after another on a thread of their own;
   * their events reach the timeline as any run's do. */
  job = g_new0 (LessonJob, 1);
  job->lesson = lesson;
  job->runner = self->runner;
  job->quick = self->quick_lessons;
  lab_thread_task_run (lab_run_controller_run_lesson, lesson_thread, job, g_free,
                       (GDestroyNotify) lab_lesson_run_free, self->cancellable, lesson_done,
                       g_object_ref (self));
}

/* Another lesson is chosen: the last one's card rows, timeline pages and
 * timings go with it.  Nothing happens while a run is on. */
void
lab_run_controller_clear (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  if (self->running)
    return;

  g_signal_emit (self, lab_run_controller_signals[SIGNAL_STEPS_CLEARED], 0);
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_TIMINGS_RESET], 0, NULL);
  lab_run_feed_clear (self->feed);
  lab_run_controller_set_results (self, NULL);
  self->last_lesson_n_steps = 0;
}

