/* lab-workload.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-workload"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lab-states.h"
#include "lab-workload.h"
#include "lab-workload-bank.h"
#include "lab-workload-cpu.h"
#include "lab-workload-download.h"
#include "lab-workload-fetch-hash.h"
#include "lab-workload-hash.h"
#include "lab-workload-pingpong.h"
#include "lab-workload-save.h"
#include "lab-workload-sleep.h"

typedef struct
{
  LabPlan        *plan;
  guint           n_tasks;
  LabEventBuffer *events;   /* the run's, while it goes on; NULL when nobody listens */
  LabMode         mode;
} LabWorkloadPrivate;

enum {
  PROP_0,
  PROP_PLAN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (LabWorkload, lab_workload, G_TYPE_OBJECT)

static const struct {
  const char *name;
  GType     (*get_type) (void);
} workloads[] = {
  { "sleep", lab_workload_sleep_get_type },
  { "cpu",   lab_workload_cpu_get_type },
  { "hash",  lab_workload_hash_get_type },
  { "download", lab_workload_download_get_type },
  { "fetch-hash", lab_workload_fetch_hash_get_type },
  { "save",  lab_workload_save_get_type },
  { "bank",  lab_workload_bank_get_type },
  { "pingpong", lab_workload_pingpong_get_type },
};

static void
lab_workload_real_run_task_async (LabWorkload         *self,
                                  LabTaskContext      *context,
                                  GBytes              *input,
                                  LabTaskRecord       *record,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  task = g_task_new (self, context->cancellable, callback, user_data);
  g_task_set_source_tag (task, lab_workload_real_run_task_async);

  if (g_task_return_error_if_cancelled (task))
    {
      record->end_us = g_get_monotonic_time ();
      return;
    }

  /* No way to wait here: the work runs right now, on the loop's only thread,
   * and nothing else on the loop moves until it is done. */
  if (LAB_WORKLOAD_GET_CLASS (self)->run_task (self, context, input, record, &error))
    {
      record->end_us = g_get_monotonic_time ();
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      record->end_us = g_get_monotonic_time ();
      g_task_return_error (task, error);
    }
}

static gboolean
lab_workload_real_run_task_finish (LabWorkload   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lab_workload_finalize (GObject *object)
{
  LabWorkload *self = LAB_WORKLOAD (object);
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_clear_pointer (&priv->plan, lab_plan_free);
  g_clear_pointer (&priv->events, lab_event_buffer_unref);

  G_OBJECT_CLASS (lab_workload_parent_class)->finalize (object);
}

static void
lab_workload_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LabWorkload *self = LAB_WORKLOAD (object);
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PLAN:
      priv->plan = lab_plan_copy (g_value_get_pointer (value));
      priv->n_tasks = priv->plan->tasks;
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_workload_class_init (LabWorkloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lab_workload_finalize;
  object_class->set_property = lab_workload_set_property;

  klass->run_task_async = lab_workload_real_run_task_async;
  klass->run_task_finish = lab_workload_real_run_task_finish;

  properties[PROP_PLAN] =
    g_param_spec_pointer ("plan", NULL, NULL,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lab_workload_init (LabWorkload *self)
{
}

const char * const *
lab_workload_list_names (void)
{
  static const char *names[G_N_ELEMENTS (workloads) + 1];

  if (names[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
      names[i] = workloads[i].name;

  return names;
}

/* Makes the workload @plan names and prepares its tasks. */
LabWorkload *
lab_workload_new (const LabPlan  *plan,
                  GError        **error)
{
  g_autoptr(LabWorkload) self = NULL;

  g_return_val_if_fail (plan != NULL, NULL);

  if (!lab_plan_validate (plan, error))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
    if (g_strcmp0 (plan->workload, workloads[i].name) == 0)
      self = g_object_new (workloads[i].get_type (), "plan", plan, NULL);

  if (self == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) lab_workload_list_names ());

      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Unknown workload “%s”; choose from %s."), plan->workload, known);
      return NULL;
    }

  if (!LAB_WORKLOAD_GET_CLASS (self)->prepare (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const LabPlan *
lab_workload_get_plan (LabWorkload *self)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_val_if_fail (LAB_IS_WORKLOAD (self), NULL);

  return priv->plan;
}

/* How many tasks the workload planned: usually the plan's --tasks, but
 * hashing a folder makes one task per file. */
guint
lab_workload_get_n_tasks (LabWorkload *self)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_val_if_fail (LAB_IS_WORKLOAD (self), 0);

  return priv->n_tasks;
}

void
lab_workload_set_n_tasks (LabWorkload *self,
                          guint        n_tasks)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_if_fail (LAB_IS_WORKLOAD (self));
  g_return_if_fail (n_tasks > 0);

  priv->n_tasks = n_tasks;
}

/* The save job chooses its file names once, in the app, looking at what is
 * already in the folder.  They go into the workload's own copy of the plan,
 * which is what worker processes receive: a worker must not look at the
 * folder again, where it would find the files of an earlier run. */
void
lab_workload_set_file_names (LabWorkload        *self,
                             const char * const *names)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_if_fail (LAB_IS_WORKLOAD (self));

  g_strfreev (priv->plan->file_names);
  priv->plan->file_names = g_strdupv ((char **) names);
}

/* Pingpong's queue between processes is a pipe the app makes for each run;
 * the worker processes learn which of the app's descriptors it is from the
 * plan they receive when the run starts. */
void
lab_workload_set_queue_fd (LabWorkload *self,
                           gint         fd)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_if_fail (LAB_IS_WORKLOAD (self));

  priv->plan->queue_fd = fd;
}

/* The runner says where a run's events go (NULL: nowhere), so that a
 * workload can report what its tasks do inside, e.g. each item through a
 * queue. */
void
lab_workload_set_events (LabWorkload    *self,
                         LabEventBuffer *events,
                         LabMode         mode)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);

