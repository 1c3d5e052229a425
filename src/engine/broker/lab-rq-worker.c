/* lab-rq-worker.c — a worker that takes jobs from Redis, as RQ's does
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `concurrency-lab worker --broker=redis://…` on any PC of the classroom.
 * It registers in rq:workers, then each of its --concurrency threads loops
 * like RQ's Worker.work ():
 *
 *   1. BLMOVE a job id from the queue into the intermediate list — atomic:
 *      the id is always in exactly one place, never lost between the two;
 *   2. check the job's run is still running (a cancelled or finished run's
 *      job is dropped, never started), and that the job is one we may run:
 *      a workload of this app and parameters within bench's limits — a job
 *      carries no code, so a hostile job cannot make this PC run anything
 *      else (RQ's default, a pickled function call, can);
 *   3. move it into the started registry (rq:wip:…) with an expiry, stamped
 *      with the broker's clock, and run the very workload code every other
 *      mode runs (lab_workload_run_task ());
 *   4. if the job is still ours (ZREM from the started registry succeeds),
 *      store the result and move the job into the finished or failed
 *      registry; if it is not — the app gave it to somebody else while we
 *      were silent, or the run was cancelled — drop the result.
 *
 * Meanwhile the calling thread beats: every second it pushes the expiry of
 * our started jobs forward.  A worker that dies or loses the network stops
 * beating, and the app puts its jobs back in the queue.  The beat also
 * reads the run's state, so a cancelled run's busy jobs are dropped at once.
 */

#define G_LOG_DOMAIN "lab-rq-worker"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "lab-broker.h"
#include "lab-files.h"
#include "lab-rq.h"
#include "lab-rq-worker.h"
#include "lab-states.h"
#include "lab-workload.h"

/* KEYS: intermediate list, started registry; ARGV: job id, expiry. */
#define TAKE_SCRIPT \
  "if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then " \
  "  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) return 1 " \
  "end return 0"

typedef struct
{
  char         *job_id;
  char         *run_id;
  GCancellable *cancellable;
} CurrentJob;

typedef struct
{
  const LabRqWorkerOptions *options;
  char                     *name;
  char                     *key;
  char                     *pid;
  GCancellable             *stop;

  GMutex                    lock;       /* guards the two below */
  GPtrArray                *current;    /* CurrentJob, one per busy thread */
  GError                   *fatal;      /* the first broker error: we stop */
} Worker;

/* What a thread keeps between jobs of the same run: the workload, built
 * and prepared once, and the workload's per-worker data. */
typedef struct
{
  char        *run_id;
  LabWorkload *workload;
  gpointer     worker_data;
} CachedRun;

static void
current_job_free (CurrentJob *job)
{
  g_free (job->job_id);
  g_free (job->run_id);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static void
cached_run_clear (CachedRun *cache)
{
  if (cache->workload != NULL)
    lab_workload_worker_data_free (cache->workload, cache->worker_data);
  cache->worker_data = NULL;
  g_clear_object (&cache->workload);
  g_clear_pointer (&cache->run_id, g_free);
}

static void
worker_fail (Worker *worker,
             GError *error)
{
  g_mutex_lock (&worker->lock);
  if (worker->fatal == NULL)
    worker->fatal = g_error_copy (error);
  g_mutex_unlock (&worker->lock);
  g_cancellable_cancel (worker->stop);
}

/* A name goes into Redis keys and the app's lanes: printable, no spaces. */
gboolean
lab_rq_worker_check_name (const char  *name,
                          GError     **error)
{
  gsize length = name ? strlen (name) : 0;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isgraph (name[i]))
      length = 0;
  if (length == 0 || length > 64)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("A worker’s name is 1 to 64 visible ASCII characters without spaces, "
                     "not “%s”."), name ? name : "");
      return FALSE;
    }
  return TRUE;
}

/* A URL that does not lead back to this very PC (its loopback). */
static gboolean
url_is_remote (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) host = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return TRUE;   /* not a URL at all: the download says so itself */
  host = g_inet_address_new_from_string (g_uri_get_host (uri));
  return g_ascii_strcasecmp (g_uri_get_host (uri), "localhost") != 0 &&
         (host == NULL || !g_inet_address_get_is_loopback (host));
}

/* Why a job may not run here, or NULL when it may.  @urls: the URL
 * list's URLs, when they came with the job. */
