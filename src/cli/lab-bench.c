/* lab-bench.c — `concurrency-lab bench`: the engine without a window
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs one workload in each chosen mode, on identical inputs, and prints a
 * table like the one in seed 000 (or CSV, or JSON for scripts).  The runs
 * happen on a thread of their own, so this thread can show progress from
 * the event stream and turn Ctrl+C into a clean cancel.
 */

#define G_LOG_DOMAIN "lab-bench"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "lab-bench.h"
#include "lab-pipeline.h"
#include "lab-serve.h"
#include "lab-server.h"
#include "lab-table.h"
#include "lab-workload-save.h"

#define LAB_MAX_SEED ((G_GUINT64_CONSTANT (1) << 53) - 1)

typedef enum
{
  FORMAT_TABLE,
  FORMAT_CSV,
  FORMAT_JSON,
} BenchFormat;

void
lab_bench_result_free (LabBenchResult *result)
{
  g_clear_pointer (&result->run, lab_run_free);
  g_clear_pointer (&result->walls_us, g_array_unref);
  g_clear_pointer (&result->results_all, g_ptr_array_unref);
  g_free (result);
}

/* Reads counts the way people write them: 200, 1_000_000, 2e9, and for
 * sizes 64k, 4MiB, 1G (binary units). */
gboolean
lab_parse_count (const char  *text,
                 gboolean     size_suffixes,
                 guint64     *value,
                 GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p = text;
  guint64 number = 0, multiplier = 1;

  for (; *p != '\0' && (g_ascii_isdigit (*p) || *p == '_'); p++)
    if (*p != '_')
      g_string_append_c (digits, *p);

  if (digits->len == 0)
    goto invalid;
  if (!g_ascii_string_to_unsigned (digits->str, 10, 0, G_MAXUINT64, &number, NULL))
    goto too_big;

  if (*p == 'e' || *p == 'E')
    {
      guint64 exponent;

      p++;
      if (!g_ascii_string_to_unsigned (p, 10, 0, 99, &exponent, NULL))
        goto invalid;
      for (; exponent > 0; exponent--)
        {
          if (number > G_MAXUINT64 / 10)
            goto too_big;
          number *= 10;
        }
      p += strlen (p);
    }
  else if (size_suffixes && *p != '\0')
    {
      g_autofree char *unit = g_ascii_strdown (p, -1);

      if (g_str_equal (unit, "b"))
        multiplier = 1;
      else if (g_str_equal (unit, "k") || g_str_equal (unit, "kib") || g_str_equal (unit, "kb"))
        multiplier = G_GUINT64_CONSTANT (1) << 10;
      else if (g_str_equal (unit, "m") || g_str_equal (unit, "mib") || g_str_equal (unit, "mb"))
        multiplier = G_GUINT64_CONSTANT (1) << 20;
      else if (g_str_equal (unit, "g") || g_str_equal (unit, "gib") || g_str_equal (unit, "gb"))
        multiplier = G_GUINT64_CONSTANT (1) << 30;
      else
        goto invalid;
      p += strlen (p);
    }

  if (*p != '\0')
    goto invalid;
  if (multiplier > 1 && number > G_MAXUINT64 / multiplier)
    goto too_big;

  *value = number * multiplier;
  return TRUE;

too_big:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is far too large."), text);
  return FALSE;

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               size_suffixes ? _("“%s” is not a size; write it like 4096, 64k or 4MiB.")
                             : _("“%s” is not a whole number; write it like 200, 1_000 or 2e9."),
               text);
  return FALSE;
}

