/* lab-states.c — where a task's time went: the kernel's counters of time on
 * a CPU and time waiting for one, and the spans of explicit waits
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linux counts, for every thread, the time it ran on a CPU and the time it
 * was ready but waited in the run queue (/proc/thread-self/schedstat, in
 * ns).  A task's share is the difference between two readings on the
 * thread that ran it.  Waits the kernel cannot tell apart — for the GIL,
 * a lock, a timer, the network, the disk, a pipe to a worker — are
 * recorded as spans by the code that waits, into the task it is running
 * (lab_span_record).  Reading costs a pread of an open file and a
 * clock_gettime per task boundary, about a microsecond.
 *
 * An event loop is recorded as a whole: when it ran callbacks and when it
 * slept, and how late each of its timers fired (lab_loop_recorder_start).
 */

#define G_LOG_DOMAIN "lab-states"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <time.h>
#include <unistd.h>

#include "lab-run.h"
#include "lab-states.h"

static const struct {
  const char *name;
  const char *title;
  const char *phrase;   /* in a sentence: "spent 74 % of their time …" */
} states[LAB_N_STATES] = {
  [LAB_STATE_COMPUTE] = { "compute", N_("Computing"), N_("computing") },
  [LAB_STATE_RUNQUEUE] = { "runqueue", N_("Waiting for a core"), N_("waiting for a core") },
  [LAB_STATE_GIL] = { "gil", N_("Waiting for the GIL"), N_("waiting for the GIL") },
  [LAB_STATE_LOCK] = { "lock", N_("Waiting for a lock"), N_("waiting for a lock") },
  [LAB_STATE_IO] = { "io", N_("Waiting for I/O"), N_("waiting for I/O") },
  [LAB_STATE_TRANSFER] = { "transfer", N_("Copying to or from a worker"), N_("copying data to or from a worker") },
  [LAB_STATE_STARTUP] = { "startup", N_("Starting workers"), N_("starting workers") },
  [LAB_STATE_OTHER] = { "other", N_("Other (not measured)"), N_("on what was not measured") },
};

static const char *wait_names[LAB_N_WAITS] = {
  [LAB_WAIT_NONE] = "",
  [LAB_WAIT_TIMER] = "timer",
  [LAB_WAIT_CONNECT] = "connect",
  [LAB_WAIT_FIRST_BYTE] = "first-byte",
  [LAB_WAIT_BODY] = "body",
  [LAB_WAIT_WRITE] = "write",
  [LAB_WAIT_FSYNC] = "fsync",
  [LAB_WAIT_SEND] = "send",
  [LAB_WAIT_RECEIVE] = "receive",
};

/* The name in JSON, CSV and traces: "compute", "gil", … */
const char *
lab_state_to_string (LabState state)
{
  g_return_val_if_fail (state < LAB_N_STATES, NULL);

  return states[state].name;
}

/* The translated name for people. */
const char *
lab_state_get_title (LabState state)
{
  g_return_val_if_fail (state < LAB_N_STATES, NULL);

  return _(states[state].title);
}

/* The translated name inside a sentence. */
const char *
lab_state_get_phrase (LabState state)
{
  g_return_val_if_fail (state < LAB_N_STATES, NULL);

  return _(states[state].phrase);
}

const char *
lab_wait_to_string (LabWait wait)
{
  g_return_val_if_fail (wait < LAB_N_WAITS, NULL);

  return wait_names[wait];
}

/* ---- Time on a CPU, time in the run queue -------------------------------- */

/* Each thread keeps its schedstat file open: one pread per reading.  -1:
 * not opened yet; -2: the kernel has none (then the thread's CPU clock
 * stands in, and the run queue is unknown). */
static _Thread_local int schedstat_fd = -1;

static void
close_schedstat (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);

  if (fd >= 0)
    close (fd);
}

/* Closes the thread's file when the thread ends. */
static GPrivate schedstat_closer = G_PRIVATE_INIT (close_schedstat);

