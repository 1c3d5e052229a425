/* lab-mode-distributed-workers.c — the distributed mode's workers as the
 * window sees them: a lane each as it takes its first job, named after it
 * and filed under its machine, and marked lost when it stops beating
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-mode-distributed"

#include "config.h"

#include "lab-mode-distributed-private.h"
#include "lab-rq.h"

/* Tells the window about the worker on @lane: its name and its machine,
 * so that its lane is labelled and grouped with the others of that host
 * as it takes its first job. */
static void
push_worker (LabDistributed *self,
             LabEventKind    kind,
             guint           lane,
             gint            pid,
             const char     *host)
{
  LabEvent event = {
    .kind = kind,
    .mode = self->ctx->run->mode,
    .lane = lane,
    .pid = pid,
    .time_us = g_get_monotonic_time (),
    .name = g_ptr_array_index (self->ctx->run->lane_names, lane),
    .host = host,
  };

  if (self->ctx->events != NULL)
    lab_event_buffer_push (self->ctx->events, &event);
}

/* The machine a worker registered from (rq:worker:<name>'s hostname), or
 * NULL if it is gone already. */
static char *
dup_worker_host (LabDistributed *self,
                 const char     *worker_name)
{
  g_autofree char *key = lab_rq_worker_key (worker_name);
  g_autoptr(redisReply) reply = lab_broker_command (self->broker, NULL, "HGET", key, "hostname",
                                                    NULL);

  if (reply == NULL || reply->type != REDIS_REPLY_STRING)
    return NULL;
  return g_strdup (reply->str);
}

gint
lab_distributed_lane_for (LabDistributed *self,
                          const char     *worker_name,
                          gint            pid)
{
  gpointer lane = g_hash_table_lookup (self->lanes, worker_name);
  LabRun *run = self->ctx->run;
  g_autofree char *host = NULL;
  gboolean lost = FALSE;

  if (lane != NULL)
    {
      guint index = GPOINTER_TO_INT (lane) - 1;

      /* A worker we thought lost (a network hiccup) is back at work. */
      if (g_array_index (self->lane_lost, gboolean, index))
        {
          host = dup_worker_host (self, worker_name);
          g_array_index (self->lane_lost, gboolean, index) = FALSE;
          push_worker (self, LAB_EVENT_WORKER_STARTED, index, pid, host);
        }
      return index;
    }

  /* A worker we have not seen yet in this run: a new lane, labelled by
   * the worker's name (host:pid by default). */
  g_ptr_array_add (run->lane_names, g_strdup (worker_name));
  g_hash_table_insert (self->lanes, g_strdup (worker_name),
                       GINT_TO_POINTER (run->lane_names->len));
  g_array_append_val (self->lane_lost, lost);
  host = dup_worker_host (self, worker_name);
  if (host != NULL && g_hash_table_add (self->hosts, g_strdup (host)))
    run->n_hosts = g_hash_table_size (self->hosts);
  push_worker (self, LAB_EVENT_WORKER_STARTED, run->lane_names->len - 1, pid, host);
  return run->lane_names->len - 1;
}

/* A worker of @lane went silent: the window shows its lane as lost. */
void
lab_distributed_lane_lost (LabDistributed *self,
                           guint           lane,
                           gint            pid)
{
  if (lane >= self->lane_lost->len || g_array_index (self->lane_lost, gboolean, lane))
    return;
  g_array_index (self->lane_lost, gboolean, lane) = TRUE;
  push_worker (self, LAB_EVENT_WORKER_LOST, lane, pid, NULL);
}

/* Workers that stopped beating, busy or idle: the same silence after
 * which their jobs go back to the queue (LAB_RQ_JOB_TTL_S), or gone from
 * the broker (a worker stopped with Ctrl+C unregisters). */
gboolean
lab_distributed_find_lost_workers (LabDistributed  *self,
                                   gint64           now_us,
                                   GError         **error)
{
  LabRun *run = self->ctx->run;

  for (guint lane = 0; lane < run->lane_names->len; lane++)
    {
      g_autofree char *key = NULL;
      g_autoptr(redisReply) reply = NULL;
      g_autoptr(GDateTime) beat = NULL;

      if (g_array_index (self->lane_lost, gboolean, lane))
        continue;
      key = lab_rq_worker_key (g_ptr_array_index (run->lane_names, lane));
      reply = lab_broker_command (self->broker, error, "HGET", key, "last_heartbeat", NULL);
      if (reply == NULL)
        return FALSE;
      if (reply->type == REDIS_REPLY_STRING)
        beat = g_date_time_new_from_iso8601 (reply->str, NULL);
      if (beat == NULL ||
          now_us - g_date_time_to_unix (beat) * G_USEC_PER_SEC - g_date_time_get_microsecond (beat)
            > LAB_RQ_JOB_TTL_S * G_USEC_PER_SEC)
        lab_distributed_lane_lost (self, lane, 0);
    }
  return TRUE;
}
