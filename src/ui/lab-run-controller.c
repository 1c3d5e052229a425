/* lab-run-controller.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sequence of a run, without a single widget: the modes still to run,
 * the pipeline's stages, a lesson's steps (the frozen-window lesson's on
 * the UI thread itself, in lab-frozen-lesson.c), the built-in server (made
 * on a thread by lab-server-preparer.c), and the folder the pipeline saves
 * into.  The window owns one and listens: the "running" and "status"
 * properties, and signals for the timeline, the timings and the lesson
 * card.
 *
 * The engine's workers push small events into a buffer; the window asks
 * the controller to drain it once per frame (lab_run_controller_tick), and
 * a timer does so when the window is hidden and frames stop — never one
 * main loop callback per event, which would starve the drawing.
 *
 * It is long because a run is one sequence told in order — draining,
 * recording a mode, the next mode, a lesson, the server a pipeline waits
 * for — and each part needs the state the others leave; split further, a
 * reader would jump between files to follow one click.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-files.h"
#include "lab-frozen-lesson.h"
#include "lab-pipeline.h"
#include "lab-run-controller.h"
#include "lab-server-preparer.h"
#include "lab-timings.h"

#define FALLBACK_DRAIN_MS 100

struct _LabRunController
{
  GObject               parent_instance;

  LabHeartbeat         *heartbeat;
  GSettings            *settings;
  LabRunner            *runner;
  LabEventBuffer       *events;
  char                 *status;

  /* The built-in server and the folder the pipeline saves into */
  LabServer            *server;
  LabServerOptions      server_options;
  char                 *out_dir;

  /* The server is made on a thread; a run that is called off forgets
   * it. */
  LabServerPreparer    *server_preparer;
  LabPlan              *waiting_plan;    /* the job that waits for the server */

  /* The job in progress, and how the window asked for it */
  GCancellable         *cancellable;
  LabWorkload          *workload;
  LabPipeline          *pipeline;        /* for the download → save → hash job */
  GArray               *job_modes;
  const char           *stage_title;
  guint                 latency_ms;
  gboolean              on_ui_thread;
  gboolean              in_lesson;       /* a seed lesson runs its own steps */
  guint                 stage;           /* which of the pipeline's stages runs */
  guint                 stages_started;
  gint64                mode_start_us;
  GArray               *pending_modes;
  guint                 n_job_modes;
  LabMode               current_mode;
  gboolean              running;
  gboolean              draining;
  gboolean              closing;         /* the window goes when the run is over */
  gboolean              quick_lessons;   /* lessons at their small size, as in the tests */

  /* Worker processes announce themselves before the run's clock starts
   * (and the timeline's reset); their lanes wait here until then. */
  GArray               *worker_pids[LAB_N_MODES];

  /* The frozen-window lesson, run by the UI thread itself */
  LabFrozenLesson      *frozen_lesson;
  gint64                last_lesson_step_us[LAB_LESSON_MAX_STEPS];
  guint                 last_lesson_n_steps;
  gint64                batch_start_us;
  gint64                run_start_us;
  gint64                sequential_wall_us;
  gint64                stage_us[LAB_N_STAGES];
  guint                 done_tasks;
  guint                 total_tasks;
  guint                 failed_tasks;
  guint                 fallback_id;
};

G_DEFINE_FINAL_TYPE (LabRunController, lab_run_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_STATUS,
  PROP_QUICK_LESSONS,
  N_PROPS
};

