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

#include <gio/gio.h>
#include <string.h>
#include <sys/random.h>

#include "lab-rq.h"
#include "lab-states.h"

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

/* ---- Where a job's time went, as it travels in the job's hash ------------- */

/* A job's waits as text, one "state:wait:offset:length" per wait, in µs,
 * separated by spaces: "io:connect:130:420 io:first-byte:550:200310".
 * Offsets count from @start_us, the moment the job started on the
 * worker's own clock: a worker's monotonic clock means nothing on another
 * machine, but a distance on it does, and the app adds it to the job's
 * start on its own timeline.  NULL when there are no waits. */
char *
lab_rq_format_spans (GArray *spans,
                     gint64  start_us)
{
  g_autoptr(GString) text = NULL;

  if (spans == NULL || spans->len == 0)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; i < spans->len && i < LAB_RQ_MAX_SPANS; i++)
    {
      const LabSpan *span = &g_array_index (spans, LabSpan, i);

      g_string_append_printf (text, "%s%s:%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                              i > 0 ? " " : "", lab_state_to_string (span->state),
                              lab_wait_to_string (span->wait),
                              MAX (0, span->start_us - start_us),
                              span->end_us - span->start_us);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
parse_state (const char *name,
             LabState   *state)
{
  /* Only the waits a task records: compute, the run queue and start-up
   * are never spans. */
  static const LabState waits[] = {
    LAB_STATE_GIL, LAB_STATE_LOCK, LAB_STATE_IO, LAB_STATE_TRANSFER
  };

  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    if (g_str_equal (name, lab_state_to_string (waits[i])))
      {
        *state = waits[i];
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_wait (const char *name,
            LabWait    *wait)
{
  for (LabWait w = 0; w < LAB_N_WAITS; w++)
    if (g_str_equal (name, lab_wait_to_string (w)))
      {
        *wait = w;
        return TRUE;
      }
  return FALSE;
}

/* The waits of lab_rq_format_spans() back, placed at @start_us on the
 * reader's clock.  The text comes from a worker we do not control (an
 * older one, or a hostile one): anything that is not exactly that format,
 * or a wait that would end more than @max_offset_us after the start (out
 * of the job's own bar), fails the whole field, and NULL is returned. */
GArray *
lab_rq_parse_spans (const char  *text,
                    gint64       start_us,
                    gint64       max_offset_us,
                    GError     **error)
{
  g_autoptr(GArray) spans = NULL;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (max_offset_us >= 0, NULL);

  if (*text == '\0')
    return g_array_new (FALSE, FALSE, sizeof (LabSpan));

  items = g_strsplit (text, " ", LAB_RQ_MAX_SPANS + 1);
  if (g_strv_length (items) > LAB_RQ_MAX_SPANS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "more than %d waits", LAB_RQ_MAX_SPANS);
      return NULL;
    }

  spans = g_array_sized_new (FALSE, FALSE, sizeof (LabSpan), g_strv_length (items));
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ":", 5);
      guint64 offset, length;
      LabState state;
      LabWait wait;
      LabSpan span;

      if (g_strv_length (parts) != 4 ||
          !parse_state (parts[0], &state) ||
          !parse_wait (parts[1], &wait) ||
          !g_ascii_string_to_unsigned (parts[2], 10, 0, max_offset_us, &offset, NULL) ||
          !g_ascii_string_to_unsigned (parts[3], 10, 0, max_offset_us - offset, &length, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "wait %u (“%.40s”) is not state:wait:offset:length within %"
                       G_GINT64_FORMAT " µs", i + 1, items[i], max_offset_us);
          return NULL;
        }

      span = (LabSpan) {
        .start_us = start_us + (gint64) offset,
        .end_us = start_us + (gint64) (offset + length),
        .state = state,
        .wait = wait,
      };
      g_array_append_val (spans, span);
    }
  return g_steal_pointer (&spans);
}

/* A time on a CPU or in the run queue: "-1" (not measured) or 0 to
 * @max_us, the job's length; anything else fails. */
gboolean
lab_rq_parse_cpu_time (const char  *text,
                       gint64       max_us,
                       gint64      *time_us,
                       GError     **error)
{
  gint64 value;

  g_return_val_if_fail (text != NULL && time_us != NULL, FALSE);

  if (!g_ascii_string_to_signed (text, 10, -1, MAX (max_us, 0), &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "“%.40s” is not a time between -1 and %" G_GINT64_FORMAT " µs", text, max_us);
      return FALSE;
    }
  *time_us = value;
  return TRUE;
}