static gboolean
parse_bounded (const char  *option,
               const char  *text,
               guint64      max,
               guint       *value,
               GError     **error)
{
  guint64 number;
  g_autoptr(GError) local_error = NULL;

  if (!lab_parse_count (text, FALSE, &number, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", option,
                   local_error->message);
      return FALSE;
    }

  if (number > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s: at most %" PRIu64 ", not %s."), option, max, text);
      return FALSE;
    }

  *value = number;
  return TRUE;
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

  if (plan->input_dir != NULL)
    return g_strdup_printf (_("%s of the %u files in %s"), plan->algo, tasks, plan->input_dir);

  {
    g_autofree char *size = g_format_size_full (plan->size, G_FORMAT_SIZE_IEC_UNITS);
    return g_strdup_printf (_("%s of %u blocks of %s"), plan->algo, tasks, size);
  }
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
      g_autofree char *workers = g_strdup_printf ("%u", run->workers);
      g_autofree char *startup = g_strdup_printf (_("%.3f s"), run->startup_us / 1e6);
      g_autofree char *wall = g_strdup_printf (_("%.3f s"), run->wall_us / 1e6);
      g_autofree char *speed = isnan (speedup) ? g_strdup ("—") : g_strdup_printf ("%.2fx", speedup);
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
      for (guint t = 0, shown = 0; t < run->n_records && shown < 3; t++)
        if (run->records[t].error != NULL)
          {
            g_print (_("  %s: %s\n"), run->records[t].name, run->records[t].error);
            shown++;
          }
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

  g_print (_("Start-up is the time to start the workers, measured apart from the wall time.\n"));
}

static void
print_csv (GPtrArray *results)
{
  g_print ("mode,workers,gil,wall_s,startup_s,speedup,tasks_ok,tasks_failed,verified,result\n");
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

      g_print ("%s,%u,%s,%s,%s,%s,%u,%u,%s,%s\n", lab_mode_to_string (run->mode), run->workers,
               run->gil ? "true" : "false", wall, startup, speed, run->tasks_ok,
               run->tasks_failed, run->verified ? "true" : "false",
               run->result ? run->result : "");
    }
}

static void
add_seconds (JsonBuilder *builder,
             const char  *name,
             gint64       us)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, us / 1e6);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

/* What every item says about itself: which task, who ran it, when. */
static void
add_item_members (JsonBuilder         *builder,
                  const LabRun        *run,
                  const LabTaskRecord *record)
{
  g_autofree char *worker = lab_run_dup_worker_label (run, record);

  add_int (builder, "task", record->index);
  add_string (builder, "name", record->name);
  add_string (builder, "worker", worker);
  add_seconds (builder, "start_s", record->start_us ? record->start_us - run->start_us : 0);
  add_seconds (builder, "end_s", record->end_us ? record->end_us - run->start_us : 0);
  add_int (builder, "bytes", record->bytes);
}

