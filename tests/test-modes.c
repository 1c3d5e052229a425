/* test-modes.c — every workload in every mode, the same verified result
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include "lab-test-util.h"

static void
check_records (const LabRun *run,
               guint         workers)
{
  for (guint i = 0; i < run->n_records; i++)
    {
      const LabTaskRecord *record = &run->records[i];

      g_assert_cmpuint (record->index, ==, i);
      g_assert_null (record->error);
      g_assert_nonnull (record->value);
      g_assert_nonnull (record->name);
      g_assert_cmpint (record->start_us, >=, run->start_us);
      g_assert_cmpint (record->end_us, >=, record->start_us);
      g_assert_cmpint (record->lane, >=, 0);
      g_assert_cmpint (record->lane, <, (gint) workers);

      switch (run->mode)
        {
        case LAB_MODE_SEQUENTIAL:
          g_assert_cmpint (record->lane, ==, 0);
          g_assert_cmpint (record->pid, ==, getpid ());
          if (i > 0)   /* strictly one after another */
            g_assert_cmpint (record->start_us, >=, run->records[i - 1].end_us);
          break;
        case LAB_MODE_THREADS:
          g_assert_cmpint (record->pid, ==, getpid ());
          break;
        case LAB_MODE_PROCESSES:
        case LAB_MODE_PROCESSES_ASYNC:
          g_assert_cmpint (record->pid, !=, getpid ());
          g_assert_cmpint (record->pid, >, 0);
          break;
        case LAB_MODE_ASYNC:
          g_assert_cmpint (record->lane, ==, 0);   /* one loop, one thread */
          g_assert_cmpint (record->pid, ==, getpid ());
          break;
        case LAB_N_MODES:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
test_same_result (gconstpointer data)
{
  const char *name = data;
  g_autoptr(LabWorkload) workload = lab_test_workload (name, 7, 3);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autofree char *first_result = NULL;

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      g_test_message ("%s %s: %s", name, lab_mode_to_string (mode), run->verify_error);
      g_assert_true (lab_run_is_ok (run));
      g_assert_cmpuint (run->tasks_ok, ==, 7);
      g_assert_cmpuint (run->workers, ==, mode == LAB_MODE_SEQUENTIAL ? 1 : 3);
      g_assert_cmpint (run->wall_us, >, 0);
      check_records (run, run->workers);

      if (first_result == NULL)
        first_result = g_strdup (run->result);
      g_assert_cmpstr (run->result, ==, first_result);
    }
}

static void
test_sha256_same_everywhere (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);

  g_free (plan->algo);
  plan->algo = g_strdup ("sha256");
  plan->tasks = 5;
  plan->size = 3000;   /* above hashlib's GIL threshold */
  plan->workers = 2;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      g_assert_true (lab_run_is_ok (run));
      for (guint i = 0; i < run->n_records; i++)
        {
          g_assert_cmpuint (strlen (run->records[i].value), ==, 64);
          if (mode == 0)
            g_ptr_array_add (values, g_strdup (run->records[i].value));
          else
            g_assert_cmpstr (run->records[i].value, ==, g_ptr_array_index (values, i));
        }
    }
}

/* Count, don't time: how many tasks were in flight at once. */
static void
test_concurrency_is_real (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = 8;
  plan->workers = 4;
  plan->task_ms = 150;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);
      guint overlap = lab_test_max_overlap (run);

      g_test_message ("%s: %u at once", lab_mode_to_string (mode), overlap);
      g_assert_true (lab_run_is_ok (run));
      if (mode == LAB_MODE_SEQUENTIAL)
        g_assert_cmpuint (overlap, ==, 1);
      else
        {
          /* Never more than the workers (processes + async: 4 × 250 in
           * flight, so all 8); and with 150 ms waits they do overlap. */
          g_assert_cmpuint (overlap, <=, mode == LAB_MODE_PROCESSES_ASYNC ? 8 : 4);
          g_assert_cmpuint (overlap, >=, 2);
        }
    }
}

