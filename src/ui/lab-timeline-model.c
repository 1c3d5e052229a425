/* lab-timeline-model.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lab-plan.h"
#include "lab-timeline-model-private.h"

/* A lane for every thread a run can have: the guard must never drop one. */
G_STATIC_ASSERT (LAB_TIMELINE_MODEL_MAX_LANES > LAB_MAX_THREADS);

/* What every worker of one run did over time, kept apart from the drawing
 * so that it can be tested without a display.  The data is normalised as
 * it arrives (bars sorted by start in their lane, each given its sub-row
 * once, see lab-timeline-model-rows.c), so that the widget's frames only
 * draw. */

#define EMPTY_SPAN_US G_USEC_PER_SEC  /* an empty timeline shows a second */
#define MIN_SPAN_US   100             /* a run shorter than this still has an axis */

static void
lab_timeline_bar_free (gpointer data)
{
  LabTimelineBar *bar = data;

  g_free (bar->name);
  g_free (bar->error);
  g_clear_pointer (&bar->states, lab_timeline_states_free);
  g_free (bar);
}

static LabTimelineLane *
lab_timeline_lane_new (void)
{
  LabTimelineLane *lane = g_new0 (LabTimelineLane, 1);

  lane->bars = g_ptr_array_new ();
  lane->finished = g_ptr_array_new ();
  lane->marks = g_array_new (FALSE, FALSE, sizeof (LabTimelineMark));
  lane->free_rows = g_array_new (FALSE, FALSE, sizeof (guint));
  lane->rows = g_array_new (FALSE, FALSE, sizeof (LabTimelineRow));
  lane->max_start = G_MININT64;
  return lane;
}

static void
lab_timeline_lane_free (gpointer data)
{
  LabTimelineLane *lane = data;

  g_free (lane->label);
  g_free (lane->host);
  g_ptr_array_unref (lane->bars);
  g_ptr_array_unref (lane->finished);
  g_array_unref (lane->marks);
  g_array_unref (lane->free_rows);
  g_array_unref (lane->rows);
  g_free (lane);
}

LabTimelineLane *
lab_timeline_model_ensure_lane (LabTimelineModel *self,
                                guint             lane)
{
  while (self->lanes->len <= lane)
    g_ptr_array_add (self->lanes, lab_timeline_lane_new ());

  return lab_timeline_model_lane (self, lane);
}

static LabTimelineBar *
lab_timeline_model_ensure_bar (LabTimelineModel *self,
                               guint             task)
{
  LabTimelineBar *bar = g_hash_table_lookup (self->bars, GUINT_TO_POINTER (task));

  if (bar == NULL)
    {
      bar = g_new0 (LabTimelineBar, 1);
      bar->task = task;
      bar->ok = TRUE;
      g_hash_table_insert (self->bars, GUINT_TO_POINTER (task), bar);
    }
  return bar;
}

static void
lab_timeline_set_string (char       **field,
                         const char  *value)
{
  if (g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/* Public API ---------------------------------------------------------------- */

LabTimelineModel *
lab_timeline_model_new (void)
{
  LabTimelineModel *self = g_new0 (LabTimelineModel, 1);

  self->bars = g_hash_table_new_full (NULL, NULL, NULL, lab_timeline_bar_free);
  self->lanes = g_ptr_array_new_with_free_func (lab_timeline_lane_free);
  self->running = g_ptr_array_new ();
  self->busy = g_byte_array_new ();
  self->cores = g_array_new (FALSE, FALSE, sizeof (LabTimelineCoresSample));
  self->fitted = TRUE;
  return self;
}

void
lab_timeline_model_free (LabTimelineModel *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->lanes);
  g_clear_pointer (&self->consumer, lab_timeline_lane_free);
  g_ptr_array_unref (self->running);
  g_hash_table_unref (self->bars);
  g_byte_array_unref (self->busy);
  g_array_unref (self->cores);
  g_free (self);
}

/**
 * lab_timeline_model_reset:
 * @origin_us: the monotonic time shown as 0 s
 *
 * Forgets every lane and bar, for a new run.
 */
void
lab_timeline_model_reset (LabTimelineModel *self,
                          gint64            origin_us)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_set_size (self->lanes, 0);
  g_ptr_array_set_size (self->running, 0);
  g_hash_table_remove_all (self->bars);
  self->origin_us = origin_us;
  self->now_us = 0;
  self->last_us = 0;
  self->live = FALSE;
  self->fitted = TRUE;
  g_clear_pointer (&self->consumer, lab_timeline_lane_free);
  self->pending = FALSE;
  lab_timeline_model_states_reset (self);
}

