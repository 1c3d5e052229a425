/* lab-mode-distributed-private.h — what the distributed mode's files share
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-broker.h"
#include "lab-local-broker.h"
#include "lab-run-context.h"

G_BEGIN_DECLS

/* One distributed run, as the app sees it (lab-mode-distributed.c); its
 * workers as they join and leave in lab-mode-distributed-workers.c. */
typedef struct
{
  LabRunContext *ctx;
  LabBroker     *broker;
  char          *run_id;
  char          *run_key;
  char          *events_key;
  gint64         clock_offset_us;   /* broker µs − our monotonic µs */
  gboolean      *finished;          /* per task */
  guint         *losses;            /* per task: how often its worker went silent */
  gint64        *in_limbo_since;    /* per task: first seen taken but not started */
  gint64        *queued_at;         /* per task: when it was (last) put in the queue, our clock */
  GHashTable    *lanes;             /* worker name → lane + 1 */
  GArray        *lane_lost;         /* gboolean per lane: its worker went silent */
  GHashTable    *hosts;             /* the machines the run's workers are on */
  LabLocalBroker *local;            /* the broker and workers we started, or NULL */
  guint          remaining;
} LabDistributed;

gint     lab_distributed_lane_for          (LabDistributed  *self,
                                            const char      *worker_name,
                                            gint             pid);
void     lab_distributed_lane_lost         (LabDistributed  *self,
                                            guint            lane,
                                            gint             pid);
gboolean lab_distributed_find_lost_workers (LabDistributed  *self,
                                            gint64           now_us,
                                            GError         **error);

G_END_DECLS
