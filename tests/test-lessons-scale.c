/* test-lessons-scale.c — the lessons of issue 13: ten thousand waits, and many cores
 * with processes each running an event loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each lesson runs headless to its verdict with --quick sizes, and each
 * clause of its verdict is fed step results on both sides of its branch.
 * (test-lessons.c's every-lesson leaves these two to this file.)
 */

#include "config.h"

#include <string.h>

#include "lab-lesson-private.h"
#include "lab-test-util.h"

/* ---- Step results, chosen ------------------------------------------------ */

/* A run of @n_tasks tasks that took @seconds, every task's value @value. */
static LabRun *
made_run (LabMode     mode,
          guint       n_tasks,
          double      seconds,
          const char *value)
{
  LabRun *run = lab_run_new (mode, n_tasks);

  run->start_us = 1000;
  run->wall_us = (gint64) (seconds * 1e6);
  run->verified = TRUE;
  run->tasks_ok = n_tasks;
  for (guint i = 0; i < n_tasks; i++)
    {
      run->records[i].index = i;
      run->records[i].start_us = run->start_us;
      run->records[i].end_us = run->start_us + run->wall_us;
      run->records[i].value = g_strdup (value);
    }
  return run;
}

static void
add_step (LabLessonRun *out,
          LabRun       *run)
{
  g_autofree char *label = g_strdup_printf ("step %u", out->n_steps);

  lab_lesson_add_step (out, label, run, 0);
}

static LabLessonRun *
lesson_run_new (const char *id)
{
  LabLessonRun *run = g_new0 (LabLessonRun, 1);

  run->lesson = lab_lesson_find (id);
  g_assert_nonnull (run->lesson);
  run->ok = TRUE;
  return run;
}

/* The verdict of @run must contain every string of @says (NULL-ended), and
 * none of @never (NULL-ended, may be NULL). */
static void
assert_verdict (LabLessonRun       *run,
                const char * const *says,
                const char * const *never)
{
  g_autofree char *verdict = run->lesson->verdict (run);

  g_test_message ("%s: %s", run->lesson->id, verdict);
  for (guint i = 0; says[i] != NULL; i++)
    if (strstr (verdict, says[i]) == NULL)
      g_error ("the %s verdict should say “%s”: %s", run->lesson->id, says[i], verdict);
  for (guint i = 0; never != NULL && never[i] != NULL; i++)
    if (strstr (verdict, never[i]) != NULL)
      g_error ("the %s verdict should not say “%s”: %s", run->lesson->id, never[i], verdict);
}

#define SAYS(...)  ((const char * const []) { __VA_ARGS__, NULL })

/* ---- ten-thousand ---------------------------------------------------------- */

#define MB (1024 * 1024)

/* A sleep step: @threads started, memory grown by @growth_mb (< 0: the
 * peak could not be reset), @switches context switches. */
static LabRun *
sleep_run (double  seconds,
           guint   wait_ms,
           guint   threads,
           double  growth_mb,
           guint64 switches)
{
  g_autofree char *value = g_strdup_printf ("%u", wait_ms);
  LabRun *run = made_run (threads > 1 ? LAB_MODE_THREADS : LAB_MODE_ASYNC, 10000, seconds, value);

  run->workers = threads;
  run->cost.threads_created = threads;
  run->cost.thread_create_us = threads * 20;
  run->cost.rss_before_bytes = 100 * MB;
  run->cost.peak_rss_from_start = growth_mb < 0;
  run->cost.peak_rss_bytes = run->cost.rss_before_bytes + (guint64) (MAX (growth_mb, 0) * MB);
  run->cost.voluntary_switches = switches;
  return run;
}

