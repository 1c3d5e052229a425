/* lab-bench-output.c — what `concurrency-lab bench` prints: a table, CSV or JSON
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The printers for bench's results, kept apart from running them so the
 * runner reads as "options, runs, medians".  The table and CSV printers
 * live here; the JSON reports are in lab-bench-json.c.
 */

#define G_LOG_DOMAIN "lab-bench"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "lab-bench.h"
#include "lab-bench-output.h"
#include "lab-bench-output-private.h"
#include "lab-states.h"
#include "lab-table.h"
#include "lab-workload-fetch-hash.h"

static char *
describe_job (LabWorkload *workload)
{
  const LabPlan *plan = lab_workload_get_plan (workload);
  guint tasks = lab_workload_get_n_tasks (workload);

  if (g_str_equal (plan->workload, "sleep"))
    return g_strdup_printf (_("%u tasks that each wait %u ms"), tasks, plan->task_ms);

  if (g_str_equal (plan->workload, "cpu"))
    return g_strdup_printf (_("the sum of 1..%" PRIu64 " in %u chunks"), plan->n, tasks);

  if (g_str_equal (plan->workload, "pingpong"))
    return g_strdup (plan->global_counter
                     ? _("two producers counting to 10 in a global variable; the consumer takes 10")
                     : _("two producers put 7 items each into one queue; the consumer takes the first 10"));

  if (g_str_equal (plan->workload, "bank"))
    {
      const char *how = plan->lock ? _("with a lock") : _("without a lock");

      if (plan->deposits == 1)
        return g_strdup_printf (_("%u depositors each paying ¥1 into one account, %s"), tasks, how);
      return g_strdup_printf (_("%u depositors each paying ¥1 %u times into one account, %s"),
                              tasks, plan->deposits, how);
    }

  if (g_str_equal (plan->workload, "save"))
    {
      g_autofree char *size = g_format_size_full (plan->size, G_FORMAT_SIZE_IEC_UNITS);
      return g_strdup_printf (_("writing %u files of %s into %s"), tasks, size, plan->out_dir);
    }

  if (g_str_equal (plan->workload, "download"))
    {
      if (plan->url_list != NULL)
        return g_strdup_printf (_("downloading the %u URLs of %s"), tasks, plan->url_list);
      return g_strdup_printf (_("downloading %u files from %s"), tasks, plan->url);
    }

  if (g_str_equal (plan->workload, "fetch-hash"))
    return g_strdup_printf (_("downloading %u files from %s, then %u rounds of MD5 over each "
                              "one’s digest"), tasks, plan->url_list ? plan->url_list : plan->url,
                            LAB_FETCH_HASH_ROUNDS);

  if (plan->input_dir != NULL)
    return g_strdup_printf (_("%s of the %u files in %s"), plan->algo, tasks, plan->input_dir);

  {
    g_autofree char *size = g_format_size_full (plan->size, G_FORMAT_SIZE_IEC_UNITS);
    return g_strdup_printf (_("%s of %u blocks of %s"), plan->algo, tasks, size);
  }
}

/* The first few failed tasks of a run, enough to see what went wrong. */
static void
print_record_errors (const LabRun *run)
{
  for (guint t = 0, shown = 0; t < run->n_records && shown < 3; t++)
    if (run->records[t].error != NULL)
      {
        g_print (_("  %s: %s\n"), run->records[t].name, run->records[t].error);
        shown++;
      }
}

/* A speed-up as the tables show it, or a dash without a sequential run. */
static char *
speedup_cell (double speedup)
{
  return isnan (speedup) ? g_strdup ("—") : g_strdup_printf ("%.2fx", speedup);
}

/* One line: where a run's task time went, the states it spent time in as
 * shares of it, and how many cores the run kept busy. */
