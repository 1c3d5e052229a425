/* lab-timings.c — the seed 000 table, live: a row per mode, a column per
 * stage, the wall time ticking while the mode runs, speed-up, ✓/✗, a
 * bar per row to compare wall times at a glance, and a stacked bar of
 * where the mode's time went (computing, waiting for a core, for the GIL,
 * a lock, I/O…), with the totals on hover.  On a narrow screen (a
 * 1024×768 projector, large text) the secondary columns drop out: first
 * the start-up and the bars, then the stages; mode, wall time, speed-up
 * and ✓ always stay.
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-timings"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "lab-state-style.h"
#include "lab-states.h"
#include "lab-timings.h"

#define MAX_STAGES 4
#define BAR_WIDTH 120
#define STATES_BAR_WIDTH 72

/* Which columns drop out first when the table is too wide. */
enum {
  KEEP = 0,        /* mode, wall time, speed-up, verified */
  DROP_FIRST = 1,  /* where the time went (its totals are in the timeline's tooltips too) */
  DROP_SECOND = 2, /* start-up, the bar */
  DROP_NEXT = 3,   /* the stages */
  N_DROPS = 4
};

typedef struct
{
  LabMode     mode;
  gint64      wall_us;
  GtkWidget  *title;
  GtkWidget  *stages[MAX_STAGES];
  GtkWidget  *wall;
  GtkWidget  *startup;
  GtkWidget  *bar;
  GtkWidget  *states;
  GtkWidget  *speedup;
  GtkWidget  *verdict;
} Row;

/* ---- Where the time went: one stacked bar ----------------------------------- */

/* A bar split by state, in proportion to the mode's time in each (summed
 * over its tasks, plus the start-up): the shares, not the length, compare
 * across rows. */
#define LAB_TYPE_STATES_BAR (lab_states_bar_get_type ())
G_DECLARE_FINAL_TYPE (LabStatesBar, lab_states_bar, LAB, STATES_BAR, GtkWidget)

struct _LabStatesBar
{
  GtkWidget parent_instance;

  gint64    by_state[LAB_N_STATES];
  gboolean  known;
};

G_DEFINE_FINAL_TYPE (LabStatesBar, lab_states_bar, GTK_TYPE_WIDGET)

static gint64
lab_states_bar_total (LabStatesBar *self)
{
  gint64 total = 0;

  for (guint state = 0; state < LAB_N_STATES; state++)
    total += self->by_state[state];
  return total;
}

static void
lab_states_bar_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  LabStatesBar *self = LAB_STATES_BAR (widget);
  int width = gtk_widget_get_width (widget);
  int height = MIN (gtk_widget_get_height (widget), 12);
  int y = (gtk_widget_get_height (widget) - height) / 2;
  gint64 total = lab_states_bar_total (self), sum = 0;
  int x = 0;

  if (!self->known || total <= 0)
    return;

  /* Each piece ends where the running sum says, so the pieces always fill
   * the width exactly. */
  for (guint state = 0; state < LAB_N_STATES; state++)
    {
      int end;

      if (self->by_state[state] <= 0)
        continue;
      sum += self->by_state[state];
      end = (int) ((double) sum * width / total + 0.5);
      if (end > x)
        lab_state_style_append (snapshot, state, &GRAPHENE_RECT_INIT (x, y, end - x, height));
      x = end;
    }
}

static void
lab_states_bar_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? STATES_BAR_WIDTH : 12;
}