/**
 * lab_timeline_model_set_lane_label:
 * @lane: the lane, created if needed
 * @label: (nullable): e.g. "thread 1" or "pid 4242"; %NULL for "worker N"
 *
 * Returns: whether the label changed
 */
gboolean
lab_timeline_model_set_lane_label (LabTimelineModel *self,
                                   guint             lane,
                                   const char       *label)
{
  LabTimelineLane *l;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES, FALSE);

  l = lab_timeline_model_ensure_lane (self, lane);
  if (g_strcmp0 (l->label, label) == 0)
    return FALSE;

  lab_timeline_set_string (&l->label, label);
  return TRUE;
}

/**
 * lab_timeline_model_task_started:
 * @task: the task's index, unique within the run
 * @lane: the worker running it
 * @start_us: monotonic time
 * @name: (nullable): what the task is, e.g. "block 3"
 *
 * Adds a running bar.  A task started again elsewhere (its worker process
 * died and it was requeued) moves to the new lane.
 *
 * Returns: %FALSE if the start was already known, and nothing changed
 */
gboolean
lab_timeline_model_task_started (LabTimelineModel *self,
                                 guint             task,
                                 guint             lane,
                                 gint64            start_us,
                                 const char       *name)
{
  LabTimelineBar *bar;
  gint64 start;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES, FALSE);

  bar = lab_timeline_model_ensure_bar (self, task);
  start = start_us - self->origin_us;
  if (name != NULL)
    lab_timeline_set_string (&bar->name, name);

  /* A repeated start, or one that arrives after its own finish. */
  if (bar->attached && bar->lane == lane && bar->start_us == start)
    return FALSE;

  if (bar->attached)
    lab_timeline_model_detach (self, bar);

  bar->start_us = start;
  bar->end_us = start;
  bar->bytes = 0;
  bar->running = TRUE;
  bar->ok = TRUE;
  g_clear_pointer (&bar->error, g_free);
  /* A requeued task starts over: what the lost attempt waited is gone. */
  g_clear_pointer (&bar->states, lab_timeline_states_free);
  lab_timeline_model_attach (self, bar, lane);
  return TRUE;
}

/**
 * lab_timeline_model_task_finished:
 * @error: (nullable): why the task failed
 *
 * Ends a bar, creating it if its start was never seen.
 */
void
lab_timeline_model_task_finished (LabTimelineModel *self,
                                  guint             task,
                                  guint             lane,
                                  gint64            start_us,
                                  gint64            end_us,
                                  guint64           bytes,
                                  gboolean          ok,
                                  const char       *error)
{
  LabTimelineBar *bar;
  gint64 start, end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (lane < LAB_TIMELINE_MODEL_MAX_LANES);

  bar = lab_timeline_model_ensure_bar (self, task);
  start = start_us - self->origin_us;
  end = MAX (end_us - self->origin_us, start);

  if (bar->attached && bar->running && bar->lane == lane && bar->start_us == start)
    {
      /* The usual case: finish in place, keeping the sub-row it had; it
       * was placed as if it ran forever, so it can end anywhere. */
      LabTimelineLane *l = lab_timeline_model_lane (self, lane);

      if (--g_array_index (l->rows, LabTimelineRow, bar->row).n_running == 0)
        lab_timeline_lane_push_free (l, bar->row);
      l->n_running--;
      lab_timeline_model_remove_running (self, bar);
      bar->running = FALSE;
      bar->end_us = end;
      lab_timeline_model_note_finished (self, l, bar);
    }
  else
    {
      if (bar->attached)
        lab_timeline_model_detach (self, bar);
      bar->start_us = start;
      bar->end_us = end;
      bar->running = FALSE;
      lab_timeline_model_attach (self, bar, lane);
    }

  bar->bytes = bytes;
  bar->ok = !!ok;
  lab_timeline_set_string (&bar->error, ok ? NULL : error);
  lab_timeline_model_states_finished (self, bar);
}

