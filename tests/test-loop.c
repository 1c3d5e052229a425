/* test-loop.c — an event loop's own time: sleeps on the loop are timer
 * waits while the loop sleeps and its timers fire on time; computing on the
 * loop keeps it busy and makes every timer late; and what `bench` and the
 * queries verdict say about it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Behaviour, not timing: a timer late by 40 ms behind 50 ms of computing
 * against one under 10 ms on an idle loop; shares with loose bounds.
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "lab-lesson.h"
#include "lab-states.h"
#include "lab-test-util.h"

/* Sleep tasks on the event loop: each one's wait is a timer span of its
 * own, though fifty are in flight on one thread; almost all their time is
 * I/O wait with next to no CPU.  The loop slept nearly all the run, its
 * busy and idle time cover the run, and its timers fired on time. */
static void
test_async_sleep_is_io (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabRun) run = NULL;
  const LabLoopStats *loop;

  plan->tasks = 50;
  plan->workers = 10;
  plan->task_ms = 50;
  run = lab_test_run_plan (plan, LAB_MODE_ASYNC);
  g_assert_true (lab_run_is_ok (run));
  loop = &run->loop;

  g_test_message ("I/O %.1f %%, compute %.2f %%; loop busy %.1f ms, idle %.1f ms of %.1f ms; "
                  "%u timers late %.2f ms (median), %.2f ms (p99), %.2f ms (max)",
                  100 * lab_test_state_share (run, LAB_STATE_IO), 100 * lab_test_state_share (run, LAB_STATE_COMPUTE),
                  loop->busy_us / 1e3, loop->idle_us / 1e3, run->wall_us / 1e3, loop->timers,
                  loop->late_median_us / 1e3, loop->late_p99_us / 1e3, loop->late_max_us / 1e3);
  g_assert_cmpfloat (lab_test_state_share (run, LAB_STATE_IO), >, 0.9);
  g_assert_cmpfloat (lab_test_state_share (run, LAB_STATE_COMPUTE), <, 0.05);
  for (guint i = 0; i < run->n_records; i++)
    {
      const LabTaskRecord *record = &run->records[i];
      const LabSpan *span;

      g_assert_nonnull (record->spans);
      g_assert_cmpuint (record->spans->len, ==, 1);
      span = &g_array_index (record->spans, LabSpan, 0);
      g_assert_cmpuint (span->wait, ==, LAB_WAIT_TIMER);
      g_assert_cmpint (span->start_us, >=, record->start_us);
      g_assert_cmpint (span->end_us, <=, record->end_us);
      g_assert_cmpint (span->end_us - span->start_us, >=, 49000);
    }

  g_assert_true (loop->measured);
  g_assert_cmpuint (loop->timers, ==, 50);
  /* The loop lives a little longer than the clock runs: it starts before
   * the first task and ends after the last. */
  g_assert_cmpint (loop->busy_us + loop->idle_us, >=, run->wall_us * 9 / 10);
  g_assert_cmpint (loop->busy_us + loop->idle_us, <=, run->wall_us + 500000);
  g_assert_cmpint (loop->idle_us, >, loop->busy_us);
  /* A timer on an idle loop fires within a millisecond or two; 10 ms is
   * far above that and far below the 40 ms of the computing loop below. */
  g_assert_cmpint (loop->late_median_us, >=, 0);
  g_assert_cmpint (loop->late_median_us, <, 10000);
  g_assert_cmpint (loop->late_median_us, <=, loop->late_p99_us);
  g_assert_cmpint (loop->late_p99_us, <=, loop->late_max_us);
  g_assert_nonnull (loop->busy_samples);
  g_assert_cmpuint (loop->busy_samples->len, >=, 5);
}

/* A zero-length sleep on the loop is over before the loop comes back to
 * it: no span (it would cost as much as the task), yet its timer counts
 * in the loop's lateness. */
