/* lab-mode-distributed.c — workers anywhere on the network take jobs from Redis
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like Python's RQ (seed 004: "to spread tasks over several machines, RQ is
 * the better choice").  The app and the workers share no memory and no
 * pipe, only a broker: a Redis server every machine can reach.  A run goes
 * like this:
 *
 *   1. each task becomes a job: a hash rq:job:<id> holding the workload's
 *      name and parameters (never code, never data), pushed on the queue
 *      list rq:queue:concurrency-lab, exactly where RQ keeps its jobs;
 *   2. workers (broker/lab-rq-worker.c, on this PC or any other) take jobs
 *      atomically (BLMOVE), run them, store the results in the job's hash
 *      and tell us through the run's event list;
 *   3. we listen on that list, book each result (each worker gets a lane
 *      as it takes its first job: lab-mode-distributed-workers.c), and
 *      every half second look for jobs whose worker went silent (its
 *      heartbeat stopped: it died, or lost the network): those go back to
 *      the queue, counted in run->requeued, and after LAB_RQ_MAX_LOSSES
 *      losses into the failed registry;
 *   4. at the end — all done, cancelled, or the broker gone — the run's
 *      state says so, and its queued jobs are removed: no worker ever
 *      picks up a job of a run that is over.
 *
 * Times come from the broker's clock (Redis TIME), the one clock all
 * machines share; we turn them into our monotonic clock with the offset
 * measured when the run starts.  Where a job's time went (CPU, waits) is
 * measured by its worker, as a worker process measures its tasks, and
 * read back with its result.  Cores busy is not: this process's sampler
 * sees no worker's CPU time, least of all on another machine, so a
 * distributed run has no such figure rather than a false "0.0" (see
 * lab-runner.c).
 *
 * Without --broker we start a private redis-server and --workers local
 * workers (broker/lab-local-broker.c) and stop them when the run ends.
 */

#define G_LOG_DOMAIN "lab-mode-distributed"

#include "config.h"

#include <glib/gi18n.h>
#include <pthread.h>
#include <signal.h>

#include "lab-mode-distributed-private.h"
#include "lab-rq.h"
#include "lab-states.h"
#include "lab-url-list.h"

#define LISTEN_TIMEOUT   "0.2"                  /* BLPOP: how long one wait for news lasts */
#define MAINTENANCE_US   (G_USEC_PER_SEC / 2)   /* how often we look for silent workers */
#define WORKERS_READY_US (30 * G_USEC_PER_SEC)  /* local workers must register by then */
#define ENQUEUE_BATCH    500

/* A job's waits are timed on its worker's clock, its length on the
 * broker's: two machines' clocks, which NTP may set running at rates up
 * to 0.05 % apart.  A wait may end that share of the job's length, plus
 * this, after the job's end and still be the job's. */
#define SPAN_SLACK_US    (G_USEC_PER_SEC / 1000)

static gint64
to_monotonic (LabDistributed *self,
              gint64          broker_us)
{
  return broker_us - self->clock_offset_us;
}

/* The broker's clock against ours: half a round trip is the error. */
static gboolean
measure_clock (LabDistributed  *self,
               GError         **error)
{
  gint64 before = g_get_monotonic_time (), broker_us, after;

  if (!lab_broker_time_us (self->broker, &broker_us, error))
    return FALSE;
  after = g_get_monotonic_time ();
  self->clock_offset_us = broker_us - (before + after) / 2;
  return TRUE;
}

static void
finish_task (LabDistributed *self,
             guint           index,
             const char     *error_message)
{
  LabTaskRecord *record = &self->ctx->run->records[index];

  if (self->finished[index])
    return;
  self->finished[index] = TRUE;
  if (error_message != NULL && record->error == NULL)
    record->error = g_strdup (error_message);
  if (record->end_us == 0)
    record->end_us = g_get_monotonic_time ();
  if (record->start_us == 0)
    record->start_us = record->end_us;
  lab_run_context_task_finished (self->ctx, index);
  self->remaining--;
}