enum {
  ERROR,
  TIMELINE_RESET,
  LANE_LABEL,
  TASK_STARTED,
  TASK_FINISHED,
  TIMELINE_NOW,
  TIMINGS_RESET,
  TIMINGS_UPDATE,
  STEPS_CLEARED,
  STEP_ADDED,
  VERDICT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void run_next_mode (LabRunController *self);

static void
set_status (LabRunController *self,
            const char       *text)
{
  if (g_strcmp0 (self->status, text) == 0)
    return;

  g_free (self->status);
  self->status = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/* Every run goes through here, start and end: the window's controls
 * follow, and so can anyone watching the "running" property. */
static void
set_running (LabRunController *self,
             gboolean          running)
{
  if (self->running == running)
    return;

  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
show_error (LabRunController *self,
            const char       *message)
{
  set_status (self, message);
  g_signal_emit (self, signals[ERROR], 0, message);
}

static void
timeline_now (LabRunController *self,
              LabMode           mode,
              gint64            now)
{
  g_signal_emit (self, signals[TIMELINE_NOW], 0, (guint) mode, now);
}

static void
timings_update (LabRunController *self,
                LabMode           mode,
                const gint64     *stages,
                gint64            total_us,
                gint64            startup_us,
                gboolean          running,
                double            speedup,
                int               verdict,
                const char       *note)
{
  g_signal_emit (self, signals[TIMINGS_UPDATE], 0, (guint) mode, stages, total_us, startup_us,
                 running, speedup, verdict, note);
}

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
      return g_strdup_printf (_("process %d"), pid);
    case LAB_MODE_ASYNC:
      return g_strdup (_("event loop"));
    case LAB_N_MODES:
    default:
      g_assert_not_reached ();
    }
}

static void
set_lane_label (LabRunController *self,
                LabMode           mode,
                gint              lane,
                gint              pid)
{
  g_autofree char *label = lane_label (mode, lane, pid);

  g_signal_emit (self, signals[LANE_LABEL], 0, (guint) mode, lane, label);
}

static double
speedup_of (LabRunController *self,
            gint64            wall_us)
{
  if (self->sequential_wall_us <= 0 || wall_us <= 0)
    return NAN;
  return (double) self->sequential_wall_us / wall_us;
}

/* The pipeline downloads from a server of our own, holding exactly the
 * files the job asks for; it is made again when those change. */
static void
server_options_for (LabRunController *self,
                    const LabPlan    *plan,
                    LabServerOptions *options)
{
  lab_server_options_init (options);
  options->n_files = plan->tasks;
  options->file_size = plan->size;
  options->latency_ms = self->latency_ms;
  options->seed = plan->seed;
}

static gboolean
needs_server (LabRunController *self,
              const LabPlan    *plan)
{
  LabServerOptions options;

  server_options_for (self, plan, &options);
  return self->server == NULL || memcmp (&options, &self->server_options, sizeof options) != 0;
}

/* Points @plan at the server (ready by now) and at the output folder. */
static gboolean
use_server (LabRunController  *self,
            LabPlan           *plan,
            GError           **error)
{
  g_assert (self->server != NULL);

  g_free (plan->url);
  plan->url = g_strdup (lab_server_get_url (self->server));
  g_free (plan->out_dir);

  /* The folder the teacher chose, or a temporary one of ours. */
  plan->out_dir = g_settings_get_string (self->settings, "out-dir");
  if (*plan->out_dir == '\0')
    {
      if (self->out_dir == NULL)
        {
          self->out_dir = g_dir_make_tmp ("concurrency-lab-XXXXXX", error);
          if (self->out_dir == NULL)
            return FALSE;
        }
      g_free (plan->out_dir);
      plan->out_dir = g_strdup (self->out_dir);
    }
  return TRUE;
}

/* Task numbers restart with each pipeline stage; on the timeline each
 * stage's tasks get numbers of their own. */
static guint
task_id (LabRunController *self,
         guint             task)
{
  if (self->pipeline == NULL || self->workload == NULL)
    return task;
  return self->stage * lab_workload_get_n_tasks (self->workload) + task;
}

static char *
task_name (LabRunController *self,
           guint             task)
{
  g_autofree char *name = NULL;

  if (self->workload == NULL)   /* a lesson's own jobs */
    return g_strdup_printf (_("task %u"), task + 1);

  name = lab_workload_dup_task_name (self->workload, task);

  if (self->pipeline == NULL)
    return g_steal_pointer (&name);
  /* Translators: a pipeline stage and a file, e.g. "Save file-003.bin" */
  return g_strdup_printf (_("%s %s"), lab_stage_get_title (MIN (self->stage, LAB_N_STAGES - 1)), name);
}

/* Everything the workers reported since the last frame, in one go. */
static void
drain_events (LabRunController *self)
{
  g_autoptr(GArray) events = lab_event_buffer_drain (self->events);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < events->len; i++)
    {
      const LabEvent *event = &g_array_index (events, LabEvent, i);

      switch (event->kind)
        {
        case LAB_EVENT_RUN_STARTED:
          self->run_start_us = event->time_us;
          self->total_tasks = event->task;
          self->done_tasks = 0;
          self->failed_tasks = 0;
          /* The pipeline's three stages share one timeline per mode. */
          self->stage = self->stages_started++;
          if (self->stage == 0 || self->in_lesson)
            {
              self->mode_start_us = event->time_us;
              g_signal_emit (self, signals[TIMELINE_RESET], 0, (guint) event->mode, event->time_us,
                             TRUE, TRUE);
              if (event->mode != LAB_MODE_PROCESSES && self->workload != NULL)
                {
                  guint lanes = event->mode == LAB_MODE_THREADS ? lab_workload_get_plan (self->workload)->workers : 1;

                  for (guint lane = 0; lane < lanes; lane++)
                    set_lane_label (self, event->mode, lane, 0);
                }
            }
          /* Every process of the pool gets its lane, even one that will
           * find no task: an idle worker is part of the picture. */
          for (guint lane = 0; lane < self->worker_pids[event->mode]->len; lane++)
            {
              gint pid = g_array_index (self->worker_pids[event->mode], gint, lane);

              if (pid > 0)
                set_lane_label (self, event->mode, lane, pid);
            }
          g_array_set_size (self->worker_pids[event->mode], 0);
          break;

        case LAB_EVENT_WORKER_STARTED:
          /* Before the run's clock starts, the reset to come would wipe
           * the lane: keep it for then. */
          if (event->lane >= 0 && (guint) event->lane >= self->worker_pids[event->mode]->len)
            g_array_set_size (self->worker_pids[event->mode], event->lane + 1);
          if (event->lane >= 0)
            g_array_index (self->worker_pids[event->mode], gint, event->lane) = event->pid;
          set_lane_label (self, event->mode, event->lane, event->pid);
          break;

        case LAB_EVENT_WORKER_LOST:
          break;

        case LAB_EVENT_TASK_STARTED:
          {
            g_autofree char *name = task_name (self, event->task);

            if (event->mode == LAB_MODE_PROCESSES || self->workload == NULL)
              set_lane_label (self, event->mode, event->lane, event->pid);
            g_signal_emit (self, signals[TASK_STARTED], 0, (guint) event->mode,
                           task_id (self, event->task), event->lane, event->start_us, name);
          }
          break;

        case LAB_EVENT_TASK_FINISHED:
          /* A task cancelled before any worker took it never ran: no bar. */
          if (event->lane >= 0)
            g_signal_emit (self, signals[TASK_FINISHED], 0, (guint) event->mode,
                           task_id (self, event->task), event->lane, event->start_us,
                           event->time_us, (guint64) event->bytes, (gboolean) event->ok, NULL);
          self->done_tasks++;
          self->failed_tasks += !event->ok;
          break;

        case LAB_EVENT_RUN_FINISHED:
          g_array_set_size (self->worker_pids[event->mode], 0);
          if (self->pipeline != NULL && self->stage < LAB_N_STAGES)
            self->stage_us[self->stage] = event->time_us - self->run_start_us;
          break;

        default:
          break;
        }
    }