static char *
refuse_plan (Worker              *worker,
             const LabPlan       *plan,
             const char * const  *urls,
             guint                index)
{
  if (index >= plan->tasks && plan->url_list == NULL && plan->input_dir == NULL)
    return g_strdup_printf (_("it asks for task %u of %u"), index + 1, plan->tasks);
  if (g_str_equal (plan->workload, "bank") || g_str_equal (plan->workload, "pingpong"))
    return g_strdup_printf (_("the %s job shares memory or a pipe with the app"),
                            plan->workload);
  if (worker->options->local)
    return NULL;

  /* A job from the network must not read or write files on this PC, nor
   * reach services that listen only on this PC. */
  if (plan->input_dir != NULL || plan->out_dir != NULL ||
      (plan->url_list != NULL && urls == NULL) || plan->queue_fd >= 0)
    return g_strdup (_("it names files on the machine that sent it"));
  if (plan->url != NULL && !url_is_remote (plan->url))
    return g_strdup (_("its URL points at this very PC (loopback)"));
  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    if (!url_is_remote (urls[i]))
      return g_strdup (_("its URL points at this very PC (loopback)"));
  return NULL;
}

/* Writes the job's URLs where the download workload reads a URL list: a
 * private folder of ours, removed again once the workload has read it. */
static char *
write_url_list (const char * const  *urls,
                char               **folder)
{
  g_autofree char *text = g_strjoinv ("\n", (char **) urls);
  g_autofree char *path = NULL;

  *folder = g_dir_make_tmp ("concurrency-lab-urls-XXXXXX", NULL);
  if (*folder == NULL)
    return NULL;
  path = g_build_filename (*folder, "urls.txt", NULL);
  if (!g_file_set_contents (path, text, -1, NULL))
    return NULL;
  return g_steal_pointer (&path);
}

/* Turns the job's payload — a workload name and parameters, as text —
 * into a prepared workload, or says why not. */
static gboolean
load_job (Worker      *worker,
          CachedRun   *cache,
          const char  *run_id,
          const char  *payload,
          guint        index,
          char       **refusal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(LabPlan) plan = NULL;
  g_autofree char *reason = NULL, *url_folder = NULL;
  g_autofree const char **urls = NULL;

  if (cache->run_id != NULL && g_str_equal (cache->run_id, run_id))
    return TRUE;
  cached_run_clear (cache);

  if (payload != NULL)
    variant = g_variant_parse (G_VARIANT_TYPE_VARDICT, payload, NULL, NULL, &error);
  if (variant == NULL)
    {
      *refusal = g_strdup (_("it carries no plan this app can read"));
      return FALSE;
    }

  plan = lab_plan_from_variant (variant, &error);
  if (plan == NULL)
    {
      *refusal = g_strdup (error->message);
      return FALSE;
    }

  g_variant_lookup (variant, LAB_RQ_URLS_FIELD, "^a&s", &urls);
  reason = refuse_plan (worker, plan, urls, index);
  if (reason != NULL)
    {
      *refusal = g_steal_pointer (&reason);
      return FALSE;
    }

  /* A worker from the network reads the URLs that came with the job, never
   * a file of the same name on this PC. */
  if (plan->url_list != NULL && !worker->options->local)
    {
      g_free (plan->url_list);
      plan->url_list = urls ? write_url_list (urls, &url_folder) : NULL;
      if (plan->url_list == NULL)
        {
          *refusal = g_strdup (_("its URLs could not be written to a temporary file"));
          if (url_folder != NULL)
            lab_remove_folder (url_folder);
          return FALSE;
        }
    }

  cache->workload = lab_workload_new (plan, &error);
  if (url_folder != NULL)
    lab_remove_folder (url_folder);
  if (cache->workload == NULL)
    {
      *refusal = g_strdup (error->message);
      return FALSE;
    }
  cache->run_id = g_strdup (run_id);
  cache->worker_data = lab_workload_worker_data_new (cache->workload);
  return TRUE;
}

static gboolean
run_is_running (LabBroker   *broker,
                const char  *run_id,
                gboolean    *running,
                GError     **error)
{
  g_autofree char *run_key = lab_rq_run_key (run_id);
  g_autoptr(redisReply) state = lab_broker_command (broker, error, "HGET", run_key, "state", NULL);

  if (state == NULL)
    return FALSE;
  *running = state->type == REDIS_REPLY_STRING && g_str_equal (state->str, "running");
  return TRUE;
}

