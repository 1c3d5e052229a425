/* lab-timeline-states.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Where the time went, on the timeline: a finished bar drawn as pieces
 * coloured by state (the model decides the pieces, see
 * lab-timeline-model-states.c), the legend of the states this page's run
 * spent time in, and the cores-busy strip between the axis and the lanes:
 * how many of the machine's cores the run kept busy, on the lanes' time
 * axis.  Seed 004's "concurrent but not parallel" is the difference
 * between a strip at one core and a strip at all of them. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-cores-sampler.h"
#include "lab-state-style.h"
#include "lab-states.h"
#include "lab-timeline-private.h"

#define STRIP_HEIGHT    40    /* the cores-busy strip, with its padding */
#define STRIP_PADDING   5
#define SWATCH_WIDTH    18
#define SWATCH_GAP      5
#define ENTRY_GAP       16
#define MIN_PIECE       2     /* px: narrower pieces of a bar join their neighbour */

/* For tests only: the states the legend shows, and the strip's samples. */
guint    lab_timeline_get_legend_states     (LabTimeline *self);
int      lab_timeline_get_legend_height     (LabTimeline *self);
guint    lab_timeline_get_n_cores_samples   (LabTimeline *self);
LabTimelineModel *
         lab_timeline_get_model             (LabTimeline *self);

static guint
n_cores (void)
{
  return MAX (1, g_get_num_processors ());
}

/* Layout -------------------------------------------------------------------- */

/* The heights of the legend and the strip: each there only once it has
 * something to show.  Returns whether they changed. */
gboolean
lab_timeline_states_layout (LabTimeline *self)
{
  guint n_samples;
  int legend, strip;

  lab_timeline_model_get_cores_samples (self->model, &n_samples);
  legend = self->legend_states != 0 ? self->line_height + 10 : 0;
  /* The strip grows with the rows (the presentation's scale). */
  strip = n_samples > 0 ? STRIP_HEIGHT * self->row_height / ROW_HEIGHT : 0;
  if (legend == self->legend_height && strip == self->strip_height)
    return FALSE;

  self->legend_height = legend;
  self->strip_height = strip;
  return TRUE;
}

/* What the label column needs for the strip's name and scale, or 0. */
int
lab_timeline_states_label_width (LabTimeline *self)
{
  guint n_samples;
  int width;

  lab_timeline_model_get_cores_samples (self->model, &n_samples);
  if (n_samples == 0)
    return 0;
  pango_layout_set_text (self->layout, _("cores busy"), -1);
  pango_layout_get_pixel_size (self->layout, &width, NULL);
  return width + 14;
}

/* The model's run may have spent time in a new state: the legend, and
 * with it the frame, are made again. */