static char *
describe_time_by_state (const LabRun *run)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 by_state[LAB_N_STATES];
  gint64 total = 0;
  double cores = lab_run_get_mean_cores_busy (run);

  lab_run_get_time_by_state (run, by_state);
  for (LabState state = 0; state < LAB_N_STATES; state++)
    total += by_state[state];

  /* Translators: the start of a line, e.g. "Threads + GIL, where the time went:" */
  g_string_append_printf (line, _("%s%s, where the time went:"), lab_mode_get_title (run->mode),
                          run->gil ? _(" + GIL") : "");
  for (LabState state = 0; state < LAB_N_STATES && total > 0; state++)
    if (by_state[state] * 200 >= total)   /* 0.5 % and more */
      /* Translators: a state and its share of the task time, e.g. " Waiting for the GIL 74 %" */
      g_string_append_printf (line, _(" %s %.0f %%"), lab_state_get_title (state), 100.0 * by_state[state] / total);
  if (cores >= 0)
    /* Translators: the end of the line, e.g. "; 1.0 cores busy" */
    g_string_append_printf (line, _("; %.1f cores busy"), cores);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* An event loop's own line: how busy it was, and how late its timers. */
static void
print_loop (const LabRun *run)
{
  if (!run->loop.measured)
    return;

  g_print (_("%s: the event loop was busy %.3f s and idle %.3f s.\n"), lab_mode_get_title (run->mode),
           run->loop.busy_us / 1e6, run->loop.idle_us / 1e6);
  if (run->loop.timers > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "%s: its %u timer fired %.1f ms late (median), %.1f ms (99th percentile), "
                          "%.1f ms at worst.\n",
                          "%s: its %u timers fired %.1f ms late (median), %.1f ms (99th percentile), "
                          "%.1f ms at worst.\n",
                          run->loop.timers),
             lab_mode_get_title (run->mode), run->loop.timers, run->loop.late_median_us / 1e3,
             run->loop.late_p99_us / 1e3, run->loop.late_max_us / 1e3);
}