/* Stores what happened to a job we still own and moves it to the finished
 * or failed registry, telling the app through the run's event list.  Its
 * waits travel as offsets from @local_start_us, the job's start on our
 * own clock (see lab_rq_format_spans ()). */
static gboolean
report_job (Worker         *worker,
            LabBroker      *broker,
            const char     *job_id,
            const char     *run_id,
            const char     *from_list,
            LabTaskRecord  *record,
            gint64          local_start_us,
            GError        **error)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;
  g_autofree char *job_key = lab_rq_job_key (job_id);
  g_autofree char *events_key = lab_rq_events_key (run_id);
  g_autofree char *ended_at = lab_rq_format_time (record->end_us);
  g_autofree char *score = lab_rq_format_score (record->end_us, LAB_RQ_RESULT_TTL_S);
  g_autofree char *start_us = g_strdup_printf ("%" G_GINT64_FORMAT, record->start_us);
  g_autofree char *end_us = g_strdup_printf ("%" G_GINT64_FORMAT, record->end_us);
  g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, record->bytes);
  g_autofree char *status = g_strdup_printf ("%u", record->status);
  g_autofree char *ttfb = g_strdup_printf ("%" G_GINT64_FORMAT, record->ttfb_us);
  g_autofree char *done = g_strdup_printf ("F %u", record->index);
  g_autofree char *ttl = g_strdup_printf ("%d", LAB_RQ_RESULT_TTL_S);
  g_autofree char *cpu = g_strdup_printf ("%" G_GINT64_FORMAT, record->cpu_us);
  g_autofree char *run_queue = g_strdup_printf ("%" G_GINT64_FORMAT, record->run_queue_us);
  g_autofree char *spans = lab_rq_format_spans (record->spans, local_start_us);
  gboolean ok = record->error == NULL;

  lab_broker_batch_add (batch, "HSET", job_key, "status", ok ? "finished" : "failed",
                        "ended_at", ended_at, "lab_start_us", start_us, "lab_end_us", end_us,
                        "lab_value", record->value ? record->value : "", "lab_bytes", bytes,
                        "lab_status", status, "lab_ttfb_us", ttfb, "worker_name", worker->name,
                        "lab_pid", worker->pid, "exc_info", ok ? "" : record->error,
                        LAB_RQ_CPU_FIELD, cpu, LAB_RQ_RUN_QUEUE_FIELD, run_queue,
                        LAB_RQ_SPANS_FIELD, spans ? spans : "", NULL);
  if (record->output != NULL)
    lab_broker_batch_add_bytes (batch, "HSET", job_key, "lab_output", record->output);
  if (from_list != NULL)
    lab_broker_batch_add (batch, "LREM", from_list, "1", job_id, NULL);
  lab_broker_batch_add (batch, "ZADD", ok ? LAB_RQ_FINISHED_KEY : LAB_RQ_FAILED_KEY,
                        score, job_id, NULL);
  lab_broker_batch_add (batch, "EXPIRE", job_key, ttl, NULL);
  lab_broker_batch_add (batch, "RPUSH", events_key, done, NULL);
  lab_broker_batch_add (batch, "HSET", worker->key, "state", "idle", "current_job", "", NULL);
  lab_broker_batch_add (batch, "HINCRBY", worker->key,
                        ok ? "successful_job_count" : "failed_job_count", "1", NULL);

  reply = lab_broker_batch_exec (broker, batch, error);
  return reply != NULL;
}

/* A job this worker may not run: say why, on stderr and in the job, and
 * let it fail, so the run ends with the reason instead of waiting. */
static gboolean
refuse_job (Worker      *worker,
            LabBroker   *broker,
            const char  *job_id,
            const char  *run_id,
            guint        index,
            const char  *reason,
            GError     **error)
{
  LabTaskRecord record = { .index = index };
  gboolean ok;

  g_printerr (_("concurrency-lab worker %s: refused job %s: %s.\n"), worker->name, job_id, reason);
  record.error = g_strdup_printf (_("Worker %s refused this job: %s."), worker->name, reason);
  if (!lab_broker_time_us (broker, &record.start_us, error))
    return FALSE;
  record.end_us = record.start_us;
  record.cpu_us = record.run_queue_us = -1;   /* it never ran */
  ok = report_job (worker, broker, job_id, run_id, LAB_RQ_INTERMEDIATE, &record, 0, error);
  lab_task_record_clear (&record);
  return ok;
}

