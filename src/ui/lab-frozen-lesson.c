/* lab-frozen-lesson.c — seed 003's frozen window, in the app's very window
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one lesson whose steps run on the UI thread itself.  Step 1 runs the
 * job in the handler itself: the window freezes, exactly as the seed's
 * tkinter button does, and the heartbeat misses every beat.  Step 2 hands
 * the same job to a worker thread and returns at once: the heartbeat goes
 * on.  The verdict compares the two stalls the meter measured.
 */

#define G_LOG_DOMAIN "lab-frozen-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-frozen-lesson.h"

struct _LabFrozenLesson
{
  GObject                   parent_instance;

  LabHeartbeat             *heartbeat;
  LabRunner                *runner;       /* the owner's */
  GCancellable             *cancellable;
  LabFrozenLessonCallbacks  callbacks;
  GObject                  *owner;        /* borrowed: it owns us */
  GObject                  *owner_hold;   /* while step 2 runs: the runner is the owner's */

  LabLessonRun             *lesson_run;
  LabWorkload              *workload;
  LabRun                   *blocking_run; /* step 1, until its stall is measured */
  guint                     timer_id;
};

G_DEFINE_FINAL_TYPE (LabFrozenLesson, lab_frozen_lesson, G_TYPE_OBJECT)

/* @run (transfer full) stays with its step: the window finds the step's
 * timeline page by it, and names the page after the step. */
static void
add_step (LabFrozenLesson *self,
          const char      *label,
          LabRun          *run,
          gint64           stall_us)
{
  LabLessonStep *step;

  g_assert (self->lesson_run->n_steps < LAB_LESSON_MAX_STEPS);
  step = &self->lesson_run->steps[self->lesson_run->n_steps++];
  step->label = g_strdup (label);
  step->value_us = stall_us;   /* the stall, not the job's time: that is the lesson */
  if (!lab_run_is_ok (run))
    self->lesson_run->ok = FALSE;
  step->run = run;
}

static void
end (LabFrozenLesson *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = g_steal_pointer (&self->lesson_run);

  if (run->n_steps == 2 && !g_cancellable_is_cancelled (self->cancellable))
    run->verdict = run->lesson->verdict (run);
  else
    g_clear_pointer (&run, lab_lesson_run_free);

  if (run == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
  self->callbacks.done (run, error, self->owner);
}

static void
step2_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(LabFrozenLesson) self = user_data;
  g_autoptr(GObject) owner = g_steal_pointer (&self->owner_hold);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run_finish (NULL, result, &error);

  if (run == NULL)
    {
      self->callbacks.done (NULL, error, self->owner);
      return;
    }

  add_step (self, _("Job on a worker thread: worst stall"), g_steal_pointer (&run),
            lab_heartbeat_get_worst_us (self->heartbeat));
  end (self);
}

static gboolean
step2 (gpointer data)
{
  g_autoptr(LabFrozenLesson) self = g_object_ref (data);   /* the owner may drop us at the end */
  g_autoptr(LabRun) run = g_steal_pointer (&self->blocking_run);

  self->timer_id = 0;
  add_step (self, _("Job in the click handler: worst stall"), g_steal_pointer (&run),
            lab_heartbeat_get_worst_us (self->heartbeat));
  /* The class sees the freeze's length while step 2 runs. */
  self->callbacks.step_added (0, &self->lesson_run->steps[0], self->owner);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      end (self);
      return G_SOURCE_REMOVE;
    }

  /* 2. On a worker thread: the handler returns at once, the window lives. */
  lab_heartbeat_reset_worst (self->heartbeat);
  self->callbacks.status (_("Step 2: the same job on a worker thread — the window stays alive."),
                          self->owner);
  self->owner_hold = g_object_ref (self->owner);
  lab_runner_run_async (self->runner, self->workload, LAB_MODE_SEQUENTIAL, self->cancellable,
                        step2_done, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static gboolean
step1 (gpointer data)
{
  g_autoptr(LabFrozenLesson) self = g_object_ref (data);   /* the owner may drop us at the end */
  g_autoptr(GError) error = NULL;

  self->timer_id = 0;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      end (self);
      return G_SOURCE_REMOVE;
    }

  /* 1. Blocking: this handler waits for the job, and while it waits the
   * UI thread can neither draw nor answer — nor beat. */
  lab_heartbeat_reset_worst (self->heartbeat);
  self->blocking_run = lab_runner_run (self->runner, self->workload, LAB_MODE_SEQUENTIAL,
                                       self->cancellable, &error);
  if (self->blocking_run == NULL)
    {
      self->callbacks.done (NULL, error, self->owner);
      return G_SOURCE_REMOVE;
    }

  /* The freeze is measured by the first beat after it, the one that comes
   * late.  It is overdue, so it runs before this later timer. */
  self->timer_id = g_timeout_add (2 * LAB_HEARTBEAT_INTERVAL_MS, step2, self);
  g_source_set_name_by_id (self->timer_id, "[lab] frozen lesson, step 2");
  return G_SOURCE_REMOVE;
}

