/* test-processes.c — the worker-process pool: crashes, cancel, clean exit
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every run here has a deadline of its own (run_within ()): a lost task or
 * a hung pool fails the test at once with a sentence saying so, instead of
 * hanging until meson's timeout.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab-process-pool.h"
#include "lab-test-util.h"

/* Far above what any run here needs (about 1 s), far below meson's 120 s. */
#define RUN_DEADLINE_S 20

typedef enum
{
  CANCEL_NEVER,
  CANCEL_AFTER_CALL,    /* ms after the run was asked for (say, while workers start) */
  CANCEL_AFTER_CLOCK,   /* ms after the run's clock started (its inputs are made) */
} CancelWhen;

typedef struct
{
  LabRun         *run;
  GError         *error;
  gboolean        done;
  gboolean        late;
  GCancellable   *cancellable;
  guint           cancel_ms;
  GSource        *cancel;
  LabEventBuffer *events;
  gint64          cancelled_at;
  gint64          ended_at;
} AsyncRun;

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  AsyncRun *async = data;

  async->run = lab_runner_run_finish (NULL, result, &async->error);
  async->ended_at = g_get_monotonic_time ();
  async->done = TRUE;
}

static gboolean
run_late_cb (gpointer data)
{
  AsyncRun *async = data;

  async->late = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
run_cancel_cb (gpointer data)
{
  AsyncRun *async = data;

  async->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (async->cancellable);
  return G_SOURCE_REMOVE;
}

static void
run_arm_cancel (AsyncRun *async)
{
  async->cancel = g_timeout_source_new (async->cancel_ms);
  g_source_set_callback (async->cancel, run_cancel_cb, async, NULL);
  g_source_attach (async->cancel, g_main_context_get_thread_default ());
}

static gboolean
run_watch_clock_cb (gpointer data)
{
  AsyncRun *async = data;
  g_autoptr(GArray) batch = lab_event_buffer_drain (async->events);

  for (guint i = 0; i < batch->len; i++)
    if (g_array_index (batch, LabEvent, i).kind == LAB_EVENT_RUN_STARTED)
      {
        run_arm_cancel (async);
        return G_SOURCE_REMOVE;
      }

  return G_SOURCE_CONTINUE;
}

static void
drop_source (GSource *source)
{
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* Runs @workload in processes mode on another thread while this one keeps
 * the clock; presses Cancel @cancel_ms after @when.  The run must end
 * within @seconds, or the test stops here and says why. */
static LabRun *
run_within (LabRunner    *runner,
            LabWorkload  *workload,
            CancelWhen    when,
            guint         cancel_ms,
            guint         seconds,
            gint64       *cancel_to_end_us,
            GError      **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncRun async = { .cancellable = cancellable, .cancel_ms = cancel_ms };
  GSource *late, *watch = NULL;

  g_main_context_push_thread_default (context);

  late = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (late, run_late_cb, &async, NULL);
  g_source_attach (late, context);
  if (when == CANCEL_AFTER_CALL)
    run_arm_cancel (&async);
  else if (when == CANCEL_AFTER_CLOCK)
    {
      async.events = lab_event_buffer_new ();
      lab_runner_set_events (runner, async.events);
      watch = g_timeout_source_new (5);
      g_source_set_callback (watch, run_watch_clock_cb, &async, NULL);
      g_source_attach (watch, context);
    }

  lab_runner_run_async (runner, workload, LAB_MODE_PROCESSES, cancellable, run_done_cb, &async);
  while (!async.done && !async.late)
    g_main_context_iteration (context, TRUE);

  if (!async.done)
    g_error ("%s: the run did not end within %u s: a task was lost or the pool hangs",
             g_test_get_path (), seconds);

  drop_source (late);
  drop_source (watch);
  drop_source (async.cancel);
  if (async.events != NULL)
    {
      lab_runner_set_events (runner, NULL);
      lab_event_buffer_unref (async.events);
    }
  g_main_context_pop_thread_default (context);

  if (cancel_to_end_us != NULL)
    *cancel_to_end_us = async.cancelled_at > 0 ? async.ended_at - async.cancelled_at : -1;
  if (async.error != NULL)
    g_propagate_error (error, async.error);
  return async.run;
}

/* A run that must come back (perhaps cancelled), within the deadline. */
static LabRun *
run_ok (LabRunner   *runner,
        LabWorkload *workload)
{
  g_autoptr(GError) error = NULL;
  LabRun *run = run_within (runner, workload, CANCEL_NEVER, 0, RUN_DEADLINE_S, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (run);
  return run;
}

static gboolean
pid_in (GArray *pids,
        gint    pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, gint, i) == pid)
      return TRUE;
  return FALSE;
}

static gint
first_pid (LabRunner *runner)
{
  g_autoptr(GArray) pids = lab_runner_dup_worker_pids (runner);

  g_assert_cmpuint (pids->len, >, 0);
  return g_array_index (pids, gint, 0);
}

static gboolean
pool_is_whole (LabRunner *runner,
               guint      workers,
               gint       without)
{
  g_autoptr(GArray) pids = lab_runner_dup_worker_pids (runner);

  if (pids->len != workers)
    return FALSE;
  for (guint i = 0; i < pids->len; i++)
    {
      gint pid = g_array_index (pids, gint, i);

      if (pid == 0 || pid == without || kill (pid, 0) != 0)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gint pid;
  guint delay_ms;
} Killer;

static gpointer
kill_thread (gpointer data)
{
  Killer *killer = data;

  g_usleep (killer->delay_ms * 1000);
  kill (killer->pid, SIGKILL);
  return NULL;
}

/* SIGKILL a busy worker mid-run: its task is done again elsewhere, a new
 * worker takes its place, and the run still completes and verifies. */
static void
test_killed_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(LabRun) again = NULL;
  g_autoptr(GArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  Killer killer;
  GThread *thread;
  guint lost = 0;

  plan->tasks = 24;
  plan->workers = 4;
  plan->task_ms = 100;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  lab_runner_set_events (runner, events);
  g_assert_true (lab_runner_prepare_processes (runner, 4, NULL, &error));
  g_assert_no_error (error);

  killer.pid = first_pid (runner);
  killer.delay_ms = 250;
  thread = g_thread_new ("killer", kill_thread, &killer);
  run = run_ok (runner, workload);
  g_thread_join (thread);

  g_test_message ("respawns: %u; %s", run->respawns, run->verify_error);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_ok, ==, 24);
  g_assert_cmpuint (run->respawns, >=, 1);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].pid, !=, 0);

  batch = lab_event_buffer_drain (events);
  for (guint i = 0; i < batch->len; i++)
    lost += g_array_index (batch, LabEvent, i).kind == LAB_EVENT_WORKER_LOST;
  g_assert_cmpuint (lost, >=, 1);

  /* The pool is whole again, without the dead worker... */
  for (guint tries = 0; tries < 200 && !pool_is_whole (runner, 4, killer.pid); tries++)
    g_usleep (10000);
  g_assert_true (pool_is_whole (runner, 4, killer.pid));

  /* ...and it works. */
  again = run_ok (runner, workload);
  g_assert_true (lab_run_is_ok (again));
  g_assert_cmpuint (again->respawns, ==, 0);
}

