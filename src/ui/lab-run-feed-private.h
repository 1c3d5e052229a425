/* lab-run-feed-private.h — what the run feed's files share
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The feed is one object told in two files: lab-run-feed.c turns a run's
 * events into its page's signals, lab-run-feed-hosts.c keeps the
 * distributed workers' lanes grouped by host and named.
 */

#pragma once

#include "lab-run-feed.h"

G_BEGIN_DECLS

struct _LabRunFeed
{
  GObject          parent_instance;

  LabEventBuffer  *events;
  guint            fallback_id;
  gboolean         draining;

  /* What runs: a job's workload (NULL in a lesson), whether it is the
   * pipeline (whose three stages share a page), or a lesson. */
  LabWorkload     *workload;
  gboolean         pipeline;
  gboolean         lesson;

  guint            page[LAB_N_ALL_MODES];  /* where each mode's events go now */
  GArray          *lesson_starts;      /* gint64: when each lesson page's run began */

  /* Worker processes announce themselves before the run's clock starts
   * (and before its page is reset); their lanes wait here until then. */
  GArray          *worker_pids[LAB_N_ALL_MODES];
  gboolean         run_open[LAB_N_ALL_MODES];
  /* The cores-busy samples of a mode go to its page once its run began
   * there (the sampler starts a little before the clock). */
  gboolean         page_ready[LAB_N_ALL_MODES];

  guint            stages_started;
  LabRunProgress   progress;

  GArray          *spans;   /* scratch: LabSpan, the spans of the task finishing */
  /* Distributed: each lane's worker by name, as it joined the run; and
   * the local broker's URL while a run uses it. */
  GPtrArray       *worker_names;
  GArray          *workers_lost;       /* gboolean per lane: its worker went silent */
  /* Distributed: lanes of one host stay together on the page, so the
   * page's lane of each worker (gint per worker's lane), and the host of
   * each of the page's lanes. */
  GArray          *lane_map;
  GPtrArray       *lane_hosts;
  gboolean         broker_shown;
};

enum {
  PAGE_ADDED,
  PAGE_TITLED,
  PAGES_CLEARED,
  TIMELINE_RESET,
  LANE_LABEL,
  TASK_STARTED,
  TASK_FINISHED,
  ITEM_MARK,
  TIMELINE_NOW,
  DRAINED,
  TASK_SPAN,
  TASK_STATES,
  CORES_BUSY,
  TIME_BY_STATE,
  LANE_HOST,
  LANE_INSERTED,
  BROKER_READY,
  N_SIGNALS
};

extern guint lab_run_feed_signals[N_SIGNALS];

/* lab-run-feed-hosts.c */
gint        lab_run_feed_page_lane    (LabRunFeed *self,
                                       LabMode     mode,
                                       gint        lane);
void        lab_run_feed_place_worker (LabRunFeed *self,
                                       LabMode     mode,
                                       gint        lane,
                                       const char *host);
const char *lab_run_feed_worker_name  (LabRunFeed *self,
                                       gint        lane);

G_END_DECLS
