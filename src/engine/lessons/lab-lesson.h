/* lab-lesson.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-runner.h"
#include "lab-trace.h"

G_BEGIN_DECLS

#define LAB_LESSON_MAX_STEPS 16

/* Two measurements within ±10 % of each other are "about the same": runs
 * of the same job on a shared machine drift by that much. */
#define LAB_LESSON_TOLERANCE 0.10

typedef enum
{
  LAB_COMPARISON_BELOW = -1,   /* more than the tolerance below the reference */
  LAB_COMPARISON_ABOUT = 0,    /* within the tolerance */
  LAB_COMPARISON_ABOVE = 1,    /* more than the tolerance above it */
} LabComparison;

typedef struct _LabLesson LabLesson;

/* One measured step of a lesson: a run, or a number measured otherwise. */
typedef struct
{
  char    *label;
  LabRun  *run;         /* NULL for a measured number */
  gint64   value_us;    /* the step's time: its wall time, or the measured number */
} LabLessonStep;

typedef struct
{
  const LabLesson *lesson;
  guint            n_steps;
  LabLessonStep    steps[LAB_LESSON_MAX_STEPS];
  char            *verdict;     /* computed from the steps */
  gboolean         ok;          /* every run completed and verified */
} LabLessonRun;

struct _LabLesson
{
  const char *id;
  const char *seed;
  const char *title;           /* in full, for the card and the terminal */
  const char *short_title;     /* at most ~28 characters, for narrow places */
  const char *explanation;
  const char *question;
  gboolean  (*run)     (const LabLesson  *lesson,
                        LabRunner        *runner,
                        gboolean          quick,
                        GCancellable     *cancellable,
                        LabLessonRun     *out,
                        GError          **error);
  char     *(*verdict) (LabLessonRun     *run);
};

const LabLesson *lab_lesson_get_all      (guint           *n_lessons);
const LabLesson *lab_lesson_find         (const char      *id);
LabLessonRun    *lab_lesson_run          (const LabLesson *lesson,
                                          LabRunner       *runner,
                                          gboolean         quick,
                                          GCancellable    *cancellable,
                                          GError         **error);
void             lab_lesson_run_free     (LabLessonRun    *run);
LabTrace        *lab_lesson_run_to_trace (const LabLessonRun *run);
LabComparison    lab_lesson_compare      (double           measured,
                                          double           reference);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabLessonRun, lab_lesson_run_free)

G_END_DECLS
