/* lab-lesson-many-cores.c — seeds 001 and 003: work that waits and computes, on threads
 * with the GIL, on one event loop, in processes, and in processes each running a loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Seed 003 ends its section on asynchronous I/O with "the simplest way to
 * use many cores is multiple processes + coroutines", and seed 001
 * describes nginx: a master starts about one worker process per core, and
 * each worker handles many requests at once.  Each task here downloads a
 * file from the built-in server and then hashes it (the fetch-hash
 * workload): a wait, then about 5 ms of computing that holds the GIL.
 *
 * - Threads with the GIL overlap the waits, but hash one at a time.
 * - One event loop overlaps the waits too, and hashes on its one thread.
 * - Processes, one per core, hash on every core, but each has only one
 *   download in flight: their waits queue up.
 * - Processes + async: one process per core, each with its share of the
 *   downloads in flight on its loop — every core hashes, no wait queues.
 *
 * The verdict reads wall times, the cores each run kept busy and how many
 * tasks were in flight at once, all measured; on a machine with few cores
 * the gap is small, and if processes + async kept no more cores busy, the
 * verdict says so.
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-private.h"

#define FILE_SIZE   (16 * 1024)
#define LATENCY_MS  50

enum { THREADS_GIL, ASYNC, PROCESSES, PROCESSES_ASYNC, N_STEPS };

static gboolean
many_cores_run (const LabLesson  *lesson,
                LabRunner        *runner,
                gboolean          quick,
                GCancellable     *cancellable,
                LabLessonRun     *out,
                GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("fetch-hash");
  g_autoptr(LabServer) server = NULL;
  guint cores = g_get_num_processors ();

  plan->tasks = quick ? 100 : 400;
  plan->size = FILE_SIZE;
  server = lab_lesson_serve_files (plan, FILE_SIZE, LATENCY_MS, error);
  if (server == NULL)
    return FALSE;

  /* Every download in flight at once: a thread each, or all on the loop. */
  plan->workers = plan->tasks;
  plan->gil = TRUE;
  if (!lab_lesson_run_step (out, runner, _("Threads with the GIL"), plan, LAB_MODE_THREADS,
                            cancellable, error))
    return FALSE;
  plan->gil = FALSE;
  if (!lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_ASYNC, cancellable, error))
    return FALSE;

  /* One process per core, as nginx's master starts them: alone, each has
   * one download in flight; with a loop, its share of all of them. */
  plan->workers = cores;
  if (!lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  plan->in_flight = (plan->tasks + cores - 1) / cores;
  return lab_lesson_run_mode_step (out, runner, plan, LAB_MODE_PROCESSES_ASYNC, cancellable, error);
}

typedef struct
{
  gint64 time_us;
  gint   delta;     /* +1: a task starts, -1: one ends */
} Edge;

/* An end sorts before a start at the same moment: back-to-back tasks do
 * not count as overlapping. */
static gint
compare_edges (gconstpointer a,
               gconstpointer b)
{
  const Edge *x = a, *y = b;

  if (x->time_us != y->time_us)
    return x->time_us < y->time_us ? -1 : 1;
  return x->delta - y->delta;
}

/* The most tasks of @step's run in flight at the same moment, from its
 * records. */
static guint
max_in_flight (const LabLessonStep *step)
{
  g_autoptr(GArray) edges = NULL;
  gint in_flight = 0, most = 0;

  if (step->run == NULL)
    return 0;

  edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  for (guint i = 0; i < step->run->n_records; i++)
    {
      const LabTaskRecord *record = &step->run->records[i];
      Edge start = { record->start_us, 1 }, end = { record->end_us, -1 };

      if (record->start_us == 0 || record->end_us < record->start_us)
        continue;
      g_array_append_val (edges, start);
      g_array_append_val (edges, end);
    }
  g_array_sort (edges, compare_edges);
  for (guint i = 0; i < edges->len; i++)
    {
      in_flight += g_array_index (edges, Edge, i).delta;
      most = MAX (most, in_flight);
    }
  return most;
}

static double
cores_busy (const LabLessonStep *step)
{
  return step->run != NULL ? lab_run_get_mean_cores_busy (step->run) : -1;
}

/* One step in numbers: "Async: 1.93 s, 400 in flight at most, 1.0 cores
 * busy". */
static char *
step_numbers (const LabLessonStep *step)
{
  double cores = cores_busy (step);

  if (cores >= 0)
    /* Translators: a step's numbers, e.g. "Async: 1.93 s, 400 in flight at most, 1.0 cores busy" */
    return g_strdup_printf (_("%s: %.2f s, %u in flight at most, %.1f cores busy"), step->label,
                            step->value_us / 1e6, max_in_flight (step), cores);
  /* Translators: a step's numbers, e.g. "Async: 1.93 s, 400 in flight at most" */
  return g_strdup_printf (_("%s: %.2f s, %u in flight at most"), step->label,
                          step->value_us / 1e6, max_in_flight (step));
}

