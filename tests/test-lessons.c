/* test-lessons.c — the seed lessons make their point
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "lab-lesson.h"
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
      g_autoptr(LabLessonRun) run = lab_lesson_run (&lessons[i], runner, TRUE, NULL, &error);

      g_assert_no_error (error);
      g_test_message ("%s: %s", lessons[i].id, run->verdict);
      g_assert_true (run->ok);
      g_assert_cmpuint (run->n_steps, >=, 2);
      g_assert_nonnull (run->verdict);
      g_assert_cmpuint (strlen (run->verdict), >, 20);
      g_assert_nonnull (lab_lesson_find (lessons[i].id));
    }
  g_assert_null (lab_lesson_find ("no-such-lesson"));
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
  g_test_add_func ("/lab/lessons/bank/async-one-callback-is-exact", test_bank_async_one_callback_is_exact);
  g_test_add_func ("/lab/lessons/bank/shared-memory-has-no-name", test_bank_shared_memory_has_no_name);

  g_test_add_func ("/lab/lessons/pingpong/first-ten", test_pingpong);
  g_test_add_func ("/lab/lessons/every-lesson", test_every_lesson);
  g_test_add_func ("/lab/lessons/pingpong/global-counter", test_pingpong_global_counter);

  return g_test_run ();
}
