/* test-lessons.c — the seed lessons make their point
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "lab-lesson-private.h"
#include "lab-test-util.h"

static LabRun *
bank_run_paused (LabRunner *runner,
                 LabMode    mode,
                 guint      depositors,
                 gboolean   lock,
                 gboolean   shared_memory,
                 guint      pause_ms)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("bank");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = depositors;
  plan->workers = depositors;
  plan->pause_ms = pause_ms;
  plan->lock = lock;
  plan->shared_memory = shared_memory;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return lab_test_run (runner, workload, mode, NULL);
}

static LabRun *
bank_run (LabRunner *runner,
          LabMode    mode,
          guint      depositors,
          gboolean   lock,
          gboolean   shared_memory)
{
  return bank_run_paused (runner, mode, depositors, lock, shared_memory, 10);
}

static gint64
field (LabRun     *run,
       const char *name)
{
  gint64 value = -1;

  g_assert_nonnull (run->result_fields);
  g_assert_true (g_variant_lookup (run->result_fields, name, "x", &value));
  return value;
}

/* With the lock, the balance is always exact: threads, and processes
 * sharing memory with a process-shared lock. */
static void
test_bank_locked_is_exact (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  struct { LabMode mode; guint depositors; gboolean shared; } cases[] = {
    { LAB_MODE_THREADS, 50, FALSE },
    { LAB_MODE_PROCESSES, 16, TRUE },
    { LAB_MODE_SEQUENTIAL, 10, FALSE },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(LabRun) run = bank_run (runner, cases[c].mode, cases[c].depositors, TRUE,
                                        cases[c].shared);

      g_test_message ("%s: %s", lab_mode_to_string (cases[c].mode), run->result);
      g_assert_true (lab_run_is_ok (run));
      g_assert_cmpint (field (run, "balance"), ==, cases[c].depositors);
      g_assert_cmpint (field (run, "lost"), ==, 0);
    }
}

/* Without the lock, and with the start barrier, threads lose deposits in
 * most of 20 runs. */
static void
test_bank_unlocked_loses (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  guint losing = 0;

  for (guint r = 0; r < 20; r++)
    {
      g_autoptr(LabRun) run = bank_run (runner, LAB_MODE_THREADS, 20, FALSE, FALSE);

      g_assert_true (run->verified);
      g_assert_cmpint (field (run, "expected"), ==, 20);
      g_assert_cmpint (field (run, "balance") + field (run, "lost"), ==, 20);
      losing += field (run, "lost") > 0;
    }

  g_test_message ("lost deposits in %u of 20 runs", losing);
  g_assert_cmpuint (losing, >, 10);
}

/* Processes share no memory: each pays into its own copy of the account,
 * and the app's balance stays 0. */
static void
test_bank_processes_do_not_share (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = bank_run (runner, LAB_MODE_PROCESSES, 8, TRUE, FALSE);

  g_assert_true (run->verified);
  g_assert_cmpint (field (run, "balance"), ==, 0);
  g_assert_cmpint (field (run, "lost"), ==, 8);
  /* Each worker saw its own balance grow; none saw all 8 deposits. */
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (g_ascii_strtoll (run->records[i].value, NULL, 10), <, 8);
}

/* One event loop, the seed's deposit: read, await the pause, write.  All
 * depositors start in one turn of the loop, so every one of them reads
 * before any pause is over: deposits are lost, every time. */
static void
test_bank_async_wait_loses (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = bank_run (runner, LAB_MODE_ASYNC, 100, FALSE, FALSE);

  g_test_message ("%s", run->result);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (field (run, "balance") + field (run, "lost"), ==, 100);
  g_assert_cmpint (field (run, "lost"), >, 0);
}

/* The loop's lock (asyncio.Lock) makes it exact while the depositors are
 * all in flight on the one thread, queued for the lock. */
static void
test_bank_async_lock_is_exact (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = bank_run_paused (runner, LAB_MODE_ASYNC, 30, TRUE, FALSE, 2);

  g_test_message ("%s", run->result);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (field (run, "balance"), ==, 30);
  g_assert_cmpuint (lab_test_max_overlap (run), >, 15);
}

/* Cancelled while depositors queue for the loop's lock: the queue drains,
 * every task ends, the run ends as cancelled — no depositor is left
 * waiting for a lock nobody will release. */
static void
test_bank_async_lock_cancel (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("bank");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;

  /* 50 deposits of 3 s in turn.  A cancel must not wait for the pause of
   * the depositor holding the lock to end: it ends long before 3 s. */
  plan->tasks = plan->workers = 50;
  plan->pause_ms = 3000;
  plan->lock = TRUE;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  lab_test_cancel_after (cancellable, 50);
  run = lab_test_run (runner, workload, LAB_MODE_ASYNC, cancellable);
  g_assert_true (run->cancelled);
  g_assert_cmpint (run->wall_us, <, 2 * G_USEC_PER_SEC);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].end_us, >, 0);
}

/* No pause: the read and the write sit in one callback.  Nothing is lost
 * without any lock, though the depositors are all in flight together. */
