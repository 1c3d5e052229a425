/* lab-rq.h — where the distributed mode keeps things in Redis: RQ's layout
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RQ's keys (rq/queue.py, job.py, worker.py, registry.py in python3-rq),
 * for our one queue, so that `rq info --url …` reads a live run. */
#define LAB_RQ_QUEUE          "concurrency-lab"
#define LAB_RQ_QUEUES_KEY     "rq:queues"                           /* set of queue keys */
#define LAB_RQ_QUEUE_KEY      "rq:queue:" LAB_RQ_QUEUE              /* list of job ids */
#define LAB_RQ_INTERMEDIATE   "rq:intermediate:" LAB_RQ_QUEUE       /* taken, not yet started */
#define LAB_RQ_STARTED_KEY    "rq:wip:" LAB_RQ_QUEUE                /* StartedJobRegistry */
#define LAB_RQ_FINISHED_KEY   "rq:finished:" LAB_RQ_QUEUE           /* FinishedJobRegistry */
#define LAB_RQ_FAILED_KEY     "rq:failed:" LAB_RQ_QUEUE             /* FailedJobRegistry */
#define LAB_RQ_CANCELED_KEY   "rq:canceled:" LAB_RQ_QUEUE           /* CanceledJobRegistry */
#define LAB_RQ_WORKERS_KEY    "rq:workers"                          /* set of worker keys */
#define LAB_RQ_QUEUE_WORKERS  "rq:workers:" LAB_RQ_QUEUE            /* the same, per queue */
#define LAB_RQ_JOB_PREFIX     "rq:job:"
#define LAB_RQ_WORKER_PREFIX  "rq:worker:"

/* Ours, beside RQ's: a run's state ("running", "finished", "cancelled"),
 * which every worker checks before it starts a job, and the list through
 * which workers tell the app that a job started or ended. */
#define LAB_RQ_RUN_PREFIX     "lab:run:"

/* In a job's plan: the URLs of a URL list, which travel instead of the
 * file's name. */
#define LAB_RQ_URLS_FIELD     "lab-urls"

/* In a finished job's hash, beside RQ's fields: where the job's time went
 * on its worker.  CPU time and run-queue wait of the thread that ran it,
 * in µs ("-1": not measured), and its waits as text (lab_rq_format_spans). */
#define LAB_RQ_CPU_FIELD       "lab_cpu_us"
#define LAB_RQ_RUN_QUEUE_FIELD "lab_run_queue_us"
#define LAB_RQ_SPANS_FIELD     "lab_spans"

/* More waits than this in one job is not a job of ours: the field is
 * ignored rather than allocated. */
#define LAB_RQ_MAX_SPANS      10000

/* A worker beats every second; a job whose worker has been silent for
 * LAB_RQ_JOB_TTL_S goes back to the queue, and after LAB_RQ_MAX_LOSSES
 * such losses into the failed registry. */
#define LAB_RQ_HEARTBEAT_S    1
#define LAB_RQ_JOB_TTL_S      5
#define LAB_RQ_MAX_LOSSES     3
#define LAB_RQ_RESULT_TTL_S   500    /* RQ's default result_ttl */
#define LAB_RQ_RUN_TTL_S      3600
#define LAB_RQ_WORKER_TTL_S   (LAB_RQ_JOB_TTL_S + 60)

char     *lab_rq_job_key        (const char  *job_id);
char     *lab_rq_worker_key     (const char  *name);
char     *lab_rq_run_key        (const char  *run_id);
char     *lab_rq_events_key     (const char  *run_id);
char     *lab_rq_job_id         (const char  *run_id,
                                 guint        index);
gboolean  lab_rq_job_id_parse   (const char  *job_id,
                                 char       **run_id,
                                 guint       *index);
char     *lab_rq_format_time    (gint64       time_us);
char     *lab_rq_format_score   (gint64       time_us,
                                 guint        plus_seconds);
char     *lab_rq_new_run_id     (void);
char     *lab_rq_format_spans   (GArray      *spans,
                                 gint64       start_us);
GArray   *lab_rq_parse_spans    (const char  *text,
                                 gint64       start_us,
                                 gint64       max_offset_us,
                                 GError     **error);
gboolean  lab_rq_parse_cpu_time (const char  *text,
                                 gint64       max_us,
                                 gint64      *time_us,
                                 GError     **error);

G_END_DECLS
