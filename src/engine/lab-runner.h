/* lab-runner.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-event-buffer.h"
#include "lab-mode.h"
#include "lab-run.h"
#include "lab-workload.h"

G_BEGIN_DECLS

typedef struct _LabRunner LabRunner;

LabRunner      *lab_runner_new        (void);
void            lab_runner_free       (LabRunner           *self);
void            lab_runner_set_events (LabRunner           *self,
                                       LabEventBuffer      *events);
LabEventBuffer *lab_runner_get_events (LabRunner           *self);
void            lab_runner_set_worker_executable (LabRunner *self,
                                       const char          *executable);
gboolean        lab_runner_prepare_processes (LabRunner    *self,
                                       guint                workers,
                                       GCancellable        *cancellable,
                                       GError             **error);
GArray         *lab_runner_dup_worker_pids (LabRunner      *self);
LabRun         *lab_runner_run        (LabRunner           *self,
                                       LabWorkload         *workload,
                                       LabMode              mode,
                                       GCancellable        *cancellable,
                                       GError             **error);
LabRun         *lab_runner_run_with_inputs (LabRunner      *self,
                                       LabWorkload         *workload,
                                       LabMode              mode,
                                       GBytes             **inputs,
                                       GCancellable        *cancellable,
                                       GError             **error);
void            lab_runner_run_async  (LabRunner           *self,
                                       LabWorkload         *workload,
                                       LabMode              mode,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
LabRun         *lab_runner_run_finish (LabRunner           *self,
                                       GAsyncResult        *result,
                                       GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabRunner, lab_runner_free)

G_END_DECLS
