/* test-window-present.c — the window in front of a class
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Presentation mode, the text scale, a lesson stepped through with a
 * presenter's keys, the blank screen, a 1024×768 projector, and the lesson
 * chooser, measured from widget allocations under a headless X server.
 */

#include "config.h"

#include "lab-application.h"
#include "lab-lesson.h"
#include "lab-lesson-card.h"
#include "lab-presentation.h"
#include "lab-timeline-switcher.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

static GtkWidget *
card_child (LabWindow  *window,
            const char *name)
{
  GObject *child = gtk_widget_get_template_child (lab_ui_window_child (window, "lesson_card"),
                                                  LAB_TYPE_LESSON_CARD, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static void
configure (const char *job,
           const char *mode,
           int         width,
           int         height)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "job", job);
  g_settings_set_string (settings, "mode", mode);
  g_settings_set_uint (settings, "tasks", 4);
  g_settings_set_uint (settings, "workers", 2);
  g_settings_set_uint (settings, "task-ms", 10);
  g_settings_set_uint (settings, "size-kib", 64);
  g_settings_set_uint (settings, "latency-ms", 10);
  g_settings_set_string (settings, "lesson", "");
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_reset (settings, "text-scale");
  g_settings_reset (settings, "presentation-scale");
}

/* The grid inside the timings, and its first row's mode cell. */
static GtkWidget *
timings_cell (LabWindow *window,
              int        column,
              int        row)
{
  GtkWidget *grid = gtk_widget_get_first_child (GTK_WIDGET (lab_window_get_timings (window)));

  return gtk_grid_get_child_at (GTK_GRID (grid), column, row);
}

static LabTimelineSwitcher *
find_switcher (LabWindow *window)
{
  GtkWidget *switcher = lab_ui_find_widget (GTK_WIDGET (window), LAB_TYPE_TIMELINE_SWITCHER);

  g_assert_nonnull (switcher);
  return LAB_TIMELINE_SWITCHER (switcher);
}

typedef struct
{
  int cell;       /* a body cell of the timings */
  int heading;    /* a heading of the timings */
  int timeline;   /* the timeline's natural height */
} Sizes;

static Sizes
measure (LabWindow *window)
{
  Sizes sizes;

  gtk_widget_measure (GTK_WIDGET (lab_window_get_timeline (window, LAB_MODE_THREADS)),
                      GTK_ORIENTATION_VERTICAL, -1, NULL, &sizes.timeline, NULL, NULL);
  sizes.cell = gtk_widget_get_height (timings_cell (window, 0, 1));
  sizes.heading = gtk_widget_get_height (timings_cell (window, 0, 0));
  g_test_message ("cell %d px, heading %d px, timeline %d px at %.2f×", sizes.cell, sizes.heading,
                  sizes.timeline, lab_presentation_get_scale (lab_window_get_presentation (window)));
  return sizes;
}

/* Presentation mode draws the card, the timeline and the timings larger
 * (150 % at first), Ctrl+plus takes them to 250 % and beyond, the choice is
 * remembered, Ctrl+0 brings back 100 %; the desk's own scale is untouched. */
static void
test_scale (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;
  Sizes normal, presenting, big, reset;

  configure ("sleep", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);
  normal = measure (window);

  lab_ui_activate_and_wait (window, "win.present");
  g_assert_true (lab_presentation_get_presenting (lab_window_get_presentation (window)));
  presenting = measure (window);
  g_assert_cmpint (presenting.cell * 10, >=, normal.cell * 13);
  g_assert_cmpint (presenting.heading * 10, >=, normal.heading * 13);
  g_assert_cmpint (presenting.timeline, >, normal.timeline);

  for (guint i = 0; i < 3; i++)
    lab_ui_activate_and_wait (window, "win.zoom-in");
  g_assert_cmpfloat (g_settings_get_double (settings, "presentation-scale"), >=, 2.5);
  big = measure (window);
  g_assert_cmpint (big.cell * 10, >=, normal.cell * 22);
  g_assert_cmpint (big.heading * 10, >=, normal.heading * 22);
  g_assert_cmpint (big.timeline, >, presenting.timeline);

  lab_ui_activate_and_wait (window, "win.zoom-reset");
  reset = measure (window);
  g_assert_cmpfloat (g_settings_get_double (settings, "presentation-scale"), ==, 1.0);
  g_assert_cmpint (ABS (reset.cell - normal.cell), <=, 1);

  lab_ui_activate_and_wait (window, "win.zoom-in");
  lab_ui_activate_and_wait (window, "win.present");
  g_assert_false (lab_presentation_get_presenting (lab_window_get_presentation (window)));
  g_assert_cmpfloat (g_settings_get_double (settings, "text-scale"), ==, 1.0);
  g_assert_cmpint (ABS (measure (window).cell - normal.cell), <=, 1);
  lab_ui_close_window (window);

  /* Remembered: the next window presents at the last scale chosen. */
  g_assert_cmpfloat (g_settings_get_double (settings, "presentation-scale"), ==, 1.25);
}

