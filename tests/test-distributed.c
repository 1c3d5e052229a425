/* test-distributed.c — the distributed mode against real Redis servers
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts its own redis-server on a free loopback port with a
 * password (the local broker the app itself uses) and real
 * `concurrency-lab worker` processes; nothing leaves 127.0.0.1 or the
 * namespaces a test makes.  Skipped, with the reason, where redis-server
 * (or python3-rq's `rq`, or `unshare` as root) is absent.  The runs whose
 * broker and workers the app starts itself are in test-distributed-runs.c.
 */

#include "config.h"

#include <signal.h>
#include <unistd.h>

#include "lab-broker.h"
#include "lab-files.h"
#include "lab-local-broker.h"
#include "lab-process-pool.h"
#include "lab-rq.h"
#include "lab-server.h"
#include "lab-states.h"
#include "lab-test-util.h"
#include "test-distributed-runs.h"

/* A broker of the test's own, as the app starts it (redis-server on a
 * free loopback port, with a password), and in @connection the test's
 * connection to it, to read its keys with plain Redis commands. */
static LabLocalBroker *
start_broker (LabBroker **connection)
{
  g_autoptr(GError) error = NULL;
  LabLocalBroker *local = lab_local_broker_start (NULL, &error);

  g_assert_no_error (error);
  *connection = lab_broker_connect (lab_local_broker_get_url (local), &error);
  g_assert_no_error (error);
  return local;
}

/* A `concurrency-lab worker` process joining @url, as a classroom PC
 * would: no --local, so it refuses jobs that name files.  With @host, it
 * runs in a UTS namespace of its own under that host name. */
static GSubprocess *
start_worker (const char *url,
              const char *name,
              const char *host,
              gboolean    local)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *name_option = name ? g_strconcat ("--name=", name, NULL) : NULL;
  const char *exe = g_getenv (LAB_WORKER_EXECUTABLE_ENV);
  GSubprocess *worker;

  g_assert_nonnull (exe);
  g_subprocess_launcher_setenv (launcher, LAB_BROKER_URL_ENV, url, TRUE);
  if (host != NULL)
    {
      g_autofree char *script = g_strdup_printf ("hostname %s && exec \"$0\" worker", host);

      worker = g_subprocess_launcher_spawn (launcher, &error, "unshare", "--uts", "sh", "-c",
                                            script, exe, NULL);
    }
  else
    worker = g_subprocess_launcher_spawn (launcher, &error, exe, "worker",
                                          local ? "--local" : "--concurrency=1",
                                          name_option, NULL);
  g_assert_no_error (error);
  return worker;
}

static redisReply *
command (LabBroker *broker,
         ...) G_GNUC_NULL_TERMINATED;