  if (self->running && self->in_lesson)
    {
      g_autofree char *status = g_strdup_printf (_("Lesson running: %u/%u tasks of this step"),
                                                 self->done_tasks, self->total_tasks);

      for (LabMode m = 0; m < LAB_N_MODES; m++)
        timeline_now (self, m, now);
      /* The frozen-window lesson says which of its steps runs instead. */
      if (self->frozen_lesson == NULL || !lab_frozen_lesson_is_running (self->frozen_lesson))
        set_status (self, status);
    }
  else if (self->running)
    {
      g_autofree char *status = NULL;
      gint64 wall = self->run_start_us > 0 ? now - self->run_start_us : 0;
      gint64 total = self->mode_start_us > 0 ? now - self->mode_start_us : 0;
      gint64 stages[LAB_N_STAGES] = { 0 };

      timeline_now (self, self->current_mode, now);
      if (self->pipeline != NULL)
        {
          memcpy (stages, self->stage_us, sizeof stages);
          stages[MIN (self->stage, LAB_N_STAGES - 1)] = wall;
          status = g_strdup_printf (_("Running %s, %s: %u/%u files"),
                                    lab_mode_get_title (self->current_mode),
                                    lab_stage_get_title (MIN (self->stage, LAB_N_STAGES - 1)),
                                    self->done_tasks, self->total_tasks);
        }
      else
        {
          stages[0] = wall;
          total = wall;
          status = g_strdup_printf (_("Running %s: %u/%u tasks"),
                                    lab_mode_get_title (self->current_mode),
                                    self->done_tasks, self->total_tasks);
        }
      timings_update (self, self->current_mode, stages, total, 0, TRUE, NAN, LAB_VERDICT_PENDING, NULL);
      set_status (self, status);
    }
}

static gboolean
fallback_drain (gpointer user_data)
{
  drain_events (user_data);
  return G_SOURCE_CONTINUE;
}

static void
start_draining (LabRunController *self)
{
  self->draining = TRUE;
  if (self->fallback_id == 0)
    {
      self->fallback_id = g_timeout_add (FALLBACK_DRAIN_MS, fallback_drain, self);
      g_source_set_name_by_id (self->fallback_id, "[lab] drain events");
    }
}

static void
stop_draining (LabRunController *self)
{
  self->draining = FALSE;
  g_clear_handle_id (&self->fallback_id, g_source_remove);
}

