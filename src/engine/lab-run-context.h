/* lab-run-context.h — what a mode gets to execute one run (engine-internal)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-event-buffer.h"
#include "lab-gil.h"
#include "lab-run.h"
#include "lab-workload.h"

G_BEGIN_DECLS

typedef struct _LabProcessPool LabProcessPool;

typedef struct
{
  LabWorkload     *workload;
  LabRun          *run;
  GBytes         **inputs;        /* one per task, NULL where a task needs none */
  LabEventBuffer  *events;        /* NULL when nobody listens */
  GCancellable    *cancellable;   /* never NULL */
  LabGil          *gil;           /* threads mode with --gil only */
  LabProcessPool  *pool;          /* processes modes only */
  guint            workers;

  GMutex           mutex;
  GCond            all_done;
  guint            remaining;
} LabRunContext;

void     lab_run_context_init          (LabRunContext *ctx);
void     lab_run_context_clear         (LabRunContext *ctx);
void     lab_run_context_set_startup   (LabRunContext *ctx,
                                        gint64         since_us);
void     lab_run_context_start_clock   (LabRunContext *ctx);
void     lab_run_context_task_started  (LabRunContext *ctx,
                                        guint          index,
                                        gint           lane,
                                        gint           pid,
                                        gint64         start_us);
void     lab_run_context_task_finished (LabRunContext *ctx,
                                        guint          index);
void     lab_run_context_wait          (LabRunContext *ctx);
void     lab_run_context_run_task      (LabRunContext *ctx,
                                        guint          index,
                                        gint           lane,
                                        gpointer       worker_data);
void     lab_run_context_push_worker   (LabRunContext *ctx,
                                        LabEventKind   kind,
                                        gint           lane,
                                        gint           pid);

gboolean lab_mode_sequential_execute   (LabRunContext *ctx,
                                        GError       **error);
gboolean lab_mode_threads_execute      (LabRunContext *ctx,
                                        GError       **error);
gboolean lab_mode_processes_execute    (LabRunContext *ctx,
                                        GError       **error);
gboolean lab_mode_async_execute        (LabRunContext *ctx,
                                        GError       **error);
gboolean lab_mode_processes_async_execute (LabRunContext *ctx,
                                           GError       **error);
gboolean lab_mode_distributed_execute  (LabRunContext *ctx,
                                        GError       **error);

G_END_DECLS