static void
print_table (LabWorkload *workload,
             GPtrArray   *results)
{
  g_autoptr(LabTable) table = lab_table_new (7);
  g_autofree char *job = describe_job (workload);
  g_autofree char *text = NULL;

  g_print (_("Job: %s\n\n"), job);

  lab_table_add_row (table, _("Mode"), _("Workers"), _("Start-up"), _("Wall time"), _("Speed-up"),
                     _("Tasks ok/failed"), _("Verified"), NULL);
  for (guint c = 1; c < 6; c++)
    lab_table_set_right (table, c, TRUE);

  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;
      double speedup = lab_bench_speedup (results, run);
      g_autofree char *mode = g_strdup_printf ("%s%s", lab_mode_get_title (run->mode),
                                               run->gil ? _(" + GIL") : "");
      /* processes + async: processes × tasks in flight in each */
      g_autofree char *workers = run->in_flight > 0 ? g_strdup_printf ("%u×%u", run->workers, run->in_flight)
                                                    : g_strdup_printf ("%u", run->workers);

      /* distributed: the pool it really used — the workers that took its
       * jobs, wherever they came from, and their machines */
      if (run->mode == LAB_MODE_DISTRIBUTED && run->lane_names != NULL)
        {
          g_free (workers);
          workers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u on %u host",
                                                  "%u on %u hosts", run->n_hosts),
                                     run->lane_names->len, run->n_hosts);
        }
      g_autofree char *startup = lab_table_seconds (run->startup_us);
      g_autofree char *wall = lab_table_seconds (run->wall_us);
      g_autofree char *speed = speedup_cell (speedup);
      g_autofree char *tasks = g_strdup_printf ("%u/%u", run->tasks_ok, run->tasks_failed);

      lab_table_add_row (table, mode, workers, startup, wall, speed, tasks,
                         run->verified ? "✓" : (run->cancelled ? _("cancelled") : "✗"), NULL);
    }

  text = lab_table_render (table);
  g_print ("%s\n", text);

  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;

      if (run->verify_error != NULL)
        g_print (_("%s: %s\n"), lab_mode_get_title (run->mode), run->verify_error);
      print_record_errors (run);
    }

  /* One result when all modes agree (a sum, a digest); one per mode when
   * the outcome is the lesson (the bank). */
  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;

      if (!run->verified)
        continue;
      if (run->result_fields == NULL)
        {
          g_print (_("Result: %s\n"), run->result);
          break;
        }
      g_print (_("%s: %s\n"), lab_mode_get_title (run->mode), run->result);
    }

  for (guint i = 0; i < results->len; i++)
    {
      LabBenchResult *result = g_ptr_array_index (results, i);
      guint losing = 0;
      gint64 worst = 0;

      /* Only a job that can lose deposits (the bank) says how many it lost:
       * a ping-pong run has result fields too, but no "lost". */
      if (result->run->result_fields == NULL || result->results_all->len < 2 ||
          !g_variant_lookup (g_ptr_array_index (result->results_all, 0), "lost", "x", NULL))
        continue;
      for (guint r = 0; r < result->results_all->len; r++)
        {
          gint64 lost = 0;

          if (g_variant_lookup (g_ptr_array_index (result->results_all, r), "lost", "x", &lost) && lost > 0)
            {
              losing++;
              worst = MAX (worst, lost);
            }
        }
      g_print (_("%s: deposits lost in %u of %u runs, at worst %" PRId64 ".\n"),
               lab_mode_get_title (result->run->mode), losing, result->results_all->len, worst);
    }

  for (guint i = 0; i < results->len; i++)
    {
      const LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;
      g_autofree char *line = describe_time_by_state (run);

      g_print ("%s\n", line);
      print_loop (run);

      if (run->mode == LAB_MODE_DISTRIBUTED && run->broker_cost_us >= 0)
        g_print (_("%s: a free worker started its next job %.2f ms later (median): the broker’s "
                   "cost per job.\n"),
                 lab_mode_get_title (run->mode), run->broker_cost_us / 1000.0);
      if (run->mode == LAB_MODE_DISTRIBUTED && run->requeued > 0)
        g_print (g_dngettext (GETTEXT_PACKAGE,
                              "%s: %u job went back to the queue after its worker fell silent.\n",
                              "%s: %u jobs went back to the queue after their worker fell silent.\n",
                              run->requeued),
                 lab_mode_get_title (run->mode), run->requeued);
    }

  /* What each run's concurrency cost: memory, threads, switches. */
  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;
      g_autofree char *cost = lab_cost_dup_summary (&run->cost);

      g_print (_("%s: %s\n"), lab_mode_get_title (run->mode), cost);
    }

  g_print (_("Start-up is the time to start the workers, measured apart from the wall time.\n"));
  for (guint i = 0; i < results->len; i++)
    if (((LabBenchResult *) g_ptr_array_index (results, i))->run->mode == LAB_MODE_DISTRIBUTED)
      {
        g_print (_("For Distributed it is the time to reach the broker — and, when the app starts "
                   "them itself, to start the broker and its local workers and wait for them to "
                   "join.\n"));
        break;
      }
}