/* The events carry no error text; give the failed bars their reasons. */
static void
mark_failed_bars (LabRunController *self,
                  LabRun           *run,
                  guint             offset)
{
  for (guint i = 0; i < run->n_records; i++)
    if (run->records[i].error != NULL && run->records[i].lane >= 0)
      g_signal_emit (self, signals[TASK_FINISHED], 0, (guint) run->mode, offset + i,
                     run->records[i].lane, run->records[i].start_us, run->records[i].end_us,
                     (guint64) run->records[i].bytes, FALSE, run->records[i].error);
}

/* The first task's error of @run, or NULL. */
static const char *
first_error (LabRun *run)
{
  for (guint i = 0; run != NULL && i < run->n_records; i++)
    if (run->records[i].error != NULL)
      return run->records[i].error;
  return NULL;
}

/* The end of a mode, the same for one run and for a pipeline's three: its
 * row gets its final numbers, and the status line says how it ended
 * (@failure, taken over, when it failed). */
static void
show_mode_result (LabRunController *self,
                  LabMode           mode,
                  const gint64     *stages,
                  gint64            wall_us,
                  gint64            startup_us,
                  LabVerdict        verdict,
                  const char       *note,
                  char             *failure)
{
  g_autofree char *owned_failure = failure;
  g_autofree char *status = NULL;

  timings_update (self, mode, stages, wall_us, startup_us, FALSE, speedup_of (self, wall_us),
                  verdict, note);

  if (verdict == LAB_VERDICT_CANCELLED)
    status = g_strdup (_("Cancelled."));
  else if (verdict == LAB_VERDICT_FAILED)
    status = g_steal_pointer (&owned_failure);
  else
    status = g_strdup_printf (_("%s finished in %.2f s."), lab_mode_get_title (mode), wall_us / 1e6);
  set_status (self, status);
}

/* A mode is done: its row gets its final numbers. */
static void
record_run (LabRunController *self,
            LabRun           *run)
{
  const char *error = first_error (run);
  g_autofree char *cost = NULL;
  g_autofree char *note = NULL;
  const char *result;
  LabVerdict verdict;

  drain_events (self);
  mark_failed_bars (self, run, 0);
  timeline_now (self, run->mode, 0);

  if (run->mode == LAB_MODE_SEQUENTIAL && lab_run_is_ok (run))
    self->sequential_wall_us = run->wall_us;

  if (run->cancelled)
    verdict = LAB_VERDICT_CANCELLED;
  else if (run->verified)
    verdict = LAB_VERDICT_VERIFIED;
  else
    verdict = LAB_VERDICT_FAILED;

  /* The row's tooltip: the result, then what the run cost (lab-cost.h). */
  cost = lab_cost_dup_summary (&run->cost);
  result = run->verified ? run->result : run->verify_error;
  note = g_strdup_printf ("%s\n%s", result != NULL ? result : "", cost);
  show_mode_result (self, run->mode, (gint64[]) { run->wall_us }, run->wall_us, run->startup_us,
                    verdict, note,
                    g_strdup_printf (_("%s: %s %s"), lab_mode_get_title (run->mode),
                                     run->verify_error ? run->verify_error : "",
                                     error ? error : ""));
}

/* A mode went through the pipeline: its row gets the three stage times. */
static void
record_pipeline_run (LabRunController *self,
                     LabPipelineRun   *run)
{
  LabRun *first = run->stages[LAB_STAGE_DOWNLOAD];
  gint64 stages[LAB_N_STAGES] = { 0 };
  const char *error = NULL;
  LabVerdict verdict;

  drain_events (self);
  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    if (run->stages[stage] != NULL)
      {
        stages[stage] = run->stages[stage]->wall_us;
        mark_failed_bars (self, run->stages[stage], stage * first->n_records);
      }
  timeline_now (self, run->mode, 0);

  if (run->mode == LAB_MODE_SEQUENTIAL && run->ok)
    self->sequential_wall_us = run->wall_us;

  if (first->cancelled || (run->stages[LAB_N_STAGES - 1] && run->stages[LAB_N_STAGES - 1]->cancelled))
    verdict = LAB_VERDICT_CANCELLED;
  else
    verdict = run->ok ? LAB_VERDICT_VERIFIED : LAB_VERDICT_FAILED;

  for (LabStage stage = 0; stage < LAB_N_STAGES && error == NULL; stage++)
    error = first_error (run->stages[stage]);
  show_mode_result (self, run->mode, stages, run->wall_us, first->startup_us, verdict,
                    run->ok ? run->result : run->error,
                    g_strdup_printf (_("%s: %s"), lab_mode_get_title (run->mode),
                                     error ? error : (run->error ? run->error : "")));
}

static void
clear_worker_lanes (LabRunController *self)
{
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    g_array_set_size (self->worker_pids[m], 0);
}

