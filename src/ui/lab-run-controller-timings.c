/* lab-run-controller-timings.c — what a job's timings rows and status line say
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While a mode runs, its row and the status line follow each batch of
 * events; when it ends, for one run as for a pipeline's three, its row gets
 * its final numbers and verdict, and the export keeps its runs.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-run-controller-private.h"
#include "lab-timings.h"

void
lab_run_controller_timings_update (LabRunController *self,
                                   LabMode           mode,
                                   const gint64     *stages,
                                   gint64            total_us,
                                   gint64            startup_us,
                                   gboolean          running,
                                   double            speedup,
                                   int               verdict,
                                   const char       *note)
{
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_TIMINGS_UPDATE], 0, (guint) mode, stages,
                 total_us, startup_us, running, speedup, verdict, note);
}

static double
speedup_of (LabRunController *self,
            gint64            wall_us)
{
  if (self->sequential_wall_us <= 0 || wall_us <= 0)
    return NAN;
  return (double) self->sequential_wall_us / wall_us;
}

/* A batch of the run's events is in: the status line and the mode's row
 * follow. */
void
lab_run_controller_on_drained (LabRunController *self)
{
  const LabRunProgress *progress = lab_run_feed_get_progress (self->feed);
  gint64 now = g_get_monotonic_time ();

  if (self->running && self->in_lesson)
    {
      g_autofree char *status = g_strdup_printf (_("Lesson running: %u/%u tasks of this step"),
                                                 progress->done_tasks, progress->total_tasks);

      lab_run_feed_set_lesson_now (self->feed, now);
      /* The frozen-window lesson says which of its steps runs instead. */
      if (self->frozen_lesson == NULL || !lab_frozen_lesson_is_running (self->frozen_lesson))
        lab_run_controller_set_status (self, status);
    }
  else if (self->running)
    {
      g_autofree char *status = NULL;
      gint64 wall = progress->run_start_us > 0 ? now - progress->run_start_us : 0;
      gint64 total = progress->mode_start_us > 0 ? now - progress->mode_start_us : 0;
      gint64 stages[LAB_N_STAGES] = { 0 };

      lab_run_feed_set_now (self->feed, self->current_mode, now);
      if (self->pipeline != NULL)
        {
          memcpy (stages, progress->stage_us, sizeof stages);
          stages[MIN (progress->stage, LAB_N_STAGES - 1)] = wall;
          status = g_strdup_printf (_("Running %s, %s: %u/%u files"),
                                    lab_mode_get_title (self->current_mode),
                                    lab_stage_get_title (MIN (progress->stage, LAB_N_STAGES - 1)),
                                    progress->done_tasks, progress->total_tasks);
        }
      else
        {
          stages[0] = wall;
          total = wall;
          status = g_strdup_printf (_("Running %s: %u/%u tasks"),
                                    lab_mode_get_title (self->current_mode),
                                    progress->done_tasks, progress->total_tasks);
        }
      lab_run_controller_timings_update (self, self->current_mode, stages, total, 0, TRUE, NAN,
                                         LAB_VERDICT_PENDING, NULL);
      lab_run_controller_set_status (self, status);
    }
}

/* The first task's error of @run, or NULL. */
static const char *
first_error (LabRun *run)
{
  for (guint i = 0; run != NULL && i < run->n_records; i++)
    if (run->records[i].error != NULL)
      return run->records[i].error;
  return NULL;
}

/* The end of a mode, the same for one run and for a pipeline's three: its
 * row gets its final numbers, and the status line says how it ended
 * (@failure, taken over, when it failed). */
static void
show_mode_result (LabRunController *self,
                  LabMode           mode,
                  const gint64     *stages,
                  gint64            wall_us,
                  gint64            startup_us,
                  LabVerdict        verdict,
                  const char       *note,
                  char             *failure)
{
  g_autofree char *owned_failure = failure;
  g_autofree char *status = NULL;

  lab_run_controller_timings_update (self, mode, stages, wall_us, startup_us, FALSE,
                                     speedup_of (self, wall_us), verdict, note);

  if (verdict == LAB_VERDICT_CANCELLED)
    status = g_strdup (_("Cancelled."));
  else if (verdict == LAB_VERDICT_FAILED)
    status = g_steal_pointer (&owned_failure);
  else
    status = g_strdup_printf (_("%s finished in %.2f s."), lab_mode_get_title (mode), wall_us / 1e6);
  lab_run_controller_set_status (self, status);
}

