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

#include <json-glib/json-glib.h>
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

  /* --trace: every step's 10,000 tasks, named after the lesson. */
  {
    g_autoptr(LabTrace) trace = lab_lesson_run_to_trace (run);
    g_autofree char *json = lab_trace_to_json (trace);
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonArray *events;
    guint slices = 0;

    g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
    events = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                           "traceEvents");
    for (guint i = 0; i < json_array_get_length (events); i++)
      {
        JsonObject *event = json_array_get_object_element (events, i);
        const char *phase = json_object_get_string_member_with_default (event, "ph", "");
        const char *name = json_object_get_string_member_with_default (event, "name", "");

        slices += g_str_equal (phase, "X") && g_str_has_prefix (name, "query");
      }
    g_test_message ("trace: %u task slices", slices);
    g_assert_cmpuint (slices, ==, 3 * 10000);
    g_assert_nonnull (strstr (json, "ten-thousand"));
  }
}

/* ---- many-cores ------------------------------------------------------------ */

/* A step with @in_flight tasks all in flight together, @cores busy (< 0:
 * not sampled), run by @workers workers. */
static LabRun *
cores_run (LabMode mode,
           double  seconds,
           guint   in_flight,
           double  cores,
           guint   workers)
{
  LabRun *run = made_run (mode, in_flight, seconds, "digest");

  run->workers = workers;
  if (cores >= 0)
    {
      LabCoresSample sample = { run->start_us + run->wall_us, cores };

      run->cores_busy = g_array_new (FALSE, FALSE, sizeof (LabCoresSample));
      g_array_append_val (run->cores_busy, sample);
    }
  return run;
}

static LabLessonRun *
many_cores (double threads_s, double threads_cores,
            double async_s, double async_cores,
            double processes_s,
            double both_s, double both_cores,
            guint  processes)
{
  LabLessonRun *run = lesson_run_new ("many-cores");

  add_step (run, cores_run (LAB_MODE_THREADS, threads_s, 100, threads_cores, 100));
  add_step (run, cores_run (LAB_MODE_ASYNC, async_s, 100, async_cores, 100));
  add_step (run, cores_run (LAB_MODE_PROCESSES, processes_s, 10 * processes, 0.1, processes));
  /* Processes alone: each worker's ten tasks one after another, each
   * starting the moment the one before ended. */
  for (guint i = 0; i < 10 * processes; i++)
    {
      LabTaskRecord *record = &run->steps[2].run->records[i];
      gint64 each = run->steps[2].run->wall_us / 10;

      record->start_us = 1000 + (i / processes) * each;
      record->end_us = record->start_us + each;
    }
  add_step (run, cores_run (LAB_MODE_PROCESSES_ASYNC, both_s, 100, both_cores, processes));
  return run;
}

/* steps: threads with the GIL, async, processes, processes + async */
static void
test_verdict_many_cores (void)
{
  g_autoptr(LabLessonRun) seed = many_cores (2, 1.0, 2.2, 1.0, 10, 1, 1.9, 2);
  g_autoptr(LabLessonRun) close = many_cores (1.05, 1.0, 1.5, 0.9, 1, 1, 1.0, 2);
  g_autoptr(LabLessonRun) lost = many_cores (0.5, -1, 1, -1, 3, 1, -1, 2);
  g_autoptr(LabLessonRun) one = many_cores (2, 1.0, 2, 1.0, 10, 1.9, 1.0, 1);
  g_autoptr(LabLessonRun) walled = many_cores (1, 1.5, 2, 1.0, 10, 1.9, 1.6, 2);
  g_autoptr(LabLessonRun) noisy = many_cores (1, 0.8, 1, 0.8, 10, 1, 0.9, 2);

  assert_verdict (seed,
                  SAYS ("step 0: 2.00 s, 100 in flight at most, 1.0 cores busy; step 1: 2.20 s",
                        "step 2: 10.00 s, 2 in flight at most", "step 3: 1.00 s, 100 in flight",
                        "Processes + async won: 2.0× faster than the next best, “step 0”.",
                        "Processes + async kept 1.9 cores busy, where async alone kept 1.0 and "
                        "threads with the GIL 1.0: 2 processes hashed at once",
                        "Processes alone had at most 2 downloads in flight, one each, so their "
                        "waits queued: 10.0× the time of processes + async, which had up to 100."),
                  SAYS ("disagrees", "Unexpectedly", "could not be measured", "about as well",
                        "one process"));

  /* Processes alone as fast, no more cores busy: the machine disagrees. */
  assert_verdict (close,
                  SAYS ("did about as well as “step 2” (1.00×)",
                        "disagrees with the seed: processes + async kept only 1.0 cores busy (async "
                        "alone 0.9, threads with the GIL 1.0), no more than one, so its 2 "
                        "processes did not hash at once here.",
                        "Unexpectedly, processes alone, with at most 2 downloads in flight, took no "
                        "longer than processes + async with up to 100 (1.00 s against 1.00 s)."),
                  SAYS ("won", "2 processes hashed at once", "waits queued", "no more cores"));

  /* Another mode faster; no cores sampled. */
  assert_verdict (lost,
                  SAYS ("step 0: 0.50 s, 100 in flight at most;",
                        "disagrees with the seed: “step 0” was fastest, 2.0× faster than processes "
                        "+ async.", "could not be measured here"),
                  SAYS ("1.0 cores busy", "won", "about as well", "hashed at once",
                        "no more cores"));

  /* One core, one process: nothing to spread over. */
  assert_verdict (one,
                  SAYS ("With one process there was no other core to hash on: processes + async "
                        "kept 1.0 cores busy, async alone 1.0."),
                  SAYS ("hashed at once", "no more cores busy"));

  /* Slower than threads beyond the tolerance; more than one core busy, but
   * no more than threads with the GIL (a machine where they did not wait
   * for it), or more than both but not more than one. */
  assert_verdict (walled, SAYS ("“step 0” was fastest",
                                "disagrees with the seed: processes + async kept no more cores "
                                "busy (1.6) than async alone (1.0) or threads with the GIL (1.5)."),
                  SAYS ("won", "hashed at once", "no more than one"));
  assert_verdict (noisy, SAYS ("kept only 0.9 cores busy (async alone 0.8, threads with the GIL "
                               "0.8), no more than one"),
                  SAYS ("hashed at once", "no more cores busy"));
}