static void
test_bank_async_one_callback_is_exact (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = bank_run_paused (runner, LAB_MODE_ASYNC, 100, FALSE, FALSE, 0);

  g_test_message ("%s", run->result);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (field (run, "balance"), ==, 100);
  g_assert_cmpuint (lab_test_max_overlap (run), >, 50);
}

/* The account processes share is a memfd: it has no name in /dev/shm (or
 * anywhere) that another user could guess and open.  inotify records every
 * entry made there during the run, however short it lived. */
static void
test_bank_shared_memory_has_no_name (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  union { struct inotify_event event; char bytes[4096]; } buffer;
  int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  ssize_t n;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fd, "/dev/shm", IN_CREATE), >=, 0);

  run = bank_run (runner, LAB_MODE_PROCESSES, 8, TRUE, TRUE);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (field (run, "balance"), ==, 8);

  while ((n = read (fd, &buffer, sizeof buffer)) > 0)
    for (char *p = buffer.bytes; p < buffer.bytes + n;)
      {
        struct inotify_event *event = (struct inotify_event *) p;

        /* Other programs may use /dev/shm meanwhile: only ours count. */
        if (event->len > 0)
          {
            g_test_message ("created in /dev/shm: %s", event->name);
            g_assert_false (strstr (event->name, "concurrency-lab") != NULL &&
                            strstr (event->name, pid) != NULL);
          }
        p += sizeof (struct inotify_event) + event->len;
      }
  close (fd);
}

static LabRun *
pingpong_run (LabRunner *runner,
              LabMode    mode,
              gboolean   global_counter)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pingpong");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;

  plan->workers = 2;
  plan->pause_ms = 5;
  plan->global_counter = global_counter;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return lab_test_run (runner, workload, mode, NULL);
}

/* 14 produced, exactly the first 10 taken, in the order they arrived. */
static void
test_pingpong (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = pingpong_run (runner, mode, FALSE);
      g_autoptr(GVariant) order = NULL;
      guint pings = 0;

      g_test_message ("%s: %s", lab_mode_to_string (mode), run->result);
      g_assert_true (lab_run_is_ok (run));
      g_assert_cmpint (field (run, "produced"), ==, 14);
      g_assert_cmpint (field (run, "consumed"), ==, 10);
      order = g_variant_lookup_value (run->result_fields, "order", G_VARIANT_TYPE_STRING_ARRAY);
      g_assert_cmpuint (g_variant_n_children (order), ==, 10);
      for (guint i = 0; i < 10; i++)
        {
          const char *item = NULL;

          g_variant_get_child (order, i, "&s", &item);
          g_assert_true (g_str_equal (item, "Ping") || g_str_equal (item, "Pong"));
          pings += g_str_equal (item, "Ping");
        }
      /* One producer alone makes 7: at least 3 came from the other. */
      g_assert_cmpuint (pings, >=, 3);
      g_assert_cmpuint (pings, <=, 7);
    }
}

/* The broken version: processes each count to 10 on their own. */
static void
test_pingpong_global_counter (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) threads = pingpong_run (runner, LAB_MODE_THREADS, TRUE);
  g_autoptr(LabRun) processes = pingpong_run (runner, LAB_MODE_PROCESSES, TRUE);

  g_assert_cmpint (field (threads, "produced"), <=, 11);
  g_assert_cmpint (field (processes, "produced"), ==, 20);
  g_assert_cmpint (field (processes, "consumed"), ==, 10);
}

/* Even --quick sizes every step a verdict compares by its time so that it
 * lasts long enough to measure: ≥ 0.2 s here.  A machine under load only
 * makes steps longer.  Not timed: the counts of the bank and Ping and Pong,
 * the frozen window's stalls, the pipeline's small saving and hashing (the
 * seed's point), the futures' done () and result (). */
static void
assert_long_enough (const LabLessonRun *run)
{
  const char *id = run->lesson->id;

  if (g_str_equal (id, "bank") || g_str_equal (id, "pingpong") ||
      g_str_equal (id, "frozen-window"))
    return;

  for (guint i = 0; i < run->n_steps; i++)
    {
      const LabLessonStep *step = &run->steps[i];

      if (step->run == NULL || (g_str_equal (id, "pipeline") && i % 3 != 0))
        continue;
      g_test_message ("%s: %s: %.3f s", id, step->label, step->value_us / 1e6);
      g_assert_cmpint (step->value_us, >=, 200 * 1000);
    }
}

/* The futures lesson's thread pool: its 4 calls on lanes 0 and 1, then the
 * caller's waits in result () on a lane of their own, labelled as the
 * caller — the first one, on the biggest file, at least. */
static void
assert_caller_lane (const LabRun *run)
{
  g_autofree char *label = NULL;

  g_assert_nonnull (run);
  g_assert_cmpint (run->caller_lane, ==, 2);
  g_assert_cmpuint (run->n_records, >, 4);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].lane, ==, i < 4 ? run->records[i].lane % 2 : 2);
  label = lab_run_dup_worker_label (run, &run->records[4]);
  g_assert_cmpstr (label, ==, "caller");
  g_assert_nonnull (strstr (run->records[4].name, "file-1.bin"));
}