/* On an event loop, computing blocks everything else: CPU tasks never
 * overlap, however many may be in flight. */
static void
test_async_cpu_blocks_the_loop (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = lab_test_workload ("cpu", 6, 6);
  g_autoptr(LabRun) run = lab_test_run (runner, workload, LAB_MODE_ASYNC, NULL);

  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (lab_test_max_overlap (run), ==, 1);
}

/* Every timer and cancel watch of an async run is gone when it ends: a
 * leftover would keep its task alive and slow every later loop iteration. */
static void
test_async_leaves_nothing_behind (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = 200;
  plan->workers = 10;
  plan->task_ms = 0;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  run = lab_test_run (runner, workload, LAB_MODE_ASYNC, cancellable);
  g_assert_true (lab_run_is_ok (run));
  g_assert_false (g_signal_has_handler_pending (cancellable,
                                                g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                0, FALSE));
}

static void
test_events (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(LabWorkload) workload = lab_test_workload ("sleep", 9, 3);

  lab_runner_set_events (runner, events);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);
      g_autoptr(GArray) batch = lab_event_buffer_drain (events);
      guint started[9] = { 0 }, finished[9] = { 0 };
      guint run_started = 0, run_finished = 0;

      g_assert_true (lab_run_is_ok (run));

      for (guint i = 0; i < batch->len; i++)
        {
          const LabEvent *event = &g_array_index (batch, LabEvent, i);

          g_assert_cmpint (event->mode, ==, mode);
          switch (event->kind)
            {
            case LAB_EVENT_RUN_STARTED:
              g_assert_cmpuint (run_started++, ==, 0);
              g_assert_cmpuint (event->task, ==, 9);
              break;
            case LAB_EVENT_TASK_STARTED:
              g_assert_cmpuint (event->task, <, 9);
              g_assert_cmpuint (finished[event->task], ==, 0);
              started[event->task]++;
              break;
            case LAB_EVENT_TASK_FINISHED:
              g_assert_cmpuint (event->task, <, 9);
              g_assert_cmpuint (started[event->task], ==, 1);
              g_assert_true (event->ok);
              g_assert_cmpint (event->time_us, ==, run->records[event->task].end_us);
              g_assert_cmpint (event->lane, ==, run->records[event->task].lane);
              finished[event->task]++;
              break;
            case LAB_EVENT_RUN_FINISHED:
              g_assert_cmpuint (run_finished++, ==, 0);
              g_assert_true (event->ok);
              break;
            case LAB_EVENT_WORKER_STARTED:
              g_assert_true (lab_mode_uses_processes (mode));
              break;
            case LAB_EVENT_TASK_SPAN:
              /* A task's waits come with it, before its finish. */
              g_assert_cmpuint (event->task, <, 9);
              g_assert_cmpuint (started[event->task], ==, 1);
              g_assert_cmpuint (finished[event->task], ==, 0);
              break;
            case LAB_EVENT_CORES_BUSY:
              g_assert_cmpfloat (event->cores, >=, 0);
              break;
            case LAB_EVENT_WORKER_LOST:
            default:
              g_assert_not_reached ();
            }
        }

      g_assert_cmpuint (run_started, ==, 1);
      g_assert_cmpuint (run_finished, ==, 1);
      for (guint t = 0; t < 9; t++)
        {
          g_assert_cmpuint (started[t], ==, 1);
          g_assert_cmpuint (finished[t], ==, 1);
        }
    }
}

/* Cancel a run whose tasks are much longer than the time we allow: every
 * mode must stop each running task, not let it run to its end.  Nothing
 * here races a timer: a task that ignores the Cancel button takes its full
 * length (20 s for a wait, ~2.5 s for the largest sum), far beyond the
 * limit, however slow or fast the machine is today. */