/* Every task becomes a job in RQ's layout, in batches applied at once. */
static gboolean
enqueue_jobs (LabDistributed  *self,
              GError         **error)
{
  const LabPlan *plan = lab_workload_get_plan (self->ctx->workload);
  g_autoptr(GVariant) plan_variant = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *now_text = NULL, *tasks = NULL, *run_ttl = NULL;
  GVariantDict dict;

  /* The payload: the plan's parameters, as text.  A URL list is a file on
   * this machine, so its URLs travel instead (a worker elsewhere cannot
   * read our files). */
  g_variant_dict_init (&dict, lab_plan_to_variant (plan));
  if (plan->url_list != NULL)
    {
      g_auto(GStrv) urls = lab_url_list_read (plan->url_list, error);

      if (urls == NULL)
        {
          g_variant_dict_clear (&dict);
          return FALSE;
        }
      g_variant_dict_insert (&dict, LAB_RQ_URLS_FIELD, "^as", urls);
    }
  plan_variant = g_variant_ref_sink (g_variant_dict_end (&dict));
  payload = g_variant_print (plan_variant, TRUE);
  guint n = self->ctx->run->n_records;
  gint64 now;

  if (!lab_broker_time_us (self->broker, &now, error))
    return FALSE;
  now_text = lab_rq_format_time (now);
  tasks = g_strdup_printf ("%u", n);
  run_ttl = g_strdup_printf ("%d", LAB_RQ_RUN_TTL_S);

  {
    g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
    g_autoptr(redisReply) reply = NULL;

    lab_broker_batch_add (batch, "HSET", self->run_key, "state", "running", "tasks", tasks,
                          "workload", plan->workload, "created_at", now_text, "requeued", "0",
                          NULL);
    lab_broker_batch_add (batch, "EXPIRE", self->run_key, run_ttl, NULL);
    lab_broker_batch_add (batch, "SADD", LAB_RQ_QUEUES_KEY, LAB_RQ_QUEUE_KEY, NULL);
    reply = lab_broker_batch_exec (self->broker, batch, error);
    if (reply == NULL)
      return FALSE;
  }

  for (guint first = 0; first < n; first += ENQUEUE_BATCH)
    {
      g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
      g_autoptr(redisReply) reply = NULL;
      gint64 sent;

      for (guint i = first; i < MIN (n, first + ENQUEUE_BATCH); i++)
        {
          g_autofree char *job_id = lab_rq_job_id (self->run_id, i);
          g_autofree char *job_key = lab_rq_job_key (job_id);
          g_autofree char *index = g_strdup_printf ("%u", i);
          const char *name = self->ctx->run->records[i].name;

          lab_broker_batch_add (batch, "HSET", job_key, "status", "queued",
                                "origin", LAB_RQ_QUEUE, "created_at", now_text,
                                "enqueued_at", now_text, "description", name ? name : "",
                                "lab_plan", payload, "lab_index", index, NULL);
          /* No expiry while queued (a long run may wait longer than any
           * guess); each job gets RQ's result_ttl when it ends. */
          lab_broker_batch_add (batch, "RPUSH", LAB_RQ_QUEUE_KEY, job_id, NULL);
        }
      /* Queued as the batch leaves: a free worker may take a job before
       * the batch's reply is back, and a wait measured from the reply
       * would come out negative. */
      sent = g_get_monotonic_time ();
      reply = lab_broker_batch_exec (self->broker, batch, error);
      if (reply == NULL)
        return FALSE;
      for (guint i = first; i < MIN (n, first + ENQUEUE_BATCH); i++)
        self->queued_at[i] = sent;
    }

  return TRUE;
}

