/* lab-benchmark.c — `concurrency-lab benchmark`: how close each mode gets
 * to the ideal on this machine
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Absolute times drift on a busy machine; ratios taken in one run hold.
 * So every line prints the measured time, the ideal for this machine, and
 * the ratio between them, next to the target the project set itself.
 */

#define G_LOG_DOMAIN "lab-benchmark"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "lab-bench.h"
#include "lab-benchmark.h"
#include "lab-options.h"
#include "lab-server.h"
#include "lab-table.h"

typedef struct
{
  LabTable *table;
  guint     met;
  guint     missed;
} Report;

typedef enum
{
  TARGET_AT_MOST,    /* ratio ≤ target */
  TARGET_AT_LEAST,   /* ratio ≥ target */
} TargetKind;

static void
report_line (Report      *report,
             const char  *scenario,
             const char  *mode,
             const char  *measured,
             const char  *ideal,
             double       ratio,
             TargetKind   kind,
             double       target)
{
  gboolean met = kind == TARGET_AT_MOST ? ratio <= target : ratio >= target;
  g_autofree char *ratio_text = g_strdup_printf ("%.2fx", ratio);
  g_autofree char *target_text = g_strdup_printf ("%s %.2fx", kind == TARGET_AT_MOST ? "≤" : "≥",
                                                  target);

  lab_table_add_row (report->table, scenario, mode, measured, ideal, ratio_text, target_text,
                     met ? "✓" : "✗", NULL);
  if (met)
    report->met++;
  else
    report->missed++;
}

static GPtrArray *
run_plan (LabPlan     *plan,
          const char  *modes_text,
          guint        repeat,
          LabWorkload **workload_out)
{
  g_autoptr(GArray) modes = g_array_new (FALSE, FALSE, sizeof (LabMode));
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *results;

  if (!lab_mode_parse_list (modes_text, modes, &error) ||
      (workload = lab_workload_new (plan, &error)) == NULL ||
      (results = lab_bench_run_modes (runner, workload, modes, repeat, NULL, &error)) == NULL)
    {
      g_printerr ("concurrency-lab benchmark: %s\n", error->message);
      exit (1);
    }

  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;

      if (!lab_run_is_ok (run))
        {
          g_printerr ("concurrency-lab benchmark: %s %s: %s\n", plan->workload,
                      lab_mode_to_string (run->mode), run->verify_error);
          exit (1);
        }
    }

  if (workload_out != NULL)
    *workload_out = g_steal_pointer (&workload);
  return results;
}

static LabRun *
result_run (GPtrArray *results,
            guint      index)
{
  return ((LabBenchResult *) g_ptr_array_index (results, index))->run;
}

/* 200 waits of 50 ms with 50 workers: ideal 4 rounds of 50 ms. */
static void
bench_sleep (Report *report,
             guint   repeat)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GPtrArray) concurrent = NULL;
  g_autoptr(GPtrArray) sequential = NULL;
  gint64 ideal;

  plan->task_ms = 50;
  plan->workers = 50;
  plan->tasks = 200;
  concurrent = run_plan (plan, "threads,processes,async", repeat, NULL);
  ideal = (gint64) ((plan->tasks + plan->workers - 1) / plan->workers) * plan->task_ms * 1000;

  for (guint i = 0; i < concurrent->len; i++)
    {
      LabRun *run = result_run (concurrent, i);
      g_autofree char *measured = lab_table_seconds (run->wall_us);
      g_autofree char *ideal_text = lab_table_seconds (ideal);

      report_line (report, _("sleep 200×50 ms, 50 workers"), lab_mode_get_title (run->mode),
                   measured, ideal_text, (double) run->wall_us / ideal, TARGET_AT_MOST, 1.10);
    }

  /* Sequential would take 10 s for 200; 20 tasks make the same point. */
  plan->tasks = 20;
  sequential = run_plan (plan, "sequential", repeat, NULL);
  {
    LabRun *run = result_run (sequential, 0);
    g_autofree char *measured = lab_table_seconds (run->wall_us);
    g_autofree char *ideal_text = lab_table_seconds ((gint64) plan->tasks * plan->task_ms * 1000);

    report_line (report, _("sleep 20×50 ms"), lab_mode_get_title (LAB_MODE_SEQUENTIAL), measured, ideal_text,
                 (double) run->wall_us / (plan->tasks * plan->task_ms * 1000), TARGET_AT_MOST, 1.10);
  }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

