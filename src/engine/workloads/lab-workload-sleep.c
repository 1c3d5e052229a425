/* lab-workload-sleep.c — waiting, the way a database query or a slow
 * server keeps a program waiting (seeds 002 and 003)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task waits --task-ms and does nothing else.  The CPU is idle all the
 * time, so every mode that can wait for several things at once finishes
 * about N times sooner: threads, processes, and an event loop alike.
 */

#define G_LOG_DOMAIN "lab-workload-sleep"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-states.h"
#include "lab-workload-sleep.h"

struct _LabWorkloadSleep
{
  LabWorkload parent_instance;
};

G_DEFINE_FINAL_TYPE (LabWorkloadSleep, lab_workload_sleep, LAB_TYPE_WORKLOAD)

static gint64
task_duration_us (LabWorkload *workload)
{
  return (gint64) lab_workload_get_plan (workload)->task_ms * G_TIME_SPAN_MILLISECOND;
}

static gboolean
lab_workload_sleep_prepare (LabWorkload  *workload,
                            GError      **error)
{
  return TRUE;
}

static char *
lab_workload_sleep_dup_task_name (LabWorkload *workload,
                                  guint        index)
{
  return g_strdup_printf (_("query %u"), index + 1);
}

static gboolean
lab_workload_sleep_run_task (LabWorkload     *workload,
                             LabTaskContext  *context,
                             GBytes          *input,
                             LabTaskRecord   *record,
                             GError         **error)
{
  /* In Python, time.sleep () lets go of the GIL while it waits: take it for
   * the line of code that calls sleep, then release it for the wait. */
  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  if (!lab_sleep_cancellable (task_duration_us (workload), context->cancellable, error))
    return FALSE;

  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  record->value = g_strdup_printf ("%u", lab_workload_get_plan (workload)->task_ms);
  return TRUE;
}

/* On an event loop nobody may block: the task notes when its wait is over
 * and returns at once, so the loop is free to start the next task.
 *
 * Like asyncio's call_later (), the loop keeps all its waits in one heap
 * ordered by deadline and asks to be woken only for the earliest.  A GLib
 * timer source per task would work too, but a GMainContext looks at every
 * one of its sources on every turn: 10,000 waits would make each turn
 * O(10,000), and 100,000 of them took 1.8 s instead of 1 s.  With the heap
 * a turn costs O(log N), and a wait is 24 bytes, not two sources. */
typedef struct
{
  gint64         deadline_us;
  guint64        serial;       /* equal deadlines end in the order they began */
  GTask         *task;         /* owned */
  LabTaskRecord *record;
} SleepTimer;

typedef struct
{
  GArray       *heap;          /* SleepTimer, a binary heap: earliest first */
  guint64       next_serial;
  gint64        wait_us;       /* how long each task waits: the plan's, read once */
  GSource      *wakeup;        /* made on first use, on the loop's context */
  GSource      *cancelled;
} SleepLoop;

static gboolean
timer_before (const SleepTimer *a,
              const SleepTimer *b)
{
  return a->deadline_us < b->deadline_us ||
         (a->deadline_us == b->deadline_us && a->serial < b->serial);
}

static void
heap_push (GArray     *heap,
           SleepTimer *timer)
{
  guint i;

  g_array_append_val (heap, *timer);
  for (i = heap->len - 1; i > 0; i = (i - 1) / 2)
    {
      SleepTimer *child = &g_array_index (heap, SleepTimer, i);
      SleepTimer *parent = &g_array_index (heap, SleepTimer, (i - 1) / 2);
      SleepTimer swap;

      if (!timer_before (child, parent))
        break;
      swap = *child;
      *child = *parent;
      *parent = swap;
    }
}