/* "S <index> <start µs> <pid> <worker>": a worker started a job. */
static void
job_started (LabDistributed *self,
             const char     *line)
{
  g_auto(GStrv) parts = g_strsplit (line, " ", 5);
  guint64 index;
  gint64 start_us;
  gint pid;
  LabTaskRecord *record;

  if (g_strv_length (parts) != 5 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, self->ctx->run->n_records - 1, &index, NULL))
    return;
  if (self->finished[index])
    return;

  start_us = g_ascii_strtoll (parts[2], NULL, 10);
  pid = atoi (parts[3]);
  record = &self->ctx->run->records[index];
  record->lane = lab_distributed_lane_for (self, parts[4], pid);
  record->pid = pid;
  record->start_us = to_monotonic (self, start_us);
  self->in_limbo_since[index] = 0;
  lab_run_context_task_started (self->ctx, index, record->lane, pid, record->start_us);
}

/* Where the job's time went on its worker: its CPU time and run-queue wait,
 * and its waits, which come as offsets from the job's start and go on our
 * timeline from the job's start here (the broker's clock, turned into
 * ours).  A worker of an older version writes none of these, a hostile
 * one anything: a field that does not parse is left out, and that part
 * of the job's time stays "not measured", as it was before workers said. */
static void
read_time_by_state (LabTaskRecord *record,
                    redisReply    *cpu,
                    redisReply    *run_queue,
                    redisReply    *spans)
{
  gint64 wall = MAX (0, record->end_us - record->start_us);
  g_autoptr(GError) error = NULL;

  if (cpu->type == REDIS_REPLY_STRING &&
      !lab_rq_parse_cpu_time (cpu->str, wall, &record->cpu_us, &error))
    {
      g_debug ("task %u: %s ignored: %s", record->index, LAB_RQ_CPU_FIELD, error->message);
      g_clear_error (&error);
    }
  if (run_queue->type == REDIS_REPLY_STRING &&
      !lab_rq_parse_cpu_time (run_queue->str, wall, &record->run_queue_us, &error))
    {
      g_debug ("task %u: %s ignored: %s", record->index, LAB_RQ_RUN_QUEUE_FIELD, error->message);
      g_clear_error (&error);
    }
  if (spans->type == REDIS_REPLY_STRING)
    {
      GArray *parsed = lab_rq_parse_spans (spans->str, record->start_us,
                                           wall + wall / 2000 + SPAN_SLACK_US, &error);

      /* Within the slack, a wait ends with its job. */
      for (guint i = 0; parsed != NULL && i < parsed->len; i++)
        {
          LabSpan *span = &g_array_index (parsed, LabSpan, i);

          span->end_us = MIN (span->end_us, record->end_us);
          span->start_us = MIN (span->start_us, span->end_us);
        }
      if (parsed == NULL)
        g_debug ("task %u: %s ignored: %s", record->index, LAB_RQ_SPANS_FIELD, error->message);
      else if (parsed->len == 0)
        g_array_unref (parsed);
      else
        {
          g_clear_pointer (&record->spans, g_array_unref);
          record->spans = parsed;
        }
    }
}