static void
finish_batch (LabRunController *self)
{
  /* The window may go when the run is over, and take us with it. */
  g_autoptr(LabRunController) hold = g_object_ref (self);

  stop_draining (self);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_object (&self->frozen_lesson);
  self->in_lesson = FALSE;
  set_running (self, FALSE);
}

/* A mode is over: go on with the next, or stop.  @error is set when the
 * mode could not run at all; cancelling is no error to report. */
static void
after_mode (LabRunController *self,
            const GError     *error)
{
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, _("Cancelled."));
      else
        show_error (self, error->message);
      finish_batch (self);
    }
  else if (g_cancellable_is_cancelled (self->cancellable) || self->closing)
    finish_batch (self);
  else
    run_next_mode (self);
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(LabRunController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run_finish (NULL, result, &error);

  if (run != NULL)
    record_run (self, run);
  after_mode (self, error);
}

static void
pipeline_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LabRunController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPipelineRun) run = lab_pipeline_run_finish (result, &error);

  if (run != NULL)
    record_pipeline_run (self, run);
  after_mode (self, error);
}

static void
run_next_mode (LabRunController *self)
{
  if (self->pending_modes == NULL || self->pending_modes->len == 0)
    {
      if (self->n_job_modes > 1)
        {
          g_autofree char *status = g_strdup_printf (_("All modes finished in %.2f s."),
                                                     (g_get_monotonic_time () - self->batch_start_us) / 1e6);
          set_status (self, status);
        }
      finish_batch (self);
      return;
    }

  self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
  g_array_remove_index (self->pending_modes, 0);
  self->run_start_us = 0;
  self->mode_start_us = 0;
  self->stage = 0;
  self->stages_started = 0;
  memset (self->stage_us, 0, sizeof self->stage_us);
  clear_worker_lanes (self);

  timings_update (self, self->current_mode, NULL, 0, 0, TRUE, NAN, LAB_VERDICT_PENDING, NULL);

  if (self->pipeline != NULL)
    {
      lab_pipeline_run_async (self->pipeline, self->runner, self->current_mode, self->cancellable,
                              pipeline_done, g_object_ref (self));
      return;
    }

  lab_runner_run_async (self->runner, self->workload, self->current_mode, self->cancellable,
                        run_done, g_object_ref (self));
}

/* Seed 003's first tkinter version: the click handler does the whole job
 * itself and returns only when it is over.  Until then GTK can neither
 * draw nor answer a click — the window freezes, and the heartbeat misses
 * every beat, which is what the meter shows afterwards. */
static void
run_on_ui_thread (LabRunController *self)
{
  while (self->pending_modes->len > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabRun) run = NULL;

      self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
      g_array_remove_index (self->pending_modes, 0);
      self->stage = 0;
      self->stages_started = 0;
      clear_worker_lanes (self);

      if (self->pipeline != NULL)
        {
          g_autoptr(LabPipelineRun) pipeline_run = lab_pipeline_run (self->pipeline, self->runner,
                                                                     self->current_mode, NULL, &error);
          if (pipeline_run == NULL)
            {
              show_error (self, error->message);
              break;
            }
          record_pipeline_run (self, pipeline_run);
          continue;
        }

      run = lab_runner_run (self->runner, self->workload, self->current_mode, NULL, &error);
      if (run == NULL)
        {
          show_error (self, error->message);
          break;
        }
      record_run (self, run);
    }

  finish_batch (self);
}

/* ---- Lessons ------------------------------------------------------------ */

/* The steps' table and the verdict, or why there is none. */
static void
show_lesson_run (LabRunController *self,
                 LabLessonRun     *run,
                 const GError     *error)
{
  drain_events (self);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    timeline_now (self, m, 0);

  if (run == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, _("Cancelled."));
      else
        show_error (self, error->message);
    }
  else
    {
      g_signal_emit (self, signals[STEPS_CLEARED], 0);
      self->last_lesson_n_steps = run->n_steps;
      for (guint i = 0; i < run->n_steps; i++)
        {
          self->last_lesson_step_us[i] = run->steps[i].value_us;
          g_signal_emit (self, signals[STEP_ADDED], 0, i, &run->steps[i]);
        }
      g_signal_emit (self, signals[VERDICT], 0, run->verdict);
      set_status (self, run->ok ? _("The lesson is done; the verdict is in.")
                                : _("The lesson ran, but not every step verified."));
    }

  finish_batch (self);
}

static void
lesson_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LabRunController *self = source_object;
  GError *error = NULL;
  LabLessonRun *run = lab_lesson_run (task_data, self->runner, self->quick_lessons, cancellable,
                                      &error);

  if (run == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, run, (GDestroyNotify) lab_lesson_run_free);
}