void
lab_timeline_states_changed (LabTimeline *self)
{
  guint present = lab_timeline_model_get_states_present (self->model);

  if (present == self->legend_states)
    return;
  self->legend_states = present;
  self->layout_valid = FALSE;
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* The top of the strip, from the widget's top. */
static int
strip_top (LabTimeline *self)
{
  return self->legend_height + lab_timeline_axis_height (self);
}

/* Bars ------------------------------------------------------------------------ */

/* The colour of a finished bar too narrow for its pieces. */
const GdkRGBA *
lab_timeline_bar_color (LabTimeline          *self,
                        const LabTimelineBar *bar)
{
  if (!bar->ok)
    return &self->failed_color;
  return lab_state_style_get_color (lab_timeline_bar_get_main_state (bar));
}

/* A piece of a bar: a wait in its colour and pattern, or a gap between
 * waits as the mix its shares say, in bands across the bar's height (the
 * kernel's totals have no times, so no band comes before another). */
static void
flush_piece (GtkSnapshot          *snapshot,
             const LabTimelineBar *bar,
             int                   x0,
             int                   x1,
             int                   y,
             int                   height,
             guint                 state)
{
  gint64 total = 0, sum = 0;
  int top = y;

  if (x1 <= x0)
    return;
  if (state != LAB_TIMELINE_GAP)
    {
      lab_state_style_append (snapshot, state, &GRAPHENE_RECT_INIT (x0, y, x1 - x0, height));
      return;
    }

  for (guint i = 0; i < LAB_TIMELINE_N_GAP_STATES; i++)
    total += bar->states->gap_shares[i];
  if (total <= 0)
    {
      lab_state_style_append (snapshot, LAB_STATE_OTHER,
                              &GRAPHENE_RECT_INIT (x0, y, x1 - x0, height));
      return;
    }
  for (guint i = 0; i < LAB_TIMELINE_N_GAP_STATES; i++)
    {
      int bottom;

      sum += bar->states->gap_shares[i];
      bottom = y + (int) ((double) sum * height / total + 0.5);
      if (bottom > top)
        lab_state_style_append (snapshot, lab_timeline_gap_states[i],
                                &GRAPHENE_RECT_INIT (x0, top, x1 - x0, bottom - top));
      top = bottom;
    }
}

/* A finished, successful bar in @rect (@width without its gap): its pieces
 * at their pixels.  Pieces that round to less than MIN_PIECE pixels join
 * the piece before, so a lane of 5 ms GIL turns stays legible zoomed out
 * and shows every turn zoomed in. */
void
lab_timeline_append_bar_states (LabTimeline           *self,
                                GtkSnapshot           *snapshot,
                                const LabTimelineView *view,
                                const LabTimelineBar  *bar,
                                int                    x,
                                int                    y,
                                int                    width,
                                int                    height)
{
  const LabTimelineSegment *segments;
  guint n, state, wait;
  int piece_x0 = x, end = x + width;

  segments = lab_timeline_bar_get_segments (bar, &n);
  if (n == 0)
    {
      flush_piece (snapshot, bar, x, end, y, height, LAB_STATE_OTHER);
      return;
    }

  state = segments[0].state;
  wait = segments[0].wait;
  for (guint i = 1; i < n; i++)
    {
      /* Where piece i - 1 ends and piece i begins. */
      int boundary = CLAMP (lab_timeline_view_x (view, segments[i].start_us), piece_x0, end);
      /* Two waits of one kind back to back (a download's wait for its
       * first byte, then for its body) keep a pixel between them. */
      gboolean same_state = segments[i].state == state;
      int gap = same_state ? 1 : 0;

      if (same_state && segments[i].wait == wait)
        continue;
      /* Too narrow to be seen: its pixels go to the piece after it. */
      if (boundary - piece_x0 >= MIN_PIECE + gap)
        {
          flush_piece (snapshot, bar, piece_x0, boundary - gap, y, height, state);
          piece_x0 = boundary;
        }
      state = segments[i].state;
      wait = segments[i].wait;
    }
  flush_piece (snapshot, bar, piece_x0, end, y, height, state);
}

/* The legend ------------------------------------------------------------------ */

/* Where the legend's entries go: x of each and the text width each may
 * take (the texts are cut with an ellipsis when the width is short). */
static int
legend_text_width (LabTimeline           *self,
                   const LabTimelineView *view,
                   guint                  n_entries)
{
  int avail = view->width - 2 * LABEL_PADDING;

  return MAX (24, avail / (int) MAX (n_entries, 1) - SWATCH_WIDTH - SWATCH_GAP - ENTRY_GAP);
}

/* The legend: a swatch and a name for each state present, in the order of
 * LabState.  Drawn into the frame node. */
void
lab_timeline_append_legend (LabTimeline           *self,
                            GtkSnapshot           *snapshot,
                            const LabTimelineView *view)
{
  GdkRGBA text = self->fg_color;
  guint n_entries = 0;
  int x = LABEL_PADDING, max_text;
  int swatch_y = (self->legend_height - 10) / 2;

  if (self->legend_height == 0)
    return;

  for (guint state = 0; state < LAB_N_STATES; state++)
    n_entries += (self->legend_states >> state) & 1;
  max_text = legend_text_width (self, view, n_entries);
  text.alpha *= 0.85f;

  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
  for (guint state = 0; state < LAB_N_STATES; state++)
    {
      int width;

      if (!((self->legend_states >> state) & 1))
        continue;

      lab_state_style_append (snapshot, state,
                              &GRAPHENE_RECT_INIT (x, swatch_y, SWATCH_WIDTH, 10));
      x += SWATCH_WIDTH + SWATCH_GAP;

      pango_layout_set_width (self->layout, -1);
      pango_layout_set_text (self->layout, lab_state_get_title (state), -1);
      pango_layout_get_pixel_size (self->layout, &width, NULL);
      if (width > max_text)
        {
          pango_layout_set_width (self->layout, max_text * PANGO_SCALE);
          width = max_text;
        }
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (x, (self->legend_height - self->line_height) / 2));
      gtk_snapshot_append_layout (snapshot, self->layout, &text);
      gtk_snapshot_restore (snapshot);
      self->legend_right = x + width;
      x += width + ENTRY_GAP;
    }
  pango_layout_set_width (self->layout, -1);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_NONE);
}