static void
lab_states_bar_class_init (LabStatesBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = lab_states_bar_snapshot;
  widget_class->measure = lab_states_bar_measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lab_states_bar_init (LabStatesBar *self)
{
}

/* The totals, in the tooltip (and for screen readers): each state's
 * seconds and share, biggest first. */
static void
lab_states_bar_set (LabStatesBar *self,
                    const gint64 *by_state,
                    gboolean      add)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean shown[LAB_N_STATES] = { FALSE };
  gint64 total;

  for (guint state = 0; state < LAB_N_STATES; state++)
    self->by_state[state] = (add && self->known ? self->by_state[state] : 0) + by_state[state];
  self->known = TRUE;
  total = lab_states_bar_total (self);

  g_string_append (text, _("Where the time went, summed over the tasks:"));
  for (guint n = 0; n < LAB_N_STATES && total > 0; n++)
    {
      guint best = LAB_N_STATES;

      for (guint state = 0; state < LAB_N_STATES; state++)
        if (!shown[state] && self->by_state[state] > 0
            && (best == LAB_N_STATES || self->by_state[state] > self->by_state[best]))
          best = state;
      if (best == LAB_N_STATES)
        break;
      shown[best] = TRUE;
      g_string_append_c (text, '\n');
      /* Translators: a state's total in the timings, e.g. "Waiting for the GIL: 2.95 s (74 %)" */
      g_string_append_printf (text, _("%s: %.2f s (%.0f %%)"), lab_state_get_title (best),
                              self->by_state[best] / 1e6, 100.0 * self->by_state[best] / total);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), total > 0 ? text->str : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  total > 0 ? text->str : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

struct _LabTimings
{
  GtkWidget   parent_instance;

  GtkWidget  *grid;
  guint       n_stages;
  GArray     *rows;   /* of Row */
  guint       dropped;       /* columns of priority 1..dropped are hidden */
  guint       wanted;        /* what the last allocation asked for */
  guint       drop_idle_id;
};

G_DEFINE_FINAL_TYPE (LabTimings, lab_timings, GTK_TYPE_WIDGET)

static GtkWidget *
cell (LabTimings *self,
      const char *text,
      float       xalign,
      int         column,
      int         row)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (GTK_GRID (self->grid), label, column, row, 1, 1);
  return label;
}

static void
header (LabTimings *self,
        const char *text,
        float       xalign,
        int         column)
{
  GtkWidget *label = cell (self, text, xalign, column, 0);

  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "dim-label");
}

static void apply_dropped (LabTimings *self);

static void
clear_grid (LabTimings *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  g_array_set_size (self->rows, 0);
}

/* Starts a new table: one stage column per name (say "Download", "Save",
 * "Hash"), or just the job's name. */
void
lab_timings_reset (LabTimings         *self,
                   const char * const *stages)
{
  int column = 0;

  g_return_if_fail (LAB_IS_TIMINGS (self));

  clear_grid (self);
  self->n_stages = stages ? MIN (g_strv_length ((char **) stages), MAX_STAGES) : 0;

  header (self, _("Mode"), 0, column++);
  for (guint i = 0; i < self->n_stages; i++)
    header (self, stages[i], 1, column++);
  header (self, _("Wall time"), 1, column++);
  header (self, _("Start-up"), 1, column++);
  header (self, "", 0, column++);
  /* A short heading: the column must fit a 1024 px projector with the
   * pipeline's three stages. */
  header (self, _("Time spent"), 0, column++);
  header (self, _("Speed-up"), 1, column++);
  header (self, _("Verified"), 0.5, column++);
  apply_dropped (self);
}

static Row *
find_row (LabTimings *self,
          LabMode     mode)
{
  for (guint i = 0; i < self->rows->len; i++)
    if (g_array_index (self->rows, Row, i).mode == mode)
      return &g_array_index (self->rows, Row, i);

  return NULL;
}