  g_return_if_fail (LAB_IS_WORKLOAD (self));

  if (events != NULL)
    lab_event_buffer_ref (events);
  g_clear_pointer (&priv->events, lab_event_buffer_unref);
  priv->events = events;
  priv->mode = mode;
}

/* For workloads, from any thread of the app: one event of @kind about
 * @task at @time_us, if anybody listens. */
void
lab_workload_push_event (LabWorkload  *self,
                         LabEventKind  kind,
                         guint         task,
                         gint64        time_us)
{
  LabWorkloadPrivate *priv = lab_workload_get_instance_private (self);
  LabEvent event = { .kind = kind, .task = task, .lane = -1, .time_us = time_us };

  g_return_if_fail (LAB_IS_WORKLOAD (self));

  if (priv->events == NULL)
    return;
  event.mode = priv->mode;
  lab_event_buffer_push (priv->events, &event);
}

char *
lab_workload_dup_task_name (LabWorkload *self,
                            guint        index)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), NULL);

  if (LAB_WORKLOAD_GET_CLASS (self)->dup_task_name)
    return LAB_WORKLOAD_GET_CLASS (self)->dup_task_name (self, index);

  return g_strdup_printf (_("task %u"), index + 1);
}

gboolean
lab_workload_has_task_input (LabWorkload *self)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), FALSE);

  return LAB_WORKLOAD_GET_CLASS (self)->make_task_input != NULL;
}

GBytes *
lab_workload_make_task_input (LabWorkload  *self,
                              guint         index,
                              GError      **error)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), NULL);

  if (LAB_WORKLOAD_GET_CLASS (self)->make_task_input == NULL)
    return g_bytes_new (NULL, 0);

  return LAB_WORKLOAD_GET_CLASS (self)->make_task_input (self, index, error);
}

gpointer
lab_workload_worker_data_new (LabWorkload *self)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), NULL);

  if (LAB_WORKLOAD_GET_CLASS (self)->worker_data_new == NULL)
    return NULL;

  return LAB_WORKLOAD_GET_CLASS (self)->worker_data_new (self);
}

