/* lab-window.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window of seed 003's tkinter demo, grown up: Download runs the job
 * (on a thread of the engine, so the window stays alive), About always
 * answers, and while the job runs the timeline and the timings fill in.
 *
 * The engine's workers never touch a widget.  They push small events into
 * a buffer; the window drains it once per frame (a tick callback, plus a
 * timer for when the window is hidden and frames stop) — never one main
 * loop callback per event, which would starve the drawing.
 */

#define G_LOG_DOMAIN "lab-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include <glib/gstdio.h>

#include "lab-heartbeat.h"
#include "lab-lesson.h"
#include "lab-lesson-card.h"
#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-timeline.h"
#include "lab-workload-save.h"
#include "lab-timings.h"
#include "lab-window.h"

#define FALLBACK_DRAIN_MS 100

static const struct {
  const char *name;
  const char *title;
  const char *stage;   /* its column in the timings */
} jobs[] = {
  { "pipeline", N_("Download, save and hash"), NULL },
  { "sleep", N_("Wait (like a query or a download)"), N_("Wait") },
  { "cpu",   N_("Compute (sum of 1..N)"),             N_("Compute") },
  { "hash",  N_("Hash (MD5 or SHA-256)"),             N_("Hash") },
};

/* "compare" runs the four modes one after another on identical inputs. */
static const char * const mode_ids[] = { "compare", "sequential", "threads", "processes", "async" };

struct _LabWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwComboRow          *lesson_row;
  LabLessonCard        *lesson_card;
  GtkWidget            *size_group;
  GtkWidget            *timings_heading;
  GtkWidget            *download_button;
  GtkWidget            *cancel_button;
  AdwComboRow          *job_row;
  AdwComboRow          *mode_row;
  AdwComboRow          *algo_row;
  GtkSpinButton        *tasks_spin;
  GtkSpinButton        *workers_spin;
  GtkSpinButton        *task_ms_spin;
  GtkSpinButton        *size_spin;
  GtkSpinButton        *n_spin;
  GtkSpinButton        *latency_spin;
  GtkWidget            *latency_row;
  AdwActionRow         *out_dir_row;
  GtkFileChooserNative *out_dir_chooser;
  GtkWidget            *task_ms_row;
  GtkWidget            *size_row;
  GtkWidget            *n_row;
  GtkWidget            *gil_row;
  GtkWidget            *rules_group;
  GtkSwitch            *gil_switch;
  GtkSwitch            *ui_thread_switch;
  GtkStack             *timeline_stack;
  LabTimeline          *timelines[LAB_N_MODES];   /* one per mode, kept for review */
  GtkWidget            *timeline_pages[LAB_N_MODES];
  LabTimings           *timings;
  GtkLabel             *status_label;
  GtkLabel             *stall_label;

  GSettings            *settings;
  LabHeartbeat         *heartbeat;
  LabRunner            *runner;
  LabEventBuffer       *events;

  /* The built-in server and the folder the pipeline saves into */
  LabServer            *server;
  LabServerOptions      server_options;
  char                 *out_dir;

  /* The server is made on a thread; a result whose generation is no
   * longer current belongs to a run that was called off. */
  LabPlan              *waiting_plan;    /* the job that waits for the server */
  guint                 server_generation;

  /* The job in progress */
  GCancellable         *cancellable;
  LabWorkload          *workload;
  LabPipeline          *pipeline;        /* for the download → save → hash job */
  gboolean              in_lesson;       /* a seed lesson runs its own steps */
  guint                 stage;           /* which of the pipeline's stages runs */
  guint                 stages_started;
  gint64                mode_start_us;
  GArray               *pending_modes;
  LabMode               current_mode;
  gboolean              running;
  gboolean              close_when_done;
  gboolean              quick_lessons;   /* lessons at their small size, as in the tests */

  /* Worker processes announce themselves before the run's clock starts
   * (and the timeline's reset); their lanes wait here until then. */
  GArray               *worker_pids[LAB_N_MODES];

  /* The frozen-window lesson, run by the window itself */
  LabLessonRun         *lesson_run;
  LabWorkload          *lesson_workload;
  LabRun               *blocking_run;    /* step 1, until its stall is measured */
  guint                 lesson_timer_id;
  gint64                last_lesson_step_us[LAB_LESSON_MAX_STEPS];
  guint                 last_lesson_n_steps;
  gint64                batch_start_us;
  gint64                run_start_us;
  gint64                sequential_wall_us;
  gint64                stage_us[LAB_N_STAGES];
  guint                 done_tasks;
  guint                 total_tasks;
  guint                 failed_tasks;
  guint                 tick_id;
  guint                 fallback_id;
};

G_DEFINE_FINAL_TYPE (LabWindow, lab_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_QUICK_LESSONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void lab_window_run_next_mode (LabWindow *self);
static const LabLesson *selected_lesson (LabWindow *self);
static void lab_window_update_sensitivity (LabWindow *self);

static void
lab_window_set_status (LabWindow  *self,
                       const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (self->status_label), text) != 0)
    gtk_label_set_text (self->status_label, text);
}

/* Every run goes through here, start and end: the controls follow, and so
 * can anyone watching the "running" property (the tests do). */