/* "F <index>": a job ended; its result is in its hash. */
static gboolean
job_finished (LabDistributed  *self,
              const char      *line,
              GError         **error)
{
  g_autofree char *job_id = NULL, *job_key = NULL;
  g_autoptr(redisReply) reply = NULL;
  LabTaskRecord *record;
  redisReply **field;
  guint64 index;
  gint pid;

  if (!g_ascii_string_to_unsigned (line + 2, 10, 0, self->ctx->run->n_records - 1, &index, NULL))
    return TRUE;
  if (self->finished[index])
    return TRUE;

  job_id = lab_rq_job_id (self->run_id, index);
  job_key = lab_rq_job_key (job_id);
  reply = lab_broker_command (self->broker, error, "HMGET", job_key, "lab_start_us",
                              "lab_end_us", "lab_value", "lab_bytes", "lab_status", "lab_ttfb_us",
                              "exc_info", "worker_name", "lab_pid", "lab_output",
                              LAB_RQ_CPU_FIELD, LAB_RQ_RUN_QUEUE_FIELD, LAB_RQ_SPANS_FIELD,
                              NULL);
  if (reply == NULL)
    return FALSE;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 13 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    {
      finish_task (self, index, _("The job’s result has vanished from the broker."));
      return TRUE;
    }

  field = reply->element;
  record = &self->ctx->run->records[index];
  pid = field[8]->type == REDIS_REPLY_STRING ? atoi (field[8]->str) : 0;
  if (field[7]->type == REDIS_REPLY_STRING)
    record->lane = lab_distributed_lane_for (self, field[7]->str, pid);
  record->pid = pid;
  record->start_us = to_monotonic (self, g_ascii_strtoll (field[0]->str, NULL, 10));
  record->end_us = field[1]->type == REDIS_REPLY_STRING
                   ? to_monotonic (self, g_ascii_strtoll (field[1]->str, NULL, 10))
                   : g_get_monotonic_time ();
  if (field[2]->type == REDIS_REPLY_STRING && field[2]->len > 0)
    record->value = g_strdup (field[2]->str);
  if (field[3]->type == REDIS_REPLY_STRING)
    record->bytes = g_ascii_strtoull (field[3]->str, NULL, 10);
  if (field[4]->type == REDIS_REPLY_STRING)
    record->status = atoi (field[4]->str);
  if (field[5]->type == REDIS_REPLY_STRING)
    record->ttfb_us = g_ascii_strtoll (field[5]->str, NULL, 10);
  if (field[9]->type == REDIS_REPLY_STRING)
    record->output = g_bytes_new (field[9]->str, field[9]->len);
  read_time_by_state (record, field[10], field[11], field[12]);
  finish_task (self, index, field[6]->type == REDIS_REPLY_STRING && field[6]->len > 0
                            ? field[6]->str : NULL);
  return TRUE;
}

/* Waits up to LISTEN_TIMEOUT for news from the workers, then takes all
 * there is. */
static gboolean
listen_for_news (LabDistributed  *self,
        GError         **error)
{
  g_autoptr(redisReply) first = lab_broker_command (self->broker, error, "BLPOP",
                                                    self->events_key, LISTEN_TIMEOUT, NULL);
  g_autoptr(redisReply) more = NULL;
  GPtrArray *lines = g_ptr_array_new ();
  gboolean ok = TRUE;

  if (first == NULL)
    {
      g_ptr_array_unref (lines);
      return FALSE;
    }
  if (first->type == REDIS_REPLY_ARRAY && first->elements == 2)
    {
      g_ptr_array_add (lines, first->element[1]->str);
      more = lab_broker_command (self->broker, error, "LPOP", self->events_key, "1000", NULL);
      if (more == NULL)
        ok = FALSE;
      else if (more->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < more->elements; i++)
          g_ptr_array_add (lines, more->element[i]->str);
    }

  for (guint i = 0; ok && i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);

      if (line[0] == 'S' && line[1] == ' ')
        job_started (self, line);
      else if (line[0] == 'F' && line[1] == ' ')
        ok = job_finished (self, line, error);
    }

  g_ptr_array_unref (lines);
  return ok;
}

/* The job's worker went silent and we took the job back (we removed it
 * from the started registry or the intermediate list, so no one else
 * owns it): queue it again, or give up on it after too many losses. */