/* Every lesson runs to its verdict, computed from the run. */
static void
test_every_lesson (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  g_assert_cmpuint (n, >=, 8);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabLessonRun) run = NULL;

      /* test-lessons-scale.c runs these, with checks of their own: the
       * suite runs each lesson once. */
      if (g_str_equal (lessons[i].id, "ten-thousand") || g_str_equal (lessons[i].id, "many-cores"))
        continue;
      run = lab_lesson_run (&lessons[i], runner, TRUE, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s", lessons[i].id, run->verdict);
      g_assert_true (run->ok);
      g_assert_cmpuint (run->n_steps, >=, 2);
      g_assert_nonnull (run->verdict);
      g_assert_cmpuint (strlen (run->verdict), >, 20);
      g_assert_nonnull (lab_lesson_find (lessons[i].id));
      assert_long_enough (run);
      if (g_str_equal (lessons[i].id, "futures"))
        assert_caller_lane (run->steps[0].run);
    }
  g_assert_null (lab_lesson_find ("no-such-lesson"));
}

/* The lessons come in the order of the seeds, and within a seed in the
 * order its text takes; each has a full title and a short one for narrow
 * places. */
static void
test_order_and_titles (void)
{
  const char *order[] = { "pipeline", "gil", "futures", "queries", "ten-thousand", "pingpong", "bank",
                          "many-cores", "frozen-window", "sum", "workers", "many-machines" };
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < n; i++)
    {
      g_test_message ("%s (seed %s): %s / %s", lessons[i].id, lessons[i].seed, lessons[i].title,
                      lessons[i].short_title);
      g_assert_cmpstr (lessons[i].id, ==, order[i]);
      if (i > 0)
        g_assert_cmpint (strcmp (lessons[i - 1].seed, lessons[i].seed), <=, 0);
      g_assert_nonnull (lessons[i].title);
      g_assert_nonnull (lessons[i].short_title);
      g_assert_cmpuint (g_utf8_strlen (lessons[i].title, -1), >, 0);
      g_assert_cmpuint (g_utf8_strlen (lessons[i].short_title, -1), >, 0);
      g_assert_cmpuint (g_utf8_strlen (lessons[i].short_title, -1), <=, 28);
      g_assert_cmpuint (g_utf8_strlen (lessons[i].short_title, -1), <=,
                        g_utf8_strlen (lessons[i].title, -1));
    }
}

/* The lessons say what has changed in Python since the seeds were written,
 * with the versions: the free-threaded build and the start method. */
static void
test_python_2026 (void)
{
  const char *gil[] = { "CPython 3.13", "free-threaded", "PEP 703", "3.14 supports it officially",
                        "5–10 percent" };
  const char *explanation = lab_lesson_find ("gil")->explanation;

  for (guint i = 0; i < G_N_ELEMENTS (gil); i++)
    if (strstr (explanation, gil[i]) == NULL)
      g_error ("the GIL lesson should say “%s”: %s", gil[i], explanation);
  g_assert_nonnull (strstr (lab_lesson_find ("sum")->explanation,
                            "Python 3.14 made forkserver the default start method"));
}

/* ---- Verdicts from chosen step results ----------------------------------
 *
 * Each verdict is a pure function of its steps.  These feed it numbers on
 * both sides of every branch, including the ones where a machine disagrees
 * with the seed, and check its words. */

typedef struct
{
  double      seconds;      /* the step's time */
  double      startup;      /* its run's start-up, in seconds; < 0: no run */
  const char *fields;       /* its run's result fields (a{sv} text), or NULL */
  LabState    state;        /* where the time went: this share of it in @state, */
  double      share;        /* the rest computing (0: nothing measured) */
  double      cores;        /* cores busy (0: no sample) */
  double      broker_ms;    /* distributed: the broker's cost per job (0: not measured) */
} Step;

static LabLessonRun *
synthetic_run (const char *id,
               const Step *steps,
               guint       n_steps)
{
  LabLessonRun *run = g_new0 (LabLessonRun, 1);

  run->lesson = lab_lesson_find (id);
  g_assert_nonnull (run->lesson);
  run->ok = TRUE;
  g_assert_cmpuint (n_steps, <=, LAB_LESSON_MAX_STEPS);
  for (guint i = 0; i < n_steps; i++)
    {
      LabLessonStep *step = &run->steps[i];

      step->label = g_strdup_printf ("step %u", i);
      step->value_us = (gint64) (steps[i].seconds * 1e6);
      if (steps[i].startup >= 0 || steps[i].fields != NULL || steps[i].share > 0 ||
          steps[i].broker_ms > 0)
        {
          g_autoptr(GError) error = NULL;

          step->run = lab_run_new (LAB_MODE_THREADS, steps[i].share > 0 ? 1 : 0);
          if (steps[i].share > 0)
            {
              LabTaskRecord *record = &step->run->records[0];
              gint64 waited = (gint64) (steps[i].share * step->value_us);

              record->start_us = 1000;
              record->end_us = 1000 + step->value_us;
              record->cpu_us = step->value_us - waited;
              record->run_queue_us = 0;
              lab_spans_add (&record->spans, steps[i].state, LAB_WAIT_NONE, 1000, 1000 + waited);
            }
          if (steps[i].cores > 0)
            {
              LabCoresSample sample = { 1000 + step->value_us, steps[i].cores };

              step->run->start_us = 1000;
              step->run->cores_busy = g_array_new (FALSE, FALSE, sizeof (LabCoresSample));
              g_array_append_val (step->run->cores_busy, sample);
            }
          step->run->wall_us = step->value_us;
          step->run->startup_us = (gint64) (MAX (steps[i].startup, 0) * 1e6);
          if (steps[i].broker_ms > 0)
            step->run->broker_cost_us = (gint64) (steps[i].broker_ms * 1000);
          step->run->verified = TRUE;
          if (steps[i].fields != NULL)
            {
              step->run->result_fields = g_variant_parse (G_VARIANT_TYPE_VARDICT, steps[i].fields,
                                                          NULL, NULL, &error);
              g_assert_no_error (error);
            }
        }
    }
  run->n_steps = n_steps;
  return run;
}

