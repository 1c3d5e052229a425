/* lab-bench-json.c — bench's --format json: one report for a workload's runs,
 * one for the pipeline's, written with one family of small JSON writers
 * (add_string, add_int, …) so both reports spell their fields one way.
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-bench"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "lab-bench.h"
#include "lab-bench-output.h"
#include "lab-bench-output-private.h"
#include "lab-states.h"

static void
add_seconds (JsonBuilder *builder,
             const char  *name,
             gint64       us)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, us / 1e6);
}

/* A number, or null where there is none (NAN): a speed-up without a
 * sequential run to compare with. */
static void
add_double_or_null (JsonBuilder *builder,
                    const char  *name,
                    double       value)
{
  json_builder_set_member_name (builder, name);
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

/* Seconds, or null where @us was not measured (-1). */
static void
add_time_or_null (JsonBuilder *builder,
                  const char  *name,
                  gint64       us)
{
  add_double_or_null (builder, name, us >= 0 ? us / 1e6 : NAN);
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

/* The run's "cost" object: what its concurrency cost, as measured. */
static void
add_cost (JsonBuilder   *builder,
          const LabCost *cost)
{
  json_builder_set_member_name (builder, "cost");
  json_builder_begin_object (builder);
  add_int (builder, "peak_rss_bytes", cost->peak_rss_bytes);
  add_int (builder, "rss_before_bytes", cost->rss_before_bytes);
  add_int (builder, "rss_growth_bytes",
           cost->peak_rss_bytes - MIN (cost->peak_rss_bytes, cost->rss_before_bytes));
  add_bool (builder, "peak_rss_since_start", cost->peak_rss_from_start);
  add_int (builder, "threads_created", cost->threads_created);
  add_seconds (builder, "thread_create_s", cost->thread_create_us);
  add_int (builder, "voluntary_switches", cost->voluntary_switches);
  add_int (builder, "involuntary_switches", cost->involuntary_switches);
  add_int (builder, "processes", cost->processes);
  add_int (builder, "workers_peak_rss_bytes", cost->workers_peak_rss_bytes);
  add_int (builder, "workers_voluntary_switches", cost->workers_voluntary_switches);
  add_int (builder, "workers_involuntary_switches", cost->workers_involuntary_switches);
  json_builder_end_object (builder);
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
  add_time_or_null (builder, "cpu_s", record->cpu_us);
  add_time_or_null (builder, "runqueue_s", record->run_queue_us);
  json_builder_set_member_name (builder, "spans");
  json_builder_begin_array (builder);
  for (guint i = 0; record->spans != NULL && i < record->spans->len; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);

      json_builder_begin_object (builder);
      add_string (builder, "state", lab_state_to_string (span->state));
      if (span->wait != LAB_WAIT_NONE)
        add_string (builder, "wait", lab_wait_to_string (span->wait));
      add_seconds (builder, "start_s", span->start_us - run->start_us);
      add_seconds (builder, "end_s", span->end_us - run->start_us);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* Where the run's task time went, state by state, and how many cores it
 * kept busy (null when the run was shorter than one sample). */
static void
add_time_by_state (JsonBuilder  *builder,
                   const LabRun *run)
{
  gint64 by_state[LAB_N_STATES];
  double cores = lab_run_get_mean_cores_busy (run);

  lab_run_get_time_by_state (run, by_state);
  json_builder_set_member_name (builder, "time_by_state");
  json_builder_begin_object (builder);
  for (LabState state = 0; state < LAB_N_STATES; state++)
    add_seconds (builder, lab_state_to_string (state), by_state[state]);
  json_builder_end_object (builder);
  add_double_or_null (builder, "cores_busy", cores >= 0 ? cores : NAN);
}

/* Milliseconds, or null where @us was not measured (-1). */
static void
add_ms_or_null (JsonBuilder *builder,
                const char  *name,
                gint64       us)
{
  json_builder_set_member_name (builder, name);
  if (us < 0)
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, us / 1e3);
}

/* An async run's event loop: busy and idle time, and its timers' lateness. */
static void
add_loop (JsonBuilder  *builder,
          const LabRun *run)
{
  if (!run->loop.measured)
    return;

  json_builder_set_member_name (builder, "loop");
  json_builder_begin_object (builder);
  add_seconds (builder, "busy_s", run->loop.busy_us);
  add_seconds (builder, "idle_s", run->loop.idle_us);
  add_int (builder, "timers", run->loop.timers);
  add_ms_or_null (builder, "timer_late_median_ms", run->loop.late_median_us);
  add_ms_or_null (builder, "timer_late_p99_ms", run->loop.late_p99_us);
  add_ms_or_null (builder, "timer_late_max_ms", run->loop.late_max_us);
  json_builder_end_object (builder);
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

void
lab_bench_print_json (LabWorkload *workload,
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
      if (run->in_flight > 0)
        add_int (builder, "in_flight", run->in_flight);
      add_bool (builder, "gil", run->gil);
      add_seconds (builder, "wall_s", run->wall_us);
      add_bool (builder, "ok", lab_run_is_ok (run));
      add_bool (builder, "verified", run->verified);
      add_bool (builder, "cancelled", run->cancelled);
      add_int (builder, "tasks_ok", run->tasks_ok);
      add_int (builder, "tasks_failed", run->tasks_failed);
      add_double_or_null (builder, "speedup", speedup);
      add_seconds (builder, "startup_s", run->startup_us);
      add_int (builder, "respawns", run->respawns);
      add_time_by_state (builder, run);
      add_loop (builder, run);
      add_int (builder, "requeued", run->requeued);
      if (run->mode == LAB_MODE_DISTRIBUTED && run->broker_cost_us >= 0)
        add_seconds (builder, "broker_cost_s", run->broker_cost_us);
      add_cost (builder, &run->cost);
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

void
lab_bench_print_pipeline_json (LabPipeline *pipeline,
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
      double speedup = lab_bench_pipeline_speedup (results, run);
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
      add_double_or_null (builder, "speedup", speedup);
      add_seconds (builder, "startup_s", first->startup_us);
      add_string (builder, "result", run->result);
      add_string (builder, "verify_error", run->error);

      json_builder_set_member_name (builder, "stages");
      json_builder_begin_object (builder);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        {
          add_double_or_null (builder,
                              lab_workload_get_plan (lab_pipeline_get_stage (pipeline, stage))->workload,
                              run->stages[stage] ? run->stages[stage]->wall_us / 1e6 : NAN);
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

              add_double_or_null (builder,
                                  lab_workload_get_plan (lab_pipeline_get_stage (pipeline, stage))->workload,
                                  stage_run != NULL && stage_run->records[t].end_us > 0
                                  ? (stage_run->records[t].end_us - stage_run->records[t].start_us) / 1e6
                                  : NAN);
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
