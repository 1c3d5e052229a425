/* lab-timeline-model-states.c — where each bar's time went, and how many
 * cores the run kept busy, kept GTK-free for the timeline to draw
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine tells two kinds of things about a task.  Its explicit waits
 * (for the GIL, a lock, I/O, a copy to a worker) are spans with a start
 * and an end: they are drawn where they happened.  Its time on a CPU and
 * in the run queue are totals the kernel keeps, with no times attached:
 * nobody knows *when* in the task the thread computed.  So the rest of the
 * bar, the gaps between the waits, is one kind of piece, shared out in
 * proportion: the widget draws every gap with the same mix of computing,
 * waiting for a core and "other" (what neither the spans nor the kernel
 * explain), stacked across the bar's height so that no order in time is
 * suggested.  Other is never coloured as a state that was not measured.
 */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <string.h>

#include "lab-states.h"
#include "lab-timeline-model-private.h"

void
lab_timeline_states_free (LabTimelineStates *states)
{
  if (states == NULL)
    return;

  g_clear_pointer (&states->spans, g_array_unref);
  g_clear_pointer (&states->segments, g_array_unref);
  g_free (states);
}

static LabTimelineStates *
lab_timeline_bar_ensure_states (LabTimelineBar *bar)
{
  if (bar->states == NULL)
    {
      bar->states = g_new0 (LabTimelineStates, 1);
      bar->states->cpu_us = -1;
      bar->states->run_queue_us = -1;
    }
  return bar->states;
}

static int
compare_segments (gconstpointer a,
                  gconstpointer b)
{
  const LabTimelineSegment *x = a, *y = b;

  return (x->start_us > y->start_us) - (x->start_us < y->start_us);
}

static void
append_segment (GArray *segments,
                gint64  start_us,
                gint64  end_us,
                guint   state,
                guint   wait)
{
  LabTimelineSegment segment = { start_us, end_us, state, wait };

  if (end_us <= start_us)
    return;

  /* Neighbours in the same state are one piece. */
  if (segments->len > 0)
    {
      LabTimelineSegment *last = &g_array_index (segments, LabTimelineSegment, segments->len - 1);

      if (last->state == state && last->wait == wait && last->end_us == start_us)
        {
          last->end_us = end_us;
          return;
        }
    }
  g_array_append_val (segments, segment);
}

const guint lab_timeline_gap_states[LAB_TIMELINE_N_GAP_STATES] = {
  LAB_STATE_COMPUTE, LAB_STATE_RUNQUEUE, LAB_STATE_OTHER
};

/* Computes @bar's segments: its spans (cut to the bar, later ones cut
 * where an earlier one ends), then the gaps shared out. */
static void
lab_timeline_bar_compute_segments (LabTimelineBar *bar)
{
  LabTimelineStates *states = bar->states;
  gint64 start = bar->start_us, end = bar->end_us, at = start, gaps = 0;

  if (states->segments == NULL)
    states->segments = g_array_new (FALSE, FALSE, sizeof (LabTimelineSegment));
  g_array_set_size (states->segments, 0);

  /* The waits as they lie on the bar, never overlapping, and the gaps
   * between them. */
  if (states->spans != NULL)
    {
      g_array_sort (states->spans, compare_segments);
      for (guint i = 0; i < states->spans->len; i++)
        {
          LabTimelineSegment span = g_array_index (states->spans, LabTimelineSegment, i);

          span.start_us = CLAMP (span.start_us, at, end);
          span.end_us = CLAMP (span.end_us, span.start_us, end);
          if (span.end_us <= span.start_us)
            continue;
          gaps += span.start_us - at;
          append_segment (states->segments, at, span.start_us, LAB_TIMELINE_GAP, LAB_WAIT_NONE);
          append_segment (states->segments, span.start_us, span.end_us, span.state, span.wait);
          at = span.end_us;
        }
    }
  gaps += end - at;
  append_segment (states->segments, at, end, LAB_TIMELINE_GAP, LAB_WAIT_NONE);

  /* The kernel's totals, never more than the gaps can hold: the same rule
   * as lab_task_add_time_by_state ()'s; the rest is other. */
  memset (states->gap_shares, 0, sizeof states->gap_shares);
  if (states->cpu_us >= 0)
    states->gap_shares[0] = MIN (states->cpu_us, gaps);
  if (states->run_queue_us >= 0)
    states->gap_shares[1] = MIN (states->run_queue_us, gaps - states->gap_shares[0]);
  states->gap_shares[2] = gaps - states->gap_shares[0] - states->gap_shares[1];
}