static Row *
add_row (LabTimings *self,
         LabMode     mode)
{
  Row row = { .mode = mode };
  int y = self->rows->len + 1, x = 0;

  row.title = cell (self, "", 0, x++, y);
  for (guint i = 0; i < self->n_stages; i++)
    row.stages[i] = cell (self, "", 1, x++, y);
  row.wall = cell (self, "", 1, x++, y);
  row.startup = cell (self, "", 1, x++, y);
  gtk_widget_add_css_class (row.startup, "dim-label");
  if (mode == LAB_MODE_DISTRIBUTED)
    gtk_widget_set_tooltip_text (row.startup, _("Time to reach the broker, before the clock "
                                                "starts — and, when the app starts them itself, to "
                                                "start the broker and its local workers and wait "
                                                "for them to join"));
  else
    gtk_widget_set_tooltip_text (row.startup, _("Time to start the workers, before the clock "
                                                "starts: processes pay it, threads hardly"));

  row.bar = gtk_level_bar_new ();
  gtk_widget_set_hexpand (row.bar, TRUE);
  gtk_widget_set_valign (row.bar, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (row.bar, BAR_WIDTH, -1);
  gtk_level_bar_set_min_value (GTK_LEVEL_BAR (row.bar), 0);
  gtk_level_bar_set_max_value (GTK_LEVEL_BAR (row.bar), 1);
  /* A plain bar: no "low/high" colours, longer simply means slower. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (row.bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (row.bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (row.bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_grid_attach (GTK_GRID (self->grid), row.bar, x++, y, 1, 1);

  row.states = g_object_new (LAB_TYPE_STATES_BAR, NULL);
  gtk_widget_set_valign (row.states, GTK_ALIGN_CENTER);
  gtk_grid_attach (GTK_GRID (self->grid), row.states, x++, y, 1, 1);

  row.speedup = cell (self, "", 1, x++, y);
  row.verdict = cell (self, "", 0.5, x++, y);

  g_array_append_val (self->rows, row);
  apply_dropped (self);
  return &g_array_index (self->rows, Row, self->rows->len - 1);
}

static char *
format_seconds (gint64 us)
{
  return g_strdup_printf (_("%.2f s"), us / 1e6);
}

void
lab_timings_update (LabTimings   *self,
                    LabMode       mode,
                    const char   *title,
                    const gint64 *stage_us,
                    gint64        wall_us,
                    gint64        startup_us,
                    gboolean      running,
                    double        speedup,
                    LabVerdict    verdict,
                    const char   *detail)
{
  g_autofree char *wall = NULL;
  g_autofree char *speed = NULL;
  gint64 longest = 1;
  Row *row;

  g_return_if_fail (LAB_IS_TIMINGS (self));
  g_return_if_fail (mode < LAB_N_ALL_MODES);

  row = find_row (self, mode);
  if (row == NULL)
    row = add_row (self, mode);

  row->wall_us = wall_us;
  gtk_label_set_text (GTK_LABEL (row->title), title);

  for (guint i = 0; i < self->n_stages; i++)
    {
      g_autofree char *text = stage_us != NULL && stage_us[i] > 0 ? format_seconds (stage_us[i])
                                                                  : g_strdup ("");
      gtk_label_set_text (GTK_LABEL (row->stages[i]), text);
    }

  wall = format_seconds (wall_us);
  if (running)
    {
      g_autofree char *ticking = g_strdup_printf ("%s…", wall);
      gtk_label_set_text (GTK_LABEL (row->wall), ticking);
    }
  else
    gtk_label_set_text (GTK_LABEL (row->wall), wall);

  {
    g_autofree char *startup = startup_us > 0 ? g_strdup_printf (_("%.3f s"), startup_us / 1e6)
                                              : g_strdup ("");
    gtk_label_set_text (GTK_LABEL (row->startup), startup);
  }

  speed = isnan (speedup) ? g_strdup ("—") : g_strdup_printf ("%.2f×", speedup);
  gtk_label_set_text (GTK_LABEL (row->speedup), running ? "" : speed);

  switch (verdict)
    {
    case LAB_VERDICT_VERIFIED:
      gtk_label_set_text (GTK_LABEL (row->verdict), "✓");
      gtk_widget_remove_css_class (row->verdict, "error");
      gtk_widget_add_css_class (row->verdict, "success");
      break;
    case LAB_VERDICT_FAILED:
      gtk_label_set_text (GTK_LABEL (row->verdict), "✗");
      gtk_widget_remove_css_class (row->verdict, "success");
      gtk_widget_add_css_class (row->verdict, "error");
      break;
    case LAB_VERDICT_CANCELLED:
      gtk_label_set_text (GTK_LABEL (row->verdict), _("cancelled"));
      break;
    case LAB_VERDICT_PENDING:
    default:
      gtk_label_set_text (GTK_LABEL (row->verdict), "");
      break;
    }
  gtk_widget_set_tooltip_text (row->verdict, detail);

  /* Bars are relative to the slowest row so far. */
  for (guint i = 0; i < self->rows->len; i++)
    longest = MAX (longest, g_array_index (self->rows, Row, i).wall_us);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *r = &g_array_index (self->rows, Row, i);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (r->bar), (double) r->wall_us / longest);
    }
}

guint
lab_timings_get_n_rows (LabTimings *self)
{
  g_return_val_if_fail (LAB_IS_TIMINGS (self), 0);

  return self->rows->len;
}

