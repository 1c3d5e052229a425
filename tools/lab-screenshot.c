/* lab-screenshot.c — renders the window after a Compare-all run to a PNG
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: lab-screenshot OUTPUT.png [MODE]   (under a display;
 * tools/screenshot starts Xvfb).  Real runs, not a mock-up: it presses
 * Download and waits.  MODE picks the timeline page to show, LESSON a seed
 * lesson to run instead of the Compare-all pipeline.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "lab-application.h"
#include "lab-window.h"
#include "lab-worker.h"

static void
iterate_for (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LabApplication) app = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  LabWindow *window;
  gint64 deadline;
  int width, height;

  /* Worker processes are started from this binary unless told otherwise. */
  if (argc == 2 && g_str_equal (argv[1], LAB_WORKER_FLAG))
    return lab_worker_main ();

  if (argc < 2 || argc > 4)
    {
      g_printerr ("usage: lab-screenshot OUTPUT.png [MODE [LESSON]]\n");
      return 2;
    }

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LAB_LOCALEDIR") ? g_getenv ("LAB_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_init ();
  adw_init ();
  app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("lab-screenshot: %s\n", error->message);
      return 1;
    }

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "job", "pipeline");
  g_settings_set_string (settings, "mode", "compare");
  g_settings_set_uint (settings, "tasks", 16);
  g_settings_set_uint (settings, "workers", 8);
  g_settings_set_uint (settings, "size-kib", 1024);
  g_settings_set_uint (settings, "latency-ms", 100);
  g_settings_set_string (settings, "lesson", argc == 4 ? argv[3] : "");
  /* LAB_SCREENSHOT_SIZE=WIDTHxHEIGHT (tools/screenshot sets it), and
   * LAB_SCREENSHOT_PRESENT=1 for presentation mode. */
  if (g_getenv ("LAB_SCREENSHOT_SIZE") == NULL
      || sscanf (g_getenv ("LAB_SCREENSHOT_SIZE"), "%dx%d", &width, &height) != 2)
    width = 1024, height = 768;
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);

  window = lab_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  if (g_strcmp0 (g_getenv ("LAB_SCREENSHOT_PRESENT"), "1") == 0)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.present", NULL);
  iterate_for (500);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (lab_window_get_running (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (argc >= 3 && *argv[2] != '\0')
    gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                              LAB_TYPE_WINDOW,
                                                                              "timeline_stack")),
                                      argv[2]);
  iterate_for (300);

  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!gdk_texture_save_to_png (texture, argv[1]))
    {
      g_printerr ("lab-screenshot: cannot write %s\n", argv[1]);
      return 1;
    }

  g_print ("%s: %d×%d, %s\n", argv[1], width, height, lab_window_get_status (window));
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
