/* lab-run-feed.c — a run's events, turned into what its timeline page draws
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's workers push small events into a buffer; the feed drains it
 * once per frame (lab_run_feed_drain, from the window's tick), or from a
 * timer when the window is hidden and frames stop — never one main-loop
 * callback per event, which would starve the drawing.  Each event becomes
 * a signal for one timeline page: in a job, each mode has its page; in a
 * lesson, each run has its own, so that a lesson's two threads steps never
 * draw over each other.
 */

#define G_LOG_DOMAIN "lab-run-feed"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-feed.h"
#include "lab-run-feed-private.h"
#include "lab-states.h"

#define FALLBACK_DRAIN_MS 100

G_DEFINE_FINAL_TYPE (LabRunFeed, lab_run_feed, G_TYPE_OBJECT)

guint lab_run_feed_signals[N_SIGNALS];

static char *
lane_label (LabMode mode,
            gint    lane,
            gint    pid)
{
  switch (mode)
    {
    case LAB_MODE_SEQUENTIAL:
      return g_strdup (_("worker thread"));
    case LAB_MODE_THREADS:
      return g_strdup_printf (_("thread %d"), lane + 1);
    case LAB_MODE_PROCESSES:
    case LAB_MODE_PROCESSES_ASYNC:
      return g_strdup_printf (_("process %d"), pid);
    case LAB_MODE_ASYNC:
      return g_strdup (_("event loop"));
    case LAB_MODE_DISTRIBUTED:
      /* Until the run is over and says which host each worker is on. */
      return g_strdup_printf (_("queue worker %d"), lane + 1);
    case LAB_N_ALL_MODES:
    default:
      g_assert_not_reached ();
    }
}

static void
set_lane_label (LabRunFeed *self,
                LabMode     mode,
                gint        lane,
                gint        pid)
{
  const char *name = mode == LAB_MODE_DISTRIBUTED ? lab_run_feed_worker_name (self, lane) : NULL;
  g_autofree char *label = name != NULL ? g_strdup (name) : lane_label (mode, lane, pid);

  g_signal_emit (self, lab_run_feed_signals[LANE_LABEL], 0, self->page[mode],
                 lab_run_feed_page_lane (self, mode, lane), label);
}

/* Task numbers restart with each pipeline stage; on the timeline each
 * stage's tasks get numbers of their own. */
static guint
task_id (LabRunFeed *self,
         guint       task)
{
  if (!self->pipeline || self->workload == NULL)
    return task;
  return self->progress.stage * lab_workload_get_n_tasks (self->workload) + task;
}

static char *
task_name (LabRunFeed *self,
           guint       task)
{
  g_autofree char *name = NULL;

  if (self->workload == NULL)   /* a lesson's own jobs */
    return g_strdup_printf (_("task %u"), task + 1);

  name = lab_workload_dup_task_name (self->workload, task);

  if (!self->pipeline)
    return g_steal_pointer (&name);
  /* Translators: a pipeline stage and a file, e.g. "Save file-003.bin" */
  return g_strdup_printf (_("%s %s"), lab_stage_get_title (MIN (self->progress.stage, LAB_N_STAGES - 1)),
                          name);
}

/* A lesson's run begins: it gets a page of its own, named after its mode
 * until the lesson's end names its step. */
static void
open_lesson_page (LabRunFeed *self,
                  LabMode     mode,
                  gint64      start_us)
{
  guint page = LAB_LESSON_PAGE_FIRST + self->lesson_starts->len;
  /* Translators: a lesson's timeline page while its step runs, e.g. "Step 2: Threads" */
  g_autofree char *title = g_strdup_printf (_("Step %u: %s"), self->lesson_starts->len + 1,
                                            lab_mode_get_title (mode));

  /* The step before is over: its page's clock stops. */
  lab_run_feed_set_lesson_now (self, 0);
  g_array_append_val (self->lesson_starts, start_us);
  self->page[mode] = page;
  g_signal_emit (self, lab_run_feed_signals[PAGE_ADDED], 0, page, title);
}

