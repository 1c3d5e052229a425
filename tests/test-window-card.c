/* test-window-card.c — the lesson card's height beside the timeline
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How the card and the timeline share the content pane (lab-card-split.c):
 * on a 1920×1080 panel the verdict needs no scrolling, on a 1024×768
 * projector the card keeps what it had and the timeline its floor;
 * measured from widget allocations under a headless X server.
 */

#include "config.h"

#include "lab-application.h"
#include "lab-card-split.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

static void
configure (const char *lesson,
           int         width,
           int         height)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "job", "sleep");
  g_settings_set_string (settings, "mode", "threads");
  g_settings_set_string (settings, "lesson", lesson);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_reset (settings, "text-scale");
  g_settings_reset (settings, "presentation-scale");
}

/* How the card and the timeline share the pane's height, as allocated. */
typedef struct
{
  int    pane;            /* the split: card, gap, timeline */
  int    card;            /* the card's scroller */
  int    card_needs;      /* the card's content at its width */
  int    timeline;        /* the timeline's tabs and page */
  int    timeline_needs;
  double scroll_range;    /* how far the card scrolls */
} Split;

static Split
measure_split (LabWindow *window)
{
  GtkWidget *split = lab_ui_window_child (window, "card_split");
  GtkWidget *scroller = lab_ui_window_child (window, "card_scroller");
  GtkWidget *timeline = gtk_widget_get_last_child (split);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  int width = gtk_widget_get_width (split);
  Split s;

  s.pane = gtk_widget_get_height (split);
  s.card = gtk_widget_get_height (scroller);
  s.timeline = gtk_widget_get_height (timeline);
  gtk_widget_measure (lab_ui_window_child (window, "lesson_card"), GTK_ORIENTATION_VERTICAL, width,
                      NULL, &s.card_needs, NULL, NULL);
  gtk_widget_measure (timeline, GTK_ORIENTATION_VERTICAL, width, NULL, &s.timeline_needs, NULL, NULL);
  s.scroll_range = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  /* What the timeline says it needs covers every step page's lanes. */
  g_assert_cmpuint (lab_window_get_n_lesson_pages (window), >, 0);
  for (guint i = 0; i < lab_window_get_n_lesson_pages (window); i++)
    {
      int lanes;

      gtk_widget_measure (GTK_WIDGET (lab_window_get_lesson_timeline (window, i)),
                          GTK_ORIENTATION_VERTICAL, -1, NULL, &lanes, NULL, NULL);
      g_assert_cmpint (s.timeline_needs, >, lanes);
    }
  g_test_message ("window %d×%d: pane %d px, card %d (needs %d, scrolls %.0f), timeline %d (needs %d)",
                  gtk_widget_get_width (GTK_WIDGET (window)), gtk_widget_get_height (GTK_WIDGET (window)),
                  s.pane, s.card, s.card_needs, s.scroll_range, s.timeline, s.timeline_needs);
  g_assert_cmpint (s.card + LAB_CARD_SPLIT_SPACING + s.timeline, ==, s.pane);
  return s;
}

/* The timeline keeps what its lanes need when they fit beside the card's
 * share of the window, else (they scroll anyway) at least the floor. */
static void
assert_timeline_kept (LabWindow   *window,
                      const Split *s)
{
  int share = lab_card_split_share (gtk_widget_get_height (GTK_WIDGET (window)));

  if (s->timeline_needs <= s->pane - LAB_CARD_SPLIT_SPACING - share)
    g_assert_cmpint (s->timeline, >=, MAX (s->timeline_needs, LAB_CARD_SPLIT_TIMELINE_FLOOR));
  else
    g_assert_cmpint (s->timeline, >=, LAB_CARD_SPLIT_TIMELINE_FLOOR);
}

/* A lesson's card on a 1920×1080 panel (the window held at that size: no
 * window manager clamps it to the test's smaller X screen): after the run
 * the verdict is read without scrolling, at the desk's text size and at
 * presentation mode's larger one, where the card needs more than the two
 * fifths of the window it had; the timeline keeps what it needs.  On a
 * 1024×768 projector the card keeps the 300 px it had (and scrolls to the
 * verdict), and the timeline keeps at least its floor. */
