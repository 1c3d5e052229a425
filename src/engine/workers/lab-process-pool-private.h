/* lab-process-pool-private.h — the pool's insides, for the processes mode
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pool (workers/lab-process-pool.c) keeps N workers alive; the
 * processes mode (modes/lab-mode-processes.c) decides what they do in a
 * run.  Both work on this one struct, on the pool's thread.
 */

#pragma once

#include "lab-process-pool.h"
#include "lab-protocol.h"
#include "lab-worker-slot.h"

G_BEGIN_DECLS

struct _LabProcessPool
{
  char          *executable;
  guint          n_workers;
  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;

  GMutex         mutex;          /* guards what other threads read: */
  GCond          cond;
  guint          n_ready;        /*  workers that said hello */
  gboolean       started;        /*  all ready, or start-up failed */
  gboolean       start_cancelled; /*  the caller stopped waiting */
  GError        *start_error;
  gint64         startup_us;
  gboolean       run_active;
  GError        *run_error;      /*  why the last run could not go on, or NULL */
  GError        *broken_error;   /*  why the pool was given up, or NULL */
  GArray        *pids;           /*  by lane, 0 while a lane has no worker */

  /* Belongs to the thread that calls lab_process_pool_run (). */
  guint          runs;           /* runs so far: only the first one paid the start-up */

  /* Everything below belongs to the pool thread. */
  LabWorkerSlot **slots;         /* by lane */
  guint         *deaths;         /* by lane: workers lost in a row without a result */
  gint64         spawn_start_us;
  gboolean       shutting_down;
  gboolean       broken;         /* a lane was given up; nothing is respawned any more */
  GSource       *startup_timeout;

  LabRunContext *ctx;            /* the run in progress, or NULL */
  guint          run_id;
  GBytes        *run_payload;    /* the RUN frame for this run */
  GQueue         pending;        /* task indices + 1 */
  guint          outstanding;    /* tasks not finished yet */
  guint         *crashes;        /* per task: workers that died running it */
  char          *stop_message;   /* set while the run is being stopped: why */
  gboolean       stop_is_failure; /* stopped because the pool broke, not by Cancel */
  GSource       *stop_grace;
};

/* The pool, for the mode. */
gboolean lab_process_pool_run               (LabProcessPool  *pool,
                                             LabRunContext   *ctx,
                                             guint            run_id,
                                             GBytes          *run_payload,
                                             GError         **error);
void     lab_process_pool_end_run_if_done   (LabProcessPool  *pool);

/* The mode, for the pool (lab-mode-processes.c). */
void     lab_mode_processes_begin           (LabProcessPool  *pool);
void     lab_mode_processes_give_task       (LabProcessPool  *pool,
                                             LabWorkerSlot   *slot);
void     lab_mode_processes_give_tasks      (LabProcessPool  *pool);
void     lab_mode_processes_take_result     (LabProcessPool  *pool,
                                             LabWorkerSlot   *slot,
                                             LabFrame        *frame);
void     lab_mode_processes_run_refused     (LabProcessPool  *pool,
                                             LabWorkerSlot   *slot,
                                             LabFrame        *frame);
void     lab_mode_processes_fail_waiting    (LabProcessPool  *pool,
                                             const char      *message);
void     lab_mode_processes_worker_lost     (LabProcessPool  *pool,
                                             LabWorkerSlot   *slot);

G_END_DECLS
