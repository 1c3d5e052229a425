/* lab-test-util.h — small helpers shared by the engine tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-runner.h"
#include "lab-states.h"

G_BEGIN_DECLS

/* A run on a thread of its own, as the window runs it, so that the test
 * can meanwhile kill workers, a broker or press Cancel.  @run, @error and
 * @took_us are the run's once lab_test_thread_run_join() has returned. */
typedef struct
{
  LabRunner    *runner;
  LabWorkload  *workload;
  GCancellable *cancellable;
  LabMode       mode;
  GThread      *thread;
  LabRun       *run;
  GError       *error;
  gint64        took_us;
} LabTestThreadRun;

LabWorkload *lab_test_workload        (const char    *name,
                                       guint          tasks,
                                       guint          workers);
LabRun      *lab_test_run             (LabRunner     *runner,
                                       LabWorkload   *workload,
                                       LabMode        mode,
                                       GCancellable  *cancellable);
LabRun      *lab_test_run_plan        (LabPlan       *plan,
                                       LabMode        mode);
double       lab_test_state_share     (const LabRun  *run,
                                       LabState       state);
gint64       lab_test_state_total     (const LabRun  *run,
                                       LabState       state);
guint        lab_test_max_overlap     (const LabRun  *run);
guint        lab_test_count_children  (void);
guint        lab_test_count_entries   (const char    *path);
guint        lab_test_count_threads   (void);
void         lab_test_cancel_after    (GCancellable  *cancellable,
                                       guint          ms);
const char  *lab_test_binary          (void);
gboolean     lab_test_have_redis      (void);
void         lab_test_stop_worker     (GSubprocess   *worker);

void         lab_test_thread_run_start (LabTestThreadRun *job,
                                        LabWorkload      *workload,
                                        LabMode           mode,
                                        GCancellable     *cancellable);
void         lab_test_thread_run_join  (LabTestThreadRun *job);
void         lab_test_thread_run_clear (LabTestThreadRun *job);

G_END_DECLS