static void
test_card_height (void)
{
  const int pane_at_1080 = 900;   /* less the header, status bar, margins */
  LabWindow *window;
  Split s;

  configure ("queries", 1920, 1080);
  window = lab_ui_open_window (app);
  gtk_widget_set_size_request (GTK_WIDGET (window), 1920, 1080);
  g_object_set (window, "quick-lessons", TRUE, NULL);
  lab_ui_run_to_end (window);
  g_test_message ("verdict: %s", lab_window_get_verdict (window));
  s = measure_split (window);
  g_assert_cmpint (s.pane, >=, pane_at_1080);
  /* The pane still takes the width the setup sidebar does not need. */
  g_assert_true (gtk_widget_compute_expand (lab_ui_window_child (window, "card_split"),
                                            GTK_ORIENTATION_HORIZONTAL));
  g_assert_cmpint (s.card, ==, s.card_needs);
  g_assert_cmpfloat (s.scroll_range, <=, 0.5);
  g_assert_cmpint (s.timeline, >=, MAX (s.timeline_needs, LAB_CARD_SPLIT_TIMELINE_FLOOR));

  lab_ui_activate_and_wait (window, "win.present");
  s = measure_split (window);
  g_assert_cmpint (s.card_needs, >, lab_card_split_share (gtk_widget_get_height (GTK_WIDGET (window))));
  g_assert_cmpint (s.card, ==, s.card_needs);
  g_assert_cmpfloat (s.scroll_range, <=, 0.5);
  assert_timeline_kept (window, &s);
  lab_ui_activate_and_wait (window, "win.present");
  lab_ui_close_window (window);

  configure ("queries", 1024, 768);
  window = lab_ui_open_window (app);
  g_object_set (window, "quick-lessons", TRUE, NULL);
  lab_ui_run_to_end (window);
  s = measure_split (window);
  g_assert_cmpint (s.pane, <, pane_at_1080 * 3 / 4);
  assert_timeline_kept (window, &s);
  g_assert_cmpint (s.card, >=, MIN (s.card_needs, 300));
  /* A card cut short scrolls to its verdict. */
  g_assert_cmpint (s.card, <=, s.card_needs);
  if (s.card < s.card_needs)
    g_assert_cmpfloat (s.scroll_range, >, 0);
  lab_ui_close_window (window);
}

/* The rule itself, each branch both ways (heights in px; the pane 965 px
 * in a 1070 px window as at 1920×1080, 653 px in 758 px as at 1024×768). */
static void
test_card_split_rule (void)
{
  const int floor = LAB_CARD_SPLIT_TIMELINE_FLOOR;
  int wide = lab_card_split_share (1070), small = lab_card_split_share (758);

  g_assert_cmpint (wide, ==, 420);
  g_assert_cmpint (small, ==, 300);
  g_assert_cmpint (lab_card_split_share (200), ==, 100);
  /* A card that fits gets its natural height, a longer one scrolls. */
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 300, 40, 450), ==, 300);
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 900, 40, 450), ==, 965 - 12 - 450);
  /* The timeline keeps its floor when its lanes need less. */
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 900, 40, 100), ==, 965 - 12 - floor);
  /* Lanes that do not fit beside the card's share scroll anyway: the floor. */
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 900, 40, 3000), ==, 965 - 12 - floor);
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 900, 40, 965 - 12 - wide), ==, wide);
  g_assert_cmpint (lab_card_split_card_height (965, wide, 10, 900, 40, 965 - 12 - wide + 1), ==,
                   965 - 12 - floor);
  /* On a 1024×768 projector the floor and the card's share meet: the
   * card keeps about its 300 px whatever the timeline needs; lower, the
   * share wins over the floor. */
  g_assert_cmpint (lab_card_split_card_height (653, small, 10, 900, 40, 3000), ==, 653 - 12 - floor);
  g_assert_cmpint (ABS (lab_card_split_card_height (653, small, 10, 900, 40, 3000) - small), <=, 2);
  g_assert_cmpint (lab_card_split_card_height (653, small, 10, 900, 40, 341), ==, small);
  g_assert_cmpint (lab_card_split_card_height (653, small, 10, 900, 40, 200), ==, 653 - 12 - floor);
  g_assert_cmpint (lab_card_split_card_height (590, lab_card_split_share (700), 10, 900, 40, 3000),
                   ==, 280);
  /* Never into the timeline's minimum, never below the card's own. */
  g_assert_cmpint (lab_card_split_card_height (300, 100, 10, 900, 250, 3000), ==, 300 - 12 - 250);
  g_assert_cmpint (lab_card_split_card_height (300, 100, 80, 900, 250, 3000), ==, 80);
}

int
main (int   argc,
      char *argv[])
{
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;

  g_test_add_func ("/lab/window/card-height", test_card_height);
  g_test_add_func ("/lab/window/card-split-rule", test_card_split_rule);

  return lab_ui_run_tests (&app);
}