static SleepTimer
heap_pop (GArray *heap)
{
  SleepTimer top = g_array_index (heap, SleepTimer, 0);
  guint i = 0;

  g_array_index (heap, SleepTimer, 0) = g_array_index (heap, SleepTimer, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, least = i;
      SleepTimer swap;

      if (left < heap->len &&
          timer_before (&g_array_index (heap, SleepTimer, left),
                        &g_array_index (heap, SleepTimer, least)))
        least = left;
      if (right < heap->len &&
          timer_before (&g_array_index (heap, SleepTimer, right),
                        &g_array_index (heap, SleepTimer, least)))
        least = right;
      if (least == i)
        break;
      swap = g_array_index (heap, SleepTimer, i);
      g_array_index (heap, SleepTimer, i) = g_array_index (heap, SleepTimer, least);
      g_array_index (heap, SleepTimer, least) = swap;
      i = least;
    }

  return top;
}

/* Wake the loop when the earliest wait is over, and not before. */
static void
sleep_loop_rearm (SleepLoop *loop)
{
  if (loop->heap->len == 0)
    g_source_set_ready_time (loop->wakeup, -1);
  else
    g_source_set_ready_time (loop->wakeup, g_array_index (loop->heap, SleepTimer, 0).deadline_us);
}

/* The loop woke us: end every wait whose deadline has passed.  Ending a
 * task lets the mode start the next one, which may land in the heap while
 * we are still here; the heap's top is looked at afresh each time. */
static gboolean
sleep_loop_wakeup_cb (gpointer data)
{
  SleepLoop *loop = data;
  gint64 now = g_get_monotonic_time ();

  while (loop->heap->len > 0 && g_array_index (loop->heap, SleepTimer, 0).deadline_us <= now)
    {
      SleepTimer timer = heap_pop (loop->heap);
      LabWorkload *workload = g_task_get_source_object (timer.task);
      gint64 fired = g_get_monotonic_time ();

      /* The task waited for its timer from when it began until now, the
       * moment the loop got round to it; later than its deadline when the
       * loop was busy with something else — a computing task, or the
       * callbacks of the timers before this one. */
      timer.record->end_us = fired;
      if (fired - (timer.deadline_us - loop->wait_us) >= LAB_MIN_WAIT_SPAN_US)
        lab_spans_add (&timer.record->spans, LAB_STATE_IO, LAB_WAIT_TIMER,
                       timer.deadline_us - loop->wait_us, fired);
      lab_loop_note_timer (timer.deadline_us, fired);
      timer.record->value = g_strdup_printf ("%u", lab_workload_get_plan (workload)->task_ms);
      g_task_return_boolean (timer.task, TRUE);
      g_object_unref (timer.task);
    }

  sleep_loop_rearm (loop);
  return G_SOURCE_CONTINUE;
}

/* Cancel ends every wait at once, as asyncio cancels its sleeping tasks. */
static gboolean
sleep_loop_cancelled_cb (GCancellable *cancellable,
                         gpointer      data)
{
  SleepLoop *loop = data;

  while (loop->heap->len > 0)
    {
      SleepTimer timer = heap_pop (loop->heap);

      g_task_return_error_if_cancelled (timer.task);
      g_object_unref (timer.task);
    }

  sleep_loop_rearm (loop);
  return G_SOURCE_CONTINUE;
}

static gpointer
lab_workload_sleep_worker_data_new (LabWorkload *workload)
{
  SleepLoop *loop = g_new0 (SleepLoop, 1);

  loop->heap = g_array_new (FALSE, FALSE, sizeof (SleepTimer));
  return loop;
}

static void
lab_workload_sleep_worker_data_free (gpointer data)
{
  SleepLoop *loop = data;

  /* The mode waits for every task, so the heap is empty by now. */
  g_warn_if_fail (loop->heap->len == 0);
  for (guint i = 0; i < loop->heap->len; i++)
    g_object_unref (g_array_index (loop->heap, SleepTimer, i).task);
  g_array_unref (loop->heap);
  if (loop->wakeup != NULL)
    {
      g_source_destroy (loop->wakeup);
      g_source_unref (loop->wakeup);
    }
  if (loop->cancelled != NULL)
    {
      g_source_destroy (loop->cancelled);
      g_source_unref (loop->cancelled);
    }
  g_free (loop);
}

