/* lab-lesson.c — the lesson registry, and what every lesson shares: running
 * a step, the ±10 % comparison and speed-ups in words
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lesson sets up a job and the modes to compare, explains what to watch,
 * asks the class to predict, runs for real, and ends with one line that
 * compares the numbers.  The verdict is never written in advance: when this
 * machine disagrees with the seed, the verdict says so.  Each lesson lives
 * in its own file, lab-lesson-<id>.c, with its text, its steps and its
 * verdict.
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

void
lab_lesson_add_step (LabLessonRun *out,
                     const char   *label,
                     LabRun       *run,
                     gint64        value_us)
{
  LabLessonStep *step;

  g_assert (out->n_steps < LAB_LESSON_MAX_STEPS);
  step = &out->steps[out->n_steps++];
  step->label = g_strdup (label);
  step->run = run;
  step->value_us = run != NULL ? run->wall_us : value_us;
  if (run != NULL && !lab_run_is_ok (run))
    out->ok = FALSE;
}

/* Runs @plan in @mode as one step of the lesson. */
gboolean
lab_lesson_run_step (LabLessonRun  *out,
                     LabRunner     *runner,
                     const char    *label,
                     const LabPlan *plan,
                     LabMode        mode,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(LabWorkload) workload = lab_workload_new (plan, error);
  LabRun *run;

  if (workload == NULL)
    return FALSE;
  run = lab_runner_run (runner, workload, mode, cancellable, error);
  if (run == NULL)
    return FALSE;
  lab_lesson_add_step (out, label, run, 0);
  return !run->cancelled;
}

/* Runs @plan in @mode as one step named after the mode. */
gboolean
lab_lesson_run_mode_step (LabLessonRun  *out,
                          LabRunner     *runner,
                          const LabPlan *plan,
                          LabMode        mode,
                          GCancellable  *cancellable,
                          GError       **error)
{
  return lab_lesson_run_step (out, runner, lab_mode_get_title (mode), plan, mode, cancellable, error);
}

/* Starts the built-in server with one file of @file_size for each task of
 * @plan, each answered after @latency_ms, and points @plan at it.  The
 * lesson keeps the server until its last step has run. */
LabServer *
lab_lesson_serve_files (LabPlan  *plan,
                        guint64   file_size,
                        guint     latency_ms,
                        GError  **error)
{
  LabServerOptions options;
  LabServer *server;

  lab_server_options_init (&options);
  options.n_files = plan->tasks;
  options.file_size = file_size;
  options.latency_ms = latency_ms;
  server = lab_server_new (&options, error);
  if (server == NULL)
    return NULL;
  g_free (plan->url);
  plan->url = g_strdup (lab_server_get_url (server));
  return server;
}

/* A number the workload measured, from a step's result fields; @missing
 * when the step has none. */
gint64
lab_lesson_step_field (const LabLessonStep *step,
                       const char          *name,
                       gint64               missing)
{
  gint64 value = missing;

  if (step->run != NULL && step->run->result_fields != NULL)
    g_variant_lookup (step->run->result_fields, name, "x", &value);
  return value;
}

/* What starting the processes cost this step's run: 0 when the pool was
 * already running, or the step is no run. */
gint64
lab_lesson_step_startup (const LabLessonStep *step)
{
  return step->run != NULL ? step->run->startup_us : 0;
}

/* How many times faster @fast was than @slow: the speed-up. */
double
lab_lesson_times (const LabLessonStep *slow,
                  const LabLessonStep *fast)
{
  return fast->value_us > 0 ? (double) slow->value_us / fast->value_us : 0;
}

/* The one rule all verdicts use to say "faster", "about the same" or
 * "slower": see LAB_LESSON_TOLERANCE. */
LabComparison
lab_lesson_compare (double measured,
                    double reference)
{
  if (measured > reference * (1 + LAB_LESSON_TOLERANCE))
    return LAB_COMPARISON_ABOVE;
  if (measured < reference * (1 - LAB_LESSON_TOLERANCE))
    return LAB_COMPARISON_BELOW;
  return LAB_COMPARISON_ABOUT;
}