static LabRun *
run_once (LabRunner   *runner,
          LabWorkload *workload,
          LabMode      mode)
{
  g_autoptr(GError) error = NULL;
  LabRun *run = lab_runner_run (runner, workload, mode, NULL, &error);

  if (run == NULL || !lab_run_is_ok (run))
    {
      g_printerr ("concurrency-lab benchmark: cpu %s: %s\n", lab_mode_to_string (mode),
                  run ? run->verify_error : error->message);
      exit (1);
    }
  return run;
}

/* 1..2e9 in 2 chunks: 2 cores should nearly halve it, unless the GIL.
 * The speed of a shared machine drifts by 2x within seconds, so each
 * speed-up comes from a sequential run and a concurrent run made back to
 * back, and the median of those ratios is reported. */
static void
bench_cpu (Report *report,
           guint   repeat)
{
  const char *labels[] = { lab_mode_get_title (LAB_MODE_THREADS), lab_mode_get_title (LAB_MODE_PROCESSES), _("Threads + GIL") };
  g_autoptr(LabPlan) plan = lab_plan_new ("cpu");
  g_autoptr(LabWorkload) plain = NULL;
  g_autoptr(LabWorkload) with_gil = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  GArray *ratios[3], *walls[3];
  g_autoptr(GArray) sequential_walls = g_array_new (FALSE, FALSE, sizeof (double));
  guint cores = g_get_num_processors ();
  g_autofree char *ideal_text = g_strdup_printf (_("%ux (%u cores)"), MIN (cores, 2), cores);

  plan->n = G_GUINT64_CONSTANT (2000000000);
  plan->tasks = 2;
  plan->workers = 2;
  plain = lab_workload_new (plan, NULL);
  plan->gil = TRUE;
  with_gil = lab_workload_new (plan, NULL);
  g_assert (plain != NULL && with_gil != NULL);

  for (guint i = 0; i < 3; i++)
    {
      ratios[i] = g_array_new (FALSE, FALSE, sizeof (double));
      walls[i] = g_array_new (FALSE, FALSE, sizeof (double));
    }

  for (guint r = 0; r < MAX (repeat, 3); r++)
    {
      LabMode modes[] = { LAB_MODE_THREADS, LAB_MODE_PROCESSES, LAB_MODE_THREADS };

      for (guint i = 0; i < 3; i++)
        {
          g_autoptr(LabRun) sequential = run_once (runner, plain, LAB_MODE_SEQUENTIAL);
          g_autoptr(LabRun) run = run_once (runner, i == 2 ? with_gil : plain, modes[i]);
          double ratio = (double) sequential->wall_us / run->wall_us;
          double wall = run->wall_us / 1e6, sequential_wall = sequential->wall_us / 1e6;

          g_array_append_val (ratios[i], ratio);
          g_array_append_val (walls[i], wall);
          g_array_append_val (sequential_walls, sequential_wall);
        }
    }

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *measured = g_strdup_printf (_("%.3f s vs %.3f s"), median (walls[i]),
                                                   median (sequential_walls));

      report_line (report, _("cpu 1..2e9, 2 chunks: speed-up"), labels[i], measured,
                   i == 2 ? _("1x (one thread at a time)") : ideal_text, median (ratios[i]),
                   i == 2 ? TARGET_AT_MOST : TARGET_AT_LEAST, i == 2 ? 1.1 : 1.7);
      g_array_unref (ratios[i]);
      g_array_unref (walls[i]);
    }
}

/* What `openssl speed -evp md5` gets on one core, in bytes per second. */
static double
openssl_md5_speed (void)
{
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "openssl", "speed", "-seconds", "2", "-bytes", "4194304",
                         "-evp", "md5", NULL };
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    return NAN;

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "md5"))
      {
        const char *last = strrchr (g_strstrip (lines[i]), ' ');

        if (last != NULL)
          return g_ascii_strtod (last + 1, NULL) * 1000;   /* "750780.42k" */
      }

  return NAN;
}