/* The lesson itself, --quick: the four ways, each verified; one process
 * per core, alone with one download in flight each, with a loop many more;
 * the GIL lets one thread hash at a time. */
static void
test_many_cores_runs (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = lab_lesson_run (lab_lesson_find ("many-cores"), runner, TRUE,
                                                NULL, &error);
  guint cores = g_get_num_processors ();
  const LabMode modes[] = { LAB_MODE_THREADS, LAB_MODE_ASYNC, LAB_MODE_PROCESSES,
                            LAB_MODE_PROCESSES_ASYNC };

  g_assert_no_error (error);
  g_test_message ("%s", run->verdict);
  g_assert_true (run->ok);
  g_assert_cmpuint (run->n_steps, ==, G_N_ELEMENTS (modes));
  for (guint i = 0; i < run->n_steps; i++)
    {
      g_assert_nonnull (run->steps[i].run);
      g_assert_cmpint (run->steps[i].run->mode, ==, modes[i]);
      g_assert_true (run->steps[i].run->verified);
      g_assert_cmpuint (run->steps[i].run->tasks_ok, ==, 100);
      g_assert_cmpstr (run->steps[i].run->result, ==, run->steps[0].run->result);
    }
  g_assert_true (run->steps[0].run->gil);
  g_assert_cmpuint (run->steps[0].run->gil_max_holders, ==, 1);
  /* The rounds hold the GIL: a hundred threads back from their downloads
   * at about the same time queue for it. */
  {
    gint64 by_state[LAB_N_STATES], total = 0;

    lab_run_get_time_by_state (run->steps[0].run, by_state);
    for (LabState state = 0; state < LAB_N_STATES; state++)
      total += by_state[state];
    g_test_message ("threads with the GIL: %.0f %% of their time waiting for it",
                    100.0 * by_state[LAB_STATE_GIL] / MAX (total, 1));
    g_assert_cmpint (by_state[LAB_STATE_GIL], >, total / 10);
  }
  g_assert_cmpuint (run->steps[2].run->workers, ==, cores);
  g_assert_cmpuint (lab_test_max_overlap (run->steps[2].run), <=, cores);
  g_assert_cmpuint (run->steps[3].run->workers, ==, cores);
  g_assert_cmpuint (run->steps[3].run->in_flight, ==, (100 + cores - 1) / cores);
  g_assert_cmpuint (lab_test_max_overlap (run->steps[3].run), >, cores);
  g_assert_nonnull (strstr (run->verdict, "in flight at most"));
}

/* The fetch-hash job's verify stretches every file again: a wrong digest
 * is caught, with a sentence naming the file. */
static void
test_fetch_hash_verify (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("fetch-hash");
  g_autoptr(LabServer) server = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  plan->tasks = 4;
  plan->workers = 4;
  server = lab_lesson_serve_files (plan, 4096, 0, &error);
  g_assert_no_error (error);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
  g_assert_true (lab_run_is_ok (run));

  /* What one round less gives: a digest, but not the task's. */
  value = run->records[2].value;
  value[0] = value[0] == '0' ? '1' : '0';
  g_assert_false (lab_workload_verify (workload, run, &error));
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, run->records[2].name));
  g_assert_nonnull (strstr (error->message, "20000 rounds of MD5"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/lessons-scale/verdict/ten-thousand", test_verdict_ten_thousand);
  g_test_add_func ("/lab/lessons-scale/ten-thousand/runs", test_ten_thousand_runs);
  g_test_add_func ("/lab/lessons-scale/verdict/many-cores", test_verdict_many_cores);
  g_test_add_func ("/lab/lessons-scale/many-cores/runs", test_many_cores_runs);
  g_test_add_func ("/lab/lessons-scale/many-cores/verify", test_fetch_hash_verify);

  return g_test_run ();
}
