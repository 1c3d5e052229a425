/* lab-run-controller-server.c — the built-in server a download job waits
 * for, and the folder the pipeline saves into
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The download jobs (the pipeline, and the plain download) fetch from a
 * server of our own; the pipeline then saves into the folder the teacher
 * chose (or a temporary one of ours).  The server's files are made on a
 * thread (lab-server-preparer.c); the job starts when they are ready, and
 * a job called off meanwhile forgets them.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-controller-private.h"

/* Whether @plan downloads from the built-in server: the window's download
 * jobs do, as they name no URL of their own. */
gboolean
lab_run_controller_plan_uses_server (const LabPlan *plan)
{
  return (g_str_equal (plan->workload, "pipeline") || g_str_equal (plan->workload, "download"))
         && plan->url == NULL && plan->url_list == NULL;
}

static gboolean
job_runs_distributed (LabRunController *self)
{
  for (guint i = 0; self->job_modes != NULL && i < self->job_modes->len; i++)
    if (g_array_index (self->job_modes, LabMode, i) == LAB_MODE_DISTRIBUTED)
      return TRUE;
  return FALSE;
}

/* A download job fetches from a server of our own, holding exactly the
 * files the job asks for; it is made again when those change, or when it
 * must listen elsewhere.
 *
 * It listens beyond loopback only when the teacher's switch says so AND
 * the job runs distributed: only then can a worker be on another
 * computer.  Every other mode's workers are threads, processes or one
 * event loop on this PC, so the server stays on 127.0.0.1 even with the
 * switch on, and nothing is exposed for nothing. */
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
  options->listen_beyond_loopback = job_runs_distributed (self)
                                    && g_settings_get_boolean (self->settings,
                                                               "serve-beyond-loopback");
}

/* Whether @plan needs a server other than the one we have. */
gboolean
lab_run_controller_needs_server (LabRunController *self,
                                 const LabPlan    *plan)
{
  LabServerOptions options;

  server_options_for (self, plan, &options);
  return self->server == NULL || memcmp (&options, &self->server_options, sizeof options) != 0;
}

/* Said whenever the server listens beyond loopback, in the very words
 * `bench --serve-beyond-loopback` prints (src/cli/lab-options.c), so there
 * is one sentence to translate: the teacher must know that the whole
 * network can now reach it, and for how long.  The terminal's sentence
 * ends with a newline; a toast's must not. */
static void
show_notice (LabRunController *self)
{
  g_autofree char *notice = NULL;

  if (!lab_server_get_listens_beyond_loopback (self->server))
    return;
  notice = g_strdup_printf (_("Notice: the built-in server is reachable by every machine on the "
                              "network at %s, serving only its generated files, until the run "
                              "ends.\n"),
                            lab_server_get_url (self->server));
  g_signal_emit (self, lab_run_controller_signals[SIGNAL_ERROR], 0, g_strchomp (notice));
}

/* Points @plan at the server (ready by now), and the pipeline at its
 * output folder. */
gboolean
lab_run_controller_use_server (LabRunController  *self,
                               LabPlan           *plan,
                               GError           **error)
{
  g_assert (self->server != NULL);

  g_free (plan->url);
  plan->url = g_strdup (lab_server_get_url (self->server));
  show_notice (self);
  if (!g_str_equal (plan->workload, "pipeline"))
    return TRUE;
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
      lab_run_controller_after_mode (self, error);
      return;
    }

  self->server = server;
  self->server_options = *options;
  lab_run_controller_start_job (self, plan);
}

/* @plan (taken over) waits for its server's files, made on a thread; the
 * job starts when they are ready. */
void
lab_run_controller_prepare_server (LabRunController *self,
                                   LabPlan          *plan)
{
  LabServerOptions options;

  server_options_for (self, plan, &options);
  self->waiting_plan = plan;
  lab_run_controller_set_status (self, _("Preparing the built-in server’s files…"));
  lab_server_preparer_prepare (self->server_preparer, &options, g_steal_pointer (&self->server),
                               self->cancellable, server_ready, self);
}

/* Called off while the server is being made: the run ends now, and the
 * server, when it comes, is not wanted any more. */
void
lab_run_controller_stop_waiting_for_server (LabRunController *self)
{
  if (self->waiting_plan == NULL)
    return;

  lab_server_preparer_forget (self->server_preparer);
  lab_run_controller_set_status (self, _("Cancelled."));
  lab_run_controller_finish_batch (self);
}

static void
free_server_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  lab_server_free (task_data);
  g_task_return_boolean (task, TRUE);
}

/* The run is over.  A server that listens beyond loopback goes with it,
 * as the notice promised ("until the run ends"); a loopback one stays for
 * the next run of the same files.  Stopping it joins its thread and frees
 * its files, so that happens on a thread too: the UI thread never waits. */
void
lab_run_controller_close_server_to_network (LabRunController *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->server == NULL || !lab_server_get_listens_beyond_loopback (self->server))
    return;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, g_steal_pointer (&self->server), NULL);
  g_task_run_in_thread (task, free_server_thread);
}