/* The async timeline's one lane with four tasks in flight: four sub-rows,
 * whose height must follow the text scale, or at 250 % the lane would stay
 * a thin strip under large labels. */
static void
test_rows (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabTimeline *timeline;
  LabWindow *window;
  int normal, big;

  configure ("sleep", "async", 1200, 780);
  g_settings_set_uint (settings, "task-ms", 200);
  g_settings_set_uint (settings, "workers", 4);
  window = lab_ui_open_window (app);
  timeline = lab_window_get_timeline (window, LAB_MODE_ASYNC);
  lab_ui_run_to_end (window);
  gtk_widget_measure (GTK_WIDGET (timeline), GTK_ORIENTATION_VERTICAL, -1, NULL, &normal, NULL, NULL);

  g_settings_set_double (settings, "presentation-scale", 2.5);
  lab_ui_activate_and_wait (window, "win.present");
  gtk_widget_measure (GTK_WIDGET (timeline), GTK_ORIENTATION_VERTICAL, -1, NULL, &big, NULL, NULL);
  g_test_message ("four sub-rows: %d px at 100 %%, %d px at %.2f×", normal, big,
                  lab_presentation_get_scale (lab_window_get_presentation (window)));
  g_assert_cmpint (big * 10, >=, normal * 18);

  lab_ui_activate_and_wait (window, "win.present");
  gtk_widget_measure (GTK_WIDGET (timeline), GTK_ORIENTATION_VERTICAL, -1, NULL, &big, NULL, NULL);
  g_assert_cmpint (big, ==, normal);
  lab_ui_close_window (window);
}

/* Tests reach into the timeline (lab-timeline-states.c). */
int lab_timeline_get_legend_height (LabTimeline *self);

/* The most opaque pixel of the strip above the axis's ticks (under the
 * legend), where only the axis's numbers are drawn, from 0 (nothing) to
 * 255. */
static guint
axis_label_alpha (LabTimeline *timeline)
{
  GtkWidget *widget = GTK_WIDGET (timeline);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget), strip = 10;
  int top = lab_timeline_get_legend_height (timeline);
  g_autofree guchar *pixels = NULL;
  guint most = 0;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, top, width, strip));
  pixels = g_malloc (width * strip * 4);
  gdk_texture_download (texture, pixels, width * 4);
  /* Cairo's ARGB32: the alpha is the last byte on a little-endian machine. */
  for (int i = 0; i < width * strip; i++)
    most = MAX (most, pixels[i * 4 + 3]);
  return most;
}

/* On a projector the axis's numbers are drawn as dark as the text, not in
 * the light grey of the desk. */
