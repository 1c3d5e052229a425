/* lab-trace.c — a run, as a trace that Perfetto and chrome://tracing open
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Chrome JSON trace format: each run is a process (named after its
 * mode, or its lesson step), each worker a thread track with its name
 * ("M" events); each task a slice ("X", µs) with its explicit waits nested
 * inside it; the cores the run kept busy a counter ("C").  On an event loop
 * many tasks are in flight on one thread, and slices on one track must
 * nest, so the loop's tasks go on tracks of their own, one per slot, the
 * way the timeline stacks them.  An event loop's busy share is a counter
 * of its own beside the cores busy, and its timers' lateness goes into the
 * process's labels and into "otherData", with the run's parameters and
 * verdict.
 */

#define G_LOG_DOMAIN "lab-trace"

#include "config.h"

#include <json-glib/json-glib.h>

#include "lab-states.h"
#include "lab-trace.h"

struct _LabTrace
{
  JsonObject *info;       /* "otherData" */
  GPtrArray  *events;     /* JsonObject, "ts" still absolute monotonic µs */
  gint64      first_us;   /* the earliest time seen, which becomes 0 */
  guint       n_runs;
};

/* Async tasks that overlap get sub-tracks: a track's id is its lane's
 * times this, plus the slot. */
#define SLOTS_PER_LANE 100000

LabTrace *
lab_trace_new (const char *title)
{
  LabTrace *trace = g_new0 (LabTrace, 1);

  trace->info = json_object_new ();
  trace->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  trace->first_us = G_MAXINT64;
  if (title != NULL)
    json_object_set_string_member (trace->info, "title", title);
  json_object_set_string_member (trace->info, "generator", "Concurrency Lab " PACKAGE_VERSION);
  return trace;
}

void
lab_trace_free (LabTrace *trace)
{
  if (trace == NULL)
    return;

  json_object_unref (trace->info);
  g_ptr_array_unref (trace->events);
  g_free (trace);
}

/* A line of the trace's metadata: a parameter of the run, the verdict. */
void
lab_trace_set_info (LabTrace   *trace,
                    const char *key,
                    const char *value)
{
  g_return_if_fail (trace != NULL);
  g_return_if_fail (key != NULL);

  json_object_set_string_member (trace->info, key, value ? value : "");
}

static JsonObject *
add_event (LabTrace   *trace,
           const char *phase,
           const char *name,
           guint       pid,
           guint       tid,
           gint64      ts_us)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "ph", phase);
  json_object_set_string_member (event, "name", name);
  json_object_set_int_member (event, "pid", pid);
  json_object_set_int_member (event, "tid", tid);
  json_object_set_int_member (event, "ts", ts_us);
  if (ts_us > 0)
    trace->first_us = MIN (trace->first_us, ts_us);
  g_ptr_array_add (trace->events, event);
  return event;
}

static void
name_track (LabTrace   *trace,
            const char *what,
            guint       pid,
            guint       tid,
            const char *name)
{
  JsonObject *event = add_event (trace, "M", what, pid, tid, 0);
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, "name", name);
  json_object_set_object_member (event, "args", args);
}

static JsonObject *
add_slice (LabTrace   *trace,
           const char *name,
           const char *category,
           guint       pid,
           guint       tid,
           gint64      start_us,
           gint64      end_us)
{
  JsonObject *event = add_event (trace, "X", name, pid, tid, start_us);

  json_object_set_string_member (event, "cat", category);
  json_object_set_int_member (event, "dur", MAX (0, end_us - start_us));
  return event;
}

/* The slot on @lane's tracks where a task from @start_us to @end_us fits
 * without overlapping one still running: the first free one. */
static guint
free_slot (GArray *slot_ends,
           gint64  start_us,
           gint64  end_us)
{
  guint slot;

  for (slot = 0; slot < slot_ends->len; slot++)
    if (g_array_index (slot_ends, gint64, slot) <= start_us)
      break;
  if (slot == slot_ends->len)
    g_array_set_size (slot_ends, slot + 1);
  g_array_index (slot_ends, gint64, slot) = end_us;
  return slot;
}

static gint
compare_by_start (gconstpointer a,
                  gconstpointer b)
{
  const LabTaskRecord *ra = *(const LabTaskRecord **) a;
  const LabTaskRecord *rb = *(const LabTaskRecord **) b;

  return (ra->start_us > rb->start_us) - (ra->start_us < rb->start_us);
}

