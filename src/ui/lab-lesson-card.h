/* lab-lesson-card.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lab-lesson.h"

G_BEGIN_DECLS

#define LAB_TYPE_LESSON_CARD (lab_lesson_card_get_type ())

G_DECLARE_FINAL_TYPE (LabLessonCard, lab_lesson_card, LAB, LESSON_CARD, GtkWidget)

GtkWidget  *lab_lesson_card_new         (void);
void        lab_lesson_card_set_lesson  (LabLessonCard       *self,
                                         const LabLesson     *lesson);
void        lab_lesson_card_clear_steps (LabLessonCard       *self);
void        lab_lesson_card_add_step    (LabLessonCard       *self,
                                         guint                row,
                                         const LabLessonStep *step,
                                         gint                 page);
void        lab_lesson_card_set_verdict (LabLessonCard       *self,
                                         const char          *verdict);
const char *lab_lesson_card_get_verdict (LabLessonCard       *self);

G_END_DECLS