static void
test_axis_contrast (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabTimeline *timeline;
  LabWindow *window;
  guint normal, presenting;

  configure ("sleep", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  timeline = lab_window_get_timeline (window, LAB_MODE_THREADS);
  lab_ui_run_to_end (window);
  normal = axis_label_alpha (timeline);

  /* At the desk's own scale, so only the contrast changes. */
  g_settings_set_double (settings, "presentation-scale", 1.0);
  lab_ui_activate_and_wait (window, "win.present");
  presenting = axis_label_alpha (timeline);
  g_test_message ("axis labels: alpha %u at the desk, %u presenting", normal, presenting);
  g_assert_cmpuint (normal, <, 170);
  g_assert_cmpuint (presenting, >=, 240);

  lab_ui_activate_and_wait (window, "win.present");
  g_assert_cmpuint (axis_label_alpha (timeline), ==, normal);
  lab_ui_close_window (window);
}

/* What pressing @keyval does to @widget: the shortcut its class binds to
 * the key, run as a key press runs it (GTK 4.8 cannot inject key events). */
static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger)
              && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  return FALSE;
}

static gint64
visible_span (LabTimeline *timeline)
{
  gint64 from, to;

  lab_timeline_get_visible_range (timeline, &from, &to);
  return to - from;
}

static gboolean
is_fitted (LabTimeline *timeline)
{
  gint64 from, to;

  return lab_timeline_get_visible_range (timeline, &from, &to);
}

/* + and - on the timeline zoom in and out; the Fit button beside the
 * tabs shows the whole run again. */
static void
test_zoom_keys (void)
{
  LabTimelineSwitcher *switcher;
  LabTimeline *timeline;
  LabWindow *window;
  gint64 whole, zoomed;

  configure ("sleep", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  timeline = lab_window_get_timeline (window, LAB_MODE_THREADS);
  switcher = find_switcher (window);
  lab_ui_run_to_end (window);
  whole = visible_span (timeline);
  g_assert_true (is_fitted (timeline));

  g_assert_true (press_key (GTK_WIDGET (timeline), GDK_KEY_plus));
  g_assert_true (press_key (GTK_WIDGET (timeline), GDK_KEY_plus));
  zoomed = visible_span (timeline);
  g_test_message ("whole run %" G_GINT64_FORMAT " µs, zoomed in twice %" G_GINT64_FORMAT " µs",
                  whole, zoomed);
  g_assert_cmpint (zoomed * 2, <, whole);
  g_assert_false (is_fitted (timeline));

  g_assert_true (press_key (GTK_WIDGET (timeline), GDK_KEY_minus));
  g_assert_cmpint (visible_span (timeline), >, zoomed);
  g_assert_cmpint (visible_span (timeline), <, whole);

  g_assert_true (gtk_widget_get_mapped (lab_timeline_switcher_get_fit_button (switcher)));
  g_signal_emit_by_name (lab_timeline_switcher_get_fit_button (switcher), "clicked");
  g_assert_cmpint (visible_span (timeline), ==, whole);
  g_assert_true (is_fitted (timeline));
  lab_ui_close_window (window);
}

/* F11 (and the header's toggle) folds the setup away and marks the window
 * for full-contrast rules; leaving brings the setup back. */
static void
test_mode (void)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.present");
  LabWindow *window;
  AdwFlap *flap;

  g_assert_cmpstr (accels[0], ==, "F11");
  configure ("sleep", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  flap = ADW_FLAP (lab_ui_window_child (window, "flap"));
  g_assert_false (adw_flap_get_folded (flap));
  g_assert_true (adw_flap_get_reveal_flap (flap));

  lab_ui_activate_and_wait (window, "win.present");
  g_assert_true (adw_flap_get_folded (flap));
  g_assert_false (adw_flap_get_reveal_flap (flap));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "presenting"));

  /* Escape ends the show when nothing runs. */
  g_assert_true (lab_presentation_key (lab_window_get_presentation (window), GDK_KEY_Escape, 0));
  lab_ui_wait_frames (window, 3);
  g_assert_false (lab_presentation_get_presenting (lab_window_get_presentation (window)));
  g_assert_false (adw_flap_get_folded (flap));
  g_assert_true (adw_flap_get_reveal_flap (flap));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window), "presenting"));
  lab_ui_close_window (window);
}

static double
opacity (LabWindow  *window,
         const char *name)
{
  return gtk_widget_get_opacity (card_child (window, name));
}

/* A presenter's remote: PageDown shows the question, then runs the
 * lesson, then shows the verdict, then opens the next lesson of the
 * registry; PageUp goes back.  B blanks the screen, any key brings it back. */
