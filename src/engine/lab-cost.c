/* lab-cost.c — what a run's concurrency cost, as the kernel counts it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Seed 002 says threads and processes "cannot be created without limit"
 * and seed 003 that thousands of tasks keep the OS busy switching.  This
 * file turns both claims into numbers for every run: the resident memory
 * at its peak, how many threads the mode started and how long that took,
 * and how often the scheduler switched — voluntarily (a thread waited) or
 * not (its time slice was up) — in the app and in its worker processes.
 * Everything comes from /proc and getrusage (); nothing is estimated.
 */

#define G_LOG_DOMAIN "lab-cost"

#include "config.h"

#include <glib/gi18n.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lab-cost.h"

/* One worker process as the run began. */
typedef struct
{
  gint    pid;
  guint64 voluntary;
  guint64 involuntary;
} WorkerStart;

struct _LabCostProbe
{
  guint64  voluntary;     /* the app's counts as the run began */
  guint64  involuntary;
  GArray  *workers;       /* WorkerStart */
};

/* The numbers of /proc/PID/status we use.  FALSE when the process is gone. */
typedef struct
{
  guint64 rss_bytes;
  guint64 peak_rss_bytes;
  guint   threads;
  guint64 voluntary;
  guint64 involuntary;
} ProcStatus;

static gboolean
read_status (gint        pid,
             ProcStatus *status)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/status", pid)
                                  : g_strdup ("/proc/self/status");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  memset (status, 0, sizeof *status);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      guint64 value;

      if (colon == NULL)
        continue;
      value = g_ascii_strtoull (colon + 1, NULL, 10);
      if (g_str_has_prefix (lines[i], "VmRSS:"))
        status->rss_bytes = value * 1024;          /* the kernel writes kB */
      else if (g_str_has_prefix (lines[i], "VmHWM:"))
        status->peak_rss_bytes = value * 1024;
      else if (g_str_has_prefix (lines[i], "Threads:"))
        status->threads = value;
      else if (g_str_has_prefix (lines[i], "voluntary_ctxt_switches:"))
        status->voluntary = value;
      else if (g_str_has_prefix (lines[i], "nonvoluntary_ctxt_switches:"))
        status->involuntary = value;
    }

  return TRUE;
}

/* Writing 5 to clear_refs sets the peak resident memory (VmHWM) back to the
 * current one (Linux 4.0), so the peak we read later is this run's. */
static gboolean
reset_peak_rss (gint pid)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/clear_refs", pid)
                                  : g_strdup ("/proc/self/clear_refs");
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, "5", 1) == 1;
  close (fd);

  return ok;
}

guint64
lab_cost_get_rss_bytes (void)
{
  ProcStatus status;

  read_status (0, &status);
  return status.rss_bytes;
}

/* Before the mode starts: note where the counters stand.  getrusage ()
 * adds up every thread of the process, also those that have ended, so
 * the difference at the end is the run's, threads and all. */
LabCostProbe *
lab_cost_probe_begin (LabCost *cost,
                      GArray  *worker_pids)
{
  LabCostProbe *probe = g_new0 (LabCostProbe, 1);
  struct rusage usage;
  ProcStatus status;

  g_return_val_if_fail (cost != NULL, NULL);

  memset (cost, 0, sizeof *cost);
  cost->peak_rss_from_start = !reset_peak_rss (0);
  read_status (0, &status);
  cost->rss_before_bytes = status.rss_bytes;
  cost->threads_before = status.threads;

  if (getrusage (RUSAGE_SELF, &usage) == 0)
    {
      probe->voluntary = usage.ru_nvcsw;
      probe->involuntary = usage.ru_nivcsw;
    }

  probe->workers = g_array_new (FALSE, TRUE, sizeof (WorkerStart));
  for (guint i = 0; worker_pids != NULL && i < worker_pids->len; i++)
    {
      WorkerStart start = { g_array_index (worker_pids, gint, i), 0, 0 };

      if (!read_status (start.pid, &status))
        continue;
      reset_peak_rss (start.pid);
      start.voluntary = status.voluntary;
      start.involuntary = status.involuntary;
      g_array_append_val (probe->workers, start);
    }

  return probe;
}

