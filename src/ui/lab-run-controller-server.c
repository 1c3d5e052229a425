/* lab-run-controller-server.c — the built-in server and the folder a
 * pipeline job waits for
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pipeline downloads from a server of our own and saves into the
 * folder the teacher chose (or a temporary one of ours).  The server's
 * files are made on a thread (lab-server-preparer.c); the job starts when
 * they are ready, and a job called off meanwhile forgets them.
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-run-controller-private.h"

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

/* Whether @plan needs a server other than the one we have. */
gboolean
lab_run_controller_needs_server (LabRunController *self,
                                 const LabPlan    *plan)
{
  LabServerOptions options;

  server_options_for (self, plan, &options);
  return self->server == NULL || memcmp (&options, &self->server_options, sizeof options) != 0;
}

/* Points @plan at the server (ready by now) and at the output folder. */
gboolean
lab_run_controller_use_server (LabRunController  *self,
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