static void
test_steps (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabPresentation *presentation;
  LabWindow *window;
  guint n, bank = 0;
  const LabLesson *lessons = lab_lesson_get_all (&n);
  g_autofree char *next = NULL;

  for (guint i = 0; i < n; i++)
    if (g_str_equal (lessons[i].id, "bank"))
      bank = i;
  configure ("sleep", "threads", 1200, 780);
  g_settings_set_string (settings, "lesson", "bank");
  window = lab_ui_open_window (app);
  g_object_set (window, "quick-lessons", TRUE, NULL);
  presentation = lab_window_get_presentation (window);

  /* Outside presentation mode PageDown and B are left alone. */
  g_assert_false (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
  g_assert_false (lab_presentation_key (presentation, GDK_KEY_b, 0));
  g_assert_cmpfloat (opacity (window, "lesson_question"), ==, 1.0);

  lab_ui_activate_and_wait (window, "win.present");
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_EXPLANATION);
  g_assert_cmpfloat (opacity (window, "lesson_question"), ==, 0.0);
  g_assert_cmpfloat (opacity (window, "lesson_verdict"), ==, 0.0);

  g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_PREDICT);
  g_assert_cmpfloat (opacity (window, "lesson_question"), ==, 1.0);
  g_assert_false (lab_window_get_running (window));

  g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
  g_assert_true (lab_window_get_running (window));
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_RUN);
  /* No skipping past a run that is still measuring. */
  g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_RUN);
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_assert_cmpstr (lab_window_get_verdict (window), !=, "");
  g_assert_cmpfloat (opacity (window, "lesson_steps"), ==, 1.0);
  g_assert_cmpfloat (opacity (window, "lesson_verdict"), ==, 0.0);

  g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_VERDICT);
  g_assert_cmpfloat (opacity (window, "lesson_verdict"), ==, 1.0);

  /* B blanks; any key (here "x") brings the lesson back and does nothing else. */
  g_assert_true (lab_presentation_key (presentation, GDK_KEY_B, 0));
  g_assert_true (lab_presentation_get_blanked (presentation));
  g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, "blank_screen")));
  g_assert_true (lab_presentation_key (presentation, GDK_KEY_x, 0));
  g_assert_false (lab_presentation_get_blanked (presentation));
  g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_VERDICT);

  if (bank + 1 < n)
    {
      g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Down, 0));
      next = g_settings_get_string (settings, "lesson");
      g_assert_cmpstr (next, ==, lessons[bank + 1].id);
      g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_EXPLANATION);
      g_assert_cmpfloat (opacity (window, "lesson_question"), ==, 0.0);

      g_assert_true (lab_presentation_key (presentation, GDK_KEY_Page_Up, 0));
      g_free (next);
      next = g_settings_get_string (settings, "lesson");
      g_assert_cmpstr (next, ==, "bank");
      g_assert_cmpint (lab_presentation_get_stage (presentation), ==, LAB_CLASS_VERDICT);
    }

  /* Leaving presentation mode shows the whole card again. */
  lab_ui_activate_and_wait (window, "win.present");
  g_assert_cmpfloat (opacity (window, "lesson_question"), ==, 1.0);
  g_assert_cmpfloat (opacity (window, "lesson_verdict"), ==, 1.0);
  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
}

/* Every column of the timings table and every mode page's tab is on
 * screen whole: which columns there are, and whether each is clipped. */
static guint
count_unclipped_columns (LabWindow *window,
                         guint     *n_columns)
{
  GtkWidget *grid = gtk_widget_get_first_child (GTK_WIDGET (lab_window_get_timings (window)));
  guint unclipped = 0;

  *n_columns = 0;
  for (int column = 0; gtk_grid_get_child_at (GTK_GRID (grid), column, 0) != NULL; column++)
    {
      GtkWidget *heading = gtk_grid_get_child_at (GTK_GRID (grid), column, 0);
      GtkWidget *last = gtk_grid_get_child_at (GTK_GRID (grid), column, LAB_N_MODES);

      if (!gtk_widget_get_visible (heading))
        continue;
      (*n_columns)++;
      if (lab_ui_is_unclipped (heading, GTK_WIDGET (window))
          && lab_ui_is_unclipped (last, GTK_WIDGET (window)))
        unclipped++;
      else
        g_test_message ("column %d (“%s”) is cut off", column,
                        GTK_IS_LABEL (heading) ? gtk_label_get_text (GTK_LABEL (heading)) : "");
    }
  return unclipped;
}