static void
test_cancel (gconstpointer data)
{
  const char *name = data;
  gboolean is_sleep = g_str_equal (name, "sleep");
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new (name);
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 limit;

  plan->tasks = 4;
  plan->workers = 2;
  plan->task_ms = 20000;                 /* a wait of 20 s: twice the limit */
  plan->n = LAB_MAX_CPU_N;               /* the longest sum we allow */
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  /* A sum cannot be made as long as a wait, so its limit is tighter;
   * both are many times the ~0.2 s a prompt stop takes. */
  limit = is_sleep ? 10 * G_USEC_PER_SEC : 2 * G_USEC_PER_SEC;

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(LabRun) run = NULL;
      gint64 start, took;

      if (mode == LAB_MODE_PROCESSES)   /* start-up is not what we time here */
        g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, NULL));

      start = g_get_monotonic_time ();
      lab_test_cancel_after (cancellable, 200);
      run = lab_test_run (runner, workload, mode, cancellable);
      took = g_get_monotonic_time () - start;

      g_test_message ("%s %s: stopped after %.3f s", name, lab_mode_to_string (mode), took / 1e6);
      g_assert_true (run->cancelled);
      g_assert_false (run->verified);
      g_assert_false (lab_run_is_ok (run));
      g_assert_cmpuint (run->tasks_failed, >, 0);
      g_assert_cmpuint (run->tasks_ok + run->tasks_failed, ==, 4);
      g_assert_cmpint (took, <, limit);
    }
}

/* Cancelled before it starts: no mode may run a single task. */
static void
test_cancelled_before_start (gconstpointer data)
{
  const char *name = data;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = lab_test_workload (name, 5, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  g_assert_true (lab_runner_prepare_processes (runner, 2, NULL, NULL));

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabRun) run = lab_runner_run (runner, workload, mode, cancellable, &error);

      if (run == NULL)   /* refused outright: fine, nothing ran */
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          continue;
        }
      g_assert_true (run->cancelled);
      g_assert_cmpuint (run->tasks_failed, ==, 5);
      for (guint i = 0; i < run->n_records; i++)
        g_assert_null (run->records[i].value);
    }
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  LabRun **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = lab_runner_run_finish (NULL, result, &error);
  g_assert_no_error (error);
}

static void
test_run_async (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = lab_test_workload ("sleep", 4, 2);
  g_autoptr(LabRun) run = NULL;

  lab_runner_run_async (runner, workload, LAB_MODE_THREADS, NULL, run_done_cb, &run);
  while (run == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (lab_run_is_ok (run));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/lab/modes/same-result/sleep", "sleep", test_same_result);
  g_test_add_data_func ("/lab/modes/same-result/cpu", "cpu", test_same_result);
  g_test_add_data_func ("/lab/modes/same-result/hash", "hash", test_same_result);
  g_test_add_func ("/lab/modes/sha256-same-everywhere", test_sha256_same_everywhere);
  g_test_add_func ("/lab/modes/concurrency-is-real", test_concurrency_is_real);
  g_test_add_func ("/lab/modes/async-cpu-blocks-the-loop", test_async_cpu_blocks_the_loop);
  g_test_add_func ("/lab/modes/async-leaves-nothing-behind", test_async_leaves_nothing_behind);
  g_test_add_func ("/lab/modes/events", test_events);
  g_test_add_data_func ("/lab/modes/cancel/sleep", "sleep", test_cancel);
  g_test_add_data_func ("/lab/modes/cancel/cpu", "cpu", test_cancel);
  g_test_add_func ("/lab/modes/run-async", test_run_async);
  g_test_add_data_func ("/lab/modes/cancelled-before-start/sleep", "sleep", test_cancelled_before_start);
  g_test_add_data_func ("/lab/modes/cancelled-before-start/cpu", "cpu", test_cancelled_before_start);
  g_test_add_data_func ("/lab/modes/cancelled-before-start/hash", "hash", test_cancelled_before_start);

  return g_test_run ();
}