/* Starts @lesson's two steps on @runner, the stalls measured by
 * @heartbeat; @callbacks tell @owner (which keeps the returned object, and
 * stays alive while a step runs on a thread) how it goes. */
LabFrozenLesson *
lab_frozen_lesson_start (const LabLesson                *lesson,
                         LabHeartbeat                   *heartbeat,
                         LabRunner                      *runner,
                         gboolean                        quick,
                         GCancellable                   *cancellable,
                         const LabFrozenLessonCallbacks *callbacks,
                         GObject                        *owner)
{
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  LabFrozenLesson *self;

  g_return_val_if_fail (lesson != NULL, NULL);
  g_return_val_if_fail (LAB_IS_HEARTBEAT (heartbeat), NULL);
  g_return_val_if_fail (runner != NULL, NULL);
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (owner), NULL);

  self = g_object_new (LAB_TYPE_FROZEN_LESSON, NULL);
  self->heartbeat = g_object_ref (heartbeat);
  self->runner = runner;
  self->cancellable = g_object_ref (cancellable);
  self->callbacks = *callbacks;
  self->owner = owner;

  /* The job of the lesson's terminal version: one task, 2 s (0.3 s small). */
  plan = lab_plan_new ("sleep");
  plan->tasks = 1;
  plan->task_ms = quick ? 300 : 2000;
  self->workload = lab_workload_new (plan, &error);
  if (self->workload == NULL)
    {
      self->callbacks.done (NULL, error, self->owner);
      return self;
    }

  self->lesson_run = g_new0 (LabLessonRun, 1);
  self->lesson_run->lesson = lesson;
  self->lesson_run->ok = TRUE;

  /* Give the window a moment to show what is about to happen: frozen, it
   * could not say so any more. */
  self->callbacks.status (_("Step 1: the job runs in the click handler — the window freezes."),
                          self->owner);
  self->timer_id = g_timeout_add (100, step1, self);
  g_source_set_name_by_id (self->timer_id, "[lab] frozen lesson, step 1");
  return self;
}

/* TRUE from the start until the verdict (or the error) is handed over. */
gboolean
lab_frozen_lesson_is_running (LabFrozenLesson *self)
{
  g_return_val_if_fail (LAB_IS_FROZEN_LESSON (self), FALSE);

  return self->lesson_run != NULL;
}

/* The owner is going: no step starts any more. */
void
lab_frozen_lesson_stop (LabFrozenLesson *self)
{
  g_return_if_fail (LAB_IS_FROZEN_LESSON (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
}

static void
lab_frozen_lesson_dispose (GObject *object)
{
  LabFrozenLesson *self = LAB_FROZEN_LESSON (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_pointer (&self->lesson_run, lab_lesson_run_free);
  g_clear_pointer (&self->blocking_run, lab_run_free);
  g_clear_object (&self->workload);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->heartbeat);
  g_clear_object (&self->owner_hold);

  G_OBJECT_CLASS (lab_frozen_lesson_parent_class)->dispose (object);
}

static void
lab_frozen_lesson_class_init (LabFrozenLessonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_frozen_lesson_dispose;
}

static void
lab_frozen_lesson_init (LabFrozenLesson *self)
{
}