static void
print_csv (GPtrArray *results)
{
  g_print ("mode,workers,gil,wall_s,startup_s,speedup,tasks_ok,tasks_failed,verified,result");
  for (LabState state = 0; state < LAB_N_STATES; state++)
    if (state != LAB_STATE_STARTUP)   /* already a column */
      g_print (",%s_s", lab_state_to_string (state));
  /* The event loop's columns stay empty for a run without one. */
  g_print (",cores_busy,loop_busy_s,loop_idle_s,timers,timer_late_median_ms,timer_late_p99_ms,"
           "timer_late_max_ms\n");
  for (guint i = 0; i < results->len; i++)
    {
      LabRun *run = ((LabBenchResult *) g_ptr_array_index (results, i))->run;
      double speedup = lab_bench_speedup (results, run);
      char wall[G_ASCII_DTOSTR_BUF_SIZE], startup[G_ASCII_DTOSTR_BUF_SIZE];
      char speed[G_ASCII_DTOSTR_BUF_SIZE] = "";

      g_ascii_formatd (wall, sizeof wall, "%.6f", run->wall_us / 1e6);
      g_ascii_formatd (startup, sizeof startup, "%.6f", run->startup_us / 1e6);
      if (!isnan (speedup))
        g_ascii_formatd (speed, sizeof speed, "%.4f", speedup);

      gint64 by_state[LAB_N_STATES];
      double cores = lab_run_get_mean_cores_busy (run);
      char cell[G_ASCII_DTOSTR_BUF_SIZE];

      g_print ("%s,%u,%s,%s,%s,%s,%u,%u,%s,%s", lab_mode_to_string (run->mode), run->workers,
               run->gil ? "true" : "false", wall, startup, speed, run->tasks_ok,
               run->tasks_failed, run->verified ? "true" : "false",
               run->result ? run->result : "");
      lab_run_get_time_by_state (run, by_state);
      for (LabState state = 0; state < LAB_N_STATES; state++)
        if (state != LAB_STATE_STARTUP)
          g_print (",%s", g_ascii_formatd (cell, sizeof cell, "%.6f", by_state[state] / 1e6));
      g_print (",%s", cores >= 0 ? g_ascii_formatd (cell, sizeof cell, "%.3f", cores) : "");
      if (run->loop.measured)
        {
          const gint64 late[3] = { run->loop.late_median_us, run->loop.late_p99_us, run->loop.late_max_us };

          g_print (",%s", g_ascii_formatd (cell, sizeof cell, "%.6f", run->loop.busy_us / 1e6));
          g_print (",%s,%u", g_ascii_formatd (cell, sizeof cell, "%.6f", run->loop.idle_us / 1e6),
                   run->loop.timers);
          for (guint k = 0; k < 3; k++)
            g_print (",%s", late[k] >= 0 ? g_ascii_formatd (cell, sizeof cell, "%.3f", late[k] / 1e3) : "");
          g_print ("\n");
        }
      else
        g_print (",,,,,,\n");
    }
}

/* The seed 000 table: a row per mode, a column per stage, in seconds. */
double
lab_bench_pipeline_speedup (GPtrArray      *results,
                            LabPipelineRun *run)
{
  for (guint i = 0; i < results->len; i++)
    {
      LabPipelineRun *other = g_ptr_array_index (results, i);

      if (other->mode == LAB_MODE_SEQUENTIAL && other->ok && run->ok && run->wall_us > 0)
        return (double) other->wall_us / run->wall_us;
    }
  return NAN;
}

static void
print_pipeline_table (LabPipeline *pipeline,
                      GPtrArray   *results)
{
  LabWorkload *download = lab_pipeline_get_stage (pipeline, LAB_STAGE_DOWNLOAD);
  g_autoptr(LabTable) table = lab_table_new (9);
  g_autofree char *job = describe_job (download);
  g_autofree char *text = NULL;

  g_print (_("Job: %s, then save and %s each\n\n"), job,
           lab_workload_get_plan (lab_pipeline_get_stage (pipeline, LAB_STAGE_HASH))->algo);
  lab_table_add_row (table, _("Mode"), _("Workers"), _("Start-up"),
                     lab_stage_get_title (LAB_STAGE_DOWNLOAD), lab_stage_get_title (LAB_STAGE_SAVE),
                     lab_stage_get_title (LAB_STAGE_HASH), _("Total"), _("Speed-up"), _("Verified"),
                     NULL);
  for (guint c = 1; c < 8; c++)
    lab_table_set_right (table, c, TRUE);

  for (guint i = 0; i < results->len; i++)
    {
      LabPipelineRun *run = g_ptr_array_index (results, i);
      LabRun *first = run->stages[LAB_STAGE_DOWNLOAD];
      char *cells[LAB_N_STAGES];
      g_autofree char *workers = g_strdup_printf ("%u", first->workers);
      g_autofree char *startup = lab_table_seconds (first->startup_us);
      g_autofree char *total = lab_table_seconds (run->wall_us);
      double speedup = lab_bench_pipeline_speedup (results, run);
      g_autofree char *speed = speedup_cell (speedup);

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        cells[stage] = run->stages[stage] ? lab_table_seconds (run->stages[stage]->wall_us)
                                          : g_strdup ("—");
      lab_table_add_row (table, lab_mode_get_title (run->mode), workers, startup, cells[0], cells[1],
                         cells[2], total, speed,
                         run->ok ? "✓" : (first->cancelled ? _("cancelled") : "✗"), NULL);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        g_free (cells[stage]);
    }

  text = lab_table_render (table);
  g_print ("%s\n", text);

  for (guint i = 0; i < results->len; i++)
    {
      LabPipelineRun *run = g_ptr_array_index (results, i);

      if (run->error != NULL)
        g_print (_("%s: %s\n"), lab_mode_get_title (run->mode), run->error);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        if (run->stages[stage] != NULL)
          print_record_errors (run->stages[stage]);
    }

  for (guint i = 0; i < results->len; i++)
    if (((LabPipelineRun *) g_ptr_array_index (results, i))->ok)
      {
        g_print (_("Result: %s\n"), ((LabPipelineRun *) g_ptr_array_index (results, i))->result);
        break;
      }
}

