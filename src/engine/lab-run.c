/* lab-run.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-run"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run.h"

LabRun *
lab_run_new (LabMode mode,
             guint   n_tasks)
{
  LabRun *run;

  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  run = g_new0 (LabRun, 1);
  run->mode = mode;
  run->n_records = n_tasks;
  run->records = g_new0 (LabTaskRecord, n_tasks);
  run->caller_lane = -1;
  run->lane_names = g_ptr_array_new_with_free_func (g_free);
  run->broker_cost_us = -1;
  run->loop.late_median_us = -1;
  run->loop.late_p99_us = -1;
  run->loop.late_max_us = -1;
  for (guint i = 0; i < n_tasks; i++)
    {
      run->records[i].index = i;
      run->records[i].lane = -1;
      run->records[i].cpu_us = -1;
      run->records[i].run_queue_us = -1;
    }

  return run;
}

void
lab_task_record_clear (LabTaskRecord *record)
{
  g_clear_pointer (&record->name, g_free);
  g_clear_pointer (&record->value, g_free);
  g_clear_pointer (&record->error, g_free);
  g_clear_pointer (&record->output, g_bytes_unref);
  g_clear_pointer (&record->spans, g_array_unref);
}

void
lab_run_free (LabRun *run)
{
  if (run == NULL)
    return;

  for (guint i = 0; i < run->n_records; i++)
    {
      lab_task_record_clear (&run->records[i]);
      if (run->inputs != NULL)
        g_clear_pointer (&run->inputs[i], g_bytes_unref);
    }
  g_free (run->records);
  g_free (run->inputs);
  g_free (run->result);
  g_clear_pointer (&run->result_fields, g_variant_unref);
  g_free (run->verify_error);
  g_clear_pointer (&run->cores_busy, g_array_unref);
  g_clear_pointer (&run->loop.busy_samples, g_array_unref);
  g_ptr_array_unref (run->lane_names);
  g_free (run);
}

/* A run counts only when every task ran, nothing was cancelled, and the
 * workload confirmed the results. */
gboolean
lab_run_is_ok (const LabRun *run)
{
  g_return_val_if_fail (run != NULL, FALSE);

  return !run->cancelled && run->tasks_failed == 0 &&
         run->tasks_ok == run->n_records && run->verified;
}

/* How a person would name the worker that ran @record. */
char *
lab_run_dup_worker_label (const LabRun        *run,
                          const LabTaskRecord *record)
{
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (record != NULL, NULL);

  if (record->lane < 0)
    return g_strdup (_("none"));
  if (record->lane == run->caller_lane)
    return g_strdup (_("caller"));

  switch (run->mode)
    {
    case LAB_MODE_SEQUENTIAL:
    case LAB_MODE_THREADS:
      return g_strdup_printf (_("thread %d"), record->lane + 1);
    case LAB_MODE_PROCESSES:
    case LAB_MODE_PROCESSES_ASYNC:
      return g_strdup_printf (_("pid %d"), record->pid);
    case LAB_MODE_ASYNC:
      return g_strdup (_("event loop"));
    case LAB_MODE_DISTRIBUTED:
      if ((guint) record->lane < run->lane_names->len)
        return g_strdup (g_ptr_array_index (run->lane_names, record->lane));
      return g_strdup_printf (_("pid %d"), record->pid);
    case LAB_N_ALL_MODES:
    default:
      g_assert_not_reached ();
    }
}