static void
run_started (LabRunFeed     *self,
             const LabEvent *event)
{
  LabRunProgress *progress = &self->progress;
  GArray *pids = self->worker_pids[event->mode];

  self->run_open[event->mode] = TRUE;
  self->page_ready[event->mode] = TRUE;
  /* A new distributed run: its workers join afresh (a lesson's other
   * steps leave the last one's lanes as they were). */
  if (event->mode == LAB_MODE_DISTRIBUTED)
    {
      g_ptr_array_set_size (self->worker_names, 0);
      g_array_set_size (self->workers_lost, 0);
      g_array_set_size (self->lane_map, 0);
      g_ptr_array_set_size (self->lane_hosts, 0);
    }
  progress->run_start_us = event->time_us;
  progress->total_tasks = event->task;
  progress->done_tasks = 0;
  progress->failed_tasks = 0;
  /* The pipeline's three stages share one page per mode. */
  progress->stage = self->stages_started++;

  if (self->lesson)
    open_lesson_page (self, event->mode, event->time_us);

  if (progress->stage == 0 || self->lesson)
    {
      progress->mode_start_us = event->time_us;
      g_signal_emit (self, lab_run_feed_signals[TIMELINE_RESET], 0, self->page[event->mode],
                     event->time_us, TRUE, TRUE);
      if (!lab_mode_uses_processes (event->mode) && self->workload != NULL)
        {
          guint lanes = event->mode == LAB_MODE_THREADS ? lab_workload_get_plan (self->workload)->workers : 1;

          for (guint lane = 0; lane < lanes; lane++)
            set_lane_label (self, event->mode, lane, 0);
        }
    }

  /* Every process of the pool gets its lane, even one that will find no
   * task: an idle worker is part of the picture. */
  for (guint lane = 0; lane < pids->len; lane++)
    if (g_array_index (pids, gint, lane) > 0)
      set_lane_label (self, event->mode, lane, g_array_index (pids, gint, lane));
  g_array_set_size (pids, 0);
}