void
lab_workload_worker_data_free (LabWorkload *self,
                               gpointer     worker_data)
{
  g_return_if_fail (LAB_IS_WORKLOAD (self));

  if (worker_data != NULL && LAB_WORKLOAD_GET_CLASS (self)->worker_data_free != NULL)
    LAB_WORKLOAD_GET_CLASS (self)->worker_data_free (worker_data);
}

gboolean
lab_workload_run_task (LabWorkload     *self,
                       LabTaskContext  *context,
                       GBytes          *input,
                       LabTaskRecord   *record,
                       GError         **error)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), FALSE);
  g_return_val_if_fail (context != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (context->cancellable, error))
    return FALSE;

  return LAB_WORKLOAD_GET_CLASS (self)->run_task (self, context, input, record, error);
}

void
lab_workload_run_task_async (LabWorkload         *self,
                             LabTaskContext      *context,
                             GBytes              *input,
                             LabTaskRecord       *record,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (LAB_IS_WORKLOAD (self));
  g_return_if_fail (context != NULL);
  g_return_if_fail (record != NULL);

  LAB_WORKLOAD_GET_CLASS (self)->run_task_async (self, context, input, record, callback, user_data);
}

gboolean
lab_workload_run_task_finish (LabWorkload   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), FALSE);

  return LAB_WORKLOAD_GET_CLASS (self)->run_task_finish (self, result, error);
}

gboolean
lab_workload_begin_run (LabWorkload  *self,
                        LabMode       mode,
                        GError      **error)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), FALSE);

  if (LAB_WORKLOAD_GET_CLASS (self)->begin_run == NULL)
    return TRUE;
  return LAB_WORKLOAD_GET_CLASS (self)->begin_run (self, mode, error);
}

void
lab_workload_end_run (LabWorkload *self)
{
  g_return_if_fail (LAB_IS_WORKLOAD (self));

  if (LAB_WORKLOAD_GET_CLASS (self)->end_run != NULL)
    LAB_WORKLOAD_GET_CLASS (self)->end_run (self);
}

gboolean
lab_workload_verify (LabWorkload  *self,
                     LabRun       *run,
                     GError      **error)
{
  g_return_val_if_fail (LAB_IS_WORKLOAD (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  return LAB_WORKLOAD_GET_CLASS (self)->verify (self, run, error);
}

/* Sleeps for @duration_us unless @cancellable fires first: a blocking wait
 * that a Cancel button can still interrupt at once.  The wait is a span of
 * the task the thread runs: waiting for a timer. */
gboolean
lab_sleep_cancellable (gint64         duration_us,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + duration_us;
  GPollFD pollfd = { -1, G_IO_IN, 0 };
  gboolean can_poll;

  can_poll = g_cancellable_make_pollfd (cancellable, &pollfd);

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;

      if (left <= 0)
        break;

      if (can_poll)
        {
          /* poll() counts in whole milliseconds; sleep the last fraction. */
          if (left >= 1000)
            g_poll (&pollfd, 1, left / 1000);
          else
            g_usleep (left);
        }
      else
        g_usleep (left);
    }

  if (can_poll)
    g_cancellable_release_fd (cancellable);

  if (duration_us > 0)
    lab_span_record (LAB_STATE_IO, LAB_WAIT_TIMER, start, g_get_monotonic_time ());
  return !g_cancellable_is_cancelled (cancellable);
}

/* splitmix64: fast, deterministic bytes from a seed, so every mode and every
 * worker process sees exactly the same data. */
void
lab_fill_deterministic (guint8  *data,
                        gsize    len,
                        guint64  seed)
{
  guint64 state = seed;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 z = (state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

      z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
      z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
      z ^= z >> 31;
      memcpy (data + i, &z, 8);
    }

  for (; i < len; i++)
    data[i] = (guint8) (seed + i);
}
