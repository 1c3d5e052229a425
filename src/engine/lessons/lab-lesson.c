/* lab-lesson.c — one lesson per example of the seeds, each ending in a
 * verdict computed from what this machine measured
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lesson sets up a job and the modes to compare, explains what to watch,
 * asks the class to predict, runs for real, and ends with one line that
 * compares the numbers.  The verdict is never written in advance: when this
 * machine disagrees with the seed, the verdict says so.
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "lab-lesson.h"
#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-workload-save.h"

static void
add_step (LabLessonRun *out,
          const char   *label,
          LabRun       *run,
          gint64        value_us)
{
  LabLessonStep *step;

  g_assert (out->n_steps < LAB_LESSON_MAX_STEPS);
  step = &out->steps[out->n_steps++];
  step->label = g_strdup (label);
  step->run = run;
  step->value_us = run != NULL ? run->wall_us : value_us;
  if (run != NULL && !lab_run_is_ok (run))
    out->ok = FALSE;
}

/* Runs @plan in @mode as one step of the lesson. */
static gboolean
run_step (LabLessonRun  *out,
          LabRunner     *runner,
          const char    *label,
          const LabPlan *plan,
          LabMode        mode,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(LabWorkload) workload = lab_workload_new (plan, error);
  LabRun *run;

  if (workload == NULL)
    return FALSE;
  run = lab_runner_run (runner, workload, mode, cancellable, error);
  if (run == NULL)
    return FALSE;
  add_step (out, label, run, 0);
  return !run->cancelled;
}

/* How many times faster @fast was than @slow: the speed-up. */
static double
times (const LabLessonStep *slow,
       const LabLessonStep *fast)
{
  return fast->value_us > 0 ? (double) slow->value_us / fast->value_us : 0;
}

/* The one rule all verdicts use to say "faster", "about the same" or
 * "slower": see LAB_LESSON_TOLERANCE. */
LabComparison
lab_lesson_compare (double measured,
                    double reference)
{
  if (measured > reference * (1 + LAB_LESSON_TOLERANCE))
    return LAB_COMPARISON_ABOVE;
  if (measured < reference * (1 - LAB_LESSON_TOLERANCE))
    return LAB_COMPARISON_BELOW;
  return LAB_COMPARISON_ABOUT;
}

/* A speed-up, in words: "3.2× faster", "about as fast (1.04×)",
 * "slower (0.61× the speed)". */
static char *
speed_text (double speedup)
{
  switch (lab_lesson_compare (speedup, 1))
    {
    case LAB_COMPARISON_ABOVE:
      /* Translators: a speed-up, e.g. "3.2× faster" */
      return g_strdup_printf (_("%.1f× faster"), speedup);
    case LAB_COMPARISON_ABOUT:
      /* Translators: a speed-up close to 1, e.g. "about as fast (1.04×)" */
      return g_strdup_printf (_("about as fast (%.2f×)"), speedup);
    case LAB_COMPARISON_BELOW:
    default:
      /* Translators: a speed-up below 1, e.g. "slower (0.61× the speed)" */
      return g_strdup_printf (_("slower (%.2f× the speed)"), speedup);
    }
}

/* A speed-up against the most @ideal can give: within the tolerance it is
 * "about the ideal", never beyond it. */
static char *
ideal_text (double speedup,
            guint  ideal)
{
  guint cores = g_get_num_processors ();

  switch (lab_lesson_compare (speedup, ideal))
    {
    case LAB_COMPARISON_ABOUT:
      /* Translators: e.g. "2.05×, about the ideal 2× on 2 cores" */
      return g_strdup_printf (_("%.2f×, about the ideal %u× on %u cores"), speedup, ideal, cores);
    case LAB_COMPARISON_BELOW:
      /* Translators: e.g. "1.41×, below the ideal 2× on 2 cores" */
      return g_strdup_printf (_("%.2f×, below the ideal %u× on %u cores"), speedup, ideal, cores);
    case LAB_COMPARISON_ABOVE:
    default:
      /* Translators: e.g. "2.60×, more than the ideal 2× on 2 cores — …" */
      return g_strdup_printf (_("%.2f×, more than the ideal %u× on %u cores — other work must "
                                "have slowed the one-thread run"), speedup, ideal, cores);
    }
}