static gboolean
job_lost (LabDistributed  *self,
          guint            index,
          const char      *job_id,
          GError         **error)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;
  g_autofree char *job_key = lab_rq_job_key (job_id);
  LabTaskRecord *record = &self->ctx->run->records[index];
  LabRun *run = self->ctx->run;

  if (record->lane >= 0 && record->start_us != 0)
    lab_distributed_lane_lost (self, record->lane, record->pid);

  if (++self->losses[index] >= LAB_RQ_MAX_LOSSES)
    {
      g_autofree char *reason = g_strdup_printf (_("The workers running this job went silent "
                                                   "%u times; it is in the failed registry."),
                                                 self->losses[index]);
      g_autofree char *until = lab_rq_format_score (self->clock_offset_us + g_get_monotonic_time (),
                                                    LAB_RQ_RESULT_TTL_S);
      g_autofree char *ttl = g_strdup_printf ("%d", LAB_RQ_RESULT_TTL_S);

      lab_broker_batch_add (batch, "HSET", job_key, "status", "failed", "exc_info", reason, NULL);
      lab_broker_batch_add (batch, "ZADD", LAB_RQ_FAILED_KEY, until, job_id, NULL);
      lab_broker_batch_add (batch, "EXPIRE", job_key, ttl, NULL);
      reply = lab_broker_batch_exec (self->broker, batch, error);
      finish_task (self, index, reason);
      return reply != NULL;
    }

  /* To the front of the queue, as the processes mode requeues a dead
   * worker's task. */
  run->requeued++;
  record->start_us = record->end_us = 0;
  self->queued_at[index] = g_get_monotonic_time ();
  lab_broker_batch_add (batch, "HSET", job_key, "status", "queued", NULL);
  lab_broker_batch_add (batch, "HINCRBY", self->run_key, "requeued", "1", NULL);
  lab_broker_batch_add (batch, "LPUSH", LAB_RQ_QUEUE_KEY, job_id, NULL);
  reply = lab_broker_batch_exec (self->broker, batch, error);
  return reply != NULL;
}

static gboolean
our_job (LabDistributed *self,
         const char     *job_id,
         guint          *index)
{
  g_autofree char *run_id = NULL;

  return lab_rq_job_id_parse (job_id, &run_id, index) && g_str_equal (run_id, self->run_id) &&
         *index < self->ctx->run->n_records && !self->finished[*index];
}

/* Jobs whose expiry passed (their worker stopped beating), and jobs taken
 * from the queue but never started (the worker died right after BLMOVE). */
static gboolean
take_back_silent_jobs (LabDistributed  *self,
                       GError         **error)
{
  g_autoptr(redisReply) expired = NULL;
  g_autoptr(redisReply) limbo = NULL;
  g_autoptr(redisReply) kept = NULL;
  g_autofree char *now_s = NULL, *run_ttl = g_strdup_printf ("%d", LAB_RQ_RUN_TTL_S);
  gint64 now;

  if (!lab_broker_time_us (self->broker, &now, error))
    return FALSE;
  /* The run's state outlives us by LAB_RQ_RUN_TTL_S at most: if the app
   * dies, workers find no running run and drop its jobs. */
  kept = lab_broker_command (self->broker, error, "EXPIRE", self->run_key, run_ttl, NULL);
  if (kept == NULL)
    return FALSE;
  now_s = lab_rq_format_score (now, 0);
  if (!lab_distributed_find_lost_workers (self, now, error))
    return FALSE;

  expired = lab_broker_command (self->broker, error, "ZRANGEBYSCORE", LAB_RQ_STARTED_KEY, "-inf",
                                now_s, NULL);
  if (expired == NULL)
    return FALSE;
  for (size_t i = 0; expired->type == REDIS_REPLY_ARRAY && i < expired->elements; i++)
    {
      const char *job_id = expired->element[i]->str;
      g_autoptr(redisReply) removed = NULL;
      guint index;

      if (!our_job (self, job_id, &index))
        continue;
      /* Whoever removes it owns it: a late worker's ZREM then finds nothing. */
      removed = lab_broker_command (self->broker, error, "ZREM", LAB_RQ_STARTED_KEY, job_id, NULL);
      if (removed == NULL)
        return FALSE;
      if (removed->integer == 1 && !job_lost (self, index, job_id, error))
        return FALSE;
    }

  limbo = lab_broker_command (self->broker, error, "LRANGE", LAB_RQ_INTERMEDIATE, "0", "-1", NULL);
  if (limbo == NULL)
    return FALSE;
  for (size_t i = 0; limbo->type == REDIS_REPLY_ARRAY && i < limbo->elements; i++)
    {
      const char *job_id = limbo->element[i]->str;
      g_autoptr(redisReply) removed = NULL;
      guint index;

      if (!our_job (self, job_id, &index))
        continue;
      if (self->in_limbo_since[index] == 0)
        self->in_limbo_since[index] = g_get_monotonic_time ();
      if (g_get_monotonic_time () - self->in_limbo_since[index] < LAB_RQ_JOB_TTL_S * G_USEC_PER_SEC)
        continue;

      self->in_limbo_since[index] = 0;
      removed = lab_broker_command (self->broker, error, "LREM", LAB_RQ_INTERMEDIATE, "1", job_id,
                                    NULL);
      if (removed == NULL)
        return FALSE;
      if (removed->integer == 1 && !job_lost (self, index, job_id, error))
        return FALSE;
    }

  return TRUE;
}

