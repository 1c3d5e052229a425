/* test-workloads.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "lab-digest.h"
#include "lab-files.h"
#include "lab-server.h"
#include "lab-test-util.h"
#include "lab-url-list.h"
#include "lab-workload-cpu.h"
#include "lab-workload-pingpong.h"

static void
test_hash_vectors (void)
{
  struct { const char *algo, *input, *hex; } vectors[] = {
    { "md5", "", "d41d8cd98f00b204e9800998ecf8427e" },
    { "md5", "abc", "900150983cd24fb0d6963f7d28e17f72" },
    { "md5", "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
    { "sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *hex = lab_hash_hex (vectors[i].algo, (const guint8 *) vectors[i].input,
                                           strlen (vectors[i].input));
      g_assert_cmpstr (hex, ==, vectors[i].hex);
    }
}

/* The workload's own code path (EVP_MD_CTX per worker), in every mode, on
 * files with known digests. */
static void
test_hash_input_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-hash-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (dir, "a.txt", NULL);
  g_autofree char *b = g_build_filename (dir, "b.txt", NULL);
  g_autofree char *hidden = g_build_filename (dir, ".hidden", NULL);
  g_autoptr(LabRunner) runner = lab_runner_new ();

  g_assert_true (g_file_set_contents (b, "abc", -1, NULL));
  g_assert_true (g_file_set_contents (a, "message digest", -1, NULL));
  g_assert_true (g_file_set_contents (hidden, "ignored", -1, NULL));

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("hash");
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabRun) run = NULL;
      g_autoptr(GError) error = NULL;

      plan->input_dir = g_strdup (dir);
      plan->workers = 2;
      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lab_workload_get_n_tasks (workload), ==, 2);

      run = lab_test_run (runner, workload, mode, NULL);
      g_assert_true (lab_run_is_ok (run));
      g_assert_cmpstr (run->records[0].name, ==, "a.txt");
      g_assert_cmpstr (run->records[0].value, ==, "f96b697d7cb7938d525a2f31aaf161d0");
      g_assert_cmpuint (run->records[0].bytes, ==, 14);
      g_assert_cmpstr (run->records[1].name, ==, "b.txt");
      g_assert_cmpstr (run->records[1].value, ==, "900150983cd24fb0d6963f7d28e17f72");
    }

  g_unlink (a);
  g_unlink (b);
  g_unlink (hidden);
  g_rmdir (dir);
}

static void
test_hash_bad_input_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-empty-XXXXXX", NULL);
  const char *dirs[] = { "/nonexistent/lab", "/etc/hostname", dir };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("hash");
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(GError) error = NULL;

      plan->input_dir = g_strdup (dirs[i]);
      workload = lab_workload_new (plan, &error);
      g_assert_null (workload);
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT);
    }

  g_rmdir (dir);
}

static void
test_cpu_chunks (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(GError) error = NULL;
  guint64 covered = 0, expected_first = 1;

  g_assert_cmpuint (lab_cpu_sum_range (1, 100, NULL, NULL), ==, 5050);
  g_assert_cmpuint (lab_cpu_sum_range (7, 7, NULL, NULL), ==, 7);

  plan->n = 1000003;
  plan->tasks = 7;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  /* The chunks tile 1..n with no gap and no overlap. */
  for (guint i = 0; i < plan->tasks; i++)
    {
      g_autofree char *name = lab_workload_dup_task_name (workload, i);
      guint64 first, last;

      g_assert_cmpint (sscanf (name, "%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, &first, &last), ==, 2);
      g_assert_cmpuint (first, ==, expected_first);
      g_assert_cmpuint (last, >=, first);
      covered += last - first + 1;
      expected_first = last + 1;
    }
  g_assert_cmpuint (covered, ==, plan->n);

  /* More chunks than numbers is refused. */
  plan->n = 3;
  plan->tasks = 4;
  g_clear_object (&workload);
  workload = lab_workload_new (plan, &error);
  g_assert_null (workload);
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
}

/* Verification must be able to say no. */
static void
test_verify_catches_wrong_results (void)
{
  const char *names[] = { "cpu", "hash", "sleep" };
  g_autoptr(LabRunner) runner = lab_runner_new ();

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(LabWorkload) workload = lab_test_workload (names[i], 3, 2);
      g_autoptr(LabRun) run = lab_test_run (runner, workload, LAB_MODE_THREADS, NULL);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s: %s", names[i], run->verify_error);
      g_assert_true (lab_run_is_ok (run));

      if (g_str_equal (names[i], "sleep"))
        run->records[1].end_us = run->records[1].start_us + 1000;   /* "waited" 1 ms */
      else
        {
          g_free (run->records[1].value);
          run->records[1].value = g_strdup (g_str_equal (names[i], "cpu")
                                            ? "12345" : "00000000000000000000000000000000");
        }

      g_clear_pointer (&run->result, g_free);
      g_assert_false (lab_workload_verify (workload, run, &error));
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY);
    }
}

