/* lab-lesson-frozen-window.c — seed 003: a slow job in the click handler, then on a worker
 * thread, with a heartbeat on a stand-in main loop to show how long it froze
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

typedef struct
{
  gint64 last;
  gint64 worst;
} Heartbeat;

static gboolean
beat (gpointer data)
{
  Heartbeat *heartbeat = data;
  gint64 now = g_get_monotonic_time ();

  heartbeat->worst = MAX (heartbeat->worst, now - heartbeat->last - 10000);
  heartbeat->last = now;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  gboolean  done;
  LabRun   *run;
  GError   *error;
} AsyncStep;

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  AsyncStep *step = data;

  step->run = lab_runner_run_finish (NULL, result, &step->error);
  step->done = TRUE;
}

/* A main loop with a 10 ms heartbeat stands in for the window (the terminal
 * has none): first the job runs in the "click handler" itself, then on a
 * worker thread.  A cancelled job adds no step: the lesson ends there. */
static gboolean
frozen_run (const LabLesson  *lesson,
            LabRunner        *runner,
            gboolean          quick,
            GCancellable     *cancellable,
            LabLessonRun     *out,
            GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  Heartbeat heartbeat = { 0 };
  AsyncStep step = { 0 };
  GSource *timer;
  LabRun *run = NULL;
  gboolean ok = FALSE;

  plan->tasks = 1;
  plan->task_ms = quick ? 300 : 2000;
  workload = lab_workload_new (plan, error);
  if (workload == NULL)
    return FALSE;

  g_main_context_push_thread_default (context);
  timer = g_timeout_source_new (10);
  g_source_set_callback (timer, beat, &heartbeat, NULL);
  g_source_attach (timer, context);

  /* 1. Blocking: the handler waits for the job; no beat can happen. */
  heartbeat.last = g_get_monotonic_time ();
  heartbeat.worst = 0;
  run = lab_runner_run (runner, workload, LAB_MODE_SEQUENTIAL, cancellable, error);
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (context, TRUE);
  if (run == NULL || run->cancelled)
    goto out;
  lab_lesson_add_step (out, _("Job in the click handler: worst stall of a stand-in main loop"), NULL,
            heartbeat.worst);
  g_clear_pointer (&run, lab_run_free);

  /* 2. On a worker thread: the loop keeps beating.  Wait for the run to
   * end even when cancelled: it writes into @step. */
  heartbeat.last = g_get_monotonic_time ();
  heartbeat.worst = 0;
  lab_runner_run_async (runner, workload, LAB_MODE_SEQUENTIAL, cancellable, run_done, &step);
  while (!step.done)
    g_main_context_iteration (context, TRUE);
  run = g_steal_pointer (&step.run);
  if (run == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&step.error));
      goto out;
    }
  if (run->cancelled)
    goto out;
  lab_lesson_add_step (out, _("Job on a worker thread: worst stall of a stand-in main loop"), NULL,
            heartbeat.worst);
  ok = TRUE;

out:
  g_clear_pointer (&run, lab_run_free);
  g_clear_error (&step.error);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_pop_thread_default (context);
  return ok;
}

/* A stall a student would not notice: a few frames at 60 Hz. */
#define UNNOTICED_STALL_US 50000

static char *
frozen_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;

  if (s[0].value_us <= 10 * s[1].value_us)
    return g_strdup_printf (_("Unexpected: the loop paused %.2f s with the job in the handler and "
                              "%.2f s with a worker thread."),
                            s[0].value_us / 1e6, s[1].value_us / 1e6);
  if (s[1].value_us <= UNNOTICED_STALL_US)
    return g_strdup_printf (_("Running the job in the click handler froze the loop for %.2f s; on a "
                              "worker thread the worst pause was %.0f ms — the window stays alive."),
                            s[0].value_us / 1e6, s[1].value_us / 1e3);
  return g_strdup_printf (_("Running the job in the click handler froze the loop for %.2f s; on a "
                            "worker thread the worst pause was %.0f ms — far better, yet long "
                            "enough to notice: the machine is busy."),
                          s[0].value_us / 1e6, s[1].value_us / 1e3);
}

const LabLesson lab_lesson_frozen_window = {
  .id = "frozen-window",
  .seed = "003",
  .title = N_("The frozen window"),
  .short_title = N_("The frozen window"),
  .explanation =
    N_("A window runs a slow job right in the click handler, then on a worker thread. A heartbeat "
       "on the main loop tells how long the window could not react."),
  .question =
    N_("Predict: how long is the window frozen in each case?"),
  .run = frozen_run,
  .verdict = frozen_verdict,
};