static void
lab_timeline_lane_add_mark (LabTimelineLane       *lane,
                            const LabTimelineMark *mark)
{
  guint i = lane->marks->len;

  /* Marks come nearly in time order: look back from the end. */
  while (i > 0 && g_array_index (lane->marks, LabTimelineMark, i - 1).time_us > mark->time_us)
    i--;
  g_array_insert_val (lane->marks, i, *mark);
  lane->serial++;
}

/**
 * lab_timeline_model_add_item_mark:
 * @task: the producer of the item
 * @taken: %TRUE when the consumer took it, %FALSE when the producer put it
 * @time_us: monotonic time
 *
 * Marks an item through a queue: a put on its producer's lane (the lane
 * of the producer's bar; none if the producer was never seen), a take on
 * the consumer's lane, made at the first take, below the workers'.  A
 * take is paired with the put reported just before it for the same
 * producer, which is how the consumer reports them.
 *
 * Returns: whether the lanes changed (the consumer's appeared)
 */
gboolean
lab_timeline_model_add_item_mark (LabTimelineModel *self,
                                  guint             task,
                                  gboolean          taken,
                                  gint64            time_us)
{
  LabTimelineMark mark = { time_us - self->origin_us, time_us - self->origin_us, task, !!taken };
  LabTimelineBar *bar;
  gboolean new_lane = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!taken)
    {
      self->pending = TRUE;
      self->pending_put = mark.time_us;
      self->pending_task = task;
      bar = g_hash_table_lookup (self->bars, GUINT_TO_POINTER (task));
      if (bar == NULL || !bar->attached)
        return FALSE;
      lab_timeline_lane_add_mark (lab_timeline_model_lane (self, bar->lane), &mark);
    }
  else
    {
      if (self->consumer == NULL)
        {
          self->consumer = lab_timeline_lane_new ();
          self->consumer->consumer = TRUE;
          new_lane = TRUE;
        }
      if (self->pending && self->pending_task == task)
        mark.put_us = self->pending_put;
      self->pending = FALSE;
      lab_timeline_lane_add_mark (self->consumer, &mark);
    }

  self->last_us = MAX (self->last_us, mark.time_us);
  return new_lane;
}

/**
 * lab_timeline_model_set_now:
 * @now_us: the monotonic time, or 0 once the run is over
 *
 * Running bars grow up to now, and the scale follows the run.
 *
 * Returns: whether the picture moves: bars grow or the scale changed
 */
gboolean
lab_timeline_model_set_now (LabTimelineModel *self,
                            gint64            now_us)
{
  gboolean live = now_us != 0;
  gint64 now;
  gint64 old_span;

  g_return_val_if_fail (self != NULL, FALSE);

  now = live ? now_us - self->origin_us : 0;
  if (live == self->live && now == self->now_us)
    return FALSE;

  old_span = lab_timeline_model_get_span (self);
  self->live = live;
  self->now_us = now;

  /* Nothing moves between two frames of an idle stretch of a run. */
  return self->running->len > 0 || lab_timeline_model_get_span (self) != old_span;
}

guint
lab_timeline_model_get_n_bars (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->bars);
}