static int
thread_schedstat_fd (void)
{
  if (schedstat_fd == -1)
    {
      schedstat_fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
      if (schedstat_fd < 0)
        schedstat_fd = -2;
      else
        g_private_set (&schedstat_closer, GINT_TO_POINTER (schedstat_fd));
    }
  return schedstat_fd;
}

/* The calling thread's time on a CPU and in the run queue so far.  The CPU
 * time comes from the thread's CPU clock, exact to the call (schedstat's
 * first field is brought up to date only at the scheduler's ticks); the
 * run-queue time from schedstat, exact as of the thread's last turn on a
 * CPU — which is now, as it is running. */
void
lab_cpu_sample_thread (LabCpuSample *sample)
{
  int fd = thread_schedstat_fd ();
  struct timespec ts = { 0 };

  g_return_if_fail (sample != NULL);

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  sample->cpu_us = ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
  sample->run_queue_us = -1;

  if (fd >= 0)
    {
      char buf[96];
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);

      /* "<ns on a CPU> <ns in the run queue> <time slices>" */
      if (n > 0)
        {
          char *end = NULL;
          guint64 queue_ns;

          buf[n] = '\0';
          g_ascii_strtoull (buf, &end, 10);
          if (end != buf && *end == ' ')
            {
              char *queue = end + 1;

              queue_ns = g_ascii_strtoull (queue, &end, 10);
              if (end != queue)
                sample->run_queue_us = queue_ns / 1000;
            }
        }
    }
}

/* The thread's last reading, and when it was taken. */
static _Thread_local LabCpuSample last_sample;
static _Thread_local gint64 last_sample_us;

/* Whether the thread's next task is measured: after a task shorter than
 * LAB_MIN_MEASURED_TASK_US it is not (see below).  Starts TRUE. */
static _Thread_local gboolean skip_next;

/* A worker going straight from one task to the next reads the counters
 * once between them, not twice: the few microseconds of taking the next
 * task count as the next task's. */
#define REUSE_SAMPLE_US 50

/* The reading a task starts from; its cpu_us is -1 when the task will not
 * be measured.  Reading costs about a microsecond, as much as a whole
 * empty task: a worker whose last task was shorter than
 * LAB_MIN_MEASURED_TASK_US does not measure the next one (its time on a
 * CPU stays unknown, "other"), and measures again after a longer one.  So
 * 10,000 empty tasks cost what they cost before, and every task long
 * enough to matter is measured. */
void
lab_cpu_sample_task_start (LabCpuSample *sample,
                           gint64        now_us)
{
  if (skip_next)
    {
      sample->cpu_us = -1;
      sample->run_queue_us = -1;
    }
  else if (last_sample_us > 0 && now_us - last_sample_us < REUSE_SAMPLE_US)
    *sample = last_sample;
  else
    lab_cpu_sample_thread (sample);
}

/* The task that started from @start ends at @now_us: its time on a CPU and
 * in the run queue, never more than @wall_us, its wall time; -1 where it
 * was not measured. */
void
lab_cpu_sample_task_end (const LabCpuSample *start,
                         gint64              now_us,
                         gint64              wall_us,
                         gint64             *cpu_us,
                         gint64             *run_queue_us)
{
  skip_next = wall_us < LAB_MIN_MEASURED_TASK_US;

  if (start->cpu_us < 0)
    {
      *cpu_us = -1;
      *run_queue_us = -1;
      return;
    }

  lab_cpu_sample_thread (&last_sample);
  last_sample_us = now_us;

  *cpu_us = CLAMP (last_sample.cpu_us - start->cpu_us, 0, wall_us);
  if (last_sample.run_queue_us >= 0 && start->run_queue_us >= 0)
    *run_queue_us = CLAMP (last_sample.run_queue_us - start->run_queue_us, 0, wall_us - *cpu_us);
  else
    *run_queue_us = -1;
}