static gboolean
all_columns_back (gpointer data)
{
  guint n_columns;

  count_unclipped_columns (data, &n_columns);
  return n_columns == 3 + 7;
}

/* Every mode page of the job has its tab on screen, whole; or, when
 * @menu_allowed (large text), the menu that replaces the tabs is whole and
 * lists every page. */
static void
assert_mode_pages_reachable (LabWindow *window,
                             gboolean   menu_allowed)
{
  LabTimelineSwitcher *switcher = find_switcher (window);
  GtkWidget *tabs = lab_timeline_switcher_get_tabs (switcher);
  guint n = 0;

  if (lab_timeline_switcher_get_folded (switcher))
    {
      GtkDropDown *menu = lab_timeline_switcher_get_menu (switcher);

      g_test_message ("the mode pages are a menu");
      g_assert_true (menu_allowed);
      g_assert_true (lab_ui_is_unclipped (GTK_WIDGET (menu), GTK_WIDGET (window)));
      g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (menu)), ==, LAB_N_MODES);
      return;
    }

  for (GtkWidget *tab = gtk_widget_get_first_child (tabs); tab != NULL;
       tab = gtk_widget_get_next_sibling (tab))
    if (gtk_widget_get_visible (tab))   /* a page with nothing to show has no tab */
      {
        g_assert_true (lab_ui_is_unclipped (tab, GTK_WIDGET (window)));
        n++;
      }
  g_assert_cmpuint (n, ==, LAB_N_MODES);
}

/* A 1024×768 projector: the setup folds away (a button brings it back),
 * and the whole table — every stage of the download job — and every mode
 * page fit.  At 250 % in presentation mode where the time went, then the
 * start-up and the bar, then the stages drop out; what stays is whole. */
static void
test_fits_1024 (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabWindow *window;
  guint n_columns, unclipped;

  configure ("pipeline", "compare", 1024, 768);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);
  g_test_message ("window %d×%d", gtk_widget_get_width (GTK_WIDGET (window)),
                  gtk_widget_get_height (GTK_WIDGET (window)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 1024);
  g_assert_true (adw_flap_get_folded (ADW_FLAP (lab_ui_window_child (window, "flap"))));
  g_assert_true (gtk_widget_get_mapped (lab_ui_window_child (window, "sidebar_button")));

  unclipped = count_unclipped_columns (window, &n_columns);
  /* mode, 3 stages, wall, start-up, bar, where the time went, speed-up, ✓ */
  g_assert_cmpuint (n_columns, ==, 3 + 7);
  g_assert_cmpuint (unclipped, ==, n_columns);
  assert_mode_pages_reachable (window, FALSE);
  g_assert_true (lab_ui_is_unclipped (lab_timeline_switcher_get_fit_button (find_switcher (window)),
                                      GTK_WIDGET (window)));

  g_settings_set_double (settings, "presentation-scale", 2.5);
  lab_ui_activate_and_wait (window, "win.present");
  unclipped = count_unclipped_columns (window, &n_columns);
  g_test_message ("at 250 %%: %u columns shown", n_columns);
  g_assert_cmpuint (n_columns, <, 3 + 7);
  g_assert_cmpuint (n_columns, >=, 4);
  g_assert_cmpuint (unclipped, ==, n_columns);
  assert_mode_pages_reachable (window, TRUE);

  /* Back to 100 %: every column returns (the window leaves full screen
   * over a few frames, more under load, and the table follows it). */
  lab_ui_activate_and_wait (window, "win.present");
  lab_ui_wait_until (all_columns_back, window, 5000);
  unclipped = count_unclipped_columns (window, &n_columns);
  g_assert_cmpuint (n_columns, ==, 3 + 7);
  g_assert_cmpuint (unclipped, ==, n_columns);
  lab_ui_close_window (window);
}