/* The run is over: say so, so that no worker starts another of its jobs,
 * and take its unfinished jobs out of the queue and the registries. */
static gboolean
close_run (LabDistributed  *self,
           const char      *state,
           GError         **error)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;
  g_autofree char *until = lab_rq_format_score (self->clock_offset_us + g_get_monotonic_time (),
                                                LAB_RQ_RESULT_TTL_S);
  g_autofree char *result_ttl = g_strdup_printf ("%d", LAB_RQ_RESULT_TTL_S);

  lab_broker_batch_add (batch, "HSET", self->run_key, "state", state, NULL);
  for (guint i = 0; i < self->ctx->run->n_records; i++)
    if (!self->finished[i])
      {
        g_autofree char *job_id = lab_rq_job_id (self->run_id, i);
        g_autofree char *job_key = lab_rq_job_key (job_id);

        lab_broker_batch_add (batch, "LREM", LAB_RQ_QUEUE_KEY, "0", job_id, NULL);
        lab_broker_batch_add (batch, "ZREM", LAB_RQ_STARTED_KEY, job_id, NULL);
        lab_broker_batch_add (batch, "HSET", job_key, "status", "canceled", NULL);
        lab_broker_batch_add (batch, "ZADD", LAB_RQ_CANCELED_KEY, until, job_id, NULL);
        lab_broker_batch_add (batch, "EXPIRE", job_key, result_ttl, NULL);
      }
  lab_broker_batch_add (batch, "EXPIRE", self->events_key, "60", NULL);
  reply = lab_broker_batch_exec (self->broker, batch, error);
  return reply != NULL;
}

static gint
compare_starts (gconstpointer a,
                gconstpointer b,
                gpointer      data)
{
  const LabTaskRecord *records = data;
  gint64 start_a = records[*(const guint *) a].start_us;
  gint64 start_b = records[*(const guint *) b].start_us;

  return (start_a > start_b) - (start_a < start_b);
}

static gint
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* What the broker costs per job, measured: on each worker, the time from
 * being free (its previous job done, or this job queued, whichever came
 * later) to starting the job.  It covers reporting the previous result,
 * BLMOVE, the run and payload checks and the move into the started
 * registry — all round trips to the broker.  The median, so a worker's
 * first job (which also builds the workload) does not count for much.
 * Meaningful for workers that run one job at a time, as local ones do. */