/* A number the workload measured, from a step's result fields; -1 when
 * the step has none. */
static gint64
field_of (const LabLessonStep *step,
          const char          *name)
{
  gint64 value = -1;

  if (step->run != NULL && step->run->result_fields != NULL)
    g_variant_lookup (step->run->result_fields, name, "x", &value);
  return value;
}

/* ---- Seed 002: ten slow queries ---------------------------------------- */

static gboolean
queries_run (const LabLesson  *lesson,
             LabRunner        *runner,
             gboolean          quick,
             GCancellable     *cancellable,
             LabLessonRun     *out,
             GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");

  plan->tasks = 10;
  plan->workers = 10;
  plan->task_ms = quick ? 100 : 1000;

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    if (!run_step (out, runner, lab_mode_get_title (mode), plan, mode, cancellable, error))
      return FALSE;
  return TRUE;
}

static char *
queries_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  double threads = times (&s[0], &s[1]), processes = times (&s[0], &s[2]), async = times (&s[0], &s[3]);
  g_autofree char *threads_text = speed_text (threads);
  g_autofree char *processes_text = speed_text (processes);
  g_autofree char *async_text = speed_text (async);
  gboolean all_faster = lab_lesson_compare (threads, 1) == LAB_COMPARISON_ABOVE &&
                        lab_lesson_compare (processes, 1) == LAB_COMPARISON_ABOVE &&
                        lab_lesson_compare (async, 1) == LAB_COMPARISON_ABOVE;
  g_autofree char *numbers = g_strdup_printf (_("Sequential took %.2f s; threads were %s, processes "
                                                "%s, async on one single thread %s."),
                                              s[0].value_us / 1e6, threads_text, processes_text,
                                              async_text);

  if (all_faster)
    return g_strdup_printf (_("%s Waiting overlaps in every mode, as the seed says: even one "
                              "thread can wait for many queries at once."), numbers);
  return g_strdup_printf (_("%s This machine disagrees with the seed: not every mode overlapped "
                            "the waiting."), numbers);
}

/* ---- Seed 000: download, save, hash ------------------------------------ */

static gboolean
pipeline_run (const LabLesson  *lesson,
              LabRunner        *runner,
              gboolean          quick,
              GCancellable     *cancellable,
              LabLessonRun     *out,
              GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pipeline");
  g_autoptr(LabServer) server = NULL;
  g_autoptr(LabPipeline) pipeline = NULL;
  g_autofree char *dir = NULL;
  LabServerOptions options;
  gboolean ok = TRUE;

  plan->tasks = quick ? 8 : 20;
  plan->workers = 8;
  plan->size = quick ? 64 * 1024 : 1 << 20;
  lab_server_options_init (&options);
  options.n_files = plan->tasks;
  options.file_size = plan->size;
  options.latency_ms = quick ? 20 : 100;
  server = lab_server_new (&options, error);
  if (server == NULL)
    return FALSE;
  dir = g_dir_make_tmp ("concurrency-lab-lesson-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  plan->url = g_strdup (lab_server_get_url (server));
  plan->out_dir = g_strdup (dir);
  pipeline = lab_pipeline_new (plan, error);

  for (LabMode mode = 0; pipeline != NULL && ok && mode < LAB_MODE_ASYNC; mode++)
    {
      LabPipelineRun *run = lab_pipeline_run (pipeline, runner, mode, cancellable, error);

      if (run == NULL)
        {
          ok = FALSE;
          break;
        }
      /* A cancelled mode adds no steps: the lesson ends there. */
      if (g_cancellable_is_cancelled (cancellable))
        {
          lab_pipeline_run_free (run);
          ok = FALSE;
          break;
        }
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        {
          g_autofree char *label = g_strdup_printf ("%s — %s", lab_mode_get_title (mode),
                                                    lab_stage_get_title (stage));
          add_step (out, label, g_steal_pointer (&run->stages[stage]), 0);
        }
      out->ok &= run->ok;
      lab_pipeline_run_free (run);
    }

  lab_remove_folder (dir);

  return pipeline != NULL && ok;
}

static char *
pipeline_verdict (LabLessonRun *run)
{
  /* steps: sequential D S H, threads D S H, processes D S H */
  LabLessonStep *s = run->steps;
  g_autofree char *download_threads = speed_text (times (&s[0], &s[3]));
  g_autofree char *download_processes = speed_text (times (&s[0], &s[6]));
  double hash_processes = times (&s[2], &s[8]);
  g_autofree char *download = g_strdup_printf (_("Downloading, against one thread: threads were "
                                                 "%s, processes %s."),
                                               download_threads, download_processes);

  switch (lab_lesson_compare (hash_processes, 1))
    {
    case LAB_COMPARISON_BELOW:
      /* Whether starting the processes is part of the cost depends on
       * whether this run paid for it. */
      if (s[8].run != NULL && s[8].run->startup_us > 0)
        return g_strdup_printf (_("%s Hashing in processes was slower than in one thread (%.2f× "
                                  "the speed), as the seed says: for small jobs, start-up and "
                                  "copying cost more than they save."), download, hash_processes);
      return g_strdup_printf (_("%s Hashing in processes was slower than in one thread (%.2f× the "
                                "speed), as the seed says, though the pool was already running: "
                                "for small jobs, copying the data costs more than it saves."),
                              download, hash_processes);
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("%s Hashing in processes was about as fast as in one thread "
                                "(%.2f×): what the other cores gained, the copying cost."),
                              download, hash_processes);
    case LAB_COMPARISON_ABOVE:
    default:
      return g_strdup_printf (_("%s Hashing in processes was %.2f× faster than in one thread, "
                                "unlike the seed: here the work was big enough to pay for the "
                                "copying."), download, hash_processes);
    }
}