/* A mode is done: its row gets its final numbers, and the export keeps
 * @run (taken over). */
void
lab_run_controller_record_run (LabRunController *self,
                               LabRun           *run)
{
  g_autoptr(LabRun) owned = run;
  const char *error = first_error (run);
  g_autofree char *cost = NULL;
  g_autofree char *note = NULL;
  const char *result;
  LabVerdict verdict;

  lab_run_feed_finish_run (self->feed, run, 0);

  if (run->mode == LAB_MODE_SEQUENTIAL && lab_run_is_ok (run))
    self->sequential_wall_us = run->wall_us;

  if (run->cancelled)
    verdict = LAB_VERDICT_CANCELLED;
  else if (run->verified)
    verdict = LAB_VERDICT_VERIFIED;
  else
    verdict = LAB_VERDICT_FAILED;

  /* The row's tooltip: the result, then what the run cost (lab-cost.h). */
  cost = lab_cost_dup_summary (&run->cost);
  result = run->verified ? run->result : run->verify_error;
  note = g_strdup_printf ("%s\n%s", result != NULL ? result : "", cost);
  show_mode_result (self, run->mode, (gint64[]) { run->wall_us }, run->wall_us, run->startup_us,
                    verdict, note,
                    g_strdup_printf (_("%s: %s %s"), lab_mode_get_title (run->mode),
                                     run->verify_error ? run->verify_error : "",
                                     error ? error : ""));
  if (self->results != NULL)
    lab_run_results_add_row (self->results, &(LabRunResultsRow) {
                               .mode = run->mode, .wall_us = run->wall_us,
                               .startup_us = run->startup_us, .speedup = speedup_of (self, run->wall_us),
                               .verified = verdict == LAB_VERDICT_VERIFIED, .result = (char *) result,
                               .runs = { g_steal_pointer (&owned) } });
}

/* A mode went through the pipeline: its row gets the three stage times,
 * and the export keeps the stages' runs (taken out of @run). */
void
lab_run_controller_record_pipeline_run (LabRunController *self,
                                        LabPipelineRun   *run)
{
  LabRun *first = run->stages[LAB_STAGE_DOWNLOAD];
  gint64 stages[LAB_N_STAGES] = { 0 };
  const char *error = NULL;
  LabVerdict verdict;

  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    if (run->stages[stage] != NULL)
      {
        stages[stage] = run->stages[stage]->wall_us;
        lab_run_feed_finish_run (self->feed, run->stages[stage], stage * first->n_records);
      }

  if (run->mode == LAB_MODE_SEQUENTIAL && run->ok)
    self->sequential_wall_us = run->wall_us;

  if (first->cancelled || (run->stages[LAB_N_STAGES - 1] && run->stages[LAB_N_STAGES - 1]->cancelled))
    verdict = LAB_VERDICT_CANCELLED;
  else
    verdict = run->ok ? LAB_VERDICT_VERIFIED : LAB_VERDICT_FAILED;

  for (LabStage stage = 0; stage < LAB_N_STAGES && error == NULL; stage++)
    error = first_error (run->stages[stage]);
  show_mode_result (self, run->mode, stages, run->wall_us, first->startup_us, verdict,
                    run->ok ? run->result : run->error,
                    g_strdup_printf (_("%s: %s"), lab_mode_get_title (run->mode),
                                     error ? error : (run->error ? run->error : "")));
  if (self->results != NULL)
    {
      LabRunResultsRow row = { .mode = run->mode, .wall_us = run->wall_us,
                               .startup_us = first->startup_us, .speedup = speedup_of (self, run->wall_us),
                               .verified = verdict == LAB_VERDICT_VERIFIED,
                               .result = run->ok ? run->result : run->error };

      memcpy (row.stage_us, stages, sizeof stages);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        row.runs[stage] = g_steal_pointer (&run->stages[stage]);
      lab_run_results_add_row (self->results, &row);
    }
}