/* The row as one line of text, for tests and screen readers. */
char *
lab_timings_dup_row_text (LabTimings *self,
                          LabMode     mode)
{
  GString *text;
  Row *row;

  g_return_val_if_fail (LAB_IS_TIMINGS (self), NULL);

  row = find_row (self, mode);
  if (row == NULL)
    return NULL;

  text = g_string_new (gtk_label_get_text (GTK_LABEL (row->title)));
  for (guint i = 0; i < self->n_stages; i++)
    g_string_append_printf (text, " %s", gtk_label_get_text (GTK_LABEL (row->stages[i])));
  g_string_append_printf (text, " %s %s %s %s", gtk_label_get_text (GTK_LABEL (row->wall)),
                          gtk_label_get_text (GTK_LABEL (row->startup)),
                          gtk_label_get_text (GTK_LABEL (row->speedup)),
                          gtk_label_get_text (GTK_LABEL (row->verdict)));
  return g_string_free (text, FALSE);
}

/* ---- Fitting the screen ----------------------------------------------------- */

static guint
column_priority (LabTimings *self,
                 int         column)
{
  int wall = 1 + self->n_stages;

  if (column >= 1 && column < wall)
    return DROP_NEXT;
  if (column == wall + 3)
    return DROP_FIRST;
  if (column == wall + 1 || column == wall + 2)
    return DROP_SECOND;
  return KEEP;
}

#define RETURN_SLACK 12   /* px */

static gboolean
column_shown (LabTimings *self,
              int         column,
              guint       dropped)
{
  guint priority = column_priority (self, column);

  return priority == KEEP || priority > dropped;
}

/* The width the table needs with columns of priority 1..@dropped hidden,
 * from the cells' text (hidden cells measure as nothing, so the text is
 * laid out here in each cell's own font). */
static int
needed_width (LabTimings *self,
              guint       dropped)
{
  int widths[2 + MAX_STAGES + 6] = { 0 };
  int total = 0, shown = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (self->grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int column, width = LAB_IS_STATES_BAR (child) ? STATES_BAR_WIDTH : BAR_WIDTH;

      gtk_grid_query_child (GTK_GRID (self->grid), child, &column, NULL, NULL, NULL);
      if (column < 0 || column >= (int) G_N_ELEMENTS (widths))
        continue;
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child))
        {
          g_autoptr(PangoLayout) layout =
            gtk_widget_create_pango_layout (child, gtk_label_get_text (GTK_LABEL (child)));

          pango_layout_get_pixel_size (layout, &width, NULL);
        }
      else if (GTK_IS_LABEL (child))
        {
          /* GTK does not restyle a hidden widget: after the presentation
           * scale changed, its font is the old one.  The table's own font
           * stands in for it (bold for a heading). */
          g_autoptr(PangoLayout) layout =
            gtk_widget_create_pango_layout (GTK_WIDGET (self), gtk_label_get_text (GTK_LABEL (child)));

          if (gtk_widget_has_css_class (child, "heading"))
            {
              g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

              pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
              pango_layout_set_attributes (layout, attrs);
            }
          pango_layout_get_pixel_size (layout, &width, NULL);
        }
      widths[column] = MAX (widths[column], width);
    }

  for (int column = 0; column < (int) G_N_ELEMENTS (widths); column++)
    if (widths[column] > 0 && column_shown (self, column, dropped))
      {
        total += widths[column];
        shown++;
      }
  return total + MAX (shown - 1, 0) * gtk_grid_get_column_spacing (GTK_GRID (self->grid));
}

static void
apply_dropped (LabTimings *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (self->grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int column;

      gtk_grid_query_child (GTK_GRID (self->grid), child, &column, NULL, NULL, NULL);
      gtk_widget_set_visible (child, column_shown (self, column, self->dropped));
    }
}

static gboolean
drop_columns (gpointer user_data)
{
  LabTimings *self = user_data;

  self->drop_idle_id = 0;
  if (self->wanted != self->dropped)
    {
      self->dropped = self->wanted;
      apply_dropped (self);
    }
  return G_SOURCE_REMOVE;
}