/* The cores-busy strip --------------------------------------------------------- */

/* The strip's frame, into the frame node: its name in the label column,
 * its scale (0 at the bottom, this machine's cores at the top) beside the
 * plot, and a rule at the top of the scale. */
void
lab_timeline_append_strip_frame (LabTimeline           *self,
                                 GtkSnapshot           *snapshot,
                                 const LabTimelineView *view)
{
  g_autofree char *scale = NULL;
  GdkRGBA label = self->fg_color, rule = self->fg_color, stripe = self->fg_color;
  int top = strip_top (self), width, scale_height;

  if (self->strip_height == 0)
    return;

  label.alpha *= 0.85f;
  rule.alpha *= 0.18f;
  stripe.alpha *= 0.04f;

  gtk_snapshot_append_color (snapshot, &stripe,
                             &GRAPHENE_RECT_INIT (0, top, view->width, self->strip_height));
  gtk_snapshot_append_color (snapshot, &rule,
                             &GRAPHENE_RECT_INIT (view->plot_x, top + STRIP_PADDING,
                                                  view->width - view->plot_x, 1));

  pango_layout_set_attributes (self->layout, NULL);
  pango_layout_set_width (self->layout, (self->label_width - 2 * LABEL_PADDING - 14) * PANGO_SCALE);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
  /* Translators: the name of the strip above the timeline's lanes */
  pango_layout_set_text (self->layout, _("cores busy"), -1);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (LABEL_PADDING,
                                                top + (self->strip_height - self->line_height) / 2));
  gtk_snapshot_append_layout (snapshot, self->layout, &label);
  gtk_snapshot_restore (snapshot);
  pango_layout_set_width (self->layout, -1);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_NONE);

  /* The scale: the machine's cores at the top, 0 at the bottom. */
  pango_layout_set_attributes (self->layout, self->axis_attrs);
  scale = g_strdup_printf ("%u", n_cores ());
  pango_layout_set_text (self->layout, scale, -1);
  pango_layout_get_pixel_size (self->layout, &width, &scale_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (view->plot_x - width - 4,
                                                          top + STRIP_PADDING - scale_height / 2 + 1));
  gtk_snapshot_append_layout (snapshot, self->layout, &label);
  gtk_snapshot_restore (snapshot);
  pango_layout_set_text (self->layout, "0", -1);
  pango_layout_get_pixel_size (self->layout, &width, NULL);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (view->plot_x - width - 4,
                                                          top + self->strip_height - STRIP_PADDING
                                                          - scale_height + 1));
  gtk_snapshot_append_layout (snapshot, self->layout, &label);
  gtk_snapshot_restore (snapshot);
  pango_layout_set_attributes (self->layout, NULL);
}

/* The strip's data, every frame (a sample every 20 ms: a few hundred
 * rectangles for a long run).  Each sample is the average since the one
 * before, so it fills the time between them. */
