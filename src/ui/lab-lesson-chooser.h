/* lab-lesson-chooser.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LAB_TYPE_LESSON_CHOOSER (lab_lesson_chooser_get_type ())

G_DECLARE_FINAL_TYPE (LabLessonChooser, lab_lesson_chooser, LAB, LESSON_CHOOSER, GtkWidget)

GtkWidget  *lab_lesson_chooser_new            (void);
const char *lab_lesson_chooser_get_lesson     (LabLessonChooser *self);
void        lab_lesson_chooser_set_lesson     (LabLessonChooser *self,
                                               const char       *id);
GtkWidget  *lab_lesson_chooser_get_row        (LabLessonChooser *self,
                                               guint             index);

G_END_DECLS
