/* lab-timeline-model-private.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The model's insides, shared by lab-timeline-model.c (lanes and bars),
 * lab-timeline-model-rows.c (a bar's place and sub-row in its lane) and
 * lab-timeline-model-view.c (the visible range, and what fits in it). */

#include "lab-timeline-model.h"

G_BEGIN_DECLS

/* What row assignment needs to know about a sub-row without looking at its
 * bars: whether it is busy until further notice, or until when. */
typedef struct
{
  gint64 max_end;           /* never lowered when a bar leaves, so it errs on "busy" */
  guint  n_running;
} LabTimelineRow;

struct _LabTimelineModel
{
  GHashTable *bars;         /* task → LabTimelineBar, owned */
  GPtrArray  *lanes;        /* LabTimelineLane, owned */
  GPtrArray  *running;      /* LabTimelineBar, the bars still growing */
  gint64      origin_us;
  gint64      now_us;       /* relative; only meaningful while live */
  gint64      last_us;      /* the latest start or end seen */
  gboolean    live;
  GByteArray *busy;         /* scratch: one flag per sub-row */

  LabTimelineLane *consumer;  /* the queue's consumer, below every worker; NULL until a take */
  gboolean    pending;        /* the consumer reported a put; its take comes next */
  gint64      pending_put;
  guint       pending_task;

  guint       states_present; /* 1 << LabState for every state some finished bar spent time in */
  GArray     *cores;          /* LabTimelineCoresSample, in time order */

  gboolean    fitted;       /* the view follows the run; else it is view_from–view_to */
  gint64      view_from;
  gint64      view_to;
};

/* lab-timeline-model-states.c */
void lab_timeline_states_free             (LabTimelineStates *states);
void lab_timeline_model_states_finished   (LabTimelineModel  *self,
                                           LabTimelineBar    *bar);
void lab_timeline_model_states_reset      (LabTimelineModel  *self);

static inline LabTimelineLane *
lab_timeline_model_lane (LabTimelineModel *self,
                         guint             lane)
{
  return g_ptr_array_index (self->lanes, lane);
}

/* Lanes as the widget counts them: the workers', then the consumer's,
 * which stays last however many workers' lanes come after it. */
static inline guint
lab_timeline_model_n_shown_lanes (LabTimelineModel *self)
{
  return self->lanes->len + (self->consumer != NULL);
}

static inline LabTimelineLane *
lab_timeline_model_shown_lane (LabTimelineModel *self,
                               guint             lane)
{
  return lane < self->lanes->len ? lab_timeline_model_lane (self, lane) : self->consumer;
}

/* lab-timeline-model.c */
LabTimelineLane *lab_timeline_model_ensure_lane (LabTimelineModel *self,
                                                 guint             lane);

/* lab-timeline-model-rows.c */
guint lab_timeline_lane_bound           (const LabTimelineLane *lane,
                                         gint64                 start_us,
                                         gboolean               include_start);
void  lab_timeline_lane_push_free       (LabTimelineLane       *lane,
                                         guint                  row);
void  lab_timeline_model_remove_running (LabTimelineModel      *self,
                                         LabTimelineBar        *bar);
void  lab_timeline_model_note_finished  (LabTimelineModel      *self,
                                         LabTimelineLane       *lane,
                                         LabTimelineBar        *bar);
void  lab_timeline_model_attach         (LabTimelineModel      *self,
                                         LabTimelineBar        *bar,
                                         guint                  lane_index);
void  lab_timeline_model_detach         (LabTimelineModel      *self,
                                         LabTimelineBar        *bar);

G_END_DECLS