/* All the CPU time process @pid (0: this one) has used so far, every
 * thread included.  FALSE when the process is gone. */
gboolean
lab_cpu_sample_process (gint    pid,
                        gint64 *cpu_us)
{
  clockid_t clock = CLOCK_PROCESS_CPUTIME_ID;
  struct timespec ts;

  g_return_val_if_fail (cpu_us != NULL, FALSE);

  if (pid != 0 && pid != getpid () && clock_getcpuclockid (pid, &clock) != 0)
    return FALSE;
  if (clock_gettime (clock, &ts) != 0)
    return FALSE;
  *cpu_us = ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
  return TRUE;
}

/* ---- Spans of explicit waits ----------------------------------------------- */

/* Where the calling thread's waits go: the spans of the task it runs,
 * made at its first wait (most tasks of a CPU job have none). */
static _Thread_local GArray **current_spans;

/* The calling thread starts a task: its waits go to *@spans (made when
 * needed) until lab_spans_end_task(). */
void
lab_spans_begin_task (GArray **spans)
{
  current_spans = spans;
}

void
lab_spans_end_task (void)
{
  current_spans = NULL;
}

/* Adds a wait to *@spans, making the array at the first. */
void
lab_spans_add (GArray   **spans,
               LabState   state,
               LabWait    wait,
               gint64     start_us,
               gint64     end_us)
{
  LabSpan span = { start_us, MAX (start_us, end_us), state, wait };

  g_return_if_fail (spans != NULL);
  g_return_if_fail (state < LAB_N_STATES && wait < LAB_N_WAITS);

  /* Most tasks wait once: room for one span (GArray's default is 16),
   * which matters with 100,000 tasks in flight. */
  if (*spans == NULL)
    *spans = g_array_sized_new (FALSE, FALSE, sizeof (LabSpan), 1);
  g_array_append_val (*spans, span);
}

/* A wait of the calling thread, into the task it runs (nothing when it
 * runs none: a wait outside any task is no task's time). */
void
lab_span_record (LabState state,
                 LabWait  wait,
                 gint64   start_us,
                 gint64   end_us)
{
  if (current_spans != NULL)
    lab_spans_add (current_spans, state, wait, start_us, end_us);
}

/* ---- An event loop's busy and idle time, and its timers' lateness -------- */

/* A GMainContext iteration prepares its sources, polls — asleep until a
 * descriptor is ready or the earliest timeout is due — then dispatches
 * what is ready.  The time inside poll () is the loop's idle time; all
 * the rest is busy: callbacks, and GLib's own work between them.  So the
 * recorder wraps the context's poll function: two clock readings per
 * sleep, nothing per callback or per task, and exact — a prepare/check
 * source would be called only for its own priority and miss sleeps that
 * other sources' timeouts end.  A poll that may not sleep (timeout 0:
 * something is ready already) is busy time and costs no reading. */
struct _LabLoopRecorder
{
  GMainContext *context;
  GPollFunc     poll;           /* the context's own, which we wrap */
  gint64        start_us;
  gint64        idle_us;
  GArray       *idle_by_period; /* gint64: µs asleep in each LAB_LOOP_SAMPLE_US */
  GArray       *late;           /* gint64: µs each timer fired after it was due */
};

/* GPollFunc has no user data; a loop runs on one thread, so the thread
 * knows its recorder. */
static _Thread_local LabLoopRecorder *current_loop;

static void
loop_add_idle (LabLoopRecorder *recorder,
               gint64           from_us,
               gint64           to_us)
{
  recorder->idle_us += to_us - from_us;

  /* A long sleep is split over the periods it covers. */
  while (from_us < to_us)
    {
      guint period = (from_us - recorder->start_us) / LAB_LOOP_SAMPLE_US;
      gint64 period_end = recorder->start_us + (gint64) (period + 1) * LAB_LOOP_SAMPLE_US;
      gint64 upto = MIN (to_us, period_end);

      if (period >= recorder->idle_by_period->len)
        g_array_set_size (recorder->idle_by_period, period + 1);
      g_array_index (recorder->idle_by_period, gint64, period) += upto - from_us;
      from_us = upto;
    }
}