static gboolean
handle_job (Worker      *worker,
            LabBroker   *broker,
            CachedRun   *cache,
            const char  *job_id,
            GError     **error)
{
  g_autofree char *run_id = NULL, *job_key = NULL, *events_key = NULL, *refusal = NULL;
  g_autofree char *started_at = NULL, *score = NULL, *started = NULL;
  g_autoptr(redisReply) payload = NULL;
  g_autoptr(redisReply) reply = NULL;
  g_autoptr(redisReply) removed = NULL;
  g_autoptr(redisReply) moved = NULL;
  g_autoptr(LabBrokerBatch) batch = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) task_error = NULL;
  LabTaskRecord record = { .cpu_us = -1, .run_queue_us = -1 };
  LabCpuSample cpu_at_start;
  gint64 local_start, cpu_from, local_end;
  CurrentJob *current;
  gboolean running = FALSE, run_over;
  guint index;

  if (!lab_rq_job_id_parse (job_id, &run_id, &index))
    {
      /* Not one of ours (somebody else's RQ job on our queue): leave it. */
      g_autoptr(LabBrokerBatch) leave = lab_broker_batch_new ();
      g_autoptr(redisReply) back = NULL;

      lab_broker_batch_add (leave, "LREM", LAB_RQ_INTERMEDIATE, "1", job_id, NULL);
      lab_broker_batch_add (leave, "RPUSH", LAB_RQ_QUEUE_KEY, job_id, NULL);
      back = lab_broker_batch_exec (broker, leave, error);
      return back != NULL;
    }

  /* A job of a run that is over is dropped here, before it starts. */
  if (!run_is_running (broker, run_id, &running, error))
    return FALSE;
  if (!running)
    {
      g_autoptr(LabBrokerBatch) drop = lab_broker_batch_new ();
      g_autoptr(redisReply) dropped = NULL;

      job_key = lab_rq_job_key (job_id);
      lab_broker_batch_add (drop, "LREM", LAB_RQ_INTERMEDIATE, "1", job_id, NULL);
      lab_broker_batch_add (drop, "HSET", job_key, "status", "canceled", NULL);
      lab_broker_batch_add (drop, "EXPIRE", job_key, G_STRINGIFY (LAB_RQ_RESULT_TTL_S), NULL);
      dropped = lab_broker_batch_exec (broker, drop, error);
      return dropped != NULL;
    }

  job_key = lab_rq_job_key (job_id);
  payload = lab_broker_command (broker, error, "HGET", job_key, "lab_plan", NULL);
  if (payload == NULL)
    return FALSE;
  if (!load_job (worker, cache, run_id,
                 payload->type == REDIS_REPLY_STRING ? payload->str : NULL, index, &refusal))
    return refuse_job (worker, broker, job_id, run_id, index, refusal, error);
  if (index >= lab_workload_get_n_tasks (cache->workload))
    return refuse_job (worker, broker, job_id, run_id, index, _("it asks for a task that does not exist"), error);

  /* Into the started registry, with an expiry the heartbeat pushes on;
   * the time is the broker's, the one clock every machine shares. */
  record.index = index;
  if (!lab_broker_time_us (broker, &record.start_us, error))
    return FALSE;
  /* The same moment on our own clock, where the job's waits are timed.
   * The broker read its clock before its answer came, so now is a little
   * late: the job's waits, timed from here, come out at most a round trip
   * early, and never past the job's end, which the broker reads after
   * the job. */
  local_start = g_get_monotonic_time ();
  started_at = lab_rq_format_time (record.start_us);
  score = lab_rq_format_score (record.start_us, LAB_RQ_JOB_TTL_S);
  events_key = lab_rq_events_key (run_id);
  started = g_strdup_printf ("S %u %" G_GINT64_FORMAT " %s %s", index, record.start_us,
                             worker->pid, worker->name);
  /* From the intermediate list into the started registry in one step (a
   * script runs atomically in Redis): the job is never in neither, and if
   * the app has taken it back meanwhile (we were too slow), we leave it. */
  moved = lab_broker_command (broker, error, "EVAL", TAKE_SCRIPT, "2", LAB_RQ_INTERMEDIATE,
                              LAB_RQ_STARTED_KEY, job_id, score, NULL);
  if (moved == NULL)
    return FALSE;
  if (moved->integer == 0)
    return TRUE;

  batch = lab_broker_batch_new ();
  lab_broker_batch_add (batch, "HSET", job_key, "status", "started", "started_at", started_at,
                        "worker_name", worker->name, NULL);
  lab_broker_batch_add (batch, "HSET", worker->key, "state", "busy", "current_job", job_id, NULL);
  lab_broker_batch_add (batch, "RPUSH", events_key, started, NULL);
  reply = lab_broker_batch_exec (broker, batch, error);
  if (reply == NULL)
    return FALSE;

  current = g_new0 (CurrentJob, 1);
  current->job_id = g_strdup (job_id);
  current->run_id = g_strdup (run_id);
  current->cancellable = g_cancellable_new ();
  g_mutex_lock (&worker->lock);
  g_ptr_array_add (worker->current, current);
  g_mutex_unlock (&worker->lock);

  /* The very code every other mode runs. */
  {
    LabTaskContext context = {
      .cancellable = current->cancellable,
      .gil = NULL,
      .worker_data = cache->worker_data,
    };

    /* Measured as a worker process of the processes mode measures its
     * tasks (workers/lab-worker.c): the kernel counts this thread's time
     * on a CPU and waiting for one, and the workload records its other
     * waits into the job's spans. */
    cpu_from = g_get_monotonic_time ();
    lab_cpu_sample_task_start (&cpu_at_start, cpu_from);
    lab_spans_begin_task (&record.spans);
    if (lab_workload_has_task_input (cache->workload))
      input = lab_workload_make_task_input (cache->workload, index, &task_error);
    if (task_error == NULL)
      lab_workload_run_task (cache->workload, &context, input, &record, &task_error);
    lab_spans_end_task ();
    local_end = g_get_monotonic_time ();
    lab_cpu_sample_task_end (&cpu_at_start, local_end, local_end - cpu_from,
                             &record.cpu_us, &record.run_queue_us);
    if (task_error != NULL)
      record.error = g_strdup (task_error->message);
  }

  /* Cancelled while we are not stopping: the heartbeat saw the run end. */
  run_over = g_cancellable_is_cancelled (current->cancellable) &&
             !g_cancellable_is_cancelled (worker->stop);
  g_mutex_lock (&worker->lock);
  g_ptr_array_remove (worker->current, current);
  g_mutex_unlock (&worker->lock);

  if (!lab_broker_time_us (broker, &record.end_us, error))
    {
      lab_task_record_clear (&record);
      return FALSE;
    }

  /* Still ours?  Whoever removes the job from the started registry owns
   * it: us, to report it, or the app, to requeue or cancel it. */
  removed = lab_broker_command (broker, error, "ZREM", LAB_RQ_STARTED_KEY, job_id, NULL);
  if (removed == NULL)
    {
      lab_task_record_clear (&record);
      return FALSE;
    }
  if (removed->integer == 0)
    {
      g_autoptr(redisReply) idle = lab_broker_command (broker, error, "HSET", worker->key,
                                                       "state", "idle", "current_job", "",
                                                       NULL);

      g_debug ("job %s was taken from us; its result is dropped", job_id);
      lab_task_record_clear (&record);
      return idle != NULL;
    }

  /* The run is over: the job ends in the canceled registry, unreported. */
  if (run_over)
    {
      g_autoptr(LabBrokerBatch) drop = lab_broker_batch_new ();
      g_autoptr(redisReply) dropped = NULL;
      g_autofree char *kept_until = lab_rq_format_score (record.end_us, LAB_RQ_RESULT_TTL_S);

      lab_broker_batch_add (drop, "HSET", job_key, "status", "canceled", NULL);
      lab_broker_batch_add (drop, "ZADD", LAB_RQ_CANCELED_KEY, kept_until, job_id, NULL);
      lab_broker_batch_add (drop, "HSET", worker->key, "state", "idle", "current_job", "", NULL);
      dropped = lab_broker_batch_exec (broker, drop, error);
      lab_task_record_clear (&record);
      return dropped != NULL;
    }

  /* We were told to stop (Ctrl+C) mid-job: give the job back at once. */
  if (g_cancellable_is_cancelled (worker->stop))
    {
      g_autoptr(LabBrokerBatch) back = lab_broker_batch_new ();
      g_autoptr(redisReply) requeued = NULL;

      lab_broker_batch_add (back, "HSET", job_key, "status", "queued", NULL);
      lab_broker_batch_add (back, "LPUSH", LAB_RQ_QUEUE_KEY, job_id, NULL);
      requeued = lab_broker_batch_exec (broker, back, error);
      lab_task_record_clear (&record);
      return requeued != NULL;
    }

  if (!report_job (worker, broker, job_id, run_id, NULL, &record, local_start, error))
    {
      lab_task_record_clear (&record);
      return FALSE;
    }
  lab_task_record_clear (&record);
  return TRUE;
}

