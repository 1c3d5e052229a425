/* lab-bench.c — `concurrency-lab bench`: the engine without a window
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs one workload in each chosen mode, on identical inputs, and prints a
 * table like the one in seed 000 (or CSV, or JSON for scripts).  This file
 * turns the options into a plan, runs it, and keeps the median of the
 * repeats; lab-bench-output.c prints the results.  The runs happen on a
 * thread of their own, so this thread can show progress from the event
 * stream and turn Ctrl+C into a clean cancel.
 */

#define G_LOG_DOMAIN "lab-bench"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "lab-bench.h"
#include "lab-bench-output.h"
#include "lab-files.h"
#include "lab-options.h"
#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-trace.h"

#define LAB_MAX_SEED ((G_GUINT64_CONSTANT (1) << 53) - 1)

void
lab_bench_result_free (LabBenchResult *result)
{
  g_clear_pointer (&result->run, lab_run_free);
  g_clear_pointer (&result->walls_us, g_array_unref);
  g_clear_pointer (&result->results_all, g_ptr_array_unref);
  g_free (result);
}

/* Runs @workload in every mode of @modes, @repeat times each, and keeps the
 * median run of each mode. */
GPtrArray *
lab_bench_run_modes (LabRunner     *runner,
                     LabWorkload   *workload,
                     const GArray  *modes,
                     guint          repeat,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_bench_result_free);

  for (guint m = 0; m < modes->len; m++)
    {
      LabMode mode = g_array_index (modes, LabMode, m);
      g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_run_free);
      LabBenchResult *result;
      guint median = 0;

      for (guint r = 0; r < repeat; r++)
        {
          LabRun *run = lab_runner_run (runner, workload, mode, cancellable, error);

          if (run == NULL)
            return NULL;
          g_ptr_array_add (runs, run);
          if (run->cancelled)
            break;
        }

      result = g_new0 (LabBenchResult, 1);
      result->walls_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      result->results_all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      for (guint r = 0; r < runs->len; r++)
        {
          LabRun *run = g_ptr_array_index (runs, r);
          GVariant *fields = run->result_fields ? g_variant_ref (run->result_fields)
                                                : g_variant_ref_sink (g_variant_new_string (run->result ? run->result : ""));

          g_array_append_val (result->walls_us, run->wall_us);
          g_ptr_array_add (result->results_all, fields);
        }

      /* The median run: the one with as many faster runs as slower ones. */
      for (guint r = 0; r < runs->len; r++)
        {
          gint64 wall = ((LabRun *) g_ptr_array_index (runs, r))->wall_us;
          guint below = 0;

          for (guint q = 0; q < runs->len; q++)
            below += ((LabRun *) g_ptr_array_index (runs, q))->wall_us < wall;
          if (below == (runs->len - 1) / 2)
            {
              median = r;
              break;
            }
          if (below < (runs->len - 1) / 2)
            median = r;
        }
      result->run = g_ptr_array_steal_index (runs, median);
      g_ptr_array_add (results, result);

      if (result->run->cancelled)
        break;
    }

  return g_steal_pointer (&results);
}

/* Speed-up over the sequential run of the same batch, or NAN without one. */
double
lab_bench_speedup (GPtrArray    *results,
                   const LabRun *run)
{
  for (guint i = 0; i < results->len; i++)
    {
      LabBenchResult *result = g_ptr_array_index (results, i);

      /* Comparing failed runs would measure how fast things fail. */
      if (result->run->mode == LAB_MODE_SEQUENTIAL && lab_run_is_ok (result->run) &&
          lab_run_is_ok (run) && run->wall_us > 0)
        return (double) result->run->wall_us / run->wall_us;
    }

  return NAN;
}

/* The runs happen on this thread; the main thread stays free for progress
 * and for Ctrl+C. */