/* The verdict for @steps must contain every string of @says (NULL-ended),
 * and none of @never (NULL-ended, may be NULL). */
static void
assert_verdict (const char         *id,
                const Step         *steps,
                guint               n_steps,
                const char * const *says,
                const char * const *never)
{
  g_autoptr(LabLessonRun) run = synthetic_run (id, steps, n_steps);
  g_autofree char *verdict = run->lesson->verdict (run);

  g_test_message ("%s: %s", id, verdict);
  for (guint i = 0; says[i] != NULL; i++)
    if (strstr (verdict, says[i]) == NULL)
      g_error ("the %s verdict should say “%s”: %s", id, says[i], verdict);
  for (guint i = 0; never != NULL && never[i] != NULL; i++)
    if (strstr (verdict, never[i]) != NULL)
      g_error ("the %s verdict should not say “%s”: %s", id, never[i], verdict);
}

#define SAYS(...)  ((const char * const []) { __VA_ARGS__, NULL })
#define NO_RUN     -1, NULL

/* One tolerance for all verdicts: ±10 % is "about", beyond it is not. */
static void
test_verdict_compare (void)
{
  g_assert_cmpint (lab_lesson_compare (1.09, 1), ==, LAB_COMPARISON_ABOUT);
  g_assert_cmpint (lab_lesson_compare (0.91, 1), ==, LAB_COMPARISON_ABOUT);
  g_assert_cmpint (lab_lesson_compare (1.11, 1), ==, LAB_COMPARISON_ABOVE);
  g_assert_cmpint (lab_lesson_compare (0.89, 1), ==, LAB_COMPARISON_BELOW);
  g_assert_cmpint (lab_lesson_compare (2.05, 2), ==, LAB_COMPARISON_ABOUT);
  g_assert_cmpint (lab_lesson_compare (2.30, 2), ==, LAB_COMPARISON_ABOVE);
  g_assert_cmpint (lab_lesson_compare (1.70, 2), ==, LAB_COMPARISON_BELOW);
}

/* A speed-up within noise of the ideal is "about the ideal", whichever
 * side of it: 2.05× on 2 cores is never "more than the ideal". */