static void
handle_event (LabRunFeed     *self,
              const LabEvent *event)
{
  LabRunProgress *progress = &self->progress;
  GArray *pids = self->worker_pids[event->mode];

  switch (event->kind)
    {
    case LAB_EVENT_RUN_STARTED:
      run_started (self, event);
      break;

    case LAB_EVENT_WORKER_STARTED:
      /* Distributed: a worker took its first job of the run; its lane is
       * named after it and filed under its machine. */
      if (event->name != NULL && event->lane >= 0)
        {
          if ((guint) event->lane >= self->worker_names->len)
            g_ptr_array_set_size (self->worker_names, event->lane + 1);
          g_free (g_ptr_array_index (self->worker_names, event->lane));
          g_ptr_array_index (self->worker_names, event->lane) = g_strdup (event->name);
          if ((guint) event->lane < self->workers_lost->len)
            g_array_index (self->workers_lost, gboolean, event->lane) = FALSE;
          if (self->run_open[event->mode])
            {
              lab_run_feed_place_worker (self, event->mode, event->lane, event->host);
              g_signal_emit (self, lab_run_feed_signals[LANE_HOST], 0, self->page[event->mode],
                             lab_run_feed_page_lane (self, event->mode, event->lane), event->host);
            }
        }
      /* Before the run's clock starts, its page is not ready (a
       * lesson's is not even made): keep the lane for then.  A worker
       * that replaces a lost one mid-run gets its lane at once. */
      if (self->run_open[event->mode])
        set_lane_label (self, event->mode, event->lane, event->pid);
      else if (event->lane >= 0)
        {
          if ((guint) event->lane >= pids->len)
            g_array_set_size (pids, event->lane + 1);
          g_array_index (pids, gint, event->lane) = event->pid;
        }
      break;

    case LAB_EVENT_WORKER_LOST:
      /* Distributed: the worker stopped beating; its lane stays, marked. */
      if (self->run_open[event->mode] && lab_run_feed_worker_name (self, event->lane) != NULL)
        {
          /* Translators: a worker's lane once it went silent, e.g. "pc-12:4242 (lost)" */
          g_autofree char *label = g_strdup_printf (_("%s (lost)"),
                                                    lab_run_feed_worker_name (self, event->lane));

          if ((guint) event->lane >= self->workers_lost->len)
            g_array_set_size (self->workers_lost, event->lane + 1);
          g_array_index (self->workers_lost, gboolean, event->lane) = TRUE;
          g_signal_emit (self, lab_run_feed_signals[LANE_LABEL], 0, self->page[event->mode],
                         lab_run_feed_page_lane (self, event->mode, event->lane), label);
        }
      break;

    case LAB_EVENT_BROKER_READY:
      self->broker_shown = TRUE;
      g_signal_emit (self, lab_run_feed_signals[BROKER_READY], 0, event->name);
      break;

    case LAB_EVENT_TASK_STARTED:
      {
        /* Translators: a bar of the futures lesson's caller, blocked in Future.result () */
        g_autofree char *name = event->caller ? g_strdup (_("waiting in result ()"))
                                              : task_name (self, event->task);

        /* futures: the caller itself, blocked in result () */
        if (event->caller)
          g_signal_emit (self, lab_run_feed_signals[LANE_LABEL], 0, self->page[event->mode],
                         event->lane, _("caller"));
        else if (lab_mode_uses_processes (event->mode) || self->workload == NULL)
          set_lane_label (self, event->mode, event->lane, event->pid);
        g_signal_emit (self, lab_run_feed_signals[TASK_STARTED], 0, self->page[event->mode],
                       task_id (self, event->task),
                       lab_run_feed_page_lane (self, event->mode, event->lane),
                       event->start_us, name);
      }
      break;

    case LAB_EVENT_TASK_FINISHED:
      /* Its time on a CPU and in the run queue, with its spans if they came
       * just before (see lab_run_feed_drain ()): in before the bar
       * finishes, so that it is drawn once, whole. */
      if (event->lane >= 0 && (event->has_times || self->spans->len > 0) && !event->caller)
        g_signal_emit (self, lab_run_feed_signals[TASK_STATES], 0, self->page[event->mode],
                       task_id (self, event->task),
                       event->has_times ? event->cpu_us : (gint64) -1,
                       event->has_times ? event->run_queue_us : (gint64) -1,
                       (gpointer) self->spans->data, self->spans->len);
      g_array_set_size (self->spans, 0);
      /* A task cancelled before any worker took it never ran: no bar. */
      if (event->lane >= 0)
        g_signal_emit (self, lab_run_feed_signals[TASK_FINISHED], 0, self->page[event->mode],
                       task_id (self, event->task),
                       lab_run_feed_page_lane (self, event->mode, event->lane),
                       event->start_us, event->time_us,
                       (guint64) event->bytes, (gboolean) event->ok, NULL);
      /* A caller's wait is no task of the run. */
      if (!event->caller)
        {
          progress->done_tasks++;
          progress->failed_tasks += !event->ok;
        }
      break;

    case LAB_EVENT_ITEM_PUT:
    case LAB_EVENT_ITEM_TAKEN:
      g_signal_emit (self, lab_run_feed_signals[ITEM_MARK], 0, self->page[event->mode],
                     task_id (self, event->task),
                     event->kind == LAB_EVENT_ITEM_TAKEN, event->time_us);
      break;

    case LAB_EVENT_TASK_SPAN:
      if (event->state < LAB_N_STATES)
        g_signal_emit (self, lab_run_feed_signals[TASK_SPAN], 0, self->page[event->mode],
                       task_id (self, event->task), (guint) event->state, (guint) event->wait,
                       event->start_us, event->time_us);
      break;

    case LAB_EVENT_CORES_BUSY:
      if (self->page_ready[event->mode])
        g_signal_emit (self, lab_run_feed_signals[CORES_BUSY], 0, self->page[event->mode],
                       event->time_us, event->cores);
      break;

    case LAB_EVENT_RUN_FINISHED:
      self->run_open[event->mode] = FALSE;
      self->page_ready[event->mode] = FALSE;
      g_array_set_size (pids, 0);
      if (self->pipeline && progress->stage < LAB_N_STAGES)
        progress->stage_us[progress->stage] = event->time_us - progress->run_start_us;
      break;

    default:
      break;
    }
}

/* Everything the workers reported since the last frame, in one go; then
 * "drained", for whoever shows the progress. */