/* steps: the pool of 4 (1 ms waits), 10,000 threads, the loop */
static void
test_verdict_ten_thousand (void)
{
  g_autoptr(LabLessonRun) won = lesson_run_new ("ten-thousand");
  g_autoptr(LabLessonRun) about = lesson_run_new ("ten-thousand");
  g_autoptr(LabLessonRun) lost = lesson_run_new ("ten-thousand");

  /* The seed's side of every branch. */
  add_step (won, sleep_run (2.6, 1, 4, 2, 10000));
  add_step (won, sleep_run (2.1, 1000, 10000, 150, 80000));
  add_step (won, sleep_run (1.05, 1000, 1, 3, 1500));
  assert_verdict (won,
                  SAYS ("the 10000 waits of 1000 ms took 1.05 s; on 10000 threads 2.10 s",
                        "waits 1000 times shorter (1 ms) and took 2.60 s",
                        "it would take about 2600 s",
                        "The event loop won: 2.0× faster than 10000 threads.",
                        "only 4 waits in flight, so it would need 2476× the loop’s time",
                        "grew the app by 150.0 MB at the peak (15.4 kB each",
                        "the event loop by 3.0 MB (0.31 kB a wait)",
                        "Starting the 10000 threads took 0.200 s (threads started by the loop: 1, "
                        "by the pool: 4)",
                        "The threads cost 80000 context switches, the loop 1500"),
                  SAYS ("disagrees", "about as long", "Unexpectedly", "could not be measured",
                        "would not be slower"));

  /* About as fast; a pool whose waits were as long as the loop's and that
   * still beat it; memory and switches no higher for threads. */
  add_step (about, sleep_run (0.5, 1000, 4, 2, 10000));
  add_step (about, sleep_run (1.1, 1000, 10000, 3.5, 1500));
  add_step (about, sleep_run (1.05, 1000, 1, 3, 1500));
  assert_verdict (about,
                  SAYS ("took about as long (1.05×)", "would not be slower than the loop (0 s "
                        "against 1.05 s)",
                        "Unexpectedly, the 10000 threads grew the app’s memory no more than the "
                        "event loop did (3.5 MB against 3.0 MB)",
                        "disagrees with the seed: the loop cost as many context switches as the "
                        "threads (1500 against 1500)"),
                  SAYS ("won", "would need", "The threads cost", "kB each"));

  /* Threads beat the loop; the peak could not be reset. */
  add_step (lost, sleep_run (2.6, 1, 4, -1, 10000));
  add_step (lost, sleep_run (1.0, 1000, 10000, -1, 80000));
  add_step (lost, sleep_run (2.0, 1000, 1, -1, 1500));
  assert_verdict (lost,
                  SAYS ("disagrees with the seed: 10000 threads finished 2.0× faster than the "
                        "event loop", "Memory growth could not be measured here"),
                  SAYS ("won", "about as long", "MB at the peak", "Unexpectedly"));
}

/* The lesson itself, --quick: 10,000 waits in each step, the pool's CPU × 2
 * threads waiting 1 ms each, one thread per wait, then one loop; the
 * verdict from the numbers. */
static void
test_ten_thousand_runs (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = lab_lesson_run (lab_lesson_find ("ten-thousand"), runner, TRUE,
                                                NULL, &error);

  g_assert_no_error (error);
  g_test_message ("%s", run->verdict);
  g_assert_true (run->ok);
  g_assert_cmpuint (run->n_steps, ==, 3);
  for (guint i = 0; i < run->n_steps; i++)
    {
      g_assert_nonnull (run->steps[i].run);
      g_assert_cmpuint (run->steps[i].run->n_records, ==, 10000);
      g_assert_cmpuint (run->steps[i].run->tasks_ok, ==, 10000);
      /* Every step a verdict times lasts ≥ 0.2 s, even with --quick. */
      g_assert_cmpint (run->steps[i].value_us, >=, 200 * 1000);
    }
  g_assert_cmpint (run->steps[0].run->mode, ==, LAB_MODE_THREADS);
  g_assert_cmpuint (run->steps[0].run->workers, ==, 2 * g_get_num_processors ());
  g_assert_cmpstr (run->steps[0].run->records[0].value, ==, "1");
  g_assert_cmpuint (run->steps[1].run->cost.threads_created, >=, 10000);
  g_assert_cmpint (run->steps[2].run->mode, ==, LAB_MODE_ASYNC);
  g_assert_cmpuint (lab_test_max_overlap (run->steps[2].run), ==, 10000);
  g_assert_nonnull (strstr (run->verdict, "250 times shorter (1 ms)"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/lessons-scale/verdict/ten-thousand", test_verdict_ten_thousand);
  g_test_add_func ("/lab/lessons-scale/ten-thousand/runs", test_ten_thousand_runs);

  return g_test_run ();
}
