/* lab-test-util.h — small helpers shared by the engine tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-runner.h"
#include "lab-states.h"

G_BEGIN_DECLS

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

G_END_DECLS