static void
lab_window_set_running (LabWindow *self,
                        gboolean   running)
{
  if (self->running == running)
    return;

  self->running = running;
  lab_window_update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
lab_window_update_stall (LabWindow *self)
{
  gint64 current = lab_heartbeat_get_current_us (self->heartbeat);
  gint64 worst = lab_heartbeat_get_worst_us (self->heartbeat);
  g_autofree char *text = NULL;

  if (worst >= 500 * G_TIME_SPAN_MILLISECOND)
    text = g_strdup_printf (_("UI stall: %d ms — the window was frozen for %.2f s"),
                            (int) (current / 1000), worst / 1e6);
  else
    text = g_strdup_printf (_("UI stall: %d ms, worst %d ms"),
                            (int) (current / 1000), (int) (worst / 1000));

  if (g_strcmp0 (gtk_label_get_text (self->stall_label), text) != 0)
    gtk_label_set_text (self->stall_label, text);
}

static void
lab_window_update_sensitivity (LabWindow *self)
{
  guint job = adw_combo_row_get_selected (self->job_row);
  guint mode = adw_combo_row_get_selected (self->mode_row);
  const char *name = job < G_N_ELEMENTS (jobs) ? jobs[job].name : "sleep";

  gboolean pipeline = g_str_equal (name, "pipeline");

  gtk_widget_set_visible (self->task_ms_row, g_str_equal (name, "sleep"));
  gtk_widget_set_visible (self->size_row, g_str_equal (name, "hash") || pipeline);
  gtk_widget_set_visible (GTK_WIDGET (self->algo_row), g_str_equal (name, "hash") || pipeline);
  gtk_widget_set_visible (self->latency_row, pipeline);
  gtk_widget_set_visible (GTK_WIDGET (self->out_dir_row), pipeline);
  gtk_widget_set_visible (self->n_row, g_str_equal (name, "cpu"));
  /* The GIL is a property of Python threads. */
  gtk_widget_set_sensitive (self->gil_row, mode < G_N_ELEMENTS (mode_ids) &&
                            (g_str_equal (mode_ids[mode], "compare") ||
                             g_str_equal (mode_ids[mode], "threads")));

  /* A lesson sets up its own job and modes; and nothing changes under a
   * run, or its rows and steps would mix two setups under one title. */
  {
    gboolean free_experiment = selected_lesson (self) == NULL && !self->running;

    gtk_widget_set_sensitive (GTK_WIDGET (self->lesson_row), !self->running);
    gtk_widget_set_sensitive (GTK_WIDGET (self->job_row), free_experiment);
    gtk_widget_set_sensitive (GTK_WIDGET (self->mode_row), free_experiment);
    gtk_widget_set_sensitive (self->size_group, free_experiment);
    gtk_widget_set_sensitive (self->rules_group, free_experiment);
    gtk_widget_set_visible (self->timings_heading, selected_lesson (self) == NULL);
    gtk_widget_set_visible (GTK_WIDGET (self->timings), selected_lesson (self) == NULL);
  }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !self->running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", self->running);
  gtk_widget_set_visible (self->cancel_button, self->running);
}

/* The seed lesson chosen, or NULL for a free experiment. */
static const LabLesson *
selected_lesson (LabWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->lesson_row);
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  if (selected == 0 || selected > n)
    return NULL;
  return &lessons[selected - 1];
}

static void
lab_window_update_lesson (LabWindow *self)
{
  lab_lesson_card_set_lesson (self->lesson_card, selected_lesson (self));
}

static LabPlan *
lab_window_dup_plan (LabWindow *self)
{
  guint job = MIN (adw_combo_row_get_selected (self->job_row), G_N_ELEMENTS (jobs) - 1);
  LabPlan *plan = lab_plan_new (jobs[job].name);

  plan->tasks = gtk_spin_button_get_value_as_int (self->tasks_spin);
  plan->workers = gtk_spin_button_get_value_as_int (self->workers_spin);
  plan->task_ms = gtk_spin_button_get_value_as_int (self->task_ms_spin);
  plan->size = (guint64) gtk_spin_button_get_value_as_int (self->size_spin) * 1024;
  plan->n = (guint64) gtk_spin_button_get_value_as_int (self->n_spin) * 1000000;
  g_free (plan->algo);
  plan->algo = g_strdup (adw_combo_row_get_selected (self->algo_row) == 1 ? "sha256" : "md5");
  plan->gil = gtk_switch_get_active (self->gil_switch);

  return plan;
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

static double
speedup_of (LabWindow *self,
            gint64     wall_us)
{
  if (self->sequential_wall_us <= 0 || wall_us <= 0)
    return NAN;
  return (double) self->sequential_wall_us / wall_us;
}

static const char *
job_stage (LabWindow *self)
{
  const char *stage = jobs[MIN (adw_combo_row_get_selected (self->job_row), G_N_ELEMENTS (jobs) - 1)].stage;

  return stage ? _(stage) : NULL;
}

/* The pipeline downloads from a server of our own, holding exactly the
 * files the job asks for; it is made again when those change. */
static void
lab_window_server_options (LabWindow        *self,
                           const LabPlan    *plan,
                           LabServerOptions *options)
{
  lab_server_options_init (options);
  options->n_files = plan->tasks;
  options->file_size = plan->size;
  options->latency_ms = gtk_spin_button_get_value_as_int (self->latency_spin);
  options->seed = plan->seed;
}

static gboolean
lab_window_needs_server (LabWindow     *self,
                         const LabPlan *plan)
{
  LabServerOptions options;

  lab_window_server_options (self, plan, &options);
  return self->server == NULL || memcmp (&options, &self->server_options, sizeof options) != 0;
}

/* Points @plan at the server (ready by now) and at the output folder. */
static gboolean
lab_window_use_server (LabWindow  *self,
                       LabPlan    *plan,
                       GError    **error)
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
task_id (LabWindow *self,
         guint      task)
{
  if (self->pipeline == NULL || self->workload == NULL)
    return task;
  return self->stage * lab_workload_get_n_tasks (self->workload) + task;
}

static char *
task_name (LabWindow *self,
           guint      task)
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
lab_window_drain_events (LabWindow *self)
{
  g_autoptr(GArray) events = lab_event_buffer_drain (self->events);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < events->len; i++)
    {
      const LabEvent *event = &g_array_index (events, LabEvent, i);
      LabTimeline *timeline = self->timelines[event->mode];

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
              gtk_stack_page_set_visible (gtk_stack_get_page (self->timeline_stack,
                                                              self->timeline_pages[event->mode]), TRUE);
              self->mode_start_us = event->time_us;
              lab_timeline_reset (timeline, event->time_us);
              gtk_stack_set_visible_child (self->timeline_stack, self->timeline_pages[event->mode]);
              if (event->mode != LAB_MODE_PROCESSES && self->workload != NULL)
                {
                  guint lanes = event->mode == LAB_MODE_THREADS ? lab_workload_get_plan (self->workload)->workers : 1;

                  for (guint lane = 0; lane < lanes; lane++)
                    {
                      g_autofree char *label = lane_label (event->mode, lane, 0);
                      lab_timeline_set_lane_label (timeline, lane, label);
                    }
                }
            }
          /* Every process of the pool gets its lane, even one that will
           * find no task: an idle worker is part of the picture. */
          for (guint lane = 0; lane < self->worker_pids[event->mode]->len; lane++)
            {
              gint pid = g_array_index (self->worker_pids[event->mode], gint, lane);

              if (pid > 0)
                {
                  g_autofree char *label = lane_label (event->mode, lane, pid);
                  lab_timeline_set_lane_label (timeline, lane, label);
                }
            }
          g_array_set_size (self->worker_pids[event->mode], 0);
          break;

        case LAB_EVENT_WORKER_STARTED:
          {
            g_autofree char *label = lane_label (event->mode, event->lane, event->pid);

            /* Before the run's clock starts, the reset to come would wipe
             * the lane: keep it for then. */
            if (event->lane >= 0 && (guint) event->lane >= self->worker_pids[event->mode]->len)
              g_array_set_size (self->worker_pids[event->mode], event->lane + 1);
            if (event->lane >= 0)
              g_array_index (self->worker_pids[event->mode], gint, event->lane) = event->pid;
            lab_timeline_set_lane_label (timeline, event->lane, label);
          }
          break;

        case LAB_EVENT_WORKER_LOST:
          break;

        case LAB_EVENT_TASK_STARTED:
          {
            g_autofree char *name = task_name (self, event->task);

            if (event->mode == LAB_MODE_PROCESSES || self->workload == NULL)
              {
                g_autofree char *label = lane_label (event->mode, event->lane, event->pid);
                lab_timeline_set_lane_label (timeline, event->lane, label);
              }
            lab_timeline_task_started (timeline, task_id (self, event->task), event->lane,
                                       event->start_us, name);
          }
          break;

        case LAB_EVENT_TASK_FINISHED:
          /* A task cancelled before any worker took it never ran: no bar. */
          if (event->lane >= 0)
            lab_timeline_task_finished (timeline, task_id (self, event->task), event->lane,
                                        event->start_us, event->time_us, event->bytes, event->ok,
                                        NULL);
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
        lab_timeline_set_now (self->timelines[m], now);
      /* The frozen-window lesson says which of its steps runs instead. */
      if (self->lesson_run == NULL)
        lab_window_set_status (self, status);
    }
  else if (self->running)
    {
      g_autofree char *status = NULL;
      gint64 wall = self->run_start_us > 0 ? now - self->run_start_us : 0;
      gint64 total = self->mode_start_us > 0 ? now - self->mode_start_us : 0;
      gint64 stages[LAB_N_STAGES] = { 0 };

      lab_timeline_set_now (self->timelines[self->current_mode], now);
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
      lab_timings_update (self->timings, self->current_mode, lab_mode_get_title (self->current_mode),
                          stages, total, 0, TRUE, NAN, LAB_VERDICT_PENDING, NULL);
      lab_window_set_status (self, status);
    }
}

