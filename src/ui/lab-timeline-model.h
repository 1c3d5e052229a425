/* lab-timeline-model.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "lab-states.h"
#include "lab-timeline-axis.h"

G_BEGIN_DECLS

/* What the timeline shows, without the showing: lanes (one per worker),
 * sub-rows inside a lane, and a bar per task.  Plain GLib, so that it can
 * be tested without a display; LabTimeline draws it.
 *
 * Times given to the model are monotonic µs; every time stored in it is
 * relative to the origin given to lab_timeline_model_reset().
 *
 * The model also holds the visible time range: fitted to the run (and
 * following it while it grows), or zoomed and panned to a fixed range. */

#define LAB_TIMELINE_MODEL_MAX_LANES 16384  /* above LAB_MAX_THREADS (a lane each): a guard, not a limit */

/* A piece of a finished bar: an explicit wait (a LabState of lab-states.h)
 * at its own times, or LAB_TIMELINE_GAP, time between the waits, which the
 * bar's gap shares divide (see lab-timeline-model-states.c). */
#define LAB_TIMELINE_GAP 255

typedef struct
{
  gint64   start_us;        /* relative to the origin */
  gint64   end_us;
  guint8   state;           /* a LabState, or LAB_TIMELINE_GAP */
  guint8   wait;            /* a LabWait: what an I/O wait was */
} LabTimelineSegment;

/* What the engine said about where a task's time went, in one block of
 * memory with its spans: the window gets 100,000 of these a second.
 * Read-only outside the model. */
typedef struct
{
  gint64   cpu_us;          /* its time on a CPU; -1: not measured */
  gint64   run_queue_us;    /* its time waiting for a core; -1: not measured */
  gint64   gap_shares[3];   /* finished: the gaps' time on a CPU, waiting for a core, other */
  GArray  *segments;        /* LabTimelineSegment covering the finished bar, in time order;
                             * made when first asked for (a wide bar drawn, a tooltip) */
  guint    n_spans;
  guint    spans_size;
  LabTimelineSegment spans[]; /* its explicit waits: sorted by start once it finished */
} LabTimelineStates;

/* The states the gap shares stand for, in their order. */
#define LAB_TIMELINE_N_GAP_STATES 3
extern const guint lab_timeline_gap_states[LAB_TIMELINE_N_GAP_STATES];

/* How many cores the run kept busy, averaged since the sample before. */
typedef struct
{
  gint64   time_us;         /* relative to the origin */
  double   cores;
} LabTimelineCoresSample;

/* One task.  Read-only outside the model. */
typedef struct
{
  char    *name;            /* NULL: "task N" */
  char    *error;
  gint64   start_us;        /* relative to the origin, like every time stored here */
  gint64   end_us;          /* valid once finished */
  guint64  bytes;
  guint    task;
  guint    lane;
  guint    row;             /* sub-row inside the lane */
  guint    running_index;   /* position in the model's running bars while running */
  LabTimelineStates *states; /* NULL: nothing was said (the whole bar is "other") */
  guint    attached : 1;
  guint    running : 1;
  guint    ok : 1;
} LabTimelineBar;

/* An item through a queue (ping-pong): put by a producer, drawn on the
 * producer's lane, or taken by the consumer, drawn on the consumer's. */
typedef struct
{
  gint64   time_us;
  gint64   put_us;          /* a take: when its item was put; a put: time_us */
  guint    task;            /* the item's producer */
  gboolean taken;
} LabTimelineMark;

/* One worker.  Read-only outside the model. */
typedef struct
{
  char      *label;         /* NULL: "worker N" */
  GPtrArray *bars;          /* LabTimelineBar, sorted by start */
  GArray    *rows;          /* one summary per sub-row; only its length is public */
  gint64     max_start;     /* no bar starts later (may be stale high) */
  gint64     max_duration;  /* no finished bar lasts longer (may be stale high) */
  guint      serial;        /* changes whenever the finished bars or the rows change */
  GPtrArray *finished;      /* LabTimelineBar, the finished ones in the order they finished */
  guint      generation;    /* changes when a bar leaves @finished: appended caches are stale */
  guint      n_running;
  GArray    *marks;         /* LabTimelineMark, sorted by time */
  GArray    *free_rows;     /* guint, a min-heap of sub-rows with nothing running (and stale ones) */
  gboolean   consumer;      /* the lane of a queue's consumer: its label is "consumer" */
  char      *host;          /* distributed: the machine its worker runs on, or NULL */
} LabTimelineLane;

typedef struct _LabTimelineModel LabTimelineModel;

LabTimelineModel      *lab_timeline_model_new             (void);
void                   lab_timeline_model_free            (LabTimelineModel       *self);
void                   lab_timeline_model_reset           (LabTimelineModel       *self,
                                                           gint64                  origin_us);
gboolean               lab_timeline_model_set_lane_label  (LabTimelineModel       *self,
                                                           guint                   lane,
                                                           const char             *label);
