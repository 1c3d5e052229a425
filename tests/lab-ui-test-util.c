/* lab-ui-test-util.c — starting, configuring and waiting on the window in widget tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Widget tests wait for a state (mapped, idle, gone), never for a fixed
 * time, and keep the main loop turning while they wait.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson.h"
#include "lab-lesson-chooser.h"
#include "lab-ui-test-util.h"

/* Widget tests need a display; without one the whole suite is skipped in
 * TAP's words (a plain `meson test` has none; ./run test starts Xvfb). */
gboolean
lab_ui_have_display (void)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display; ./run test starts Xvfb for these tests\n");
      return FALSE;
    }
  return TRUE;
}

/* Starts GTK and libadwaita for a window test and registers the
 * application its windows belong to; NULL, the suite skipped, without a
 * display. */
LabApplication *
lab_ui_test_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GError) error = NULL;
  LabApplication *app;

  if (!lab_ui_have_display ())
    return NULL;

  gtk_test_init (argc, argv, NULL);
  adw_init ();

  app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  return app;
}

/* Runs the tests added, then drops the application (and so its windows'
 * last references) before the process exits. */
int
lab_ui_run_tests (LabApplication **app)
{
  int status = g_test_run ();

  g_clear_object (app);
  return status;
}

/* Runs the window's job or lesson as the Run button does, and returns
 * once it is over and the layout that follows its last rows is on screen. */
void
lab_ui_run_to_end (LabWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_assert_false (lab_window_get_running (window));
  lab_ui_wait_frames (window, 3);
}

/* Activates the window's @action (say "win.present") as its shortcut
 * would, and returns once the window is restyled and laid out again. */
void
lab_ui_activate_and_wait (LabWindow  *window,
                          const char *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  lab_ui_wait_frames (window, 3);
}

/* Chooses a job as the setup panel would, through the GSettings keys its
 * controls are bound to: no lesson, no GIL. */
void
lab_ui_configure_job (const char *job,
                      const char *mode,
                      guint       tasks,
                      guint       workers,
                      guint       task_ms)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "job", job);
  g_settings_set_string (settings, "mode", mode);
  g_settings_set_uint (settings, "tasks", tasks);
  g_settings_set_uint (settings, "workers", workers);
  g_settings_set_uint (settings, "task-ms", task_ms);
  g_settings_set_boolean (settings, "gil", FALSE);
  g_settings_set_string (settings, "lesson", "");
}

/* Asks @widget for its tooltip at (@x, @y), as GTK does on hover; TRUE if
 * it has one there. */
gboolean
lab_ui_query_tooltip (GtkWidget *widget,
                      int        x,
                      int        y)
{
  g_autoptr(GtkTooltip) tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  gboolean shown = FALSE;

  g_signal_emit_by_name (widget, "query-tooltip", x, y, FALSE, tooltip, &shown);
  return shown;
}

/* Turns the main loop until @done says so, or @timeout_ms have passed. */
void
lab_ui_wait_until (gboolean (*done) (gpointer),
                   gpointer   data,
                   guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

/* Turns the main loop for @ms. */
void
lab_ui_spin_for (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

gboolean
lab_ui_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

gboolean
lab_ui_is_idle (gpointer window)
{
  return !lab_window_get_running (window);
}

LabWindow *
lab_ui_open_window (LabApplication *app)
{
  LabWindow *window = lab_window_new (app);

  gtk_window_present (GTK_WINDOW (window));
  lab_ui_wait_until (lab_ui_is_mapped, window, 5000);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  return window;
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closes @window and waits until it is finalized. */
void
lab_ui_close_window (LabWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_close (GTK_WINDOW (window));
  lab_ui_wait_until (is_gone, &weak, 5000);
  g_assert_null (weak);
}

/* The first widget of @type under @root, depth first, or NULL. */
GtkWidget *
lab_ui_find_widget (GtkWidget *root,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = lab_ui_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* @widget is on screen whole: mapped, given at least the width it needs,
 * and inside @window's allocation, measured from the widget allocations. */
gboolean
lab_ui_is_unclipped (GtkWidget *widget,
                     GtkWidget *window)
{
  graphene_rect_t bounds;
  GtkAllocation allocation;
  int minimum;

  if (!gtk_widget_get_mapped (widget)
      || !gtk_widget_compute_bounds (widget, window, &bounds))
    {
      g_test_message ("%s %p is not on screen", G_OBJECT_TYPE_NAME (widget), widget);
      return FALSE;
    }

  /* The allocation as handed out (CSS box included), against what the
   * widget asks for. */
  gtk_widget_get_allocation (widget, &allocation);
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("%s at %.0f,%.0f %.0f×%.0f (given %d, needs %d) in %d×%d", G_OBJECT_TYPE_NAME (widget),
                  bounds.origin.x, bounds.origin.y, bounds.size.width, bounds.size.height,
                  allocation.width, minimum, gtk_widget_get_width (window),
                  gtk_widget_get_height (window));
  if (allocation.width < minimum)
    return FALSE;

  return bounds.origin.x >= 0 && bounds.origin.y >= 0
         && bounds.origin.x + bounds.size.width <= gtk_widget_get_width (window) + 0.5
         && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (window) + 0.5;
}

static GtkLabel *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The lesson chooser lists the registry's lessons in its order, each under
 * its whole title: shown, never ellipsized, inside the window. */
void
lab_ui_check_lesson_titles (LabWindow *window)
{
  GtkWidget *chooser = lab_ui_find_widget (GTK_WIDGET (window), LAB_TYPE_LESSON_CHOOSER);
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  g_assert_nonnull (chooser);
  g_assert_nonnull (lab_lesson_chooser_get_row (LAB_LESSON_CHOOSER (chooser), 0));
  g_assert_null (lab_lesson_chooser_get_row (LAB_LESSON_CHOOSER (chooser), n + 1));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf (_("%s (seed %s)"), _(lessons[i].title), lessons[i].seed);
      GtkWidget *row = lab_lesson_chooser_get_row (LAB_LESSON_CHOOSER (chooser), i + 1);
      GtkLabel *label = find_label (row, title);

      g_test_message ("row %u: %s", i + 1, title);
      g_assert_nonnull (label);
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
      g_assert_true (lab_ui_is_unclipped (GTK_WIDGET (label), GTK_WIDGET (window)));
    }
}

static void
count_paint (GdkFrameClock *clock,
             guint         *painted)
{
  (*painted)++;
}

/* Turns the main loop until @window has painted @n frames (each a full
 * style, layout and paint pass), however slow the machine: a change made
 * before is on screen after two, and one more covers a change the layout
 * itself schedules (the timings dropping columns). */
void
lab_ui_wait_frames (LabWindow *window,
                    guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint painted = 0;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (count_paint), &painted);
  while (painted < n && g_get_monotonic_time () < deadline)
    {
      gtk_widget_queue_draw (GTK_WIDGET (window));
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    }
  g_signal_handler_disconnect (clock, handler);
  g_assert_cmpuint (painted, >=, n);
}

/* A widget of the window's template by its id, or of the setup panel's
 * (the sidebar has a template of its own). */
GtkWidget *
lab_ui_window_child (LabWindow  *window,
                     const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, name);

  if (child == NULL)
    child = G_OBJECT (lab_setup_panel_get_widget (lab_window_get_setup_panel (window), name));
  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}