static void
lesson_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  LabRunController *self = LAB_RUN_CONTROLLER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = g_task_propagate_pointer (G_TASK (result), &error);

  show_lesson_run (self, run, error);
}

/* The frozen-window lesson (lab-frozen-lesson.c) reports here. */
static void
frozen_status (const char *status,
               gpointer    user_data)
{
  set_status (user_data, status);
}

static void
frozen_step_added (guint                row,
                   const LabLessonStep *step,
                   gpointer             user_data)
{
  g_signal_emit (user_data, signals[STEP_ADDED], 0, row, step);
}

static void
frozen_done (LabLessonRun *run,
             const GError *error,
             gpointer      user_data)
{
  show_lesson_run (user_data, run, error);
}

static const LabFrozenLessonCallbacks frozen_callbacks = {
  frozen_status,
  frozen_step_added,
  frozen_done,
};

void
lab_run_controller_run_lesson (LabRunController *self,
                               const LabLesson  *lesson)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));
  g_return_if_fail (lesson != NULL);

  if (self->running)
    return;

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  g_signal_emit (self, signals[STEPS_CLEARED], 0);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    g_signal_emit (self, signals[TIMELINE_RESET], 0, (guint) m, (gint64) 0, FALSE, FALSE);
  g_signal_emit (self, signals[TIMINGS_RESET], 0, NULL);
  lab_heartbeat_reset_worst (self->heartbeat);
  clear_worker_lanes (self);

  self->last_lesson_n_steps = 0;
  self->in_lesson = TRUE;
  self->stages_started = 0;
  self->cancellable = g_cancellable_new ();
  set_running (self, TRUE);
  start_draining (self);
  set_status (self, _("Lesson running…"));

  if (g_str_equal (lesson->id, "frozen-window"))
    {
      g_clear_object (&self->frozen_lesson);
      self->frozen_lesson = lab_frozen_lesson_start (lesson, self->heartbeat, self->runner,
                                                     self->quick_lessons, self->cancellable,
                                                     &frozen_callbacks, G_OBJECT (self));
      return;
    }

  /* The lesson's steps run one after another on a thread of their own;
   * their events reach the timeline as any run's do. */
  task = g_task_new (self, self->cancellable, lesson_done, NULL);
  g_task_set_source_tag (task, lab_run_controller_run_lesson);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, (gpointer) lesson, NULL);
  g_task_run_in_thread (task, lesson_thread);
}

/* ---- Free experiments --------------------------------------------------- */

/* The job is ready (and its server, for the pipeline): set up the table and
 * the timelines, and go. */
static void
start_job (LabRunController *self,
           LabPlan          *plan)
{
  g_autoptr(GError) error = NULL;
  const char *stages[] = { NULL, NULL };

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);

  if (g_str_equal (plan->workload, "pipeline"))
    {
      if (use_server (self, plan, &error))
        self->pipeline = lab_pipeline_new (plan, &error);
      if (self->pipeline != NULL)
        self->workload = g_object_ref (lab_pipeline_get_stage (self->pipeline, LAB_STAGE_DOWNLOAD));
    }
  else
    self->workload = lab_workload_new (plan, &error);

  if (self->workload == NULL)
    {
      show_error (self, error->message);
      finish_batch (self);
      return;
    }

  self->pending_modes = g_array_copy (self->job_modes);
  self->n_job_modes = self->job_modes->len;

  if (self->pipeline != NULL)
    {
      const char *pipeline_stages[LAB_N_STAGES + 1] = { NULL };

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        pipeline_stages[stage] = lab_stage_get_title (stage);
      g_signal_emit (self, signals[TIMINGS_RESET], 0, pipeline_stages);
    }
  else
    {
      stages[0] = self->stage_title;
      g_signal_emit (self, signals[TIMINGS_RESET], 0, stages);
    }

  /* One timeline page per mode of this job; the others are hidden. */
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    {
      gboolean in_job = FALSE;

      for (guint i = 0; i < self->pending_modes->len; i++)
        in_job |= g_array_index (self->pending_modes, LabMode, i) == m;
      g_signal_emit (self, signals[TIMELINE_RESET], 0, (guint) m, (gint64) 0, in_job, FALSE);
    }
  self->sequential_wall_us = 0;
  self->batch_start_us = g_get_monotonic_time ();

  if (self->on_ui_thread)
    {
      run_on_ui_thread (self);
      return;
    }

  start_draining (self);
  set_status (self, _("Starting…"));
  run_next_mode (self);
}