static void
lab_timings_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  LabTimings *self = LAB_TIMINGS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* As narrow as the kept columns, as wide as all of them. */
      *minimum = needed_width (self, N_DROPS - 1);
      *natural = MAX (*minimum, needed_width (self, 0));
    }
  else
    gtk_widget_measure (self->grid, orientation, -1, minimum, natural, NULL, NULL);
}

/* The presentation's text scale changes the cells' font, not the table's
 * width: which columns fit must be measured again all the same. */
static void
lab_timings_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lab_timings_parent_class)->css_changed (widget, change);
  gtk_widget_queue_resize (widget);
}

static void
lab_timings_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  LabTimings *self = LAB_TIMINGS (widget);
  int grid_min;
  guint wanted = N_DROPS - 1;

  /* Columns come back only with room to spare: their width is estimated
   * while hidden (see needed_width ()), and a table must not flicker
   * between two layouts. */
  for (guint dropped = 0; dropped < N_DROPS; dropped++)
    if (needed_width (self, dropped) + (dropped < self->dropped ? RETURN_SLACK : 0) <= width)
      {
        wanted = dropped;
        break;
      }

  /* Showing or hiding cells now would change the size being handed out;
   * the next frame lays the table out with its new columns. */
  self->wanted = wanted;
  if (wanted != self->dropped && self->drop_idle_id == 0)
    self->drop_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, drop_columns, self, NULL);

  gtk_widget_measure (self->grid, GTK_ORIENTATION_HORIZONTAL, -1, &grid_min, NULL, NULL, NULL);
  gtk_widget_allocate (self->grid, MAX (width, grid_min), height, baseline, NULL);
}

/* How many of the table's columns are shown now. */
guint
lab_timings_get_n_shown_columns (LabTimings *self)
{
  guint n = 0;

  g_return_val_if_fail (LAB_IS_TIMINGS (self), 0);

  for (int column = 0; column < (int) (self->n_stages + 7); column++)
    n += column_shown (self, column, self->dropped);
  return n;
}

/**
 * lab_timings_set_time_by_state:
 * @by_state: gint64[LAB_N_STATES], µs (lab_run_get_time_by_state ())
 * @add: add to what the row has (a pipeline's later stage) instead of
 *   replacing it
 *
 * Where @mode's time went, for its row's stacked bar.  Nothing happens
 * for a mode without a row.
 */
void
lab_timings_set_time_by_state (LabTimings   *self,
                               LabMode       mode,
                               const gint64 *by_state,
                               gboolean      add)
{
  Row *row;

  g_return_if_fail (LAB_IS_TIMINGS (self));
  g_return_if_fail (by_state != NULL);

  row = find_row (self, mode);
  if (row != NULL)
    lab_states_bar_set (LAB_STATES_BAR (row->states), by_state, add);
}

/* What @mode's row says about where its time went; FALSE before it knows. */
gboolean
lab_timings_get_time_by_state (LabTimings *self,
                               LabMode     mode,
                               gint64     *by_state)
{
  Row *row;

  g_return_val_if_fail (LAB_IS_TIMINGS (self), FALSE);

  row = find_row (self, mode);
  if (row == NULL || !LAB_STATES_BAR (row->states)->known)
    return FALSE;
  memcpy (by_state, LAB_STATES_BAR (row->states)->by_state, sizeof (gint64) * LAB_N_STATES);
  return TRUE;
}

static void
lab_timings_dispose (GObject *object)
{
  LabTimings *self = LAB_TIMINGS (object);

  g_clear_handle_id (&self->drop_idle_id, g_source_remove);

  g_clear_pointer (&self->grid, gtk_widget_unparent);
  g_clear_pointer (&self->rows, g_array_unref);

  G_OBJECT_CLASS (lab_timings_parent_class)->dispose (object);
}

static void
lab_timings_class_init (LabTimingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_timings_dispose;
  widget_class->measure = lab_timings_measure;
  widget_class->size_allocate = lab_timings_size_allocate;
  widget_class->css_changed = lab_timings_css_changed;

  gtk_widget_class_set_css_name (widget_class, "timings");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
lab_timings_init (LabTimings *self)
{
  self->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  self->grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 18);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 6);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Timings"), -1);
  lab_timings_reset (self, NULL);
}

GtkWidget *
lab_timings_new (void)
{
  return g_object_new (LAB_TYPE_TIMINGS, NULL);
}
