/* lab-card-split.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's content pane from top to bottom: a lesson's card (in its
 * scroller) and the timeline under it.  This widget decides how the height
 * is split between them, so that on a tall screen the card's verdict is
 * read without scrolling while the timeline still shows all its lanes.
 */

#define G_LOG_DOMAIN "lab-card-split"

#include "config.h"

#include "lab-card-split.h"

struct _LabCardSplit
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (LabCardSplit, lab_card_split, GTK_TYPE_WIDGET)

/* What the card may always take: two fifths of the window's height, in
 * steps of 20 px, as it always could (300 px on a 1024×768 projector). */
int
lab_card_split_share (int window_height)
{
  return MAX (100, window_height * 2 / 5 / 20 * 20);
}

/**
 * lab_card_split_card_height:
 * @height: the height of the whole split
 * @share: what the card may always take (lab_card_split_share())
 * @card_min: @card_nat: the card's minimum and natural height
 * @timeline_min: @timeline_nat: the timeline's (its tabs, its lanes)
 *
 * The rule, in one place: the card follows its content up to what the
 * timeline does not need, and scrolls beyond.  The timeline keeps the
 * height its lanes need (its natural height: the tabs, and the tallest
 * page's legend, axis and lanes), never less than
 * %LAB_CARD_SPLIT_TIMELINE_FLOOR, so the class sees every worker at once
 * during the run.  Two things it does not take: the card's @share, the
 * two fifths of the window it always had (a card squeezed to a line would
 * help nobody), and more than the floor for lanes that will scroll anyway
 * — a hundred threads' lanes do not fit beside the card, so a few more of
 * them would not be worth a verdict to scroll to.
 *
 * On a 1024×768 projector the card keeps the 300 px it had; on a
 * 1920×1080 panel a lesson of a dozen lanes leaves it half the height or
 * more.  Pure arithmetic, so a test can try each branch both ways.
 *
 * Returns: the card's height; the timeline gets the rest (less the gap).
 */
int
lab_card_split_card_height (int height,
                            int share,
                            int card_min,
                            int card_nat,
                            int timeline_min,
                            int timeline_nat)
{
  int available = height - LAB_CARD_SPLIT_SPACING;
  int reserved = LAB_CARD_SPLIT_TIMELINE_FLOOR;
  int most;

  if (timeline_nat <= available - share)
    reserved = MAX (timeline_nat, reserved);   /* whole, beside the card's share */
  most = MAX (share, available - reserved);

  /* The timeline's minimum (its tabs' row) is never taken. */
  most = MIN (most, available - timeline_min);
  return MAX (card_min, MIN (card_nat, most));
}

/* The two children, in the order the .ui gives them: card, then timeline.
 * A hidden card (a free experiment has none) takes no room, nor a gap; a
 * lone child takes everything. */
static gboolean
get_children (LabCardSplit  *self,
              GtkWidget    **card,
              GtkWidget    **timeline)
{
  *card = gtk_widget_get_first_child (GTK_WIDGET (self));
  *timeline = gtk_widget_get_last_child (GTK_WIDGET (self));
  if (*timeline == NULL)
    return FALSE;
  if (*card == *timeline || !gtk_widget_should_layout (*card))
    *card = NULL;
  if (!gtk_widget_should_layout (*timeline))
    *timeline = NULL;
  return TRUE;
}

/* A child's height for @width.  The card's scroller measures its content
 * at no width in particular (GTK 4.8), where the wrapped text is one long
 * line: the card's natural height is its content's at the width it gets. */
static void
measure_height (GtkWidget *child,
                int        width,
                int       *minimum,
                int       *natural)
{
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, width, minimum, natural, NULL, NULL);
  if (GTK_IS_SCROLLED_WINDOW (child) && gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (child)) != NULL)
    {
      GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (child));
      int content_nat = 0;

      if (gtk_widget_should_layout (content))
        gtk_widget_measure (content, GTK_ORIENTATION_VERTICAL, width, NULL, &content_nat, NULL, NULL);
      *natural = MAX (*minimum, content_nat);
    }
}