static redisReply *
command (LabBroker *broker,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  redisReply *reply;
  va_list args;

  va_start (args, broker);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  reply = lab_broker_command_strv (broker, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return reply;
}

static long long
scard (LabBroker  *broker,
       const char *key)
{
  g_autoptr(redisReply) reply = command (broker, "SCARD", key, NULL);

  return reply->integer;
}

/* Waits (bounded) until @n workers have registered on the queue. */
static void
wait_for_workers (LabBroker *broker,
                  long long  n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (scard (broker, LAB_RQ_QUEUE_WORKERS) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static LabWorkload *
sleep_workload (const char *url,
                guint       tasks,
                guint       task_ms)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;
  LabWorkload *workload;

  plan->tasks = tasks;
  plan->task_ms = task_ms;
  plan->broker = g_strdup (url);
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  return workload;
}

/* The one worker of @broker (at @url), named @name: started, and
 * registered on the queue when this returns. */
static GSubprocess *
start_lone_worker (LabBroker  *broker,
                   const char *url,
                   const char *name)
{
  GSubprocess *worker = start_worker (url, name, NULL, FALSE);

  wait_for_workers (broker, 1);
  return worker;
}

/* @tasks sleeps of @task_ms on the broker at @url, run on a thread of its
 * own while the test acts on the workers or the broker. */
static void
start_sleep_run (LabTestThreadRun *job,
                 const char       *url,
                 guint             tasks,
                 guint             task_ms,
                 GCancellable     *cancellable)
{
  g_autoptr(LabWorkload) workload = sleep_workload (url, tasks, task_ms);

  lab_test_thread_run_start (job, workload, LAB_MODE_DISTRIBUTED, cancellable);
}

/* Waits until some worker is busy with a job and returns its name. */
static char *
wait_for_busy_worker (LabBroker *broker)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(redisReply) members = command (broker, "SMEMBERS", LAB_RQ_WORKERS_KEY, NULL);

      for (size_t i = 0; i < members->elements; i++)
        {
          g_autoptr(redisReply) state = command (broker, "HGET", members->element[i]->str,
                                                 "state", NULL);

          if (state->type == REDIS_REPLY_STRING && g_str_equal (state->str, "busy"))
            return g_strdup (members->element[i]->str + strlen (LAB_RQ_WORKER_PREFIX));
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

/* A worker SIGKILLed mid-job stops beating; its job goes back to the queue
 * after the stated timeout and another worker does it: nothing lost. */
static void
test_killed_worker (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GSubprocess) w1 = NULL, w2 = NULL, w3 = NULL;
  g_autofree char *victim = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LabTestThreadRun job = { 0 };
  GSubprocess *workers[3];

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  workers[0] = w1 = start_worker (lab_local_broker_get_url (local), "w1", NULL, FALSE);
  workers[1] = w2 = start_worker (lab_local_broker_get_url (local), "w2", NULL, FALSE);
  workers[2] = w3 = start_worker (lab_local_broker_get_url (local), "w3", NULL, FALSE);
  wait_for_workers (broker, 3);

  /* Bounded: a job lost for good would otherwise wait forever. */
  lab_test_cancel_after (cancellable, 60000);
  start_sleep_run (&job, lab_local_broker_get_url (local), 6, 1500, cancellable);

  victim = wait_for_busy_worker (broker);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("w%u", i + 1);

      if (g_str_equal (name, victim))
        g_subprocess_send_signal (workers[i], SIGKILL);
    }

  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);
  g_assert_nonnull (job.run);
  g_assert_true (job.run->verified);
  g_assert_cmpuint (job.run->tasks_ok, ==, 6);
  g_assert_cmpuint (job.run->requeued, >=, 1);
  g_test_message ("killed %s; %u job(s) requeued; the run took %.1f s", victim,
                  job.run->requeued, job.took_us / 1e6);

  for (guint i = 0; i < 3; i++)
    if (g_subprocess_get_identifier (workers[i]) != NULL)
      lab_test_stop_worker (workers[i]);
  lab_test_thread_run_clear (&job);
}

/* A broker that goes away mid-run ends the run with one sentence. */
static void
test_broker_gone (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GSubprocess) worker = NULL;
  g_autofree char *busy = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LabTestThreadRun job = { 0 };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "w1");

  lab_test_cancel_after (cancellable, 30000);
  start_sleep_run (&job, lab_local_broker_get_url (local), 10, 2000, cancellable);
  busy = wait_for_busy_worker (broker);

  kill (lab_local_broker_get_pid (local), SIGKILL);
  lab_test_thread_run_join (&job);

  g_assert_null (job.run);
  g_assert_error (job.error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_GONE);
  g_assert_null (strchr (job.error->message, '\n'));
  /* Ten 2 s jobs would take 20 s; the run must end well before. */
  g_assert_cmpint (job.took_us, <, 15 * G_USEC_PER_SEC);
  g_test_message ("%s", job.error->message);

  /* The worker notices too, and exits with a sentence. */
  g_subprocess_wait (worker, NULL, NULL);
  g_assert_false (g_subprocess_get_successful (worker));
  lab_test_thread_run_clear (&job);
}

