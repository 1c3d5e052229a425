/* lab-lesson-ten-thousand.c — seed 002: ten thousand waits at once, on a pool of CPU × 2
 * threads, on 10,000 threads and on one event loop, and what each costs
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The seed's argument for asyncio: threads and processes cannot be created
 * without limit ("best practice is about CPU × 2"), while coroutines are
 * limited only by the descriptors epoll can watch.  So the same 10,000 waits
 * run three ways, and the verdict puts wall time, memory and the cost of
 * creating and switching threads side by side (lab-cost.h).
 *
 * A pool of CPU × 2 threads keeps only that many waits in flight: on two
 * cores, 10,000 one-second waits would take 2,500 s.  So the pool's waits
 * are cut to 1 ms, and the verdict multiplies its time back up by the same
 * factor, which it reads from the steps themselves (each sleep records how
 * long it waited).
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "lab-lesson-private.h"

#define TASKS       10000
#define POOL_WAIT_MS 1

/* Memory is compared only beyond this much: a few hundred kB come and go
 * with any run. */
#define MEMORY_NOISE_MB 1.0

static gboolean
ten_thousand_run (const LabLesson  *lesson,
                  LabRunner        *runner,
                  gboolean          quick,
                  GCancellable     *cancellable,
                  LabLessonRun     *out,
                  GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autofree char *pool_label = NULL, *threads_label = NULL;
  guint wait_ms = quick ? 250 : 1000;

  plan->tasks = TASKS;

  /* The seed's best practice: a pool of CPU × 2 threads, its waits scaled
   * down so that it ends in seconds rather than in 40 minutes. */
  plan->workers = g_get_num_processors () * 2;
  plan->task_ms = POOL_WAIT_MS;
  /* Translators: a step of the lesson, e.g. "A pool of 4 threads, waits of 1 ms" */
  pool_label = g_strdup_printf (_("A pool of %u threads, waits of %u ms"), plan->workers,
                                POOL_WAIT_MS);
  if (!lab_lesson_run_step (out, runner, pool_label, plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;

  /* One thread for every wait: all of them in flight at once. */
  plan->workers = TASKS;
  plan->task_ms = wait_ms;
  /* Translators: a step of the lesson, e.g. "10000 threads" */
  threads_label = g_strdup_printf (_("%u threads"), plan->workers);
  if (!lab_lesson_run_step (out, runner, threads_label, plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;

  /* One thread, one loop, every wait in flight on it. */
  return lab_lesson_run_step (out, runner, _("One event loop"), plan, LAB_MODE_ASYNC, cancellable,
                              error);
}

/* How long each wait of @step was: every sleep records it as its value. */
static guint
step_wait_ms (const LabLessonStep *step)
{
  if (step->run == NULL || step->run->n_records == 0 || step->run->records[0].value == NULL)
    return 0;
  return (guint) g_ascii_strtoull (step->run->records[0].value, NULL, 10);
}

/* How much the app's resident memory grew at its peak during @step's run,
 * in MB; < 0 when the kernel would not reset the peak before it. */
static double
step_growth_mb (const LabLessonStep *step)
{
  const LabCost *cost;

  if (step->run == NULL || step->run->cost.peak_rss_from_start)
    return -1;
  cost = &step->run->cost;
  return (cost->peak_rss_bytes - MIN (cost->peak_rss_bytes, cost->rss_before_bytes)) /
         (1024.0 * 1024.0);
}

static guint64
step_switches (const LabLessonStep *step)
{
  return step->run != NULL ? step->run->cost.voluntary_switches +
                             step->run->cost.involuntary_switches : 0;
}

static guint
step_threads (const LabLessonStep *step)
{
  return step->run != NULL ? step->run->cost.threads_created : 0;
}

static guint
step_tasks (const LabLessonStep *step)
{
  return step->run != NULL ? step->run->n_records : 0;
}

/* Wall time: which of the three won, and by how much. */
static char *
ten_thousand_times (LabLessonRun *run)
{
  LabLessonStep *pool = &run->steps[0], *threads = &run->steps[1], *loop = &run->steps[2];
  guint wait_ms = step_wait_ms (loop), pool_wait_ms = MAX (step_wait_ms (pool), 1);
  double scale = (double) wait_ms / pool_wait_ms;
  double pool_full_s = pool->value_us * scale / 1e6;
  double loop_s = loop->value_us / 1e6, threads_s = threads->value_us / 1e6;
  double versus = lab_lesson_times (threads, loop);
  g_autofree char *numbers = NULL, *winner = NULL, *pool_text = NULL;

  numbers = g_strdup_printf (_("On one event loop the %u waits of %u ms took %.2f s; on %u threads "
                               "%.2f s. The pool of %u threads had waits %.0f times shorter "
                               "(%u ms) and took %.2f s: with waits of %u ms it would take about "
                               "%.0f s."),
                             step_tasks (loop), wait_ms, loop_s, step_threads (threads), threads_s,
                             step_threads (pool), scale, pool_wait_ms, pool->value_us / 1e6,
                             wait_ms, pool_full_s);

  switch (lab_lesson_compare (versus, 1))
    {
    case LAB_COMPARISON_ABOVE:
      {
        g_autofree char *speed = lab_lesson_speed_text (versus);

        winner = g_strdup_printf (_("The event loop won: %s than %u threads."), speed,
                                  step_threads (threads));
        break;
      }
    case LAB_COMPARISON_ABOUT:
      winner = g_strdup_printf (_("The event loop and %u threads took about as long (%.2f×): both "
                                  "kept every wait in flight at once."),
                                step_threads (threads), versus);
      break;
    case LAB_COMPARISON_BELOW:
    default:
      {
        g_autofree char *speed = lab_lesson_speed_text (lab_lesson_times (loop, threads));

        winner = g_strdup_printf (_("This machine disagrees with the seed: %u threads finished "
                                    "%s than the event loop."), step_threads (threads), speed);
        break;
      }
    }

  if (lab_lesson_compare (pool_full_s, loop_s) == LAB_COMPARISON_ABOVE)
    pool_text = g_strdup_printf (_("The pool keeps only %u waits in flight, so it would need %.0f× "
                                   "the loop’s time."),
                                 step_threads (pool), loop_s > 0 ? pool_full_s / loop_s : 0);
  else
    pool_text = g_strdup_printf (_("Scaled up, the pool would not be slower than the loop (%.0f s "
                                   "against %.2f s): its waits cannot have been the same."),
                                 pool_full_s, loop_s);

  return g_strdup_printf ("%s %s %s", numbers, winner, pool_text);
}

/* Memory, then the cost of creating and switching threads. */
static char *
ten_thousand_costs (LabLessonRun *run)
{
  LabLessonStep *pool = &run->steps[0], *threads = &run->steps[1], *loop = &run->steps[2];
  double threads_mb = step_growth_mb (threads), loop_mb = step_growth_mb (loop);
  guint64 threads_switches = step_switches (threads), loop_switches = step_switches (loop);
  g_autofree char *memory = NULL, *creating = NULL, *switching = NULL;

  if (threads_mb < 0 || loop_mb < 0)
    memory = g_strdup (_("Memory growth could not be measured here: the kernel would not reset "
                         "the peak before a run."));
  else if (threads_mb > loop_mb + MAX (MEMORY_NOISE_MB, loop_mb * LAB_LESSON_TOLERANCE))
    memory = g_strdup_printf (_("Memory: the %u threads grew the app by %.1f MB at the peak "
                                "(%.1f kB each: a stack of its own), the event loop by %.1f MB "
                                "(%.2f kB a wait)."),
                              step_threads (threads), threads_mb,
                              threads_mb * 1024 / MAX (step_threads (threads), 1), loop_mb,
                              loop_mb * 1024 / MAX (step_tasks (loop), 1));
  else
    memory = g_strdup_printf (_("Unexpectedly, the %u threads grew the app’s memory no more than "
                                "the event loop did (%.1f MB against %.1f MB)."),
                              step_threads (threads), threads_mb, loop_mb);

  creating = g_strdup_printf (_("Starting the %u threads took %.3f s (threads started by the "
                                "loop: %u, by the pool: %u)."),
                              step_threads (threads),
                              threads->run != NULL ? threads->run->cost.thread_create_us / 1e6 : 0,
                              step_threads (loop), step_threads (pool));

  if (lab_lesson_compare (threads_switches, loop_switches) == LAB_COMPARISON_ABOVE)
    switching = g_strdup_printf (_("The threads cost %" PRIu64 " context switches, the loop %"
                                   PRIu64 ": the kernel switched threads for every wait, the loop "
                                   "ran them all on one."),
                                 threads_switches, loop_switches);
  else
    switching = g_strdup_printf (_("This machine disagrees with the seed: the loop cost as many "
                                   "context switches as the threads (%" PRIu64 " against %"
                                   PRIu64 ")."),
                                 loop_switches, threads_switches);

  return g_strdup_printf ("%s %s %s", memory, creating, switching);
}

/* steps: the pool of CPU × 2 threads (short waits), one thread per wait,
 * one event loop */
static char *
ten_thousand_verdict (LabLessonRun *run)
{
  g_autofree char *times = ten_thousand_times (run);
  g_autofree char *costs = ten_thousand_costs (run);

  return g_strdup_printf ("%s %s", times, costs);
}

const LabLesson lab_lesson_ten_thousand = {
  .id = "ten-thousand",
  .seed = "002",
  .title = N_("Ten thousand waits: threads, a pool, one event loop"),
  .short_title = N_("Ten thousand waits"),
  .explanation =
    N_("Seed 002 says threads and processes cannot be created without limit — best practice is "
       "about CPU × 2 — while coroutines are limited only by how many descriptors epoll can "
       "watch. The same 10,000 waits run on a pool of CPU × 2 threads, on 10,000 threads, and "
       "on one event loop; then wall time, memory and the cost of creating and switching "
       "threads are compared. The pool’s waits are cut to 1 ms each (on two cores, 10,000 "
       "one-second waits on 4 threads would take 2,500 s); the verdict scales its time back up."),
  .question =
    N_("Predict: which finishes first, and what do 10,000 threads cost that one loop does not?"),
  .run = ten_thousand_run,
  .verdict = ten_thousand_verdict,
};
