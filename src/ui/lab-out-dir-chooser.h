/* lab-out-dir-chooser.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LAB_TYPE_OUT_DIR_CHOOSER (lab_out_dir_chooser_get_type ())

G_DECLARE_FINAL_TYPE (LabOutDirChooser, lab_out_dir_chooser, LAB, OUT_DIR_CHOOSER, GObject)

LabOutDirChooser *lab_out_dir_chooser_new    (GtkWindow        *parent,
                                              GSettings        *settings,
                                              AdwActionRow     *row);
void              lab_out_dir_chooser_choose (LabOutDirChooser *self);

G_END_DECLS
