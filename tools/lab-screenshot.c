/* lab-screenshot.c — renders the window after a Compare-all run to a PNG
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: lab-screenshot OUTPUT.png [MODE [LESSON]]   (under a display;
 * tools/screenshot starts Xvfb).  Real runs, not a mock-up: it presses
 * Download and waits.  MODE picks the timeline page to show, LESSON a seed
 * lesson to run instead of the Compare-all pipeline.
 *
 *        lab-screenshot --lesson LESSON PREFIX [--card-only]
 * runs LESSON once and writes PREFIX-card.png (the card scrolled to its
 * verdict) and PREFIX-step-N.png (step N's timeline page), one line per
 * image on stdout: the file, a tab, the page's title (tools/lesson-screenshots).
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

/* Draws @window into @path, through the window's own snapshot. */
static gboolean
draw_png (LabWindow  *window,
          const char *path)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));

  GTK_WIDGET_GET_CLASS (window)->snapshot (GTK_WIDGET (window), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  return gdk_texture_save_to_png (texture, path);
}

typedef struct
{
  LabWindow  *window;
  const char *path;
  gboolean    done;
  gboolean    saved;
} Shot;

static void
after_paint_cb (GdkFrameClock *clock,
                Shot          *shot)
{
  if (!shot->done)
    shot->saved = draw_png (shot->window, shot->path);
  shot->done = TRUE;
}

/* Saves the next frame, right after it is painted: then every widget has
 * its allocation (the stall meter's label changes every few frames, and
 * between its change and the next layout a snapshot would find widgets
 * without one). */
static gboolean
save_png (LabWindow  *window,
          const char *path)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  Shot shot = { window, path, FALSE, FALSE };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gulong handler;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &shot);
  gtk_widget_queue_draw (GTK_WIDGET (window));
  while (!shot.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  g_signal_handler_disconnect (clock, handler);
  if (!shot.saved)
    g_printerr ("lab-screenshot: no frame to save in %s\n", path);
  return shot.saved;
}

static GtkWidget *
template_child (LabWindow  *window,
                const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), LAB_TYPE_WINDOW, name));
}

/* The card scrolled to its end, where the verdict is. */
static void
scroll_card_to_verdict (LabWindow *window)
{
  GtkAdjustment *adjustment;

  iterate_for (200);   /* laid out with the verdict */
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (template_child (window, "lesson_card"),
                                                                                                  GTK_TYPE_SCROLLED_WINDOW)));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                        - gtk_adjustment_get_page_size (adjustment));
  iterate_for (200);
}

/* One lesson's set: its card after the run, and each step's page. */
static int
lesson_set (LabWindow  *window,
            const char *prefix,
            gboolean    card_only)
{
  GtkStack *stack = GTK_STACK (template_child (window, "timeline_stack"));
  g_autofree char *card = g_strdup_printf ("%s-card.png", prefix);
  guint n_pages = lab_window_get_n_lesson_pages (window);

  if (g_strcmp0 (lab_window_get_verdict (window), "") == 0)
    {
      g_printerr ("lab-screenshot: the lesson ended without a verdict: %s\n",
                  lab_window_get_status (window));
      return 1;
    }

  /* The first step's page under the card, as after choosing it there. */
  if (n_pages > 0)
    gtk_stack_set_visible_child (stack, gtk_widget_get_ancestor (GTK_WIDGET (lab_window_get_lesson_timeline (window, 0)),
                                                                 GTK_TYPE_SCROLLED_WINDOW));
  scroll_card_to_verdict (window);
  if (!save_png (window, card))
    {
      g_printerr ("lab-screenshot: cannot write %s\n", card);
      return 1;
    }
  g_print ("%s\t%s\n", card, "");

  for (guint i = 0; i < n_pages && !card_only; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s-step-%u.png", prefix, i + 1);

      gtk_stack_set_visible_child (stack, gtk_widget_get_ancestor (GTK_WIDGET (lab_window_get_lesson_timeline (window, i)),
                                                                   GTK_TYPE_SCROLLED_WINDOW));
      iterate_for (300);
      if (!save_png (window, path))
        {
          g_printerr ("lab-screenshot: cannot write %s\n", path);
          return 1;
        }
      g_print ("%s\t%s\n", path, lab_window_get_lesson_page_title (window, i));
    }
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LabApplication) app = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  const char *lesson = NULL, *prefix = NULL;
  gboolean card_only = FALSE;
  LabWindow *window;
  gint64 deadline;
  int width, height, status = 0;

  /* Worker processes are started from this binary unless told otherwise. */
  if (argc == 2 && g_str_equal (argv[1], LAB_WORKER_FLAG))
    return lab_worker_main ();

  if (argc >= 4 && g_str_equal (argv[1], "--lesson"))
    {
      lesson = argv[2];
      prefix = argv[3];
      card_only = argc == 5 && g_str_equal (argv[4], "--card-only");
      if (argc > 5 || (argc == 5 && !card_only))
        lesson = NULL;
    }
  if (lesson == NULL && (argc < 2 || argc > 4 || g_str_has_prefix (argv[1], "--")))
    {
      g_printerr ("usage: lab-screenshot OUTPUT.png [MODE [LESSON]]\n"
                  "       lab-screenshot --lesson LESSON PREFIX [--card-only]\n");
      return 2;
    }

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LAB_LOCALEDIR") ? g_getenv ("LAB_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_init ();
  adw_init ();
  /* A picture of a state, not of a transition: the timeline pages'
   * crossfade under load could still be half-way when the shot is taken. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("lab-screenshot: %s\n", error->message);
      return 1;
    }

  settings = g_settings_new (APP_ID);
  /* LAB_SCREENSHOT_JOB and LAB_SCREENSHOT_MODE pick another free
   * experiment (e.g. download, distributed: the Broker group's rows). */
  g_settings_set_string (settings, "job", g_getenv ("LAB_SCREENSHOT_JOB") ? g_getenv ("LAB_SCREENSHOT_JOB") : "pipeline");
  g_settings_set_string (settings, "mode", g_getenv ("LAB_SCREENSHOT_MODE") ? g_getenv ("LAB_SCREENSHOT_MODE") : "compare");
  g_settings_set_uint (settings, "tasks", 16);
  g_settings_set_uint (settings, "workers", 8);
  g_settings_set_uint (settings, "size-kib", 1024);
  g_settings_set_uint (settings, "latency-ms", 100);
  g_settings_set_string (settings, "lesson", lesson != NULL ? lesson : argc == 4 ? argv[3] : "");
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
  if (lesson != NULL)
    {
      status = lesson_set (window, prefix, card_only);
      gtk_window_destroy (GTK_WINDOW (window));
      return status;
    }
  if (argc >= 3 && *argv[2] != '\0')
    gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                              LAB_TYPE_WINDOW,
                                                                              "timeline_stack")),
                                      argv[2]);
  iterate_for (300);

  if (!save_png (window, argv[1]))
    {
      g_printerr ("lab-screenshot: cannot write %s\n", argv[1]);
      return 1;
    }

  g_print ("%s: %d×%d, %s\n", argv[1], gtk_widget_get_width (GTK_WIDGET (window)),
           gtk_widget_get_height (GTK_WIDGET (window)), lab_window_get_status (window));
  gtk_window_destroy (GTK_WINDOW (window));
  return status;
}