/* Cancel mid-run, then drop the runner: nothing of ours may remain. */
static void
test_cancel_leaves_no_child (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  plan->tasks = 20;
  plan->workers = 4;
  plan->task_ms = 1000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  g_assert_true (lab_runner_prepare_processes (runner, 4, NULL, &error));
  g_assert_cmpuint (lab_test_count_children (), ==, 4);

  start = g_get_monotonic_time ();
  run = run_within (runner, workload, CANCEL_AFTER_CLOCK, 300, RUN_DEADLINE_S, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->cancelled);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

/* A computing worker hears Cancel too (its reader thread is never busy). */
static void
test_cancel_busy_cpu_worker (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  plan->tasks = 2;
  plan->workers = 2;
  plan->n = G_GUINT64_CONSTANT (6000000000);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));

  start = g_get_monotonic_time ();
  run = run_within (runner, workload, CANCEL_AFTER_CLOCK, 200, RUN_DEADLINE_S, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->cancelled);
  g_assert_cmpuint (run->tasks_failed, ==, 2);
  /* Stopped by the message, not by the 500 ms kill: no worker replaced. */
  g_assert_cmpuint (run->respawns, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_startup_measured (void)
{
  g_autoptr(LabProcessPool) pool = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;

  pool = lab_process_pool_new (3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lab_process_pool_get_startup_us (pool), >, 0);
  pids = lab_process_pool_dup_pids (pool);
  g_assert_cmpuint (pids->len, ==, 3);
  for (guint i = 0; i < pids->len; i++)
    g_assert_cmpint (g_array_index (pids, gint, i), >, 0);

  g_clear_pointer (&pool, lab_process_pool_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

static void
test_bad_executable (void)
{
  const char *bad[] = { "/nonexistent/concurrency-lab", "/bin/false" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      LabProcessPool *pool;

      pool = lab_process_pool_new_for_executable (bad[i], 2, NULL, &error);
      g_assert_null (pool);
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER);
      g_test_message ("%s", error->message);
    }

  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

/* Workers die with the app even when it cannot clean up: SIGKILL a bench
 * that has a pool, and its workers must go too. */
static void
test_workers_die_with_app (void)
{
  const char *binary = lab_test_binary ();
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workers = NULL;
  gboolean gone = FALSE;

  if (binary == NULL)
    return;

  bench = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, binary, "bench", "--modes=processes", "--workload=sleep",
                            "--tasks=10", "--task-ms=5000", "--workers=3", NULL);
  g_assert_no_error (error);

  /* Find its workers: processes whose parent is the bench. */
  for (guint tries = 0; tries < 300; tries++)
    {
      g_autofree char *out = NULL;
      g_autofree char *cmd = g_strdup_printf ("pgrep -P %s", g_subprocess_get_identifier (bench));

      g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
      if (out != NULL && g_strv_length (g_strsplit (out, "\n", -1)) >= 4)
        {
          workers = g_steal_pointer (&out);
          break;
        }
      g_usleep (10000);
    }
  g_assert_nonnull (workers);

  g_subprocess_force_exit (bench);
  g_subprocess_wait (bench, NULL, NULL);

  for (guint tries = 0; tries < 200 && !gone; tries++)
    {
      g_auto(GStrv) pids = g_strsplit (workers, "\n", -1);

      gone = TRUE;
      for (guint i = 0; pids[i] != NULL; i++)
        if (*pids[i] && kill (atoi (pids[i]), 0) == 0)
          {
            g_autofree char *stat_path = g_strdup_printf ("/proc/%s/stat", pids[i]);
            g_autofree char *stat = NULL;

            /* A zombie waiting for init to reap it counts as gone. */
            if (g_file_get_contents (stat_path, &stat, NULL, NULL) && !strstr (stat, ") Z "))
              gone = FALSE;
          }
      if (!gone)
        g_usleep (10000);
    }
  g_assert_true (gone);
}

static LabWorkload *
sleep_workload (guint    tasks,
                guint    workers,
                gboolean fresh)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->tasks = tasks;
  plan->workers = workers;
  plan->task_ms = 10;
  plan->fresh_workers = fresh;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* Start-up belongs to the run that paid it: the first run on a new pool,
 * nothing on a warm one, and again on a pool the plan asked to be fresh. */
static void
test_startup_paid_once (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) warm_ok = sleep_workload (4, 2, FALSE);
  g_autoptr(LabWorkload) fresh = sleep_workload (4, 2, TRUE);
  g_autoptr(LabRun) first = NULL, second = NULL, third = NULL, fourth = NULL;
  g_autoptr(GArray) pids = NULL, fresh_pids = NULL;

  first = run_ok (runner, warm_ok);
  g_assert_true (lab_run_is_ok (first));
  g_assert_cmpint (first->startup_us, >, 0);
  g_assert_false (first->warm_start);
  pids = lab_runner_dup_worker_pids (runner);

  second = run_ok (runner, warm_ok);
  g_test_message ("start-up: first run %.3f ms, second %.3f ms", first->startup_us / 1e3,
                  second->startup_us / 1e3);
  g_assert_true (lab_run_is_ok (second));
  g_assert_cmpint (second->startup_us, ==, 0);
  g_assert_true (second->warm_start);
  for (guint i = 0; i < second->n_records; i++)
    g_assert_true (pid_in (pids, second->records[i].pid));

  third = run_ok (runner, fresh);
  g_assert_true (lab_run_is_ok (third));
  g_assert_cmpint (third->startup_us, >, 0);
  g_assert_false (third->warm_start);
  fresh_pids = lab_runner_dup_worker_pids (runner);
  for (guint i = 0; i < fresh_pids->len; i++)
    g_assert_false (pid_in (pids, g_array_index (fresh_pids, gint, i)));
  for (guint i = 0; i < third->n_records; i++)
    g_assert_true (pid_in (fresh_pids, third->records[i].pid));
  g_assert_cmpuint (lab_test_count_children (), ==, 2);

  /* The fresh pool is warm for the next ordinary run. */
  fourth = run_ok (runner, warm_ok);
  g_assert_cmpint (fourth->startup_us, ==, 0);
  g_assert_true (fourth->warm_start);
}

typedef struct
{
  LabRunner *runner;
  gint       stop;
  guint      reads;
  guint      wrong;
} PidReader;

static gpointer
pid_reader_thread (gpointer data)
{
  PidReader *reader = data;

  /* What a window does from the UI thread while runs go on. */
  while (!g_atomic_int_get (&reader->stop))
    {
      g_autoptr(GArray) pids = lab_runner_dup_worker_pids (reader->runner);

      reader->reads++;
      if (pids->len > 3)
        reader->wrong++;
      for (guint i = 0; i < pids->len; i++)
        if (g_array_index (pids, gint, i) < 0)
          reader->wrong++;
    }

  return NULL;
}

#define N_PID_READERS       4
#define N_POOL_REPLACEMENTS 24

/* Runs with different worker counts replace the pool while another thread
 * keeps asking for its pids: it must never read a freed pool (ASan sees
 * it; without ASan it shows as garbage or a crash). */
static void
test_pids_while_pool_replaced (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  PidReader readers[N_PID_READERS];
  GThread *threads[N_PID_READERS];
  guint reads = 0;

  /* More readers than cores: they get preempted at every point of their
   * loop, also between finding the pool and reading it. */
  for (guint i = 0; i < N_PID_READERS; i++)
    {
      readers[i] = (PidReader) { .runner = runner };
      threads[i] = g_thread_new ("pid-reader", pid_reader_thread, &readers[i]);
    }
  for (guint i = 0; i < N_POOL_REPLACEMENTS; i++)
    {
      g_autoptr(LabWorkload) workload = sleep_workload (2, 1 + i % 3, FALSE);
      g_autoptr(LabRun) run = run_ok (runner, workload);

      g_assert_true (lab_run_is_ok (run));
    }
  for (guint i = 0; i < N_PID_READERS; i++)
    {
      g_atomic_int_set (&readers[i].stop, TRUE);
      g_thread_join (threads[i]);
      reads += readers[i].reads;
      g_assert_cmpuint (readers[i].wrong, ==, 0);
    }

  g_test_message ("%u reads while the pool was replaced %u times", reads, N_POOL_REPLACEMENTS);
  g_assert_cmpuint (reads, >, 0);
}

static LabWorkload *
big_input_workload (guint tasks,
                    guint workers)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  /* 4 MiB per task: far more than a pipe holds (64 KiB). */
  plan->tasks = tasks;
  plan->workers = workers;
  plan->size = 4 << 20;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* A worker that stops reading its stdin (SIGSTOP) while the pool has 4 MiB
 * to write to it: the write must not block the pool; after the stall bound
 * the worker counts as dead, its task goes to another, and the run ends. */
static void
test_stopped_worker_is_replaced (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = big_input_workload (6, 2);
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint stopped;

  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));
  g_assert_no_error (error);
  stopped = first_pid (runner);
  g_assert_cmpint (kill (stopped, SIGSTOP), ==, 0);

  start = g_get_monotonic_time ();
  run = run_ok (runner, workload);
  g_test_message ("run with a stopped worker: %.2f s, %u respawns; %s",
                  (g_get_monotonic_time () - start) / 1e6, run->respawns,
                  run->verify_error ? run->verify_error : "verified");
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->tasks_ok, ==, 6);
  g_assert_cmpuint (run->respawns, >=, 1);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].pid, !=, stopped);

  /* It was killed (a stopped process dies of SIGKILL too) and reaped. */
  g_assert_cmpint (kill (stopped, 0), !=, 0);
}