/* The mode has just started @n_threads threads, beginning at @since_us:
 * note how many and how long that took. */
void
lab_cost_note_threads (LabCost *cost,
                       guint    n_threads,
                       gint64   since_us)
{
  g_return_if_fail (cost != NULL);

  cost->threads_created = n_threads;
  cost->thread_create_us = g_get_monotonic_time () - since_us;
}

/* After the run: the differences.  A worker that replaced a lost one
 * during the run is counted from its start. */
void
lab_cost_probe_end (LabCostProbe *probe,
                    LabCost      *cost,
                    GArray       *worker_pids)
{
  struct rusage usage;
  ProcStatus status;

  g_return_if_fail (probe != NULL);
  g_return_if_fail (cost != NULL);

  read_status (0, &status);
  cost->peak_rss_bytes = MAX (status.peak_rss_bytes, status.rss_bytes);
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    {
      cost->voluntary_switches = usage.ru_nvcsw - MIN (probe->voluntary, (guint64) usage.ru_nvcsw);
      cost->involuntary_switches = usage.ru_nivcsw -
                                   MIN (probe->involuntary, (guint64) usage.ru_nivcsw);
    }

  for (guint i = 0; worker_pids != NULL && i < worker_pids->len; i++)
    {
      gint pid = g_array_index (worker_pids, gint, i);
      guint64 voluntary = 0, involuntary = 0;

      if (!read_status (pid, &status))
        continue;
      for (guint j = 0; j < probe->workers->len; j++)
        {
          WorkerStart *start = &g_array_index (probe->workers, WorkerStart, j);

          if (start->pid == pid)
            {
              voluntary = MIN (start->voluntary, status.voluntary);
              involuntary = MIN (start->involuntary, status.involuntary);
              break;
            }
        }

      cost->processes++;
      cost->workers_peak_rss_bytes += MAX (status.peak_rss_bytes, status.rss_bytes);
      cost->workers_voluntary_switches += status.voluntary - voluntary;
      cost->workers_involuntary_switches += status.involuntary - involuntary;
    }
}

void
lab_cost_probe_free (LabCostProbe *probe)
{
  if (probe == NULL)
    return;

  g_array_unref (probe->workers);
  g_free (probe);
}

/* The cost in sentences, for the terminal's table and the window's
 * tooltip: every number as measured, nothing more. */
char *
lab_cost_dup_summary (const LabCost *cost)
{
  GString *text = g_string_new (NULL);
  double mb = 1024.0 * 1024.0;

  g_return_val_if_fail (cost != NULL, NULL);

  if (cost->peak_rss_from_start)
    g_string_append_printf (text, _("Memory: %.1f MB at the peak since the app started."),
                            cost->peak_rss_bytes / mb);
  else
    g_string_append_printf (text, _("Memory: %.1f MB at the peak, %.1f MB more than before "
                                    "the run."),
                            cost->peak_rss_bytes / mb,
                            (cost->peak_rss_bytes - MIN (cost->peak_rss_bytes,
                                                         cost->rss_before_bytes)) / mb);
  g_string_append_c (text, ' ');
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                             "%u thread started in %.3f s.",
                                             "%u threads started in %.3f s.",
                                             cost->threads_created),
                          cost->threads_created, cost->thread_create_us / 1e6);
  g_string_append_c (text, ' ');
  g_string_append_printf (text, _("Context switches: %" PRIu64 " voluntary, %" PRIu64
                                  " involuntary."),
                          cost->voluntary_switches, cost->involuntary_switches);
  if (cost->processes > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u worker process: %.1f MB at its peak, %"
                                                 PRIu64 " voluntary and %" PRIu64
                                                 " involuntary context switches.",
                                                 "%u worker processes: %.1f MB at their peaks "
                                                 "together, %" PRIu64 " voluntary and %" PRIu64
                                                 " involuntary context switches.",
                                                 cost->processes),
                              cost->processes, cost->workers_peak_rss_bytes / mb,
                              cost->workers_voluntary_switches,
                              cost->workers_involuntary_switches);
    }

  return g_string_free (text, FALSE);
}
