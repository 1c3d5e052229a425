/* lab-rq.c — names and formats of RQ's Redis layout
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app (modes/lab-mode-distributed.c) and the workers
 * (broker/lab-rq-worker.c) write the same keys in the same formats; this
 * file is the one place that spells them.
 */

#define G_LOG_DOMAIN "lab-rq"

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "lab-rq.h"

char *
lab_rq_job_key (const char *job_id)
{
  return g_strconcat (LAB_RQ_JOB_PREFIX, job_id, NULL);
}

char *
lab_rq_worker_key (const char *name)
{
  return g_strconcat (LAB_RQ_WORKER_PREFIX, name, NULL);
}

char *
lab_rq_run_key (const char *run_id)
{
  return g_strconcat (LAB_RQ_RUN_PREFIX, run_id, NULL);
}

char *
lab_rq_events_key (const char *run_id)
{
  return g_strconcat (LAB_RQ_RUN_PREFIX, run_id, ":events", NULL);
}

/* A job's id names its run, so a worker can ask whether the run still
 * wants it, and the app can tell its own jobs in a shared registry. */
char *
lab_rq_job_id (const char *run_id,
               guint       index)
{
  return g_strdup_printf ("%s-%u", run_id, index);
}

gboolean
lab_rq_job_id_parse (const char  *job_id,
                     char       **run_id,
                     guint       *index)
{
  const char *dash = job_id ? strrchr (job_id, '-') : NULL;
  guint64 value;

  if (dash == NULL || dash == job_id ||
      !g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT, &value, NULL))
    return FALSE;

  *run_id = g_strndup (job_id, dash - job_id);
  *index = value;
  return TRUE;
}

/* RQ's utcformat: 2026-11-30T12:34:56.123456Z */
char *
lab_rq_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (time == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06dZ", seconds, (int) (time_us % G_USEC_PER_SEC));
}

/* A registry's score: a Unix time in seconds, as RQ's registries keep it. */
char *
lab_rq_format_score (gint64 time_us,
                     guint  plus_seconds)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, time_us / G_USEC_PER_SEC + plus_seconds);
}

/* 64 random bits from the kernel: another run, or another teacher's app
 * on the same broker, never gets the same id. */
char *
lab_rq_new_run_id (void)
{
  guint64 bits = 0;

  if (getrandom (&bits, sizeof bits, 0) != sizeof bits)
    bits = ((guint64) g_random_int () << 32) | g_random_int ();
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", bits);
}