static void
test_async_short_waits_no_span (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabRun) run = NULL;
  guint with_spans = 0;

  plan->tasks = 1000;
  plan->workers = 2;
  plan->task_ms = 0;
  run = lab_test_run_plan (plan, LAB_MODE_ASYNC);
  g_assert_true (lab_run_is_ok (run));

  for (guint i = 0; i < run->n_records; i++)
    if (run->records[i].spans != NULL)
      {
        const LabSpan *span = &g_array_index (run->records[i].spans, LabSpan, 0);

        g_assert_cmpint (span->end_us - span->start_us, >=, LAB_MIN_WAIT_SPAN_US);
        with_spans++;
      }
  g_test_message ("%u of 1000 zero-length waits have a span", with_spans);
  /* Any the machine delayed past the limit have theirs. */
  g_assert_cmpuint (with_spans, <, 500);
  g_assert_cmpuint (run->loop.timers, ==, 1000);
}

/* Sums on the event loop: the loop is busy all the run, and each task's
 * time is computing, measured around the call that runs it. */
static void
test_async_cpu_busy (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabRun) run = NULL;

  plan->tasks = 4;
  plan->workers = 4;
  plan->n = 200000000;
  run = lab_test_run_plan (plan, LAB_MODE_ASYNC);
  g_assert_true (lab_run_is_ok (run));

  g_test_message ("compute %.0f %%, run queue %.0f %%; loop busy %.1f ms, idle %.1f ms",
                  100 * lab_test_state_share (run, LAB_STATE_COMPUTE), 100 * lab_test_state_share (run, LAB_STATE_RUNQUEUE),
                  run->loop.busy_us / 1e3, run->loop.idle_us / 1e3);
  g_assert_true (run->loop.measured);
  g_assert_cmpuint (run->loop.timers, ==, 0);
  g_assert_cmpint (run->loop.late_median_us, ==, -1);
  g_assert_cmpint (run->loop.busy_us, >, 4 * run->loop.idle_us);
  /* Loose for the steal time of a virtual machine (see test-states.c's
   * C threads); a CPU time not measured gives 0. */
  g_assert_cmpfloat (lab_test_state_share (run, LAB_STATE_COMPUTE) + lab_test_state_share (run, LAB_STATE_RUNQUEUE), >, 0.6);
  for (guint i = 0; i < run->n_records; i++)
    g_assert_cmpint (run->records[i].cpu_us, >, 0);
}

/* Sums on the event loops of worker processes: each task's CPU time is
 * measured in its worker around the call that runs it, and comes back. */
static void
test_processes_async_cpu (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabRun) run = NULL;

  plan->tasks = 4;
  plan->workers = 2;
  plan->in_flight = 2;
  plan->n = 100000000;
  run = lab_test_run_plan (plan, LAB_MODE_PROCESSES_ASYNC);
  g_assert_true (lab_run_is_ok (run));

  g_test_message ("compute %.0f %%, run queue %.0f %%", 100 * lab_test_state_share (run, LAB_STATE_COMPUTE),
                  100 * lab_test_state_share (run, LAB_STATE_RUNQUEUE));
  for (guint i = 0; i < run->n_records; i++)
    {
      g_assert_cmpint (run->records[i].cpu_us, >, 0);
      /* Two clocks read microseconds apart: a few µs of slack. */
      g_assert_cmpint (run->records[i].cpu_us, <=,
                       run->records[i].end_us - run->records[i].start_us + 100);
    }
  g_assert_cmpint (lab_test_state_total (run, LAB_STATE_COMPUTE), >, 0);
}

/* Coroutines that compute between their awaits, as on the loop of an
 * asyncio program: each round starts ten 10 ms sleeps, then computes for
 * 50 ms in the same callback. */
typedef struct
{
  LabWorkload    *workload;
  LabTaskContext  task_context;
  LabRun         *run;
  guint           next;
  guint           pending;
} MixedLoop;

static void mixed_round (MixedLoop *mixed);

static void
mixed_sleep_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  MixedLoop *mixed = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (lab_workload_run_task_finish (LAB_WORKLOAD (source), result, &error));
  g_assert_no_error (error);
  if (--mixed->pending == 0 && mixed->next < mixed->run->n_records)
    mixed_round (mixed);
}

