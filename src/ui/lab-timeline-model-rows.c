/* lab-timeline-model-rows.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Where a bar goes in its lane: its place among the lane's bars (sorted by
 * start) and its sub-row, the lowest one free when it starts, so that bars
 * running at once stack and a lane never needs more rows than it had
 * tasks at once.  Attaching and detaching a bar keep those rows' summaries
 * and the list of running bars up to date. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include "lab-timeline-model-private.h"

/* The index of the first bar starting after @start_us, or, if
 * @include_start, at or after it. */
guint
lab_timeline_lane_bound (const LabTimelineLane *lane,
                         gint64                 start_us,
                         gboolean               include_start)
{
  guint lo = 0;
  guint hi = lane->bars->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const LabTimelineBar *bar = g_ptr_array_index (lane->bars, mid);

      if (bar->start_us < start_us || (!include_start && bar->start_us == start_us))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The free sub-rows of a lane are kept in a min-heap, so that the lowest
 * free one is found in O(log n) with 100,000 tasks in flight.  A row that
 * gets a running bar stays in it until it comes up (it is stale then, and
 * dropped); a row whose last running bar ends is pushed again. */
void
lab_timeline_lane_push_free (LabTimelineLane *lane,
                             guint            row)
{
  guint *heap;
  guint i = lane->free_rows->len;

  g_array_append_val (lane->free_rows, row);
  heap = (guint *) (gpointer) lane->free_rows->data;
  while (i > 0 && heap[(i - 1) / 2] > heap[i])
    {
      guint parent = (i - 1) / 2;
      guint tmp = heap[parent];

      heap[parent] = heap[i];
      heap[i] = tmp;
      i = parent;
    }
}

static guint
lab_timeline_lane_pop_free (LabTimelineLane *lane)
{
  guint *heap = (guint *) (gpointer) lane->free_rows->data;
  guint n = lane->free_rows->len - 1;
  guint top = heap[0];
  guint i = 0;

  heap[0] = heap[n];
  g_array_set_size (lane->free_rows, n);
  for (;;)
    {
      guint smallest = i, l = 2 * i + 1, r = 2 * i + 2, tmp;

      if (l < n && heap[l] < heap[smallest])
        smallest = l;
      if (r < n && heap[r] < heap[smallest])
        smallest = r;
      if (smallest == i)
        break;
      tmp = heap[smallest];
      heap[smallest] = heap[i];
      heap[i] = tmp;
      i = smallest;
    }
  return top;
}

/* The lowest free sub-row that ended by @start, or the number of rows if
 * none did.  Free rows that ended later are kept for later bars. */
static guint
lab_timeline_lane_take_free (LabTimelineLane *lane,
                             gint64           start)
{
  guint found = lane->rows->len;
  g_autoptr(GArray) later = NULL;

  while (lane->free_rows->len > 0)
    {
      guint row = g_array_index (lane->free_rows, guint, 0);
      const LabTimelineRow *r = &g_array_index (lane->rows, LabTimelineRow, row);

      if (r->n_running > 0)
        {
          lab_timeline_lane_pop_free (lane);    /* stale */
          continue;
        }
      if (r->max_end <= start)
        {
          found = row;
          break;
        }
      if (later == NULL)
        later = g_array_new (FALSE, FALSE, sizeof (guint));
      row = lab_timeline_lane_pop_free (lane);
      g_array_append_val (later, row);
    }

  for (guint i = 0; later != NULL && i < later->len; i++)
    lab_timeline_lane_push_free (lane, g_array_index (later, guint, i));
  return found;
}

/* The first sub-row of @lane that is free for @bar, which will be inserted
 * at @pos.  Tasks normally arrive in start order: then every bar already in
 * the lane starts no later, and a row is free if nothing in it is running
 * and everything in it ended by the start, which the row summary answers
 * without looking at bars.  A bar arriving out of order (a finished run
 * replayed, a requeued task) is checked against the bars that can overlap. */
static guint
lab_timeline_model_assign_row (LabTimelineModel     *self,
                               LabTimelineLane      *lane,
                               const LabTimelineBar *bar,
                               guint                 pos)
{
  gint64 start = bar->start_us;
  gint64 end = bar->running ? G_MAXINT64 : bar->end_us;
  guint n_rows = lane->rows->len;
  guint8 *busy;
  guint row;

  if (start >= lane->max_start)
    return lab_timeline_lane_take_free (lane, start);

  g_byte_array_set_size (self->busy, n_rows);
  busy = self->busy->data;

  /* Running bars last until further notice: a row with one is busy (even
   * if it starts after the new bar ends: erring on "busy" costs a row, not
   * a look at every running bar). */
  for (row = 0; row < n_rows; row++)
    busy[row] = g_array_index (lane->rows, LabTimelineRow, row).n_running > 0;

  /* Finished bars starting inside the new one… */
  for (guint i = pos; i < lane->bars->len; i++)
    {
      const LabTimelineBar *other = g_ptr_array_index (lane->bars, i);

      if (other->start_us >= end)
        break;
      if (!other->running && other->end_us > start)
        busy[other->row] = TRUE;
    }

  /* …and before it, no further back than the longest bar of the lane. */
  for (guint i = pos; i > 0; i--)
    {
      const LabTimelineBar *other = g_ptr_array_index (lane->bars, i - 1);

      if (other->start_us < start - lane->max_duration)
        break;
      if (!other->running && other->end_us > start)
        busy[other->row] = TRUE;
    }

  for (row = 0; row < n_rows && busy[row]; row++)
    ;
  return row;
}

void
lab_timeline_model_remove_running (LabTimelineModel *self,
                                   LabTimelineBar   *bar)
{
  guint i = bar->running_index;

  g_assert (i < self->running->len && g_ptr_array_index (self->running, i) == bar);

  g_ptr_array_remove_index_fast (self->running, i);
  if (i < self->running->len)
    ((LabTimelineBar *) g_ptr_array_index (self->running, i))->running_index = i;
}

/* Record that a finished @bar occupies its row and lane. */
void
lab_timeline_model_note_finished (LabTimelineModel *self,
                                  LabTimelineLane  *lane,
                                  LabTimelineBar   *bar)
{
  LabTimelineRow *row = &g_array_index (lane->rows, LabTimelineRow, bar->row);

  row->max_end = MAX (row->max_end, bar->end_us);
  g_ptr_array_add (lane->finished, bar);
  lane->max_duration = MAX (lane->max_duration, bar->end_us - bar->start_us);
  self->last_us = MAX (self->last_us, bar->end_us);
  lane->serial++;
}

void
lab_timeline_model_attach (LabTimelineModel *self,
                           LabTimelineBar   *bar,
                           guint             lane_index)
{
  LabTimelineLane *lane = lab_timeline_model_ensure_lane (self, lane_index);
  guint pos = lab_timeline_lane_bound (lane, bar->start_us, FALSE);

  g_assert (!bar->attached);

  bar->lane = lane_index;
  bar->row = lab_timeline_model_assign_row (self, lane, bar, pos);
  g_ptr_array_insert (lane->bars, pos, bar);
  bar->attached = TRUE;

  if (bar->row == lane->rows->len)
    {
      LabTimelineRow empty = { G_MININT64, 0 };

      g_array_append_val (lane->rows, empty);
      lane->serial++;
      if (!bar->running)
        lab_timeline_lane_push_free (lane, bar->row);
    }

  lane->max_start = MAX (lane->max_start, bar->start_us);
  self->last_us = MAX (self->last_us, bar->start_us);

  if (bar->running)
    {
      g_array_index (lane->rows, LabTimelineRow, bar->row).n_running++;
      lane->n_running++;
      bar->running_index = self->running->len;
      g_ptr_array_add (self->running, bar);
    }
  else
    lab_timeline_model_note_finished (self, lane, bar);
}

void
lab_timeline_model_detach (LabTimelineModel *self,
                           LabTimelineBar   *bar)
{
  LabTimelineLane *lane = lab_timeline_model_lane (self, bar->lane);
  guint i = lab_timeline_lane_bound (lane, bar->start_us, TRUE);

  g_assert (bar->attached);

  /* Past the bars that start at the same time. */
  while (i < lane->bars->len && g_ptr_array_index (lane->bars, i) != bar)
    i++;
  g_assert (i < lane->bars->len);
  g_ptr_array_remove_index (lane->bars, i);
  bar->attached = FALSE;

  if (bar->running)
    {
      if (--g_array_index (lane->rows, LabTimelineRow, bar->row).n_running == 0)
        lab_timeline_lane_push_free (lane, bar->row);
      lane->n_running--;
      lab_timeline_model_remove_running (self, bar);
    }
  else
    {
      /* Rare (a requeued or replayed task): whatever was appended from the
       * finished bars must be redone. */
      g_ptr_array_remove (lane->finished, bar);
      lane->generation++;
      lane->serial++;
    }
}