static gint
loop_timed_poll (GPollFD *fds,
                 guint    n_fds,
                 gint     timeout_ms)
{
  LabLoopRecorder *recorder = current_loop;
  gint64 before;
  gint result;

  g_assert (recorder != NULL);

  if (timeout_ms == 0)
    return recorder->poll (fds, n_fds, timeout_ms);

  before = g_get_monotonic_time ();
  result = recorder->poll (fds, n_fds, timeout_ms);
  loop_add_idle (recorder, before, g_get_monotonic_time ());
  return result;
}

/* Starts recording the loop of @context, which the calling thread is
 * about to run, until lab_loop_recorder_stop() on the same thread. */
LabLoopRecorder *
lab_loop_recorder_start (GMainContext *context)
{
  LabLoopRecorder *recorder;

  g_return_val_if_fail (context != NULL, NULL);
  g_return_val_if_fail (current_loop == NULL, NULL);

  recorder = g_new0 (LabLoopRecorder, 1);
  recorder->context = g_main_context_ref (context);
  recorder->poll = g_main_context_get_poll_func (context);
  recorder->start_us = g_get_monotonic_time ();
  recorder->idle_by_period = g_array_new (FALSE, TRUE, sizeof (gint64));
  recorder->late = g_array_new (FALSE, FALSE, sizeof (gint64));
  current_loop = recorder;
  g_main_context_set_poll_func (context, loop_timed_poll);
  return recorder;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  const gint64 *x = a, *y = b;

  return (*x > *y) - (*x < *y);
}

/* Stops recording, puts the loop's figures in @stats and frees @recorder. */
void
lab_loop_recorder_stop (LabLoopRecorder *recorder,
                        LabLoopStats    *stats)
{
  gint64 end = g_get_monotonic_time ();
  guint n;

  g_return_if_fail (recorder != NULL && recorder == current_loop);
  g_return_if_fail (stats != NULL);

  g_main_context_set_poll_func (recorder->context, recorder->poll);
  current_loop = NULL;

  stats->measured = TRUE;
  stats->idle_us = recorder->idle_us;
  stats->busy_us = MAX (0, end - recorder->start_us - recorder->idle_us);

  g_clear_pointer (&stats->busy_samples, g_array_unref);
  stats->busy_samples = g_array_sized_new (FALSE, FALSE, sizeof (LabLoopSample),
                                           recorder->idle_by_period->len + 1);
  for (gint64 from = recorder->start_us; from < end; from += LAB_LOOP_SAMPLE_US)
    {
      guint period = (from - recorder->start_us) / LAB_LOOP_SAMPLE_US;
      gint64 length = MIN (LAB_LOOP_SAMPLE_US, end - from);
      gint64 idle = period < recorder->idle_by_period->len
                    ? g_array_index (recorder->idle_by_period, gint64, period) : 0;
      LabLoopSample sample = { from + length, CLAMP (1.0 - (double) idle / length, 0.0, 1.0) };

      g_array_append_val (stats->busy_samples, sample);
    }

  /* Nearest rank: the median, the 99th percentile, the worst. */
  n = recorder->late->len;
  stats->timers = n;
  stats->late_median_us = stats->late_p99_us = stats->late_max_us = -1;
  if (n > 0)
    {
      g_array_sort (recorder->late, compare_gint64);
      stats->late_median_us = g_array_index (recorder->late, gint64, (n - 1) / 2);
      stats->late_p99_us = g_array_index (recorder->late, gint64, (n * 99 + 99) / 100 - 1);
      stats->late_max_us = g_array_index (recorder->late, gint64, n - 1);
    }

  g_array_unref (recorder->idle_by_period);
  g_array_unref (recorder->late);
  g_main_context_unref (recorder->context);
  g_free (recorder);
}

