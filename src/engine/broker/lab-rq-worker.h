/* lab-rq-worker.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAB_RQ_WORKER_MAX_CONCURRENCY 64

typedef struct
{
  const char *broker_url;
  guint       concurrency;   /* jobs at once, each on a thread of its own */
  const char *name;          /* NULL: host:pid */
  gboolean    local;         /* started by the app on its own machine: may run
                              * jobs that name files or loopback URLs */
} LabRqWorkerOptions;

gboolean lab_rq_worker_check_name (const char                *name,
                                   GError                   **error);
gboolean lab_rq_worker_run        (const LabRqWorkerOptions  *options,
                                   GCancellable              *stop,
                                   GError                   **error);

G_END_DECLS
