/* test-futures.c — the executor behaves like concurrent.futures: done ()
 * never waits, result () does, cancel () only takes back queued calls, map ()
 * keeps submission order, and the caller's waits are on a lane of their own
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "lab-files.h"
#include "lab-futures.h"
#include "lab-test-util.h"

static LabWorkload *
sleep_workload (guint tasks,
                guint task_ms)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->tasks = tasks;
  plan->workers = 1;
  plan->task_ms = task_ms;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* done () looks and returns, even while the call has 20 s to go; result ()
 * of a 300 ms call blocks the caller until it is over. */
static void
test_done_does_not_wait (void)
{
  g_autoptr(LabWorkload) long_calls = sleep_workload (1, 20000);
  g_autoptr(LabWorkload) short_calls = sleep_workload (1, 300);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabExecutor) executor = NULL;
  g_autoptr(LabExecutor) second = NULL;
  g_autoptr(LabFuture) future = NULL;
  g_autoptr(GError) error = NULL;
  const LabTaskRecord *record;
  gint64 t;

  executor = lab_executor_new (long_calls, 1, NULL, cancellable, &error);
  g_assert_no_error (error);
  future = lab_executor_submit (executor, 0);
  t = g_get_monotonic_time ();
  g_assert_false (lab_future_done (future));
  g_assert_cmpint (g_get_monotonic_time () - t, <, 2 * G_USEC_PER_SEC);
  /* The 20 s call ends at Cancel; result () says so. */
  g_cancellable_cancel (cancellable);
  g_assert_null (lab_future_result (future, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_pointer (&future, lab_future_unref);

  second = lab_executor_new (short_calls, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  future = lab_executor_submit (second, 0);
  t = g_get_monotonic_time ();
  record = lab_future_result (future, &error);
  g_assert_no_error (error);
  g_assert_nonnull (record);
  /* It waited for the whole call: the call's end came before result (). */
  g_assert_cmpint (g_get_monotonic_time (), >=, t + 299 * 1000);
  g_assert_cmpint (record->end_us, >, 0);
  g_assert_true (lab_future_done (future));
}

/* One thread: the first call runs, the second waits in the queue.  Only
 * the queued one can be cancelled, and then never runs. */
static void
test_cancel_queued_not_running (void)
{
  g_autoptr(LabWorkload) workload = sleep_workload (2, 200);
  g_autoptr(LabExecutor) executor = NULL;
  g_autoptr(LabFuture) running = NULL;
  g_autoptr(LabFuture) queued = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = NULL;

  executor = lab_executor_new (workload, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  running = lab_executor_submit (executor, 0);
  queued = lab_executor_submit (executor, 1);
  while (!lab_future_running (running))
    g_usleep (1000);

  g_assert_true (lab_future_cancel (queued));
  g_assert_true (lab_future_cancelled (queued));
  g_assert_true (lab_future_done (queued));
  g_assert_false (lab_future_cancel (running));
  g_assert_false (lab_future_cancelled (running));

  g_assert_nonnull (lab_future_result (running, &error));
  g_assert_no_error (error);
  g_assert_null (lab_future_result (queued, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  lab_executor_shutdown (executor);
  run = lab_executor_steal_run (executor);
  /* The cancelled call never ran: one task record, plus the caller's wait. */
  g_assert_cmpuint (lab_future_get_finished (queued), ==, 0);
  g_assert_cmpuint (run->n_records, ==, 2);
  g_assert_cmpuint (run->records[0].index, ==, 0);
  g_assert_cmpint (run->records[1].lane, ==, run->caller_lane);
}

/* Files of 48 MiB and 1 MiB, the big one submitted first, on two threads:
 * the small one finishes first, yet map () returns the big one's digest
 * first.  The caller's waits lie on lane 2, labelled as the caller. */
static void
test_map_keeps_submission_order (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabExecutor) executor = NULL;
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GArray) batch = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lab-test-futures-XXXXXX", &error);
  const guint sizes_mib[] = { 48, 1 };
  const guint tasks[] = { 0, 1 };
  guint caller_events = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (sizes_mib); i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%u.bin", i + 1);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (ftruncate (fd, (off_t) sizes_mib[i] << 20), ==, 0);
      close (fd);
    }
  plan->input_dir = g_strdup (dir);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  executor = lab_executor_new (workload, 2, events, NULL, &error);
  g_assert_no_error (error);
  results = lab_executor_map (executor, tasks, G_N_ELEMENTS (tasks), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  g_assert_cmpstr (((LabTaskRecord *) results->pdata[0])->name, ==, "file-1.bin");
  g_assert_cmpstr (((LabTaskRecord *) results->pdata[1])->name, ==, "file-2.bin");
  /* …though the small file finished first. */
  g_assert_cmpint (((LabTaskRecord *) results->pdata[1])->end_us, <,
                   ((LabTaskRecord *) results->pdata[0])->end_us);
  g_clear_pointer (&results, g_ptr_array_unref);

  lab_executor_shutdown (executor);
  run = lab_executor_steal_run (executor);
  lab_remove_folder (dir);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (run->caller_lane, ==, 2);
  /* The tasks, then the caller's wait for the big file: it did wait. */
  g_assert_cmpuint (run->n_records, >=, 3);
  for (guint i = 2; i < run->n_records; i++)
    {
      g_autofree char *label = lab_run_dup_worker_label (run, &run->records[i]);

      g_assert_cmpint (run->records[i].lane, ==, 2);
      g_assert_cmpstr (label, ==, "caller");
      g_assert_nonnull (strstr (run->records[i].name, "result ()"));
      g_assert_cmpint (run->records[i].end_us, >=, run->records[i].start_us);
    }
  g_assert_cmpstr (strstr (run->records[2].name, "file-1.bin"), !=, NULL);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (run->records[i].lane, <, 2);

  /* The timeline hears of the caller's waits as it does of tasks. */
  batch = lab_event_buffer_drain (events);
  for (guint i = 0; i < batch->len; i++)
    {
      const LabEvent *event = &g_array_index (batch, LabEvent, i);

      g_assert_cmpint (event->caller, ==, event->lane == 2);
      caller_events += event->caller;
    }
  g_assert_cmpuint (caller_events, ==, 2 * (run->n_records - 2));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/futures/done-does-not-wait", test_done_does_not_wait);
  g_test_add_func ("/lab/futures/cancel-queued-not-running", test_cancel_queued_not_running);
  g_test_add_func ("/lab/futures/map-keeps-submission-order", test_map_keeps_submission_order);

  return g_test_run ();
}
