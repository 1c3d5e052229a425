/* lab-thread-task.c — the one way the engine runs a blocking call on a thread
 * of its own and hands the result back on the caller's main context
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run, a pipeline or a lesson blocks until it is over; the window must
 * not.  Each gets a GTask on GLib's shared thread pool (the work itself runs
 * on the mode's own threads or processes, so the pool only waits).  A
 * cancelled run is still a result: its records say what got done, so the
 * task does not turn a cancel into an error by itself.
 */

#include "config.h"

#include "lab-thread-task.h"

typedef struct
{
  LabThreadFunc  func;
  gpointer       data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} ThreadTask;

static void
thread_task_free (gpointer data)
{
  ThreadTask *thread_task = data;

  if (thread_task->data_free != NULL)
    thread_task->data_free (thread_task->data);
  g_free (thread_task);
}

static void
thread_task_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ThreadTask *thread_task = task_data;
  GError *error = NULL;
  gpointer result = thread_task->func (thread_task->data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, thread_task->result_free);
}

/* Calls @func (@data, @cancellable, &error) on a thread; @callback then gets
 * the result on the caller's thread-default main context.  @source_tag
 * names the caller (its async function) for lab_thread_task_finish (). */
void
lab_thread_task_run (gpointer             source_tag,
                     LabThreadFunc        func,
                     gpointer             data,
                     GDestroyNotify       data_free,
                     GDestroyNotify       result_free,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ThreadTask *thread_task;

  g_return_if_fail (func != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  thread_task = g_new0 (ThreadTask, 1);
  thread_task->func = func;
  thread_task->data = data;
  thread_task->data_free = data_free;
  thread_task->result_free = result_free;
  g_task_set_task_data (task, thread_task, thread_task_free);
  g_task_run_in_thread (task, thread_task_thread);
}

gpointer
lab_thread_task_finish (GAsyncResult  *result,
                        gpointer       source_tag,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