static void
measure_broker_cost (LabDistributed *self)
{
  LabRun *run = self->ctx->run;
  g_autoptr(GArray) waits = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint lane = 0; lane < run->lane_names->len; lane++)
    {
      g_autoptr(GArray) jobs = g_array_new (FALSE, FALSE, sizeof (guint));
      gint64 free_since = 0;

      for (guint i = 0; i < run->n_records; i++)
        if (run->records[i].lane == (gint) lane && run->records[i].error == NULL)
          g_array_append_val (jobs, i);
      g_array_sort_with_data (jobs, compare_starts, run->records);

      for (guint j = 0; j < jobs->len; j++)
        {
          const LabTaskRecord *record = &run->records[g_array_index (jobs, guint, j)];
          gint64 ready = MAX (free_since, self->queued_at[record->index]);
          gint64 wait = record->start_us - ready;

          if (wait >= 0)
            g_array_append_val (waits, wait);
          free_since = record->end_us;
        }
    }

  if (waits->len > 0)
    {
      g_array_sort (waits, compare_times);
      run->broker_cost_us = g_array_index (waits, gint64, waits->len / 2);
    }
}

/* Local workers register themselves; the run starts when all have. */
static gboolean
wait_for_local_workers (LabDistributed     *self,
                        LabLocalBroker     *local,
                        guint               n_workers,
                        GError            **error)
{
  gint64 deadline = g_get_monotonic_time () + WORKERS_READY_US;

  for (;;)
    {
      g_autoptr(redisReply) count = lab_broker_command (self->broker, error, "SCARD",
                                                        LAB_RQ_QUEUE_WORKERS, NULL);

      if (count == NULL)
        return FALSE;
      if (count->integer >= (long long) n_workers)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (self->ctx->cancellable, error))
        return FALSE;
      if (lab_local_broker_count_live_workers (local) < n_workers ||
          g_get_monotonic_time () > deadline)
        {
          g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                               _("The local workers did not join the broker; run "
                                 "“concurrency-lab worker --broker=…” in a terminal to see why."));
          return FALSE;
        }
      g_usleep (5000);
    }
}

static gboolean
run_jobs (LabDistributed  *self,
          GError         **error)
{
  gint64 next_maintenance = g_get_monotonic_time () + MAINTENANCE_US;

  if (!measure_clock (self, error))
    return FALSE;
  lab_run_context_start_clock (self->ctx);
  if (!enqueue_jobs (self, error))
    return FALSE;

  while (self->remaining > 0)
    {
      if (g_cancellable_is_cancelled (self->ctx->cancellable))
        {
          if (!close_run (self, "cancelled", error))
            return FALSE;
          for (guint i = 0; i < self->ctx->run->n_records; i++)
            finish_task (self, i, _("Cancelled"));
          return TRUE;
        }

      if (!listen_for_news (self, error))
        return FALSE;

      if (g_get_monotonic_time () >= next_maintenance)
        {
          /* Nobody else will come to a broker of our own: with all our
           * workers dead, the run would wait for ever. */
          if (self->local != NULL && lab_local_broker_count_live_workers (self->local) == 0)
            {
              g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                                   _("Every local worker has died; the run cannot go on."));
              return FALSE;
            }
          if (!take_back_silent_jobs (self, error))
            return FALSE;
          next_maintenance = g_get_monotonic_time () + MAINTENANCE_US;
        }
    }

  measure_broker_cost (self);
  return close_run (self, "finished", error);
}

/* Says why @ctx cannot run in this mode, or returns TRUE. */
static gboolean
check_workload (LabRunContext  *ctx,
                GError        **error)
{
  const LabPlan *plan = lab_workload_get_plan (ctx->workload);

  if (g_str_equal (plan->workload, "bank") || g_str_equal (plan->workload, "pingpong"))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The %s job shares memory or a pipe with the app, which machines on a "
                     "network cannot do; run it in the other modes."), plan->workload);
      return FALSE;
    }
  if (plan->broker == NULL && ctx->workers > LAB_MAX_PROCESS_WORKERS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The distributed mode starts at most %u local workers, not %u."),
                   LAB_MAX_PROCESS_WORKERS, ctx->workers);
      return FALSE;
    }
  return TRUE;
}