static gboolean
lab_window_tick (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  lab_window_drain_events (LAB_WINDOW (widget));
  return G_SOURCE_CONTINUE;
}

static gboolean
lab_window_fallback_drain (gpointer user_data)
{
  lab_window_drain_events (LAB_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
lab_window_start_draining (LabWindow *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), lab_window_tick, NULL, NULL);
  if (self->fallback_id == 0)
    {
      self->fallback_id = g_timeout_add (FALLBACK_DRAIN_MS, lab_window_fallback_drain, self);
      g_source_set_name_by_id (self->fallback_id, "[lab] drain events");
    }
}

static void
lab_window_stop_draining (LabWindow *self)
{
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->fallback_id, g_source_remove);
}

static void
lab_window_show_error (LabWindow  *self,
                       const char *message)
{
  lab_window_set_status (self, message);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* A mode is done: its row gets its final numbers. */
static void
lab_window_mark_failed_bars (LabWindow *self,
                             LabRun    *run,
                             guint      offset)
{
  /* The events carry no error text; give the failed bars their reasons. */
  for (guint i = 0; i < run->n_records; i++)
    if (run->records[i].error != NULL && run->records[i].lane >= 0)
      lab_timeline_task_finished (self->timelines[run->mode], offset + i, run->records[i].lane,
                                  run->records[i].start_us, run->records[i].end_us,
                                  run->records[i].bytes, FALSE, run->records[i].error);
}

static void
lab_window_record_run (LabWindow *self,
                       LabRun    *run)
{
  LabVerdict verdict;
  g_autofree char *status = NULL;

  lab_window_drain_events (self);
  lab_window_mark_failed_bars (self, run, 0);
  lab_timeline_set_now (self->timelines[run->mode], 0);

  if (run->mode == LAB_MODE_SEQUENTIAL && lab_run_is_ok (run))
    self->sequential_wall_us = run->wall_us;

  if (run->cancelled)
    verdict = LAB_VERDICT_CANCELLED;
  else if (run->verified)
    verdict = LAB_VERDICT_VERIFIED;
  else
    verdict = LAB_VERDICT_FAILED;

  lab_timings_update (self->timings, run->mode, lab_mode_get_title (run->mode),
                      (gint64[]) { run->wall_us }, run->wall_us, run->startup_us, FALSE,
                      speedup_of (self, run->wall_us), verdict,
                      run->verified ? run->result : run->verify_error);

  if (run->cancelled)
    status = g_strdup (_("Cancelled."));
  else if (!run->verified)
    {
      const char *first_error = NULL;

      for (guint i = 0; i < run->n_records && first_error == NULL; i++)
        first_error = run->records[i].error;
      status = g_strdup_printf (_("%s: %s %s"), lab_mode_get_title (run->mode),
                                run->verify_error ? run->verify_error : "",
                                first_error ? first_error : "");
    }
  else
    status = g_strdup_printf (_("%s finished in %.2f s."), lab_mode_get_title (run->mode),
                              run->wall_us / 1e6);
  lab_window_set_status (self, status);
}

/* A mode went through the pipeline: its row gets the three stage times. */
static void
lab_window_record_pipeline_run (LabWindow      *self,
                                LabPipelineRun *run)
{
  LabRun *first = run->stages[LAB_STAGE_DOWNLOAD];
  gint64 stages[LAB_N_STAGES] = { 0 };
  g_autofree char *status = NULL;
  LabVerdict verdict;

  lab_window_drain_events (self);
  for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
    if (run->stages[stage] != NULL)
      {
        stages[stage] = run->stages[stage]->wall_us;
        lab_window_mark_failed_bars (self, run->stages[stage], stage * first->n_records);
      }
  lab_timeline_set_now (self->timelines[run->mode], 0);

  if (run->mode == LAB_MODE_SEQUENTIAL && run->ok)
    self->sequential_wall_us = run->wall_us;

  if (first->cancelled || (run->stages[LAB_N_STAGES - 1] && run->stages[LAB_N_STAGES - 1]->cancelled))
    verdict = LAB_VERDICT_CANCELLED;
  else
    verdict = run->ok ? LAB_VERDICT_VERIFIED : LAB_VERDICT_FAILED;

  lab_timings_update (self->timings, run->mode, lab_mode_get_title (run->mode), stages,
                      run->wall_us, first->startup_us, FALSE, speedup_of (self, run->wall_us),
                      verdict, run->ok ? run->result : run->error);

  if (verdict == LAB_VERDICT_CANCELLED)
    status = g_strdup (_("Cancelled."));
  else if (!run->ok)
    {
      const char *first_error = NULL;

      for (LabStage stage = 0; stage < LAB_N_STAGES && first_error == NULL; stage++)
        for (guint i = 0; run->stages[stage] && i < run->stages[stage]->n_records && first_error == NULL; i++)
          first_error = run->stages[stage]->records[i].error;
      status = g_strdup_printf (_("%s: %s"), lab_mode_get_title (run->mode),
                                first_error ? first_error : (run->error ? run->error : ""));
    }
  else
    status = g_strdup_printf (_("%s finished in %.2f s."), lab_mode_get_title (run->mode),
                              run->wall_us / 1e6);
  lab_window_set_status (self, status);
}

static void
lab_window_clear_worker_lanes (LabWindow *self)
{
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    g_array_set_size (self->worker_pids[m], 0);
}

static void
lab_window_finish_batch (LabWindow *self)
{
  lab_window_stop_draining (self);
  g_clear_handle_id (&self->lesson_timer_id, g_source_remove);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_pointer (&self->lesson_run, lab_lesson_run_free);
  g_clear_pointer (&self->blocking_run, lab_run_free);
  g_clear_object (&self->lesson_workload);
  self->in_lesson = FALSE;
  lab_window_set_running (self, FALSE);

  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

/* A mode is over: go on with the next, or stop.  @error is set when the
 * mode could not run at all; cancelling is no error to report. */
static void
lab_window_after_mode (LabWindow    *self,
                       const GError *error)
{
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lab_window_set_status (self, _("Cancelled."));
      else
        lab_window_show_error (self, error->message);
      lab_window_finish_batch (self);
    }
  else if (g_cancellable_is_cancelled (self->cancellable) || self->close_when_done)
    lab_window_finish_batch (self);
  else
    lab_window_run_next_mode (self);
}

static void
lab_window_run_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LabWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run_finish (NULL, result, &error);

  if (run != NULL)
    lab_window_record_run (self, run);
  lab_window_after_mode (self, error);
}