/* A speed-up, in words: "3.2× faster", "about as fast (1.04×)",
 * "slower (0.61× the speed)". */
char *
lab_lesson_speed_text (double speedup)
{
  switch (lab_lesson_compare (speedup, 1))
    {
    case LAB_COMPARISON_ABOVE:
      /* Translators: a speed-up, e.g. "3.2× faster" */
      return g_strdup_printf (_("%.1f× faster"), speedup);
    case LAB_COMPARISON_ABOUT:
      /* Translators: a speed-up close to 1, e.g. "about as fast (1.04×)" */
      return g_strdup_printf (_("about as fast (%.2f×)"), speedup);
    case LAB_COMPARISON_BELOW:
    default:
      /* Translators: a speed-up below 1, e.g. "slower (0.61× the speed)" */
      return g_strdup_printf (_("slower (%.2f× the speed)"), speedup);
    }
}

/* A speed-up against the most @ideal can give: within the tolerance it is
 * "about the ideal", never beyond it. */
char *
lab_lesson_ideal_text (double speedup,
                       guint  ideal)
{
  guint cores = g_get_num_processors ();

  switch (lab_lesson_compare (speedup, ideal))
    {
    case LAB_COMPARISON_ABOUT:
      /* Translators: e.g. "2.05×, about the ideal 2× on 2 cores" */
      return g_strdup_printf (_("%.2f×, about the ideal %u× on %u cores"), speedup, ideal, cores);
    case LAB_COMPARISON_BELOW:
      /* Translators: e.g. "1.41×, below the ideal 2× on 2 cores" */
      return g_strdup_printf (_("%.2f×, below the ideal %u× on %u cores"), speedup, ideal, cores);
    case LAB_COMPARISON_ABOVE:
    default:
      /* Translators: e.g. "2.60×, more than the ideal 2× on 2 cores — …" */
      return g_strdup_printf (_("%.2f×, more than the ideal %u× on %u cores — other work must "
                                "have slowed the one-thread run"), speedup, ideal, cores);
    }
}

/* The lessons in the order the window and `lesson` list them: the order of
 * the seeds, 000 to 004, and within one seed the order its text takes
 * (seed 001 computes with processes before it comes to concurrent.futures;
 * seed 003 goes from Ping and Pong through the bank account to the frozen
 * window and divide and conquer). */
static const LabLesson *const registry[] = {
  &lab_lesson_pipeline,         /* 000 */
  &lab_lesson_gil,              /* 001 */
  &lab_lesson_futures,
  &lab_lesson_queries,          /* 002 */
  &lab_lesson_ten_thousand,     /* 002: its argument for asyncio, measured */
  &lab_lesson_pingpong,         /* 003 */
  &lab_lesson_bank,
  &lab_lesson_many_cores,       /* 003: "processes + coroutines", before its examples */
  &lab_lesson_frozen_window,
  &lab_lesson_sum,
  &lab_lesson_workers,          /* 004 */
  &lab_lesson_many_machines,    /* 004: RQ, the seed's last word */
};

/* Callers walk the lessons as one array (lessons[i]), but each is defined
 * in its own file, so the array is filled from the registry on first use. */
static const LabLesson *
get_lessons (void)
{
  static LabLesson lessons[G_N_ELEMENTS (registry)];
  static gsize filled = 0;

  if (g_once_init_enter (&filled))
    {
      for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
        lessons[i] = *registry[i];
      g_once_init_leave (&filled, 1);
    }
  return lessons;
}

const LabLesson *
lab_lesson_get_all (guint *n_lessons)
{
  *n_lessons = G_N_ELEMENTS (registry);
  return get_lessons ();
}

const LabLesson *
lab_lesson_find (const char *id)
{
  const LabLesson *lessons = get_lessons ();

  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    if (g_strcmp0 (lessons[i].id, id) == 0)
      return &lessons[i];
  return NULL;
}