static gpointer
job_thread (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabBroker) broker = lab_broker_connect (worker->options->broker_url, &error);
  CachedRun cache = { 0 };

  while (broker != NULL && !g_cancellable_is_cancelled (worker->stop))
    {
      /* Waits at most a second, so a stop is noticed soon. */
      g_autoptr(redisReply) job = lab_broker_command (broker, &error, "BLMOVE", LAB_RQ_QUEUE_KEY,
                                                      LAB_RQ_INTERMEDIATE, "LEFT", "RIGHT", "1",
                                                      NULL);

      if (job == NULL)
        break;
      if (job->type == REDIS_REPLY_STRING &&
          !handle_job (worker, broker, &cache, job->str, &error))
        break;
    }

  if (error != NULL)
    worker_fail (worker, error);
  cached_run_clear (&cache);
  return NULL;
}

/* One beat: we are alive, our started jobs are still being worked on,
 * and any of them whose run is over is dropped now. */
static gboolean
heartbeat (Worker     *worker,
           LabBroker  *broker,
           GError    **error)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *now_text = NULL, *score = NULL, *ttl = NULL;
  gint64 now;

  if (!lab_broker_time_us (broker, &now, error))
    return FALSE;
  now_text = lab_rq_format_time (now);
  score = lab_rq_format_score (now, LAB_RQ_JOB_TTL_S);
  ttl = g_strdup_printf ("%d", LAB_RQ_WORKER_TTL_S);

  g_mutex_lock (&worker->lock);
  for (guint i = 0; i < worker->current->len; i++)
    {
      CurrentJob *job = g_ptr_array_index (worker->current, i);

      g_ptr_array_add (jobs, g_strdup (job->job_id));
      g_ptr_array_add (runs, g_strdup (job->run_id));
    }
  g_mutex_unlock (&worker->lock);

  lab_broker_batch_add (batch, "HSET", worker->key, "last_heartbeat", now_text, NULL);
  lab_broker_batch_add (batch, "EXPIRE", worker->key, ttl, NULL);
  for (guint i = 0; i < jobs->len; i++)
    {
      g_autofree char *run_key = lab_rq_run_key (g_ptr_array_index (runs, i));

      /* XX: only a job still in the registry; one the app took back stays out. */
      lab_broker_batch_add (batch, "ZADD", LAB_RQ_STARTED_KEY, "XX", score,
                            (const char *) g_ptr_array_index (jobs, i), NULL);
      lab_broker_batch_add (batch, "HGET", run_key, "state", NULL);
    }

  reply = lab_broker_batch_exec (broker, batch, error);
  if (reply == NULL)
    return FALSE;

  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 + 2 * jobs->len)
    return TRUE;
  for (guint i = 0; i < jobs->len; i++)
    {
      redisReply *state = reply->element[2 + 2 * i + 1];

      if (state->type == REDIS_REPLY_STRING && g_str_equal (state->str, "running"))
        continue;

      g_mutex_lock (&worker->lock);
      for (guint j = 0; j < worker->current->len; j++)
        {
          CurrentJob *job = g_ptr_array_index (worker->current, j);

          if (g_str_equal (job->job_id, g_ptr_array_index (jobs, i)))
            g_cancellable_cancel (job->cancellable);
        }
      g_mutex_unlock (&worker->lock);
    }

  return TRUE;
}