static gboolean
execute (LabRunContext  *ctx,
         GError        **error)
{
  const LabPlan *plan = lab_workload_get_plan (ctx->workload);
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GError) local_error = NULL;
  LabDistributed self = { 0 };
  gint64 startup_since = g_get_monotonic_time ();
  const char *url = plan->broker;
  gboolean ok;

  if (!check_workload (ctx, error))
    return FALSE;

  if (url == NULL)
    {
      local = lab_local_broker_start (ctx->cancellable, &local_error);
      if (local != NULL && !lab_local_broker_spawn_workers (local, ctx->workers, &local_error))
        g_clear_pointer (&local, lab_local_broker_stop);
      if (local == NULL)
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      else
        url = lab_local_broker_get_url (local);
    }

  if (url != NULL)
    broker = lab_broker_connect (url, &local_error);
  if (broker == NULL && local_error != NULL &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self.ctx = ctx;
  self.broker = broker;
  self.run_id = lab_rq_new_run_id ();
  self.run_key = lab_rq_run_key (self.run_id);
  self.events_key = lab_rq_events_key (self.run_id);
  self.finished = g_new0 (gboolean, ctx->run->n_records);
  self.losses = g_new0 (guint, ctx->run->n_records);
  self.in_limbo_since = g_new0 (gint64, ctx->run->n_records);
  self.queued_at = g_new0 (gint64, ctx->run->n_records);
  self.lanes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self.lane_lost = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self.hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self.remaining = ctx->run->n_records;
  self.local = local;

  ok = broker != NULL;
  if (ok && local != NULL)
    ok = wait_for_local_workers (&self, local, ctx->workers, &local_error);
  if (ok && local != NULL && ctx->events != NULL)
    {
      /* Where one more worker can join, for the window to show while the
       * run goes on: this broker lives only as long as the run. */
      LabEvent event = { .kind = LAB_EVENT_BROKER_READY, .mode = ctx->run->mode, .lane = -1,
                         .time_us = g_get_monotonic_time (), .name = url };

      lab_event_buffer_push (ctx->events, &event);
    }
  ctx->run->startup_us = g_get_monotonic_time () - startup_since;

  if (ok)
    ok = run_jobs (&self, &local_error);

  /* Cancelled before the run could start: every task ends cancelled. */
  if (!ok && (local_error == NULL ||
              g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    {
      if (ctx->run->start_us == 0)
        lab_run_context_start_clock (ctx);
      for (guint i = 0; i < ctx->run->n_records; i++)
        finish_task (&self, i, _("Cancelled"));
      ok = TRUE;
    }
  else if (!ok)
    {
      /* The broker went away: one sentence, and every open task ends with it. */
      for (guint i = 0; i < ctx->run->n_records; i++)
        finish_task (&self, i, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }

  g_hash_table_unref (self.lanes);
  g_array_unref (self.lane_lost);
  g_hash_table_unref (self.hosts);
  g_free (self.in_limbo_since);
  g_free (self.queued_at);
  g_free (self.losses);
  g_free (self.finished);
  g_free (self.events_key);
  g_free (self.run_key);
  g_free (self.run_id);
  return ok;
}

/* Runs every task of @ctx as a job on the broker; returns when all are
 * done or cancelled.  FALSE when the broker could not be used or went away. */
gboolean
lab_mode_distributed_execute (LabRunContext  *ctx,
                              GError        **error)
{
  sigset_t sigpipe, old_mask;
  struct timespec no_wait = { 0, 0 };
  gboolean ok;

  /* hiredis writes to its socket with write (): a broker that goes away
   * would raise SIGPIPE and kill the app.  Blocked on this thread only
   * (no process-wide signal handling), the write fails with EPIPE
   * instead; a pending SIGPIPE is swallowed before the mask comes back. */
  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &sigpipe, &old_mask);

  ok = execute (ctx, error);

  while (sigtimedwait (&sigpipe, NULL, &no_wait) == SIGPIPE)
    ;
  pthread_sigmask (SIG_SETMASK, &old_mask, NULL);
  return ok;
}