static void
add_task (LabTrace            *trace,
          guint                pid,
          guint                tid,
          const LabTaskRecord *record)
{
  JsonObject *slice, *args;
  gint64 first, last;

  /* The slice holds the copies to and from a worker process too. */
  if (!lab_task_get_extent (record, &first, &last))
    return;
  slice = add_slice (trace, record->name ? record->name : "task", "task", pid, tid, first, last);
  args = json_object_new ();

  json_object_set_int_member (args, "task", record->index);
  json_object_set_boolean_member (args, "ok", record->error == NULL);
  if (record->error != NULL)
    json_object_set_string_member (args, "error", record->error);
  if (record->bytes > 0)
    json_object_set_int_member (args, "bytes", record->bytes);
  if (record->cpu_us >= 0)
    json_object_set_int_member (args, "cpu_us", record->cpu_us);
  if (record->run_queue_us >= 0)
    json_object_set_int_member (args, "runqueue_us", record->run_queue_us);
  json_object_set_object_member (slice, "args", args);

  /* The waits, nested inside the task: clipped to it, so they nest even
   * where a clock read a microsecond apart. */
  for (guint i = 0; record->spans != NULL && i < record->spans->len; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);
      gint64 start = CLAMP (span->start_us, first, last);
      gint64 end = CLAMP (span->end_us, start, last);
      const char *wait = lab_wait_to_string (span->wait);
      g_autofree char *name = *wait ? g_strdup_printf ("%s: %s", lab_state_get_title (span->state), wait)
                                    : g_strdup (lab_state_get_title (span->state));

      add_slice (trace, name, lab_state_to_string (span->state), pid, tid, start, end);
    }
}

static void
set_ms_or_null (JsonObject *object,
                const char *name,
                gint64      us)
{
  if (us < 0)
    json_object_set_null_member (object, name);
  else
    json_object_set_double_member (object, name, us / 1e3);
}

/* An event loop: its busy share over time as a counter, and its totals
 * and timer lateness as the process's label and in "otherData". */
static void
add_loop (LabTrace     *trace,
          guint         pid,
          const char   *name,
          const LabRun *run)
{
  const LabLoopStats *loop = &run->loop;
  JsonObject *labels = json_object_new ();
  JsonObject *figures = json_object_new ();
  JsonArray *loops;
  g_autofree char *text = NULL;

  for (guint i = 0; loop->busy_samples != NULL && i < loop->busy_samples->len; i++)
    {
      const LabLoopSample *sample = &g_array_index (loop->busy_samples, LabLoopSample, i);
      JsonObject *counter = add_event (trace, "C", "event loop busy", pid, 0, sample->time_us);
      JsonObject *args = json_object_new ();

      json_object_set_double_member (args, "busy", sample->busy);
      json_object_set_object_member (counter, "args", args);
    }

  if (loop->timers > 0)
    text = g_strdup_printf ("event loop busy %.3f s, idle %.3f s; %u timers late by %.1f ms "
                            "(median), %.1f ms (p99), %.1f ms (max)",
                            loop->busy_us / 1e6, loop->idle_us / 1e6, loop->timers,
                            loop->late_median_us / 1e3, loop->late_p99_us / 1e3,
                            loop->late_max_us / 1e3);
  else
    text = g_strdup_printf ("event loop busy %.3f s, idle %.3f s; no timers",
                            loop->busy_us / 1e6, loop->idle_us / 1e6);
  json_object_set_string_member (labels, "labels", text);
  json_object_set_object_member (add_event (trace, "M", "process_labels", pid, 0, 0), "args", labels);

  json_object_set_int_member (figures, "pid", pid);
  json_object_set_string_member (figures, "process", name);
  json_object_set_double_member (figures, "busy_s", loop->busy_us / 1e6);
  json_object_set_double_member (figures, "idle_s", loop->idle_us / 1e6);
  json_object_set_int_member (figures, "timers", loop->timers);
  set_ms_or_null (figures, "timer_late_median_ms", loop->late_median_us);
  set_ms_or_null (figures, "timer_late_p99_ms", loop->late_p99_us);
  set_ms_or_null (figures, "timer_late_max_ms", loop->late_max_us);
  if (!json_object_has_member (trace->info, "event_loops"))
    json_object_set_array_member (trace->info, "event_loops", json_array_new ());
  loops = json_object_get_array_member (trace->info, "event_loops");
  json_array_add_object_element (loops, figures);
}