void
lab_timeline_append_cores_strip (LabTimeline           *self,
                                 GtkSnapshot           *snapshot,
                                 const LabTimelineView *view)
{
  const LabTimelineCoresSample *samples;
  GdkRGBA fill = *lab_state_style_get_color (LAB_STATE_COMPUTE);
  guint n;
  int bottom, height, last_x = G_MININT;
  gint64 previous = 0;

  if (self->strip_height == 0)
    return;

  samples = lab_timeline_model_get_cores_samples (self->model, &n);
  bottom = strip_top (self) + self->strip_height - STRIP_PADDING;
  height = self->strip_height - 2 * STRIP_PADDING - 1;
  fill.alpha = 0.75f;

  for (guint i = 0; i < n; i++)
    {
      gint64 from = i > 0 ? previous : MAX (0, samples[0].time_us - LAB_CORES_SAMPLE_US);
      int x0, x1, h;

      previous = samples[i].time_us;
      if (samples[i].time_us < view->from_us || from > view->to_us)
        continue;
      x0 = MAX (lab_timeline_view_x (view, from), last_x);
      x1 = lab_timeline_view_x (view, samples[i].time_us);
      if (x1 <= x0)
        continue;
      /* A little over the count is measuring jitter: the top is the top. */
      h = (int) floor (MIN (samples[i].cores / n_cores (), 1.0) * height + 0.5);
      if (h > 0)
        gtk_snapshot_append_color (snapshot, &fill,
                                   &GRAPHENE_RECT_INIT (x0, bottom - h, x1 - x0, h));
      last_x = x1;
    }
}

/* Tooltips -------------------------------------------------------------------- */

/* What the legend and the strip say under the pointer.  The legend says
 * how the bars were made, as it is: only the waits have times. */
gboolean
lab_timeline_states_query_tooltip (LabTimeline *self,
                                   int          x,
                                   int          y,
                                   GtkTooltip  *tooltip)
{
  int top = strip_top (self);

  if (y < self->legend_height && x < self->legend_right)
    {
      gtk_tooltip_set_text (tooltip,
                            _("The waits (for the GIL, a lock, I/O, a copy to a worker) are drawn "
                              "where they happened. Time on a CPU and time waiting for a core are "
                              "totals the kernel counts for each task, without times: they fill "
                              "the rest of the bar in proportion, in bands across its height. "
                              "\"Other\" is what neither explains."));
      return TRUE;
    }

  if (self->strip_height > 0 && y >= top && y < top + self->strip_height)
    {
      const LabTimelineCoresSample *samples;
      LabTimelineView view;
      g_autofree char *text = NULL;
      gint64 time_us;
      guint n, i;

      lab_timeline_compute_view (self, &view);
      samples = lab_timeline_model_get_cores_samples (self->model, &n);
      time_us = lab_timeline_view_time (&view, x);
      for (i = 0; i < n && samples[i].time_us < time_us; i++)
        ;
      if (x < view.plot_x || i == n)
        text = g_strdup_printf (_("How many of this machine's %u cores the run kept busy, "
                                  "measured every 20 ms from the CPU time of the app and its "
                                  "workers."), n_cores ());
      else
        text = g_strdup_printf (_("%.1f of %u cores busy at %.2f s"), samples[i].cores, n_cores (),
                                (double) samples[i].time_us / G_USEC_PER_SEC);
      gtk_tooltip_set_text (tooltip, text);
      return TRUE;
    }
  return FALSE;
}

/* The tooltip's lines about where @bar's time went: the state at
 * @time_us (under the pointer), then each state's total and share. */
void
lab_timeline_states_describe_bar (LabTimeline          *self,
                                  const LabTimelineBar *bar,
                                  gint64                time_us,
                                  GString              *text)
{
  gint64 by_state[LAB_N_STATES] = { 0 };
  const LabTimelineSegment *segments;
  gint64 total = bar->end_us - bar->start_us;
  guint n;

  segments = lab_timeline_bar_get_segments (bar, &n);
  if (n == 0 || total <= 0)
    return;

  for (guint i = 0; i < n; i++)
    {
      if (segments[i].state != LAB_TIMELINE_GAP)
        by_state[segments[i].state] += segments[i].end_us - segments[i].start_us;
      if (time_us < segments[i].start_us || time_us >= segments[i].end_us)
        continue;
      g_string_append_c (text, '\n');
      if (segments[i].state == LAB_TIMELINE_GAP)
        g_string_append (text, _("here: no wait was recorded (computing, waiting for a core or "
                                 "other, in the proportions below)"));
      else
        {
          /* Translators: the state of a bar's piece under the pointer */
          g_string_append_printf (text, _("here: %s"), lab_state_get_phrase (segments[i].state));
          if (segments[i].wait != LAB_WAIT_NONE)
            g_string_append_printf (text, " (%s)", lab_wait_to_string (segments[i].wait));
        }
    }
  for (guint i = 0; i < LAB_TIMELINE_N_GAP_STATES; i++)
    by_state[lab_timeline_gap_states[i]] += bar->states->gap_shares[i];
  for (guint state = 0; state < LAB_N_STATES; state++)
    if (by_state[state] > 0)
      {
        g_string_append_c (text, '\n');
        /* Translators: a state's share of a task, e.g. "Waiting for the GIL: 12.5 ms (40 %)" */
        g_string_append_printf (text, _("%s: %.1f ms (%.0f %%)"), lab_state_get_title (state),
                                by_state[state] / 1000.0, 100.0 * by_state[state] / total);
      }
}