static void
lab_window_pipeline_done (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(LabWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabPipelineRun) run = lab_pipeline_run_finish (result, &error);

  if (run != NULL)
    lab_window_record_pipeline_run (self, run);
  lab_window_after_mode (self, error);
}

static void
lab_window_run_next_mode (LabWindow *self)
{
  if (self->pending_modes == NULL || self->pending_modes->len == 0)
    {
      if (lab_timings_get_n_rows (self->timings) > 1)
        {
          g_autofree char *status = g_strdup_printf (_("All modes finished in %.2f s."),
                                                     (g_get_monotonic_time () - self->batch_start_us) / 1e6);
          lab_window_set_status (self, status);
        }
      lab_window_finish_batch (self);
      return;
    }

  self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
  g_array_remove_index (self->pending_modes, 0);
  self->run_start_us = 0;
  self->mode_start_us = 0;
  self->stage = 0;
  self->stages_started = 0;
  memset (self->stage_us, 0, sizeof self->stage_us);
  lab_window_clear_worker_lanes (self);

  lab_timings_update (self->timings, self->current_mode, lab_mode_get_title (self->current_mode),
                      NULL, 0, 0, TRUE, NAN, LAB_VERDICT_PENDING, NULL);

  if (self->pipeline != NULL)
    {
      lab_pipeline_run_async (self->pipeline, self->runner, self->current_mode, self->cancellable,
                              lab_window_pipeline_done, g_object_ref (self));
      return;
    }

  lab_runner_run_async (self->runner, self->workload, self->current_mode, self->cancellable,
                        lab_window_run_done, g_object_ref (self));
}

/* Seed 003's first tkinter version: the click handler does the whole job
 * itself and returns only when it is over.  Until then GTK can neither
 * draw nor answer a click — the window freezes, and the heartbeat misses
 * every beat, which is what the meter shows afterwards. */
static void
lab_window_run_on_ui_thread (LabWindow *self)
{
  while (self->pending_modes->len > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LabRun) run = NULL;

      self->current_mode = g_array_index (self->pending_modes, LabMode, 0);
      g_array_remove_index (self->pending_modes, 0);
      self->stage = 0;
      self->stages_started = 0;
      lab_window_clear_worker_lanes (self);

      if (self->pipeline != NULL)
        {
          g_autoptr(LabPipelineRun) pipeline_run = lab_pipeline_run (self->pipeline, self->runner,
                                                                     self->current_mode, NULL, &error);
          if (pipeline_run == NULL)
            {
              lab_window_show_error (self, error->message);
              break;
            }
          lab_window_record_pipeline_run (self, pipeline_run);
          continue;
        }

      run = lab_runner_run (self->runner, self->workload, self->current_mode, NULL, &error);
      if (run == NULL)
        {
          lab_window_show_error (self, error->message);
          break;
        }
      lab_window_record_run (self, run);
    }

  lab_window_finish_batch (self);
}

/* ---- Lessons ------------------------------------------------------------ */

/* The steps' table and the verdict, or why there is none. */
static void
lab_window_show_lesson_run (LabWindow    *self,
                            LabLessonRun *run,
                            const GError *error)
{
  lab_window_drain_events (self);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    lab_timeline_set_now (self->timelines[m], 0);

  if (run == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lab_window_set_status (self, _("Cancelled."));
      else
        lab_window_show_error (self, error->message);
    }
  else
    {
      lab_lesson_card_clear_steps (self->lesson_card);
      self->last_lesson_n_steps = run->n_steps;
      for (guint i = 0; i < run->n_steps; i++)
        {
          self->last_lesson_step_us[i] = run->steps[i].value_us;
          lab_lesson_card_add_step (self->lesson_card, i, &run->steps[i]);
        }
      lab_lesson_card_set_verdict (self->lesson_card, run->verdict);
      lab_window_set_status (self, run->ok ? _("The lesson is done; the verdict is in.")
                                           : _("The lesson ran, but not every step verified."));
    }

  lab_window_finish_batch (self);
}

static void
lesson_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LabWindow *self = source_object;
  GError *error = NULL;
  LabLessonRun *run = lab_lesson_run (task_data, self->runner, self->quick_lessons, cancellable,
                                      &error);

  if (run == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, run, (GDestroyNotify) lab_lesson_run_free);
}

