/* lab-application.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-application"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-application.h"
#include "lab-resources.h"
#include "lab-window.h"

struct _LabApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (LabApplication, lab_application, ADW_TYPE_APPLICATION)

static void
lab_application_about (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  const char *developers[] = { "The Concurrency Lab authors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Concurrency Lab"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Concurrency Lab authors"),
                        "version", PACKAGE_VERSION,
                        "website", "https://github.com/concurrencylab/concurrency-lab",
                        "issue-url", "https://github.com/concurrencylab/concurrency-lab/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Concurrency Lab authors",
                        "comments", _("See what really happens when the same work runs one task "
                                      "after another, on threads, in worker processes, or on one "
                                      "event loop: real waits, real sums, real hashing, measured "
                                      "live and checked for correctness."),
                        "developers", developers,
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Lessons adapted from"),
                                       (const char *[]) {
                                         _("Five Chinese Python tutorials on threads, processes and asyncio"),
                                         NULL });
  gtk_window_present (GTK_WINDOW (about));
}

static void
lab_application_quit (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Close the windows like the close button does, so runs are cancelled
   * and workers end; the application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

static const GActionEntry app_actions[] = {
  { "about", lab_application_about },
  { "quit", lab_application_quit },
};

static void
lab_application_startup (GApplication *application)
{
  GtkApplication *app = GTK_APPLICATION (application);
  g_autoptr(GtkCssProvider) provider = NULL;

  G_APPLICATION_CLASS (lab_application_parent_class)->startup (application);

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/concurrencylab/ConcurrencyLab/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (app, "app.quit", (const char *[]) { "<Primary>q", NULL });
  gtk_application_set_accels_for_action (app, "win.run", (const char *[]) { "<Primary>Return", NULL });
  gtk_application_set_accels_for_action (app, "win.cancel", (const char *[]) { "Escape", NULL });
  /* In front of a class (lab-presentation.c); PageDown, PageUp and B act
   * only while presenting, so they are keys of the window, not accels. */
  gtk_application_set_accels_for_action (app, "win.present", (const char *[]) { "F11", NULL });
  gtk_application_set_accels_for_action (app, "win.zoom-in",
                                         (const char *[]) { "<Primary>plus", "<Primary>equal",
                                                            "<Primary>KP_Add", NULL });
  gtk_application_set_accels_for_action (app, "win.zoom-out",
                                         (const char *[]) { "<Primary>minus", "<Primary>KP_Subtract",
                                                            NULL });
  gtk_application_set_accels_for_action (app, "win.zoom-reset",
                                         (const char *[]) { "<Primary>0", "<Primary>KP_0", NULL });
}

static void
lab_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = GTK_WINDOW (lab_window_new (LAB_APPLICATION (application)));

  gtk_window_present (window);
}

static void
lab_application_class_init (LabApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  lab_register_resource ();

  app_class->startup = lab_application_startup;
  app_class->activate = lab_application_activate;
}

static void
lab_application_init (LabApplication *self)
{
}

LabApplication *
lab_application_new (GApplicationFlags flags)
{
  return g_object_new (LAB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags,
                       "resource-base-path", "/io/github/concurrencylab/ConcurrencyLab",
                       NULL);
}