/* ---- Seed 004: a queue of 8 worker threads vs a pool of 8 -------------- */

static gboolean
workers_run (const LabLesson  *lesson,
             LabRunner        *runner,
             gboolean          quick,
             GCancellable     *cancellable,
             LabLessonRun     *out,
             GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabServer) server = NULL;
  LabServerOptions options;

  plan->tasks = quick ? 16 : 40;
  plan->workers = 8;
  lab_server_options_init (&options);
  options.n_files = plan->tasks;
  options.file_size = 256 * 1024;
  options.latency_ms = quick ? 20 : 100;
  server = lab_server_new (&options, error);
  if (server == NULL)
    return FALSE;
  plan->url = g_strdup (lab_server_get_url (server));

  if (!run_step (out, runner, _("8 worker threads on a queue"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  /* The lesson is what starting processes costs: a new pool, not a warm one. */
  plan->fresh_workers = TRUE;
  return run_step (out, runner, _("A pool of 8 processes"), plan, LAB_MODE_PROCESSES, cancellable, error);
}

/* What starting the processes cost this run: nothing if the pool was warm. */
static char *
startup_text (const LabLessonStep *processes)
{
  gint64 startup = processes->run != NULL ? processes->run->startup_us : 0;

  if (startup == 0)
    return g_strdup (_("The pool of processes was already running: this run paid nothing to "
                       "start it."));
  return g_strdup_printf (_("Starting the processes cost %.2f s more, counted in their time here."),
                          startup / 1e6);
}

static char *
workers_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  gint64 startup = s[1].run ? s[1].run->startup_us : 0;
  double threads = s[0].value_us / 1e6, processes = (s[1].value_us + startup) / 1e6;
  g_autofree char *started = startup_text (&s[1]);

  switch (lab_lesson_compare (processes, threads))
    {
    case LAB_COMPARISON_ABOVE:
      return g_strdup_printf (_("Threads finished in %.2f s, the pool of processes in %.2f s: for "
                                "downloads, threads are the cheaper workers. %s"),
                              threads, processes, started);
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("Threads (%.2f s) and the pool of processes (%.2f s) took about the "
                                "same time: waiting for downloads gains nothing from processes. %s"),
                              threads, processes, started);
    case LAB_COMPARISON_BELOW:
    default:
      return g_strdup_printf (_("Here the pool of processes (%.2f s) beat the threads (%.2f s) — on "
                                "this machine the seed’s preference for threads does not show. %s"),
                              processes, threads, started);
    }
}