/* The page shown is the one @timeline is on. */
static gboolean
shows_timeline (LabWindow   *window,
                LabTimeline *timeline)
{
  GtkStack *stack = GTK_STACK (lab_ui_window_child (window, "timeline_stack"));

  return gtk_widget_is_ancestor (GTK_WIDGET (timeline), gtk_stack_get_visible_child (stack));
}

/* The bank lesson's six step pages on a 1024×768 projector: their tabs
 * would make the window 1,650 px wide, so a menu takes their place; the
 * window stays within the screen, the menu is whole, lists every step
 * under the card's title, shows the page on screen, and each of its items
 * brings its page to the front. */
static void
test_fits_1024_lesson (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  LabTimelineSwitcher *switcher;
  GtkDropDown *menu;
  GListModel *items;
  LabWindow *window;
  guint n_pages;

  configure ("sleep", "threads", 1024, 768);
  g_settings_set_string (settings, "lesson", "bank");
  window = lab_ui_open_window (app);
  g_object_set (window, "quick-lessons", TRUE, NULL);
  lab_ui_run_to_end (window);
  n_pages = lab_window_get_n_lesson_pages (window);
  g_test_message ("window %d×%d with %u step pages", gtk_widget_get_width (GTK_WIDGET (window)),
                  gtk_widget_get_height (GTK_WIDGET (window)), n_pages);
  g_assert_cmpuint (n_pages, ==, 6);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 1024);

  switcher = find_switcher (window);
  menu = lab_timeline_switcher_get_menu (switcher);
  items = gtk_drop_down_get_model (menu);
  g_assert_true (lab_timeline_switcher_get_folded (switcher));
  g_assert_true (lab_ui_is_unclipped (GTK_WIDGET (menu), GTK_WIDGET (window)));
  g_assert_true (lab_ui_is_unclipped (lab_timeline_switcher_get_fit_button (switcher),
                                      GTK_WIDGET (window)));
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, n_pages);
  for (guint i = 0; i < n_pages; i++)
    {
      g_autoptr(GtkStringObject) title = g_list_model_get_item (items, i);

      g_assert_cmpstr (gtk_string_object_get_string (title), ==,
                       lab_window_get_lesson_page_title (window, i));
    }

  /* Each item brings its page; the menu follows a page chosen elsewhere
   * (the card's step rows). */
  for (guint i = 0; i < n_pages; i++)
    {
      gtk_drop_down_set_selected (menu, i);
      g_assert_true (shows_timeline (window, lab_window_get_lesson_timeline (window, i)));
    }
  gtk_stack_set_visible_child (GTK_STACK (lab_ui_window_child (window, "timeline_stack")),
                               gtk_widget_get_ancestor (GTK_WIDGET (lab_window_get_lesson_timeline (window, 1)),
                                                        GTK_TYPE_SCROLLED_WINDOW));
  g_assert_cmpuint (gtk_drop_down_get_selected (menu), ==, 1);

  /* Back to a job: the pages go, and its tabs come back. */
  g_settings_set_string (settings, "lesson", "");
  g_settings_set_string (settings, "mode", "compare");
  lab_ui_run_to_end (window);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 1024);
  g_assert_false (lab_timeline_switcher_get_folded (switcher));
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, LAB_N_MODES);
  assert_mode_pages_reachable (window, FALSE);
  lab_ui_close_window (window);
}

/* A wide screen: the setup keeps a sidebar's width and the content pane
 * (timeline and timings) takes the rest; on a 1920×1080 panel its text
 * grows too (the test's X screen is 1280×800, so that part is checked on
 * the size-to-scale rule itself). */
