/* lab-workload-sleep.c — waiting, the way a database query or a slow
 * server keeps a program waiting (seeds 002 and 003)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task waits --task-ms and does nothing else.  The CPU is idle all the
 * time, so every mode that can wait for several things at once finishes
 * about N times sooner: threads, processes, and an event loop alike.
 */

#define G_LOG_DOMAIN "lab-workload-sleep"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-workload-sleep.h"

struct _LabWorkloadSleep
{
  LabWorkload parent_instance;
};

G_DEFINE_FINAL_TYPE (LabWorkloadSleep, lab_workload_sleep, LAB_TYPE_WORKLOAD)

static gint64
task_duration_us (LabWorkload *workload)
{
  return (gint64) lab_workload_get_plan (workload)->task_ms * G_TIME_SPAN_MILLISECOND;
}

static gboolean
lab_workload_sleep_prepare (LabWorkload  *workload,
                            GError      **error)
{
  return TRUE;
}

static char *
lab_workload_sleep_dup_task_name (LabWorkload *workload,
                                  guint        index)
{
  return g_strdup_printf (_("query %u"), index + 1);
}

static gboolean
lab_workload_sleep_run_task (LabWorkload     *workload,
                             LabTaskContext  *context,
                             GBytes          *input,
                             LabTaskRecord   *record,
                             GError         **error)
{
  /* In Python, time.sleep () lets go of the GIL while it waits: take it for
   * the line of code that calls sleep, then release it for the wait. */
  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  if (!lab_sleep_cancellable (task_duration_us (workload), context->cancellable, error))
    return FALSE;

  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  record->value = g_strdup_printf ("%u", lab_workload_get_plan (workload)->task_ms);
  return TRUE;
}

/* On an event loop nobody may block: the task arms a timer and returns at
 * once, so the loop is free to start the next task.  The timer calls back
 * when the wait is over. */
typedef struct
{
  LabTaskRecord *record;
  GSource       *timer;
  GSource       *cancelled;
} SleepState;

static void
sleep_state_free (gpointer data)
{
  SleepState *state = data;

  g_source_destroy (state->timer);
  g_source_unref (state->timer);
  if (state->cancelled != NULL)
    {
      g_source_destroy (state->cancelled);
      g_source_unref (state->cancelled);
    }
  g_free (state);
}

/* Whichever source fires first ends the task and removes the other one:
 * each source holds a reference on the task (g_task_attach_source), so a
 * source left behind would keep the task, and itself, alive forever. */
static gboolean
sleep_timer_cb (gpointer data)
{
  GTask *task = data;
  SleepState *state = g_task_get_task_data (task);

  state->record->end_us = g_get_monotonic_time ();
  state->record->value = g_strdup_printf ("%u",
                                          lab_workload_get_plan (g_task_get_source_object (task))->task_ms);
  if (state->cancelled != NULL)
    g_source_destroy (state->cancelled);
  g_task_return_boolean (task, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  GTask *task = data;
  SleepState *state = g_task_get_task_data (task);

  g_source_destroy (state->timer);
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

static void
lab_workload_sleep_run_task_async (LabWorkload         *workload,
                                   LabTaskContext      *context,
                                   GBytes              *input,
                                   LabTaskRecord       *record,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SleepState *state;

  task = g_task_new (workload, context->cancellable, callback, user_data);
  g_task_set_source_tag (task, lab_workload_sleep_run_task_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  state = g_new0 (SleepState, 1);
  state->record = record;
  state->timer = g_timeout_source_new (lab_workload_get_plan (workload)->task_ms);
  g_source_set_static_name (state->timer, "[lab] sleep task");
  g_task_set_task_data (task, state, sleep_state_free);

  /* From here on the sources keep the task alive until one of them fires. */
  g_task_attach_source (task, state->timer, sleep_timer_cb);
  if (context->cancellable != NULL)
    {
      state->cancelled = g_cancellable_source_new (context->cancellable);
      g_task_attach_source (task, state->cancelled, G_SOURCE_FUNC (sleep_cancelled_cb));
    }
}

static gboolean
lab_workload_sleep_verify (LabWorkload  *workload,
                           LabRun       *run,
                           GError      **error)
{
  gint64 wanted = task_duration_us (workload);

  /* Every task must really have waited as long as it was told to. */
  for (guint i = 0; i < run->n_records; i++)
    {
      const LabTaskRecord *record = &run->records[i];

      if (record->end_us - record->start_us < wanted - G_TIME_SPAN_MILLISECOND)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("Task %u waited only %.1f ms instead of %u ms."),
                       i + 1, (record->end_us - record->start_us) / 1000.0,
                       lab_workload_get_plan (workload)->task_ms);
          return FALSE;
        }
    }

  /* Translators: e.g. "10×100 ms": ten waits of 100 ms */
  run->result = g_strdup_printf (_("%u×%u ms"), run->n_records, lab_workload_get_plan (workload)->task_ms);
  return TRUE;
}

static void
lab_workload_sleep_class_init (LabWorkloadSleepClass *klass)
{
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  workload_class->prepare = lab_workload_sleep_prepare;
  workload_class->dup_task_name = lab_workload_sleep_dup_task_name;
  workload_class->run_task = lab_workload_sleep_run_task;
  workload_class->run_task_async = lab_workload_sleep_run_task_async;
  workload_class->verify = lab_workload_sleep_verify;
}

static void
lab_workload_sleep_init (LabWorkloadSleep *self)
{
}