/* ---- Seed 003: the frozen window --------------------------------------- */

typedef struct
{
  gint64 last;
  gint64 worst;
} Heartbeat;

static gboolean
beat (gpointer data)
{
  Heartbeat *heartbeat = data;
  gint64 now = g_get_monotonic_time ();

  heartbeat->worst = MAX (heartbeat->worst, now - heartbeat->last - 10000);
  heartbeat->last = now;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  gboolean  done;
  LabRun   *run;
  GError   *error;
} AsyncStep;

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  AsyncStep *step = data;

  step->run = lab_runner_run_finish (NULL, result, &step->error);
  step->done = TRUE;
}

/* A main loop with a 10 ms heartbeat stands in for the window (the terminal
 * has none): first the job runs in the "click handler" itself, then on a
 * worker thread.  A cancelled job adds no step: the lesson ends there. */
static gboolean
frozen_run (const LabLesson  *lesson,
            LabRunner        *runner,
            gboolean          quick,
            GCancellable     *cancellable,
            LabLessonRun     *out,
            GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  Heartbeat heartbeat = { 0 };
  AsyncStep step = { 0 };
  GSource *timer;
  LabRun *run = NULL;
  gboolean ok = FALSE;

  plan->tasks = 1;
  plan->task_ms = quick ? 300 : 2000;
  workload = lab_workload_new (plan, error);
  if (workload == NULL)
    return FALSE;

  g_main_context_push_thread_default (context);
  timer = g_timeout_source_new (10);
  g_source_set_callback (timer, beat, &heartbeat, NULL);
  g_source_attach (timer, context);

  /* 1. Blocking: the handler waits for the job; no beat can happen. */
  heartbeat.last = g_get_monotonic_time ();
  heartbeat.worst = 0;
  run = lab_runner_run (runner, workload, LAB_MODE_SEQUENTIAL, cancellable, error);
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (context, TRUE);
  if (run == NULL || run->cancelled)
    goto out;
  add_step (out, _("Job in the click handler: worst stall of a stand-in main loop"), NULL,
            heartbeat.worst);
  g_clear_pointer (&run, lab_run_free);

  /* 2. On a worker thread: the loop keeps beating.  Wait for the run to
   * end even when cancelled: it writes into @step. */
  heartbeat.last = g_get_monotonic_time ();
  heartbeat.worst = 0;
  lab_runner_run_async (runner, workload, LAB_MODE_SEQUENTIAL, cancellable, run_done, &step);
  while (!step.done)
    g_main_context_iteration (context, TRUE);
  run = g_steal_pointer (&step.run);
  if (run == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&step.error));
      goto out;
    }
  if (run->cancelled)
    goto out;
  add_step (out, _("Job on a worker thread: worst stall of a stand-in main loop"), NULL,
            heartbeat.worst);
  ok = TRUE;

out:
  g_clear_pointer (&run, lab_run_free);
  g_clear_error (&step.error);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_pop_thread_default (context);
  return ok;
}

/* A stall a student would not notice: a few frames at 60 Hz. */
#define UNNOTICED_STALL_US 50000

static char *
frozen_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;

  if (s[0].value_us <= 10 * s[1].value_us)
    return g_strdup_printf (_("Unexpected: the loop paused %.2f s with the job in the handler and "
                              "%.2f s with a worker thread."),
                            s[0].value_us / 1e6, s[1].value_us / 1e6);
  if (s[1].value_us <= UNNOTICED_STALL_US)
    return g_strdup_printf (_("Running the job in the click handler froze the loop for %.2f s; on a "
                              "worker thread the worst pause was %.0f ms — the window stays alive."),
                            s[0].value_us / 1e6, s[1].value_us / 1e3);
  return g_strdup_printf (_("Running the job in the click handler froze the loop for %.2f s; on a "
                            "worker thread the worst pause was %.0f ms — far better, yet long "
                            "enough to notice: the machine is busy."),
                          s[0].value_us / 1e6, s[1].value_us / 1e3);
}

/* ---- Seed 003: the bank account ---------------------------------------- */