guint
lab_timeline_model_get_n_lanes (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return lab_timeline_model_n_shown_lanes (self);
}

/* How many sub-rows @lane has: as many as its bars ever needed at once. */
guint
lab_timeline_model_get_n_rows (LabTimelineModel *self,
                               guint             lane)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (lane < lab_timeline_model_n_shown_lanes (self), 0);

  return lab_timeline_model_shown_lane (self, lane)->rows->len;
}

const LabTimelineLane *
lab_timeline_model_get_lane (LabTimelineModel *self,
                             guint             lane)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lane < lab_timeline_model_n_shown_lanes (self), NULL);

  return lab_timeline_model_shown_lane (self, lane);
}

/* @task's bar, or NULL if the task was never seen. */
const LabTimelineBar *
lab_timeline_model_get_bar (LabTimelineModel *self,
                            guint             task)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_hash_table_lookup (self->bars, GUINT_TO_POINTER (task));
}

/* The bars still running (LabTimelineBar, in no particular order): at most
 * one per worker, except on the event loop's lane. */
GPtrArray *
lab_timeline_model_get_running (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->running;
}

char *
lab_timeline_model_dup_lane_label (LabTimelineModel *self,
                                   guint             lane)
{
  const LabTimelineLane *l;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lane < lab_timeline_model_n_shown_lanes (self), NULL);

  l = lab_timeline_model_shown_lane (self, lane);
  if (l->label != NULL)
    return g_strdup (l->label);
  if (l->consumer)
    return g_strdup (_("consumer"));
  return g_strdup_printf (_("worker %u"), lane + 1);
}

/* The time at the right end of the fitted axis: the run so far.  A run
 * of 10 ms fills the width as a run of 10 s does. */
gint64
lab_timeline_model_get_span (LabTimelineModel *self)
{
  gint64 end;

  g_return_val_if_fail (self != NULL, EMPTY_SPAN_US);

  end = self->last_us;
  if (!self->live && end <= 0)
    return EMPTY_SPAN_US;

  if (self->live)
    {
      end = MAX (end, self->now_us);

      /* While the run goes on, round up to a fifth of the scale, so the
       * scale (and with it every cached node) changes a few times per
       * doubling of the run rather than every frame, and the run always
       * fills at least two thirds of the width. */
      if (end > 0)
        {
          gint64 step = lab_timeline_nice_step (MAX (end / 5, 1));

          end = (end + step - 1) / step * step;
        }
    }

  return MAX (end, MIN_SPAN_US);
}

/* Now, relative to the origin, while the run is live; G_MAXINT64 once it
 * is over (nothing will change any more). */
gint64
lab_timeline_model_get_now (LabTimelineModel *self)
{
  g_return_val_if_fail (self != NULL, G_MAXINT64);

  return self->live ? self->now_us : G_MAXINT64;
}

/* Where @bar currently ends: a running bar grows up to now. */
gint64
lab_timeline_model_get_bar_end (LabTimelineModel     *self,
                                const LabTimelineBar *bar)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (bar != NULL, 0);

  if (!bar->running)
    return bar->end_us;
  return MAX (bar->start_us, self->live ? self->now_us : self->last_us);
}

/**
 * lab_timeline_lane_get_bars_between:
 * @first: (out): the first bar that can reach into the range
 * @end: (out): one past the last bar that starts in or before it
 *
 * What is visible between two times: the bars of @lane from @first to
 * @end can overlap [@from_us, @to_us], and no others can, since none
 * lasts longer than the lane's longest.
 */
void
lab_timeline_lane_get_bars_between (const LabTimelineLane *lane,
                                    gint64                 from_us,
                                    gint64                 to_us,
                                    guint                 *first,
                                    guint                 *end)
{
  g_return_if_fail (lane != NULL);

  *end = lab_timeline_lane_bound (lane, to_us, FALSE);
  *first = MIN (lab_timeline_lane_bound (lane, from_us - lane->max_duration, TRUE), *end);
}
