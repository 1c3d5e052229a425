/* lab-lesson-futures.c — seed 001's concurrent.futures: submit () hands back a future,
 * done () never waits, result () does, map () keeps submission order, cancel () only takes
 * back what is still queued — on a thread pool, then the same map () on a process pool
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls hash four files of different sizes, the longest submitted
 * first, so that they finish in another order than they were submitted
 * (seed 000 hashes its files through a ProcessPoolExecutor in the same
 * way).  The thread pool is lab-futures.c's executor.  The process pool is
 * the processes mode's own pool, run through the runner: its API
 * (workers/lab-process-pool.h) runs whole batches and has no call-by-call
 * submit or cancel, so there the lesson shows map () only, as a batch,
 * with the order the calls finished in read from their records.
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <unistd.h>

#include "lab-files.h"
#include "lab-futures.h"
#include "lab-lesson-private.h"

/* File sizes in units: the first file is the longest job.  On two workers
 * the second finishes first, then the third, the first and the fourth. */
static const guint units[] = { 5, 1, 3, 2 };
#define N_FILES G_N_ELEMENTS (units)
#define N_WORKERS 2

/* A unit of 32 MiB (quick) makes each map () last 0.34 s or more here (the
 * busier worker hashes 6 units; MD5 runs at 470 to 600 MB/s per core):
 * long enough to measure, short enough for a class. */
#define QUICK_UNIT (G_GUINT64_CONSTANT (32) << 20)
#define FULL_UNIT  (G_GUINT64_CONSTANT (64) << 20)

/* The files are sparse: they take no disk, read back as zeros, and MD5
 * takes as long over zeros as over anything else.  The first read of a
 * hole fills the page cache, several times slower than the reads after it:
 * each file is read once here, before any clock, so that the thread pool
 * (first) and the process pool (second) hash from the same warm cache. */
static gboolean
make_files (const char  *dir,
            guint64      unit,
            GError     **error)
{
  g_autofree char *buffer = g_malloc (1 << 20);

  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%u.bin", i + 1);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      int fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      int saved_errno;
      ssize_t n = 0;

      if (fd >= 0 && ftruncate (fd, (off_t) (units[i] * unit)) == 0)
        while ((n = read (fd, buffer, 1 << 20)) > 0)
          ;
      if (fd < 0 || n < 0 || lseek (fd, 0, SEEK_END) != (off_t) (units[i] * unit))
        {
          saved_errno = errno;
          if (fd >= 0)
            close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot make the file “%s” to hash: %s."), path,
                       g_strerror (saved_errno));
          return FALSE;
        }
      close (fd);
    }
  return TRUE;
}

/* The names of @records' tasks, in the order they finished. */
static GVariant *
completion_order (const LabTaskRecord *records,
                  guint                n_records)
{
  g_autofree const LabTaskRecord **sorted = g_new (const LabTaskRecord *, n_records);
  GVariantBuilder builder;

  for (guint i = 0; i < n_records; i++)
    {
      guint j = i;

      /* Insertion sort by end time: four records. */
      for (; j > 0 && sorted[j - 1]->end_us > records[i].end_us; j--)
        sorted[j] = sorted[j - 1];
      sorted[j] = &records[i];
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < n_records; i++)
    g_variant_builder_add (&builder, "s", sorted[i]->name);
  return g_variant_builder_end (&builder);
}

/* What a step's run adds to the verdict's facts: the calls in submission
 * order, in the order they finished, and the digest of all results. */
static void
add_orders (GVariantDict *fields,
            LabRun       *run,
            guint         n_calls)
{
  GVariantBuilder submitted;

  g_variant_builder_init (&submitted, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < n_calls; i++)
    g_variant_builder_add (&submitted, "s", run->records[i].name);
  g_variant_dict_insert_value (fields, "submitted", g_variant_builder_end (&submitted));
  g_variant_dict_insert_value (fields, "completed", completion_order (run->records, n_calls));
  g_variant_dict_insert (fields, "digest", "s", run->result ? run->result : "");
}

/* The seed's program, written out: executor.submit () for every file (as
 * map () does), one more call queued and taken back, then the results in
 * submission order, waiting for each. */