/* A source that fires at its ready time and nothing else: a GLib timeout
 * source would set its own ready time again after each dispatch. */
static gboolean
wakeup_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     data)
{
  return callback (data);
}

static GSourceFuncs wakeup_funcs = { NULL, NULL, wakeup_dispatch, NULL, NULL, NULL };

/* The two sources of a loop's waits, attached to the loop of the thread
 * that starts the first one. */
static void
sleep_loop_attach (SleepLoop    *loop,
                   GCancellable *cancellable)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  loop->wakeup = g_source_new (&wakeup_funcs, sizeof (GSource));
  g_source_set_ready_time (loop->wakeup, -1);
  g_source_set_static_name (loop->wakeup, "[lab] sleep tasks");
  g_source_set_callback (loop->wakeup, sleep_loop_wakeup_cb, loop, NULL);
  g_source_attach (loop->wakeup, context);

  if (cancellable != NULL)
    {
      loop->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_static_name (loop->cancelled, "[lab] sleep tasks cancelled");
      g_source_set_callback (loop->cancelled, G_SOURCE_FUNC (sleep_loop_cancelled_cb), loop, NULL);
      g_source_attach (loop->cancelled, context);
    }
}

static void
lab_workload_sleep_run_task_async (LabWorkload         *workload,
                                   LabTaskContext      *context,
                                   GBytes              *input,
                                   LabTaskRecord       *record,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SleepLoop *loop = context->worker_data;
  g_autoptr(GTask) task = NULL;
  SleepTimer timer;

  g_return_if_fail (loop != NULL);

  task = g_task_new (workload, context->cancellable, callback, user_data);
  g_task_set_source_tag (task, lab_workload_sleep_run_task_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (loop->wakeup == NULL)
    {
      sleep_loop_attach (loop, context->cancellable);
      loop->wait_us = task_duration_us (workload);
    }

  timer.deadline_us = g_get_monotonic_time () + loop->wait_us;
  timer.serial = loop->next_serial++;
  timer.task = g_steal_pointer (&task);
  timer.record = record;
  heap_push (loop->heap, &timer);
  sleep_loop_rearm (loop);
}

static gboolean
lab_workload_sleep_verify (LabWorkload  *workload,
                           LabRun       *run,
                           GError      **error)
{
  gint64 wanted = task_duration_us (workload);

  /* Every task must really have waited as long as it was told to. */
  for (guint i = 0; i < run->n_records; i++)
    {
      const LabTaskRecord *record = &run->records[i];

      if (record->end_us - record->start_us < wanted - G_TIME_SPAN_MILLISECOND)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("Task %u waited only %.1f ms instead of %u ms."),
                       i + 1, (record->end_us - record->start_us) / 1000.0,
                       lab_workload_get_plan (workload)->task_ms);
          return FALSE;
        }
    }

  /* Translators: e.g. "10×100 ms": ten waits of 100 ms */
  run->result = g_strdup_printf (_("%u×%u ms"), run->n_records, lab_workload_get_plan (workload)->task_ms);
  return TRUE;
}

static void
lab_workload_sleep_class_init (LabWorkloadSleepClass *klass)
{
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  workload_class->prepare = lab_workload_sleep_prepare;
  workload_class->dup_task_name = lab_workload_sleep_dup_task_name;
  workload_class->run_task = lab_workload_sleep_run_task;
  workload_class->run_task_async = lab_workload_sleep_run_task_async;
  workload_class->worker_data_new = lab_workload_sleep_worker_data_new;
  workload_class->worker_data_free = lab_workload_sleep_worker_data_free;
  workload_class->verify = lab_workload_sleep_verify;
}

static void
lab_workload_sleep_init (LabWorkloadSleep *self)
{
}