typedef struct
{
  LabRunner    *runner;
  LabWorkload  *workload;
  GArray       *modes;
  guint         repeat;
  GCancellable *cancellable;
  GMainLoop    *loop;
  GPtrArray    *results;
  LabPipeline  *pipeline;       /* --workload=pipeline */
  GError       *error;
  LabEventBuffer *events;
  guint         done_tasks;
  guint         total_tasks;
  LabMode       current_mode;
  gboolean      progress;
} Bench;

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
bench_thread (gpointer data)
{
  Bench *bench = data;

  if (bench->pipeline != NULL)
    {
      bench->results = g_ptr_array_new_with_free_func ((GDestroyNotify) lab_pipeline_run_free);
      for (guint m = 0; m < bench->modes->len; m++)
        {
          LabPipelineRun *run = lab_pipeline_run (bench->pipeline, bench->runner,
                                                  g_array_index (bench->modes, LabMode, m),
                                                  bench->cancellable, &bench->error);

          if (run == NULL)
            {
              g_clear_pointer (&bench->results, g_ptr_array_unref);
              break;
            }
          g_ptr_array_add (bench->results, run);
          if (g_cancellable_is_cancelled (bench->cancellable))
            break;
        }
    }
  else
    bench->results = lab_bench_run_modes (bench->runner, bench->workload, bench->modes,
                                          bench->repeat, bench->cancellable, &bench->error);
  /* Queued, never called here: a run that fails at once may end before
   * the main thread is in the loop, and quitting a loop that is not yet
   * running does nothing. */
  g_idle_add (quit_loop, bench->loop);
  return NULL;
}