static void
test_hosts (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GSubprocess) a = NULL, b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  gboolean alpha = FALSE, beta = FALSE;

  if (!lab_test_have_redis ())
    return;
  if (geteuid () != 0 || unshare == NULL)
    {
      g_test_skip ("separate host names need `unshare --uts`, as root");
      return;
    }

  local = start_broker (&broker);
  a = start_worker (lab_local_broker_get_url (local), NULL, "alpha", FALSE);
  b = start_worker (lab_local_broker_get_url (local), NULL, "beta", FALSE);
  wait_for_workers (broker, 2);

  workload = sleep_workload (lab_local_broker_get_url (local), 8, 200);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->verified);

  for (guint i = 0; i < run->lane_names->len; i++)
    {
      const char *lane = g_ptr_array_index (run->lane_names, i);

      alpha |= g_str_has_prefix (lane, "alpha:");
      beta |= g_str_has_prefix (lane, "beta:");
    }
  g_assert_true (alpha);
  g_assert_true (beta);

  lab_test_stop_worker (a);
  lab_test_stop_worker (b);
}

/* The keys are RQ's, read back with plain Redis commands. */
static void
test_layout (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(redisReply) queues = NULL, finished = NULL, job = NULL, type = NULL, me = NULL;
  g_autoptr(redisReply) workers = NULL, started = NULL;
  const char *job_fields[] = { "status", "origin", "created_at", "enqueued_at", "started_at",
                               "ended_at", "worker_name", "lab_plan" };
  const char *worker_fields[] = { "hostname", "pid", "birth", "last_heartbeat", "state",
                                  "current_job", "queues" };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "w1");

  workload = sleep_workload (lab_local_broker_get_url (local), 3, 10);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (run->verified);

  queues = command (broker, "SMEMBERS", "rq:queues", NULL);
  g_assert_cmpuint (queues->elements, ==, 1);
  g_assert_cmpstr (queues->element[0]->str, ==, "rq:queue:concurrency-lab");

  finished = command (broker, "ZRANGE", "rq:finished:concurrency-lab", "0", "-1", NULL);
  g_assert_cmpuint (finished->elements, ==, 3);
  started = command (broker, "ZCARD", "rq:wip:concurrency-lab", NULL);
  g_assert_cmpint (started->integer, ==, 0);

  for (size_t i = 0; i < finished->elements; i++)
    {
      g_autofree char *key = g_strconcat ("rq:job:", finished->element[i]->str, NULL);

      g_clear_pointer (&type, freeReplyObject);
      type = command (broker, "TYPE", key, NULL);
      g_assert_cmpstr (type->str, ==, "hash");
      for (guint f = 0; f < G_N_ELEMENTS (job_fields); f++)
        {
          g_clear_pointer (&job, freeReplyObject);
          job = command (broker, "HGET", key, job_fields[f], NULL);
          g_assert_cmpint (job->type, ==, REDIS_REPLY_STRING);
          g_assert_cmpuint (job->len, >, 0);
        }
      g_clear_pointer (&job, freeReplyObject);
      job = command (broker, "HGET", key, "status", NULL);
      g_assert_cmpstr (job->str, ==, "finished");
      g_clear_pointer (&job, freeReplyObject);
      job = command (broker, "HGET", key, "origin", NULL);
      g_assert_cmpstr (job->str, ==, "concurrency-lab");
      /* The payload is a workload name and parameters, nothing else. */
      g_clear_pointer (&job, freeReplyObject);
      job = command (broker, "HGET", key, "lab_plan", NULL);
      g_assert_nonnull (strstr (job->str, "'workload': <'sleep'>"));
      g_assert_null (strstr (job->str, "broker"));
      /* Where its time went, beside RQ's fields: the worker's CPU time
       * (a sleep takes next to none), and its sleep as a timer wait,
       * which starts after the job did and ends before it ended. */
      g_clear_pointer (&job, freeReplyObject);
      job = command (broker, "HMGET", key, LAB_RQ_CPU_FIELD, LAB_RQ_RUN_QUEUE_FIELD,
                     LAB_RQ_SPANS_FIELD, "lab_start_us", "lab_end_us", NULL);
      g_assert_cmpuint (job->elements, ==, 5);
      for (guint f = 0; f < 5; f++)
        g_assert_cmpint (job->element[f]->type, ==, REDIS_REPLY_STRING);
      {
        gint64 start = g_ascii_strtoll (job->element[3]->str, NULL, 10);
        gint64 wall = g_ascii_strtoll (job->element[4]->str, NULL, 10) - start;
        gint64 cpu = -2, queue = -2;
        g_autoptr(GArray) spans = NULL;
        const LabSpan *span;

        g_test_message ("%s: cpu %s µs, run queue %s µs, waits “%s”, %" G_GINT64_FORMAT " µs long",
                        key, job->element[0]->str, job->element[1]->str, job->element[2]->str, wall);
        g_assert_true (lab_rq_parse_cpu_time (job->element[0]->str, wall, &cpu, NULL));
        g_assert_true (lab_rq_parse_cpu_time (job->element[1]->str, wall, &queue, NULL));
        g_assert_cmpint (cpu, >=, -1);
        g_assert_cmpint (queue, >=, -1);
        spans = lab_rq_parse_spans (job->element[2]->str, 0, wall, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (spans->len, ==, 1);
        span = &g_array_index (spans, LabSpan, 0);
        g_assert_cmpint (span->state, ==, LAB_STATE_IO);
        g_assert_cmpint (span->wait, ==, LAB_WAIT_TIMER);
        g_assert_cmpint (span->end_us - span->start_us, >=, 10 * 1000);
      }
    }

  workers = command (broker, "SMEMBERS", "rq:workers", NULL);
  g_assert_cmpuint (workers->elements, ==, 1);
  g_assert_cmpstr (workers->element[0]->str, ==, "rq:worker:w1");
  for (guint f = 0; f < G_N_ELEMENTS (worker_fields); f++)
    {
      g_clear_pointer (&me, freeReplyObject);
      me = command (broker, "HEXISTS", "rq:worker:w1", worker_fields[f], NULL);
      g_assert_cmpint (me->integer, ==, 1);
    }

  lab_test_stop_worker (worker);
  g_assert_cmpint (scard (broker, "rq:workers"), ==, 0);
}