static void
bench_hash (Report *report,
            guint   repeat)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("hash");
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  double openssl, ours;
  LabRun *run;

  plan->tasks = 64;
  plan->size = 4 << 20;
  plan->workers = 2;
  results = run_plan (plan, "sequential", repeat, &workload);
  run = result_run (results, 0);
  ours = (double) plan->tasks * plan->size / (run->wall_us / 1e6);
  openssl = openssl_md5_speed ();

  if (isnan (openssl))
    {
      g_printerr (_("(openssl speed did not run; skipping the MD5 comparison)\n"));
      return;
    }

  {
    g_autofree char *measured = g_strdup_printf ("%.0f MB/s", ours / 1e6);
    g_autofree char *ideal = g_strdup_printf (_("%.0f MB/s openssl"), openssl / 1e6);

    report_line (report, _("hash 64×4 MiB MD5: throughput"), lab_mode_get_title (LAB_MODE_SEQUENTIAL), measured, ideal,
                 ours / openssl, TARGET_AT_LEAST, 0.85);
  }
}

/* 10,000 tasks that do nothing: what a mode costs per task. */
static void
bench_overhead (Report *report,
                guint   repeat)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GPtrArray) results = NULL;
  const double targets[LAB_N_MODES] = { 20, 20, 100, 20 };

  plan->task_ms = 0;
  plan->tasks = 10000;
  /* One worker per core, but never more worker processes than a run may
   * start: a 128-core machine measures with 64. */
  plan->workers = MIN (g_get_num_processors (), LAB_MAX_PROCESS_WORKERS);
  results = run_plan (plan, "threads,async,processes", repeat, NULL);

  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = result_run (results, i);
      double per_task = (double) run->wall_us / plan->tasks;
      g_autofree char *measured = g_strdup_printf (_("%.1f µs/task"), per_task);
      g_autofree char *budget = g_strdup_printf (_("%.0f µs/task"), targets[run->mode]);

      report_line (report, _("overhead, 10,000 empty tasks"), lab_mode_get_title (run->mode),
                   measured, budget, per_task / targets[run->mode], TARGET_AT_MOST, 1.0);
    }
}

static LabServer *
start_server (guint   files,
              guint64 size,
              guint   latency_ms)
{
  LabServerOptions options;
  g_autoptr(GError) error = NULL;
  LabServer *server;

  lab_server_options_init (&options);
  options.n_files = files;
  options.file_size = size;
  options.latency_ms = latency_ms;
  server = lab_server_new (&options, &error);
  if (server == NULL)
    {
      g_printerr ("concurrency-lab benchmark: %s\n", error->message);
      exit (1);
    }
  return server;
}

static LabRun *
download_once (LabServer *server,
               LabMode    mode,
               guint      tasks,
               guint      workers,
               LabRunner *runner)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;

  plan->url = g_strdup (lab_server_get_url (server));
  plan->tasks = tasks;
  plan->workers = workers;
  plan->timeout_ms = 60000;
  workload = lab_workload_new (plan, NULL);
  g_assert (workload != NULL);
  return run_once (runner, workload, mode);
}

/* 100 files of 64 KiB, 100 ms before each answer: waiting dominates. The
 * transfer part of the ideal is the same download without the latency. */
static void
bench_downloads (Report *report,
                 guint   repeat)
{
  g_autoptr(LabServer) slow = start_server (100, 64 * 1024, 100);
  g_autoptr(LabServer) fast = start_server (100, 64 * 1024, 0);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  struct { LabMode mode; guint workers; double latency_s; } cases[] = {
    { LAB_MODE_THREADS, 16, 0.1 * 7 },   /* ceil (100 / 16) rounds of 0.1 s */
    { LAB_MODE_ASYNC, 100, 0.1 },        /* one round */
    { LAB_MODE_SEQUENTIAL, 1, 0.1 * 100 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GArray) ratios = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) walls = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) ideals = g_array_new (FALSE, FALSE, sizeof (double));
      guint rounds = cases[c].mode == LAB_MODE_SEQUENTIAL ? 1 : MAX (repeat, 3);

      for (guint r = 0; r < rounds; r++)
        {
          g_autoptr(LabRun) transfer = download_once (fast, cases[c].mode, 100, cases[c].workers, runner);
          g_autoptr(LabRun) run = download_once (slow, cases[c].mode, 100, cases[c].workers, runner);
          double ideal = cases[c].latency_s + transfer->wall_us / 1e6;
          double wall = run->wall_us / 1e6;
          double ratio = wall / ideal;

          g_array_append_val (ratios, ratio);
          g_array_append_val (walls, wall);
          g_array_append_val (ideals, ideal);
        }

      {
        g_autofree char *label = g_strdup_printf ("%s, %u", lab_mode_get_title (cases[c].mode),
                                                  cases[c].workers);
        g_autofree char *measured = lab_table_seconds (median (walls) * 1e6);
        g_autofree char *ideal = g_strdup_printf (_("%.3f s (%.1f s wait + transfer)"),
                                                  median (ideals), cases[c].latency_s);

        report_line (report, _("download 100×64 KiB, 100 ms latency"), label, measured, ideal,
                     median (ratios), TARGET_AT_MOST, 1.15);
      }
    }
}

