/* lab-lesson-many-machines.c — seed 004: the same jobs on this machine's
 * processes and on workers that take them from a Redis queue, as RQ does,
 * and what the broker costs each job
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The distributed steps start their own broker (redis-server on 127.0.0.1)
 * and their workers on this machine, so the lesson runs anywhere
 * redis-server is installed; the workers take jobs through the network
 * protocol a classroom's PCs would use (`concurrency-lab worker`).
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

/* The big jobs wait (like a download or a query would), so that adding
 * workers helps even on a two-core machine; the small ones do nothing, so
 * all that is left of them is what the queue costs. */
#define WORKERS 3

static gboolean
many_machines_run (const LabLesson  *lesson,
                   LabRunner        *runner,
                   gboolean          quick,
                   GCancellable     *cancellable,
                   LabLessonRun     *out,
                   GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabPlan) small = lab_plan_new ("sleep");

  plan->tasks = 12;
  plan->task_ms = quick ? 100 : 250;

  plan->workers = WORKERS;
  if (!lab_lesson_run_step (out, runner, _("3 processes on this machine"), plan, LAB_MODE_PROCESSES,
                            cancellable, error))
    return FALSE;

  plan->workers = 1;
  if (!lab_lesson_run_step (out, runner, _("1 worker on the queue"), plan, LAB_MODE_DISTRIBUTED,
                            cancellable, error))
    return FALSE;

  plan->workers = WORKERS;
  if (!lab_lesson_run_step (out, runner, _("3 workers on the queue"), plan, LAB_MODE_DISTRIBUTED,
                            cancellable, error))
    return FALSE;

  /* Enough of them that even the processes take a measurable 0.2 s. */
  small->tasks = quick ? 20000 : 30000;
  small->task_ms = 0;
  small->workers = WORKERS;
  if (!lab_lesson_run_step (out, runner, _("Small jobs, 3 processes"), small, LAB_MODE_PROCESSES,
                            cancellable, error))
    return FALSE;
  return lab_lesson_run_step (out, runner, _("Small jobs, 3 workers on the queue"), small,
                              LAB_MODE_DISTRIBUTED, cancellable, error);
}

/* steps: processes, 1 queue worker, 3 queue workers, small jobs on
 * processes, small jobs on the queue */
static char *
many_machines_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  double added = lab_lesson_times (&s[1], &s[2]);
  double per_worker = added > 0 ? (added - 1) / (WORKERS - 1) : 0;
  double small = lab_lesson_times (&s[3], &s[4]);
  gint64 cost_us = s[4].run != NULL ? s[4].run->broker_cost_us : -1;
  g_autofree char *scaling = NULL, *versus = NULL, *cost = NULL, *smalls = NULL;

  /* Each added worker's share of the speed-up: 1.0 when two more workers
   * made it three times as fast. */
  scaling = g_strdup_printf (_("Going from 1 to %u workers on the queue made the job %.2f× faster: "
                               "each added worker added %.2f of one worker’s speed (ideally 1.00)."),
                             WORKERS, added, per_worker);

  switch (lab_lesson_compare (s[2].value_us, s[0].value_us))
    {
    case LAB_COMPARISON_ABOVE:
      versus = g_strdup_printf (_("%u workers on the queue (%.2f s) were slower than %u processes "
                                  "on this machine (%.2f s)."),
                                WORKERS, s[2].value_us / 1e6, WORKERS, s[0].value_us / 1e6);
      break;
    case LAB_COMPARISON_ABOUT:
      versus = g_strdup_printf (_("%u workers on the queue (%.2f s) did about as well as %u "
                                  "processes on this machine (%.2f s)."),
                                WORKERS, s[2].value_us / 1e6, WORKERS, s[0].value_us / 1e6);
      break;
    case LAB_COMPARISON_BELOW:
    default:
      versus = g_strdup_printf (_("%u workers on the queue (%.2f s) beat %u processes on this "
                                  "machine (%.2f s)."),
                                WORKERS, s[2].value_us / 1e6, WORKERS, s[0].value_us / 1e6);
      break;
    }

  if (cost_us >= 0)
    cost = g_strdup_printf (_(" The broker cost each job %.2f ms from a worker being free to the "
                              "job starting (the median)."), cost_us / 1000.0);
  else
    cost = g_strdup ("");

  switch (lab_lesson_compare (small, 1))
    {
    case LAB_COMPARISON_BELOW:
      smalls = g_strdup_printf (_("For small jobs that overhead decides: through the queue they "
                                  "took %.3f s, on this machine’s processes %.3f s (%.2f× the "
                                  "speed). Spread work over machines when each job is worth more "
                                  "than what the queue costs it."),
                                s[4].value_us / 1e6, s[3].value_us / 1e6, small);
      break;
    case LAB_COMPARISON_ABOUT:
      smalls = g_strdup_printf (_("Even small jobs took about as long through the queue (%.3f s) "
                                  "as on this machine’s processes (%.3f s)."),
                                s[4].value_us / 1e6, s[3].value_us / 1e6);
      break;
    case LAB_COMPARISON_ABOVE:
    default:
      smalls = g_strdup_printf (_("This machine disagrees with the seed: small jobs were faster "
                                  "through the queue (%.3f s) than on its processes (%.3f s)."),
                                s[4].value_us / 1e6, s[3].value_us / 1e6);
      break;
    }

  return g_strdup_printf ("%s %s%s %s", scaling, versus, cost, smalls);
}

const LabLesson lab_lesson_many_machines = {
  .id = "many-machines",
  .seed = "004",
  .title = N_("Many machines: a queue on Redis, as RQ does it"),
  .short_title = N_("Many machines"),
  .explanation =
    N_("Seed 004 ends with RQ: when tasks must be spread over several machines, put them on a "
       "queue in Redis and let workers anywhere take them. Here the app starts its own Redis on "
       "this machine and workers that take jobs from it exactly as a classroom’s PCs would "
       "(concurrency-lab worker). A job carries only a workload’s name and numbers, never code: "
       "RQ’s own jobs are pickled Python calls, and a hostile one can make a worker run "
       "anything."),
  .question =
    N_("Predict: how much does each added worker help, and what does the queue cost each job?"),
  .run = many_machines_run,
  .verdict = many_machines_verdict,
};
