/* test-window-zh.c — the window in Simplified Chinese, with no English left
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lab-application.h"
#include "lab-lesson.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

/* Words that are the same in Chinese text: names of algorithms and such. */
static const char * const allowed[] = {
  "MD5", "SHA", "GIL", "CPU", "URL", "HTTP", "KiB", "MiB", "ms", "MB", "pid", NULL,
};

static gboolean
has_cjk (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF))
        return TRUE;
    }
  return FALSE;
}

/* An English word: three or more Latin letters that are not a known name. */
static gboolean
has_english_word (const char *text)
{
  g_autoptr(GRegex) word = g_regex_new ("[A-Za-z]{3,}", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (word, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *w = g_match_info_fetch (match, 0);

      if (!g_strv_contains (allowed, w))
        return TRUE;
      g_match_info_next (match, NULL);
    }
  return FALSE;
}

static void
collect_english (GtkWidget *widget,
                 GPtrArray *found)
{
  if (!gtk_widget_get_visible (widget))
    return;

  if (GTK_IS_LABEL (widget))
    {
      const char *text = gtk_label_get_text (GTK_LABEL (widget));

      if (text != NULL && has_english_word (text) && !has_cjk (text))
        g_ptr_array_add (found, g_strdup (text));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_english (child, found);
}

static void
test_chinese_window (void)
{
  g_autoptr(LabApplication) app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GPtrArray) english = g_ptr_array_new_with_free_func (g_free);
  LabWindow *window;
  gint64 deadline;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_settings_set_string (settings, "job", "sleep");
  g_settings_set_string (settings, "mode", "compare");
  g_settings_set_uint (settings, "tasks", 4);
  g_settings_set_uint (settings, "workers", 2);
  g_settings_set_uint (settings, "task-ms", 10);

  window = lab_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "并发实验室");

  /* Run the job, so the status line, the timings and the stall meter speak. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!lab_ui_is_idle (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  g_test_message ("status: %s", lab_window_get_status (window));
  g_assert_true (has_cjk (lab_window_get_status (window)));

  collect_english (GTK_WIDGET (window), english);
  for (guint i = 0; i < english->len; i++)
    g_test_message ("still English: “%s”", (char *) g_ptr_array_index (english, i));
  g_assert_cmpuint (english->len, ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The lesson chooser in Chinese: every title whole (Chinese titles are
 * wider per character, and wrap where the English ones fit), in the
 * registry's order, and translated. */
static void
test_chinese_lesson_titles (void)
{
  g_autoptr(LabApplication) app = lab_application_new (G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);
  LabWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_settings_set_int (settings, "window-width", 1200);
  g_settings_set_int (settings, "window-height", 780);
  window = lab_ui_open_window (app);
  lab_ui_wait_frames (window, 3);

  for (guint i = 0; i < n; i++)
    g_assert_true (has_cjk (_(lessons[i].title)));
  lab_ui_check_lesson_titles (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("LAB_LOCALEDIR");
  g_autofree char *catalog = NULL;

  if (!lab_ui_have_display ())
    return 0;

  catalog = g_build_filename (localedir ? localedir : LOCALEDIR, "zh_CN", "LC_MESSAGES",
                              GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (catalog, G_FILE_TEST_EXISTS))
    {
      g_print ("1..0 # SKIP no Chinese catalog at %s\n", catalog);
      return 0;
    }

  /* A Chinese run without generated locales, as on a bare Debian. */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/lab/window/chinese", test_chinese_window);
  g_test_add_func ("/lab/window/chinese/lesson-titles", test_chinese_lesson_titles);
  return g_test_run ();
}
