/* test-gil.c — the GIL emulation lets one thread compute at a time
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lab-test-util.h"
#include "lab-workload-cpu.h"

static LabRun *
run_with_gil (const char *workload_name,
              guint       tasks,
              guint       task_ms,
              guint64     n)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabPlan) plan = lab_plan_new (workload_name);
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = tasks;
  plan->workers = tasks;
  plan->task_ms = task_ms;
  plan->n = n;
  plan->gil = TRUE;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  return lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
}

/* Four threads compute; the GIL counts how many are ever between acquire
 * and release at once. */
static void
test_one_thread_computes (void)
{
  g_autoptr(LabRun) run = run_with_gil ("cpu", 4, 0, G_GUINT64_CONSTANT (400000000));

  g_assert_true (run->gil);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->gil_max_holders, ==, 1);
  /* They took turns (forced switches every ~5 ms), not one after another. */
  g_test_message ("GIL switches: %" G_GUINT64_FORMAT, run->gil_switches);
  g_assert_cmpuint (run->gil_switches, >, 8);
  g_assert_cmpuint (lab_test_max_overlap (run), >=, 2);
}

/* Sleeping releases the GIL, so waits still overlap on threads. */
static void
test_sleeps_overlap (void)
{
  g_autoptr(LabRun) run = run_with_gil ("sleep", 4, 200, 1);

  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (run->gil_max_holders, ==, 1);
  g_assert_cmpuint (lab_test_max_overlap (run), ==, 4);
}

typedef struct
{
  LabGil *gil;
  gint    inside;
  gint    worst;
} Shared;

/* Our own count of who holds the GIL, independent of the GIL's: @shared's
 * worst is the most threads that ever counted themselves in at once. */
static void
count_in (Shared *shared)
{
  gint now = g_atomic_int_add (&shared->inside, 1) + 1;
  gint worst = g_atomic_int_get (&shared->worst);

  while (now > worst && !g_atomic_int_compare_and_exchange (&shared->worst, worst, now))
    worst = g_atomic_int_get (&shared->worst);
}

static void
count_out (Shared *shared)
{
  g_atomic_int_add (&shared->inside, -1);
}

static gpointer
compute_thread (gpointer data)
{
  Shared *shared = data;

  for (guint round = 0; round < 200; round++)
    {
      lab_gil_acquire (shared->gil);
      for (guint i = 0; i < 20; i++)
        {
          volatile guint sum = 0;

          /* Counted in only while holding it: a yield lets go of the GIL,
           * and whoever takes it then is the only one in. */
          count_in (shared);
          for (guint k = 0; k < 2000; k++)
            sum += k;
          count_out (shared);
          lab_gil_yield_if_requested (shared->gil);
        }
      lab_gil_release (shared->gil);
    }

  return NULL;
}

static void
test_mutual_exclusion (void)
{
  Shared shared = { lab_gil_new (100), 0, 0 };
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("gil", compute_thread, &shared);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (shared.worst, ==, 1);
  g_assert_cmpuint (lab_gil_get_max_holders (shared.gil), ==, 1);
  lab_gil_free (shared.gil);
}

/* One thread taking and releasing the GIL over and over never hands it to
 * anybody: CPython's switch_number stays at the first take. */
static void
test_switch_counts_holder_changes (void)
{
  g_autoptr(LabGil) gil = lab_gil_new (LAB_GIL_SWITCH_INTERVAL_US);

  for (guint i = 0; i < 1000; i++)
    {
      lab_gil_acquire (gil);
      lab_gil_yield_if_requested (gil);
      lab_gil_release (gil);
    }

  g_assert_cmpuint (lab_gil_get_switches (gil), ==, 1);
}

static gpointer
take_and_release (gpointer data)
{
  LabGil *gil = data;

  lab_gil_acquire (gil);
  lab_gil_release (gil);

  return NULL;
}

/* A waiter sets a drop request; the holder then lets go voluntarily (as
 * before a sleep).  Like CPython's drop_gil (), that release must be a
 * forced switch: when it returns, the waiter holds (or held) the GIL, so
 * the holder cannot win it straight back.  The waiting is on conditions,
 * not timers: the drop request is awaited by polling a flag, and the
 * check after the release holds whatever the scheduler did. */
static void
test_release_honours_drop_request (void)
{
  g_autoptr(LabGil) gil = lab_gil_new (1000);

  for (guint round = 1; round <= 20; round++)
    {
      GThread *waiter;

      lab_gil_acquire (gil);
      waiter = g_thread_new ("gil-waiter", take_and_release, gil);
      while (!lab_gil_get_drop_request (gil))
        g_usleep (200);

      lab_gil_release (gil);
      /* This thread took it, then the waiter: two changes of holder. */
      g_assert_cmpuint (lab_gil_get_switches (gil), ==, 2 * round);
      g_thread_join (waiter);
    }
}

/* No GIL means plain C threads: the calls do nothing. */
static void
test_null_gil (void)
{
  lab_gil_acquire (NULL);
  lab_gil_yield_if_requested (NULL);
  lab_gil_release (NULL);
  g_assert_cmpuint (lab_cpu_sum_range (1, 10, NULL, NULL), ==, 55);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/gil/one-thread-computes", test_one_thread_computes);
  g_test_add_func ("/lab/gil/sleeps-overlap", test_sleeps_overlap);
  g_test_add_func ("/lab/gil/mutual-exclusion", test_mutual_exclusion);
  g_test_add_func ("/lab/gil/null-gil", test_null_gil);
  g_test_add_func ("/lab/gil/switch-counts-holder-changes", test_switch_counts_holder_changes);
  g_test_add_func ("/lab/gil/release-honours-drop-request", test_release_honours_drop_request);

  return g_test_run ();
}
