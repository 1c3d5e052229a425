/* lab-cost.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a run's concurrency cost, measured by the kernel: memory, threads,
 * context switches — for the app and for its worker processes. */
typedef struct
{
  guint64  rss_before_bytes;      /* the app's resident memory when the run began */
  guint64  peak_rss_bytes;        /* the app's peak resident memory during the run */
  gboolean peak_rss_from_start;   /* the peak could not be reset: it is the app's all-time peak */
  guint    threads_before;        /* the app's threads when the run began (/proc) */
  guint    threads_created;       /* threads the mode started for the run */
  gint64   thread_create_us;      /* the time it took to start them */
  guint64  voluntary_switches;    /* the app: a thread gave up the CPU to wait */
  guint64  involuntary_switches;  /* the app: the scheduler took the CPU away */
  guint    processes;             /* worker processes measured */
  guint64  workers_peak_rss_bytes;       /* their peaks, added up */
  guint64  workers_voluntary_switches;
  guint64  workers_involuntary_switches;
} LabCost;

typedef struct _LabCostProbe LabCostProbe;

LabCostProbe *lab_cost_probe_begin    (LabCost      *cost,
                                       GArray       *worker_pids);
void          lab_cost_probe_end      (LabCostProbe *probe,
                                       LabCost      *cost,
                                       GArray       *worker_pids);
void          lab_cost_probe_free     (LabCostProbe *probe);
void          lab_cost_note_threads   (LabCost      *cost,
                                       guint         n_threads,
                                       gint64        since_us);
guint64       lab_cost_get_rss_bytes  (void);
char         *lab_cost_dup_summary    (const LabCost *cost);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabCostProbe, lab_cost_probe_free)

G_END_DECLS