/* Which step won, against processes + async. */
static char *
many_cores_winner (LabLessonRun *run)
{
  LabLessonStep *s = run->steps, *best = NULL;
  LabLessonStep *both = &s[PROCESSES_ASYNC];
  double versus;

  /* The best of the other three. */
  for (guint i = 0; i < PROCESSES_ASYNC; i++)
    if (best == NULL || s[i].value_us < best->value_us)
      best = &s[i];
  versus = lab_lesson_times (best, both);

  switch (lab_lesson_compare (versus, 1))
    {
    case LAB_COMPARISON_ABOVE:
      {
        g_autofree char *speed = lab_lesson_speed_text (versus);

        return g_strdup_printf (_("Processes + async won: %s than the next best, “%s”."), speed,
                                best->label);
      }
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("Processes + async did about as well as “%s” (%.2f×): on this "
                                "machine the gap is small."), best->label, versus);
    case LAB_COMPARISON_BELOW:
    default:
      {
        g_autofree char *speed = lab_lesson_speed_text (lab_lesson_times (both, best));

        return g_strdup_printf (_("This machine disagrees with the seed: “%s” was fastest, %s "
                                  "than processes + async."), best->label, speed);
      }
    }
}

/* The cores: did processes + async keep more of them busy hashing? */
static char *
many_cores_cores (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  double threads = cores_busy (&s[THREADS_GIL]), loop = cores_busy (&s[ASYNC]);
  double both = cores_busy (&s[PROCESSES_ASYNC]);
  guint processes = s[PROCESSES_ASYNC].run != NULL ? s[PROCESSES_ASYNC].run->workers : 0;

  if (threads < 0 || loop < 0 || both < 0)
    return g_strdup (_("How many cores each run kept busy could not be measured here."));
  if (processes <= 1)
    return g_strdup_printf (_("With one process there was no other core to hash on: processes + "
                              "async kept %.1f cores busy, async alone %.1f."), both, loop);
  /* Hashing on several cores at once shows as more than one core busy. */
  if (lab_lesson_compare (both, 1) != LAB_COMPARISON_ABOVE)
    return g_strdup_printf (_("This machine disagrees with the seed: processes + async kept only "
                              "%.1f cores busy (async alone %.1f, threads with the GIL %.1f), no "
                              "more than one, so its %u processes did not hash at once here."),
                            both, loop, threads, processes);
  if (lab_lesson_compare (both, MAX (threads, loop)) != LAB_COMPARISON_ABOVE)
    return g_strdup_printf (_("This machine disagrees with the seed: processes + async kept no "
                              "more cores busy (%.1f) than async alone (%.1f) or threads with the "
                              "GIL (%.1f)."),
                            both, loop, threads);
  return g_strdup_printf (_("Processes + async kept %.1f cores busy, where async alone kept %.1f "
                            "and threads with the GIL %.1f: %u processes hashed at once, at most "
                            "%u× the speed of one core."),
                          both, loop, threads, processes, processes);
}

/* Processes alone: few downloads in flight, so the waits queue. */
static char *
many_cores_processes (LabLessonRun *run)
{
  LabLessonStep *alone = &run->steps[PROCESSES], *both = &run->steps[PROCESSES_ASYNC];

  if (lab_lesson_compare (alone->value_us, both->value_us) == LAB_COMPARISON_ABOVE)
    return g_strdup_printf (_("Processes alone had at most %u downloads in flight, one each, so "
                              "their waits queued: %.1f× the time of processes + async, which had "
                              "up to %u."),
                            max_in_flight (alone), lab_lesson_times (alone, both),
                            max_in_flight (both));
  return g_strdup_printf (_("Unexpectedly, processes alone, with at most %u downloads in flight, "
                            "took no longer than processes + async with up to %u (%.2f s against "
                            "%.2f s)."),
                          max_in_flight (alone), max_in_flight (both), alone->value_us / 1e6,
                          both->value_us / 1e6);
}

/* steps: threads with the GIL, async, processes, processes + async */
static char *
many_cores_verdict (LabLessonRun *run)
{
  g_autoptr(GString) verdict = g_string_new (NULL);

  for (guint i = 0; i < N_STEPS; i++)
    {
      g_autofree char *numbers = step_numbers (&run->steps[i]);

      g_string_append (verdict, numbers);
      g_string_append (verdict, i + 1 < N_STEPS ? "; " : ". ");
    }
  {
    g_autofree char *winner = many_cores_winner (run);
    g_autofree char *cores = many_cores_cores (run);
    g_autofree char *processes = many_cores_processes (run);

    g_string_append_printf (verdict, "%s %s %s", winner, cores, processes);
  }
  return g_string_free (g_steal_pointer (&verdict), FALSE);
}

const LabLesson lab_lesson_many_cores = {
  .id = "many-cores",
  .seed = "003",
  .title = N_("Many cores: processes, each running an event loop"),
  .short_title = N_("Processes + async"),
  .explanation =
    N_("Seed 003 says the simplest way to use many cores is multiple processes, each running "
       "coroutines; seed 001 describes nginx, a master with one worker process per core, each "
       "handling many requests. Each task downloads a file from the built-in server (it answers "
       "after 50 ms) and then hashes it: the MD5 of its MD5, 20,000 times, which in Python holds "
       "the GIL. It runs on one thread per file with the GIL, on one event loop, on one process "
       "per core, and on one process per core each running an event loop."),
  .question =
    N_("Predict: which keeps every core busy, and which has many downloads in flight?"),
  .run = many_cores_run,
  .verdict = many_cores_verdict,
};