static void
test_verdict_ideal (void)
{
  struct { double speedup; const char *says; } cases[] = {
    { 2.05, "about the ideal 2×" },
    { 2.19, "about the ideal 2×" },
    { 1.95, "about the ideal 2×" },
    { 1.81, "about the ideal 2×" },
    { 2.60, "more than the ideal 2×" },
    { 1.41, "below the ideal 2×" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = lab_lesson_ideal_text (cases[i].speedup, 2);

      g_test_message ("%.2f: %s", cases[i].speedup, text);
      g_assert_nonnull (strstr (text, cases[i].says));
    }
}

static void
test_verdict_queries (void)
{
  assert_verdict ("queries", (Step[]) { { 10, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN } }, 4,
                  SAYS ("threads were 10.0× faster", "async on one single thread 10.0× faster",
                        "as the seed says"),
                  SAYS ("disagrees", "slower"));
  /* Threads no faster, processes slower: words, not "faster" around 1.00×. */
  assert_verdict ("queries", (Step[]) { { 10, NO_RUN }, { 10.5, NO_RUN }, { 12.5, NO_RUN }, { 1, NO_RUN } }, 4,
                  SAYS ("threads were about as fast (0.95×)",
                        "processes slower (0.80× the speed)", "disagrees"),
                  SAYS ("as the seed says"));
}

static void
test_verdict_pipeline (void)
{
  /* steps: sequential D S H, threads D S H, processes D S H */
  assert_verdict ("pipeline", (Step[]) { { 4, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 4, NO_RUN }, { 1, NO_RUN }, { 2, 0.1, NULL } }, 9,
                  SAYS ("threads were 4.0× faster", "processes about as fast (1.00×)",
                        "slower than in one thread (0.50× the speed), as the seed says",
                        "start-up and copying"),
                  SAYS ("unlike the seed", "already running"));
  /* The same with a warm pool: no start-up to blame. */
  assert_verdict ("pipeline", (Step[]) { { 4, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 4, NO_RUN }, { 1, NO_RUN }, { 2, 0, NULL } }, 9,
                  SAYS ("as the seed says, though the pool was already running"),
                  SAYS ("start-up"));
  assert_verdict ("pipeline", (Step[]) { { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 2, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 0.5, NO_RUN }, { 1, NO_RUN }, { 0.5, NO_RUN } }, 9,
                  SAYS ("threads were slower (0.50× the speed)", "processes 2.0× faster",
                        "2.00× faster than in one thread, unlike the seed"),
                  SAYS ("as the seed says"));
  assert_verdict ("pipeline", (Step[]) { { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 1, NO_RUN }, { 1, NO_RUN }, { 1, NO_RUN },
                                         { 1, NO_RUN }, { 1, NO_RUN }, { 1.05, NO_RUN } }, 9,
                  SAYS ("about as fast as in one thread (0.95×)"),
                  SAYS ("seed"));
}

/* Faster, about the same, slower — and a warm pool says it paid nothing. */
static void
test_verdict_workers (void)
{
  assert_verdict ("workers", (Step[]) { { 1, NO_RUN }, { 2, 0, NULL } }, 2,
                  SAYS ("threads are the cheaper workers", "already running"),
                  SAYS ("beat", "0.00 s", "cost"));
  assert_verdict ("workers", (Step[]) { { 1, NO_RUN }, { 0.5, 0.2, NULL } }, 2,
                  SAYS ("processes (0.70 s) beat the threads (1.00 s)", "cost 0.20 s more"),
                  SAYS ("cheaper", "already running"));
  assert_verdict ("workers", (Step[]) { { 1, NO_RUN }, { 1.05, 0, NULL } }, 2,
                  SAYS ("about the same time"),
                  SAYS ("beat", "cheaper"));
}

static void
test_verdict_frozen (void)
{
  assert_verdict ("frozen-window", (Step[]) { { 2, NO_RUN }, { 0.005, NO_RUN } }, 2,
                  SAYS ("froze the loop for 2.00 s", "worst pause was 5 ms", "stays alive"),
                  SAYS ("Unexpected", "busy"));
  assert_verdict ("frozen-window", (Step[]) { { 2, NO_RUN }, { 0.1, NO_RUN } }, 2,
                  SAYS ("froze the loop for 2.00 s", "worst pause was 100 ms", "busy"),
                  SAYS ("stays alive"));
  assert_verdict ("frozen-window", (Step[]) { { 0.05, NO_RUN }, { 0.01, NO_RUN } }, 2,
                  SAYS ("Unexpected"),
                  SAYS ("froze"));
}

#define BANK(lost, balance, expected) \
  "{'lost': <int64 " #lost ">, 'balance': <int64 " #balance ">, 'expected': <int64 " #expected ">}"

/* Every clause reads its own step: the balance is read, never assumed. */
static void
test_verdict_bank (void)
{
  assert_verdict ("bank", (Step[]) { { 1, 0, BANK (19, 1, 20) }, { 1, 0, BANK (0, 20, 20) },
                                     { 1, 0, BANK (16, 0, 16) }, { 1, 0, BANK (18, 2, 20) },
                                     { 1, 0, BANK (0, 20, 20) }, { 1, 0, BANK (0, 20, 20) } }, 6,
                  SAYS ("lost 19 of 20 deposits", "every deposit arrived", "balance at ¥0",
                        "18 of 20 were lost", "race comes back", "own lock made it exact",
                        "nothing was lost, without any lock"),
                  SAYS ("Even", "still", "this time"));
  assert_verdict ("bank", (Step[]) { { 1, 0, BANK (0, 20, 20) }, { 1, 0, BANK (2, 18, 20) },
                                     { 1, 0, BANK (11, 5, 16) }, { 1, 0, BANK (0, 20, 20) },
                                     { 1, 0, BANK (3, 17, 20) }, { 1, 0, BANK (4, 16, 20) } }, 6,
                  SAYS ("lost none of 20 deposits", "Even with a lock 2 were lost",
                        "balance at ¥5 of ¥16", "no deposit was lost this time",
                        "Even with the event loop’s lock 3 were lost", "4 were still lost"),
                  SAYS ("¥0", "every deposit", "race comes back", "made it exact"));
}

#define PINGPONG(consumed, produced) \
  "{'consumed': <int64 " #consumed ">, 'produced': <int64 " #produced ">, " \
  "'order': <['Ping', 'Pong']>}"

static void
test_verdict_pingpong (void)
{
  assert_verdict ("pingpong", (Step[]) { { 1, 0, PINGPONG (10, 14) }, { 1, 0, PINGPONG (10, 20) } }, 2,
                  SAYS ("took exactly 10 items", "arrived: Ping Pong", "made 20 items instead of 10"),
                  SAYS ("not the 10", "no more than"));
  assert_verdict ("pingpong", (Step[]) { { 1, 0, PINGPONG (9, 14) }, { 1, 0, PINGPONG (10, 10) } }, 2,
                  SAYS ("took 9 items, not the 10", "made 10 items, no more than 10"),
                  SAYS ("exactly", "instead of"));
}

/* Speed-ups against the ideal: about it, below it, never silently beyond. */
static void
test_verdict_gil (void)
{
  double ideal = MIN (4, g_get_num_processors ());
  g_autofree char *about = g_strdup_printf ("C threads: %.2f×, about the ideal", ideal * 1.025);
  g_autofree char *beyond = g_strdup_printf ("Processes: %.2f×, more than the ideal", ideal * 1.5);
  g_autofree char *below = g_strdup_printf ("Processes: %.2f×, below the ideal", ideal * 0.5);

  /* steps: sequential, GIL threads, C threads, processes, MD5 one thread, MD5 GIL threads */
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 4, NO_RUN }, { 4 / (ideal * 1.025), NO_RUN },
                                    { 4 / (ideal * 1.5), NO_RUN }, { 4, NO_RUN }, { 4 / ideal, NO_RUN } }, 6,
                  SAYS ("about as fast as sequential (1.00×)", about, beyond,
                        "faster on threads even with the GIL"),
                  SAYS ("disagrees", "below the ideal"));
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 2, NO_RUN }, { 4, NO_RUN },
                                    { 4 / (ideal * 0.5), NO_RUN }, { 4, NO_RUN }, { 4, NO_RUN } }, 6,
                  SAYS ("disagrees with the seed: threads with the GIL ran 2.00× faster", below,
                        "about as fast as one thread (1.00×)"),
                  SAYS ("let only one thread"));
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 5, NO_RUN }, { 4, NO_RUN },
                                    { 4, NO_RUN }, { 4, NO_RUN }, { 8, NO_RUN } }, 6,
                  SAYS ("slower than sequential (0.80× the speed)",
                        "slower than one thread (0.50× the speed)"),
                  SAYS ("disagrees", "even with the GIL"));
}