static void
mixed_round (MixedLoop *mixed)
{
  gint64 until;
  volatile guint64 sum = 0;

  for (guint i = 0; i < 10; i++, mixed->next++)
    {
      LabTaskRecord *record = &mixed->run->records[mixed->next];

      record->start_us = g_get_monotonic_time ();
      mixed->pending++;
      lab_workload_run_task_async (mixed->workload, &mixed->task_context, NULL, record,
                                   mixed_sleep_done_cb, mixed);
    }

  /* 50 ms of work on the loop's only thread: nothing else moves. */
  until = g_get_monotonic_time () + 50000;
  while (g_get_monotonic_time () < until)
    sum += until;
}

/* CPU work on the loop makes every timer late: 10 ms sleeps behind 50 ms
 * of computing fire some 40 ms late, each wait's span lasting until then. */
static void
test_loop_cpu_makes_timers_late (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabRun) run = lab_run_new (LAB_MODE_ASYNC, 30);
  MixedLoop mixed = { 0 };
  LabLoopRecorder *recorder;
  LabLoopStats stats = { 0 };

  plan->tasks = 30;
  plan->task_ms = 10;
  mixed.workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  mixed.run = run;

  g_main_context_push_thread_default (context);
  mixed.task_context.cancellable = cancellable;
  mixed.task_context.worker_data = lab_workload_worker_data_new (mixed.workload);
  recorder = lab_loop_recorder_start (context);

  mixed_round (&mixed);
  while (mixed.pending > 0)
    g_main_context_iteration (context, TRUE);

  lab_loop_recorder_stop (recorder, &stats);
  lab_workload_worker_data_free (mixed.workload, mixed.task_context.worker_data);
  g_main_context_pop_thread_default (context);

  g_test_message ("%u timers late %.1f ms (median), %.1f ms (max); loop busy %.1f ms, idle %.1f ms",
                  stats.timers, stats.late_median_us / 1e3, stats.late_max_us / 1e3,
                  stats.busy_us / 1e3, stats.idle_us / 1e3);
  g_assert_cmpuint (stats.timers, ==, 30);
  g_assert_cmpint (stats.late_median_us, >=, 20000);
  g_assert_cmpint (stats.busy_us, >, stats.idle_us);
  for (guint i = 0; i < run->n_records; i++)
    {
      const LabSpan *span = &g_array_index (run->records[i].spans, LabSpan, 0);

      g_assert_cmpint (span->end_us - span->start_us, >=, 40000);
    }

  g_clear_pointer (&stats.busy_samples, g_array_unref);
  g_object_unref (mixed.workload);
}

/* The queries lesson's last clause, from its async step's loop: on time;
 * late while the loop computed; late while the loop was idle. */
static char *
queries_verdict_with_loop (gint64 busy_us,
                           gint64 idle_us,
                           gint64 late_median_us)
{
  g_autoptr(LabLessonRun) lesson_run = g_new0 (LabLessonRun, 1);

  lesson_run->lesson = lab_lesson_find ("queries");
  lesson_run->n_steps = 4;
  for (guint i = 0; i < 4; i++)
    {
      lesson_run->steps[i].label = g_strdup_printf ("step %u", i);
      lesson_run->steps[i].value_us = i == 0 ? 10000000 : 1000000;
    }
  lesson_run->steps[3].run = lab_run_new (LAB_MODE_ASYNC, 0);
  lesson_run->steps[3].run->loop = (LabLoopStats) { TRUE, busy_us, idle_us, 10, late_median_us,
                                                    late_median_us, late_median_us, NULL };
  return lesson_run->lesson->verdict (lesson_run);
}

static void
test_queries_verdict_loop (void)
{
  g_autofree char *on_time = queries_verdict_with_loop (10000, 990000, 300);
  g_autofree char *computed = queries_verdict_with_loop (800000, 200000, 40000);
  g_autofree char *machine = queries_verdict_with_loop (100000, 900000, 40000);

  g_test_message ("%s\n%s\n%s", on_time, computed, machine);
  g_assert_nonnull (strstr (on_time, "the timers fired 0.3 ms late (median): the loop was idle 99 %"));
  g_assert_null (strstr (on_time, "while the loop computed"));
  g_assert_nonnull (strstr (computed, "The event loop was busy 80 % of the time: while the loop "
                                      "computed, its timers fired 40 ms late (median)"));
  g_assert_nonnull (strstr (machine, "fired 40 ms late (median) though the loop was busy only 10 %"));
  g_assert_null (strstr (machine, "while the loop computed"));
}

