/* test-lessons.c — the seed lessons make their point
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lab-test-util.h"

static LabRun *
bank_run (LabRunner *runner,
          LabMode    mode,
          guint      depositors,
          gboolean   lock,
          gboolean   shared_memory)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("bank");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = depositors;
  plan->workers = depositors;
  plan->pause_ms = 10;
  plan->lock = lock;
  plan->shared_memory = shared_memory;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return lab_test_run (runner, workload, mode, NULL);
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

/* One event loop: a deposit never waits between reading and writing, so
 * nothing is lost, lock or not. */
static void
test_bank_async_loses_nothing (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = bank_run (runner, LAB_MODE_ASYNC, 100, FALSE, FALSE);

  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpint (field (run, "balance"), ==, 100);
  g_assert_cmpuint (lab_test_max_overlap (run), >, 50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/lessons/bank/locked-is-exact", test_bank_locked_is_exact);
  g_test_add_func ("/lab/lessons/bank/unlocked-loses", test_bank_unlocked_loses);
  g_test_add_func ("/lab/lessons/bank/processes-do-not-share", test_bank_processes_do_not_share);
  g_test_add_func ("/lab/lessons/bank/async-loses-nothing", test_bank_async_loses_nothing);

  return g_test_run ();
}
