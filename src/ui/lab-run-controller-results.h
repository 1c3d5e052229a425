/* lab-run-controller-results.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-lesson.h"
#include "lab-pipeline.h"

G_BEGIN_DECLS

/* One row of a job's timings: a mode, with the run (or a pipeline's three
 * stage runs) behind its numbers. */
typedef struct
{
  LabMode   mode;
  gint64    stage_us[LAB_N_STAGES];   /* a pipeline's stages; 0 where none */
  gint64    wall_us;
  gint64    startup_us;
  double    speedup;                  /* NAN: no sequential run to compare with */
  gboolean  verified;
  char     *result;                   /* what it computed, or why it failed */
  LabRun   *runs[LAB_N_STAGES];       /* owned: runs[0] alone, or a pipeline's stages */
} LabRunResultsRow;

/* What the last job or lesson left on the screen, kept for the export:
 * a job's rows, or a lesson's steps and verdict.  Reference-counted, so
 * an export on a thread keeps it while the next run starts. */
typedef struct
{
  gatomicrefcount  ref_count;
  char            *name;       /* the workload or the lesson's id, for file names */
  gboolean         pipeline;
  GPtrArray       *info;       /* the job's parameters: key, value, key, value… */
  GArray          *rows;       /* LabRunResultsRow, in the order the modes ran */
  LabLessonRun    *lesson;     /* a lesson's steps and verdict, or NULL */
} LabRunResults;

LabRunResults *lab_run_results_new_job    (const LabPlan    *plan);
LabRunResults *lab_run_results_new_lesson (LabLessonRun     *run);
LabRunResults *lab_run_results_ref        (LabRunResults    *results);
void           lab_run_results_unref      (LabRunResults    *results);
void           lab_run_results_add_row    (LabRunResults    *results,
                                           const LabRunResultsRow *row);
guint          lab_run_results_get_n_rows (LabRunResults    *results);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabRunResults, lab_run_results_unref)

G_END_DECLS