/* Public API --------------------------------------------------------------------- */

/* A finished bar's picture changed: its lane is drawn afresh. */
static void
lab_timeline_bar_changed (LabTimeline *self)
{
  lab_timeline_states_changed (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * lab_timeline_add_task_span:
 * @state: a LabState
 * @wait: a LabWait
 *
 * One explicit wait of @task, drawn on its bar once it finishes.
 */
void
lab_timeline_add_task_span (LabTimeline *self,
                            guint        task,
                            guint        state,
                            guint        wait,
                            gint64       start_us,
                            gint64       end_us)
{
  g_return_if_fail (LAB_IS_TIMELINE (self));

  if (lab_timeline_model_add_task_span (self->model, task, state, wait, start_us, end_us))
    lab_timeline_bar_changed (self);
}

/**
 * lab_timeline_set_task_times:
 * @cpu_us: @task's time on a CPU, -1 if not measured
 * @run_queue_us: its time waiting for a core, -1 if not measured
 */
void
lab_timeline_set_task_times (LabTimeline *self,
                             guint        task,
                             gint64       cpu_us,
                             gint64       run_queue_us)
{
  g_return_if_fail (LAB_IS_TIMELINE (self));

  if (lab_timeline_model_set_task_times (self->model, task, cpu_us, run_queue_us))
    lab_timeline_bar_changed (self);
}

/**
 * lab_timeline_set_task_states:
 * @spans: (array length=n_spans): LabSpan (lab-states.h), monotonic µs
 *
 * Where @task's time went, all at once: its times (-1: not measured) and
 * its explicit waits, before it finishes.
 */
void
lab_timeline_set_task_states (LabTimeline  *self,
                              guint         task,
                              gint64        cpu_us,
                              gint64        run_queue_us,
                              gconstpointer spans,
                              guint         n_spans)
{
  g_return_if_fail (LAB_IS_TIMELINE (self));

  if (lab_timeline_model_set_task_states (self->model, task, cpu_us, run_queue_us, spans, n_spans))
    lab_timeline_bar_changed (self);
}

/**
 * lab_timeline_add_cores_sample:
 * @time_us: monotonic time of the sample
 * @cores: how many cores were busy on average since the sample before
 */
void
lab_timeline_add_cores_sample (LabTimeline *self,
                               gint64       time_us,
                               double       cores)
{
  guint n;

  g_return_if_fail (LAB_IS_TIMELINE (self));

  lab_timeline_model_add_cores_sample (self->model, time_us, cores);
  lab_timeline_model_get_cores_samples (self->model, &n);
  /* The first sample makes room for the strip. */
  if (n == 1)
    {
      self->layout_valid = FALSE;
      self->labels_valid = FALSE;
      g_clear_pointer (&self->frame_node, gsk_render_node_unref);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
lab_timeline_get_legend_states (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  return self->legend_states;
}

/* Where the axis starts: under the legend. */
int
lab_timeline_get_legend_height (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  lab_timeline_ensure_laid_out (self);
  return self->legend_height;
}

guint
lab_timeline_get_n_cores_samples (LabTimeline *self)
{
  guint n;

  g_return_val_if_fail (LAB_IS_TIMELINE (self), 0);

  lab_timeline_model_get_cores_samples (self->model, &n);
  return n;
}

LabTimelineModel *
lab_timeline_get_model (LabTimeline *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE (self), NULL);

  return self->model;
}
