/* lab-lesson-gil.c — seed 001: a counting loop on four workers, with and without the
 * GIL, and hashing big blocks, which lets go of it
 *
 * The GIL is no longer the whole story of Python: the explanation says what
 * CPython 3.13 and 3.14 changed, with their versions; what is measured here
 * stays the model of the standard build (modes/lab-gil.c).
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

static gboolean
cpu_run (const LabLesson  *lesson,
         LabRunner        *runner,
         gboolean          quick,
         GCancellable     *cancellable,
         LabLessonRun     *out,
         GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabPlan) hash = lab_plan_new ("hash");

  /* calc () counts to 1e9 on each of 4 workers.  Sizes measured here (2
   * cores, 1.15e9 to 2.8e9 numbers a second per core, MD5 at 470 to 600
   * MB/s): even --quick keeps every step at 0.3 s or more on an idle
   * machine, long enough to time; a busy one only makes them longer. */
  plan->tasks = 4;
  plan->workers = 4;
  plan->n = quick ? G_GUINT64_CONSTANT (2000000000) : G_GUINT64_CONSTANT (4000000000);
  if (!lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_SEQUENTIAL, cancellable, error) ||
      !lab_lesson_run_step (out, runner, _("Threads with the GIL"), (plan->gil = TRUE, plan), LAB_MODE_THREADS, cancellable, error) ||
      !lab_lesson_run_step (out, runner, _("Threads without the GIL (C)"), (plan->gil = FALSE, plan), LAB_MODE_THREADS, cancellable, error) ||
      !lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;

  /* hashlib lets go of the GIL for big buffers: hashing is the exception. */
  hash->tasks = 8;
  hash->workers = 4;
  hash->size = quick ? 48 << 20 : 64 << 20;
  if (!lab_lesson_run_step (out, runner, _("MD5 of big blocks, one thread"), hash, LAB_MODE_SEQUENTIAL, cancellable, error))
    return FALSE;
  hash->gil = TRUE;
  return lab_lesson_run_step (out, runner, _("MD5 of big blocks, threads with the GIL"), hash, LAB_MODE_THREADS,
                   cancellable, error);
}

static char *
cpu_verdict_numbers (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  guint ideal = MIN (4, g_get_num_processors ());
  double gil = lab_lesson_times (&s[0], &s[1]), hashing = lab_lesson_times (&s[4], &s[5]);
  g_autofree char *threads = lab_lesson_ideal_text (lab_lesson_times (&s[0], &s[2]), ideal);
  g_autofree char *processes = lab_lesson_ideal_text (lab_lesson_times (&s[0], &s[3]), ideal);
  g_autofree char *loops = NULL, *others = NULL;

  switch (lab_lesson_compare (gil, 1))
    {
    case LAB_COMPARISON_ABOUT:
      loops = g_strdup_printf (_("Threads with the GIL ran about as fast as sequential (%.2f×): the "
                                 "GIL let only one thread compute at a time."), gil);
      break;
    case LAB_COMPARISON_BELOW:
      loops = g_strdup_printf (_("Threads with the GIL were slower than sequential (%.2f× the "
                                 "speed): the GIL let only one thread compute at a time, and "
                                 "handing it over cost extra."), gil);
      break;
    case LAB_COMPARISON_ABOVE:
    default:
      loops = g_strdup_printf (_("This machine disagrees with the seed: threads with the GIL ran "
                                 "%.2f× faster than sequential."), gil);
      break;
    }
  others = g_strdup_printf (_("Processes: %s. C threads: %s."), processes, threads);

  switch (lab_lesson_compare (hashing, 1))
    {
    case LAB_COMPARISON_ABOVE:
      {
        g_autofree char *speedup = lab_lesson_ideal_text (hashing, ideal);

        return g_strdup_printf (_("%s %s Hashing big blocks was faster on threads even with the "
                                  "GIL (%s): hashlib releases it while it hashes, as it does for "
                                  "sleeping and I/O."), loops, others, speedup);
      }
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("%s %s Hashing big blocks on threads with the GIL was about as fast "
                                "as one thread (%.2f×): here letting go of the GIL gained nothing."),
                              loops, others, hashing);
    case LAB_COMPARISON_BELOW:
    default:
      return g_strdup_printf (_("%s %s Hashing big blocks on threads with the GIL was slower than "
                                "one thread (%.2f× the speed)."), loops, others, hashing);
    }
}

/* The numbers, then where the time went (lab-states.c), measured. */
static char *
cpu_verdict (LabLessonRun *run)
{
  char *verdict = cpu_verdict_numbers (run);

  verdict = lab_lesson_add_state_text (verdict, &run->steps[1], LAB_STATE_GIL);
  return verdict;
}

const LabLesson lab_lesson_gil = {
  .id = "gil",
  .seed = "001",
  .title = N_("Computing with and without the GIL"),
  .short_title = N_("With and without the GIL"),
  .explanation =
    N_("The counting loop of calc () on four workers: one after another, on Python-like threads "
       "that must hold the GIL, on plain C threads, and in processes. Then hashing big blocks, "
       "which lets go of the GIL. Python has changed since the seed was written: CPython 3.13 "
       "added an optional free-threaded build without the GIL (PEP 703), and 3.14 supports it "
       "officially; there threads compute in parallel, at a cost of 5–10 percent to single-threaded "
       "code by the Python docs’ own figures. The standard build keeps the GIL: the threads with "
       "the GIL here are that build, the C threads show what threads without it can do."),
  .question =
    N_("Predict: which of them is faster than one thread, and by how much?"),
  .run = cpu_run,
  .verdict = cpu_verdict,
};
