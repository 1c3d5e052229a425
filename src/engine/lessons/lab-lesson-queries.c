/* lab-lesson-queries.c — seed 002: ten queries that each wait one second, one after another,
 * on threads, in processes and as coroutines on one event loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

static gboolean
queries_run (const LabLesson  *lesson,
             LabRunner        *runner,
             gboolean          quick,
             GCancellable     *cancellable,
             LabLessonRun     *out,
             GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");

  plan->tasks = 10;
  plan->workers = 10;
  /* --quick: 250 ms, so that even the overlapped steps last long enough
   * to time (≥ 0.2 s). */
  plan->task_ms = quick ? 250 : 1000;

  /* The seed's four ways; the verdict reads these four steps. */
  for (LabMode mode = 0; mode <= LAB_MODE_ASYNC; mode++)
    if (!lab_lesson_run_mode_step (out, runner, plan, mode, cancellable, error))
      return FALSE;
  return TRUE;
}

static char *
queries_verdict_numbers (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  double threads = lab_lesson_times (&s[0], &s[1]);
  double processes = lab_lesson_times (&s[0], &s[2]);
  double async = lab_lesson_times (&s[0], &s[3]);
  g_autofree char *threads_text = lab_lesson_speed_text (threads);
  g_autofree char *processes_text = lab_lesson_speed_text (processes);
  g_autofree char *async_text = lab_lesson_speed_text (async);
  gboolean all_faster = lab_lesson_compare (threads, 1) == LAB_COMPARISON_ABOVE &&
                        lab_lesson_compare (processes, 1) == LAB_COMPARISON_ABOVE &&
                        lab_lesson_compare (async, 1) == LAB_COMPARISON_ABOVE;
  g_autofree char *numbers = g_strdup_printf (_("Sequential took %.2f s; threads were %s, processes "
                                                "%s, async on one single thread %s."),
                                              s[0].value_us / 1e6, threads_text, processes_text,
                                              async_text);

  if (all_faster)
    return g_strdup_printf (_("%s Waiting overlaps in every mode, as the seed says: even one "
                              "thread can wait for many queries at once."), numbers);
  return g_strdup_printf (_("%s This machine disagrees with the seed: not every mode overlapped "
                            "the waiting."), numbers);
}

/* A timer on an idle loop fires within a millisecond or two of its due
 * time; a loop whose timers are later than this was kept from them — the
 * length of a frame at 60 Hz, which a student would notice. */
#define LATE_TIMER_US 10000

/* The async step's event loop (lab-states.c): how late its timers fired,
 * and whether the loop itself was busy meanwhile; NULL when it was not
 * measured. */
static char *
queries_loop_text (const LabLessonStep *step)
{
  const LabLoopStats *loop = step->run != NULL ? &step->run->loop : NULL;
  double busy;

  if (loop == NULL || !loop->measured || loop->timers == 0 || loop->busy_us + loop->idle_us <= 0)
    return NULL;

  busy = 100.0 * loop->busy_us / (loop->busy_us + loop->idle_us);
  if (loop->late_median_us < LATE_TIMER_US)
    return g_strdup_printf (_("On the event loop the timers fired %.1f ms late (median): the loop "
                              "was idle %.0f %% of the time, free whenever a wait ended."),
                            loop->late_median_us / 1e3, 100 - busy);
  if (busy >= 50)
    return g_strdup_printf (_("The event loop was busy %.0f %% of the time: while the loop computed, "
                              "its timers fired %.0f ms late (median) — work on the loop makes "
                              "every wait late."),
                            busy, loop->late_median_us / 1e3);
  return g_strdup_printf (_("The event loop’s timers fired %.0f ms late (median) though the loop "
                            "was busy only %.0f %% of the time: the machine was too busy to wake it "
                            "on time."),
                          loop->late_median_us / 1e3, busy);
}

/* The numbers, then where the time went (lab-states.c), measured, and how
 * the event loop kept its timers. */
static char *
queries_verdict (LabLessonRun *run)
{
  char *verdict = queries_verdict_numbers (run);
  g_autofree char *loop = queries_loop_text (&run->steps[3]);

  verdict = lab_lesson_add_state_text (verdict, &run->steps[1], LAB_STATE_IO);
  if (loop != NULL)
    {
      /* Translators: the verdict, then the sentence about the event loop's timers */
      char *longer = g_strdup_printf (_("%s %s"), verdict, loop);

      g_free (verdict);
      verdict = longer;
    }
  return verdict;
}

const LabLesson lab_lesson_queries = {
  .id = "queries",
  .seed = "002",
  .title = N_("Ten slow queries"),
  .short_title = N_("Ten slow queries"),
  .explanation =
    N_("Ten queries each wait one second for a database. Run them one after another, on threads, "
       "in processes, and as coroutines on one event loop."),
  .question =
    N_("Predict: how long does each take, and which needs more than one thread?"),
  .run = queries_run,
  .verdict = queries_verdict,
};