static gboolean
register_worker (Worker     *worker,
                 LabBroker  *broker,
                 GError    **error)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;
  g_autofree char *now_text = NULL, *ttl = NULL;
  gint64 now;

  if (!lab_broker_time_us (broker, &now, error))
    return FALSE;
  now_text = lab_rq_format_time (now);
  ttl = g_strdup_printf ("%d", LAB_RQ_WORKER_TTL_S);

  /* The fields RQ's Worker.refresh () reads, so `rq info` lists us. */
  lab_broker_batch_add (batch, "DEL", worker->key, NULL);
  lab_broker_batch_add (batch, "HSET", worker->key, "birth", now_text, "last_heartbeat", now_text,
                        "queues", LAB_RQ_QUEUE, "state", "idle", "current_job", "",
                        "hostname", g_get_host_name (), "pid", worker->pid,
                        "version", "concurrency-lab " PACKAGE_VERSION, "python_version", "",
                        "successful_job_count", "0", "failed_job_count", "0",
                        "total_working_time", "0", NULL);
  lab_broker_batch_add (batch, "EXPIRE", worker->key, ttl, NULL);
  lab_broker_batch_add (batch, "SADD", LAB_RQ_WORKERS_KEY, worker->key, NULL);
  lab_broker_batch_add (batch, "SADD", LAB_RQ_QUEUE_WORKERS, worker->key, NULL);
  lab_broker_batch_add (batch, "SADD", LAB_RQ_QUEUES_KEY, LAB_RQ_QUEUE_KEY, NULL);
  reply = lab_broker_batch_exec (broker, batch, error);
  return reply != NULL;
}