static void
lab_window_lesson_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  LabWindow *self = LAB_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = g_task_propagate_pointer (G_TASK (result), &error);

  lab_window_show_lesson_run (self, run, error);
}

/* Seed 003's frozen window, in this very window.  Step 1 runs the job in
 * the handler itself, on the UI thread: the window freezes, exactly as the
 * seed's tkinter button does, and the heartbeat misses every beat.  Step 2
 * hands the same job to a worker thread and returns at once: the heartbeat
 * goes on.  The verdict compares the two stalls the meter measured. */

static void
lab_window_frozen_add_step (LabWindow  *self,
                            const char *label,
                            LabRun     *run,
                            gint64      stall_us)
{
  LabLessonStep *step;

  g_assert (self->lesson_run->n_steps < LAB_LESSON_MAX_STEPS);
  step = &self->lesson_run->steps[self->lesson_run->n_steps++];
  step->label = g_strdup (label);
  step->value_us = stall_us;   /* the stall, not the job's time: that is the lesson */
  if (!lab_run_is_ok (run))
    self->lesson_run->ok = FALSE;
}

static void
lab_window_frozen_end (LabWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LabLessonRun) run = g_steal_pointer (&self->lesson_run);

  if (run->n_steps == 2 && !g_cancellable_is_cancelled (self->cancellable))
    run->verdict = run->lesson->verdict (run);
  else
    g_clear_pointer (&run, lab_lesson_run_free);

  if (run == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
  lab_window_show_lesson_run (self, run, error);
}

static void
lab_window_frozen_step2_done (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(LabWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRun) run = lab_runner_run_finish (NULL, result, &error);

  if (run == NULL)
    {
      lab_window_show_lesson_run (self, NULL, error);
      return;
    }

  lab_window_frozen_add_step (self, _("Job on a worker thread: worst stall"), run,
                              lab_heartbeat_get_worst_us (self->heartbeat));
  lab_window_frozen_end (self);
}

static gboolean
lab_window_frozen_step2 (gpointer data)
{
  LabWindow *self = data;
  g_autoptr(LabRun) run = g_steal_pointer (&self->blocking_run);

  self->lesson_timer_id = 0;
  lab_window_frozen_add_step (self, _("Job in the click handler: worst stall"), run,
                              lab_heartbeat_get_worst_us (self->heartbeat));
  /* The class sees the freeze's length while step 2 runs. */
  lab_lesson_card_add_step (self->lesson_card, 0, &self->lesson_run->steps[0]);
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      lab_window_frozen_end (self);
      return G_SOURCE_REMOVE;
    }

  /* 2. On a worker thread: the handler returns at once, the window lives. */
  lab_heartbeat_reset_worst (self->heartbeat);
  lab_window_set_status (self, _("Step 2: the same job on a worker thread — the window stays alive."));
  lab_runner_run_async (self->runner, self->lesson_workload, LAB_MODE_SEQUENTIAL, self->cancellable,
                        lab_window_frozen_step2_done, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static gboolean
lab_window_frozen_step1 (gpointer data)
{
  LabWindow *self = data;
  g_autoptr(GError) error = NULL;

  self->lesson_timer_id = 0;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      lab_window_frozen_end (self);
      return G_SOURCE_REMOVE;
    }

  /* 1. Blocking: this handler waits for the job, and while it waits the
   * UI thread can neither draw nor answer — nor beat. */
  lab_heartbeat_reset_worst (self->heartbeat);
  self->blocking_run = lab_runner_run (self->runner, self->lesson_workload, LAB_MODE_SEQUENTIAL,
                                       self->cancellable, &error);
  if (self->blocking_run == NULL)
    {
      lab_window_show_lesson_run (self, NULL, error);
      return G_SOURCE_REMOVE;
    }

  /* The freeze is measured by the first beat after it, the one that comes
   * late.  It is overdue, so it runs before this later timer. */
  self->lesson_timer_id = g_timeout_add (2 * LAB_HEARTBEAT_INTERVAL_MS, lab_window_frozen_step2, self);
  g_source_set_name_by_id (self->lesson_timer_id, "[lab] frozen lesson, step 2");
  return G_SOURCE_REMOVE;
}

static void
lab_window_run_frozen_lesson (LabWindow       *self,
                              const LabLesson *lesson)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("sleep");
  g_autoptr(GError) error = NULL;

  /* The job of the lesson's terminal version: one task, 2 s (0.3 s small). */
  plan->tasks = 1;
  plan->task_ms = self->quick_lessons ? 300 : 2000;
  self->lesson_workload = lab_workload_new (plan, &error);
  if (self->lesson_workload == NULL)
    {
      lab_window_show_lesson_run (self, NULL, error);
      return;
    }

  self->lesson_run = g_new0 (LabLessonRun, 1);
  self->lesson_run->lesson = lesson;
  self->lesson_run->ok = TRUE;

  /* Give the window a moment to show what is about to happen: frozen, it
   * could not say so any more. */
  lab_window_set_status (self, _("Step 1: the job runs in the click handler — the window freezes."));
  self->lesson_timer_id = g_timeout_add (100, lab_window_frozen_step1, self);
  g_source_set_name_by_id (self->lesson_timer_id, "[lab] frozen lesson, step 1");
}

static void
lab_window_run_lesson (LabWindow       *self,
                       const LabLesson *lesson)
{
  g_autoptr(GTask) task = NULL;

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  lab_lesson_card_clear_steps (self->lesson_card);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    {
      lab_timeline_reset (self->timelines[m], 0);
      gtk_stack_page_set_visible (gtk_stack_get_page (self->timeline_stack, self->timeline_pages[m]),
                                  FALSE);
    }
  lab_timings_reset (self->timings, NULL);
  lab_heartbeat_reset_worst (self->heartbeat);
  lab_window_clear_worker_lanes (self);

  self->last_lesson_n_steps = 0;
  self->in_lesson = TRUE;
  self->stages_started = 0;
  self->cancellable = g_cancellable_new ();
  lab_window_set_running (self, TRUE);
  lab_window_start_draining (self);
  lab_window_set_status (self, _("Lesson running…"));

  if (g_str_equal (lesson->id, "frozen-window"))
    {
      lab_window_run_frozen_lesson (self, lesson);
      return;
    }

  /* The lesson's steps run one after another on a thread of their own;
   * their events reach the timeline as any run's do. */
  task = g_task_new (self, self->cancellable, lab_window_lesson_done, NULL);
  g_task_set_source_tag (task, lab_window_run_lesson);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, (gpointer) lesson, NULL);
  g_task_run_in_thread (task, lesson_thread);
}