/* One download run of @n files with @n in flight, or NULL (and why, on
 * stderr) when it did not verify. */
static LabRun *
scale_download (LabServer *server,
                LabMode    mode,
                guint      n,
                LabRunner *runner)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;

  plan->url = g_strdup (lab_server_get_url (server));
  plan->tasks = n;
  plan->workers = n;
  plan->timeout_ms = 60000;
  workload = lab_workload_new (plan, &error);
  if (workload != NULL)
    run = lab_runner_run (runner, workload, mode, NULL, &error);
  if (run == NULL || !lab_run_is_ok (run))
    {
      g_printerr ("(download %s, %u: %s)\n", lab_mode_to_string (mode), n,
                  run != NULL ? run->verify_error : error->message);
      return NULL;
    }

  return g_steal_pointer (&run);
}

/* Ten thousand at once (issue 13): 10,000 one-second waits on one event
 * loop, and downloads with 1,000 and 5,000 in flight, against an ideal of
 * the one second every task waits — on a loop, and on as many threads. */
static void
bench_ten_thousand (Report *report,
                    guint   repeat)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(LabServer) server = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GPtrArray) waits = NULL;
  struct { LabMode mode; guint in_flight; double target; } cases[] = {
    { LAB_MODE_ASYNC, 1000, 1.2 },
    { LAB_MODE_THREADS, 1000, 1.2 },
    { LAB_MODE_ASYNC, 5000, 1.5 },
    { LAB_MODE_THREADS, 5000, 1.5 },
  };
  double medians[G_N_ELEMENTS (cases)];

  plan->task_ms = 1000;
  plan->tasks = 10000;
  plan->workers = 10000;
  waits = run_plan (plan, "async", repeat, NULL);
  {
    LabRun *run = result_run (waits, 0);
    g_autofree char *measured = lab_table_seconds (run->wall_us);

    report_line (report, _("sleep 10,000×1 s, 10,000 in flight"), lab_mode_get_title (run->mode),
                 measured, "1.000 s", run->wall_us / 1e6, TARGET_AT_MOST, 1.05);
  }

  server = start_server (5000, 16 * 1024, 1000);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GArray) walls = g_array_new (FALSE, FALSE, sizeof (double));
      g_autofree char *label = g_strdup_printf ("%s, %u", lab_mode_get_title (cases[c].mode),
                                                cases[c].in_flight);
      g_autofree char *measured = NULL;

      /* At thousands in flight a loaded machine may fail a request or
       * two: that run counts as missed, with its reason, and the others go on. */
      for (guint r = 0; r < repeat; r++)
        {
          g_autoptr(LabRun) run = scale_download (server, cases[c].mode, cases[c].in_flight, runner);
          double wall = run != NULL ? run->wall_us / 1e6 : INFINITY;

          g_array_append_val (walls, wall);
        }
      medians[c] = median (walls);
      measured = lab_table_seconds (medians[c] * 1e6);
      report_line (report, _("download 16 KiB, 1 s latency"), label, measured, "1.000 s",
                   medians[c], TARGET_AT_MOST, cases[c].target);
    }

  /* The event loop must never lose to as many threads. */
  for (guint c = 0; c < G_N_ELEMENTS (cases); c += 2)
    {
      g_autofree char *label = g_strdup_printf (_("%s vs %s, %u"),
                                                lab_mode_get_title (LAB_MODE_ASYNC),
                                                lab_mode_get_title (LAB_MODE_THREADS),
                                                cases[c].in_flight);
      g_autofree char *measured = g_strdup_printf (_("%.3f s vs %.3f s"), medians[c],
                                                   medians[c + 1]);

      report_line (report, _("download 16 KiB, 1 s latency"), label, measured,
                   _("no slower"), medians[c] / medians[c + 1], TARGET_AT_MOST, 1.0);
    }
}

