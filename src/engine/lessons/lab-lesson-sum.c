/* lab-lesson-sum.c — seed 003: the sum of 1 to 100,000,000 over eight workers, with
 * both clocks: after the processes run, and end to end
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

static gboolean
sum_run (const LabLesson  *lesson,
         LabRunner        *runner,
         gboolean          quick,
         GCancellable     *cancellable,
         LabLessonRun     *out,
         GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  LabRun *processes;

  plan->tasks = 8;
  plan->workers = 8;
  /* The seed's 100,000,000 takes C under 0.1 s: too short to time.
   * Measured here (1.15e9 to 2.8e9 numbers a second per core), 2.5e9 keeps
   * even the parallel steps of --quick above 0.4 s on an idle machine. */
  plan->n = quick ? G_GUINT64_CONSTANT (2500000000) : G_GUINT64_CONSTANT (4000000000);
  /* The end-to-end clock must include starting the processes: a new pool. */
  plan->fresh_workers = TRUE;
  if (!lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_SEQUENTIAL, cancellable, error) ||
      !lab_lesson_run_step (out, runner, _("8 processes, clock started after they run"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  processes = out->steps[1].run;
  lab_lesson_add_step (out, _("8 processes, end to end (start-up included)"), NULL,
            processes->wall_us + processes->startup_us);

  if (!lab_lesson_run_step (out, runner, _("8 threads without the GIL (C)"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->gil = TRUE;
  return lab_lesson_run_step (out, runner, _("8 threads with the GIL"), plan, LAB_MODE_THREADS, cancellable, error);
}

static char *
sum_verdict_numbers (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  guint ideal = MIN (8, g_get_num_processors ());
  gint64 startup = lab_lesson_step_startup (&s[1]);
  g_autofree char *after_start = lab_lesson_ideal_text (lab_lesson_times (&s[0], &s[1]), ideal);
  g_autofree char *end_to_end = lab_lesson_ideal_text (lab_lesson_times (&s[0], &s[2]), ideal);
  g_autofree char *threads = lab_lesson_ideal_text (lab_lesson_times (&s[0], &s[3]), ideal);
  g_autofree char *gil = lab_lesson_speed_text (lab_lesson_times (&s[0], &s[4]));
  g_autofree char *clocks = NULL;

  if (startup == 0)
    clocks = g_strdup_printf (_("8 processes took %.3f s against %.3f s in one: %s. The pool was "
                                "already running, so this run paid nothing to start it and both "
                                "clocks agree."),
                              s[1].value_us / 1e6, s[0].value_us / 1e6, after_start);
  else
    clocks = g_strdup_printf (_("With the clock started after the processes are running, 8 "
                                "processes took %.3f s against %.3f s in one: %s. End to end, with "
                                "%.3f s to start them, %.3f s: %s. The seed’s timer hides that "
                                "start-up."),
                              s[1].value_us / 1e6, s[0].value_us / 1e6, after_start,
                              startup / 1e6, s[2].value_us / 1e6, end_to_end);

  return g_strdup_printf (_("%s C threads: %s. Threads with the GIL were %s."), clocks, threads, gil);
}

/* The numbers, then where the time went (lab-states.c), measured. */
static char *
sum_verdict (LabLessonRun *run)
{
  char *verdict = sum_verdict_numbers (run);

  verdict = lab_lesson_add_state_text (verdict, &run->steps[3], LAB_STATE_RUNQUEUE);
  verdict = lab_lesson_add_state_text (verdict, &run->steps[4], LAB_STATE_GIL);
  return verdict;
}

const LabLesson lab_lesson_sum = {
  .id = "sum",
  .seed = "003",
  .title = N_("Divide and conquer, and its two clocks"),
  .short_title = N_("Divide and conquer"),
  .explanation =
    N_("A sum of 1 to N, split over eight workers and merged. The seed sums to 100,000,000, which "
       "C adds up in under a tenth of a second, too short to time: here N is a billion or more. "
       "The seed starts its timer only once the processes run; here both clocks are shown, and "
       "threads too. On Linux the seed’s multiprocessing started its processes with fork, the "
       "default until Python 3.14 made forkserver the default start method. The workers here are "
       "this program started afresh, as Python’s spawn does, and the end-to-end clock counts "
       "that start-up."),
  .question =
    N_("Predict: how much faster are eight processes, and does the clock change the answer?"),
  .run = sum_run,
  .verdict = sum_verdict,
};