/* `bench` with an event loop, as JSON and CSV: the async run has its
 * "loop" object and its columns filled, the sequential run neither. */
static void
test_bench_loop_output (void)
{
  const char *binary = lab_test_binary ();
  const char *formats[] = { "--format=json", "--format=csv" };
  char *out[2] = { NULL, NULL };

  if (binary == NULL)
    return;

  for (guint f = 0; f < 2; f++)
    {
      const char *argv[] = { binary, "bench", "--workload=sleep", "--tasks=20", "--workers=5",
                             "--task-ms=10", "--modes=sequential,async", formats[f], NULL };
      g_autoptr(GError) error = NULL;
      gint status = 0;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                    &out[f], NULL, &status, &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }

  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    JsonArray *runs;
    JsonObject *loop;

    json_parser_load_from_data (parser, out[0], -1, &error);
    g_assert_no_error (error);
    runs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "runs");
    g_assert_cmpuint (json_array_get_length (runs), ==, 2);
    g_assert_false (json_object_has_member (json_array_get_object_element (runs, 0), "loop"));
    loop = json_object_get_object_member (json_array_get_object_element (runs, 1), "loop");
    g_assert_nonnull (loop);
    g_assert_cmpint (json_object_get_int_member (loop, "timers"), ==, 20);
    g_assert_cmpfloat (json_object_get_double_member (loop, "idle_s"), >, 0);
    g_assert_true (json_object_has_member (loop, "busy_s"));
    g_assert_cmpfloat (json_object_get_double_member (loop, "timer_late_median_ms"), <=,
                       json_object_get_double_member (loop, "timer_late_p99_ms"));
    g_assert_cmpfloat (json_object_get_double_member (loop, "timer_late_p99_ms"), <=,
                       json_object_get_double_member (loop, "timer_late_max_ms"));
  }

  {
    g_auto(GStrv) lines = g_strsplit (out[1], "\n", -1);
    g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
    g_auto(GStrv) sequential = g_strsplit (lines[1], ",", -1);
    g_auto(GStrv) async = g_strsplit (lines[2], ",", -1);
    guint n = g_strv_length (header);

    /* The old columns first, the loop's at the end. */
    g_assert_cmpstr (header[0], ==, "mode");
    g_assert_cmpstr (header[n - 7], ==, "cores_busy");
    g_assert_cmpstr (header[n - 4], ==, "timers");
    g_assert_cmpstr (header[n - 1], ==, "timer_late_max_ms");
    g_assert_cmpuint (g_strv_length (sequential), ==, n);
    g_assert_cmpuint (g_strv_length (async), ==, n);
    g_assert_cmpstr (sequential[n - 4], ==, "");
    g_assert_cmpstr (async[0], ==, "async");
    g_assert_cmpstr (async[n - 4], ==, "20");
    g_assert_cmpstr (async[n - 1], !=, "");
  }

  g_free (out[0]);
  g_free (out[1]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/loop/async-sleep-is-io", test_async_sleep_is_io);
  g_test_add_func ("/lab/loop/async-short-waits-no-span", test_async_short_waits_no_span);
  g_test_add_func ("/lab/loop/async-cpu-busy", test_async_cpu_busy);
  g_test_add_func ("/lab/loop/processes-async-cpu", test_processes_async_cpu);
  g_test_add_func ("/lab/loop/loop-cpu-makes-timers-late", test_loop_cpu_makes_timers_late);
  g_test_add_func ("/lab/loop/queries-verdict-loop", test_queries_verdict_loop);
  g_test_add_func ("/lab/loop/bench-loop-output", test_bench_loop_output);

  return g_test_run ();
}