/* The server the job waits for is ready: keep it, and start the job. */
static void
server_ready (LabServer              *server,
              const LabServerOptions *options,
              const GError           *error,
              gpointer                user_data)
{
  LabRunController *self = user_data;
  g_autoptr(LabPlan) plan = g_steal_pointer (&self->waiting_plan);

  if (server == NULL)
    {
      after_mode (self, error);
      return;
    }

  self->server = server;
  self->server_options = *options;
  start_job (self, plan);
}

/* Called off while the server is being made: the run ends now, and the
 * server, when it comes, is not wanted any more. */
static void
stop_waiting_for_server (LabRunController *self)
{
  if (self->waiting_plan == NULL)
    return;

  lab_server_preparer_forget (self->server_preparer);
  set_status (self, _("Cancelled."));
  finish_batch (self);
}

/* Runs @plan (taken over) in each of @modes, one after another; with
 * @on_ui_thread, inside this call, freezing the window as seed 003 does.
 * @stage_title names the timings' column of a one-stage job. */
void
lab_run_controller_run_job (LabRunController *self,
                            LabPlan          *plan,
                            const LabMode    *modes,
                            guint             n_modes,
                            const char       *stage_title,
                            guint             latency_ms,
                            gboolean          on_ui_thread)
{
  g_autoptr(LabPlan) owned_plan = plan;
  LabServerOptions options;

  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));
  g_return_if_fail (plan != NULL);
  g_return_if_fail (modes != NULL && n_modes > 0);

  if (self->running)
    return;

  g_clear_pointer (&self->job_modes, g_array_unref);
  self->job_modes = g_array_sized_new (FALSE, FALSE, sizeof (LabMode), n_modes);
  g_array_append_vals (self->job_modes, modes, n_modes);
  self->stage_title = stage_title;
  self->latency_ms = latency_ms;
  self->on_ui_thread = on_ui_thread;

  self->cancellable = g_cancellable_new ();
  /* The meter's worst covers everything the click starts, making the
   * server included. */
  lab_heartbeat_reset_worst (self->heartbeat);
  set_running (self, TRUE);

  if (!g_str_equal (plan->workload, "pipeline") || !needs_server (self, plan))
    {
      start_job (self, plan);
      return;
    }

  /* The server's files first, on a thread; the run starts when they are
   * ready. */
  server_options_for (self, plan, &options);
  self->waiting_plan = g_steal_pointer (&owned_plan);
  set_status (self, _("Preparing the built-in server’s files…"));
  lab_server_preparer_prepare (self->server_preparer, &options, g_steal_pointer (&self->server),
                               self->cancellable, server_ready, self);
}

void
lab_run_controller_cancel (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      set_status (self, _("Cancelling…"));
      stop_waiting_for_server (self);
    }
}

/* The window is asked to close.  Returns TRUE when a run must stop first:
 * it is cancelled, and "running" turns FALSE when it has (within a
 * fraction of a second); lab_run_controller_get_closing() says why. */
gboolean
lab_run_controller_close (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  /* Still making the server: nothing ran yet, nothing to wait for. */
  if (self->waiting_plan != NULL)
    {
      lab_server_preparer_forget (self->server_preparer);
      finish_batch (self);
    }

  if (!self->running)
    return FALSE;

  self->closing = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

/* The window is going without waiting: cancel whatever runs, and drop the
 * timers that would call back into it. */
void
lab_run_controller_stop (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  stop_draining (self);
  if (self->frozen_lesson != NULL)
    lab_frozen_lesson_stop (self->frozen_lesson);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->server_preparer != NULL)
    lab_server_preparer_forget (self->server_preparer);
}

/* Once per frame, from the window: the events of the run, if one is on. */
void
lab_run_controller_tick (LabRunController *self)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  if (self->draining)
    drain_events (self);
}

gboolean
lab_run_controller_get_running (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->running;
}

const char *
lab_run_controller_get_status (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return self->status;
}

gboolean
lab_run_controller_get_closing (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->closing;
}

gboolean
lab_run_controller_get_quick_lessons (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), FALSE);

  return self->quick_lessons;
}

void
lab_run_controller_set_quick_lessons (LabRunController *self,
                                      gboolean          quick_lessons)
{
  g_return_if_fail (LAB_IS_RUN_CONTROLLER (self));

  quick_lessons = !!quick_lessons;
  if (self->quick_lessons == quick_lessons)
    return;

  self->quick_lessons = quick_lessons;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUICK_LESSONS]);
}

/* The worst stall the meter measured in each step of the last frozen-window
 * lesson, or -1 where there is none. */
gint64
lab_run_controller_get_lesson_step_us (LabRunController *self,
                                       guint             step)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), -1);

  if (step >= self->last_lesson_n_steps)
    return -1;
  return self->last_lesson_step_us[step];
}