static void
test_plan_limits (void)
{
  struct { const char *field; guint64 value; } bad[] = {
    { "tasks", 0 }, { "tasks", LAB_MAX_TASKS + 1 }, { "workers", 0 },
    { "workers", LAB_MAX_WORKERS + 1 }, { "task_ms", LAB_MAX_TASK_MS + 1 },
    { "size", LAB_MAX_TASK_SIZE + 1 }, { "n", 0 }, { "n", LAB_MAX_CPU_N + 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
      g_autoptr(GError) error = NULL;

      if (g_str_equal (bad[i].field, "tasks")) plan->tasks = bad[i].value;
      if (g_str_equal (bad[i].field, "workers")) plan->workers = bad[i].value;
      if (g_str_equal (bad[i].field, "task_ms")) plan->task_ms = bad[i].value;
      if (g_str_equal (bad[i].field, "size")) plan->size = bad[i].value;
      if (g_str_equal (bad[i].field, "n")) plan->n = bad[i].value;

      g_assert_false (lab_plan_validate (plan, &error));
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
    }

  {
    g_autoptr(LabPlan) plan = lab_plan_new ("juggling");
    g_autoptr(GError) error = NULL;
    g_autoptr(LabWorkload) workload = lab_workload_new (plan, &error);

    g_assert_null (workload);
    g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  }

  {
    g_autoptr(LabPlan) plan = lab_plan_new ("hash");
    g_autoptr(GError) error = NULL;
    g_autoptr(LabWorkload) workload = NULL;

    plan->tasks = 5;
    plan->size = LAB_MAX_TASK_SIZE;   /* 5 GiB in all: too much for one run */
    workload = lab_workload_new (plan, &error);
    g_assert_null (workload);
    g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
  }
}

static void
test_plan_variant_round_trip (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(LabPlan) copy = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GError) error = NULL;

  plan->tasks = 17;
  plan->workers = 3;
  plan->size = 12345;
  plan->seed = G_GUINT64_CONSTANT (99999999999);
  g_free (plan->algo);
  plan->algo = g_strdup ("sha256");
  plan->input_dir = g_strdup ("/tmp");
  plan->gil = TRUE;
  plan->file_names = g_strsplit ("a.bin b-2.bin", " ", -1);
  plan->queue_fd = 7;

  variant = g_variant_ref_sink (lab_plan_to_variant (plan));
  copy = lab_plan_from_variant (variant, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copy->workload, ==, "hash");
  g_assert_cmpuint (copy->tasks, ==, 17);
  g_assert_cmpuint (copy->workers, ==, 3);
  g_assert_cmpuint (copy->size, ==, 12345);
  g_assert_cmpuint (copy->seed, ==, plan->seed);
  g_assert_cmpstr (copy->algo, ==, "sha256");
  g_assert_cmpstr (copy->input_dir, ==, "/tmp");
  g_assert_true (copy->gil);
  g_assert_cmpstrv (copy->file_names, plan->file_names);
  g_assert_cmpint (copy->queue_fd, ==, 7);
}

static void
test_deterministic_data (void)
{
  guint8 a[100], b[100], c[100];

  lab_fill_deterministic (a, sizeof a, 42);
  lab_fill_deterministic (b, sizeof b, 42);
  lab_fill_deterministic (c, sizeof c, 43);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_true (memcmp (a, c, sizeof a) != 0);
}