/* The same stopped worker, and Cancel: the run ends within about the
 * cancel grace (0.5 s).  With big inputs the pool is stuck writing to it;
 * with small ones its task and the CANCEL sit unread in its pipe, and only
 * the kill after the grace period can end the run. */
static void
test_cancel_with_stopped_worker (gconstpointer data)
{
  gboolean big = GPOINTER_TO_INT (data);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = big ? big_input_workload (40, 2) : sleep_workload (40, 2, FALSE);
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cancel_to_end = 0;
  gint stopped;

  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, &error));
  stopped = first_pid (runner);
  g_assert_cmpint (kill (stopped, SIGSTOP), ==, 0);

  run = run_within (runner, workload, CANCEL_AFTER_CLOCK, 300, RUN_DEADLINE_S, &cancel_to_end,
                    &error);
  g_assert_no_error (error);
  g_test_message ("Cancel to end of run with a stopped worker: %.3f s", cancel_to_end / 1e6);
  g_assert_true (run->cancelled);
  /* About 0.5 s in practice; 5 s only so that a loaded machine never fails it. */
  g_assert_cmpint (cancel_to_end, >=, 0);
  g_assert_cmpint (cancel_to_end, <, 5 * G_USEC_PER_SEC);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
}

static char *
write_script (const char *dir,
              const char *name,
              const char *body)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n%s\n", body);
  g_autoptr(GError) error = NULL;

  /* Atomic (a rename), so a worker being started never sees half a script. */
  g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* A "worker" that closes its stdin, then says hello like a real one and
 * lives on: every write to it fails with EPIPE.  That must neither kill the
 * app (SIGPIPE) nor make the pool respawn forever: the run fails with a
 * sentence, and the next run gets a whole new pool, not the broken one. */
