/* lab-timeline-model-private.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* The model's insides, shared by lab-timeline-model.c (lanes and bars) and
 * lab-timeline-model-view.c (the visible range, and what fits in it). */

#include "lab-timeline-model.h"

G_BEGIN_DECLS

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

G_END_DECLS