/* The test plays a worker of its own, which takes the job from the queue
 * and reports it with @cpu and @spans as it likes. */
static void
fake_report (LabBroker  *broker,
             const char *cpu,
             const char *spans)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autoptr(redisReply) job = NULL, now = NULL, done = NULL;
  g_autofree char *run_id = NULL, *key = NULL, *events = NULL, *line = NULL;
  g_autofree char *start = NULL, *end = NULL;
  guint index;

  while ((job = command (broker, "LPOP", LAB_RQ_QUEUE_KEY, NULL))->type != REDIS_REPLY_STRING)
    {
      g_clear_pointer (&job, freeReplyObject);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
  g_assert_true (lab_rq_job_id_parse (job->str, &run_id, &index));
  key = lab_rq_job_key (job->str);
  events = lab_rq_events_key (run_id);
  line = g_strdup_printf ("F %u", index);
  now = command (broker, "TIME", NULL);
  start = g_strdup_printf ("%s000000", now->element[0]->str);
  end = g_strdup_printf ("%" G_GINT64_FORMAT, g_ascii_strtoll (start, NULL, 10) + 50000);
  done = command (broker, "HSET", key, "status", "finished", "lab_start_us", start,
                  "lab_end_us", end, "lab_value", "", "exc_info", "", "worker_name", "fake",
                  "lab_pid", "1", LAB_RQ_CPU_FIELD, cpu, LAB_RQ_RUN_QUEUE_FIELD, cpu,
                  LAB_RQ_SPANS_FIELD, spans, NULL);
  g_clear_pointer (&done, freeReplyObject);
  done = command (broker, "RPUSH", events, line, NULL);
}

/* Garbage in a finished job's hash is ignored: the job is booked, its
 * time "not measured"; the worker's own format is read back. */