static void
unregister_worker (Worker    *worker,
                   LabBroker *broker)
{
  g_autoptr(LabBrokerBatch) batch = lab_broker_batch_new ();
  g_autoptr(redisReply) reply = NULL;

  lab_broker_batch_add (batch, "SREM", LAB_RQ_WORKERS_KEY, worker->key, NULL);
  lab_broker_batch_add (batch, "SREM", LAB_RQ_QUEUE_WORKERS, worker->key, NULL);
  lab_broker_batch_add (batch, "DEL", worker->key, NULL);
  reply = lab_broker_batch_exec (broker, batch, NULL);
}

/* Runs until @stop is cancelled (FALSE only on a broker error). */
gboolean
lab_rq_worker_run (const LabRqWorkerOptions  *options,
                   GCancellable              *stop,
                   GError                   **error)
{
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  Worker worker = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (options != NULL && options->broker_url != NULL, FALSE);
  g_return_val_if_fail (G_IS_CANCELLABLE (stop), FALSE);

  if (options->name != NULL && !lab_rq_worker_check_name (options->name, error))
    return FALSE;

  broker = lab_broker_connect (options->broker_url, error);
  if (broker == NULL)
    return FALSE;

  worker.options = options;
  worker.pid = g_strdup_printf ("%d", (int) getpid ());
  worker.name = options->name ? g_strdup (options->name)
                              : g_strdup_printf ("%s:%s", g_get_host_name (), worker.pid);
  worker.key = lab_rq_worker_key (worker.name);
  worker.stop = g_object_ref (stop);
  worker.current = g_ptr_array_new_with_free_func ((GDestroyNotify) current_job_free);
  g_mutex_init (&worker.lock);

  if (!register_worker (&worker, broker, error))
    ok = FALSE;

  for (guint i = 0; ok && i < MAX (options->concurrency, 1); i++)
    g_ptr_array_add (threads, g_thread_new ("lab-rq-job", job_thread, &worker));

  while (ok && !g_cancellable_is_cancelled (stop))
    {
      g_autoptr(GError) beat_error = NULL;
      gint64 next = g_get_monotonic_time () + LAB_RQ_HEARTBEAT_S * G_USEC_PER_SEC;

      if (!heartbeat (&worker, broker, &beat_error))
        {
          worker_fail (&worker, beat_error);
          break;
        }
      while (!g_cancellable_is_cancelled (stop) && g_get_monotonic_time () < next)
        g_usleep (20000);
    }

  /* Busy jobs stop now; each thread gives its job back to the queue. */
  g_cancellable_cancel (stop);
  g_mutex_lock (&worker.lock);
  for (guint i = 0; i < worker.current->len; i++)
    g_cancellable_cancel (((CurrentJob *) g_ptr_array_index (worker.current, i))->cancellable);
  g_mutex_unlock (&worker.lock);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  if (worker.fatal != NULL)
    {
      if (ok)
        g_propagate_error (error, g_steal_pointer (&worker.fatal));
      ok = FALSE;
    }
  else if (ok)
    unregister_worker (&worker, broker);

  g_clear_error (&worker.fatal);
  g_ptr_array_unref (worker.current);
  g_mutex_clear (&worker.lock);
  g_object_unref (worker.stop);
  g_free (worker.key);
  g_free (worker.name);
  g_free (worker.pid);
  return ok;
}