static gboolean
thread_pool_step (LabLessonRun  *out,
                  LabRunner     *runner,
                  LabWorkload   *workload,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(LabExecutor) executor = NULL;
  g_autoptr(LabFuture) spare = NULL;
  g_autoptr(GVariantDict) fields = g_variant_dict_new (NULL);
  LabFuture *futures[N_FILES] = { NULL };
  gboolean cancel_queued, cancel_running, done, ok = FALSE;
  gint64 done_us, waited_us = 0, t;
  LabRun *run;

  executor = lab_executor_new (workload, N_WORKERS, lab_runner_get_events (runner), cancellable,
                               error);
  if (executor == NULL)
    return FALSE;

  for (guint i = 0; i < N_FILES; i++)
    futures[i] = lab_executor_submit (executor, i);

  /* Both threads are busy for a while: a fifth call waits in the queue. */
  spare = lab_executor_submit (executor, N_FILES - 1);
  cancel_queued = lab_future_cancel (spare);

  /* As a Python student would: poll running () until a thread has it. */
  while (!lab_future_running (futures[0]) && !lab_future_done (futures[0]) &&
         !g_cancellable_is_cancelled (cancellable))
    g_usleep (1000);
  cancel_running = lab_future_cancel (futures[0]);

  t = g_get_monotonic_time ();
  done = lab_future_done (futures[0]);
  done_us = g_get_monotonic_time () - t;

  for (guint i = 0; i < N_FILES; i++)
    {
      t = g_get_monotonic_time ();
      if (lab_future_result (futures[i], error) == NULL)
        goto out;
      if (i == 0)
        waited_us = g_get_monotonic_time () - t;
    }
  ok = TRUE;

out:
  lab_executor_shutdown (executor);
  run = lab_executor_steal_run (executor);
  for (guint i = 0; i < N_FILES; i++)
    lab_future_unref (futures[i]);
  if (!ok || run->cancelled)
    {
      lab_run_free (run);
      return FALSE;
    }

  add_orders (fields, run, N_FILES);
  g_variant_dict_insert (fields, "done", "b", done);
  g_variant_dict_insert (fields, "done_us", "x", done_us);
  g_variant_dict_insert (fields, "waited_us", "x", waited_us);
  g_variant_dict_insert (fields, "cancel_queued", "b", cancel_queued);
  g_variant_dict_insert (fields, "cancel_running", "b", cancel_running);
  run->result_fields = g_variant_ref_sink (g_variant_dict_end (fields));

  lab_lesson_add_step (out, _("Thread pool: submit, then result () in turn"), run, 0);
  lab_lesson_add_step (out, _("done () while the first call runs"), NULL, done_us);
  lab_lesson_add_step (out, _("result () of the first call: the caller waits"), NULL, waited_us);
  return TRUE;
}

static gboolean
futures_run (const LabLesson  *lesson,
             LabRunner        *runner,
             gboolean          quick,
             GCancellable     *cancellable,
             LabLessonRun     *out,
             GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GVariantDict) fields = g_variant_dict_new (NULL);
  g_autofree char *dir = NULL;
  LabRun *run;
  gboolean ok = FALSE;

  dir = g_dir_make_tmp ("concurrency-lab-futures-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  if (!make_files (dir, quick ? QUICK_UNIT : FULL_UNIT, error))
    goto out;

  plan->input_dir = g_strdup (dir);
  plan->workers = N_WORKERS;
  workload = lab_workload_new (plan, error);
  if (workload == NULL || !thread_pool_step (out, runner, workload, cancellable, error))
    goto out;

  /* The same map () on the processes mode's pool. */
  if (!lab_lesson_run_step (out, runner, _("Process pool: the same map ()"), plan,
                            LAB_MODE_PROCESSES, cancellable, error))
    goto out;
  run = out->steps[out->n_steps - 1].run;
  add_orders (fields, run, run->n_records);
  g_clear_pointer (&run->result_fields, g_variant_unref);
  run->result_fields = g_variant_ref_sink (g_variant_dict_end (fields));
  ok = TRUE;

out:
  lab_remove_folder (dir);
  return ok;
}

