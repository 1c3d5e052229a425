/* lab-pipeline.c — download → save → hash, the three modules of seed 000
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in the seed, each stage is a job of its own, run and timed in the
 * chosen mode: first every file is downloaded, then every body is saved,
 * then every body is hashed.  The bodies are handed from stage to stage;
 * worker processes get them as copies through their pipes, and send the
 * downloaded ones back the same way — that copying is part of what the
 * table shows.
 */

#define G_LOG_DOMAIN "lab-pipeline"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-pipeline.h"
#include "lab-thread-task.h"

struct _LabPipeline
{
  LabWorkload *stages[LAB_N_STAGES];
};

const char *
lab_stage_get_title (LabStage stage)
{
  switch (stage)
    {
    case LAB_STAGE_DOWNLOAD: return _("Download");
    case LAB_STAGE_SAVE:     return _("Save");
    case LAB_STAGE_HASH:     return _("Hash");
    case LAB_N_STAGES:
    default:
      g_return_val_if_reached (NULL);
    }
}

LabPipeline *
lab_pipeline_new (const LabPlan  *plan,
                  GError        **error)
{
  static const char * const names[LAB_N_STAGES] = { "download", "save", "hash" };
  g_autoptr(LabPipeline) pipeline = g_new0 (LabPipeline, 1);
  guint n_tasks = 0;

  g_return_val_if_fail (plan != NULL, NULL);

  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    {
      g_autoptr(LabPlan) stage_plan = lab_plan_copy (plan);

      g_free (stage_plan->workload);
      stage_plan->workload = g_strdup (names[stage]);
      if (n_tasks > 0)
        stage_plan->tasks = n_tasks;   /* one per downloaded URL */

      pipeline->stages[stage] = lab_workload_new (stage_plan, error);
      if (pipeline->stages[stage] == NULL)
        return NULL;
      n_tasks = lab_workload_get_n_tasks (pipeline->stages[stage]);
    }

  return g_steal_pointer (&pipeline);
}

void
lab_pipeline_free (LabPipeline *pipeline)
{
  if (pipeline == NULL)
    return;

  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    g_clear_object (&pipeline->stages[stage]);
  g_free (pipeline);
}

LabWorkload *
lab_pipeline_get_stage (LabPipeline *pipeline,
                        LabStage     stage)
{
  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (stage < LAB_N_STAGES, NULL);

  return pipeline->stages[stage];
}

void
lab_pipeline_run_free (LabPipelineRun *run)
{
  if (run == NULL)
    return;

  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    g_clear_pointer (&run->stages[stage], lab_run_free);
  g_free (run->result);
  g_free (run->error);
  g_free (run);
}

/* Runs the three stages in @mode; a stage runs only if the one before it
 * delivered every body.  NULL only if a stage could not run at all. */
LabPipelineRun *
lab_pipeline_run (LabPipeline   *pipeline,
                  LabRunner     *runner,
                  LabMode        mode,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(LabPipelineRun) run = g_new0 (LabPipelineRun, 1);
  g_autofree GBytes **bodies = NULL;
  LabRun *download;

  g_return_val_if_fail (pipeline != NULL, NULL);
  g_return_val_if_fail (runner != NULL, NULL);

  run->mode = mode;
  run->stages[LAB_STAGE_DOWNLOAD] = download =
    lab_runner_run (runner, pipeline->stages[LAB_STAGE_DOWNLOAD], mode, cancellable, error);
  if (download == NULL)
    return NULL;
  run->wall_us = download->wall_us;

  if (!lab_run_is_ok (download))
    {
      run->error = g_strdup (download->verify_error);
      return g_steal_pointer (&run);
    }

  bodies = g_new0 (GBytes *, download->n_records);
  for (guint i = 0; i < download->n_records; i++)
    bodies[i] = download->records[i].output;

  for (LabStage stage = LAB_STAGE_SAVE; stage < LAB_N_STAGES; stage++)
    {
      LabRun *stage_run = lab_runner_run_with_inputs (runner, pipeline->stages[stage], mode, bodies,
                                                      cancellable, error);

      if (stage_run == NULL)
        return NULL;
      run->stages[stage] = stage_run;
      run->wall_us += stage_run->wall_us;

      if (!lab_run_is_ok (stage_run))
        {
          run->error = g_strdup (stage_run->verify_error);
          return g_steal_pointer (&run);
        }
    }

  /* The hashes of what was downloaded must be the server's hashes too. */
  for (guint i = 0; i < download->n_records; i++)
    {
      const LabPlan *plan = lab_workload_get_plan (pipeline->stages[LAB_STAGE_HASH]);
      const LabTaskRecord *hashed = &run->stages[LAB_STAGE_HASH]->records[i];

      if (g_strcmp0 (plan->algo, "md5") == 0 && g_strcmp0 (hashed->value, download->records[i].value) != 0)
        {
          run->error = g_strdup_printf (_("%s hashed to %s after saving, %s when downloaded."),
                                        hashed->name, hashed->value, download->records[i].value);
          return g_steal_pointer (&run);
        }
    }

  run->ok = TRUE;
  run->result = g_strdup (run->stages[LAB_STAGE_HASH]->result);
  return g_steal_pointer (&run);
}

typedef struct
{
  LabPipeline *pipeline;
  LabRunner   *runner;
  LabMode      mode;
} PipelineJob;

static gpointer
pipeline_thread (gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  PipelineJob *job = data;

  return lab_pipeline_run (job->pipeline, job->runner, job->mode, cancellable, error);
}

/* Runs the stages on a thread of their own; the caller must keep
 * @pipeline and @runner alive until @callback. */
void
lab_pipeline_run_async (LabPipeline         *pipeline,
                        LabRunner           *runner,
                        LabMode              mode,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  PipelineJob *job;

  g_return_if_fail (pipeline != NULL);
  g_return_if_fail (runner != NULL);

  job = g_new0 (PipelineJob, 1);
  job->pipeline = pipeline;
  job->runner = runner;
  job->mode = mode;
  lab_thread_task_run (lab_pipeline_run_async, pipeline_thread, job, g_free,
                       (GDestroyNotify) lab_pipeline_run_free, cancellable, callback, user_data);
}

LabPipelineRun *
lab_pipeline_run_finish (GAsyncResult  *result,
                         GError       **error)
{
  return lab_thread_task_finish (result, lab_pipeline_run_async, error);
}
