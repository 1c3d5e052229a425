/* lab-run.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "lab-cost.h"
#include "lab-mode.h"

G_BEGIN_DECLS

/* What happened to one task: who ran it, when (monotonic µs, comparable
 * across processes), how much it moved, and what it produced. */
typedef struct
{
  guint    index;
  gint     lane;        /* worker lane, 0-based: thread index, process slot, or 0 for the loop */
  gint     pid;         /* process that ran it */
  gint64   start_us;
  gint64   end_us;
  guint64  bytes;
  char    *name;        /* what the task is, e.g. "block 3" or a file name */
  char    *value;       /* its result as text: a chunk sum, a hex digest */
  char    *error;       /* NULL when the task succeeded */
  GBytes  *output;      /* what the task hands to the next stage (a downloaded body) */
  guint    status;      /* download: the HTTP status */
  gint64   ttfb_us;     /* download: request sent → first byte of the answer */
  gint64   cpu_us;      /* time on a CPU while it ran; -1: not measured */
  gint64   run_queue_us; /* time it was ready but waited for a core; -1: not measured */
  GArray  *spans;       /* LabSpan (lab-states.h): its explicit waits, or NULL */
} LabTaskRecord;

/* How many cores the run kept busy, averaged since the sample before. */
typedef struct
{
  gint64  time_us;
  double  cores;
} LabCoresSample;

/* How busy an event loop was over one period: the share of it spent
 * running callbacks rather than asleep in poll (). */
typedef struct
{
  gint64  time_us;      /* the period's end */
  double  busy;         /* 0–1, averaged since the sample before */
} LabLoopSample;

/* An async run's event loop (lab-states.c): busy while it runs callbacks —
 * the tasks' own code, and GLib's between them — idle while it sleeps in
 * poll () waiting for something to happen; and how late each timer fired
 * after its due time.  CPU work on the loop makes every timer late. */
typedef struct
{
  gboolean  measured;       /* FALSE: the run had no event loop of its own */
  gint64    busy_us;
  gint64    idle_us;
  guint     timers;         /* timers that fired */
  gint64    late_median_us; /* fired − due; -1 without timers */
  gint64    late_p99_us;
  gint64    late_max_us;
  GArray   *busy_samples;   /* LabLoopSample every LAB_LOOP_SAMPLE_US, or NULL */
} LabLoopStats;

/* The summary of one run of one mode. */
typedef struct
{
  LabMode        mode;
  guint          workers;
  guint          in_flight;     /* processes + async: tasks in flight in each process */
  gboolean       gil;
  gint64         start_us;      /* monotonic time the clock started */
  gint64         wall_us;       /* first task handed out → last result in */
  gint64         startup_us;    /* what this run paid to start its workers, apart from the run */
  gboolean       warm_start;    /* processes: the pool was already running; startup_us is 0 */
  guint          tasks_ok;
  guint          tasks_failed;
  guint          respawns;      /* worker processes that died and were replaced */
  gint           caller_lane;   /* futures: the lane of the caller's waits in result (); -1 */
  guint          requeued;      /* distributed: jobs put back after their worker went silent */
  GPtrArray     *lane_names;    /* distributed: each lane's worker, "host:pid" */
  guint          n_hosts;       /* distributed: the machines those workers ran on */
  gint64         broker_cost_us; /* distributed: median time from a worker being free (or the
                                  * job queued, if later) to the job starting; -1: unknown */
  guint          gil_max_holders; /* --gil: most threads ever computing at once */
  guint64        gil_switches;  /* --gil: how often the GIL changed hands */
  gboolean       cancelled;
  gboolean       verified;
  char          *result;        /* the workload's summary: the sum, the combined digest */
  GVariant      *result_fields; /* the same as named numbers (a{sv}), or NULL */
  char          *verify_error;  /* why verification failed, or NULL */
  guint          n_records;
  LabTaskRecord *records;
  GBytes       **inputs;        /* what each task was given (NULL where nothing), for verify */
  GArray        *cores_busy;    /* LabCoresSample every ~20 ms of the run, or NULL */
  LabCost        cost;          /* memory, threads, context switches: see lab-cost.h */
  LabLoopStats   loop;          /* async: the event loop's busy and idle time, timer lateness */
} LabRun;

LabRun     *lab_run_new              (LabMode        mode,
                                      guint          n_tasks);
void        lab_run_free             (LabRun        *run);
gboolean    lab_run_is_ok            (const LabRun  *run);
char       *lab_run_dup_worker_label (const LabRun  *run,
                                      const LabTaskRecord *record);
void        lab_task_record_clear    (LabTaskRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabRun, lab_run_free)

G_END_DECLS
