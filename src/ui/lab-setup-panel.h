/* lab-setup-panel.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "lab-lesson.h"
#include "lab-mode.h"
#include "lab-plan.h"

G_BEGIN_DECLS

#define LAB_TYPE_SETUP_PANEL (lab_setup_panel_get_type ())

G_DECLARE_FINAL_TYPE (LabSetupPanel, lab_setup_panel, LAB, SETUP_PANEL, AdwBin)

void             lab_setup_panel_bind_settings    (LabSetupPanel *self,
                                                   GSettings     *settings);
void             lab_setup_panel_set_running      (LabSetupPanel *self,
                                                   gboolean       running);
const LabLesson *lab_setup_panel_get_lesson       (LabSetupPanel *self);
LabPlan         *lab_setup_panel_dup_plan         (LabSetupPanel *self);
guint            lab_setup_panel_get_modes        (LabSetupPanel *self,
                                                   LabMode        modes[LAB_N_MODES]);
const char      *lab_setup_panel_get_stage        (LabSetupPanel *self);
const char      *lab_setup_panel_get_button_label (LabSetupPanel *self);
gboolean         lab_setup_panel_is_download_job  (LabSetupPanel *self);
guint            lab_setup_panel_get_latency_ms   (LabSetupPanel *self);
gboolean         lab_setup_panel_get_ui_thread    (LabSetupPanel *self);
AdwActionRow    *lab_setup_panel_get_out_dir_row  (LabSetupPanel *self);
GtkWidget       *lab_setup_panel_get_widget       (LabSetupPanel *self,
                                                   const char    *name);
void             lab_setup_panel_set_local_broker (LabSetupPanel *self,
                                                   const char    *url);
const char      *lab_setup_panel_get_join_command (LabSetupPanel *self);

G_END_DECLS
