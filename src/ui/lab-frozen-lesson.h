/* lab-frozen-lesson.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-heartbeat.h"
#include "lab-lesson.h"
#include "lab-runner.h"

G_BEGIN_DECLS

/* What the lesson tells its owner, on the UI thread. */
typedef struct
{
  void (*status)     (const char          *status,
                      gpointer             user_data);
  void (*step_added) (guint                row,
                      const LabLessonStep *step,
                      gpointer             user_data);
  /* The end: @run (borrowed) with its verdict, or @error. */
  void (*done)       (LabLessonRun        *run,
                      const GError        *error,
                      gpointer             user_data);
} LabFrozenLessonCallbacks;

#define LAB_TYPE_FROZEN_LESSON (lab_frozen_lesson_get_type ())

G_DECLARE_FINAL_TYPE (LabFrozenLesson, lab_frozen_lesson, LAB, FROZEN_LESSON, GObject)

LabFrozenLesson *lab_frozen_lesson_start      (const LabLesson                *lesson,
                                               LabHeartbeat                   *heartbeat,
                                               LabRunner                      *runner,
                                               gboolean                        quick,
                                               GCancellable                   *cancellable,
                                               const LabFrozenLessonCallbacks *callbacks,
                                               GObject                        *owner);
gboolean         lab_frozen_lesson_is_running (LabFrozenLesson                *self);
void             lab_frozen_lesson_stop       (LabFrozenLesson                *self);

G_END_DECLS