/* Expands as its children do, as a box would: the timeline's tabs stretch
 * across, so the pane takes the width the setup sidebar does not need. */
static void
lab_card_split_compute_expand (GtkWidget *widget,
                               gboolean  *hexpand,
                               gboolean  *vexpand)
{
  *hexpand = *vexpand = FALSE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      *hexpand = *hexpand || gtk_widget_compute_expand (child, GTK_ORIENTATION_HORIZONTAL);
      *vexpand = *vexpand || gtk_widget_compute_expand (child, GTK_ORIENTATION_VERTICAL);
    }
}

static GtkSizeRequestMode
lab_card_split_get_request_mode (GtkWidget *widget)
{
  /* The card's text wraps: its height depends on the width it gets. */
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
lab_card_split_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  GtkWidget *children[2];
  guint n = 0;

  *minimum = *natural = 0;
  if (!get_children (LAB_CARD_SPLIT (widget), &children[0], &children[1]))
    return;

  for (guint i = 0; i < 2; i++)
    {
      int child_min, child_nat;

      if (children[i] == NULL)
        continue;
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          gtk_widget_measure (children[i], orientation, -1, &child_min, &child_nat, NULL, NULL);
          *minimum = MAX (*minimum, child_min);
          *natural = MAX (*natural, child_nat);
        }
      else
        {
          /* A height for a width: both children get the whole width. */
          measure_height (children[i], for_size, &child_min, &child_nat);
          *minimum += child_min;
          *natural += child_nat;
        }
      n++;
    }
  if (orientation == GTK_ORIENTATION_VERTICAL && n == 2)
    {
      *minimum += LAB_CARD_SPLIT_SPACING;
      *natural += LAB_CARD_SPLIT_SPACING;
    }
}

static void
lab_card_split_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *card, *timeline;
  int card_min, card_nat, timeline_min = 0, timeline_nat = 0, share, card_height;

  if (!get_children (LAB_CARD_SPLIT (widget), &card, &timeline))
    return;

  if (card == NULL || timeline == NULL)
    {
      if (card != NULL || timeline != NULL)
        gtk_widget_allocate (card != NULL ? card : timeline, width, height, -1, NULL);
      return;
    }

  measure_height (card, width, &card_min, &card_nat);
  measure_height (timeline, width, &timeline_min, &timeline_nat);
  /* The window is laid out before its content: its height is final here. */
  share = lab_card_split_share (root != NULL ? gtk_widget_get_height (GTK_WIDGET (root)) : height);
  card_height = lab_card_split_card_height (height, share, card_min, card_nat, timeline_min,
                                            timeline_nat);
  g_debug ("%d px: card %d (needs %d), timeline %d (needs %d)", height, card_height, card_nat,
           height - LAB_CARD_SPLIT_SPACING - card_height, timeline_nat);

  gtk_widget_allocate (card, width, card_height, -1, NULL);
  gtk_widget_allocate (timeline, width, height - LAB_CARD_SPLIT_SPACING - card_height, -1,
                       gsk_transform_translate (NULL,
                                                &GRAPHENE_POINT_INIT (0, card_height
                                                                         + LAB_CARD_SPLIT_SPACING)));
}

static void
lab_card_split_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (lab_card_split_parent_class)->dispose (object);
}

static void
lab_card_split_class_init (LabCardSplitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_card_split_dispose;
  widget_class->compute_expand = lab_card_split_compute_expand;
  widget_class->get_request_mode = lab_card_split_get_request_mode;
  widget_class->measure = lab_card_split_measure;
  widget_class->size_allocate = lab_card_split_size_allocate;
}

static void
lab_card_split_init (LabCardSplit *self)
{
}

GtkWidget *
lab_card_split_new (void)
{
  return g_object_new (LAB_TYPE_CARD_SPLIT, NULL);
}