/* 100,000 tasks in one run on the event loop: the app's resident memory
 * may grow by at most 100 MB over what it held before the run. */
static void
bench_hundred_thousand (Report *report,
                        guint   repeat)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GPtrArray) results = NULL;
  LabRun *run;
  double growth_mb;

  plan->task_ms = 1000;
  plan->tasks = 100000;
  plan->workers = 100000;
  results = run_plan (plan, "async", 1, NULL);
  run = result_run (results, 0);
  growth_mb = (run->cost.peak_rss_bytes - MIN (run->cost.peak_rss_bytes,
                                               run->cost.rss_before_bytes)) / (1024.0 * 1024.0);
  {
    g_autofree char *measured = g_strdup_printf (_("%.1f MB more"), growth_mb);

    report_line (report, _("100,000 tasks in flight: peak memory"), lab_mode_get_title (run->mode),
                 measured, _("100 MB more"), growth_mb / 100, TARGET_AT_MOST, 1.0);
  }
}

/* What curl gets from a server, in bytes per second. */
static double
curl_speed (const char *url)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url, NULL };
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    return NAN;
  return g_ascii_strtod (out, NULL);
}

/* One 256 MiB file over loopback, no limits: our client against curl,
 * taken in turns from the same server. */
static void
bench_big_download (Report *report,
                    guint   repeat)
{
  g_autoptr(LabServer) server = start_server (1, 256 << 20, 0);
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) theirs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *url = g_strconcat (lab_server_get_url (server), "file-000.bin", NULL);
  double ours_median, theirs_median;

  for (guint r = 0; r < MAX (repeat, 5); r++)
    {
      g_autoptr(LabRun) run = download_once (server, LAB_MODE_SEQUENTIAL, 1, 1, runner);
      double speed = (256 << 20) / (run->wall_us / 1e6);
      double curl = curl_speed (url);

      if (isnan (curl))
        {
          g_printerr (_("(curl did not run; skipping the 256 MiB comparison)\n"));
          return;
        }
      g_array_append_val (ours, speed);
      g_array_append_val (theirs, curl);
    }

  ours_median = median (ours);
  theirs_median = median (theirs);
  {
    g_autofree char *measured = g_strdup_printf ("%.0f MB/s", ours_median / 1e6);
    g_autofree char *ideal = g_strdup_printf (_("%.0f MB/s curl"), theirs_median / 1e6);

    report_line (report, _("download 1×256 MiB: throughput"), lab_mode_get_title (LAB_MODE_SEQUENTIAL), measured, ideal,
                 ours_median / theirs_median, TARGET_AT_LEAST, 0.5);
  }
}

int
lab_benchmark_main (int    argc,
                    char **argv)
{
  g_autofree char *repeat_text = NULL;
  const GOptionEntry entries[] = {
    { "repeat", 0, 0, G_OPTION_ARG_STRING, &repeat_text, N_("Run each case R times and report the median (default: 3)"), "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint64 repeat = 3;
  Report report = { 0 };

  g_option_context_set_summary (context, _("Measure every mode against the ideal on this machine."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      (repeat_text && !lab_parse_count (repeat_text, FALSE, &repeat, &error)) ||
      !lab_options_no_arguments (argc, argv, &error))
    return lab_options_bad_input ("benchmark", error);
  if (repeat < 1 || repeat > LAB_MAX_REPEAT)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--repeat must be between 1 and 100."));
      return lab_options_bad_input ("benchmark", error);
    }

  report.table = lab_table_new (7);
  lab_table_add_row (report.table, _("Case"), _("Mode"), _("Measured"), _("Ideal"), _("Ratio"),
                     _("Target"), "", NULL);

  g_printerr (_("Measuring on %u cores, median of %u runs each…\n"), g_get_num_processors (),
              (guint) repeat);
  bench_sleep (&report, repeat);
  bench_cpu (&report, repeat);
  bench_hash (&report, repeat);
  bench_overhead (&report, repeat);
  bench_downloads (&report, repeat);
  bench_ten_thousand (&report, repeat);
  bench_hundred_thousand (&report, repeat);
  bench_big_download (&report, repeat);

  text = lab_table_render (report.table);
  g_print ("%s\n", text);
  g_print (_("%u of %u targets met.\n"), report.met, report.met + report.missed);
  lab_table_free (report.table);

  return 0;
}