GArray *
lab_run_controller_dup_worker_pids (LabRunController *self)
{
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (self), NULL);

  return lab_runner_dup_worker_pids (self->runner);
}

static void
lab_run_controller_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;

    case PROP_QUICK_LESSONS:
      g_value_set_boolean (value, self->quick_lessons);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_controller_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_QUICK_LESSONS:
      lab_run_controller_set_quick_lessons (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_controller_dispose (GObject *object)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  lab_run_controller_stop (self);
  g_clear_object (&self->heartbeat);
  g_clear_object (&self->settings);
  g_clear_object (&self->workload);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_object (&self->frozen_lesson);
  g_clear_object (&self->server_preparer);

  G_OBJECT_CLASS (lab_run_controller_parent_class)->dispose (object);
}

static void
lab_run_controller_finalize (GObject *object)
{
  LabRunController *self = LAB_RUN_CONTROLLER (object);

  /* No run holds the runner any more (a run keeps the controller alive);
   * this ends the worker processes. */
  g_clear_pointer (&self->runner, lab_runner_free);
  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  g_clear_pointer (&self->server, lab_server_free);
  g_clear_pointer (&self->job_modes, g_array_unref);
  g_clear_pointer (&self->status, g_free);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    g_clear_pointer (&self->worker_pids[m], g_array_unref);

  /* The pipeline's files were only ever for the demonstration. */
  if (self->out_dir != NULL)
    lab_remove_folder (self->out_dir);
  g_clear_pointer (&self->out_dir, g_free);

  G_OBJECT_CLASS (lab_run_controller_parent_class)->finalize (object);
}

static void
lab_run_controller_class_init (LabRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_run_controller_dispose;
  object_class->finalize = lab_run_controller_finalize;
  object_class->get_property = lab_run_controller_get_property;
  object_class->set_property = lab_run_controller_set_property;

  /* TRUE from the start of a job or lesson until it is over, cancelled or
   * not. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* One sentence on what happens now, for the status line. */
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Lessons at the small size their tests use. */
  properties[PROP_QUICK_LESSONS] =
    g_param_spec_boolean ("quick-lessons", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A run could not start or go on: a sentence for a toast. */
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A mode's timeline starts again at start_us (0: empty), shown or
   * hidden, and brought to the front when select is TRUE. */
  signals[TIMELINE_RESET] =
    g_signal_new ("timeline-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  /* mode, lane, label */
  signals[LANE_LABEL] =
    g_signal_new ("lane-label", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INT, G_TYPE_STRING);
  /* mode, task, lane, start_us, name */
  signals[TASK_STARTED] =
    g_signal_new ("task-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT, G_TYPE_INT64, G_TYPE_STRING);
  /* mode, task, lane, start_us, end_us, bytes, ok, error */
  signals[TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 8, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT, G_TYPE_INT64,
                  G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_BOOLEAN, G_TYPE_STRING);
  /* mode, now_us (0: the mode's run is over) */
  signals[TIMELINE_NOW] =
    g_signal_new ("timeline-now", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_INT64);
  /* The timings start over with these stage columns (a NULL-terminated
   * array of strings, or NULL). */
  signals[TIMINGS_RESET] =
    g_signal_new ("timings-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* A mode's row: mode, stage times (gint64 array or NULL), total,
   * start-up, still running, speed-up, LabVerdict, note. */
  signals[TIMINGS_UPDATE] =
    g_signal_new ("timings-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 8, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_INT64, G_TYPE_INT64,
                  G_TYPE_BOOLEAN, G_TYPE_DOUBLE, G_TYPE_INT, G_TYPE_STRING);
  /* The lesson card's steps and verdict go. */
  signals[STEPS_CLEARED] =
    g_signal_new ("steps-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* row, a LabLessonStep */
  signals[STEP_ADDED] =
    g_signal_new ("step-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_POINTER);
  signals[VERDICT] =
    g_signal_new ("verdict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
lab_run_controller_init (LabRunController *self)
{
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    self->worker_pids[m] = g_array_new (FALSE, TRUE, sizeof (gint));

  self->server_preparer = lab_server_preparer_new ();
  self->events = lab_event_buffer_new ();
  self->runner = lab_runner_new ();
  lab_runner_set_events (self->runner, self->events);
}

/* A controller for runs whose stalls @heartbeat measures, saving where
 * @settings' "out-dir" says. */
LabRunController *
lab_run_controller_new (LabHeartbeat *heartbeat,
                        GSettings    *settings)
{
  LabRunController *self;

  g_return_val_if_fail (LAB_IS_HEARTBEAT (heartbeat), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LAB_TYPE_RUN_CONTROLLER, NULL);
  self->heartbeat = g_object_ref (heartbeat);
  self->settings = g_object_ref (settings);
  return self;
}
