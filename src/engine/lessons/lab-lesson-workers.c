/* lab-lesson-workers.c — seed 004: eight worker threads on a queue of downloads against a
 * fresh pool of eight processes, and what starting the processes costs
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

static gboolean
workers_run (const LabLesson  *lesson,
             LabRunner        *runner,
             gboolean          quick,
             GCancellable     *cancellable,
             LabLessonRun     *out,
             GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabServer) server = NULL;

  plan->tasks = quick ? 16 : 40;
  plan->workers = 8;
  /* --quick: two rounds of 150 ms waits, so each step lasts ≥ 0.3 s. */
  server = lab_lesson_serve_files (plan, 256 * 1024, quick ? 150 : 100, error);
  if (server == NULL)
    return FALSE;

  if (!lab_lesson_run_step (out, runner, _("8 worker threads on a queue"), plan, LAB_MODE_THREADS,
                            cancellable, error))
    return FALSE;
  /* The lesson is what starting processes costs: a new pool, not a warm one. */
  plan->fresh_workers = TRUE;
  return lab_lesson_run_step (out, runner, _("A pool of 8 processes"), plan, LAB_MODE_PROCESSES,
                              cancellable, error);
}

/* What starting the processes cost this run: nothing if the pool was warm. */
static char *
startup_text (const LabLessonStep *processes)
{
  gint64 startup = lab_lesson_step_startup (processes);

  if (startup == 0)
    return g_strdup (_("The pool of processes was already running: this run paid nothing to "
                       "start it."));
  return g_strdup_printf (_("Starting the processes cost %.2f s more, counted in their time here."),
                          startup / 1e6);
}

static char *
workers_verdict_numbers (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  gint64 startup = lab_lesson_step_startup (&s[1]);
  double threads = s[0].value_us / 1e6, processes = (s[1].value_us + startup) / 1e6;
  g_autofree char *started = startup_text (&s[1]);

  switch (lab_lesson_compare (processes, threads))
    {
    case LAB_COMPARISON_ABOVE:
      return g_strdup_printf (_("Threads finished in %.2f s, the pool of processes in %.2f s: for "
                                "downloads, threads are the cheaper workers. %s"),
                              threads, processes, started);
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("Threads (%.2f s) and the pool of processes (%.2f s) took about the "
                                "same time: waiting for downloads gains nothing from processes. %s"),
                              threads, processes, started);
    case LAB_COMPARISON_BELOW:
    default:
      return g_strdup_printf (_("Here the pool of processes (%.2f s) beat the threads (%.2f s) — on "
                                "this machine the seed’s preference for threads does not show. %s"),
                              processes, threads, started);
    }
}

/* The numbers, then where the time went (lab-states.c), measured. */
static char *
workers_verdict (LabLessonRun *run)
{
  char *verdict = workers_verdict_numbers (run);

  verdict = lab_lesson_add_state_text (verdict, &run->steps[0], LAB_STATE_IO);
  return verdict;
}

const LabLesson lab_lesson_workers = {
  .id = "workers",
  .seed = "004",
  .title = N_("Eight workers on a queue"),
  .short_title = N_("Eight workers on a queue"),
  .explanation =
    N_("Eight worker threads take download jobs from a queue; then a pool of eight processes does "
       "the same."),
  .question =
    N_("Predict: which finishes first, and what do the processes pay before they start?"),
  .run = workers_run,
  .verdict = workers_verdict,
};