/* A timer due at @due_us fired at @fired_us, on the loop the calling
 * thread runs (nothing when it runs none that is recorded). */
void
lab_loop_note_timer (gint64 due_us,
                     gint64 fired_us)
{
  gint64 late = MAX (0, fired_us - due_us);

  if (current_loop != NULL)
    g_array_append_val (current_loop->late, late);
}

/* ---- Where the time went ------------------------------------------------- */

/* From the task's first to its last moment: its run, and the copies of
 * its input and result to and from a worker process around it.  FALSE for
 * a task that never ran. */
gboolean
lab_task_get_extent (const LabTaskRecord *record,
                     gint64              *first_us,
                     gint64              *last_us)
{
  g_return_val_if_fail (record != NULL, FALSE);

  if (record->start_us <= 0 || record->end_us < record->start_us)
    return FALSE;

  *first_us = record->start_us;
  *last_us = record->end_us;
  for (guint i = 0; record->spans != NULL && i < record->spans->len; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);

      *first_us = MIN (*first_us, span->start_us);
      *last_us = MAX (*last_us, span->end_us);
    }
  return TRUE;
}

/* Adds @record's time to @by_state: its waits from its spans, then its time
 * on a CPU and in the run queue from the kernel, the rest as "other".  A
 * task whose CPU time was not measured (on an event loop, many tasks share
 * one thread) has only its waits and "other". */
void
lab_task_add_time_by_state (const LabTaskRecord *record,
                            gint64               by_state[LAB_N_STATES])
{
  gint64 first, last, wall, waits = 0, outside, compute = 0, queue = 0;

  g_return_if_fail (record != NULL);

  if (!lab_task_get_extent (record, &first, &last))
    return;
  wall = last - first;

  for (guint i = 0; record->spans != NULL && i < record->spans->len; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);
      gint64 start = CLAMP (span->start_us, first, last);
      gint64 end = CLAMP (span->end_us, start, last);

      by_state[span->state] += end - start;
      waits += end - start;
    }

  outside = MAX (0, wall - waits);
  if (record->cpu_us >= 0)
    compute = MIN (record->cpu_us, outside);
  if (record->run_queue_us >= 0)
    queue = MIN (record->run_queue_us, outside - compute);

  by_state[LAB_STATE_COMPUTE] += compute;
  by_state[LAB_STATE_RUNQUEUE] += queue;
  by_state[LAB_STATE_OTHER] += outside - compute - queue;
}

/* Where @run's task time went, summed over its tasks (so four threads of
 * one second make four seconds), plus what starting its workers cost. */
void
lab_run_get_time_by_state (const LabRun *run,
                           gint64        by_state[LAB_N_STATES])
{
  g_return_if_fail (run != NULL);

  memset (by_state, 0, sizeof (gint64) * LAB_N_STATES);
  for (guint i = 0; i < run->n_records; i++)
    lab_task_add_time_by_state (&run->records[i], by_state);
  by_state[LAB_STATE_STARTUP] += run->startup_us;
}

/* How many cores @run kept busy on average over its samples; -1 without
 * samples (a run shorter than one sampling period). */
double
lab_run_get_mean_cores_busy (const LabRun *run)
{
  double weighted = 0;
  gint64 covered = 0, last = run->start_us;

  g_return_val_if_fail (run != NULL, -1);

  for (guint i = 0; run->cores_busy != NULL && i < run->cores_busy->len; i++)
    {
      const LabCoresSample *sample = &g_array_index (run->cores_busy, LabCoresSample, i);
      gint64 span = sample->time_us - last;

      if (span > 0)
        {
          weighted += sample->cores * span;
          covered += span;
        }
      last = sample->time_us;
    }
  return covered > 0 ? weighted / covered : -1;
}
