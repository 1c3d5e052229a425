/* lab-run-controller.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-heartbeat.h"
#include "lab-lesson.h"
#include "lab-run-controller-results.h"
#include "lab-run-feed.h"
#include "lab-runner.h"

G_BEGIN_DECLS

#define LAB_TYPE_RUN_CONTROLLER (lab_run_controller_get_type ())

G_DECLARE_FINAL_TYPE (LabRunController, lab_run_controller, LAB, RUN_CONTROLLER, GObject)

LabRunController *lab_run_controller_new                (LabHeartbeat     *heartbeat,
                                                         GSettings        *settings);
gboolean          lab_run_controller_get_running        (LabRunController *self);
const char       *lab_run_controller_get_status         (LabRunController *self);
gboolean          lab_run_controller_get_quick_lessons  (LabRunController *self);
void              lab_run_controller_set_quick_lessons  (LabRunController *self,
                                                         gboolean          quick_lessons);
gboolean          lab_run_controller_get_closing        (LabRunController *self);
void              lab_run_controller_run_lesson         (LabRunController *self,
                                                         const LabLesson  *lesson);
void              lab_run_controller_clear              (LabRunController *self);
void              lab_run_controller_run_job            (LabRunController *self,
                                                         LabPlan          *plan,
                                                         const LabMode    *modes,
                                                         guint             n_modes,
                                                         const char       *stage_title,
                                                         guint             latency_ms,
                                                         gboolean          on_ui_thread);
void              lab_run_controller_cancel             (LabRunController *self);
gboolean          lab_run_controller_close              (LabRunController *self);
void              lab_run_controller_stop               (LabRunController *self);
void              lab_run_controller_tick               (LabRunController *self);
gint64            lab_run_controller_get_lesson_step_us (LabRunController *self,
                                                         guint             step);
LabRunFeed       *lab_run_controller_get_feed           (LabRunController *self);
GArray           *lab_run_controller_dup_worker_pids    (LabRunController *self);
LabRunResults    *lab_run_controller_get_results        (LabRunController *self);

G_END_DECLS