static char *
join_names (LabLessonStep *step,
            const char    *name)
{
  g_autoptr(GVariant) names = NULL;
  g_autofree const char **items = NULL;

  if (step->run == NULL || step->run->result_fields == NULL)
    return g_strdup ("");
  names = g_variant_lookup_value (step->run->result_fields, name, G_VARIANT_TYPE_STRING_ARRAY);
  if (names == NULL)
    return g_strdup ("");
  items = g_variant_get_strv (names, NULL);
  return g_strjoinv (" ", (char **) items);
}

static gboolean
step_flag (LabLessonStep *step,
           const char    *name)
{
  gboolean value = FALSE;

  if (step->run != NULL && step->run->result_fields != NULL)
    g_variant_lookup (step->run->result_fields, name, "b", &value);
  return value;
}

static char *
step_text (LabLessonStep *step,
           const char    *name)
{
  const char *value = "";

  if (step->run != NULL && step->run->result_fields != NULL)
    g_variant_lookup (step->run->result_fields, name, "&s", &value);
  return g_strdup (value);
}

/* A wait the caller would notice on a timeline: a millisecond. */
#define BLOCKED_US 1000

/* steps: the thread pool's run, done () of the first call, its result (),
 * the process pool's run */
static char *
futures_verdict (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  g_autoptr(GString) verdict = g_string_new (NULL);
  g_autofree char *submitted = join_names (&s[0], "submitted");
  g_autofree char *completed = join_names (&s[0], "completed");
  g_autofree char *process_completed = join_names (&s[3], "completed");
  g_autofree char *threads_digest = step_text (&s[0], "digest");
  g_autofree char *processes_digest = step_text (&s[3], "digest");

  if (!step_flag (&s[0], "done") && s[2].value_us >= BLOCKED_US)
    /* The clock counts whole µs: a done () under one reads as 0. */
    g_string_append_printf (verdict, _("done () answered within %" PRId64 " µs that the first "
                                       "call was not finished, while result () kept the caller "
                                       "waiting %.2f s until it was."),
                            MAX (s[1].value_us, 1), s[2].value_us / 1e6);
  else
    g_string_append_printf (verdict, _("Unexpected: result () of the first call kept the caller "
                                       "waiting only %.3f s — the call had finished before "
                                       "anyone asked."), s[2].value_us / 1e6);

  if (g_strcmp0 (submitted, completed) != 0)
    g_string_append_printf (verdict, _(" The calls finished in the order %s, yet the results came "
                                       "back in submission order, %s: result () waits for each "
                                       "in turn, as map () does."), completed, submitted);
  else
    g_string_append_printf (verdict, _(" This time the calls finished in submission order too "
                                       "(%s), so the orders do not tell apart here."), submitted);

  if (step_flag (&s[0], "cancel_queued"))
    g_string_append (verdict, _(" cancel () took back a call still waiting in the queue."));
  else
    g_string_append (verdict, _(" cancel () could not take back the call in the queue: a thread "
                                "had already started it."));
  if (!step_flag (&s[0], "cancel_running"))
    g_string_append (verdict, _(" It could not stop the call already running, as in Python."));
  else
    g_string_append (verdict, _(" Unexpectedly, it cancelled the call already running."));

  if (g_strcmp0 (threads_digest, processes_digest) == 0)
    g_string_append_printf (verdict, _(" On a process pool the same map () gave the same results; "
                                       "there the calls finished in the order %s."),
                            process_completed);
  else
    g_string_append_printf (verdict, _(" On a process pool the same map () gave other results "
                                       "(%s instead of %s)."), processes_digest, threads_digest);

  return g_string_free (g_steal_pointer (&verdict), FALSE);
}

const LabLesson lab_lesson_futures = {
  .id = "futures",
  .seed = "001",
  .title = N_("Futures: submit, wait, map and cancel"),
  .short_title = N_("Futures on a pool"),
  .explanation =
    N_("concurrent.futures on two workers: four files are hashed, the biggest submitted first. "
       "submit () hands back a future at once; done () only looks, result () blocks the caller "
       "until the call is over; a call still in the queue can be cancelled, a running one cannot. "
       "The caller’s waits have their own lane on the timeline. Then the same map () runs on a "
       "process pool."),
  .question =
    N_("Predict: in what order do the calls finish, in what order does map () return them, and "
       "which cancel () succeeds?"),
  .run = futures_run,
  .verdict = futures_verdict,
};
