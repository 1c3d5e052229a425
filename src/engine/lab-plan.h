/* lab-plan.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "lab-mode.h"

G_BEGIN_DECLS

/* Limits a plan must respect; lab_plan_validate() names them in its errors.
 * How many things may run at once depends on what each one costs, so each
 * mechanism has its own limit (lab_plan_validate_mode ()):
 * - a task in flight on the event loop is a few hundred bytes of state and a
 *   timer or a socket: 100,000 fit in well under 100 MB;
 * - a thread is a kernel task with its own stack (8 MiB reserved, a few
 *   pages used) that the scheduler must switch to: 10,000 run, and the
 *   lesson is what they cost;
 * - a worker process is a whole copy of the program (several MB resident,
 *   a start-up of tens of ms and a pipe pair each): 256. */
#define LAB_MAX_TASKS             100000
#define LAB_MAX_ASYNC_IN_FLIGHT   100000
#define LAB_MAX_THREADS           10000
#define LAB_MAX_PROCESS_WORKERS   256
#define LAB_MAX_WORKERS           LAB_MAX_ASYNC_IN_FLIGHT   /* the most any mode allows */
#define LAB_MAX_TASK_MS           600000
#define LAB_MAX_TASK_SIZE         (G_GUINT64_CONSTANT (1) << 30)   /* 1 GiB per task */
#define LAB_MAX_TOTAL_SIZE        (G_GUINT64_CONSTANT (4) << 30)   /* 4 GiB per run  */
#define LAB_MAX_CPU_N             G_GUINT64_CONSTANT (6000000000)  /* sum fits 64 bits */
#define LAB_MAX_TIMEOUT_MS        600000
#define LAB_MAX_RETRIES           10

#define LAB_ENGINE_ERROR (lab_engine_error_quark ())

typedef enum
{
  LAB_ENGINE_ERROR_INVALID_PLAN,   /* the user asked for something out of range */
  LAB_ENGINE_ERROR_INPUT,          /* the input (files, directory) is unusable */
  LAB_ENGINE_ERROR_WORKER,         /* a worker process could not be started or talked to */
  LAB_ENGINE_ERROR_TASK,           /* a task failed */
  LAB_ENGINE_ERROR_VERIFY,         /* the results do not add up */
} LabEngineError;

/* Everything a run needs to know, copied into every mode and (serialised)
 * into every worker process, so that all modes work on identical inputs. */
typedef struct
{
  char     *workload;    /* "sleep", "cpu", "hash" */
  guint     tasks;
  guint     workers;     /* concurrency of every concurrent mode */
  guint     in_flight;   /* processes + async: tasks in flight in each process (0: 1000 / workers) */
  guint     task_ms;     /* sleep: the simulated I/O wait of one task */
  guint64   size;        /* hash: bytes of generated data per task */
  guint64   n;           /* cpu: sum 1..n */
  char     *algo;        /* hash: "md5" or "sha256" */
  char     *input_dir;   /* hash: hash these files instead of generated data */
  gboolean  gil;         /* threads: emulate CPython's global interpreter lock */
  guint64   seed;        /* makes generated data deterministic */
  char     *url;         /* download: base URL of a server with /manifest.json */
  char     *url_list;    /* download: a file of URLs, one per line, instead */
  guint     timeout_ms;  /* download: give up on a request after this long */
  guint     retries;     /* download: try a failed request again this often */
  guint64   max_body;    /* download: stop an answer past this many bytes; 0 for LAB_MAX_TASK_SIZE */
  char     *out_dir;     /* save: where the files go */
  char    **file_names;  /* save: the names chosen when the job was prepared, so that
                          * worker processes write the very same files (NULL: choose) */
  guint     deposits;    /* bank: deposits each depositor makes */
  guint     pause_ms;    /* bank: pause between reading and writing the balance */
  gboolean  lock;        /* bank: protect the balance with a lock */
  gboolean  shared_memory; /* bank, processes: keep the account in shared memory */
  gboolean  global_counter; /* pingpong: the seed's broken version */
  gboolean  fresh_workers; /* processes: discard any warm worker pool and spawn a new one */
  char     *broker;      /* distributed: redis://… of the broker; NULL: start a local one.
                          * Never sent to workers (it may hold a password). */
  gint      queue_fd;    /* pingpong, processes: the app's end of the queue's pipe, which
                          * the workers open through /proc/<app>/fd/ (-1: none) */
} LabPlan;

GQuark    lab_engine_error_quark (void);

LabPlan  *lab_plan_new           (const char     *workload);
LabPlan  *lab_plan_copy          (const LabPlan  *plan);
void      lab_plan_free          (LabPlan        *plan);
gboolean  lab_plan_validate      (const LabPlan  *plan,
                                  GError        **error);
guint     lab_plan_max_workers   (LabMode         mode);
gboolean  lab_plan_validate_mode (const LabPlan  *plan,
                                  LabMode         mode,
                                  GError        **error);
gboolean  lab_plan_check_descriptors (const LabPlan *plan,
                                  LabMode         mode,
                                  guint           n_tasks,
                                  gboolean        server_here,
                                  GError        **error);
GVariant *lab_plan_to_variant    (const LabPlan  *plan);
LabPlan  *lab_plan_from_variant  (GVariant       *variant,
                                  GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabPlan, lab_plan_free)

G_END_DECLS