/* Adds @bar's time to @by_state[LAB_N_STATES]: its waits, and its gaps as
 * their shares say. */
static void
lab_timeline_bar_add_time_by_state (const LabTimelineBar *bar,
                                    gint64               *by_state)
{
  const LabTimelineSegment *segments;
  guint n;

  segments = lab_timeline_bar_get_segments (bar, &n);
  if (segments == NULL)
    {
      by_state[LAB_STATE_OTHER] += bar->end_us - bar->start_us;
      return;
    }
  for (guint i = 0; i < n; i++)
    if (segments[i].state != LAB_TIMELINE_GAP)
      by_state[segments[i].state] += segments[i].end_us - segments[i].start_us;
  for (guint i = 0; i < LAB_TIMELINE_N_GAP_STATES; i++)
    by_state[lab_timeline_gap_states[i]] += bar->states->gap_shares[i];
}

/* @bar has finished, or what it said changed after: its segments are
 * brought up to date, and the states it spent time in join the model's. */
void
lab_timeline_model_states_finished (LabTimelineModel *self,
                                    LabTimelineBar   *bar)
{
  if (bar->running)
    return;

  if (bar->states == NULL)
    {
      if (bar->end_us > bar->start_us)
        self->states_present |= 1u << LAB_STATE_OTHER;
      return;
    }

  lab_timeline_bar_compute_segments (bar);
  {
    gint64 by_state[LAB_N_STATES] = { 0 };

    lab_timeline_bar_add_time_by_state (bar, by_state);
    for (guint state = 0; state < LAB_N_STATES; state++)
      if (by_state[state] > 0)
        self->states_present |= 1u << state;
  }
}

void
lab_timeline_model_states_reset (LabTimelineModel *self)
{
  self->states_present = 0;
  g_array_set_size (self->cores, 0);
}

/* A finished bar's picture changed after it was drawn (a span that came
 * late): its lane is drawn afresh. */
static void
lab_timeline_model_bar_redrawn (LabTimelineModel *self,
                                LabTimelineBar   *bar)
{
  LabTimelineLane *lane;

  lab_timeline_model_states_finished (self, bar);
  if (!bar->attached || bar->lane >= self->lanes->len)
    return;
  lane = lab_timeline_model_lane (self, bar->lane);
  lane->generation++;
  lane->serial++;
}

static LabTimelineBar *
lab_timeline_model_lookup_bar (LabTimelineModel *self,
                               guint             task)
{
  return g_hash_table_lookup (self->bars, GUINT_TO_POINTER (task));
}

/**
 * lab_timeline_model_add_task_span:
 * @state: a LabState: where @task waited
 * @wait: a LabWait: what it waited for, more precisely
 *
 * One explicit wait of @task, which must have started.  Spans come before
 * the task's finish, so a bar is drawn once, whole.
 *
 * Returns: whether a finished bar changed (a span came after its finish)
 */
gboolean
lab_timeline_model_add_task_span (LabTimelineModel *self,
                                  guint             task,
                                  guint             state,
                                  guint             wait,
                                  gint64            start_us,
                                  gint64            end_us)
{
  LabTimelineSegment span = {
    start_us - self->origin_us, MAX (end_us, start_us) - self->origin_us, state, wait
  };
  LabTimelineStates *states;
  LabTimelineBar *bar;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (state < LAB_N_STATES, FALSE);

  bar = lab_timeline_model_lookup_bar (self, task);
  if (bar == NULL)
    return FALSE;

  states = lab_timeline_bar_ensure_states (bar);
  if (states->spans == NULL)
    states->spans = g_array_new (FALSE, FALSE, sizeof (LabTimelineSegment));
  g_array_append_val (states->spans, span);

  if (bar->running)
    return FALSE;
  lab_timeline_model_bar_redrawn (self, bar);
  return TRUE;
}

