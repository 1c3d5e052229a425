/* lab-server-preparer.c — the built-in server, made on a thread
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Making the pipeline's server writes and digests every file: seconds for
 * big sizes, so it happens on a thread, never on the UI thread.  The
 * server comes back to the UI thread with a generation guard: an answer
 * for a request that was forgotten since (the run was called off) is
 * dropped, server and all.
 */

#define G_LOG_DOMAIN "lab-server-preparer"

#include "config.h"

#include "lab-server-preparer.h"

struct _LabServerPreparer
{
  GObject             parent_instance;

  /* Bumped by every request and every forget: only the answer carrying
   * the current number is handed on. */
  guint               generation;
  LabServerReadyFunc  ready;
  gpointer            ready_data;
};

G_DEFINE_FINAL_TYPE (LabServerPreparer, lab_server_preparer, G_TYPE_OBJECT)

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

/* How the result finds its way back: a weak reference (the preparer, and
 * its owner with it, may be gone) and the generation it was asked for (the
 * run may be off). */
typedef struct
{
  GWeakRef          preparer;
  guint             generation;
  LabServerOptions  options;
} ServerWait;

static void
server_wait_free (ServerWait *wait)
{
  g_weak_ref_clear (&wait->preparer);
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
server_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ServerWait) wait = user_data;
  g_autoptr(LabServerPreparer) self = g_weak_ref_get (&wait->preparer);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabServer) server = g_task_propagate_pointer (G_TASK (result), &error);

  /* A late answer for a run that was called off is dropped (and so is the
   * server, by the autoptr). */
  if (self == NULL || wait->generation != self->generation)
    return;

  self->ready (g_steal_pointer (&server), &wait->options, error, self->ready_data);
}

/* Makes a server for @options on a thread, freeing @old_server (taken
 * over, or NULL) there too; @ready gets it on this thread, unless
 * lab_server_preparer_forget() or another request came first. */
void
lab_server_preparer_prepare (LabServerPreparer      *self,
                             const LabServerOptions *options,
                             LabServer              *old_server,
                             GCancellable           *cancellable,
                             LabServerReadyFunc      ready,
                             gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ServerJob *job;
  ServerWait *wait;

  g_return_if_fail (LAB_IS_SERVER_PREPARER (self));
  g_return_if_fail (options != NULL);
  g_return_if_fail (ready != NULL);

  self->ready = ready;
  self->ready_data = user_data;

  job = g_new0 (ServerJob, 1);
  job->options = *options;
  job->old_server = old_server;
  wait = g_new0 (ServerWait, 1);
  g_weak_ref_init (&wait->preparer, self);
  wait->generation = ++self->generation;
  wait->options = *options;

  task = g_task_new (NULL, cancellable, server_ready, wait);
  g_task_set_source_tag (task, lab_server_preparer_prepare);
  g_task_set_task_data (task, job, server_job_free);
  g_task_run_in_thread (task, server_thread);
}

/* The server on its way is not wanted any more: when it comes, it is
 * freed, and nobody is told. */
void
lab_server_preparer_forget (LabServerPreparer *self)
{
  g_return_if_fail (LAB_IS_SERVER_PREPARER (self));

  self->generation++;
}

static void
lab_server_preparer_class_init (LabServerPreparerClass *klass)
{
}

static void
lab_server_preparer_init (LabServerPreparer *self)
{
}

LabServerPreparer *
lab_server_preparer_new (void)
{
  return g_object_new (LAB_TYPE_SERVER_PREPARER, NULL);
}
