/* lab-thread-task.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Blocking work for a thread: returns its result, or NULL and sets @error. */
typedef gpointer (*LabThreadFunc) (gpointer       data,
                                   GCancellable  *cancellable,
                                   GError       **error);

void     lab_thread_task_run    (gpointer             source_tag,
                                 LabThreadFunc        func,
                                 gpointer             data,
                                 GDestroyNotify       data_free,
                                 GDestroyNotify       result_free,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
gpointer lab_thread_task_finish (GAsyncResult        *result,
                                 gpointer             source_tag,
                                 GError             **error);

G_END_DECLS
