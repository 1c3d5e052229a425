/* lab-run-controller-private.h — what the run controller's files share
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The controller is one object told in three files, as gnome-text-editor
 * tells its window: lab-run-controller.c (a job, mode after mode),
 * lab-run-controller-timings.c (its rows and status line),
 * lab-run-controller-lessons.c (a seed lesson's steps) and
 * lab-run-controller-server.c (the built-in server a download job waits
 * for, and the pipeline's folder); lab-run-controller-distributed.c checks a
 * distributed run's broker and job before it starts.
 */

#pragma once

#include "lab-frozen-lesson.h"
#include "lab-pipeline.h"
#include "lab-run-controller.h"
#include "lab-run-controller-results.h"
#include "lab-run-feed.h"
#include "lab-server-preparer.h"

G_BEGIN_DECLS

struct _LabRunController
{
  GObject               parent_instance;

  LabHeartbeat         *heartbeat;
  GSettings            *settings;
  LabRunner            *runner;
  LabRunFeed           *feed;
  char                 *status;

  /* The built-in server the download jobs fetch from, and the folder the
   * pipeline saves into */
  LabServer            *server;
  LabServerOptions      server_options;
  char                 *out_dir;

  /* The server is made on a thread; a run that is called off forgets
   * it. */
  LabServerPreparer    *server_preparer;
  LabPlan              *waiting_plan;    /* the job that waits for the server */

  /* The job in progress, and how the window asked for it */
  GCancellable         *cancellable;
  LabWorkload          *workload;
  LabPipeline          *pipeline;        /* for the download → save → hash job */
  GArray               *job_modes;
  const char           *stage_title;
  guint                 latency_ms;
  gboolean              on_ui_thread;
  gboolean              in_lesson;       /* a seed lesson runs its own steps */
  GArray               *pending_modes;
  guint                 n_job_modes;
  LabMode               current_mode;
  gboolean              running;
  gboolean              closing;         /* the window goes when the run is over */
  gboolean              quick_lessons;   /* lessons at their small size, as in the tests */

  /* The frozen-window lesson, run by the UI thread itself */
  LabFrozenLesson      *frozen_lesson;
  gint64                last_lesson_step_us[LAB_LESSON_MAX_STEPS];
  guint                 last_lesson_n_steps;
  gint64                batch_start_us;
  gint64                sequential_wall_us;

  /* What the last job or lesson showed, for the export */
  LabRunResults        *results;
};

enum {
  SIGNAL_ERROR,
  SIGNAL_TIMINGS_RESET,
  SIGNAL_TIMINGS_UPDATE,
  SIGNAL_STEPS_CLEARED,
  SIGNAL_STEP_ADDED,
  SIGNAL_VERDICT,
  N_CONTROLLER_SIGNALS
};

extern guint lab_run_controller_signals[N_CONTROLLER_SIGNALS];

void     lab_run_controller_set_status         (LabRunController       *self,
                                                const char             *text);
void     lab_run_controller_set_running        (LabRunController       *self,
                                                gboolean                running);
void     lab_run_controller_show_error         (LabRunController       *self,
                                                const char             *message);
void     lab_run_controller_finish_batch       (LabRunController       *self);
void     lab_run_controller_after_mode         (LabRunController       *self,
                                                const GError           *error);
void     lab_run_controller_start_job          (LabRunController       *self,
                                                LabPlan                *plan);
gboolean lab_run_controller_plan_uses_server   (const LabPlan          *plan);
gboolean lab_run_controller_needs_server       (LabRunController       *self,
                                                const LabPlan          *plan);
void     lab_run_controller_prepare_server     (LabRunController       *self,
                                                LabPlan                *plan);
gboolean lab_run_controller_use_server         (LabRunController       *self,
                                                LabPlan                *plan,
                                                GError                **error);
void     lab_run_controller_stop_waiting_for_server (LabRunController  *self);
void     lab_run_controller_close_server_to_network (LabRunController  *self);
void     lab_run_controller_set_results    (LabRunController       *self,
                                            LabRunResults          *results);

/* lab-run-controller-timings.c */
void     lab_run_controller_timings_update     (LabRunController       *self,
                                                LabMode                 mode,
                                                const gint64           *stages,
                                                gint64                  total_us,
                                                gint64                  startup_us,
                                                gboolean                running,
                                                double                  speedup,
                                                int                     verdict,
                                                const char             *note);
void     lab_run_controller_on_drained         (LabRunController       *self);
void     lab_run_controller_record_run         (LabRunController       *self,
                                                LabRun                 *run);
void     lab_run_controller_record_pipeline_run (LabRunController      *self,
                                                 LabPipelineRun        *run);

/* lab-run-controller-distributed.c */
gboolean lab_run_controller_check_distributed (LabRunController     *self,
                                               const LabPlan        *plan,
                                               const LabMode        *modes,
                                               guint                 n_modes,
                                               GError              **error);

G_END_DECLS