/**
 * lab_timeline_model_set_task_times:
 * @cpu_us: @task's time on a CPU, -1 if not measured
 * @run_queue_us: its time waiting for a core, -1 if not measured
 *
 * Returns: whether a finished bar changed
 */
gboolean
lab_timeline_model_set_task_times (LabTimelineModel *self,
                                   guint             task,
                                   gint64            cpu_us,
                                   gint64            run_queue_us)
{
  LabTimelineStates *states;
  LabTimelineBar *bar;

  g_return_val_if_fail (self != NULL, FALSE);

  bar = lab_timeline_model_lookup_bar (self, task);
  if (bar == NULL)
    return FALSE;

  states = lab_timeline_bar_ensure_states (bar);
  if (states->cpu_us == cpu_us && states->run_queue_us == run_queue_us)
    return FALSE;
  states->cpu_us = cpu_us;
  states->run_queue_us = run_queue_us;

  if (bar->running)
    return FALSE;
  lab_timeline_model_bar_redrawn (self, bar);
  return TRUE;
}

/**
 * lab_timeline_bar_get_segments:
 * @n_segments: (out): how many
 *
 * Returns: the finished @bar's segments in time order, covering it from
 *   start to end; %NULL when nothing was said about it (all "other")
 */
const LabTimelineSegment *
lab_timeline_bar_get_segments (const LabTimelineBar *bar,
                               guint                *n_segments)
{
  g_return_val_if_fail (bar != NULL, NULL);

  if (bar->states == NULL || bar->states->segments == NULL || bar->running)
    {
      *n_segments = 0;
      return NULL;
    }
  *n_segments = bar->states->segments->len;
  return (const LabTimelineSegment *) (gconstpointer) bar->states->segments->data;
}

/* The state @bar spent most of its time in: the colour it gets when it is
 * too narrow for its segments. */
guint
lab_timeline_bar_get_main_state (const LabTimelineBar *bar)
{
  gint64 by_state[LAB_N_STATES] = { 0 };
  guint best = LAB_STATE_OTHER;

  lab_timeline_bar_add_time_by_state (bar, by_state);
  for (guint state = 0; state < LAB_N_STATES; state++)
    if (by_state[state] > by_state[best])
      best = state;
  return best;
}

/* 1 << LabState for every state a finished bar spent time in: what the
 * legend lists. */
guint
lab_timeline_model_get_states_present (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->states_present;
}

/* The finished bars' time, summed by state into @by_state[LAB_N_STATES]. */
void
lab_timeline_model_get_time_by_state (LabTimelineModel *self,
                                      gint64           *by_state)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (self != NULL);

  memset (by_state, 0, sizeof (gint64) * LAB_N_STATES);
  g_hash_table_iter_init (&iter, self->bars);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const LabTimelineBar *bar = value;

      if (!bar->running && bar->attached)
        lab_timeline_bar_add_time_by_state (bar, by_state);
    }
}

/* A sample of the cores-busy strip, at monotonic @time_us. */
void
lab_timeline_model_add_cores_sample (LabTimelineModel *self,
                                     gint64            time_us,
                                     double            cores)
{
  LabTimelineCoresSample sample = { time_us - self->origin_us, MAX (cores, 0) };
  guint i;

  g_return_if_fail (self != NULL);

  /* Samples of one run come in order; a pipeline's stages follow each
   * other.  Anything else is put in its place. */
  i = self->cores->len;
  while (i > 0 && g_array_index (self->cores, LabTimelineCoresSample, i - 1).time_us > sample.time_us)
    i--;
  g_array_insert_val (self->cores, i, sample);
}

/* The cores-busy samples in time order. */
const LabTimelineCoresSample *
lab_timeline_model_get_cores_samples (LabTimelineModel *self,
                                      guint            *n_samples)
{
  g_return_val_if_fail (self != NULL, NULL);

  *n_samples = self->cores->len;
  return (const LabTimelineCoresSample *) (gconstpointer) self->cores->data;
}
