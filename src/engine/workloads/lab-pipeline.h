/* lab-pipeline.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-runner.h"

G_BEGIN_DECLS

typedef enum
{
  LAB_STAGE_DOWNLOAD,
  LAB_STAGE_SAVE,
  LAB_STAGE_HASH,
  LAB_N_STAGES
} LabStage;

typedef struct _LabPipeline LabPipeline;

/* One mode's pass through the three stages. */
typedef struct
{
  LabMode   mode;
  LabRun   *stages[LAB_N_STAGES];   /* NULL for a stage that did not run */
  gint64    wall_us;                /* the stages' wall times added up */
  gboolean  ok;
  char     *result;
  char     *error;
} LabPipelineRun;

const char     *lab_stage_get_title         (LabStage        stage);
LabPipeline    *lab_pipeline_new            (const LabPlan  *plan,
                                             GError        **error);
void            lab_pipeline_free           (LabPipeline    *pipeline);
LabWorkload    *lab_pipeline_get_stage      (LabPipeline    *pipeline,
                                             LabStage        stage);
LabPipelineRun *lab_pipeline_run            (LabPipeline    *pipeline,
                                             LabRunner      *runner,
                                             LabMode         mode,
                                             GCancellable   *cancellable,
                                             GError        **error);
void            lab_pipeline_run_async      (LabPipeline         *pipeline,
                                             LabRunner           *runner,
                                             LabMode              mode,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
LabPipelineRun *lab_pipeline_run_finish     (GAsyncResult   *result,
                                             GError        **error);
void            lab_pipeline_run_free       (LabPipelineRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabPipeline, lab_pipeline_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabPipelineRun, lab_pipeline_run_free)

G_END_DECLS
