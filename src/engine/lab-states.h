/* lab-states.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-run.h"

G_BEGIN_DECLS

/* Where a task's time went.  Compute and waiting for a core are measured
 * by the kernel (schedstat); the waits are spans the code records where it
 * waits; what neither explains is "other", never guessed. */
typedef enum
{
  LAB_STATE_COMPUTE,     /* on a CPU */
  LAB_STATE_RUNQUEUE,    /* ready to run, waiting for a core */
  LAB_STATE_GIL,         /* waiting for the GIL */
  LAB_STATE_LOCK,        /* waiting for a lock (or a queue) */
  LAB_STATE_IO,          /* waiting for a timer, the network, the disk */
  LAB_STATE_TRANSFER,    /* copying data to or from a worker process */
  LAB_STATE_STARTUP,     /* starting workers */
  LAB_STATE_OTHER,       /* none of the above was measured */
  LAB_N_STATES
} LabState;

/* What a wait was, more precisely. */
typedef enum
{
  LAB_WAIT_NONE,
  LAB_WAIT_TIMER,        /* a sleep, an await asyncio.sleep () */
  LAB_WAIT_CONNECT,      /* HTTP: until the connection is up */
  LAB_WAIT_FIRST_BYTE,   /* HTTP: request sent → first byte of the answer */
  LAB_WAIT_BODY,         /* HTTP: the rest of the body */
  LAB_WAIT_WRITE,        /* a file write */
  LAB_WAIT_FSYNC,        /* a file's fsync */
  LAB_WAIT_SEND,         /* a task's input to a worker process */
  LAB_WAIT_RECEIVE,      /* its result back */
  LAB_N_WAITS
} LabWait;

/* Copies to and from a worker process shorter than this get no span: a
 * few bytes through a pipe take microseconds, and 100,000 tiny spans
 * would cost memory to say nothing. */
#define LAB_MIN_TRANSFER_SPAN_US 20

/* Likewise a wait on an event loop that was over before the loop came
 * back to it: a span costs an allocation, as much as the rest of an empty
 * task on the loop, so 10,000 zero-length sleeps cost what they cost
 * before.  Every wait long enough to matter has its span. */
#define LAB_MIN_WAIT_SPAN_US 20

/* Tasks shorter than this do not pay for measuring the next task's CPU
 * time (see lab_cpu_sample_task_start ()). */
#define LAB_MIN_MEASURED_TASK_US 100

/* An event loop's busy share is sampled over periods this long, as the
 * cores-busy strip is. */
#define LAB_LOOP_SAMPLE_US 20000

/* One explicit wait inside a task, in monotonic µs. */
typedef struct
{
  gint64   start_us;
  gint64   end_us;
  guint8   state;        /* a LabState: GIL, LOCK, IO or TRANSFER */
  guint8   wait;         /* a LabWait */
} LabSpan;

/* A thread's time on a CPU and in the run queue so far, in µs; run_queue_us
 * is -1 where the kernel does not say (no schedstat). */
typedef struct
{
  gint64 cpu_us;
  gint64 run_queue_us;
} LabCpuSample;

const char *lab_state_to_string       (LabState      state);
const char *lab_state_get_title       (LabState      state);
const char *lab_state_get_phrase      (LabState      state);
const char *lab_wait_to_string        (LabWait       wait);

void        lab_cpu_sample_thread     (LabCpuSample *sample);
void        lab_cpu_sample_task_start (LabCpuSample *sample,
                                       gint64        now_us);
void        lab_cpu_sample_task_end   (const LabCpuSample *start,
                                       gint64        now_us,
                                       gint64        wall_us,
                                       gint64       *cpu_us,
                                       gint64       *run_queue_us);
gboolean    lab_cpu_sample_process    (gint          pid,
                                       gint64       *cpu_us);

void        lab_spans_begin_task      (GArray      **spans);
void        lab_spans_end_task        (void);
void        lab_spans_add             (GArray      **spans,
                                       LabState      state,
                                       LabWait       wait,
                                       gint64        start_us,
                                       gint64        end_us);
void        lab_span_record           (LabState      state,
                                       LabWait       wait,
                                       gint64        start_us,
                                       gint64        end_us);

/* On an event loop many tasks are in flight on one thread, so the
 * thread's sink above cannot tell whose wait it is: a wait that ends in a
 * callback goes straight into its own task's record,
 * lab_spans_add (&record->spans, …), where the callback knows the record. */

typedef struct _LabLoopRecorder LabLoopRecorder;

LabLoopRecorder *lab_loop_recorder_start (GMainContext    *context);
void        lab_loop_recorder_stop    (LabLoopRecorder *recorder,
                                       LabLoopStats    *stats);
void        lab_loop_note_timer       (gint64         due_us,
                                       gint64         fired_us);

gboolean    lab_task_get_extent       (const LabTaskRecord *record,
                                       gint64       *first_us,
                                       gint64       *last_us);
void        lab_task_add_time_by_state (const LabTaskRecord *record,
                                        gint64        by_state[LAB_N_STATES]);
void        lab_run_get_time_by_state (const LabRun *run,
                                       gint64        by_state[LAB_N_STATES]);
double      lab_run_get_mean_cores_busy (const LabRun *run);

G_END_DECLS