static void
print_built_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_json (LabWorkload *workload,
            GPtrArray   *results,
            guint        repeat)
{
  const LabPlan *plan = lab_workload_get_plan (workload);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "workload", plan->workload);
  add_int (builder, "tasks", lab_workload_get_n_tasks (workload));
  add_int (builder, "workers", plan->workers);
  add_int (builder, "repeat", repeat);
  add_int (builder, "cores", g_get_num_processors ());

  json_builder_set_member_name (builder, "plan");
  json_builder_begin_object (builder);
  add_int (builder, "task_ms", plan->task_ms);
  add_int (builder, "size", plan->size);
  add_int (builder, "n", plan->n);
  add_string (builder, "algo", plan->algo);
  add_string (builder, "input_dir", plan->input_dir);
  add_bool (builder, "gil", plan->gil);
  add_int (builder, "seed", plan->seed);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "runs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < results->len; i++)
    {
      LabBenchResult *result = g_ptr_array_index (results, i);
      LabRun *run = result->run;
      double speedup = lab_bench_speedup (results, run);

      json_builder_begin_object (builder);
      add_string (builder, "mode", lab_mode_to_string (run->mode));
      add_int (builder, "workers", run->workers);
      add_bool (builder, "gil", run->gil);
      add_seconds (builder, "wall_s", run->wall_us);
      add_bool (builder, "ok", lab_run_is_ok (run));
      add_bool (builder, "verified", run->verified);
      add_bool (builder, "cancelled", run->cancelled);
      add_int (builder, "tasks_ok", run->tasks_ok);
      add_int (builder, "tasks_failed", run->tasks_failed);
      json_builder_set_member_name (builder, "speedup");
      if (isnan (speedup))
        json_builder_add_null_value (builder);
      else
        json_builder_add_double_value (builder, speedup);
      add_seconds (builder, "startup_s", run->startup_us);
      add_int (builder, "respawns", run->respawns);
      json_builder_set_member_name (builder, "result");
      if (run->result_fields != NULL)
        json_builder_add_value (builder, json_gvariant_serialize (run->result_fields));
      else if (run->result != NULL)
        json_builder_add_string_value (builder, run->result);
      else
        json_builder_add_null_value (builder);
      add_string (builder, "verify_error", run->verify_error);

      /* Every repetition's outcome: how often, and how badly, a race loses. */
      json_builder_set_member_name (builder, "result_all");
      json_builder_begin_array (builder);
      for (guint r = 0; r < result->results_all->len; r++)
        {
          GVariant *fields = g_ptr_array_index (result->results_all, r);

          if (fields != NULL)
            json_builder_add_value (builder, json_gvariant_serialize (fields));
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_array (builder);

      json_builder_set_member_name (builder, "wall_s_all");
      json_builder_begin_array (builder);
      for (guint r = 0; r < result->walls_us->len; r++)
        json_builder_add_double_value (builder, g_array_index (result->walls_us, gint64, r) / 1e6);
      json_builder_end_array (builder);

      json_builder_set_member_name (builder, "items");
      json_builder_begin_array (builder);
      for (guint t = 0; t < run->n_records; t++)
        {
          const LabTaskRecord *record = &run->records[t];

          json_builder_begin_object (builder);
          add_item_members (builder, run, record);
          add_int (builder, "lane", record->lane);
          add_int (builder, "pid", record->pid);
          add_string (builder, "value", record->value);
          add_string (builder, "error", record->error);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);

      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  print_built_json (builder);
}

/* The seed 000 table: a row per mode, a column per stage, in seconds. */
static double
pipeline_speedup (GPtrArray      *results,
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
      g_autofree char *startup = g_strdup_printf (_("%.3f s"), first->startup_us / 1e6);
      g_autofree char *total = g_strdup_printf (_("%.3f s"), run->wall_us / 1e6);
      double speedup = pipeline_speedup (results, run);
      g_autofree char *speed = isnan (speedup) ? g_strdup ("—") : g_strdup_printf ("%.2fx", speedup);

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        cells[stage] = run->stages[stage] ? g_strdup_printf (_("%.3f s"), run->stages[stage]->wall_us / 1e6)
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
        for (guint t = 0, shown = 0; run->stages[stage] && t < run->stages[stage]->n_records && shown < 3; t++)
          if (run->stages[stage]->records[t].error != NULL)
            {
              g_print (_("  %s: %s\n"), run->stages[stage]->records[t].name,
                       run->stages[stage]->records[t].error);
              shown++;
            }
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
      double speedup = pipeline_speedup (results, run);
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

static void
print_pipeline_json (LabPipeline *pipeline,
                     GPtrArray   *results)
{
  LabWorkload *download = lab_pipeline_get_stage (pipeline, LAB_STAGE_DOWNLOAD);
  const LabPlan *plan = lab_workload_get_plan (download);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "workload", "pipeline");
  add_int (builder, "tasks", lab_workload_get_n_tasks (download));
  add_int (builder, "workers", plan->workers);
  add_int (builder, "cores", g_get_num_processors ());
  add_string (builder, "url", plan->url_list ? NULL : plan->url);
  add_string (builder, "url_list", plan->url_list);
  add_string (builder, "algo", plan->algo);

  json_builder_set_member_name (builder, "runs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < results->len; i++)
    {
      LabPipelineRun *run = g_ptr_array_index (results, i);
      LabRun *first = run->stages[LAB_STAGE_DOWNLOAD];
      LabRun *last = run->stages[LAB_STAGE_HASH];
      double speedup = pipeline_speedup (results, run);
      guint ok = 0, failed = 0;

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        if (run->stages[stage] != NULL)
          failed += run->stages[stage]->tasks_failed;
      ok = last ? last->tasks_ok : 0;

      json_builder_begin_object (builder);
      add_string (builder, "mode", lab_mode_to_string (run->mode));
      add_int (builder, "workers", first->workers);
      add_seconds (builder, "wall_s", run->wall_us);
      add_bool (builder, "ok", run->ok);
      add_bool (builder, "verified", run->ok);
      add_int (builder, "tasks_ok", ok);
      add_int (builder, "tasks_failed", failed);
      json_builder_set_member_name (builder, "speedup");
      if (isnan (speedup))
        json_builder_add_null_value (builder);
      else
        json_builder_add_double_value (builder, speedup);
      add_seconds (builder, "startup_s", first->startup_us);
      add_string (builder, "result", run->result);
      add_string (builder, "verify_error", run->error);

      json_builder_set_member_name (builder, "stages");
      json_builder_begin_object (builder);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        {
          json_builder_set_member_name (builder, lab_workload_get_plan (lab_pipeline_get_stage (pipeline, stage))->workload);
          if (run->stages[stage] != NULL)
            json_builder_add_double_value (builder, run->stages[stage]->wall_us / 1e6);
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);

      /* One item per file, through all three stages. */
      json_builder_set_member_name (builder, "items");
      json_builder_begin_array (builder);
      for (guint t = 0; t < first->n_records; t++)
        {
          const LabTaskRecord *record = &first->records[t];
          const char *error = NULL;

          for (LabStage stage = 0; stage < LAB_N_STAGES && error == NULL; stage++)
            if (run->stages[stage] != NULL)
              error = run->stages[stage]->records[t].error;

          json_builder_begin_object (builder);
          add_item_members (builder, first, record);
          add_int (builder, "status", record->status);
          add_seconds (builder, "ttfb_s", record->ttfb_us);
          add_string (builder, "value", last ? last->records[t].value : NULL);
          add_string (builder, "error", error);
          json_builder_set_member_name (builder, "stages_s");
          json_builder_begin_object (builder);
          for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
            {
              LabRun *stage_run = run->stages[stage];

              json_builder_set_member_name (builder, lab_workload_get_plan (lab_pipeline_get_stage (pipeline, stage))->workload);
              if (stage_run != NULL && stage_run->records[t].end_us > 0)
                json_builder_add_double_value (builder, (stage_run->records[t].end_us -
                                                         stage_run->records[t].start_us) / 1e6);
              else
                json_builder_add_null_value (builder);
            }
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  print_built_json (builder);
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
  g_main_context_invoke (NULL, quit_loop, bench->loop);
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
  g_autofree char *retries_text = NULL, *out_dir = NULL;
  g_autoptr(LabServer) server = NULL;
  g_autofree char *pause_text = NULL, *deposits_text = NULL;
  gboolean lock = FALSE, shared_memory = FALSE, global_counter = FALSE;
  gboolean gil = FALSE;
  const GOptionEntry entries[] = {
    { "workload", 0, 0, G_OPTION_ARG_STRING, &workload_name, N_("What to run: sleep, cpu, hash, download, save, pipeline (download → save → hash), bank or pingpong (default: sleep)"), N_("NAME") },
    { "modes", 0, 0, G_OPTION_ARG_STRING, &modes_text, N_("Comma list of sequential,threads,processes,async (default: all)"), N_("LIST") },
    { "tasks", 0, 0, G_OPTION_ARG_STRING, &tasks_text, N_("Number of tasks, 1–100000 (default: 8)"), "N" },
    { "workers", 0, 0, G_OPTION_ARG_STRING, &workers_text, N_("Concurrency of every concurrent mode: threads, in-flight tasks, or processes (at most 64); 1–1000 (default: 4)"), "N" },
    { "task-ms", 0, 0, G_OPTION_ARG_STRING, &task_ms_text, N_("sleep: how long each task waits, 0–600000 ms (default: 100)"), N_("MS") },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text, N_("hash: bytes of data per task, up to 1GiB, e.g. 4MiB (default: 1MiB)"), N_("BYTES") },
    { "n", 0, 0, G_OPTION_ARG_STRING, &n_text, N_("cpu: add up 1..N, N up to 6e9 (default: 1e8)"), "N" },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo, N_("hash: md5 or sha256 (default: md5)"), N_("ALGO") },
    { "input-dir", 0, 0, G_OPTION_ARG_FILENAME, &input_dir, N_("hash: hash the files in this folder instead of generated data"), N_("DIR") },
    { "gil", 0, 0, G_OPTION_ARG_NONE, &gil, N_("threads: emulate Python’s global interpreter lock"), NULL },
    { "repeat", 0, 0, G_OPTION_ARG_STRING, &repeat_text, N_("Run each mode R times and report the median, 1–100 (default: 1)"), "R" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Seed for the generated data (default: 1)"), "S" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("Output: table, csv or json (default: table)"), N_("FORMAT") },
    { "url-list", 0, 0, G_OPTION_ARG_FILENAME, &url_list, N_("download: fetch the URLs in this file, one per line, instead of the built-in server’s files"), N_("FILE") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, N_("download: base URL of a running `concurrency-lab serve` (default: start one)"), N_("URL") },
    { "timeout-ms", 0, 0, G_OPTION_ARG_STRING, &timeout_text, N_("download: give up on a request after this long, 1–600000 (default: 10000)"), N_("MS") },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &retries_text, N_("download: try a failed request again up to N times, 0–10 (default: 0)"), "N" },
    { "latency-ms", 0, 0, G_OPTION_ARG_STRING, &latency_text, N_("built-in server: wait before each answer (default: 0)"), N_("MS") },
    { "bandwidth", 0, 0, G_OPTION_ARG_STRING, &bandwidth_text, N_("built-in server: bytes per second per connection (default: no limit)"), N_("BYTES") },
    { "fail", 0, 0, G_OPTION_ARG_STRING, &fail_text, N_("built-in server: make requests fail: 500, reset or stall"), N_("HOW") },
    { "fail-share", 0, 0, G_OPTION_ARG_STRING, &fail_share_text, N_("built-in server: share of requests that fail, 0–1 (default: 1 with --fail)"), N_("SHARE") },
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
  BenchFormat format = FORMAT_TABLE;
  g_autoptr(LabPipeline) pipeline = NULL;
  g_autofree char *temp_dir = NULL;
  gboolean is_pipeline = FALSE;
  Bench bench = { 0 };
  guint repeat = 1, sigint = 0, progress_timer;
  GThread *thread;
  gboolean all_ok = TRUE;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Run the same tasks sequentially, on threads, in worker "
                                           "processes and on one event loop, and compare."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto bad_input;

  if (argc > 1)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unexpected argument “%s”; see --help."), argv[1]);
      goto bad_input;
    }

  plan = lab_plan_new (workload_name ? workload_name : "sleep");
  if ((tasks_text && !parse_bounded ("--tasks", tasks_text, G_MAXUINT, &plan->tasks, &error)) ||
      (workers_text && !parse_bounded ("--workers", workers_text, G_MAXUINT, &plan->workers, &error)) ||
      (task_ms_text && !parse_bounded ("--task-ms", task_ms_text, G_MAXUINT, &plan->task_ms, &error)) ||
      (repeat_text && !parse_bounded ("--repeat", repeat_text, G_MAXUINT, &repeat, &error)))
    goto bad_input;
  if (size_text && !lab_parse_count (size_text, TRUE, &plan->size, &error))
    goto bad_input;
  if (n_text && !lab_parse_count (n_text, FALSE, &plan->n, &error))
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
  plan->lock = lock;
  plan->shared_memory = shared_memory;
  plan->global_counter = global_counter;
  if ((pause_text && !parse_bounded ("--pause-ms", pause_text, G_MAXUINT, &plan->pause_ms, &error)) ||
      (deposits_text && !parse_bounded ("--deposits", deposits_text, G_MAXUINT, &plan->deposits, &error)))
    goto bad_input;
  if ((timeout_text && !parse_bounded ("--timeout-ms", timeout_text, G_MAXUINT, &plan->timeout_ms, &error)) ||
      (retries_text && !parse_bounded ("--retries", retries_text, G_MAXUINT, &plan->retries, &error)))
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
    format = FORMAT_TABLE;
  else if (g_str_equal (format_text, "csv"))
    format = FORMAT_CSV;
  else if (g_str_equal (format_text, "json"))
    format = FORMAT_JSON;
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
    if (g_array_index (modes, LabMode, i) == LAB_MODE_PROCESSES &&
        plan->workers > LAB_MAX_PROCESS_WORKERS)
      {
        g_set_error (&error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                     _("At most %u worker processes can run at once, not %u."),
                     LAB_MAX_PROCESS_WORKERS, plan->workers);
        goto bad_input;
      }

  /* Downloads without a URL list come from a server of our own, holding
   * exactly the files the tasks ask for. */
  is_pipeline = g_str_equal (plan->workload, "pipeline");
  if ((is_pipeline || g_str_equal (plan->workload, "download")) && plan->url_list == NULL &&
      plan->url == NULL)
    {
      LabServerOptions options;

      lab_server_options_init (&options);
      options.n_files = plan->tasks;
      options.file_size = plan->size;
      options.seed = plan->seed;
      if (!lab_server_options_parse (&options, NULL, NULL, latency_text, bandwidth_text,
                                     fail_text, fail_share_text, &error))
        goto bad_input;
      server = lab_server_new (&options, &error);
      if (server == NULL)
        goto bad_input;
      plan->url = g_strdup (lab_server_get_url (server));
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
    if (g_array_index (modes, LabMode, i) == LAB_MODE_PROCESSES &&
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

  if (pipeline != NULL)
    {
      switch (format)
        {
        case FORMAT_TABLE:
          print_pipeline_table (pipeline, bench.results);
          break;
        case FORMAT_CSV:
          print_pipeline_csv (bench.results);
          break;
        case FORMAT_JSON:
        default:
          print_pipeline_json (pipeline, bench.results);
          break;
        }
      for (guint i = 0; i < bench.results->len; i++)
        all_ok &= ((LabPipelineRun *) g_ptr_array_index (bench.results, i))->ok;
      all_ok &= bench.results->len == modes->len;
      g_ptr_array_unref (bench.results);
      if (g_cancellable_is_cancelled (cancellable))
        return 130;
      return all_ok ? 0 : 1;
    }

  switch (format)
    {
    case FORMAT_TABLE:
      print_table (workload, bench.results);
      break;
    case FORMAT_CSV:
      print_csv (bench.results);
      break;
    case FORMAT_JSON:
      print_json (workload, bench.results, repeat);
      break;
    default:
      g_assert_not_reached ();
    }

  for (guint i = 0; i < bench.results->len; i++)
    all_ok &= lab_run_is_ok (((LabBenchResult *) g_ptr_array_index (bench.results, i))->run);
  all_ok &= bench.results->len == modes->len;
  g_ptr_array_unref (bench.results);

  if (g_cancellable_is_cancelled (cancellable))
    return 130;

  return all_ok ? 0 : 1;

bad_input:
  g_printerr ("concurrency-lab bench: %s\n", error->message);
  return 2;
}
