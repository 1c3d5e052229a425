/* lab-process-pool.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-run-context.h"

G_BEGIN_DECLS

/* Set LAB_WORKER_EXECUTABLE to start workers from another binary than
 * /proc/self/exe (the tests use it: they are not concurrency-lab). */
#define LAB_WORKER_EXECUTABLE_ENV "LAB_WORKER_EXECUTABLE"

LabProcessPool *lab_process_pool_new            (guint            n_workers,
                                                 GCancellable    *cancellable,
                                                 GError         **error);
LabProcessPool *lab_process_pool_new_for_executable (const char  *executable,
                                                 guint            n_workers,
                                                 GCancellable    *cancellable,
                                                 GError         **error);
void            lab_process_pool_free           (LabProcessPool  *pool);
guint           lab_process_pool_get_n_workers  (LabProcessPool  *pool);
gint64          lab_process_pool_get_startup_us (LabProcessPool  *pool);
GArray         *lab_process_pool_dup_pids       (LabProcessPool  *pool);
gboolean        lab_process_pool_is_whole       (LabProcessPool  *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabProcessPool, lab_process_pool_free)

G_END_DECLS
