/* lab-event-buffer.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-mode.h"

G_BEGIN_DECLS

/* Small events that workers push while a run goes on; consumers drain them
 * in batches (see LabEventBuffer). */
typedef enum
{
  LAB_EVENT_RUN_STARTED,      /* time_us = start of the clock, task = number of tasks */
  LAB_EVENT_WORKER_STARTED,   /* lane, pid; distributed: name, host */
  LAB_EVENT_WORKER_LOST,      /* lane, pid: a worker process died */
  LAB_EVENT_TASK_STARTED,     /* task, lane, pid, time_us = start */
  LAB_EVENT_TASK_FINISHED,    /* task, lane, pid, start_us, time_us = end, bytes, ok */
  LAB_EVENT_RUN_FINISHED,     /* time_us = end of the clock */
  LAB_EVENT_ITEM_PUT,         /* task = the producer, time_us = when it put an item in a queue */
  LAB_EVENT_ITEM_TAKEN,       /* task = the item's producer, time_us = when the consumer took it */
  LAB_EVENT_TASK_SPAN,        /* task, lane, state, wait, start_us, time_us = end: one explicit
                               * wait of the task; a task's spans and its TASK_FINISHED are
                               * pushed together, in that order */
  LAB_EVENT_CORES_BUSY,       /* time_us, cores: how many cores the run kept busy since the
                               * sample before (lab-cores-sampler.c) */
  LAB_EVENT_BROKER_READY,     /* name = the redis:// URL of a broker the run started itself */
} LabEventKind;

typedef struct
{
  LabEventKind kind;
  LabMode      mode;
  guint        task;
  gint         lane;
  gint         pid;
  gboolean     ok;
  gint64       start_us;
  gint64       time_us;
  guint64      bytes;
  gboolean     caller;      /* a wait of the caller itself (futures' result ()), not a task */
  guint8       state;       /* TASK_SPAN: a LabState (lab-states.h) */
  guint8       wait;        /* TASK_SPAN: a LabWait */
  gboolean     has_times;   /* TASK_FINISHED: cpu_us and run_queue_us are given */
  gint64       cpu_us;      /* TASK_FINISHED: its time on a CPU; -1: not measured */
  gint64       run_queue_us; /* TASK_FINISHED: its time waiting for a core; -1: not measured */
  double       cores;       /* CORES_BUSY */
  const char  *name;        /* distributed: a worker's name ("host:pid" or its --name), or
                             * the broker's URL; the buffer keeps its own copy */
  const char  *host;        /* distributed: the machine a worker runs on */
} LabEvent;

typedef struct _LabEventBuffer LabEventBuffer;

LabEventBuffer *lab_event_buffer_new   (void);
LabEventBuffer *lab_event_buffer_ref   (LabEventBuffer *self);
void            lab_event_buffer_unref (LabEventBuffer *self);
void            lab_event_buffer_push  (LabEventBuffer *self,
                                        const LabEvent *event);
void            lab_event_buffer_push_many (LabEventBuffer *self,
                                            const LabEvent *events,
                                            guint           n_events);
GArray         *lab_event_buffer_drain (LabEventBuffer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabEventBuffer, lab_event_buffer_unref)

G_END_DECLS
