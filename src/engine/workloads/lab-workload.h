/* lab-workload.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-event-buffer.h"
#include "lab-gil.h"
#include "lab-plan.h"
#include "lab-run.h"

G_BEGIN_DECLS

/* What a task may use while it runs.  The mode fills it in. */
typedef struct
{
  GCancellable *cancellable;
  LabGil       *gil;          /* NULL unless threads mode emulates Python's GIL */
  gpointer      worker_data;  /* from LabWorkloadClass.worker_data_new, one per worker */
} LabTaskContext;

#define LAB_TYPE_WORKLOAD (lab_workload_get_type ())

G_DECLARE_DERIVABLE_TYPE (LabWorkload, lab_workload, LAB, WORKLOAD, GObject)

/* A workload says how to make N tasks, how to run one, and how to verify the
 * results.  It is read-only once prepared, so any number of workers may run
 * its tasks at once.  Worker processes rebuild it from the same plan. */
struct _LabWorkloadClass
{
  GObjectClass parent_class;

  /* Check the plan and plan the tasks; cheap, runs in every worker process. */
  gboolean  (*prepare)          (LabWorkload     *self,
                                 GError         **error);
  char     *(*dup_task_name)    (LabWorkload     *self,
                                 guint            index);
  /* Optional: the data a task works on.  Made before the clock starts;
   * threads share it, worker processes get a copy through their pipe. */
  GBytes   *(*make_task_input)  (LabWorkload     *self,
                                 guint            index,
                                 GError         **error);
  /* Optional: state each worker keeps for all its tasks. */
  gpointer  (*worker_data_new)  (LabWorkload     *self);
  void      (*worker_data_free) (gpointer         worker_data);
  /* Run one task to the end; set record->value and record->bytes. */
  gboolean  (*run_task)         (LabWorkload     *self,
                                 LabTaskContext  *context,
                                 GBytes          *input,
                                 LabTaskRecord   *record,
                                 GError         **error);
  /* Optional: the same on an event loop.  By default the task runs inline,
   * blocking the loop while it computes, as CPU work does in asyncio. */
  void      (*run_task_async)   (LabWorkload         *self,
                                 LabTaskContext      *context,
                                 GBytes              *input,
                                 LabTaskRecord       *record,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
  gboolean  (*run_task_finish)  (LabWorkload     *self,
                                 GAsyncResult    *result,
                                 GError         **error);
  /* Optional, in the app's process: set up and tear down what all tasks of
   * one run share (the bank account). */
  gboolean  (*begin_run)        (LabWorkload     *self,
                                 LabMode          mode,
                                 GError         **error);
  void      (*end_run)          (LabWorkload     *self);
  /* Check the records and set run->result. */
  gboolean  (*verify)           (LabWorkload     *self,
                                 LabRun          *run,
                                 GError         **error);
};

const char * const *lab_workload_list_names   (void);
LabWorkload        *lab_workload_new          (const LabPlan   *plan,
                                               GError         **error);
const LabPlan      *lab_workload_get_plan     (LabWorkload     *self);
guint               lab_workload_get_n_tasks  (LabWorkload     *self);
char               *lab_workload_dup_task_name (LabWorkload    *self,
                                               guint            index);
GBytes             *lab_workload_make_task_input (LabWorkload  *self,
                                               guint            index,
                                               GError         **error);
gboolean            lab_workload_has_task_input (LabWorkload   *self);
gpointer            lab_workload_worker_data_new  (LabWorkload *self);
void                lab_workload_worker_data_free (LabWorkload *self,
                                               gpointer         worker_data);
gboolean            lab_workload_run_task     (LabWorkload     *self,
                                               LabTaskContext  *context,
                                               GBytes          *input,
                                               LabTaskRecord   *record,
                                               GError         **error);
void                lab_workload_run_task_async (LabWorkload       *self,
                                               LabTaskContext      *context,
                                               GBytes              *input,
                                               LabTaskRecord       *record,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean            lab_workload_run_task_finish (LabWorkload  *self,
                                               GAsyncResult    *result,
                                               GError         **error);
gboolean            lab_workload_begin_run    (LabWorkload     *self,
                                               LabMode          mode,
                                               GError         **error);
void                lab_workload_end_run      (LabWorkload     *self);
gboolean            lab_workload_verify       (LabWorkload     *self,
                                               LabRun          *run,
                                               GError         **error);

/* For workloads. */
void                lab_workload_set_n_tasks  (LabWorkload     *self,
                                               guint            n_tasks);
void                lab_workload_set_file_names (LabWorkload   *self,
                                               const char * const *names);
void                lab_workload_set_queue_fd (LabWorkload     *self,
                                               gint             fd);
void                lab_workload_set_events   (LabWorkload     *self,
                                               LabEventBuffer  *events,
                                               LabMode          mode);
void                lab_workload_push_event   (LabWorkload     *self,
                                               LabEventKind     kind,
                                               guint            task,
                                               gint64           time_us);
gboolean            lab_sleep_cancellable     (gint64          duration_us,
                                               GCancellable   *cancellable,
                                               GError        **error);
void                lab_fill_deterministic    (guint8         *data,
                                               gsize           len,
                                               guint64         seed);

G_END_DECLS
