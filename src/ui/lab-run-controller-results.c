/* lab-run-controller-results.c — what the last job or lesson showed, kept
 * for the export
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The controller hands every finished run to the timeline and the
 * timings, and then used to drop it.  Now it keeps the runs here, with the
 * numbers the table showed, so that the window can write them out
 * afterwards (lab-export.c): the trace needs every task record, the CSV
 * the rows.  A new job or lesson starts a new set; an export still
 * writing the old one on a thread holds its own reference.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include "lab-run-controller-private.h"

static LabRunResults *
results_new (const char *name)
{
  LabRunResults *results = g_new0 (LabRunResults, 1);

  g_atomic_ref_count_init (&results->ref_count);
  results->name = g_strdup (name);
  results->info = g_ptr_array_new_with_free_func (g_free);
  results->rows = g_array_new (FALSE, TRUE, sizeof (LabRunResultsRow));
  return results;
}

static void
add_info (LabRunResults *results,
          const char    *key,
          char          *value)
{
  g_ptr_array_add (results->info, g_strdup (key));
  g_ptr_array_add (results->info, value);
}

/* A job about to run @plan: its rows come as its modes finish. */
LabRunResults *
lab_run_results_new_job (const LabPlan *plan)
{
  LabRunResults *results;

  g_return_val_if_fail (plan != NULL, NULL);

  results = results_new (plan->workload);
  results->pipeline = g_str_equal (plan->workload, "pipeline");
  /* The same parameters as `bench --trace` writes. */
  add_info (results, "workload", g_strdup (plan->workload));
  add_info (results, "tasks", g_strdup_printf ("%u", plan->tasks));
  add_info (results, "workers", g_strdup_printf ("%u", plan->workers));
  return results;
}

/* A lesson that ran: @run's steps, their runs and the verdict move into
 * the result (the card has shown them); @run is left empty, for its owner
 * to free. */
LabRunResults *
lab_run_results_new_lesson (LabLessonRun *run)
{
  LabRunResults *results;

  g_return_val_if_fail (run != NULL && run->lesson != NULL, NULL);

  results = results_new (run->lesson->id);
  results->lesson = g_new0 (LabLessonRun, 1);
  *results->lesson = *run;
  run->n_steps = 0;
  run->verdict = NULL;
  return results;
}

LabRunResults *
lab_run_results_ref (LabRunResults *results)
{
  g_return_val_if_fail (results != NULL, NULL);

  g_atomic_ref_count_inc (&results->ref_count);
  return results;
}

void
lab_run_results_unref (LabRunResults *results)
{
  if (results == NULL || !g_atomic_ref_count_dec (&results->ref_count))
    return;

  for (guint i = 0; i < results->rows->len; i++)
    {
      LabRunResultsRow *row = &g_array_index (results->rows, LabRunResultsRow, i);

      g_free (row->result);
      for (guint stage = 0; stage < LAB_N_STAGES; stage++)
        g_clear_pointer (&row->runs[stage], lab_run_free);
    }
  g_array_unref (results->rows);
  g_ptr_array_unref (results->info);
  g_clear_pointer (&results->lesson, lab_lesson_run_free);
  g_free (results->name);
  g_free (results);
}

/* A mode's row: @row's numbers are copied, its result text too, and its
 * runs are taken over. */
void
lab_run_results_add_row (LabRunResults          *results,
                         const LabRunResultsRow *row)
{
  LabRunResultsRow copy;

  g_return_if_fail (results != NULL);
  g_return_if_fail (row != NULL);

  copy = *row;
  copy.result = g_strdup (row->result);
  g_array_append_val (results->rows, copy);
}

/* How many rows there are to export: a job's modes, or a lesson's steps. */
guint
lab_run_results_get_n_rows (LabRunResults *results)
{
  g_return_val_if_fail (results != NULL, 0);

  return results->lesson != NULL ? results->lesson->n_steps : results->rows->len;
}

/* What the last job or lesson showed, or NULL when nothing has run (or
 * its table was cleared).  Valid until the next run starts; take a
 * reference to keep it longer. */
LabRunResults *
lab_run_controller_get_results (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return self->results;
}

/* The controller's side: a new set for each job or lesson. */
void
lab_run_controller_set_results (LabRunController *self,
                                LabRunResults    *results)
{
  g_clear_pointer (&self->results, lab_run_results_unref);
  self->results = results;
}
