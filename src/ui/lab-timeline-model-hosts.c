/* lab-timeline-model-hosts.c — the distributed mode's lanes in the
 * timeline's model: the host each worker runs on, a header where the host
 * changes, lanes inserted to keep a host's workers together, and which
 * bars are on the broker's clock
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lab-timeline-model-private.h"

/**
 * lab_timeline_model_set_lane_host:
 * @lane: the lane, created if needed
 * @host: (nullable): the machine its worker runs on (distributed), whose
 *   times come from the broker's clock
 *
 * Returns: whether the host changed
 */
gboolean
lab_timeline_model_set_lane_host (LabTimelineModel *self,
                                  guint             lane,
                                  const char       *host)
{
  LabTimelineLane *l;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES, FALSE);

  l = lab_timeline_model_ensure_lane (self, lane);
  if (g_strcmp0 (l->host, host) == 0)
    return FALSE;

  g_free (l->host);
  l->host = g_strdup (host);
  return TRUE;
}

/**
 * lab_timeline_model_insert_lane:
 * @lane: where the new, empty lane goes; lanes from there move down one
 *
 * So that a host's workers stay together when one more joins after
 * another host's (distributed).
 */
void
lab_timeline_model_insert_lane (LabTimelineModel *self,
                                guint             lane)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);
  g_return_if_fail (lane <= self->lanes->len);
  g_return_if_fail (self->lanes->len < LAB_TIMELINE_MODEL_MAX_LANES);

  /* A new lane at the end, then where it goes. */
  lab_timeline_model_ensure_lane (self, self->lanes->len);
  g_ptr_array_insert (self->lanes, lane,
                      g_ptr_array_steal_index (self->lanes, self->lanes->len - 1));
  g_hash_table_iter_init (&iter, self->bars);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((LabTimelineBar *) value)->lane >= lane)
      ((LabTimelineBar *) value)->lane++;
}

/**
 * lab_timeline_model_get_lane_header:
 *
 * Lanes of one host are drawn under a header with its name: the first
 * lane of each run of lanes on the same host has one.
 *
 * Returns: (nullable): the host to name above @lane, or %NULL for none
 */
const char *
lab_timeline_model_get_lane_header (LabTimelineModel *self,
                                    guint             lane)
{
  const LabTimelineLane *l;

  g_return_val_if_fail (self != NULL, NULL);

  if (lane >= self->lanes->len)
    return NULL;
  l = lab_timeline_model_lane (self, lane);
  if (l->host == NULL)
    return NULL;
  if (lane > 0 && g_strcmp0 (lab_timeline_model_lane (self, lane - 1)->host, l->host) == 0)
    return NULL;
  return l->host;
}

/**
 * lab_timeline_model_bar_has_broker_clock:
 *
 * One clock: a worker on another machine stamps its job's start and end
 * with the broker's time (Redis TIME, see lab-mode-distributed.c), not
 * its own clock, so that lanes from different machines line up.  That is
 * true of a bar on a host's lane that is running or ended well; a failed
 * one may have been ended here instead (cancelled, or its worker lost).
 *
 * Returns: whether @bar's times come from the broker's clock
 */
gboolean
lab_timeline_model_bar_has_broker_clock (LabTimelineModel     *self,
                                         const LabTimelineBar *bar)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bar != NULL, FALSE);

  if (bar->lane >= self->lanes->len || lab_timeline_model_lane (self, bar->lane)->host == NULL)
    return FALSE;
  return bar->running || bar->ok;
}
