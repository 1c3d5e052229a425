/* lab-window.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "lab-application.h"
#include "lab-presentation.h"
#include "lab-runner.h"
#include "lab-setup-panel.h"
#include "lab-timeline.h"
#include "lab-timings.h"

G_BEGIN_DECLS

#define LAB_TYPE_WINDOW (lab_window_get_type ())

G_DECLARE_FINAL_TYPE (LabWindow, lab_window, LAB, WINDOW, AdwApplicationWindow)

LabWindow       *lab_window_new                   (LabApplication *application);
gboolean         lab_window_get_running           (LabWindow      *self);
const char      *lab_window_get_status            (LabWindow      *self);
const char      *lab_window_get_verdict           (LabWindow      *self);
gint64           lab_window_get_worst_stall_us    (LabWindow      *self);
gint64           lab_window_get_lesson_step_us    (LabWindow      *self,
                                                   guint           step);
LabTimings      *lab_window_get_timings           (LabWindow      *self);
LabTimeline     *lab_window_get_timeline          (LabWindow      *self,
                                                   LabMode         mode);
guint            lab_window_get_n_lesson_pages    (LabWindow      *self);
LabTimeline     *lab_window_get_lesson_timeline   (LabWindow      *self,
                                                   guint           n);
const char      *lab_window_get_lesson_page_title (LabWindow      *self,
                                                   guint           n);
GArray          *lab_window_dup_worker_pids       (LabWindow      *self);
LabPresentation *lab_window_get_presentation      (LabWindow      *self);
LabSetupPanel   *lab_window_get_setup_panel       (LabWindow      *self);

G_END_DECLS
