/* lab-cores-sampler.c — how many of the machine's cores a run keeps busy
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Seed 004's "concurrent but not parallel", measured: every ~20 ms a
 * thread of its own reads the CPU time this process (all its threads) and
 * its worker processes have used so far, from the kernel's per-process CPU
 * clocks.  CPU time gained over wall time elapsed is the number of cores
 * busy meanwhile: about one for threads under the GIL or CPU work on an
 * event loop, all of them for C threads and processes, almost none for
 * waits.  Each sample is also pushed to the run's event buffer, so the
 * window draws the strip while the run goes on.
 */

#define G_LOG_DOMAIN "lab-cores-sampler"

#include "config.h"

#include "lab-cores-sampler.h"
#include "lab-run.h"
#include "lab-states.h"

struct _LabCoresSampler
{
  GThread  *thread;
  GMutex    mutex;
  GCond     stop_cond;
  gboolean  stop;
  GArray   *pids;       /* gint: 0 is this process */
  GArray   *last_cpu;   /* gint64 per pid; -1 when it could not be read */
  GArray   *samples;    /* LabCoresSample */
  LabEventBuffer *events; /* NULL when nobody listens */
  LabMode   mode;
};

/* CPU time gained since the last reading by the processes readable then
 * and now (a worker that died or was not there yet adds nothing). */
static gint64
cpu_gained (LabCoresSampler *self)
{
  gint64 gained = 0;

  for (guint i = 0; i < self->pids->len; i++)
    {
      gint64 *last = &g_array_index (self->last_cpu, gint64, i);
      gint64 now;

      if (!lab_cpu_sample_process (g_array_index (self->pids, gint, i), &now))
        now = -1;
      if (now >= 0 && *last >= 0)
        gained += MAX (0, now - *last);
      *last = now;
    }
  return gained;
}

static gpointer
sampler_thread (gpointer data)
{
  LabCoresSampler *self = data;
  gint64 last_us = g_get_monotonic_time ();

  cpu_gained (self);

  g_mutex_lock (&self->mutex);
  while (!self->stop)
    {
      gint64 now_us;

      g_cond_wait_until (&self->stop_cond, &self->mutex, last_us + LAB_CORES_SAMPLE_US);
      now_us = g_get_monotonic_time ();
      if (now_us - last_us >= LAB_CORES_SAMPLE_US / 2)
        {
          LabCoresSample sample = { now_us, (double) cpu_gained (self) / (now_us - last_us) };

          g_array_append_val (self->samples, sample);
          last_us = now_us;
          if (self->events != NULL)
            {
              LabEvent event = {
                .kind = LAB_EVENT_CORES_BUSY,
                .mode = self->mode,
                .lane = -1,
                .time_us = sample.time_us,
                .cores = sample.cores,
              };

              lab_event_buffer_push (self->events, &event);
            }
        }
    }
  g_mutex_unlock (&self->mutex);

  return NULL;
}

/* Starts sampling this process and the worker processes @pids; each
 * sample also goes to @events (if not NULL) as a CORES_BUSY event of
 * @mode. */
LabCoresSampler *
lab_cores_sampler_start (const gint     *pids,
                         guint           n_pids,
                         LabEventBuffer *events,
                         LabMode         mode)
{
  LabCoresSampler *self = g_new0 (LabCoresSampler, 1);
  gint self_pid = 0;
  gint64 unknown = -1;

  g_mutex_init (&self->mutex);
  g_cond_init (&self->stop_cond);
  self->pids = g_array_new (FALSE, FALSE, sizeof (gint));
  g_array_append_val (self->pids, self_pid);
  if (pids != NULL)
    g_array_append_vals (self->pids, pids, n_pids);
  self->last_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < self->pids->len; i++)
    g_array_append_val (self->last_cpu, unknown);
  self->samples = g_array_new (FALSE, FALSE, sizeof (LabCoresSample));
  self->events = events != NULL ? lab_event_buffer_ref (events) : NULL;
  self->mode = mode;
  self->thread = g_thread_new ("lab-cores", sampler_thread, self);

  return self;
}

/* Stops, and returns the samples (LabCoresSample) taken. */
GArray *
lab_cores_sampler_stop (LabCoresSampler *self)
{
  GArray *samples;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  self->stop = TRUE;
  g_cond_signal (&self->stop_cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (self->thread);

  samples = self->samples;
  g_array_unref (self->pids);
  g_array_unref (self->last_cpu);
  g_clear_pointer (&self->events, lab_event_buffer_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->stop_cond);
  g_free (self);

  return samples;
}