/* ---- Free experiments --------------------------------------------------- */

/* The job is ready (and its server, for the pipeline): set up the table and
 * the timelines, and go. */
static void
lab_window_start_job (LabWindow *self,
                      LabPlan   *plan)
{
  g_autoptr(GError) error = NULL;
  guint mode = adw_combo_row_get_selected (self->mode_row);
  const char *stages[] = { NULL, NULL };

  g_clear_object (&self->workload);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);

  if (g_str_equal (plan->workload, "pipeline"))
    {
      if (lab_window_use_server (self, plan, &error))
        self->pipeline = lab_pipeline_new (plan, &error);
      if (self->pipeline != NULL)
        self->workload = g_object_ref (lab_pipeline_get_stage (self->pipeline, LAB_STAGE_DOWNLOAD));
    }
  else
    self->workload = lab_workload_new (plan, &error);

  if (self->workload == NULL)
    {
      lab_window_show_error (self, error->message);
      lab_window_finish_batch (self);
      return;
    }

  self->pending_modes = g_array_new (FALSE, FALSE, sizeof (LabMode));
  if (mode >= G_N_ELEMENTS (mode_ids) || g_str_equal (mode_ids[mode], "compare"))
    for (LabMode m = 0; m < LAB_N_MODES; m++)
      g_array_append_val (self->pending_modes, m);
  else
    {
      LabMode m;

      lab_mode_from_string (mode_ids[mode], &m);
      g_array_append_val (self->pending_modes, m);
    }

  if (self->pipeline != NULL)
    {
      const char *pipeline_stages[LAB_N_STAGES + 1] = { NULL };

      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        pipeline_stages[stage] = lab_stage_get_title (stage);
      lab_timings_reset (self->timings, pipeline_stages);
    }
  else
    {
      stages[0] = job_stage (self);
      lab_timings_reset (self->timings, stages);
    }

  /* One timeline page per mode of this job; the others are hidden. */
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    {
      gboolean in_job = FALSE;

      for (guint i = 0; i < self->pending_modes->len; i++)
        in_job |= g_array_index (self->pending_modes, LabMode, i) == m;
      lab_timeline_reset (self->timelines[m], 0);
      gtk_stack_page_set_visible (gtk_stack_get_page (self->timeline_stack,
                                                      self->timeline_pages[m]), in_job);
    }
  self->sequential_wall_us = 0;
  self->batch_start_us = g_get_monotonic_time ();

  if (gtk_switch_get_active (self->ui_thread_switch))
    {
      lab_window_run_on_ui_thread (self);
      return;
    }

  lab_window_start_draining (self);
  lab_window_set_status (self, _("Starting…"));
  lab_window_run_next_mode (self);
}

/* What the thread that makes the server needs: its own copy of the options,
 * and the old server, to free it there too (joining its thread, dropping
 * its files). */
typedef struct
{
  LabServerOptions  options;
  LabServer        *old_server;
} ServerJob;

static void
server_job_free (gpointer data)
{
  ServerJob *job = data;

  g_clear_pointer (&job->old_server, lab_server_free);
  g_free (job);
}

/* How the result finds its way back: a weak reference (the window may be
 * gone) and the generation it was asked for (the run may be off). */
typedef struct
{
  GWeakRef          window;
  guint             generation;
  LabServerOptions  options;
} ServerWait;

static void
server_wait_free (ServerWait *wait)
{
  g_weak_ref_clear (&wait->window);
  g_free (wait);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServerWait, server_wait_free)

static void
server_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ServerJob *job = task_data;
  GError *error = NULL;
  LabServer *server;

  g_clear_pointer (&job->old_server, lab_server_free);
  /* Every file made and digested: seconds for big sizes, none of them on
   * the UI thread. */
  server = lab_server_new (&job->options, &error);
  if (server == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, server, (GDestroyNotify) lab_server_free);
}

static void
lab_window_server_ready (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(ServerWait) wait = user_data;
  g_autoptr(LabWindow) self = g_weak_ref_get (&wait->window);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabServer) server = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(LabPlan) plan = NULL;

  /* A late answer for a run that was called off is dropped (and so is the
   * server, by the autoptr). */
  if (self == NULL || wait->generation != self->server_generation)
    return;

  plan = g_steal_pointer (&self->waiting_plan);
  if (server == NULL)
    {
      lab_window_after_mode (self, error);
      return;
    }

  self->server = g_steal_pointer (&server);
  self->server_options = wait->options;
  lab_window_start_job (self, plan);
}

/* Called off while the server is being made: the run ends now, and the
 * server, when it comes, is not wanted any more. */
static void
lab_window_stop_waiting_for_server (LabWindow *self)
{
  if (self->waiting_plan == NULL)
    return;

  self->server_generation++;
  lab_window_set_status (self, _("Cancelled."));
  lab_window_finish_batch (self);
}

static void
lab_window_run (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LabWindow *self = LAB_WINDOW (widget);
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(GTask) task = NULL;
  ServerJob *job;
  ServerWait *wait;

  if (self->running)
    return;

  if (selected_lesson (self) != NULL)
    {
      lab_window_run_lesson (self, selected_lesson (self));
      return;
    }

  plan = lab_window_dup_plan (self);
  self->cancellable = g_cancellable_new ();
  /* The meter's worst covers everything the click starts, making the
   * server included. */
  lab_heartbeat_reset_worst (self->heartbeat);
  lab_window_set_running (self, TRUE);

  if (!g_str_equal (plan->workload, "pipeline") || !lab_window_needs_server (self, plan))
    {
      lab_window_start_job (self, plan);
      return;
    }

  /* The server's files first, on a thread; the run starts when they are
   * ready. */
  job = g_new0 (ServerJob, 1);
  lab_window_server_options (self, plan, &job->options);
  job->old_server = g_steal_pointer (&self->server);
  wait = g_new0 (ServerWait, 1);
  g_weak_ref_init (&wait->window, self);
  wait->generation = ++self->server_generation;
  wait->options = job->options;
  self->waiting_plan = g_steal_pointer (&plan);
  lab_window_set_status (self, _("Preparing the built-in server’s files…"));

  task = g_task_new (NULL, self->cancellable, lab_window_server_ready, wait);
  g_task_set_source_tag (task, lab_window_run);
  g_task_set_task_data (task, job, server_job_free);
  g_task_run_in_thread (task, server_thread);
}