static void
test_malformed_job (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  LabTestThreadRun job = { 0 };
  const LabTaskRecord *record;
  gint64 by_state[LAB_N_STATES] = { 0 };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);

  start_sleep_run (&job, lab_local_broker_get_url (local), 1, 10, NULL);
  fake_report (broker, "lots", "io:timer:0:999999999 io:timer:0:10; rm -rf");
  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);

  record = &job.run->records[0];
  g_assert_null (record->error);
  g_assert_cmpint (record->end_us - record->start_us, ==, 50000);
  g_assert_cmpint (record->cpu_us, ==, -1);
  g_assert_cmpint (record->run_queue_us, ==, -1);
  g_assert_null (record->spans);
  lab_task_add_time_by_state (record, by_state);
  g_assert_cmpint (by_state[LAB_STATE_OTHER], ==, 50000);
  g_clear_pointer (&job.run, lab_run_free);

  /* The same, well formed: on the app's timeline from the job's start. */
  lab_test_thread_run_start (&job, job.workload, LAB_MODE_DISTRIBUTED, NULL);
  fake_report (broker, "300", "io:timer:1000:20000");
  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);
  record = &job.run->records[0];
  g_assert_cmpint (record->cpu_us, ==, 300);
  g_assert_cmpint (record->run_queue_us, ==, 300);
  g_assert_nonnull (record->spans);
  g_assert_cmpuint (record->spans->len, ==, 1);
  g_assert_cmpint (g_array_index (record->spans, LabSpan, 0).start_us, ==, record->start_us + 1000);
  g_assert_cmpint (g_array_index (record->spans, LabSpan, 0).end_us, ==, record->start_us + 21000);
  lab_test_thread_run_clear (&job);
}

/* RQ's own tool reads a live pool. */
static void
test_rq_info (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GSubprocess) worker = NULL, info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rq = g_find_program_in_path ("rq");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LabTestThreadRun job = { 0 };

  if (!lab_test_have_redis ())
    return;
  if (rq == NULL)
    {
      g_test_skip ("python3-rq is not installed (apt install python3-rq)");
      return;
    }

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "classroom-pc-7");

  /* One job busy, three waiting in the queue. */
  start_sleep_run (&job, lab_local_broker_get_url (local), 4, 20000, cancellable);
  g_free (wait_for_busy_worker (broker));

  info = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           rq, "info", "--url", lab_local_broker_get_url (local), NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (info, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("rq info:\n%s%s", out, err);
  g_assert_true (g_subprocess_get_successful (info));
  g_assert_nonnull (strstr (out, "concurrency-lab"));
  g_assert_nonnull (strstr (out, "classroom-pc-7"));
  g_assert_nonnull (strstr (out, "1 workers"));
  g_assert_nonnull (strstr (out, "1 queues, 3 jobs total"));
  g_assert_nonnull (strstr (out, "busy"));

  g_cancellable_cancel (cancellable);
  lab_test_thread_run_join (&job);
  lab_test_thread_run_clear (&job);
  lab_test_stop_worker (worker);
}

/* Cancel takes the run's jobs out of the queue, busy workers drop theirs,
 * and a job of the cancelled run put back on the queue is never started. */
static void
test_cancel (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(redisReply) length = NULL, canceled = NULL, stale = NULL, status = NULL;
  g_autofree char *busy = NULL, *job_key = NULL;
  LabTestThreadRun job = { 0 };
  gint64 deadline;

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "w1");

  start_sleep_run (&job, lab_local_broker_get_url (local), 10, 20000, cancellable);
  busy = wait_for_busy_worker (broker);

  g_cancellable_cancel (cancellable);
  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);
  g_assert_true (job.run->cancelled);
  g_assert_cmpint (job.took_us, <, 10 * G_USEC_PER_SEC);

  length = command (broker, "LLEN", LAB_RQ_QUEUE_KEY, NULL);
  g_assert_cmpint (length->integer, ==, 0);

  canceled = command (broker, "ZCARD", LAB_RQ_CANCELED_KEY, NULL);
  g_assert_cmpint (canceled->integer, ==, 10);

  /* The busy worker hears of it at its next beat and drops its 20 s job. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_clear_pointer (&status, freeReplyObject);
      status = command (broker, "HGET", "rq:worker:w1", "state", NULL);
      if (g_str_equal (status->str, "idle"))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }

  /* A stale copy of a cancelled job, pushed back by hand: the worker takes
   * it, sees its run is over, and never starts it. */
  stale = command (broker, "ZRANGE", LAB_RQ_CANCELED_KEY, "0", "0", NULL);
  job_key = g_strconcat ("rq:job:", stale->element[0]->str, NULL);
  g_clear_pointer (&length, freeReplyObject);
  length = command (broker, "RPUSH", LAB_RQ_QUEUE_KEY, stale->element[0]->str, NULL);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_clear_pointer (&length, freeReplyObject);
      length = command (broker, "LLEN", LAB_RQ_QUEUE_KEY, NULL);
      if (length->integer == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  g_usleep (G_USEC_PER_SEC / 2);
  g_clear_pointer (&status, freeReplyObject);
  status = command (broker, "HGET", job_key, "status", NULL);
  g_assert_cmpstr (status->str, ==, "canceled");
  g_clear_pointer (&length, freeReplyObject);
  length = command (broker, "ZCARD", LAB_RQ_STARTED_KEY, NULL);
  g_assert_cmpint (length->integer, ==, 0);

  lab_test_stop_worker (worker);
  lab_test_thread_run_clear (&job);
}