/* Where the time went: a sentence from the measured shares, with the cores
 * busy when sampled, none when the step measured nothing; each of the five
 * lessons names the state of its own step. */
static void
test_verdict_states (void)
{
  const double ideal = 4;

  /* steps: sequential, GIL threads, C threads, processes, MD5 one thread, MD5 GIL threads */
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 4, NO_RUN, LAB_STATE_GIL, 0.74, 1.0 }, { 1, NO_RUN },
                                    { 1, NO_RUN }, { 4, NO_RUN }, { 4 / ideal, NO_RUN } }, 6,
                  SAYS ("In the step “step 1”, its tasks spent 74 % of their time waiting for the "
                        "GIL, and the run kept 1.0 cores busy."),
                  NULL);
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 4, NO_RUN, LAB_STATE_GIL, 0.5, 0 }, { 1, NO_RUN },
                                    { 1, NO_RUN }, { 4, NO_RUN }, { 4 / ideal, NO_RUN } }, 6,
                  SAYS ("In the step “step 1”, its tasks spent 50 % of their time waiting for the GIL."),
                  SAYS ("cores busy"));
  assert_verdict ("gil", (Step[]) { { 4, NO_RUN }, { 4, NO_RUN }, { 1, NO_RUN },
                                    { 1, NO_RUN }, { 4, NO_RUN }, { 4 / ideal, NO_RUN } }, 6,
                  SAYS ("let only one thread"),
                  SAYS ("In the step", "% of their time"));

  assert_verdict ("bank", (Step[]) { { 1, 0, BANK (19, 1, 20) }, { 1, 0, BANK (0, 20, 20), LAB_STATE_LOCK, 0.6, 0 },
                                     { 1, 0, BANK (16, 0, 16) }, { 1, 0, BANK (18, 2, 20) },
                                     { 1, 0, BANK (0, 20, 20) }, { 1, 0, BANK (0, 20, 20) } }, 6,
                  SAYS ("In the step “step 1”, its tasks spent 60 % of their time waiting for a lock."),
                  NULL);
  /* steps: sequential, processes, processes end to end, C threads, GIL threads */
  assert_verdict ("sum", (Step[]) { { 2, NO_RUN }, { 1, 0.5, NULL }, { 1.5, NO_RUN },
                                    { 1, NO_RUN, LAB_STATE_RUNQUEUE, 0.75, 2.0 },
                                    { 2.5, NO_RUN, LAB_STATE_GIL, 0.875, 1.0 } }, 5,
                  SAYS ("In the step “step 3”, its tasks spent 75 % of their time waiting for a core, "
                        "and the run kept 2.0 cores busy.",
                        "In the step “step 4”, its tasks spent 88 % of their time waiting for the GIL"),
                  NULL);
  assert_verdict ("workers", (Step[]) { { 1, NO_RUN, LAB_STATE_IO, 0.9, 0 }, { 2, 0, NULL } }, 2,
                  SAYS ("In the step “step 0”, its tasks spent 90 % of their time waiting for I/O."),
                  NULL);
  assert_verdict ("queries", (Step[]) { { 10, NO_RUN }, { 1, NO_RUN, LAB_STATE_IO, 0.99, 0.1 },
                                        { 1, NO_RUN }, { 1, NO_RUN } }, 4,
                  SAYS ("In the step “step 1”, its tasks spent 99 % of their time waiting for I/O, "
                        "and the run kept 0.1 cores busy."),
                  NULL);
}