static void
test_workers_that_keep_dying (void)
{
  g_autofree char *real = g_strdup (g_getenv (LAB_WORKER_EXECUTABLE_ENV));
  g_autofree char *dir = g_dir_make_tmp ("lab-test-XXXXXX", NULL);
  g_autofree char *deaf = NULL;
  g_autofree char *exec_real = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = sleep_workload (8, 2, FALSE);
  g_autoptr(LabRun) failed = NULL, again = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  struct sigaction before, after;

  g_assert_nonnull (real);
  /* The hello frame: length 4, type 1 (HELLO), then an int32. */
  deaf = write_script (dir, "worker",
                       "exec 0<&-\n"
                       "printf '\\004\\000\\000\\000\\001\\000\\000\\000\\001\\000\\000\\000'\n"
                       "exec sleep 60");

  /* SIGPIPE as a freshly started app has it: a write to a closed pipe
   * kills the process unless the library deals with it itself. */
  signal (SIGPIPE, SIG_DFL);
  sigaction (SIGPIPE, NULL, &before);

  lab_runner_set_worker_executable (runner, deaf);
  failed = run_within (runner, workload, CANCEL_NEVER, 0, RUN_DEADLINE_S, NULL, &error);

  g_assert_null (failed);
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, deaf));
  g_clear_error (&error);

  /* The library left the app's signal handling alone. */
  sigaction (SIGPIPE, NULL, &after);
  g_assert_true (after.sa_handler == before.sa_handler);
  g_assert_true (after.sa_handler == SIG_DFL);

  /* The same program works again now.  The broken pool must not be
   * reused: a new one, with real workers, all of them. */
  exec_real = g_strdup_printf ("exec '%s' \"$@\"", real);
  g_free (write_script (dir, "worker", exec_real));
  again = run_ok (runner, workload);
  g_assert_true (lab_run_is_ok (again));
  g_assert_cmpuint (again->respawns, ==, 0);
  pids = lab_runner_dup_worker_pids (runner);
  g_assert_cmpuint (pids->len, ==, 2);
  for (guint i = 0; i < again->n_records; i++)
    g_assert_true (pid_in (pids, again->records[i].pid));

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  g_unlink (deaf);
  g_rmdir (dir);
}

