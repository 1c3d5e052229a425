/* lab-run-feed.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "lab-event-buffer.h"
#include "lab-pipeline.h"
#include "lab-run.h"
#include "lab-workload.h"

G_BEGIN_DECLS

/* Timeline pages 0 … LAB_N_ALL_MODES - 1 are the modes' pages of a job
 * (the distributed mode's last); a lesson's runs get pages
 * LAB_LESSON_PAGE_FIRST, LAB_LESSON_PAGE_FIRST + 1, … */
#define LAB_LESSON_PAGE_FIRST ((guint) LAB_N_ALL_MODES)

/* How far the run in progress has come, as its events said. */
typedef struct
{
  gint64  mode_start_us;              /* the mode's first run began (a pipeline's first stage) */
  gint64  run_start_us;               /* the current run began; 0 before its first event */
  guint   stage;                      /* which of the pipeline's stages runs */
  gint64  stage_us[LAB_N_STAGES];     /* the finished stages' times */
  guint   done_tasks;
  guint   total_tasks;
  guint   failed_tasks;
} LabRunProgress;

#define LAB_TYPE_RUN_FEED (lab_run_feed_get_type ())

G_DECLARE_FINAL_TYPE (LabRunFeed, lab_run_feed, LAB, RUN_FEED, GObject)

LabRunFeed           *lab_run_feed_new             (void);
LabEventBuffer       *lab_run_feed_get_events      (LabRunFeed     *self);
const LabRunProgress *lab_run_feed_get_progress    (LabRunFeed     *self);
void                  lab_run_feed_begin_job       (LabRunFeed     *self,
                                                    LabWorkload    *workload,
                                                    gboolean        pipeline,
                                                    const LabMode  *modes,
                                                    guint           n_modes);
void                  lab_run_feed_begin_mode      (LabRunFeed     *self);
void                  lab_run_feed_begin_lesson    (LabRunFeed     *self);
void                  lab_run_feed_clear           (LabRunFeed     *self);
void                  lab_run_feed_start           (LabRunFeed     *self);
void                  lab_run_feed_stop            (LabRunFeed     *self);
gboolean              lab_run_feed_is_draining     (LabRunFeed     *self);
void                  lab_run_feed_drain           (LabRunFeed     *self);
void                  lab_run_feed_set_now         (LabRunFeed     *self,
                                                    LabMode         mode,
                                                    gint64          now_us);
void                  lab_run_feed_set_lesson_now  (LabRunFeed     *self,
                                                    gint64          now_us);
void                  lab_run_feed_finish_run      (LabRunFeed     *self,
                                                    const LabRun   *run,
                                                    guint           offset);
void                  lab_run_feed_name_lanes      (LabRunFeed     *self,
                                                    guint           page,
                                                    const LabRun   *run);
gint                  lab_run_feed_find_lesson_page (LabRunFeed    *self,
                                                    const LabRun   *run);
void                  lab_run_feed_title_page      (LabRunFeed     *self,
                                                    guint           page,
                                                    const char     *title);

G_END_DECLS
