/* lab-futures.h — an executor and its futures, like Python's
 * concurrent.futures.ThreadPoolExecutor (seed 001)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-event-buffer.h"
#include "lab-run.h"
#include "lab-workload.h"

G_BEGIN_DECLS

typedef struct _LabExecutor LabExecutor;
typedef struct _LabFuture   LabFuture;

LabExecutor         *lab_executor_new         (LabWorkload     *workload,
                                               guint            workers,
                                               LabEventBuffer  *events,
                                               GCancellable    *cancellable,
                                               GError         **error);
LabFuture           *lab_executor_submit      (LabExecutor     *self,
                                               guint            task);
GPtrArray           *lab_executor_map         (LabExecutor     *self,
                                               const guint     *tasks,
                                               guint            n_tasks,
                                               GError         **error);
void                 lab_executor_shutdown    (LabExecutor     *self);
LabRun              *lab_executor_steal_run   (LabExecutor     *self);
void                 lab_executor_free        (LabExecutor     *self);

LabFuture           *lab_future_ref           (LabFuture       *future);
void                 lab_future_unref         (LabFuture       *future);
gboolean             lab_future_done          (LabFuture       *future);
gboolean             lab_future_running       (LabFuture       *future);
gboolean             lab_future_cancelled     (LabFuture       *future);
gboolean             lab_future_cancel        (LabFuture       *future);
const LabTaskRecord *lab_future_result        (LabFuture       *future,
                                               GError         **error);
guint                lab_future_get_finished  (LabFuture       *future);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabExecutor, lab_executor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabFuture, lab_future_unref)

G_END_DECLS