gboolean               lab_timeline_model_set_lane_host   (LabTimelineModel       *self,
                                                           guint                   lane,
                                                           const char             *host);
void                   lab_timeline_model_insert_lane     (LabTimelineModel       *self,
                                                           guint                   lane);
const char            *lab_timeline_model_get_lane_header (LabTimelineModel       *self,
                                                           guint                   lane);
gboolean               lab_timeline_model_bar_has_broker_clock (LabTimelineModel  *self,
                                                           const LabTimelineBar   *bar);
gboolean               lab_timeline_model_task_started    (LabTimelineModel       *self,
                                                           guint                   task,
                                                           guint                   lane,
                                                           gint64                  start_us,
                                                           const char             *name);
void                   lab_timeline_model_task_finished   (LabTimelineModel       *self,
                                                           guint                   task,
                                                           guint                   lane,
                                                           gint64                  start_us,
                                                           gint64                  end_us,
                                                           guint64                 bytes,
                                                           gboolean                ok,
                                                           const char             *error);
gboolean               lab_timeline_model_add_item_mark   (LabTimelineModel       *self,
                                                           guint                   task,
                                                           gboolean                taken,
                                                           gint64                  time_us);
gboolean               lab_timeline_model_set_now         (LabTimelineModel       *self,
                                                           gint64                  now_us);
guint                  lab_timeline_model_get_n_bars      (LabTimelineModel       *self);
guint                  lab_timeline_model_get_n_lanes     (LabTimelineModel       *self);
guint                  lab_timeline_model_get_n_rows      (LabTimelineModel       *self,
                                                           guint                   lane);
const LabTimelineLane *lab_timeline_model_get_lane        (LabTimelineModel       *self,
                                                           guint                   lane);
const LabTimelineBar  *lab_timeline_model_get_bar         (LabTimelineModel       *self,
                                                           guint                   task);
GPtrArray             *lab_timeline_model_get_running     (LabTimelineModel       *self);
char                  *lab_timeline_model_dup_lane_label  (LabTimelineModel       *self,
                                                           guint                   lane);
gint64                 lab_timeline_model_get_span        (LabTimelineModel       *self);
gint64                 lab_timeline_model_get_now         (LabTimelineModel       *self);
gint64                 lab_timeline_model_get_bar_end     (LabTimelineModel       *self,
                                                           const LabTimelineBar   *bar);
void                   lab_timeline_lane_get_bars_between (const LabTimelineLane  *lane,
                                                           gint64                  from_us,
                                                           gint64                  to_us,
                                                           guint                  *first,
                                                           guint                  *end);
gboolean               lab_timeline_model_lane_fits       (LabTimelineModel       *self,
                                                           guint                   lane,
                                                           gint64                  from_us,
                                                           gint64                  to_us,
                                                           guint                   max_bars,
                                                           guint                   max_rows,
                                                           guint                  *n_rows_shown);

/* lab-timeline-model-states.c: where the time went */
gboolean               lab_timeline_model_add_task_span   (LabTimelineModel       *self,
                                                           guint                   task,
                                                           guint                   state,
                                                           guint                   wait,
                                                           gint64                  start_us,
                                                           gint64                  end_us);
gboolean               lab_timeline_model_set_task_times  (LabTimelineModel       *self,
                                                           guint                   task,
                                                           gint64                  cpu_us,
                                                           gint64                  run_queue_us);
gboolean               lab_timeline_model_set_task_states (LabTimelineModel       *self,
                                                           guint                   task,
                                                           gint64                  cpu_us,
                                                           gint64                  run_queue_us,
                                                           const LabSpan          *spans,
                                                           guint                   n_spans);
const LabTimelineSegment *
                       lab_timeline_bar_get_segments      (const LabTimelineBar   *bar,
                                                           guint                  *n_segments);
guint                  lab_timeline_bar_get_main_state    (const LabTimelineBar   *bar);
guint                  lab_timeline_model_get_states_present (LabTimelineModel    *self);
void                   lab_timeline_model_get_time_by_state (LabTimelineModel     *self,
                                                           gint64                 *by_state);
void                   lab_timeline_model_add_cores_sample (LabTimelineModel      *self,
                                                           gint64                  time_us,
                                                           double                  cores);
const LabTimelineCoresSample *
                       lab_timeline_model_get_cores_samples (LabTimelineModel     *self,
                                                           guint                  *n_samples);

void                   lab_timeline_model_get_visible     (LabTimelineModel       *self,
                                                           gint64                 *from_us,
                                                           gint64                 *to_us);
gboolean               lab_timeline_model_is_fitted       (LabTimelineModel       *self);
gboolean               lab_timeline_model_fit             (LabTimelineModel       *self);
gboolean               lab_timeline_model_zoom            (LabTimelineModel       *self,
                                                           double                  factor,
                                                           gint64                  at_us);
gboolean               lab_timeline_model_pan             (LabTimelineModel       *self,
                                                           gint64                  delta_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabTimelineModel, lab_timeline_model_free)

G_END_DECLS