LabLessonRun *
lab_lesson_run (const LabLesson  *lesson,
                LabRunner        *runner,
                gboolean          quick,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(LabLessonRun) run = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (lesson != NULL, NULL);

  run = g_new0 (LabLessonRun, 1);

  run->lesson = lesson;
  run->ok = TRUE;
  if (!lesson->run (lesson, runner, quick, cancellable, run, &local_error) ||
      g_cancellable_is_cancelled (cancellable))
    {
      /* A cancelled lesson ends as cancelled, whatever failed on the way
       * out: a verdict built from half a run would teach something false. */
      if (local_error == NULL || g_cancellable_is_cancelled (cancellable))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  run->verdict = lesson->verdict (run);
  return g_steal_pointer (&run);
}

void
lab_lesson_run_free (LabLessonRun *run)
{
  if (run == NULL)
    return;

  for (guint i = 0; i < run->n_steps; i++)
    {
      g_free (run->steps[i].label);
      g_clear_pointer (&run->steps[i].run, lab_run_free);
    }
  g_free (run->verdict);
  g_free (run);
}

/* Where a step's time went, in words: "its tasks spent 74 % of their time
 * waiting for the GIL, and the run kept 1.0 cores busy" — or NULL when the
 * step's run measured nothing (no run, or no task time). */
char *
lab_lesson_state_text (const LabLessonStep *step,
                       LabState             state)
{
  gint64 by_state[LAB_N_STATES], total = 0;
  double share, cores;

  if (step->run == NULL)
    return NULL;

  lab_run_get_time_by_state (step->run, by_state);
  for (LabState s = 0; s < LAB_N_STATES; s++)
    if (s != LAB_STATE_STARTUP)
      total += by_state[s];
  if (total <= 0)
    return NULL;

  share = 100.0 * by_state[state] / total;
  cores = lab_run_get_mean_cores_busy (step->run);
  if (cores >= 0)
    /* Translators: e.g. "its tasks spent 74 % of their time waiting for the GIL, and the run kept 1.0 cores busy" */
    return g_strdup_printf (_("its tasks spent %.0f %% of their time %s, and the run kept %.1f cores "
                              "busy"), share, lab_state_get_phrase (state), cores);
  /* Translators: e.g. "its tasks spent 74 % of their time waiting for the GIL" */
  return g_strdup_printf (_("its tasks spent %.0f %% of their time %s"), share,
                          lab_state_get_phrase (state));
}

/* @verdict (taken) and, when @step's run measured it, where its time went,
 * as one more sentence. */
char *
lab_lesson_add_state_text (char                *verdict,
                           const LabLessonStep *step,
                           LabState             state)
{
  g_autofree char *owned = verdict;
  g_autofree char *text = lab_lesson_state_text (step, state);

  if (text == NULL)
    return g_steal_pointer (&owned);
  /* Translators: the verdict, then e.g. "In the step “Threads with the GIL”, its tasks spent …" */
  return g_strdup_printf (_("%s In the step “%s”, %s."), owned, step->label, text);
}

/* The lesson's runs as one trace (lab-trace.c): a process per step that
 * ran, named as the step, with the lesson and its verdict in the
 * metadata. */
LabTrace *
lab_lesson_run_to_trace (const LabLessonRun *run)
{
  LabTrace *trace;

  g_return_val_if_fail (run != NULL, NULL);

  trace = lab_trace_new (_(run->lesson->title));
  lab_trace_set_info (trace, "lesson", run->lesson->id);
  lab_trace_set_info (trace, "seed", run->lesson->seed);
  if (run->verdict != NULL)
    lab_trace_set_info (trace, "verdict", run->verdict);
  for (guint i = 0; i < run->n_steps; i++)
    if (run->steps[i].run != NULL)
      lab_trace_add_run (trace, run->steps[i].label, run->steps[i].run);
  return trace;
}