static void
test_mode_names (void)
{
  g_autoptr(GArray) modes = g_array_new (FALSE, FALSE, sizeof (LabMode));
  g_autoptr(GError) error = NULL;

  g_assert_true (lab_mode_parse_list (" async,threads ,async", modes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (modes->len, ==, 2);
  g_assert_cmpint (g_array_index (modes, LabMode, 0), ==, LAB_MODE_ASYNC);
  g_assert_cmpint (g_array_index (modes, LabMode, 1), ==, LAB_MODE_THREADS);

  g_assert_false (lab_mode_parse_list ("threads,fibers", modes, &error));
  g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN);
}

/* --- Saving files -------------------------------------------------------- */

static LabWorkload *
save_workload (const char *dir,
               guint       tasks,
               guint64     size)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("save");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->out_dir = g_strdup (dir);
  plan->tasks = tasks;
  plan->workers = 2;
  plan->size = size;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* A file that was in the folder before is the user's: every mode (worker
 * processes included, which get the names from the app) writes "-2". */
static void
test_save_keeps_older_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-save-XXXXXX", NULL);
  g_autofree char *name = lab_server_dup_file_name (0);
  g_autofree char *older = g_build_filename (dir, name, NULL);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *renamed = NULL;

  g_assert_true (g_file_set_contents (older, "older", -1, NULL));
  workload = save_workload (dir, 3, 64 * 1024);
  renamed = lab_workload_dup_task_name (workload, 0);
  g_test_message ("%s is taken; task 1 writes %s", name, renamed);
  g_assert_cmpstr (renamed, !=, name);
  g_assert_true (g_str_has_suffix (renamed, "-2.bin") || g_str_has_suffix (renamed, "-2"));

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      g_assert_true (lab_run_is_ok (run));
      g_assert_true (g_file_get_contents (older, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "older");
      g_clear_pointer (&contents, g_free);
      g_assert_cmpuint (count_files (dir), ==, 4);
    }

  lab_remove_folder (dir);
}

typedef struct
{
  const char *path;
  guint64     full;
  gint        stop;
  guint       partial_seen;   /* times the final name had fewer bytes */
} Watcher;

static gpointer
watch_final_name (gpointer data)
{
  Watcher *watcher = data;

  while (!g_atomic_int_get (&watcher->stop))
    {
      GStatBuf st;

      if (g_stat (watcher->path, &st) == 0 && (guint64) st.st_size != watcher->full)
        watcher->partial_seen++;
      g_thread_yield ();
    }
  return NULL;
}

/* Atomic writes, checked so that no timing can hide a mistake:
 *  1. a write that fails half-way (the file-size limit stops it after
 *     1 MiB of 4) leaves no file under the final name and no temp file,
 *     and the older file in the folder keeps its contents;
 *  2. while a big file is written, a watcher polling the final name never
 *     sees it with fewer bytes than the whole. */
static void
test_save_is_atomic (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-atomic-XXXXXX", NULL);
  g_autofree char *name = lab_server_dup_file_name (0);
  g_autofree char *older = g_build_filename (dir, name, NULL);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (older, "older", -1, NULL));

  {
    g_autoptr(LabWorkload) workload = save_workload (dir, 1, 4 << 20);
    g_autofree char *target_name = lab_workload_dup_task_name (workload, 0);
    g_autofree char *target = g_build_filename (dir, target_name, NULL);
    g_autoptr(LabRun) run = NULL;
    struct rlimit saved, limit;

    /* This process may not write files above 1 MiB: write () fails with
     * EFBIG (instead of a SIGXFSZ) after the first megabyte. */
    g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
    limit = saved;
    limit.rlim_cur = 1 << 20;
    signal (SIGXFSZ, SIG_IGN);
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
    run = lab_test_run (runner, workload, LAB_MODE_SEQUENTIAL, NULL);
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);

    g_test_message ("the failed write says: %s", run->records[0].error);
    g_assert_cmpuint (run->tasks_failed, ==, 1);
    g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (count_files (dir), ==, 1);
    g_assert_true (g_file_get_contents (older, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "older");
  }

  {
    g_autoptr(LabWorkload) workload = save_workload (dir, 1, 64 << 20);
    g_autofree char *target_name = lab_workload_dup_task_name (workload, 0);
    g_autofree char *target = g_build_filename (dir, target_name, NULL);
    Watcher watcher = { target, 64 << 20, 0, 0 };
    GThread *thread = g_thread_new ("watcher", watch_final_name, &watcher);
    g_autoptr(LabRun) run = lab_test_run (runner, workload, LAB_MODE_SEQUENTIAL, NULL);

    g_atomic_int_set (&watcher.stop, 1);
    g_thread_join (thread);
    g_assert_true (lab_run_is_ok (run));
    g_assert_cmpuint (watcher.partial_seen, ==, 0);
  }

  lab_remove_folder (dir);
}