#define BROKER(ms) NO_RUN, 0, 0, 0, ms

/* Seed 004's last word: the speed each added worker brings, the queue
 * against this machine, the broker's cost per job, and small jobs. */
static void
test_verdict_many_machines (void)
{
  /* steps: processes, 1 queue worker, 3 queue workers, small on processes, small on the queue */
  assert_verdict ("many-machines", (Step[]) { { 1, NO_RUN }, { 3, NO_RUN }, { 1, NO_RUN },
                                              { 0.2, NO_RUN }, { 0.8, BROKER (0.34) } }, 5,
                  SAYS ("made the job 3.00× faster: each added worker added 1.00 of one worker’s speed",
                        "did about as well as 3 processes", "cost each job 0.34 ms",
                        "overhead decides", "(0.25× the speed)"),
                  SAYS ("disagrees", "beat", "slower than"));
  assert_verdict ("many-machines", (Step[]) { { 1, NO_RUN }, { 3, NO_RUN }, { 2, NO_RUN },
                                              { 0.2, NO_RUN }, { 0.21, NO_RUN } }, 5,
                  SAYS ("1.50× faster: each added worker added 0.25 of", "were slower than 3 processes",
                        "Even small jobs took about as long"),
                  SAYS ("cost each job", "overhead decides"));
  assert_verdict ("many-machines", (Step[]) { { 2, NO_RUN }, { 3, NO_RUN }, { 1, NO_RUN },
                                              { 0.4, NO_RUN }, { 0.2, BROKER (0.1) } }, 5,
                  SAYS ("beat 3 processes on this machine", "disagrees with the seed: small jobs were faster"),
                  SAYS ("overhead decides", "about as long"));
}

/* Two clocks, or one when the pool was already warm. */
static void
test_verdict_sum (void)
{
  assert_verdict ("sum", (Step[]) { { 2, NO_RUN }, { 1, 0.5, NULL }, { 1.5, NO_RUN },
                                    { 1, NO_RUN }, { 2.5, NO_RUN } }, 5,
                  SAYS ("with 0.500 s to start them, 1.500 s", "hides that start-up",
                        "Threads with the GIL were slower (0.80× the speed)"),
                  SAYS ("already running"));
  assert_verdict ("sum", (Step[]) { { 2, NO_RUN }, { 1, 0, NULL }, { 1, NO_RUN },
                                    { 1, NO_RUN }, { 2, NO_RUN } }, 5,
                  SAYS ("already running", "both clocks agree",
                        "Threads with the GIL were about as fast (1.00×)"),
                  SAYS ("0.000 s", "hides"));
}

#define FUTURES(completed, digest, done, queued, running) \
  "{'submitted': <['f1', 'f2', 'f3']>, 'completed': <" completed ">, 'digest': <'" digest "'>, " \
  "'done': <" #done ">, 'cancel_queued': <" #queued ">, 'cancel_running': <" #running ">}"
#define FUTURES_PROCESSES(completed, digest) \
  "{'submitted': <['f1', 'f2', 'f3']>, 'completed': <" completed ">, 'digest': <'" digest "'>}"

/* steps: the thread pool's run, done (), result (), the process pool's run */
static void
test_verdict_futures (void)
{
  assert_verdict ("futures", (Step[]) { { 1, 0, FUTURES ("['f2', 'f3', 'f1']", "abc", false, true, false) },
                                        { 0.000002, NO_RUN }, { 0.8, NO_RUN },
                                        { 1, 0, FUTURES_PROCESSES ("['f3', 'f2', 'f1']", "abc") } }, 4,
                  SAYS ("answered within 2 µs", "kept the caller waiting 0.80 s",
                        "finished in the order f2 f3 f1", "submission order, f1 f2 f3",
                        "took back a call still waiting", "could not stop the call already running, as in Python",
                        "gave the same results", "the order f3 f2 f1"),
                  SAYS ("Unexpected", "order too", "could not take back", "other results"));
  /* Every other side: done () true and no wait, the same orders, cancel ()
   * the wrong way round, other digests in processes. */
  assert_verdict ("futures", (Step[]) { { 1, 0, FUTURES ("['f1', 'f2', 'f3']", "abc", true, false, true) },
                                        { 0, NO_RUN }, { 0, NO_RUN },
                                        { 1, 0, FUTURES_PROCESSES ("['f1', 'f2', 'f3']", "xyz") } }, 4,
                  SAYS ("Unexpected: result () of the first call kept the caller waiting only 0.000 s",
                        "submission order too (f1 f2 f3)", "could not take back the call in the queue",
                        "Unexpectedly, it cancelled the call already running",
                        "gave other results (xyz instead of abc)"),
                  SAYS ("answered within", "yet the results", "took back a call",
                        "could not stop", "same results"));
  /* A wait, but done () said finished: the two facts disagree. */
  assert_verdict ("futures", (Step[]) { { 1, 0, FUTURES ("['f2', 'f1', 'f3']", "abc", true, true, false) },
                                        { 0.000001, NO_RUN }, { 0.5, NO_RUN },
                                        { 1, 0, FUTURES_PROCESSES ("['f2', 'f1', 'f3']", "abc") } }, 4,
                  SAYS ("Unexpected"),
                  SAYS ("answered within"));
}