/* A worker from the network refuses a job that names files on the
 * teacher's machine, with a logged sentence, and the run says why. */
static void
test_refuses_files (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPlan) plan = lab_plan_new ("save");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autofree char *out_dir = NULL, *log = NULL;
  GInputStream *stderr_pipe;
  gsize got = 0;
  char buffer[4096] = { 0 };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "w1");

  out_dir = g_dir_make_tmp ("lab-distributed-XXXXXX", &error);
  g_assert_no_error (error);
  plan->tasks = 2;
  plan->size = 1024;
  plan->out_dir = g_strdup (out_dir);
  plan->broker = g_strdup (lab_local_broker_get_url (local));
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (run->verified);
  g_assert_cmpuint (run->tasks_failed, ==, 2);
  g_assert_nonnull (strstr (run->records[0].error, "refused"));
  g_assert_cmpuint (lab_test_count_entries (out_dir), ==, 0);

  lab_test_stop_worker (worker);
  stderr_pipe = g_subprocess_get_stderr_pipe (worker);
  g_input_stream_read_all (stderr_pipe, buffer, sizeof buffer - 1, &got, NULL, NULL);
  g_assert_nonnull (strstr (buffer, "refused job"));
  lab_remove_folder (out_dir);
}

/* A URL list travels as its URLs, not as a file name; a worker from the
 * network checks every one and refuses those that lead to its own
 * loopback (here, the built-in server on 127.0.0.1). */
static void
test_url_list (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GSubprocess) worker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(LabServer) server = NULL;
  g_autofree char *dir = NULL, *list = NULL, *text = NULL;
  LabServerOptions options;

  if (!lab_test_have_redis ())
    return;

  lab_server_options_init (&options);
  options.n_files = 2;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("lab-distributed-XXXXXX", &error);
  g_assert_no_error (error);
  list = g_build_filename (dir, "urls.txt", NULL);
  text = g_strdup_printf ("%sfile-000.bin\n%sfile-001.bin\n", lab_server_get_url (server),
                          lab_server_get_url (server));
  g_file_set_contents (list, text, -1, &error);
  g_assert_no_error (error);

  local = start_broker (&broker);
  worker = start_lone_worker (broker, lab_local_broker_get_url (local), "w1");

  plan->url_list = g_strdup (list);
  plan->broker = g_strdup (lab_local_broker_get_url (local));
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_runner_run (runner, workload, LAB_MODE_DISTRIBUTED, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (run->tasks_failed, ==, 2);
  g_test_message ("%s", run->records[0].error);
  g_assert_nonnull (strstr (run->records[0].error, "loopback"));

  lab_test_stop_worker (worker);
  lab_remove_folder (dir);
}

/* A job whose worker dies every time is given up after LAB_RQ_MAX_LOSSES
 * losses: it lands in the failed registry, with the reason, and the run
 * ends instead of waiting for ever. */
