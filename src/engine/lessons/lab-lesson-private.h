/* lab-lesson-private.h — what the lesson files share: the lessons the
 * registry lists, and the helpers that run a step and put numbers into words
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-lesson.h"
#include "lab-states.h"
#include "lab-server.h"

G_BEGIN_DECLS

/* One lesson per file, lab-lesson-<id>.c; lab-lesson.c lists them in seed
 * order. */
extern const LabLesson lab_lesson_pipeline;
extern const LabLesson lab_lesson_gil;
extern const LabLesson lab_lesson_futures;
extern const LabLesson lab_lesson_queries;
extern const LabLesson lab_lesson_ten_thousand;
extern const LabLesson lab_lesson_pingpong;
extern const LabLesson lab_lesson_bank;
extern const LabLesson lab_lesson_many_cores;
extern const LabLesson lab_lesson_frozen_window;
extern const LabLesson lab_lesson_sum;
extern const LabLesson lab_lesson_workers;
extern const LabLesson lab_lesson_many_machines;

/* Steps: a run of a plan in a mode, or a number measured otherwise. */
void       lab_lesson_add_step      (LabLessonRun         *out,
                                     const char           *label,
                                     LabRun               *run,
                                     gint64                value_us);
gboolean   lab_lesson_run_step      (LabLessonRun         *out,
                                     LabRunner            *runner,
                                     const char           *label,
                                     const LabPlan        *plan,
                                     LabMode               mode,
                                     GCancellable         *cancellable,
                                     GError              **error);
gboolean   lab_lesson_run_mode_step (LabLessonRun         *out,
                                     LabRunner            *runner,
                                     const LabPlan        *plan,
                                     LabMode               mode,
                                     GCancellable         *cancellable,
                                     GError              **error);
LabServer *lab_lesson_serve_files   (LabPlan              *plan,
                                     guint64               file_size,
                                     guint                 latency_ms,
                                     GError              **error);

/* Reading a step, and putting its numbers into words for a verdict. */
gint64     lab_lesson_step_field    (const LabLessonStep  *step,
                                     const char           *name,
                                     gint64                missing);
gint64     lab_lesson_step_startup  (const LabLessonStep  *step);
double     lab_lesson_times         (const LabLessonStep  *slow,
                                     const LabLessonStep  *fast);
char      *lab_lesson_speed_text    (double                speedup);
char      *lab_lesson_state_text    (const LabLessonStep  *step,
                                     LabState              state);
char      *lab_lesson_add_state_text (char                *verdict,
                                     const LabLessonStep  *step,
                                     LabState              state);
char      *lab_lesson_ideal_text    (double                speedup,
                                     guint                 ideal);

G_END_DECLS