static void
lab_window_cancel (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LabWindow *self = LAB_WINDOW (widget);

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      lab_window_set_status (self, _("Cancelling…"));
      lab_window_stop_waiting_for_server (self);
    }
}

static void
lab_window_update_out_dir (LabWindow *self)
{
  g_autofree char *dir = g_settings_get_string (self->settings, "out-dir");

  if (*dir == '\0')
    adw_action_row_set_subtitle (self->out_dir_row, _("A temporary folder, removed when the window closes"));
  else
    {
      g_autofree char *shown = g_filename_display_name (dir);
      adw_action_row_set_subtitle (self->out_dir_row, shown);
    }
}

static void
out_dir_chosen_cb (GtkNativeDialog *dialog,
                   int              response,
                   LabWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        {
          g_settings_set_string (self->settings, "out-dir", path);
          adw_toast_overlay_add_toast (self->toast_overlay,
                                       adw_toast_new (_("Files will be saved into the chosen folder.")));
        }
      else
        lab_window_show_error (self, _("That folder has no local path; choose another one."));
    }

  g_clear_object (&self->out_dir_chooser);
}

/* Through the file-chooser portal in a Flatpak: the app needs no access
 * to the user's files beyond the folder picked here. */
static void
lab_window_choose_out_dir (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  LabWindow *self = LAB_WINDOW (widget);

  if (self->out_dir_chooser != NULL)
    return;

  self->out_dir_chooser = gtk_file_chooser_native_new (_("Save Into Folder"), GTK_WINDOW (self),
                                                       GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                       _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->out_dir_chooser), TRUE);
  g_signal_connect (self->out_dir_chooser, "response", G_CALLBACK (out_dir_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->out_dir_chooser));
}

static gboolean
lab_window_close_request (GtkWindow *window)
{
  LabWindow *self = LAB_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  /* Still making the server: nothing ran yet, nothing to wait for. */
  if (self->waiting_plan != NULL)
    {
      self->server_generation++;
      lab_window_finish_batch (self);
    }

  if (self->running)
    {
      /* Stop the run, then go: every mode stops within a fraction of a
       * second, and the window is gone from the screen meanwhile. */
      self->close_when_done = TRUE;
      g_cancellable_cancel (self->cancellable);
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }

  return GTK_WINDOW_CLASS (lab_window_parent_class)->close_request (window);
}

static gboolean
string_to_selected (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char * const *ids = user_data;
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_str_equal (ids[i], id))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
selected_to_string (const GValue       *value,
                    const GVariantType *type,
                    gpointer            user_data)
{
  const char * const *ids = user_data;
  guint selected = g_value_get_uint (value);

  for (guint i = 0; ids[i] != NULL; i++)
    if (i == selected)
      return g_variant_new_string (ids[i]);

  return NULL;
}

static void
lab_window_setup_controls (LabWindow *self)
{
  static const char *job_ids[G_N_ELEMENTS (jobs) + 1];
  static const char *mode_list[G_N_ELEMENTS (mode_ids) + 1];
  static const char *algo_ids[] = { "md5", "sha256", NULL };
  g_autoptr(GtkStringList) job_titles = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) mode_titles = gtk_string_list_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      job_ids[i] = jobs[i].name;
      gtk_string_list_append (job_titles, _(jobs[i].title));
    }
  for (guint i = 0; i < G_N_ELEMENTS (mode_ids); i++)
    mode_list[i] = mode_ids[i];

  gtk_string_list_append (mode_titles, _("Compare all"));
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    gtk_string_list_append (mode_titles, lab_mode_get_title (m));

  {
    g_autoptr(GtkStringList) lesson_titles = gtk_string_list_new (NULL);
    static const char *lesson_ids[16];
    guint n;
    const LabLesson *lessons = lab_lesson_get_all (&n);

    g_assert (n + 2 <= G_N_ELEMENTS (lesson_ids));
    lesson_ids[0] = "";
    gtk_string_list_append (lesson_titles, _("None — a free experiment"));
    for (guint i = 0; i < n; i++)
      {
        g_autofree char *title = g_strdup_printf (_("%s (seed %s)"), _(lessons[i].title), lessons[i].seed);

        lesson_ids[i + 1] = lessons[i].id;
        gtk_string_list_append (lesson_titles, title);
      }
    adw_combo_row_set_model (self->lesson_row, G_LIST_MODEL (lesson_titles));
    g_settings_bind_with_mapping (self->settings, "lesson", self->lesson_row, "selected",
                                  G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                  lesson_ids, NULL);
    g_signal_connect_swapped (self->lesson_row, "notify::selected",
                              G_CALLBACK (lab_window_update_lesson), self);
    g_signal_connect_swapped (self->lesson_row, "notify::selected",
                              G_CALLBACK (lab_window_update_sensitivity), self);
  }

  adw_combo_row_set_model (self->job_row, G_LIST_MODEL (job_titles));
  adw_combo_row_set_model (self->mode_row, G_LIST_MODEL (mode_titles));

  g_settings_bind_with_mapping (self->settings, "job", self->job_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                job_ids, NULL);
  g_settings_bind_with_mapping (self->settings, "mode", self->mode_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                mode_list, NULL);
  g_settings_bind_with_mapping (self->settings, "algo", self->algo_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                algo_ids, NULL);
  g_settings_bind (self->settings, "tasks", self->tasks_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "workers", self->workers_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "task-ms", self->task_ms_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "size-kib", self->size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "n-millions", self->n_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "latency-ms", self->latency_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "gil", self->gil_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* "Run on the UI thread" is deliberately not remembered: a window that
   * froze on the first Download of the next class would teach nothing. */

  g_signal_connect_swapped (self->job_row, "notify::selected",
                            G_CALLBACK (lab_window_update_sensitivity), self);
  g_signal_connect_swapped (self->mode_row, "notify::selected",
                            G_CALLBACK (lab_window_update_sensitivity), self);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* The meter counts from the moment the window is on the screen: building
 * it is no freeze anyone could see. */
static void
lab_window_map (GtkWidget *widget)
{
  LabWindow *self = LAB_WINDOW (widget);

  GTK_WIDGET_CLASS (lab_window_parent_class)->map (widget);
  lab_heartbeat_start (self->heartbeat);
}

static void
lab_window_unmap (GtkWidget *widget)
{
  LabWindow *self = LAB_WINDOW (widget);

  lab_heartbeat_stop (self->heartbeat);
  GTK_WIDGET_CLASS (lab_window_parent_class)->unmap (widget);
}

static void
lab_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  LabWindow *self = LAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_QUICK_LESSONS:
      g_value_set_boolean (value, self->quick_lessons);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  LabWindow *self = LAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_QUICK_LESSONS:
      if (self->quick_lessons != g_value_get_boolean (value))
        {
          self->quick_lessons = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_window_dispose (GObject *object)
{
  LabWindow *self = LAB_WINDOW (object);

  lab_window_stop_draining (self);
  g_clear_handle_id (&self->lesson_timer_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  self->server_generation++;

  if (self->out_dir_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->out_dir_chooser));
  g_clear_object (&self->out_dir_chooser);
  g_clear_object (&self->heartbeat);
  g_clear_object (&self->settings);
  g_clear_object (&self->workload);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pending_modes, g_array_unref);
  g_clear_pointer (&self->waiting_plan, lab_plan_free);
  g_clear_pointer (&self->lesson_run, lab_lesson_run_free);
  g_clear_pointer (&self->blocking_run, lab_run_free);
  g_clear_object (&self->lesson_workload);

  G_OBJECT_CLASS (lab_window_parent_class)->dispose (object);
}

static void
lab_window_finalize (GObject *object)
{
  LabWindow *self = LAB_WINDOW (object);

  /* No run holds the runner any more (a run keeps the window alive); this
   * ends the worker processes. */
  g_clear_pointer (&self->runner, lab_runner_free);
  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_clear_pointer (&self->pipeline, lab_pipeline_free);
  g_clear_pointer (&self->server, lab_server_free);
  for (LabMode m = 0; m < LAB_N_MODES; m++)
    g_clear_pointer (&self->worker_pids[m], g_array_unref);

  /* The pipeline's files were only ever for the demonstration. */
  if (self->out_dir != NULL)
    lab_remove_folder (self->out_dir);
  g_clear_pointer (&self->out_dir, g_free);

  G_OBJECT_CLASS (lab_window_parent_class)->finalize (object);
}

static void
lab_window_class_init (LabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lab_window_dispose;
  object_class->finalize = lab_window_finalize;
  object_class->get_property = lab_window_get_property;
  object_class->set_property = lab_window_set_property;
  widget_class->map = lab_window_map;
  widget_class->unmap = lab_window_unmap;
  window_class->close_request = lab_window_close_request;

  /* TRUE from Download (or a lesson's start) until the run is over,
   * cancelled or not: the state the buttons follow, and tests wait for. */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Lessons at the small size their tests use. */
  properties[PROP_QUICK_LESSONS] =
    g_param_spec_boolean ("quick-lessons", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LAB_TYPE_LESSON_CARD);
  g_type_ensure (LAB_TYPE_TIMELINE);
  g_type_ensure (LAB_TYPE_TIMINGS);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concurrencylab/ConcurrencyLab/lab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LabWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, lesson_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, lesson_card);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, size_group);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timings_heading);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, download_button);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, job_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, mode_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, algo_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, tasks_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, workers_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, task_ms_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, size_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, n_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, latency_spin);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, latency_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, out_dir_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, task_ms_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, size_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, n_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, gil_row);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, gil_switch);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, rules_group);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, ui_thread_switch);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timeline_stack);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, timings);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, stall_label);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, lab_window_run);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, lab_window_cancel);
  gtk_widget_class_install_action (widget_class, "win.choose-out-dir", NULL, lab_window_choose_out_dir);
}