/* A lane's worker is killed between runs and no new worker can start any
 * more (the program now exits at once): the next run fails with a sentence,
 * whether the pool noticed before the run or during it; it never waits. */
static void
test_respawn_impossible (void)
{
  g_autofree char *real = g_strdup (g_getenv (LAB_WORKER_EXECUTABLE_ENV));
  g_autofree char *dir = g_dir_make_tmp ("lab-test-XXXXXX", NULL);
  g_autofree char *wrapper = NULL;
  g_autofree char *exec_real = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = sleep_workload (8, 2, FALSE);
  g_autoptr(LabRun) first = NULL, second = NULL;
  g_autoptr(GError) error = NULL;
  gint victim;

  g_assert_nonnull (real);
  exec_real = g_strdup_printf ("exec '%s' \"$@\"", real);
  wrapper = write_script (dir, "worker", exec_real);

  lab_runner_set_worker_executable (runner, wrapper);
  first = run_ok (runner, workload);
  g_assert_true (lab_run_is_ok (first));

  g_free (write_script (dir, "worker", "exit 1"));
  victim = first_pid (runner);
  g_assert_cmpint (kill (victim, SIGKILL), ==, 0);

  second = run_within (runner, workload, CANCEL_NEVER, 0, RUN_DEADLINE_S, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER);
  g_test_message ("%s", error->message);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  g_unlink (wrapper);
  g_rmdir (dir);
}