/* Adds @run as a process named @name: its workers' tracks, its tasks with
 * their waits, its cores-busy counter, and its event loop if it had one. */
void
lab_trace_add_run (LabTrace     *trace,
                   const char   *name,
                   const LabRun *run)
{
  g_autoptr(GHashTable) named = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) slots = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) by_start = g_ptr_array_sized_new (run->n_records);
  guint pid;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (run != NULL);

  pid = ++trace->n_runs;
  if (name == NULL)
    name = lab_mode_get_title (run->mode);
  name_track (trace, "process_name", pid, 0, name);
  {
    JsonObject *sort = add_event (trace, "M", "process_sort_index", pid, 0, 0);
    JsonObject *args = json_object_new ();

    json_object_set_int_member (args, "sort_index", pid);
    json_object_set_object_member (sort, "args", args);
  }

  for (guint i = 0; i < run->n_records; i++)
    if (run->records[i].lane >= 0 && run->records[i].start_us > 0)
      g_ptr_array_add (by_start, &run->records[i]);
  g_ptr_array_sort (by_start, compare_by_start);

  for (guint i = 0; i < by_start->len; i++)
    {
      const LabTaskRecord *record = g_ptr_array_index (by_start, i);
      GArray *slot_ends = g_hash_table_lookup (slots, GINT_TO_POINTER (record->lane + 1));
      guint slot, tid;

      if (slot_ends == NULL)
        {
          slot_ends = g_array_new (FALSE, TRUE, sizeof (gint64));
          g_hash_table_insert (slots, GINT_TO_POINTER (record->lane + 1), slot_ends);
        }
      gint64 first = record->start_us, last = record->end_us;

      lab_task_get_extent (record, &first, &last);
      slot = free_slot (slot_ends, first, last);
      tid = (guint) (record->lane + 1) * SLOTS_PER_LANE + slot;

      if (!g_hash_table_contains (named, GUINT_TO_POINTER (tid)))
        {
          g_autofree char *worker = lab_run_dup_worker_label (run, record);
          g_autofree char *track = slot == 0 && run->mode != LAB_MODE_ASYNC
                                   ? g_strdup (worker)
                                   : g_strdup_printf ("%s · %u", worker, slot + 1);

          name_track (trace, "thread_name", pid, tid, track);
          g_hash_table_add (named, GUINT_TO_POINTER (tid));
        }
      add_task (trace, pid, tid, record);
    }

  for (guint i = 0; run->cores_busy != NULL && i < run->cores_busy->len; i++)
    {
      const LabCoresSample *sample = &g_array_index (run->cores_busy, LabCoresSample, i);
      JsonObject *counter = add_event (trace, "C", "cores busy", pid, 0, sample->time_us);
      JsonObject *args = json_object_new ();

      json_object_set_double_member (args, "cores", sample->cores);
      json_object_set_object_member (counter, "args", args);
    }

  if (run->loop.measured)
    add_loop (trace, pid, name, run);
}

/* The trace as JSON text, times from 0 at its earliest event. */
char *
lab_trace_to_json (LabTrace *trace)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *object = json_object_new ();
  JsonArray *events = json_array_new ();
  gint64 base = trace->first_us == G_MAXINT64 ? 0 : trace->first_us;

  g_return_val_if_fail (trace != NULL, NULL);

  for (guint i = 0; i < trace->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (trace->events, i);
      JsonObject *copy = json_object_new ();
      GList *members = json_object_get_members (event);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (event, l->data)));
      g_list_free (members);
      if (json_object_get_int_member (copy, "ts") > 0)
        json_object_set_int_member (copy, "ts", json_object_get_int_member (copy, "ts") - base);
      json_array_add_object_element (events, copy);
    }

  json_object_set_array_member (object, "traceEvents", events);
  json_object_set_string_member (object, "displayTimeUnit", "ms");
  json_object_set_object_member (object, "otherData", json_object_ref (trace->info));
  json_node_take_object (root, object);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Writes the trace to @path, all or nothing. */
gboolean
lab_trace_save (LabTrace    *trace,
                const char  *path,
                GError     **error)
{
  g_autofree char *json = NULL;

  g_return_val_if_fail (trace != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  json = lab_trace_to_json (trace);
  /* g_file_set_contents writes a temporary file and renames it. */
  return g_file_set_contents (path, json, -1, error);
}