static void
lab_window_init (LabWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (LabMode m = 0; m < LAB_N_MODES; m++)
    {
      GtkWidget *scroller = gtk_scrolled_window_new ();

      self->timelines[m] = LAB_TIMELINE (lab_timeline_new ());
      gtk_widget_set_vexpand (GTK_WIDGET (self->timelines[m]), TRUE);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->timelines[m]));
      gtk_stack_add_titled (self->timeline_stack, scroller, lab_mode_to_string (m),
                            lab_mode_get_title (m));
      self->timeline_pages[m] = scroller;
      gtk_stack_page_set_visible (gtk_stack_get_page (self->timeline_stack, scroller), FALSE);
    }

  for (LabMode m = 0; m < LAB_N_MODES; m++)
    self->worker_pids[m] = g_array_new (FALSE, TRUE, sizeof (gint));

  self->settings = g_settings_new (APP_ID);
  self->events = lab_event_buffer_new ();
  self->runner = lab_runner_new ();
  lab_runner_set_events (self->runner, self->events);

  self->heartbeat = lab_heartbeat_new ();
  g_signal_connect_object (self->heartbeat, "notify::current-us",
                           G_CALLBACK (lab_window_update_stall), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->heartbeat, "notify::worst-us",
                           G_CALLBACK (lab_window_update_stall), self, G_CONNECT_SWAPPED);

  lab_window_setup_controls (self);
  g_signal_connect_object (self->settings, "changed::out-dir",
                           G_CALLBACK (lab_window_update_out_dir), self, G_CONNECT_SWAPPED);
  lab_window_update_out_dir (self);
  lab_window_update_lesson (self);
  lab_window_update_sensitivity (self);
  lab_window_update_stall (self);
  lab_window_set_status (self, _("Choose a job and press Download."));
}

LabWindow *
lab_window_new (LabApplication *application)
{
  return g_object_new (LAB_TYPE_WINDOW, "application", application, NULL);
}

gboolean
lab_window_get_running (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), FALSE);

  return self->running;
}

const char *
lab_window_get_status (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return gtk_label_get_text (self->status_label);
}

const char *
lab_window_get_verdict (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_lesson_card_get_verdict (self->lesson_card);
}

gint64
lab_window_get_worst_stall_us (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), 0);

  return lab_heartbeat_get_worst_us (self->heartbeat);
}

LabTimings *
lab_window_get_timings (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->timings;
}

/* The timeline of @mode's runs. */
LabTimeline *
lab_window_get_timeline (LabWindow *self,
                         LabMode    mode)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);
  g_return_val_if_fail (mode < LAB_N_MODES, NULL);

  return self->timelines[mode];
}

/* The worst stall the meter measured in each step of the last frozen-window
 * lesson, or -1 where there is none. */
gint64
lab_window_get_lesson_step_us (LabWindow *self,
                               guint      step)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), -1);

  if (step >= self->last_lesson_n_steps)
    return -1;
  return self->last_lesson_step_us[step];
}

GArray *
lab_window_dup_worker_pids (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return lab_runner_dup_worker_pids (self->runner);
}
