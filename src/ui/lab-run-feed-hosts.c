/* lab-run-feed-hosts.c — the distributed workers' lanes on a timeline page
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workers of the distributed mode join by name from many machines: their
 * lanes are grouped under their host, named after the worker, and marked
 * when it goes silent.  This is the feed's bookkeeping of where each
 * worker's lane is on the page, and what it is called.
 */

#define G_LOG_DOMAIN "lab-run-feed"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-feed.h"
#include "lab-run-feed-private.h"

/* The page's lane for a worker's @lane: the same, except in the
 * distributed mode, where lanes are grouped by host. */
gint
lab_run_feed_page_lane (LabRunFeed *self,
                        LabMode     mode,
                        gint        lane)
{
  if (mode != LAB_MODE_DISTRIBUTED || lane < 0 || (guint) lane >= self->lane_map->len
      || g_array_index (self->lane_map, gint, lane) < 0)
    return lane;
  return g_array_index (self->lane_map, gint, lane);
}

/* Distributed: a worker on @host joined, on the run's @lane.  Its lane on
 * the page goes after the last of its host's, moving the lanes below
 * down; a new host's go last. */
void
lab_run_feed_place_worker (LabRunFeed *self,
                           LabMode     mode,
                           gint        lane,
                           const char *host)
{
  guint n_placed = self->lane_hosts->len;
  guint position = n_placed;
  gint unplaced = -1;

  /* A worker back from being lost keeps its lane. */
  if ((guint) lane < self->lane_map->len && g_array_index (self->lane_map, gint, lane) >= 0)
    return;

  for (guint i = n_placed; host != NULL && i > 0; i--)
    if (g_strcmp0 (g_ptr_array_index (self->lane_hosts, i - 1), host) == 0)
      {
        position = i;
        break;
      }

  if (position < n_placed)
    {
      g_signal_emit (self, lab_run_feed_signals[LANE_INSERTED], 0, self->page[mode],
                     (gint) position);
      for (guint i = 0; i < self->lane_map->len; i++)
        if (g_array_index (self->lane_map, gint, i) >= (gint) position)
          g_array_index (self->lane_map, gint, i)++;
    }
  g_ptr_array_insert (self->lane_hosts, position, g_strdup (host));
  while (self->lane_map->len <= (guint) lane)
    g_array_append_val (self->lane_map, unplaced);
  g_array_index (self->lane_map, gint, lane) = position;
}

/* Distributed: the name the worker on @lane joined with, or NULL. */
const char *
lab_run_feed_worker_name (LabRunFeed *self,
                          gint        lane)
{
  if (lane < 0 || (guint) lane >= self->worker_names->len)
    return NULL;
  return g_ptr_array_index (self->worker_names, lane);
}

/* A run that knows its workers by name (the distributed mode's
 * "host:pid") names their lanes on @page. */
void
lab_run_feed_name_lanes (LabRunFeed   *self,
                         guint         page,
                         const LabRun *run)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));
  g_return_if_fail (run != NULL);

  for (guint lane = 0; run->lane_names != NULL && lane < run->lane_names->len; lane++)
    {
      const char *name = g_ptr_array_index (run->lane_names, lane);
      gboolean latest = page == self->page[run->mode];
      g_autofree char *lost = NULL;

      /* The page of the run that just ended keeps its lost workers
       * marked, and its lanes grouped by host. */
      if (latest && lane < self->workers_lost->len
          && g_array_index (self->workers_lost, gboolean, lane))
        name = lost = g_strdup_printf (_("%s (lost)"), name);
      g_signal_emit (self, lab_run_feed_signals[LANE_LABEL], 0, page,
                     latest ? lab_run_feed_page_lane (self, run->mode, lane) : (gint) lane, name);
    }
}