static gboolean
show_progress (gpointer data)
{
  Bench *bench = data;
  g_autoptr(GArray) events = lab_event_buffer_drain (bench->events);

  /* One look at the whole batch, however many events came in. */
  for (guint i = 0; i < events->len; i++)
    {
      const LabEvent *event = &g_array_index (events, LabEvent, i);

      if (event->kind == LAB_EVENT_RUN_STARTED)
        {
          bench->current_mode = event->mode;
          bench->done_tasks = 0;
          bench->total_tasks = event->task;
        }
      else if (event->kind == LAB_EVENT_TASK_FINISHED)
        bench->done_tasks++;
    }

  if (bench->progress && bench->total_tasks > 0)
    {
      g_printerr ("\r\033[K");
      g_printerr (_("Running %s: %u/%u tasks"), lab_mode_get_title (bench->current_mode),
                  bench->done_tasks, bench->total_tasks);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
interrupted (gpointer data)
{
  Bench *bench = data;

  g_cancellable_cancel (bench->cancellable);
  return G_SOURCE_CONTINUE;
}

/* --trace: every run of the bench (a pipeline's stages each) as a process
 * of one trace. */
static gboolean
save_trace (const char     *path,
            const LabPlan  *plan,
            gboolean        is_pipeline,
            GPtrArray      *results,
            GError        **error)
{
  g_autoptr(LabTrace) trace = lab_trace_new (_("Concurrency Lab bench"));

  g_autofree char *tasks = g_strdup_printf ("%u", plan->tasks);
  g_autofree char *workers = g_strdup_printf ("%u", plan->workers);

  lab_trace_set_info (trace, "workload", plan->workload);
  lab_trace_set_info (trace, "tasks", tasks);
  lab_trace_set_info (trace, "workers", workers);
  for (guint i = 0; i < results->len; i++)
    {
      if (is_pipeline)
        {
          LabPipelineRun *run = g_ptr_array_index (results, i);

          for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
            if (run->stages[stage] != NULL)
              {
                g_autofree char *name = g_strdup_printf ("%s: %s", lab_mode_get_title (run->mode),
                                                         lab_stage_get_title (stage));

                lab_trace_add_run (trace, name, run->stages[stage]);
              }
        }
      else
        {
          LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;
          g_autofree char *name = g_strdup_printf ("%s%s", lab_mode_get_title (run->mode),
                                                   run->gil ? _(" + GIL") : "");

          lab_trace_add_run (trace, name, run);
        }
    }
  return lab_trace_save (trace, path, error);
}

int
lab_bench_main (int    argc,
                char **argv)
{
  g_autofree char *workload_name = NULL, *modes_text = NULL, *tasks_text = NULL;
  g_autofree char *workers_text = NULL, *task_ms_text = NULL, *size_text = NULL;
  g_autofree char *n_text = NULL, *algo = NULL, *input_dir = NULL, *repeat_text = NULL;
  g_autofree char *seed_text = NULL, *format_text = NULL;
  g_autofree char *url_list = NULL, *url = NULL, *latency_text = NULL, *bandwidth_text = NULL;
  g_autofree char *fail_text = NULL, *fail_share_text = NULL, *timeout_text = NULL;
  g_autofree char *retries_text = NULL, *out_dir = NULL, *trace_path = NULL;
  g_autofree char *in_flight_text = NULL, *broker = NULL;
  g_autoptr(LabServer) server = NULL;
  g_autofree char *pause_text = NULL, *deposits_text = NULL;
  gboolean lock = FALSE, shared_memory = FALSE, global_counter = FALSE;
  gboolean gil = FALSE, serve_beyond_loopback = FALSE;
  const GOptionEntry entries[] = {
    { "workload", 0, 0, G_OPTION_ARG_STRING, &workload_name, N_("What to run: sleep, cpu, hash, download, fetch-hash (download, then 20000 rounds of MD5), save, pipeline (download → save → hash), bank or pingpong (default: sleep)"), N_("NAME") },
    { "modes", 0, 0, G_OPTION_ARG_STRING, &modes_text, N_("Comma list of sequential,threads,processes,async,processes-async,distributed (default: the first four)"), N_("LIST") },
    LAB_BROKER_OPTION_ENTRY (broker),
    { "tasks", 0, 0, G_OPTION_ARG_STRING, &tasks_text, N_("Number of tasks, 1–100000 (default: 8)"), "N" },
    { "workers", 0, 0, G_OPTION_ARG_STRING, &workers_text, N_("Concurrency of every concurrent mode: threads, in-flight tasks, or processes; async up to 100000, threads up to 10000, processes up to 256 (default: 4)"), "N" },
    { "in-flight", 0, 0, G_OPTION_ARG_STRING, &in_flight_text, N_("processes-async: tasks in flight on each worker process’s event loop; processes × in-flight at most 100000 (default: 1000 / processes)"), "M" },
    { "task-ms", 0, 0, G_OPTION_ARG_STRING, &task_ms_text, N_("sleep: how long each task waits, 0–600000 ms (default: 100)"), N_("MS") },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, N_("hash: bytes of data per task, up to 1GiB, e.g. 4MiB (default: 1MiB)"), N_("BYTES") },
    { "n", 0, 0, G_OPTION_ARG_STRING, &n_text, N_("cpu: add up 1..N, N up to 6e9 (default: 1e8)"), "N" },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo, N_("hash: md5 or sha256 (default: md5)"), N_("ALGO") },
    { "input-dir", 0, 0, G_OPTION_ARG_FILENAME, &input_dir, N_("hash: hash the files in this folder instead of generated data"), N_("DIR") },
    { "gil", 0, 0, G_OPTION_ARG_NONE, &gil, N_("threads: emulate Python’s global interpreter lock"), NULL },
    { "repeat", 0, 0, G_OPTION_ARG_STRING, &repeat_text, N_("Run each mode R times and report the median, 1–100 (default: 1)"), "R" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Seed for the generated data (default: 1)"), "S" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("Output: table, csv or json (default: table)"), N_("FORMAT") },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path, N_("Also write the runs as a trace that ui.perfetto.dev and chrome://tracing open"), N_("FILE") },
    { "url-list", 0, 0, G_OPTION_ARG_FILENAME, &url_list, N_("download: fetch the URLs in this file, one per line, instead of the built-in server’s files"), N_("FILE") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, N_("download: base URL of a running `concurrency-lab serve` (default: start one)"), N_("URL") },
    { "timeout-ms", 0, 0, G_OPTION_ARG_STRING, &timeout_text, N_("download: give up on a request after this long, 1–600000 (default: 10000)"), N_("MS") },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &retries_text, N_("download: try a failed request again up to N times, 0–10 (default: 0)"), "N" },
    { "latency-ms", 0, 0, G_OPTION_ARG_STRING, &latency_text, N_("built-in server: wait before each answer (default: 0)"), N_("MS") },
    { "bandwidth", 0, 0, G_OPTION_ARG_STRING, &bandwidth_text, N_("built-in server: bytes per second per connection (default: no limit)"), N_("BYTES") },
    { "fail", 0, 0, G_OPTION_ARG_STRING, &fail_text, N_("built-in server: make requests fail: 500, reset or stall"), N_("HOW") },
    { "fail-share", 0, 0, G_OPTION_ARG_STRING, &fail_share_text, N_("built-in server: share of requests that fail, 0–1 (default: 1 with --fail)"), N_("SHARE") },
    LAB_SERVER_BEYOND_LOOPBACK_ENTRY ("serve-beyond-loopback", serve_beyond_loopback),
    { "out-dir", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, N_("save: write the files into this folder"), N_("DIR") },
    { "lock", 0, 0, G_OPTION_ARG_NONE, &lock, N_("bank: protect the balance with a lock"), NULL },
    { "shared-memory", 0, 0, G_OPTION_ARG_NONE, &shared_memory, N_("bank: keep the account in memory the processes share"), NULL },
    { "pause-ms", 0, 0, G_OPTION_ARG_STRING, &pause_text, N_("bank: pause between reading and writing the balance, 0–10000 (default: 10)"), N_("MS") },
    { "deposits", 0, 0, G_OPTION_ARG_STRING, &deposits_text, N_("bank: deposits each depositor makes, 1–10000 (default: 1)"), "N" },
    { "global-counter", 0, 0, G_OPTION_ARG_NONE, &global_counter, N_("pingpong: the broken version, counting in a global variable"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(GArray) modes = g_array_new (FALSE, FALSE, sizeof (LabMode));
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LabEventBuffer) events = lab_event_buffer_new ();
  g_autoptr(GMainLoop) loop = NULL;
  LabBenchFormat format = LAB_BENCH_FORMAT_TABLE;
  g_autoptr(LabPipeline) pipeline = NULL;
  g_autofree char *temp_dir = NULL;
  g_autofree char *limits = NULL;
  gboolean is_pipeline = FALSE;
  Bench bench = { 0 };
  guint repeat = 1, sigint = 0, progress_timer;
  GThread *thread;
  gboolean all_ok = TRUE;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Run the same tasks sequentially, on threads, in worker "
                                           "processes and on one event loop, and compare."));
  limits = lab_options_dup_limits_description ();
  g_option_context_set_description (context, limits);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto bad_input;

  if (!lab_options_no_arguments (argc, argv, &error))
    goto bad_input;

  if (trace_path != NULL && !lab_options_check_output_file (trace_path, &error))
    goto bad_input;

  plan = lab_plan_new (workload_name ? workload_name : "sleep");
  if ((tasks_text && !lab_parse_bounded ("--tasks", tasks_text, G_MAXUINT, &plan->tasks, &error)) ||
      (workers_text && !lab_parse_bounded ("--workers", workers_text, G_MAXUINT, &plan->workers, &error)) ||
      (task_ms_text && !lab_parse_bounded ("--task-ms", task_ms_text, G_MAXUINT, &plan->task_ms, &error)) ||
      (repeat_text && !lab_parse_bounded ("--repeat", repeat_text, G_MAXUINT, &repeat, &error)))
    goto bad_input;
  if (size_text && !lab_parse_count (size_text, TRUE, &plan->size, &error))
    goto bad_input;
  if (n_text && !lab_parse_count (n_text, FALSE, &plan->n, &error))
    goto bad_input;
  if (in_flight_text && !lab_parse_in_flight (in_flight_text, plan->workers, &plan->in_flight, &error))
    goto bad_input;
  if (seed_text && !lab_parse_count (seed_text, FALSE, &plan->seed, &error))
    goto bad_input;
  if (plan->seed > LAB_MAX_SEED)
    {
      /* JSON numbers are exact only up to 2^53. */
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--seed must be at most %" PRIu64 "."), LAB_MAX_SEED);
      goto bad_input;
    }
  if (algo != NULL)
    {
      g_free (plan->algo);
      plan->algo = g_ascii_strdown (algo, -1);
    }
  plan->input_dir = g_steal_pointer (&input_dir);
  plan->gil = gil;
  plan->url_list = g_steal_pointer (&url_list);
  plan->url = g_steal_pointer (&url);
  plan->out_dir = g_steal_pointer (&out_dir);
  if (broker != NULL && !lab_broker_option_parse (broker, &plan->broker, &error))
    goto bad_input;
  plan->lock = lock;
  plan->shared_memory = shared_memory;
  plan->global_counter = global_counter;
  if ((pause_text && !lab_parse_bounded ("--pause-ms", pause_text, G_MAXUINT, &plan->pause_ms, &error)) ||
      (deposits_text && !lab_parse_bounded ("--deposits", deposits_text, G_MAXUINT, &plan->deposits, &error)))
    goto bad_input;
  if ((timeout_text && !lab_parse_bounded ("--timeout-ms", timeout_text, G_MAXUINT, &plan->timeout_ms, &error)) ||
      (retries_text && !lab_parse_bounded ("--retries", retries_text, G_MAXUINT, &plan->retries, &error)))
    goto bad_input;
  if (plan->url != NULL && !g_str_has_suffix (plan->url, "/"))
    {
      char *with_slash = g_strconcat (plan->url, "/", NULL);

      g_free (plan->url);
      plan->url = with_slash;
    }

  if (repeat < 1 || repeat > LAB_MAX_REPEAT)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--repeat must be between 1 and %u, not %u."), LAB_MAX_REPEAT, repeat);
      goto bad_input;
    }

  if (format_text == NULL || g_str_equal (format_text, "table"))
    format = LAB_BENCH_FORMAT_TABLE;
  else if (g_str_equal (format_text, "csv"))
    format = LAB_BENCH_FORMAT_CSV;
  else if (g_str_equal (format_text, "json"))
    format = LAB_BENCH_FORMAT_JSON;
  else
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown format “%s”; choose table, csv or json."), format_text);
      goto bad_input;
    }

  if (!lab_mode_parse_list (modes_text ? modes_text : "sequential,threads,processes,async",
                            modes, &error))
    goto bad_input;

  for (guint i = 0; i < modes->len; i++)
    if (!lab_plan_validate_mode (plan, g_array_index (modes, LabMode, i), &error))
      goto bad_input;

  /* Downloads without a URL list come from a server of our own, holding
   * exactly the files the tasks ask for. */
  is_pipeline = g_str_equal (plan->workload, "pipeline");
  if ((is_pipeline || g_str_equal (plan->workload, "download") ||
       g_str_equal (plan->workload, "fetch-hash")) && plan->url_list == NULL &&
      plan->url == NULL)
    {
      LabServerOptions options;

      lab_server_options_init (&options);
      options.n_files = plan->tasks;
      options.file_size = plan->size;
      options.seed = plan->seed;
      options.listen_beyond_loopback = serve_beyond_loopback;
      if (!lab_server_options_parse (&options, NULL, NULL, latency_text, bandwidth_text,
                                     fail_text, fail_share_text, &error))
        goto bad_input;
      /* Refused before the server starts if the descriptors cannot hold it. */
      lab_raise_fd_limit ();
      for (guint i = 0; i < modes->len; i++)
        if (!lab_plan_check_descriptors (plan, g_array_index (modes, LabMode, i), plan->tasks,
                                         TRUE, &error))
          goto bad_input;
      server = lab_server_new (&options, &error);
      if (server == NULL)
        goto bad_input;
      plan->url = g_strdup (lab_server_get_url (server));
      lab_server_print_notice (server, FALSE);
    }
  else if (serve_beyond_loopback)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--serve-beyond-loopback works only when a download workload starts the "
                     "built-in server (no --url or --url-list)."));
      goto bad_input;
    }

  if (is_pipeline)
    {
      /* Saved files go to a fresh folder of ours unless one was given. */
      if (plan->out_dir == NULL)
        {
          temp_dir = g_dir_make_tmp ("concurrency-lab-XXXXXX", &error);
          if (temp_dir == NULL)
            goto bad_input;
          plan->out_dir = g_strdup (temp_dir);
        }
      pipeline = lab_pipeline_new (plan, &error);
      if (pipeline == NULL)
        goto bad_input;
      workload = g_object_ref (lab_pipeline_get_stage (pipeline, LAB_STAGE_DOWNLOAD));
    }
  else
    {
      workload = lab_workload_new (plan, &error);
      if (workload == NULL)
        goto bad_input;
    }

  runner = lab_runner_new ();
  lab_runner_set_events (runner, events);

  /* From here on Ctrl+C cancels cleanly instead of killing us. */
  sigint = g_unix_signal_add (SIGINT, interrupted, &bench);
  bench.cancellable = cancellable;

  /* Start the worker processes up front: a binary that cannot serve as a
   * worker is bad input too, and start-up is measured apart anyway. */
  for (guint i = 0; i < modes->len; i++)
    if (lab_mode_uses_processes (g_array_index (modes, LabMode, i)) &&
        !lab_runner_prepare_processes (runner, plan->workers, cancellable, &error))
      {
        g_clear_handle_id (&sigint, g_source_remove);
        goto bad_input;
      }

  loop = g_main_loop_new (NULL, FALSE);
  bench.runner = runner;
  bench.workload = workload;
  bench.modes = modes;
  bench.repeat = repeat;
  bench.cancellable = cancellable;
  bench.loop = loop;
  bench.events = events;
  bench.pipeline = pipeline;
  bench.progress = isatty (STDERR_FILENO);

  progress_timer = g_timeout_add (100, show_progress, &bench);
  thread = g_thread_new ("lab-bench", bench_thread, &bench);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_clear_handle_id (&sigint, g_source_remove);
  g_clear_handle_id (&progress_timer, g_source_remove);
  if (bench.progress)
    g_printerr ("\r\033[K");

  if (temp_dir != NULL)
    lab_remove_folder (temp_dir);

  if (bench.results == NULL && g_cancellable_is_cancelled (cancellable))
    {
      g_clear_error (&bench.error);
      g_printerr (_("Cancelled.\n"));
      return 130;
    }

  if (bench.results == NULL)
    {
      g_printerr ("concurrency-lab: %s\n", bench.error->message);
      g_clear_error (&bench.error);
      return 1;
    }

  if (trace_path != NULL && !save_trace (trace_path, plan, pipeline != NULL, bench.results, &error))
    {
      g_printerr ("concurrency-lab: %s\n", error->message);
      all_ok = FALSE;
    }

  if (pipeline != NULL)
    {
      lab_bench_print_pipeline_runs (format, pipeline, bench.results);
      for (guint i = 0; i < bench.results->len; i++)
        all_ok &= ((LabPipelineRun *) g_ptr_array_index (bench.results, i))->ok;
      all_ok &= bench.results->len == modes->len;
      g_ptr_array_unref (bench.results);
      if (g_cancellable_is_cancelled (cancellable))
        return 130;
      return all_ok ? 0 : 1;
    }

  lab_bench_print_runs (format, workload, bench.results, repeat);

  for (guint i = 0; i < bench.results->len; i++)
    all_ok &= lab_run_is_ok (((LabBenchResult *) g_ptr_array_index (bench.results, i))->run);
  all_ok &= bench.results->len == modes->len;
  g_ptr_array_unref (bench.results);

  if (g_cancellable_is_cancelled (cancellable))
    return 130;

  return all_ok ? 0 : 1;

bad_input:
  return lab_options_bad_input ("bench", error);
}
