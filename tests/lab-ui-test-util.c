/* lab-ui-test-util.c — waiting on the window in widget tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Widget tests wait for a state (mapped, idle, gone), never for a fixed
 * time, and keep the main loop turning while they wait.
 */

#include "config.h"

#include "lab-ui-test-util.h"

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