static void
print_pipeline_csv (GPtrArray *results)
{
  g_print ("mode,workers,startup_s,download_s,save_s,hash_s,wall_s,speedup,verified,result\n");
  for (guint i = 0; i < results->len; i++)
    {
      LabPipelineRun *run = g_ptr_array_index (results, i);
      double speedup = lab_bench_pipeline_speedup (results, run);
      char numbers[5][G_ASCII_DTOSTR_BUF_SIZE];
      char speed[G_ASCII_DTOSTR_BUF_SIZE] = "";

      g_ascii_formatd (numbers[0], sizeof numbers[0], "%.6f",
                       run->stages[LAB_STAGE_DOWNLOAD]->startup_us / 1e6);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        g_ascii_formatd (numbers[1 + stage], sizeof numbers[0], "%.6f",
                         run->stages[stage] ? run->stages[stage]->wall_us / 1e6 : 0.0);
      g_ascii_formatd (numbers[4], sizeof numbers[0], "%.6f", run->wall_us / 1e6);
      if (!isnan (speedup))
        g_ascii_formatd (speed, sizeof speed, "%.4f", speedup);

      g_print ("%s,%u,%s,%s,%s,%s,%s,%s,%s,%s\n", lab_mode_to_string (run->mode),
               run->stages[LAB_STAGE_DOWNLOAD]->workers, numbers[0], numbers[1], numbers[2],
               numbers[3], numbers[4], speed, run->ok ? "true" : "false",
               run->result ? run->result : "");
    }
}

/* Prints the median run of each mode of one workload. */
void
lab_bench_print_runs (LabBenchFormat  format,
                      LabWorkload    *workload,
                      GPtrArray      *results,
                      guint           repeat)
{
  switch (format)
    {
    case LAB_BENCH_FORMAT_TABLE:
      print_table (workload, results);
      break;
    case LAB_BENCH_FORMAT_CSV:
      print_csv (results);
      break;
    case LAB_BENCH_FORMAT_JSON:
      lab_bench_print_json (workload, results, repeat);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Prints one run of the download → save → hash pipeline per mode. */
void
lab_bench_print_pipeline_runs (LabBenchFormat  format,
                               LabPipeline    *pipeline,
                               GPtrArray      *results)
{
  switch (format)
    {
    case LAB_BENCH_FORMAT_TABLE:
      print_pipeline_table (pipeline, results);
      break;
    case LAB_BENCH_FORMAT_CSV:
      print_pipeline_csv (results);
      break;
    case LAB_BENCH_FORMAT_JSON:
    default:
      lab_bench_print_pipeline_json (pipeline, results);
      break;
    }
}