void
lab_run_feed_drain (LabRunFeed *self)
{
  g_autoptr(GArray) events = NULL;

  g_return_if_fail (LAB_IS_RUN_FEED (self));

  events = lab_event_buffer_drain (self->events);
  for (guint i = 0; i < events->len; i++)
    {
      const LabEvent *event = &g_array_index (events, LabEvent, i);
      guint end = i;

      /* A task's spans come right before its finish (lab-run-context.c):
       * they go with it in one signal, not one each. */
      while (end < events->len
             && g_array_index (events, LabEvent, end).kind == LAB_EVENT_TASK_SPAN
             && g_array_index (events, LabEvent, end).task == event->task
             && g_array_index (events, LabEvent, end).mode == event->mode)
        end++;
      if (end > i && end < events->len
          && g_array_index (events, LabEvent, end).kind == LAB_EVENT_TASK_FINISHED
          && g_array_index (events, LabEvent, end).task == event->task
          && g_array_index (events, LabEvent, end).mode == event->mode)
        {
          for (; i < end; i++)
            {
              const LabEvent *span = &g_array_index (events, LabEvent, i);
              LabSpan s = { span->start_us, span->time_us, span->state, span->wait };

              if (span->state < LAB_N_STATES)
                g_array_append_val (self->spans, s);
            }
          event = &g_array_index (events, LabEvent, i);
        }
      handle_event (self, event);
    }
  g_signal_emit (self, lab_run_feed_signals[DRAINED], 0);
}

static gboolean
fallback_drain (gpointer user_data)
{
  lab_run_feed_drain (user_data);
  return G_SOURCE_CONTINUE;
}

/* A run begins: drain from now on, by frames or by the timer. */
void
lab_run_feed_start (LabRunFeed *self)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  self->draining = TRUE;
  if (self->fallback_id == 0)
    {
      self->fallback_id = g_timeout_add (FALLBACK_DRAIN_MS, fallback_drain, self);
      g_source_set_name_by_id (self->fallback_id, "[lab] drain events");
    }
}

void
lab_run_feed_stop (LabRunFeed *self)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  self->draining = FALSE;
  g_clear_handle_id (&self->fallback_id, g_source_remove);
  /* The run is over, and the broker it started with it. */
  if (self->broker_shown)
    {
      self->broker_shown = FALSE;
      g_signal_emit (self, lab_run_feed_signals[BROKER_READY], 0, NULL);
    }
}

gboolean
lab_run_feed_is_draining (LabRunFeed *self)
{
  g_return_val_if_fail (LAB_IS_RUN_FEED (self), FALSE);

  return self->draining;
}

static void
forget_workers (LabRunFeed *self)
{
  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    {
      g_array_set_size (self->worker_pids[m], 0);
      self->run_open[m] = FALSE;
      self->page_ready[m] = FALSE;
    }
}

/* The lesson's pages go, and the modes' pages are hidden. */
void
lab_run_feed_clear (LabRunFeed *self)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  g_array_set_size (self->lesson_starts, 0);
  g_signal_emit (self, lab_run_feed_signals[PAGES_CLEARED], 0);
  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    {
      self->page[m] = m;
      g_signal_emit (self, lab_run_feed_signals[TIMELINE_RESET], 0, (guint) m, (gint64) 0, FALSE,
                     FALSE);
    }
}

/* A job of @workload (kept until the next begins) in each of @modes: their
 * pages are emptied and shown, the other modes' pages hidden. */
void
lab_run_feed_begin_job (LabRunFeed    *self,
                        LabWorkload   *workload,
                        gboolean       pipeline,
                        const LabMode *modes,
                        guint          n_modes)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));
  g_return_if_fail (LAB_IS_WORKLOAD (workload));

  g_set_object (&self->workload, workload);
  self->pipeline = pipeline;
  self->lesson = FALSE;
  g_array_set_size (self->lesson_starts, 0);
  g_signal_emit (self, lab_run_feed_signals[PAGES_CLEARED], 0);

  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    {
      gboolean in_job = FALSE;

      for (guint i = 0; i < n_modes; i++)
        in_job |= modes[i] == m;
      self->page[m] = m;
      g_signal_emit (self, lab_run_feed_signals[TIMELINE_RESET], 0, (guint) m, (gint64) 0, in_job,
                     FALSE);
    }
}

/* The next mode of the job begins; so does its progress. */
void
lab_run_feed_begin_mode (LabRunFeed *self)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  memset (&self->progress, 0, sizeof self->progress);
  self->stages_started = 0;
  forget_workers (self);
}

/* A lesson begins: each of its runs will get a page. */
void
lab_run_feed_begin_lesson (LabRunFeed *self)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  g_clear_object (&self->workload);
  self->pipeline = FALSE;
  lab_run_feed_clear (self);
  self->lesson = TRUE;
  memset (&self->progress, 0, sizeof self->progress);
  self->stages_started = 0;
  forget_workers (self);
}

