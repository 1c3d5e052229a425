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

  g_clear_pointer (&states->segments, g_array_unref);
  g_free (states);
}

/* @bar's states, with room for @more spans. */
static LabTimelineStates *
lab_timeline_bar_ensure_states (LabTimelineBar *bar,
                                guint           more)
{
  LabTimelineStates *states = bar->states;

  if (states == NULL)
    {
      states = g_malloc0 (sizeof (LabTimelineStates) + more * sizeof (LabTimelineSegment));
      states->cpu_us = -1;
      states->run_queue_us = -1;
      states->spans_size = more;
    }
  else if (states->n_spans + more > states->spans_size)
    {
      states->spans_size = MAX (states->n_spans + more, 2 * states->spans_size);
      states = g_realloc (states, sizeof (LabTimelineStates)
                                  + states->spans_size * sizeof (LabTimelineSegment));
    }
  bar->states = states;
  return states;
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

/* Walks the finished @bar's waits (sorted) as they lie on it: cut to the
 * bar, a later one cut where an earlier one ends.  Each wait goes to
 * @by_state (if not NULL), and with the gaps between them to @segments
 * (if not NULL).  Returns the gaps' total. */
static gint64
lab_timeline_bar_walk (const LabTimelineBar *bar,
                       gint64               *by_state,
                       GArray               *segments)
{
  const LabTimelineStates *states = bar->states;
  gint64 start = bar->start_us, end = bar->end_us, at = start, gaps = 0;

  for (guint i = 0; i < states->n_spans; i++)
    {
      LabTimelineSegment span = states->spans[i];

      span.start_us = CLAMP (span.start_us, at, end);
      span.end_us = CLAMP (span.end_us, span.start_us, end);
      if (span.end_us <= span.start_us)
        continue;
      gaps += span.start_us - at;
      if (by_state != NULL)
        by_state[span.state] += span.end_us - span.start_us;
      if (segments != NULL)
        {
          append_segment (segments, at, span.start_us, LAB_TIMELINE_GAP, LAB_WAIT_NONE);
          append_segment (segments, span.start_us, span.end_us, span.state, span.wait);
        }
      at = span.end_us;
    }
  gaps += end - at;
  if (segments != NULL)
    append_segment (segments, at, end, LAB_TIMELINE_GAP, LAB_WAIT_NONE);
  return gaps;
}

/* Sorts @bar's waits and shares its gaps out: the kernel's totals, never
 * more than the gaps can hold (the same rule as lab_task_add_time_by_state
 * ()'s); the rest is other.  The pieces are made later, if ever needed. */
static void
lab_timeline_bar_share_gaps (LabTimelineBar *bar)
{
  LabTimelineStates *states = bar->states;
  gint64 gaps;

  qsort (states->spans, states->n_spans, sizeof (LabTimelineSegment), compare_segments);
  g_clear_pointer (&states->segments, g_array_unref);

  gaps = lab_timeline_bar_walk (bar, NULL, NULL);
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
  if (bar->states == NULL || bar->running)
    {
      by_state[LAB_STATE_OTHER] += bar->end_us - bar->start_us;
      return;
    }
  lab_timeline_bar_walk (bar, by_state, NULL);
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

  lab_timeline_bar_share_gaps (bar);
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

  states = lab_timeline_bar_ensure_states (bar, 1);
  states->spans[states->n_spans++] = span;

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

  states = lab_timeline_bar_ensure_states (bar, 0);
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
 * lab_timeline_model_set_task_states:
 * @spans: (array length=n_spans): LabSpan (lab-states.h), monotonic µs
 *
 * @task's times and waits all at once, in one allocation.
 *
 * Returns: whether a finished bar changed
 */
gboolean
lab_timeline_model_set_task_states (LabTimelineModel *self,
                                    guint             task,
                                    gint64            cpu_us,
                                    gint64            run_queue_us,
                                    const LabSpan    *spans,
                                    guint             n_spans)
{
  LabTimelineStates *states;
  LabTimelineBar *bar;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (spans != NULL || n_spans == 0, FALSE);

  bar = lab_timeline_model_lookup_bar (self, task);
  if (bar == NULL)
    return FALSE;

  states = lab_timeline_bar_ensure_states (bar, n_spans);
  states->cpu_us = cpu_us;
  states->run_queue_us = run_queue_us;
  for (guint i = 0; i < n_spans; i++)
    if (spans[i].state < LAB_N_STATES)
      {
        LabTimelineSegment *span = &states->spans[states->n_spans++];

        span->start_us = spans[i].start_us - self->origin_us;
        span->end_us = MAX (spans[i].end_us, spans[i].start_us) - self->origin_us;
        span->state = spans[i].state;
        span->wait = spans[i].wait;
      }

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
  LabTimelineStates *states;

  g_return_val_if_fail (bar != NULL, NULL);

  states = bar->states;
  if (states == NULL || bar->running)
    {
      *n_segments = 0;
      return NULL;
    }
  /* Made once, when first asked for: most bars of a big run are never
   * wide enough to need their pieces. */
  if (states->segments == NULL)
    {
      states->segments = g_array_sized_new (FALSE, FALSE, sizeof (LabTimelineSegment),
                                            2 * states->n_spans + 1);
      lab_timeline_bar_walk (bar, NULL, states->segments);
    }
  *n_segments = states->segments->len;
  return (const LabTimelineSegment *) (gconstpointer) states->segments->data;
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