static void
test_fits_wide (void)
{
  LabPresentation *presentation;
  LabWindow *window;
  GtkWidget *content;

  configure ("sleep", "compare", 1280, 800);
  window = lab_ui_open_window (app);
  presentation = lab_window_get_presentation (window);
  lab_ui_wait_frames (window, 3);
  content = lab_ui_window_child (window, "content_box");
  g_test_message ("window %d px wide, content %d px, text at %.2f×",
                  gtk_widget_get_width (GTK_WIDGET (window)), gtk_widget_get_width (content),
                  lab_presentation_get_scale (presentation));
  g_assert_false (adw_flap_get_folded (ADW_FLAP (lab_ui_window_child (window, "flap"))));
  g_assert_cmpint (gtk_widget_get_width (content), >=, gtk_widget_get_width (GTK_WIDGET (window)) - 460);
  g_assert_cmpfloat (lab_presentation_get_scale (presentation), ==, 1.0);

  lab_ui_close_window (window);

  g_assert_cmpfloat (lab_presentation_fit_for_size (1024, 768), ==, 1.0);
  g_assert_cmpfloat (lab_presentation_fit_for_size (1366, 768), ==, 1.0);
  g_assert_cmpfloat (lab_presentation_fit_for_size (1920, 1080), ==, 1.25);
  g_assert_cmpfloat (lab_presentation_fit_for_size (1920, 1200), ==, 1.5);
  g_assert_cmpfloat (lab_presentation_fit_for_size (3840, 2160), ==, 1.5);
}

/* The chooser: the registry's lessons in its order, whole titles. */
static void
test_lesson_titles (void)
{
  LabWindow *window;

  configure ("sleep", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  lab_ui_wait_frames (window, 3);
  lab_ui_check_lesson_titles (window);
  lab_ui_close_window (window);
}

/* In a lesson only the lesson's own choice shows (seed 003's About only
 * with its download job); the primary button says
 * what it does: the seed's "Download" for the download job, the job's verb
 * for the others, "Start the lesson" for a lesson. */
static void
test_lesson_controls (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char * const setup[] = { "job_group", "size_group", "rules_group" };
  GtkButton *button;
  LabWindow *window;

  configure ("pipeline", "threads", 1200, 780);
  window = lab_ui_open_window (app);
  button = GTK_BUTTON (lab_ui_window_child (window, "download_button"));
  g_assert_cmpstr (gtk_button_get_label (button), ==, "_Download");
  g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, "about_button")));
  g_settings_set_string (settings, "job", "cpu");
  g_assert_cmpstr (gtk_button_get_label (button), ==, "Compute");
  /* Seed 003's About is the download job's. */
  g_assert_false (gtk_widget_get_visible (lab_ui_window_child (window, "about_button")));
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, setup[i])));

  g_settings_set_string (settings, "job", "pipeline");
  g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, "about_button")));
  g_settings_set_string (settings, "lesson", "bank");
  g_assert_cmpstr (gtk_button_get_label (button), ==, "_Start the lesson");
  g_assert_false (gtk_widget_get_visible (lab_ui_window_child (window, "about_button")));
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    g_assert_false (gtk_widget_get_visible (lab_ui_window_child (window, setup[i])));

  g_settings_set_string (settings, "lesson", "");
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, setup[i])));
  g_assert_true (gtk_widget_get_visible (lab_ui_window_child (window, "about_button")));
  lab_ui_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;

  g_test_add_func ("/lab/window/present/scale", test_scale);
  g_test_add_func ("/lab/window/present/mode", test_mode);
  g_test_add_func ("/lab/window/present/rows", test_rows);
  g_test_add_func ("/lab/window/present/axis-contrast", test_axis_contrast);
  g_test_add_func ("/lab/window/timeline-keys", test_zoom_keys);
  g_test_add_func ("/lab/window/present/steps", test_steps);
  g_test_add_func ("/lab/window/fits-1024", test_fits_1024);
  g_test_add_func ("/lab/window/fits-1024/lesson", test_fits_1024_lesson);
  g_test_add_func ("/lab/window/fits-wide", test_fits_wide);
  g_test_add_func ("/lab/window/lesson-titles", test_lesson_titles);
  g_test_add_func ("/lab/window/lesson-controls", test_lesson_controls);

  return lab_ui_run_tests (&app);
}
