/* lab-timeline-switcher.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAB_TYPE_TIMELINE_SWITCHER (lab_timeline_switcher_get_type ())

G_DECLARE_FINAL_TYPE (LabTimelineSwitcher, lab_timeline_switcher, LAB, TIMELINE_SWITCHER, GtkWidget)

GtkWidget   *lab_timeline_switcher_new           (void);
GtkStack    *lab_timeline_switcher_get_stack     (LabTimelineSwitcher *self);
void         lab_timeline_switcher_set_stack     (LabTimelineSwitcher *self,
                                                  GtkStack            *stack);
gboolean     lab_timeline_switcher_get_folded    (LabTimelineSwitcher *self);
GtkDropDown *lab_timeline_switcher_get_menu      (LabTimelineSwitcher *self);
GtkWidget   *lab_timeline_switcher_get_tabs      (LabTimelineSwitcher *self);
GtkWidget   *lab_timeline_switcher_get_fit_button (LabTimelineSwitcher *self);
void         lab_timeline_switcher_fit           (LabTimelineSwitcher *self);

G_END_DECLS