static gboolean
bank_run (const LabLesson  *lesson,
          LabRunner        *runner,
          gboolean          quick,
          GCancellable     *cancellable,
          LabLessonRun     *out,
          GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("bank");
  guint depositors = quick ? 20 : 100;
  guint pause_ms = plan->pause_ms;

  plan->tasks = depositors;
  plan->workers = depositors;
  if (!run_step (out, runner, _("Threads, no lock"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->lock = TRUE;
  if (!run_step (out, runner, _("Threads, with a lock"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->lock = FALSE;
  plan->tasks = plan->workers = MIN (depositors, 16);
  if (!run_step (out, runner, _("Processes, no shared memory"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  plan->tasks = plan->workers = depositors;
  if (!run_step (out, runner, _("Async, a wait between read and write"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->lock = TRUE;
  if (!run_step (out, runner, _("Async, with the event loop’s lock"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->lock = FALSE;
  plan->pause_ms = 0;
  if (!run_step (out, runner, _("Async, read and write in one callback"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->pause_ms = pause_ms;
  return TRUE;
}

/* steps: threads without and with a lock, processes without shared memory,
 * async with a wait, async with the loop's lock, async in one callback */
static char *
bank_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  g_autoptr(GString) verdict = g_string_new (NULL);
  gint64 lost, expected;

  lost = field_of (&s[0], "lost");
  expected = field_of (&s[0], "expected");
  if (lost > 0)
    g_string_append_printf (verdict, _("Threads without a lock lost %" PRId64 " of %" PRId64
                                       " deposits."), lost, expected);
  else
    g_string_append_printf (verdict, _("Threads without a lock lost none of %" PRId64 " deposits "
                                       "this time: the race is there, but did not strike."),
                            expected);

  lost = field_of (&s[1], "lost");
  if (lost == 0)
    g_string_append (verdict, _(" With a lock, every deposit arrived."));
  else
    g_string_append_printf (verdict, _(" Even with a lock %" PRId64 " were lost."), lost);

  /* The balance the app itself reads, not a number assumed. */
  if (field_of (&s[2], "balance") == 0)
    g_string_append (verdict, _(" Processes without shared memory left the app’s balance at ¥0: "
                                "each changed its own copy."));
  else
    g_string_append_printf (verdict, _(" Processes without shared memory left the app’s balance at "
                                       "¥%" PRId64 " of ¥%" PRId64 "."),
                            field_of (&s[2], "balance"), field_of (&s[2], "expected"));

  lost = field_of (&s[3], "lost");
  expected = field_of (&s[3], "expected");
  if (lost > 0)
    g_string_append_printf (verdict, _(" On one event loop, with a wait between read and write, "
                                       "%" PRId64 " of %" PRId64 " were lost: unlike what seed 003 "
                                       "says of coroutines, the race comes back whenever a task "
                                       "waits between reading and writing."), lost, expected);
  else
    g_string_append (verdict, _(" On one event loop, with a wait between read and write, no deposit "
                                "was lost this time."));

  lost = field_of (&s[4], "lost");
  if (lost == 0)
    g_string_append (verdict, _(" The event loop’s own lock made it exact, and no thread ever "
                                "blocked."));
  else
    g_string_append_printf (verdict, _(" Even with the event loop’s lock %" PRId64 " were lost."),
                            lost);

  lost = field_of (&s[5], "lost");
  if (lost == 0)
    g_string_append (verdict, _(" With the read and the write in one callback nothing was lost, "
                                "without any lock: nothing can run between them."));
  else
    g_string_append_printf (verdict, _(" With the read and the write in one callback %" PRId64
                                       " were still lost."), lost);

  return g_string_free (g_steal_pointer (&verdict), FALSE);
}

/* ---- Seed 003: ping-pong over a queue ----------------------------------- */

static gboolean
pingpong_run (const LabLesson  *lesson,
              LabRunner        *runner,
              gboolean          quick,
              GCancellable     *cancellable,
              LabLessonRun     *out,
              GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pingpong");

  plan->workers = 2;
  plan->pause_ms = quick ? 10 : 100;
  if (!run_step (out, runner, _("Processes and a queue"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  plan->global_counter = TRUE;
  return run_step (out, runner, _("Processes and a “global” counter"), plan, LAB_MODE_PROCESSES,
                   cancellable, error);
}

static char *
pingpong_verdict (LabLessonRun *run)
{
  g_autoptr(GVariant) order = NULL;
  g_autofree char *order_text = NULL;
  g_autofree char *queue = NULL;
  gint64 taken = 0, broken = 0;

  if (run->steps[0].run && run->steps[0].run->result_fields)
    {
      g_variant_lookup (run->steps[0].run->result_fields, "consumed", "x", &taken);
      order = g_variant_lookup_value (run->steps[0].run->result_fields, "order",
                                      G_VARIANT_TYPE_STRING_ARRAY);
    }
  if (run->steps[1].run && run->steps[1].run->result_fields)
    g_variant_lookup (run->steps[1].run->result_fields, "produced", "x", &broken);
  if (order != NULL)
    {
      g_autofree const char **items = g_variant_get_strv (order, NULL);
      order_text = g_strjoinv (" ", (char **) items);
    }

  /* The seed's consumer asks for the first ten; its producers for ten together. */
  if (taken == 10)
    queue = g_strdup_printf (_("Through the queue the consumer took exactly 10 items, in the order "
                               "they arrived: %s."), order_text ? order_text : "");
  else
    queue = g_strdup_printf (_("Through the queue the consumer took %" PRId64 " items, not the 10 "
                               "it asked for."), taken);
  if (broken > 10)
    return g_strdup_printf (_("%s With a “global” counter the two processes made %" PRId64 " items "
                              "instead of 10 — each counted on its own copy."), queue, broken);
  return g_strdup_printf (_("%s With a “global” counter the two processes made %" PRId64 " items, "
                            "no more than 10: here the copies did not show."), queue, broken);
}

/* ---- Seeds 001 and 003: computing, with and without the GIL ------------- */

static gboolean
cpu_run (const LabLesson  *lesson,
         LabRunner        *runner,
         gboolean          quick,
         GCancellable     *cancellable,
         LabLessonRun     *out,
         GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabPlan) hash = lab_plan_new ("hash");

  /* calc () counts to 1e9 on each of 4 workers */
  plan->tasks = 4;
  plan->workers = 4;
  plan->n = quick ? G_GUINT64_CONSTANT (200000000) : G_GUINT64_CONSTANT (4000000000);
  if (!run_step (out, runner, lab_mode_get_title (LAB_MODE_SEQUENTIAL), plan, LAB_MODE_SEQUENTIAL, cancellable, error) ||
      !run_step (out, runner, _("Threads with the GIL"), (plan->gil = TRUE, plan), LAB_MODE_THREADS, cancellable, error) ||
      !run_step (out, runner, _("Threads without the GIL (C)"), (plan->gil = FALSE, plan), LAB_MODE_THREADS, cancellable, error) ||
      !run_step (out, runner, lab_mode_get_title (LAB_MODE_PROCESSES), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;

  /* hashlib lets go of the GIL for big buffers: hashing is the exception. */
  hash->tasks = 8;
  hash->workers = 4;
  hash->size = quick ? 4 << 20 : 32 << 20;
  if (!run_step (out, runner, _("MD5 of big blocks, one thread"), hash, LAB_MODE_SEQUENTIAL, cancellable, error))
    return FALSE;
  hash->gil = TRUE;
  return run_step (out, runner, _("MD5 of big blocks, threads with the GIL"), hash, LAB_MODE_THREADS,
                   cancellable, error);
}

static char *
cpu_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  guint ideal = MIN (4, g_get_num_processors ());
  double gil = times (&s[0], &s[1]), hashing = times (&s[4], &s[5]);
  g_autofree char *threads = ideal_text (times (&s[0], &s[2]), ideal);
  g_autofree char *processes = ideal_text (times (&s[0], &s[3]), ideal);
  g_autofree char *loops = NULL, *others = NULL;

  switch (lab_lesson_compare (gil, 1))
    {
    case LAB_COMPARISON_ABOUT:
      loops = g_strdup_printf (_("Threads with the GIL ran about as fast as sequential (%.2f×): the "
                                 "GIL let only one thread compute at a time."), gil);
      break;
    case LAB_COMPARISON_BELOW:
      loops = g_strdup_printf (_("Threads with the GIL were slower than sequential (%.2f× the "
                                 "speed): the GIL let only one thread compute at a time, and "
                                 "handing it over cost extra."), gil);
      break;
    case LAB_COMPARISON_ABOVE:
    default:
      loops = g_strdup_printf (_("This machine disagrees with the seed: threads with the GIL ran "
                                 "%.2f× faster than sequential."), gil);
      break;
    }
  others = g_strdup_printf (_("Processes: %s. C threads: %s."), processes, threads);

  switch (lab_lesson_compare (hashing, 1))
    {
    case LAB_COMPARISON_ABOVE:
      {
        g_autofree char *speedup = ideal_text (hashing, ideal);

        return g_strdup_printf (_("%s %s Hashing big blocks was faster on threads even with the "
                                  "GIL (%s): hashlib releases it while it hashes, as it does for "
                                  "sleeping and I/O."), loops, others, speedup);
      }
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("%s %s Hashing big blocks on threads with the GIL was about as fast "
                                "as one thread (%.2f×): here letting go of the GIL gained nothing."),
                              loops, others, hashing);
    case LAB_COMPARISON_BELOW:
    default:
      return g_strdup_printf (_("%s %s Hashing big blocks on threads with the GIL was slower than "
                                "one thread (%.2f× the speed)."), loops, others, hashing);
    }
}

/* Seed 003: the sum of 1..1e8 over 8 processes, and its two clocks. */
static gboolean
sum_run (const LabLesson  *lesson,
         LabRunner        *runner,
         gboolean          quick,
         GCancellable     *cancellable,
         LabLessonRun     *out,
         GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  LabRun *processes;

  plan->tasks = 8;
  plan->workers = 8;
  plan->n = quick ? G_GUINT64_CONSTANT (10000000) : G_GUINT64_CONSTANT (100000000);
  /* The end-to-end clock must include starting the processes: a new pool. */
  plan->fresh_workers = TRUE;
  if (!run_step (out, runner, lab_mode_get_title (LAB_MODE_SEQUENTIAL), plan, LAB_MODE_SEQUENTIAL, cancellable, error) ||
      !run_step (out, runner, _("8 processes, clock started after they run"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  processes = out->steps[1].run;
  add_step (out, _("8 processes, end to end (start-up included)"), NULL,
            processes->wall_us + processes->startup_us);

  if (!run_step (out, runner, _("8 threads without the GIL (C)"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->gil = TRUE;
  return run_step (out, runner, _("8 threads with the GIL"), plan, LAB_MODE_THREADS, cancellable, error);
}

static char *
sum_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  guint ideal = MIN (8, g_get_num_processors ());
  gint64 startup = s[1].run != NULL ? s[1].run->startup_us : 0;
  g_autofree char *after_start = ideal_text (times (&s[0], &s[1]), ideal);
  g_autofree char *end_to_end = ideal_text (times (&s[0], &s[2]), ideal);
  g_autofree char *threads = ideal_text (times (&s[0], &s[3]), ideal);
  g_autofree char *gil = speed_text (times (&s[0], &s[4]));
  g_autofree char *clocks = NULL;

  if (startup == 0)
    clocks = g_strdup_printf (_("8 processes took %.3f s against %.3f s in one: %s. The pool was "
                                "already running, so this run paid nothing to start it and both "
                                "clocks agree."),
                              s[1].value_us / 1e6, s[0].value_us / 1e6, after_start);
  else
    clocks = g_strdup_printf (_("With the clock started after the processes are running, 8 "
                                "processes took %.3f s against %.3f s in one: %s. End to end, with "
                                "%.3f s to start them, %.3f s: %s. The seed’s timer hides that "
                                "start-up."),
                              s[1].value_us / 1e6, s[0].value_us / 1e6, after_start,
                              startup / 1e6, s[2].value_us / 1e6, end_to_end);

  return g_strdup_printf (_("%s C threads: %s. Threads with the GIL were %s."), clocks, threads, gil);
}

static const LabLesson lessons[] = {
  { "queries", "002", N_("Ten slow queries"),
    N_("Ten queries each wait one second for a database. Run them one after another, on threads, "
       "in processes, and as coroutines on one event loop."),
    N_("Predict: how long does each take, and which needs more than one thread?"),
    queries_run, queries_verdict },
  { "pipeline", "000", N_("Download, save, hash"),
    N_("Files are downloaded from the built-in server, saved, then hashed — each stage timed in one "
       "thread, on threads and in processes, as in the seed’s table."),
    N_("Predict: which stage gains from threads, and where do processes cost more than they save?"),
    pipeline_run, pipeline_verdict },
  { "workers", "004", N_("Eight workers on a queue"),
    N_("Eight worker threads take download jobs from a queue; then a pool of eight processes does "
       "the same."),
    N_("Predict: which finishes first, and what do the processes pay before they start?"),
    workers_run, workers_verdict },
  { "frozen-window", "003", N_("The frozen window"),
    N_("A window runs a slow job right in the click handler, then on a worker thread. A heartbeat "
       "on the main loop tells how long the window could not react."),
    N_("Predict: how long is the window frozen in each case?"),
    frozen_run, frozen_verdict },
  { "bank", "003", N_("The bank account race"),
    N_("Many depositors each pay ¥1 into one account: read the balance, pause, write it back plus "
       "one. On threads without and with a lock, in processes, then on one event loop: with a "
       "wait between the read and the write, with the loop’s own lock, and with both in one "
       "callback."),
    N_("Predict: what is the balance in each case?"),
    bank_run, bank_verdict },
  { "pingpong", "003", N_("Ping and Pong through a queue"),
    N_("Two processes put Ping and Pong into one queue, seven each; a consumer takes the first ten. "
       "Then the broken version counts in a “global” variable instead."),
    N_("Predict: in what order do they arrive, and how many does the broken version make?"),
    pingpong_run, pingpong_verdict },
  { "gil", "001", N_("Computing with and without the GIL"),
    N_("The counting loop of calc () on four workers: one after another, on Python-like threads "
       "that must hold the GIL, on plain C threads, and in processes. Then hashing big blocks, "
       "which lets go of the GIL."),
    N_("Predict: which of them is faster than one thread, and by how much?"),
    cpu_run, cpu_verdict },
  { "sum", "003", N_("Divide and conquer, and its two clocks"),
    N_("The sum of 1 to 100,000,000, split over eight workers and merged. The seed starts its "
       "timer only once the processes run; here both clocks are shown, and threads too."),
    N_("Predict: how much faster are eight processes, and does the clock change the answer?"),
    sum_run, sum_verdict },
};

const LabLesson *
lab_lesson_get_all (guint *n_lessons)
{
  *n_lessons = G_N_ELEMENTS (lessons);
  return lessons;
}

const LabLesson *
lab_lesson_find (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (lessons); i++)
    if (g_strcmp0 (lessons[i].id, id) == 0)
      return &lessons[i];
  return NULL;
}

LabLessonRun *
lab_lesson_run (const LabLesson  *lesson,
                LabRunner        *runner,
                gboolean          quick,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(LabLessonRun) run = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (lesson != NULL, NULL);

  run = g_new0 (LabLessonRun, 1);

  run->lesson = lesson;
  run->ok = TRUE;
  if (!lesson->run (lesson, runner, quick, cancellable, run, &local_error) ||
      g_cancellable_is_cancelled (cancellable))
    {
      /* A cancelled lesson ends as cancelled, whatever failed on the way
       * out: a verdict built from half a run would teach something false. */
      if (local_error == NULL || g_cancellable_is_cancelled (cancellable))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  run->verdict = lesson->verdict (run);
  return g_steal_pointer (&run);
}

void
lab_lesson_run_free (LabLessonRun *run)
{
  if (run == NULL)
    return;

  for (guint i = 0; i < run->n_steps; i++)
    {
      g_free (run->steps[i].label);
      g_clear_pointer (&run->steps[i].run, lab_run_free);
    }
  g_free (run->verdict);
  g_free (run);
}