/* Long names are cut between characters, never inside one. */
static void
test_sanitize_keeps_utf8 (void)
{
  g_autoptr(GString) name = g_string_new ("a");

  for (guint i = 0; i < 150; i++)
    g_string_append (name, "é");   /* two bytes each: byte 200 is inside one */

  {
    g_autofree char *clean = lab_sanitize_file_name (name->str);

    g_assert_true (g_utf8_validate (clean, -1, NULL));
    g_assert_cmpuint (strlen (clean), <=, 200);
    g_assert_cmpuint (strlen (clean), >=, 190);
  }
}

/* The save and download jobs read --url-list with the one parser: the
 * same task limit, the same sentence. */
static void
test_url_list_limits (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-urls-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "urls.txt", NULL);
  g_autoptr(GString) many = g_string_new ("# comment\n\n");
  const char *jobs[] = { "save", "download" };

  for (guint i = 0; i <= LAB_MAX_TASKS; i++)
    g_string_append_printf (many, "http://127.0.0.1:1/f%u\n", i);
  g_assert_true (g_file_set_contents (path, many->str, many->len, NULL));

  for (guint j = 0; j < G_N_ELEMENTS (jobs); j++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new (jobs[j]);
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(GError) error = NULL;

      plan->url_list = g_strdup (path);
      plan->out_dir = g_strdup (dir);
      plan->size = 1;   /* so that only the number of URLs is too much */
      workload = lab_workload_new (plan, &error);
      g_assert_null (workload);
      g_assert_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT);
      g_test_message ("%s: %s", jobs[j], error->message);
      g_assert_nonnull (strstr (error->message, "100000"));
    }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) urls = NULL;

    g_assert_true (g_file_set_contents (path, "# two\n http://a/x \n\nhttp://b/y\n", -1, NULL));
    urls = lab_url_list_read (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (urls), ==, 2);
    g_assert_cmpstr (urls[0], ==, "http://a/x");
  }

  lab_remove_folder (dir);
}

/* The hash job caches its reference digests per set of inputs.  Run it
 * again and again on fresh inputs of the same size, each set freed before
 * the next is made: the allocator hands the same addresses out again (the
 * first input is freed last, so it is first in line to be reused), and a
 * cache keyed on a bare pointer takes the old digests for the new bytes and
 * calls correct results wrong.  Count the runs that fail to verify. */
static void
test_hash_cache_fresh_inputs (void)
{
  g_autoptr(LabWorkload) workload = lab_test_workload ("hash", 4, 2);
  guint wrong = 0;

  for (guint round = 0; round < 50; round++)
    {
      GBytes *inputs[4];
      LabRunner *runner;
      LabRun *run;
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
        {
          g_autofree char *text = g_strdup_printf ("round %u, task %u", round, i);
          inputs[i] = g_bytes_new (text, strlen (text));
        }

      runner = lab_runner_new ();
      run = lab_runner_run_with_inputs (runner, workload, round % 2 ? LAB_MODE_THREADS
                                                                    : LAB_MODE_SEQUENTIAL,
                                        inputs, NULL, &error);
      g_assert_no_error (error);
      if (!run->verified)
        {
          g_test_message ("round %u: %s", round, run->verify_error);
          wrong++;
        }

      lab_run_free (run);
      lab_runner_free (runner);
      for (guint i = G_N_ELEMENTS (inputs); i > 0; i--)
        g_bytes_unref (inputs[i - 1]);
    }

  g_assert_cmpuint (wrong, ==, 0);
}