static void
test_failed_registry (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(redisReply) failed = NULL, reason = NULL;
  g_autofree char *job_key = NULL;
  LabTestThreadRun job = { 0 };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);

  lab_test_cancel_after (cancellable, 60000);
  start_sleep_run (&job, lab_local_broker_get_url (local), 1, 60000, cancellable);

  for (guint i = 0; i < LAB_RQ_MAX_LOSSES; i++)
    {
      g_autofree char *name = g_strdup_printf ("doomed-%u", i);
      g_autoptr(GSubprocess) worker = start_worker (lab_local_broker_get_url (local), name, NULL,
                                                    FALSE);
      g_autofree char *busy = wait_for_busy_worker (broker);

      g_assert_cmpstr (busy, ==, name);
      g_subprocess_send_signal (worker, SIGKILL);
      g_subprocess_wait (worker, NULL, NULL);
      /* The dead worker's hash stays until it expires: forget it, so the
       * next wait sees only the next worker. */
      {
        g_autofree char *key = g_strconcat (LAB_RQ_WORKER_PREFIX, name, NULL);
        g_autoptr(redisReply) gone = command (broker, "DEL", key, NULL);
        g_autoptr(redisReply) out = command (broker, "SREM", LAB_RQ_WORKERS_KEY, key, NULL);
      }
    }

  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);
  g_assert_false (job.run->cancelled);
  g_assert_cmpuint (job.run->tasks_failed, ==, 1);
  g_assert_cmpuint (job.run->requeued, ==, LAB_RQ_MAX_LOSSES - 1);
  g_assert_nonnull (strstr (job.run->records[0].error, "failed registry"));

  failed = command (broker, "ZRANGE", LAB_RQ_FAILED_KEY, "0", "-1", NULL);
  g_assert_cmpuint (failed->elements, ==, 1);
  job_key = g_strconcat (LAB_RQ_JOB_PREFIX, failed->element[0]->str, NULL);
  reason = command (broker, "HGET", job_key, "exc_info", NULL);
  g_assert_nonnull (strstr (reason->str, "silent"));

  lab_test_thread_run_clear (&job);
}

/* Ctrl+C (SIGTERM) on a busy worker: it gives its job back to the queue at
 * once and leaves the pool; another worker does the job, nothing waits for
 * a timeout. */
static void
test_worker_stops (void)
{
  g_autoptr(LabLocalBroker) local = NULL;
  g_autoptr(LabBroker) broker = NULL;
  g_autoptr(GSubprocess) first = NULL, second = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *busy = NULL;
  LabTestThreadRun job = { 0 };

  if (!lab_test_have_redis ())
    return;

  local = start_broker (&broker);
  first = start_lone_worker (broker, lab_local_broker_get_url (local), "first");

  lab_test_cancel_after (cancellable, 60000);
  start_sleep_run (&job, lab_local_broker_get_url (local), 2, 3000, cancellable);
  busy = wait_for_busy_worker (broker);

  g_subprocess_send_signal (first, SIGTERM);
  g_subprocess_wait (first, NULL, NULL);
  g_assert_true (g_subprocess_get_successful (first));
  g_assert_cmpint (scard (broker, LAB_RQ_WORKERS_KEY), ==, 0);

  second = start_worker (lab_local_broker_get_url (local), "second", NULL, FALSE);
  lab_test_thread_run_join (&job);
  g_assert_no_error (job.error);
  g_assert_true (job.run->verified);
  g_assert_cmpuint (job.run->requeued, ==, 0);

  lab_test_stop_worker (second);
  lab_test_thread_run_clear (&job);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/distributed/workloads", test_workloads);
  g_test_add_func ("/lab/distributed/refuses-shared-jobs", test_refuses_shared_jobs);
  g_test_add_func ("/lab/distributed/killed-worker", test_killed_worker);
  g_test_add_func ("/lab/distributed/broker-gone", test_broker_gone);
  g_test_add_func ("/lab/distributed/hosts", test_hosts);
  g_test_add_func ("/lab/distributed/layout", test_layout);
  g_test_add_func ("/lab/distributed/rq-info", test_rq_info);
  g_test_add_func ("/lab/distributed/cpu-time", test_cpu_time);
  g_test_add_func ("/lab/distributed/io-spans", test_io_spans);
  g_test_add_func ("/lab/distributed/malformed-fields", test_malformed_fields);
  g_test_add_func ("/lab/distributed/malformed-job", test_malformed_job);
  g_test_add_func ("/lab/distributed/cancel", test_cancel);
  g_test_add_func ("/lab/distributed/refuses-files", test_refuses_files);
  g_test_add_func ("/lab/distributed/url-list", test_url_list);
  g_test_add_func ("/lab/distributed/failed-registry", test_failed_registry);
  g_test_add_func ("/lab/distributed/worker-stops", test_worker_stops);

  return g_test_run ();
}