/* @mode's page runs its clock to @now_us; 0 stops it (the run is over). */
void
lab_run_feed_set_now (LabRunFeed *self,
                      LabMode     mode,
                      gint64      now_us)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));
  g_return_if_fail (mode < LAB_N_ALL_MODES);

  g_signal_emit (self, lab_run_feed_signals[TIMELINE_NOW], 0, self->page[mode], now_us);
}

/* The same for the lesson's page of the run in progress. */
void
lab_run_feed_set_lesson_now (LabRunFeed *self,
                             gint64      now_us)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  if (self->lesson_starts->len > 0)
    g_signal_emit (self, lab_run_feed_signals[TIMELINE_NOW], 0,
                   LAB_LESSON_PAGE_FIRST + self->lesson_starts->len - 1, now_us);
}

/* @run is over: its last events are drawn, its failed bars get their
 * reasons (events carry no text) and its page's clock stops.  @offset is
 * where its task numbers start on the page (a pipeline's later stages). */
void
lab_run_feed_finish_run (LabRunFeed   *self,
                         const LabRun *run,
                         guint         offset)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));
  g_return_if_fail (run != NULL);

  lab_run_feed_drain (self);
  for (guint i = 0; i < run->n_records; i++)
    if (run->records[i].error != NULL && run->records[i].lane >= 0)
      g_signal_emit (self, lab_run_feed_signals[TASK_FINISHED], 0, self->page[run->mode],
                     offset + i, lab_run_feed_page_lane (self, run->mode, run->records[i].lane),
                     run->records[i].start_us, run->records[i].end_us,
                     (guint64) run->records[i].bytes, FALSE, run->records[i].error);
  lab_run_feed_name_lanes (self, self->page[run->mode], run);
  lab_run_feed_set_now (self, run->mode, 0);

  /* A job's timings row says where the mode's time went: a pipeline's
   * stages (@offset > 0 after the first) add up.  A lesson has no row. */
  if (!self->lesson && run->mode < LAB_N_MODES)
    {
      gint64 by_state[LAB_N_STATES];

      lab_run_get_time_by_state (run, by_state);
      g_signal_emit (self, lab_run_feed_signals[TIME_BY_STATE], 0, (guint) run->mode,
                     (gpointer) by_state, offset > 0);
    }
}

/* The lesson page that showed @run, or -1. */
gint
lab_run_feed_find_lesson_page (LabRunFeed   *self,
                               const LabRun *run)
{
  g_return_val_if_fail (LAB_IS_RUN_FEED (self), -1);

  for (guint i = 0; run != NULL && i < self->lesson_starts->len; i++)
    if (g_array_index (self->lesson_starts, gint64, i) == run->start_us)
      return LAB_LESSON_PAGE_FIRST + i;
  return -1;
}

void
lab_run_feed_title_page (LabRunFeed *self,
                         guint       page,
                         const char *title)
{
  g_return_if_fail (LAB_IS_RUN_FEED (self));

  g_signal_emit (self, lab_run_feed_signals[PAGE_TITLED], 0, page, title);
}

LabEventBuffer *
lab_run_feed_get_events (LabRunFeed *self)
{
  g_return_val_if_fail (LAB_IS_RUN_FEED (self), NULL);

  return self->events;
}

const LabRunProgress *
lab_run_feed_get_progress (LabRunFeed *self)
{
  g_return_val_if_fail (LAB_IS_RUN_FEED (self), NULL);

  return &self->progress;
}

static void
lab_run_feed_dispose (GObject *object)
{
  LabRunFeed *self = LAB_RUN_FEED (object);

  lab_run_feed_stop (self);
  g_clear_object (&self->workload);

  G_OBJECT_CLASS (lab_run_feed_parent_class)->dispose (object);
}

static void
lab_run_feed_finalize (GObject *object)
{
  LabRunFeed *self = LAB_RUN_FEED (object);

  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_clear_pointer (&self->lesson_starts, g_array_unref);
  g_clear_pointer (&self->spans, g_array_unref);
  g_clear_pointer (&self->worker_names, g_ptr_array_unref);
  g_clear_pointer (&self->workers_lost, g_array_unref);
  g_clear_pointer (&self->lane_map, g_array_unref);
  g_clear_pointer (&self->lane_hosts, g_ptr_array_unref);
  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    g_clear_pointer (&self->worker_pids[m], g_array_unref);

  G_OBJECT_CLASS (lab_run_feed_parent_class)->finalize (object);
}