static LabWorkload *
pingpong_workload (void)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pingpong");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->workers = 2;
  plan->pause_ms = 0;   /* the producers are done at once; the items wait in the queue */
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* A consumer that takes 150 ms per item needs 1.5 s for its ten, long after
 * the producers are done.  Verify must wait for it and read the order only
 * once it has stopped, in every mode; none of the runs may come out wrong. */
static void
test_pingpong_slow_consumer (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = pingpong_workload ();
  guint wrong = 0;

  lab_workload_pingpong_set_consumer_pause (LAB_WORKLOAD_PINGPONG (workload), 150);
  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      g_test_message ("%s: %s", lab_mode_to_string (mode),
                      run->verified ? run->result : run->verify_error);
      wrong += !run->verified;
    }

  g_assert_cmpuint (wrong, ==, 0);
}

/* Many quick runs: the consumer is still taking items while verify begins.
 * Under ASan a read of the order while it grows shows up; and every run
 * must verify, with exactly ten items taken. */
static void
test_pingpong_stress (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = pingpong_workload ();
  guint wrong = 0;

  for (guint round = 0; round < 25; round++)
    for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
      {
        g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);
        gint64 consumed = 0;

        if (run->verified)
          g_assert_true (g_variant_lookup (run->result_fields, "consumed", "x", &consumed));
        if (!run->verified || consumed != 10)
          {
            g_test_message ("%s: %s", lab_mode_to_string (mode), run->verify_error);
            wrong++;
          }
      }

  g_assert_cmpuint (wrong, ==, 0);
}

/* The queue between processes has no name in /tmp: a file someone put
 * where the old FIFO used to be is left alone, and the run still works. */
static void
test_pingpong_no_named_pipe (void)
{
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabWorkload) workload = pingpong_workload ();
  g_autofree char *name = g_strdup_printf ("concurrency-lab-pingpong-%d", (int) getpid ());
  g_autofree char *planted = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(LabRun) run = NULL;

  g_assert_true (g_file_set_contents (planted, "planted", -1, NULL));
  run = lab_test_run (runner, workload, LAB_MODE_PROCESSES, NULL);
  g_assert_true (lab_run_is_ok (run));
  /* Still our regular file (reading a FIFO in its place would block). */
  g_assert_true (g_file_test (planted, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (planted, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "planted");
  g_unlink (planted);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/workloads/hash-vectors", test_hash_vectors);
  g_test_add_func ("/lab/workloads/hash-input-dir", test_hash_input_dir);
  g_test_add_func ("/lab/workloads/hash-bad-input-dir", test_hash_bad_input_dir);
  g_test_add_func ("/lab/workloads/cpu-chunks", test_cpu_chunks);
  g_test_add_func ("/lab/workloads/verify-catches-wrong-results", test_verify_catches_wrong_results);
  g_test_add_func ("/lab/workloads/plan-limits", test_plan_limits);
  g_test_add_func ("/lab/workloads/plan-variant-round-trip", test_plan_variant_round_trip);
  g_test_add_func ("/lab/workloads/deterministic-data", test_deterministic_data);
  g_test_add_func ("/lab/workloads/mode-names", test_mode_names);
  g_test_add_func ("/lab/workloads/save-keeps-older-file", test_save_keeps_older_file);
  g_test_add_func ("/lab/workloads/save-is-atomic", test_save_is_atomic);
  g_test_add_func ("/lab/workloads/sanitize-keeps-utf8", test_sanitize_keeps_utf8);
  g_test_add_func ("/lab/workloads/url-list-limits", test_url_list_limits);
  g_test_add_func ("/lab/workloads/hash-cache-fresh-inputs", test_hash_cache_fresh_inputs);
  g_test_add_func ("/lab/workloads/pingpong-slow-consumer", test_pingpong_slow_consumer);
  g_test_add_func ("/lab/workloads/pingpong-stress", test_pingpong_stress);
  g_test_add_func ("/lab/workloads/pingpong-no-named-pipe", test_pingpong_no_named_pipe);

  return g_test_run ();
}