/* ---- Cancelling a lesson ------------------------------------------------ */

/* Cancelled before it starts: no verdict, whatever the lesson. */
static void
test_cancel_before (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabLessonRun) run = lab_lesson_run (&lessons[i], runner, TRUE, cancellable, &error);

      g_test_message ("%s: %s", lessons[i].id, error ? error->message : run->verdict);
      g_assert_null (run);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
}

typedef struct
{
  const LabLesson *lesson;
  LabRunner       *runner;
  GCancellable    *cancellable;
  LabLessonRun    *result;
  GError          *error;
} LessonThread;

static gpointer
lesson_thread (gpointer data)
{
  LessonThread *lesson = data;

  lesson->result = lab_lesson_run (lesson->lesson, lesson->runner, TRUE, lesson->cancellable,
                                   &lesson->error);
  return NULL;
}

/* Cancelled as soon as its first step is over, while the next runs: the
 * lesson ends as cancelled, with no verdict from half a run.  Only lessons
 * whose later steps take long (≥ 100 ms) enough not to end before. */
static void
test_cancel_midway (void)
{
  const char *ids[] = { "queries", "frozen-window", "bank", "pingpong", "gil", "futures" };
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();

  lab_runner_set_events (runner, events);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      LessonThread lesson = { lab_lesson_find (ids[i]), runner, cancellable, NULL, NULL };
      GThread *thread;
      gboolean first_done = FALSE;

      g_array_unref (lab_event_buffer_drain (events));
      thread = g_thread_new ("lesson", lesson_thread, &lesson);
      while (!first_done)
        {
          g_autoptr(GArray) batch = lab_event_buffer_drain (events);

          for (guint e = 0; e < batch->len; e++)
            first_done |= g_array_index (batch, LabEvent, e).kind == LAB_EVENT_RUN_FINISHED;
          if (!first_done)
            g_usleep (1000);
        }
      g_cancellable_cancel (cancellable);
      g_thread_join (thread);

      g_test_message ("%s: %s", ids[i], lesson.error ? lesson.error->message : lesson.result->verdict);
      g_assert_null (lesson.result);
      g_assert_error (lesson.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&lesson.error);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/lessons/bank/locked-is-exact", test_bank_locked_is_exact);
  g_test_add_func ("/lab/lessons/bank/unlocked-loses", test_bank_unlocked_loses);
  g_test_add_func ("/lab/lessons/bank/processes-do-not-share", test_bank_processes_do_not_share);
  g_test_add_func ("/lab/lessons/bank/async-wait-loses", test_bank_async_wait_loses);
  g_test_add_func ("/lab/lessons/bank/async-lock-is-exact", test_bank_async_lock_is_exact);
  g_test_add_func ("/lab/lessons/bank/async-lock-cancel", test_bank_async_lock_cancel);
  g_test_add_func ("/lab/lessons/bank/async-one-callback-is-exact", test_bank_async_one_callback_is_exact);
  g_test_add_func ("/lab/lessons/bank/shared-memory-has-no-name", test_bank_shared_memory_has_no_name);

  g_test_add_func ("/lab/lessons/pingpong/first-ten", test_pingpong);
  g_test_add_func ("/lab/lessons/every-lesson", test_every_lesson);
  g_test_add_func ("/lab/lessons/order-and-titles", test_order_and_titles);
  g_test_add_func ("/lab/lessons/python-2026", test_python_2026);
  g_test_add_func ("/lab/lessons/pingpong/global-counter", test_pingpong_global_counter);

  g_test_add_func ("/lab/lessons/verdict/compare", test_verdict_compare);
  g_test_add_func ("/lab/lessons/verdict/ideal", test_verdict_ideal);
  g_test_add_func ("/lab/lessons/verdict/queries", test_verdict_queries);
  g_test_add_func ("/lab/lessons/verdict/pipeline", test_verdict_pipeline);
  g_test_add_func ("/lab/lessons/verdict/workers", test_verdict_workers);
  g_test_add_func ("/lab/lessons/verdict/frozen-window", test_verdict_frozen);
  g_test_add_func ("/lab/lessons/verdict/bank", test_verdict_bank);
  g_test_add_func ("/lab/lessons/verdict/pingpong", test_verdict_pingpong);
  g_test_add_func ("/lab/lessons/verdict/gil", test_verdict_gil);
  g_test_add_func ("/lab/lessons/verdict/states", test_verdict_states);
  g_test_add_func ("/lab/lessons/verdict/many-machines", test_verdict_many_machines);
  g_test_add_func ("/lab/lessons/verdict/sum", test_verdict_sum);
  g_test_add_func ("/lab/lessons/verdict/futures", test_verdict_futures);

  g_test_add_func ("/lab/lessons/cancel/before", test_cancel_before);
  g_test_add_func ("/lab/lessons/cancel/midway", test_cancel_midway);

  return g_test_run ();
}