/* Workers that never say hello (they hang before they are ready), and
 * Cancel: the run ends at once, cancelled, not after the 10 s start-up
 * timeout. */
static void
test_cancel_while_workers_start (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-test-XXXXXX", NULL);
  g_autofree char *mute = write_script (dir, "worker", "exec sleep 60");
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = sleep_workload (4, 2, FALSE);
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cancel_to_end = 0;

  lab_runner_set_worker_executable (runner, mute);
  run = run_within (runner, workload, CANCEL_AFTER_CALL, 300, RUN_DEADLINE_S, &cancel_to_end,
                    &error);
  g_test_message ("Cancel to end while workers start: %.3f s", cancel_to_end / 1e6);
  g_assert_no_error (error);
  /* Still a run, as a cancelled one always is: no task got done. */
  g_assert_true (run->cancelled);
  g_assert_cmpuint (run->tasks_failed, ==, 4);
  g_assert_cmpint (run->startup_us, ==, 0);
  g_assert_cmpint (cancel_to_end, >=, 0);
  g_assert_cmpint (cancel_to_end, <, 5 * G_USEC_PER_SEC);

  g_clear_pointer (&runner, lab_runner_free);
  g_assert_cmpuint (lab_test_count_children (), ==, 0);
  g_unlink (mute);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/processes/killed-worker", test_killed_worker);
  g_test_add_func ("/lab/processes/cancel-leaves-no-child", test_cancel_leaves_no_child);
  g_test_add_func ("/lab/processes/cancel-busy-cpu-worker", test_cancel_busy_cpu_worker);
  g_test_add_func ("/lab/processes/startup-measured", test_startup_measured);
  g_test_add_func ("/lab/processes/bad-executable", test_bad_executable);
  g_test_add_func ("/lab/processes/workers-die-with-app", test_workers_die_with_app);
  g_test_add_func ("/lab/processes/startup-paid-once", test_startup_paid_once);
  g_test_add_func ("/lab/processes/pids-while-pool-replaced", test_pids_while_pool_replaced);
  g_test_add_func ("/lab/processes/stopped-worker-is-replaced", test_stopped_worker_is_replaced);
  g_test_add_data_func ("/lab/processes/cancel-with-stopped-worker/big-input",
                        GINT_TO_POINTER (TRUE), test_cancel_with_stopped_worker);
  g_test_add_data_func ("/lab/processes/cancel-with-stopped-worker/small-input",
                        GINT_TO_POINTER (FALSE), test_cancel_with_stopped_worker);
  g_test_add_func ("/lab/processes/workers-that-keep-dying", test_workers_that_keep_dying);
  g_test_add_func ("/lab/processes/respawn-impossible", test_respawn_impossible);
  g_test_add_func ("/lab/processes/cancel-while-workers-start", test_cancel_while_workers_start);

  return g_test_run ();
}
