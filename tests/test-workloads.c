/* test-workloads.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "lab-test-util.h"
#include "lab-workload-cpu.h"
#include "lab-workload-hash.h"

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

  return g_test_run ();
}
