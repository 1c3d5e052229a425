/* lab-process-pool-private.h — the pool's insides, for the processes mode
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pool (workers/lab-process-pool.c) keeps N workers alive; a mode
 * decides what they do in a run: one task at a time each (processes,
 * modes/lab-mode-processes.c) or many on each worker's event loop
 * (processes + async, modes/lab-mode-processes-async.c).  They all work on
 * this one struct, on the pool's thread.
 */

#pragma once

#include "lab-process-pool.h"
#include "lab-protocol.h"
#include "lab-worker-slot.h"

G_BEGIN_DECLS

#define LAB_MAX_CRASHES_PER_TASK 3   /* workers that may die running one task; then it fails */

/* What a mode does with the pool's workers during a run. */
typedef struct
{
  void (*begin)       (LabProcessPool *pool);                       /* the run starts */
  void (*give_task)   (LabProcessPool *pool, LabWorkerSlot *slot);  /* feed a worker */
  void (*take_result) (LabProcessPool *pool, LabWorkerSlot *slot, LabFrame *frame);
  void (*worker_lost) (LabProcessPool *pool, LabWorkerSlot *slot);  /* its tasks go back */
} LabPoolMode;

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
  const LabPoolMode *mode;       /* what the run's mode does with the workers */
  guint          in_flight;      /* processes + async: tasks each worker's loop may hold */
  gint          *task_lane;      /* processes + async: per task, the lane running it, or -1 */
  guint          run_id;
  GBytes        *run_payload;    /* the RUN frame for this run */
  GQueue         pending;        /* task indices + 1 */
  guint          outstanding;    /* tasks not finished yet */
  guint         *crashes;        /* per task: workers that died running it */
  char          *stop_message;   /* set while the run is being stopped: why */
  gboolean       stop_is_failure; /* stopped because the pool broke, not by Cancel */
  GSource       *stop_grace;
};

/* The pool, for the modes. */
gboolean lab_process_pool_run               (LabProcessPool    *pool,
                                             LabRunContext     *ctx,
                                             const LabPoolMode *mode,
                                             guint              run_id,
                                             GBytes            *run_payload,
                                             GError           **error);
void     lab_process_pool_give_tasks        (LabProcessPool    *pool);
void     lab_process_pool_end_run_if_done   (LabProcessPool    *pool);

/* What both process modes share (lab-mode-processes.c), for the pool and
 * for processes + async. */
void     lab_mode_processes_begin           (LabProcessPool    *pool);
void     lab_mode_processes_finish_task     (LabProcessPool    *pool,
                                             guint              index,
                                             const char        *error_message);
gboolean lab_mode_processes_send_plan       (LabProcessPool    *pool,
                                             LabWorkerSlot     *slot);
void     lab_mode_processes_send_task       (LabProcessPool    *pool,
                                             LabWorkerSlot     *slot,
                                             guint              index);
gboolean lab_mode_processes_run_plan        (LabRunContext     *ctx,
                                             const LabPoolMode *mode,
                                             GVariant          *plan,
                                             GError           **error);
gboolean lab_mode_processes_read_result     (LabWorkerSlot     *slot,
                                             LabFrame          *frame,
                                             LabTaskResult     *result);
void     lab_mode_processes_book_result     (LabProcessPool    *pool,
                                             LabWorkerSlot     *slot,
                                             LabTaskResult     *result);
void     lab_mode_processes_run_refused     (LabProcessPool    *pool,
                                             LabWorkerSlot     *slot,
                                             LabFrame          *frame);
void     lab_mode_processes_fail_waiting    (LabProcessPool    *pool,
                                             const char        *message);

G_END_DECLS
