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

static double
times (const LabLessonStep *slow,
       const LabLessonStep *fast)
{
  return fast->value_us > 0 ? (double) slow->value_us / fast->value_us : 0;
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

  if (threads > 5 && processes > 5 && async > 5)
    return g_strdup_printf (_("Waiting overlaps: sequential took %.2f s; threads %.1f×, processes "
                              "%.1f× and async %.1f× faster — async on one single thread."),
                            s[0].value_us / 1e6, threads, processes, async);
  return g_strdup_printf (_("This machine disagrees with the seed: against %.2f s sequential, "
                            "threads were only %.1f×, processes %.1f× and async %.1f× faster."),
                          s[0].value_us / 1e6, threads, processes, async);
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
  double download_threads = times (&s[0], &s[3]);
  double download_processes = times (&s[0], &s[6]);
  gboolean hash_processes_slower = s[8].value_us > s[2].value_us;

  return g_strdup_printf (_("Downloading: threads %.1f×, processes %.1f× faster than one thread "
                            "(I/O waits overlap). Hashing in processes was %s than in one thread, "
                            "%s."),
                          download_threads, download_processes,
                          hash_processes_slower ? _("slower") : _("faster"),
                          hash_processes_slower
                            ? _("as the seed says: for small jobs, start-up and copying cost more than they save")
                            : _("unlike the seed: here the work was big enough to pay for the copying"));
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

  return run_step (out, runner, _("8 worker threads on a queue"), plan, LAB_MODE_THREADS, cancellable, error) &&
         run_step (out, runner, _("A pool of 8 processes"), plan, LAB_MODE_PROCESSES, cancellable, error);
}

static char *
workers_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  gint64 startup = s[1].run ? s[1].run->startup_us : 0;

  if (s[0].value_us <= s[1].value_us)
    return g_strdup_printf (_("Threads finished in %.2f s, the pool of processes in %.2f s plus "
                              "%.2f s to start: for downloads, threads are the cheaper workers."),
                            s[0].value_us / 1e6, s[1].value_us / 1e6, startup / 1e6);
  return g_strdup_printf (_("Here the pool of processes (%.2f s, plus %.2f s to start) beat the "
                            "threads (%.2f s) — on this machine the seed’s preference for threads "
                            "does not show."),
                          s[1].value_us / 1e6, startup / 1e6, s[0].value_us / 1e6);
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

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  *(LabRun **) data = lab_runner_run_finish (NULL, result, NULL);
}

/* A main loop with a 10 ms heartbeat stands in for the window: first the
 * job runs in the "click handler" itself, then on a worker thread. */
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
  GSource *timer;
  LabRun *run = NULL;

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
  if (run != NULL)
    add_step (out, _("Job in the click handler: worst stall"), NULL, heartbeat.worst);
  g_clear_pointer (&run, lab_run_free);

  /* 2. On a worker thread: the loop keeps beating. */
  heartbeat.last = g_get_monotonic_time ();
  heartbeat.worst = 0;
  lab_runner_run_async (runner, workload, LAB_MODE_SEQUENTIAL, cancellable, run_done, &run);
  while (run == NULL && !g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (context, TRUE);
  add_step (out, _("Job on a worker thread: worst stall"), NULL, heartbeat.worst);
  g_clear_pointer (&run, lab_run_free);

  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_pop_thread_default (context);
  return out->n_steps == 2;
}

static char *
frozen_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;

  if (s[0].value_us > 10 * s[1].value_us)
    return g_strdup_printf (_("Running the job in the click handler froze the loop for %.2f s; on a "
                              "worker thread the worst pause was %.0f ms — the window stays alive."),
                            s[0].value_us / 1e6, s[1].value_us / 1e3);
  return g_strdup_printf (_("Unexpected: the loop paused %.2f s with the job in the handler and "
                            "%.2f s with a worker thread."),
                          s[0].value_us / 1e6, s[1].value_us / 1e6);
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
  return run_step (out, runner, _("Async, no lock"), plan, LAB_MODE_ASYNC, cancellable, error);
}

static gint64
lost_of (LabLessonStep *step)
{
  gint64 lost = -1;

  if (step->run != NULL && step->run->result_fields != NULL)
    g_variant_lookup (step->run->result_fields, "lost", "x", &lost);
  return lost;
}

static char *
bank_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  gint64 lost_threads = lost_of (&s[0]), lost_locked = lost_of (&s[1]);
  gint64 lost_processes = lost_of (&s[2]), lost_async = lost_of (&s[3]);

  return g_strdup_printf (_("Without a lock %" PRId64 " of %u deposits were lost; with it %" PRId64
                            ". Processes without shared memory left the app’s balance at ¥0 "
                            "(%" PRId64 " lost: each changed its own copy). On one event loop %"
                            PRId64 " were lost — nothing runs between a read and its write."),
                          lost_threads, s[0].run ? s[0].run->n_records : 0, lost_locked,
                          lost_processes, lost_async);
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

  return g_strdup_printf (_("Through the queue the consumer took exactly %" PRId64 " items, in the "
                            "order they arrived: %s. With a “global” counter the two processes "
                            "made %" PRId64 " items instead of 10 — each counted on its own copy."),
                          taken, order_text ? order_text : "", broken);
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
  double gil = times (&s[0], &s[1]), threads = times (&s[0], &s[2]), processes = times (&s[0], &s[3]);
  double hashing = times (&s[4], &s[5]);
  g_autofree char *loops = NULL;

  if (gil < 1.3)
    loops = g_strdup_printf (_("Threads with the GIL ran at %.2f× the speed of sequential — the GIL let "
                               "only one thread compute at a time. Processes: %.2f×, C threads: %.2f× "
                               "(ideal on %u cores: %u×)."),
                             gil, processes, threads, g_get_num_processors (), ideal);
  else
    loops = g_strdup_printf (_("This machine disagrees with the seed: threads with the GIL ran at %.2f× "
                               "the speed of sequential. Processes: %.2f×, C threads: %.2f× (ideal: %u×)."),
                             gil, processes, threads, ideal);

  return g_strdup_printf (_("%s Hashing big blocks is %.2f× faster on threads even with the GIL: "
                            "hashlib releases it while it hashes, as it does for sleeping and I/O."),
                          loops, hashing);
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

  return g_strdup_printf (_("With the clock started after the processes are running, 8 processes "
                            "took %.3f s against %.3f s in one; end to end, with starting them, "
                            "%.3f s. The seed’s timer hides that start-up; the speed-up is %.2f× "
                            "or %.2f× depending on the clock (ideal on %u cores: %u×). C threads: "
                            "%.2f×; threads with the GIL: %.2f×."),
                          s[1].value_us / 1e6, s[0].value_us / 1e6, s[2].value_us / 1e6,
                          times (&s[0], &s[1]), times (&s[0], &s[2]), g_get_num_processors (), ideal,
                          times (&s[0], &s[3]), times (&s[0], &s[4]));
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
       "one. Without a lock, with a lock, in processes, and on an event loop."),
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
  g_autoptr(LabLessonRun) run = g_new0 (LabLessonRun, 1);

  g_return_val_if_fail (lesson != NULL, NULL);

  run->lesson = lesson;
  run->ok = TRUE;
  if (!lesson->run (lesson, runner, quick, cancellable, run, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
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