static void
lab_run_feed_class_init (LabRunFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_run_feed_dispose;
  object_class->finalize = lab_run_feed_finalize;

  /* A lesson's run got a page: page, title */
  lab_run_feed_signals[PAGE_ADDED] =
    g_signal_new ("page-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* A lesson's page is named after its step: page, title */
  lab_run_feed_signals[PAGE_TITLED] =
    g_signal_new ("page-titled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* The lesson's pages go. */
  lab_run_feed_signals[PAGES_CLEARED] =
    g_signal_new ("pages-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* A page's timeline starts again at start_us (0: empty), shown or
   * hidden, and brought to the front when select is TRUE. */
  lab_run_feed_signals[TIMELINE_RESET] =
    g_signal_new ("timeline-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  /* page, lane, label */
  lab_run_feed_signals[LANE_LABEL] =
    g_signal_new ("lane-label", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INT, G_TYPE_STRING);
  /* page, task, lane, start_us, name */
  lab_run_feed_signals[TASK_STARTED] =
    g_signal_new ("task-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT, G_TYPE_INT64, G_TYPE_STRING);
  /* page, task, lane, start_us, end_us, bytes, ok, error */
  lab_run_feed_signals[TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 8, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT, G_TYPE_INT64,
                  G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_BOOLEAN, G_TYPE_STRING);
  /* page, task (the item's producer), taken (else put), time_us */
  lab_run_feed_signals[ITEM_MARK] =
    g_signal_new ("item-mark", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_INT64);
  /* page, now_us (0: the page's run is over) */
  lab_run_feed_signals[TIMELINE_NOW] =
    g_signal_new ("timeline-now", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_INT64);
  /* page, task, state (LabState), wait (LabWait), start_us, end_us: one
   * explicit wait of a task, before its task-finished */
  lab_run_feed_signals[TASK_SPAN] =
    g_signal_new ("task-span", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 6, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT,
                  G_TYPE_INT64, G_TYPE_INT64);
  /* page, task, cpu_us, run_queue_us (-1: not measured), its spans
   * (const LabSpan *, n_spans): where a task's time went, just before its
   * task-finished */
  lab_run_feed_signals[TASK_STATES] =
    g_signal_new ("task-states", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 6, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_INT64,
                  G_TYPE_POINTER, G_TYPE_UINT);
  /* page, time_us, cores busy since the sample before */
  lab_run_feed_signals[CORES_BUSY] =
    g_signal_new ("cores-busy", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_DOUBLE);
  /* A job's run is over: mode, where its time went (gint64[LAB_N_STATES],
   * lab_run_get_time_by_state ()), and whether it adds to the run before
   * (a pipeline's later stage) */
  lab_run_feed_signals[TIME_BY_STATE] =
    g_signal_new ("time-by-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_BOOLEAN);
  /* A batch of events is in; the progress says where the run is. */
  lab_run_feed_signals[DRAINED] =
    g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* Distributed: the machine a lane's worker runs on: page, lane, host */
  lab_run_feed_signals[LANE_HOST] =
    g_signal_new ("lane-host", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INT, G_TYPE_STRING);
  /* Distributed: an empty lane goes in at lane, the lanes below move
   * down one: page, lane */
  lab_run_feed_signals[LANE_INSERTED] =
    g_signal_new ("lane-inserted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_INT);
  /* Distributed: the redis:// URL of the broker a run started for itself
   * (where one more worker can join), or NULL once the run is over. */
  lab_run_feed_signals[BROKER_READY] =
    g_signal_new ("broker-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
lab_run_feed_init (LabRunFeed *self)
{
  self->events = lab_event_buffer_new ();
  self->lesson_starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->spans = g_array_new (FALSE, FALSE, sizeof (LabSpan));
  self->worker_names = g_ptr_array_new_with_free_func (g_free);
  self->workers_lost = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->lane_map = g_array_new (FALSE, FALSE, sizeof (gint));
  self->lane_hosts = g_ptr_array_new_with_free_func (g_free);
  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    {
      self->worker_pids[m] = g_array_new (FALSE, TRUE, sizeof (gint));
      self->page[m] = m;
    }
}

LabRunFeed *
lab_run_feed_new (void)
{
  return g_object_new (LAB_TYPE_RUN_FEED, NULL);
}
