/* test-export.c — the window's Export menu: the trace, the image and the CSV
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every export goes the user's way: the menu's action opens the file
 * chooser (GTK's own dialog here, the portal's in a Flatpak), the test
 * picks a file in it and accepts, and the window writes it on a thread.
 * The file appears under its name only when complete (it is renamed into
 * place), so waiting for it to exist is waiting for the export to end.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <sys/resource.h>

#include "lab-export.h"
#include "lab-files.h"
#include "lab-test-util.h"
#include "lab-ui-test-util.h"
#include "lab-window.h"

static LabApplication *app;

/* The window's export chooser, if it is asking. */
static GtkFileChooser *
find_chooser (LabWindow *window)
{
  GtkNativeDialog *dialog = g_object_get_data (G_OBJECT (window), "lab-export-dialog");

  return dialog != NULL && gtk_native_dialog_get_visible (dialog) ? GTK_FILE_CHOOSER (dialog) : NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Activates @action as the menu does; returns the chooser it opened, or
 * NULL when it opened none (the action is disabled). */
static GtkFileChooser *
open_chooser (LabWindow  *window,
              const char *action,
              GVariant   *parameter)
{
  g_assert_null (find_chooser (window));
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (window), action, parameter));
  /* A disabled action does nothing; an enabled one shows the chooser at
   * once. */
  return find_chooser (window);
}

/* The user's answer to @chooser: Save (@accept) or Cancel.  The test
 * answers for the dialog (GTK's own here, the portal's in a Flatpak) as
 * the dialog does: it hides, then answers. */
static void
answer (GtkFileChooser *chooser,
        gboolean        accept)
{
  gtk_native_dialog_hide (GTK_NATIVE_DIALOG (chooser));
  g_signal_emit_by_name (chooser, "response", accept ? GTK_RESPONSE_ACCEPT : GTK_RESPONSE_CANCEL);
}

static gboolean
chooser_has_file (gpointer data)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (data);

  return file != NULL;
}

/* The user saves under the name the chooser @action opens suggests, in
 * the folder it opens in: the test's temporary folder, its working
 * directory.  Returns the file's path; waits until the window wrote it
 * (if @wait_for_file). */
static char *
export_to (LabWindow  *window,
           const char *action,
           GVariant   *parameter,
           gboolean    wait_for_file)
{
  GtkFileChooser *chooser = open_chooser (window, action, parameter);
  g_autofree char *here = g_get_current_dir ();
  g_autofree char *suggested = NULL;
  g_autoptr(GFile) file = NULL;
  char *path;

  g_assert_nonnull (chooser);
  suggested = gtk_file_chooser_get_current_name (chooser);
  /* GTK's dialog knows its folder once it has opened it. */
  lab_ui_wait_until (chooser_has_file, chooser, 10000);
  file = gtk_file_chooser_get_file (chooser);
  g_assert_nonnull (file);
  path = g_file_get_path (file);
  g_test_message ("%s saves to %s", action, path);
  g_assert_true (g_str_has_prefix (path, here));
  g_assert_true (g_str_has_suffix (path, suggested));
  answer (chooser, TRUE);
  if (wait_for_file)
    {
      lab_ui_wait_until (file_exists, path, 30000);
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
      /* The toast saying where it went is on the screen. */
      lab_ui_wait_frames (window, 5);
    }
  return path;
}

static char *start_dir;

/* A fresh temporary folder as the working directory, where the file
 * chooser of a window opened now starts. */
static char *
enter_temp_dir (void)
{
  /* A "&" in the name: the toasts must not read it as markup. */
  char *dir = g_dir_make_tmp ("lab-export-&-XXXXXX", NULL);

  g_assert_nonnull (dir);
  g_assert_cmpint (g_chdir (dir), ==, 0);
  return dir;
}

static void
leave_temp_dir (const char *dir)
{
  g_assert_cmpint (g_chdir (start_dir), ==, 0);
  lab_remove_folder (dir);
}

/* ---- Disabled until something ran ------------------------------------- */

static void
assert_export_disabled (LabWindow *window)
{
  g_assert_null (open_chooser (window, "win.export-trace", NULL));
  g_assert_null (open_chooser (window, "win.export-image", g_variant_new_uint32 (1)));
  g_assert_null (open_chooser (window, "win.export-csv", NULL));
}

/* Nothing to export before a run, nor while one goes on; after it, each
 * entry opens the chooser with a name saying what and when. */
static void
test_disabled_until_run (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  const char *actions[] = { "win.export-trace", "win.export-image", "win.export-csv" };
  const char *extensions[] = { ".json", ".png", ".csv" };
  LabWindow *window;

  lab_ui_configure_job ("sleep", "threads", 8, 2, 1000);
  window = lab_ui_open_window (app);
  assert_export_disabled (window);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  g_assert_true (lab_window_get_running (window));
  assert_export_disabled (window);
  g_assert_true (lab_window_get_running (window));   /* the checks were made during the run */
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GtkFileChooser *chooser = open_chooser (window, actions[i],
                                              i == 1 ? g_variant_new_uint32 (2) : NULL);
      g_autofree char *name = NULL;

      g_assert_nonnull (chooser);
      name = gtk_file_chooser_get_current_name (chooser);
      g_test_message ("%s suggests %s", actions[i], name);
      g_assert_true (g_str_has_prefix (name, "concurrency-lab-sleep-"));
      g_assert_nonnull (strstr (name, today));
      g_assert_true (g_str_has_suffix (name, extensions[i]));
      /* The user changes their mind: no file, no message. */
      answer (chooser, FALSE);
      lab_ui_spin_for (50);
      g_assert_null (find_chooser (window));
    }

  /* Nor while the next run goes on, though the last one's are there. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  assert_export_disabled (window);
  g_assert_true (lab_window_get_running (window));
  lab_ui_wait_until (lab_ui_is_idle, window, 60000);
  g_assert_nonnull (open_chooser (window, "win.export-trace", NULL));
  answer (find_chooser (window), FALSE);

  /* Another lesson clears the table: nothing to export again. */
  g_settings_set_string (settings, "lesson", "gil");
  assert_export_disabled (window);
  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
}

/* ---- The trace ---------------------------------------------------------- */

/* The trace parses; every slice ("X") has pid, tid, ts and dur; every
 * process and every track a slice is on has a name ("M").  Returns the
 * root object; counts the processes and the task slices. */
static JsonObject *
check_trace (JsonParser *parser,
             const char *path,
             guint      *n_processes,
             guint      *n_tasks)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) used = g_ptr_array_new_with_free_func (g_free);
  JsonObject *root;
  JsonArray *events;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  events = json_object_get_array_member (root, "traceEvents");
  g_assert_nonnull (events);
  *n_processes = *n_tasks = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *phase = json_object_get_string_member (event, "ph");
      const char *name = json_object_get_string_member (event, "name");
      gint64 pid = json_object_get_int_member (event, "pid");
      gint64 tid = json_object_get_int_member (event, "tid");

      if (g_str_equal (phase, "M") && g_str_equal (name, "process_name"))
        {
          g_hash_table_add (named, g_strdup_printf ("%" G_GINT64_FORMAT, pid));
          (*n_processes)++;
        }
      else if (g_str_equal (phase, "M") && g_str_equal (name, "thread_name"))
        {
          const char *track = json_object_get_string_member (json_object_get_object_member (event, "args"), "name");

          g_assert_true (track != NULL && *track != '\0');
          g_hash_table_add (named, g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, pid, tid));
        }
      else if (g_str_equal (phase, "X"))
        {
          g_assert_true (json_object_has_member (event, "pid"));
          g_assert_true (json_object_has_member (event, "tid"));
          g_assert_true (json_object_has_member (event, "ts"));
          g_assert_true (json_object_has_member (event, "dur"));
          g_assert_cmpint (json_object_get_int_member (event, "ts"), >=, 0);
          g_assert_cmpint (json_object_get_int_member (event, "dur"), >=, 0);
          g_ptr_array_add (used, g_strdup_printf ("%" G_GINT64_FORMAT, pid));
          g_ptr_array_add (used, g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, pid, tid));
          if (g_strcmp0 (json_object_get_string_member_with_default (event, "cat", ""), "task") == 0)
            (*n_tasks)++;
        }
    }

  for (guint i = 0; i < used->len; i++)
    if (!g_hash_table_contains (named, g_ptr_array_index (used, i)))
      g_error ("track %s has slices but no name", (char *) g_ptr_array_index (used, i));
  return json_object_get_object_member (root, "otherData");
}

/* A job in every mode: a process per mode, a slice per task, the job's
 * parameters in the metadata. */
static void
test_trace_of_a_job (void)
{
  g_autofree char *dir = enter_temp_dir ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = NULL;
  LabWindow *window;
  JsonObject *info;
  guint n_processes, n_tasks;

  lab_ui_configure_job ("sleep", "compare", 8, 2, 20);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);

  path = export_to (window, "win.export-trace", NULL, TRUE);
  info = check_trace (parser, path, &n_processes, &n_tasks);
  g_test_message ("%u processes, %u task slices", n_processes, n_tasks);
  g_assert_cmpuint (n_processes, ==, LAB_N_MODES);
  g_assert_cmpuint (n_tasks, ==, LAB_N_MODES * 8);
  g_assert_cmpstr (json_object_get_string_member (info, "workload"), ==, "sleep");
  g_assert_cmpstr (json_object_get_string_member (info, "tasks"), ==, "8");
  g_assert_cmpstr (json_object_get_string_member (info, "workers"), ==, "2");

  lab_ui_close_window (window);
  g_assert_cmpuint (lab_test_count_entries (dir), ==, 1);   /* no temporary file left */
  leave_temp_dir (dir);
}

/* ---- The CSV ------------------------------------------------------------- */

/* RFC 4180: fields separated by commas, quoted when they hold a comma,
 * quote or line break, quotes doubled; records end with CRLF. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *record = NULL;
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      gboolean quoted = *p == '"';

      if (record == NULL)
        record = g_ptr_array_new_with_free_func (g_free);
      g_string_truncate (field, 0);
      if (quoted)
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                g_string_append_c (field, *p++);
              else if (*p == '"')
                break;
              else
                g_string_append_c (field, *p);
            }
          g_assert_cmpint (*p, ==, '"');
          p++;
        }
      else
        while (*p != '\0' && *p != ',' && *p != '\r' && *p != '\n')
          g_string_append_c (field, *p++);

      g_ptr_array_add (record, g_strdup (field->str));
      if (*p == ',')
        p++;
      else
        {
          /* The end of a record: CRLF, as the RFC says. */
          g_assert_true (p[0] == '\r' && p[1] == '\n');
          p += 2;
          g_ptr_array_add (records, g_steal_pointer (&record));
        }
    }
  g_assert_null (record);
  g_string_free (field, TRUE);
  return records;
}

static const char *
cell (GPtrArray *records,
      guint      row,
      guint      column)
{
  return g_ptr_array_index ((GPtrArray *) g_ptr_array_index (records, row), column);
}

/* Every row as wide as the header; every numeric column a number in the C
 * locale (or empty where nothing was measured).  Returns the records. */
static GPtrArray *
check_csv (const char *path,
           guint       n_rows)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *records;
  GPtrArray *header;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  records = parse_csv (text);
  g_assert_cmpuint (records->len, ==, 1 + n_rows);
  header = g_ptr_array_index (records, 0);

  for (guint row = 1; row < records->len; row++)
    {
      g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (records, row))->len, ==, header->len);
      for (guint column = 0; column < header->len; column++)
        {
          const char *name = g_ptr_array_index (header, column);
          const char *value = cell (records, row, column);
          char *end = NULL;

          if (!g_str_has_suffix (name, "_s") && !g_str_equal (name, "speedup")
              && !g_str_equal (name, "seconds") && !g_str_equal (name, "cores_busy"))
            continue;
          if (*value == '\0')
            continue;
          g_ascii_strtod (value, &end);
          if (*end != '\0')
            g_error ("row %u, %s: “%s” is no number in the C locale", row, name, value);
        }
    }
  return records;
}

static guint
column_of (GPtrArray  *records,
           const char *name)
{
  GPtrArray *header = g_ptr_array_index (records, 0);

  for (guint i = 0; i < header->len; i++)
    if (g_str_equal (g_ptr_array_index (header, i), name))
      return i;
  g_error ("no column %s", name);
}

/* A locale that writes "0,5": installed, or made for this test with
 * localedef.  Returns its name, or NULL with @why. */
static const char *
comma_locale (const char *dir,
              char      **why)
{
  static const char *names[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", NULL };
  g_autofree char *made = g_build_filename (dir, "de_DE.UTF-8", NULL);
  const char *argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", made, NULL };
  int status = -1;

  for (guint i = 0; names[i] != NULL; i++)
    if (setlocale (LC_NUMERIC, names[i]) != NULL)
      return names[i];

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                     | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL)
      || !g_file_test (made, G_FILE_TEST_IS_DIR))
    {
      *why = g_strdup ("no comma-decimal locale is installed and localedef could not make one");
      return NULL;
    }
  g_setenv ("LOCPATH", dir, TRUE);
  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    {
      *why = g_strdup ("the de_DE locale made with localedef does not load");
      return NULL;
    }
  return "de_DE.UTF-8";
}

/* A row per mode with the table's columns; numbers with a '.' even while
 * the app runs in a locale that writes "0,5". */
static void
test_csv_of_a_job (void)
{
  g_autofree char *dir = enter_temp_dir ();
  g_autofree char *locales = g_build_filename (dir, "locales", NULL);
  g_autofree char *path = NULL;
  g_autofree char *why = NULL;
  g_autoptr(GPtrArray) records = NULL;
  const char *locale;
  LabWindow *window;

  lab_ui_configure_job ("sleep", "compare", 8, 2, 20);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);

  path = export_to (window, "win.export-csv", NULL, TRUE);
  records = check_csv (path, LAB_N_MODES);
  g_assert_cmpint (g_unlink (path), ==, 0);
  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_test_message ("%s: wall %s s, speed-up %s, verified %s", cell (records, 1 + mode, 0),
                      cell (records, 1 + mode, column_of (records, "wall_s")),
                      cell (records, 1 + mode, column_of (records, "speedup")),
                      cell (records, 1 + mode, column_of (records, "verified")));
      g_assert_cmpstr (cell (records, 1 + mode, 0), ==, lab_mode_to_string (mode));
      g_assert_cmpfloat (g_ascii_strtod (cell (records, 1 + mode, column_of (records, "wall_s")), NULL), >, 0);
      g_assert_cmpstr (cell (records, 1 + mode, column_of (records, "verified")), ==, "true");
    }
  /* Sequential is the reference of the speed-ups. */
  g_assert_cmpstr (cell (records, 1, column_of (records, "speedup")), ==, "1.0000");

  g_mkdir (locales, 0755);
  locale = comma_locale (locales, &why);
  if (locale == NULL)
    g_test_message ("SKIP the comma-decimal part: %s", why);
  else
    {
      g_autoptr(GPtrArray) comma_records = NULL;
      g_autofree char *comma_path = NULL;

      g_assert_cmpstr (localeconv ()->decimal_point, ==, ",");
      comma_path = export_to (window, "win.export-csv", NULL, TRUE);
      setlocale (LC_NUMERIC, "C");
      g_test_message ("under %s: %s", locale, comma_path);
      comma_records = check_csv (comma_path, LAB_N_MODES);
      g_assert_cmpstr (cell (comma_records, 1, column_of (comma_records, "wall_s")), ==,
                       cell (records, 1, column_of (records, "wall_s")));
    }
  setlocale (LC_NUMERIC, "C");
  g_unsetenv ("LOCPATH");

  lab_ui_close_window (window);
  leave_temp_dir (dir);
}

/* ---- A lesson --------------------------------------------------------- */

/* The bank lesson: its trace has a process per step and the verdict the
 * card shows; its CSV a row per step, the step's name quoted where it has
 * a comma ("Threads, no lock"). */
static void
test_lesson (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = enter_temp_dir ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *trace_path = NULL;
  g_autofree char *csv_path = NULL;
  LabWindow *window;
  JsonObject *info;
  guint n_processes, n_tasks;

  g_settings_set_string (settings, "lesson", "bank");
  window = lab_ui_open_window (app);
  g_object_set (window, "quick-lessons", TRUE, NULL);
  lab_ui_run_to_end (window);

  trace_path = export_to (window, "win.export-trace", NULL, TRUE);
  g_assert_nonnull (strstr (trace_path, "/concurrency-lab-bank-"));
  info = check_trace (parser, trace_path, &n_processes, &n_tasks);
  g_test_message ("%u processes, %u task slices; verdict: %s", n_processes, n_tasks,
                  json_object_get_string_member (info, "verdict"));
  g_assert_cmpuint (n_processes, ==, lab_window_get_n_lesson_pages (window));
  g_assert_cmpuint (n_tasks, >, 0);
  g_assert_cmpstr (json_object_get_string_member (info, "lesson"), ==, "bank");
  g_assert_cmpstr (json_object_get_string_member (info, "verdict"), ==, lab_window_get_verdict (window));

  csv_path = export_to (window, "win.export-csv", NULL, TRUE);
  records = check_csv (csv_path, lab_window_get_n_lesson_pages (window));
  g_assert_cmpstr (cell (records, 0, 0), ==, "step");
  g_assert_cmpstr (cell (records, 1, 0), ==, "Threads, no lock");
  g_assert_cmpstr (cell (records, 2, 0), ==, lab_window_get_lesson_page_title (window, 1));

  g_settings_set_string (settings, "lesson", "");
  lab_ui_close_window (window);
  leave_temp_dir (dir);
}

/* ---- The image ---------------------------------------------------------- */

/* The PNG is the timeline pane's size times the scale, and not blank:
 * many colours, and most of it is not the background. */
static void
check_image (const char *path,
             GtkWidget  *pane,
             guint       scale)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree guint32 *pixels = NULL;
  int width, height;
  guint64 not_background = 0;

  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  g_test_message ("%s: %d×%d for a pane of %d×%d at %u×", path, width, height,
                  gtk_widget_get_width (pane), gtk_widget_get_height (pane), scale);
  g_assert_cmpint (width, ==, gtk_widget_get_width (pane) * (int) scale);
  g_assert_cmpint (height, ==, gtk_widget_get_height (pane) * (int) scale);

  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (texture, (guchar *) pixels, width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      g_hash_table_add (colours, GUINT_TO_POINTER (pixels[i]));
      not_background += pixels[i] != pixels[0];
      /* Drawn on the window's background: no transparent hole. */
      g_assert_cmphex (pixels[i] >> 24, ==, 0xff);
    }
  g_test_message ("%u colours, %.1f %% not the background", g_hash_table_size (colours),
                  100.0 * not_background / ((double) width * height));
  g_assert_cmpuint (g_hash_table_size (colours), >, 50);
  g_assert_cmpuint (not_background, >, (guint64) width * height / 50);

  /* Drawn a strip at a time, it is the picture drawn at once. */
  {
    g_autoptr(GdkTexture) at_once = lab_export_render (pane, scale, &error);
    g_autofree guint32 *expected = NULL;
    guint64 different = 0;

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (at_once), ==, width);
    g_assert_cmpint (gdk_texture_get_height (at_once), ==, height);
    expected = g_new (guint32, (gsize) width * height);
    gdk_texture_download (at_once, (guchar *) expected, width * 4);
    for (gsize i = 0; i < (gsize) width * height; i++)
      different += pixels[i] != expected[i];
    g_test_message ("%" G_GUINT64_FORMAT " pixels differ from the picture drawn at once", different);
    g_assert_cmpuint (different, <, (guint64) width * height / 1000);
  }
}

static gboolean
transition_over (gpointer stack)
{
  return !gtk_stack_get_transition_running (stack);
}

static void
test_image (void)
{
  g_autofree char *dir = enter_temp_dir ();
  g_autofree char *path1 = NULL;
  g_autofree char *path2 = NULL;
  GtkWidget *pane;
  LabWindow *window;

  lab_ui_configure_job ("sleep", "compare", 8, 2, 20);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);
  /* The last mode's page has faded in: the picture holds still. */
  lab_ui_wait_until (transition_over, lab_ui_window_child (window, "timeline_stack"), 10000);
  lab_ui_wait_frames (window, 3);
  pane = lab_ui_window_child (window, "content_box");

  path1 = export_to (window, "win.export-image", g_variant_new_uint32 (1), TRUE);
  check_image (path1, pane, 1);
  g_assert_cmpint (g_unlink (path1), ==, 0);
  path2 = export_to (window, "win.export-image", g_variant_new_uint32 (2), TRUE);
  check_image (path2, pane, 2);

  lab_ui_close_window (window);
  leave_temp_dir (dir);
}

/* ---- A failed write ---------------------------------------------------- */

static gboolean
says_could_not_save (gpointer data)
{
  return strstr (lab_window_get_status (data), "Could not save") != NULL;
}

/* The disk refuses the file half-way (a file-size limit): the window says
 * so in one sentence, and leaves nothing under the name — not half a file
 * — and no temporary file either. */
static void
test_failed_write (void)
{
  g_autofree char *dir = enter_temp_dir ();
  g_autofree char *path = NULL;
  struct rlimit saved, limit;
  LabWindow *window;

  lab_ui_configure_job ("sleep", "threads", 40, 4, 5);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);

  /* A write past the limit fails with EFBIG instead of killing us. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = 4096;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  path = export_to (window, "win.export-trace", NULL, FALSE);
  lab_ui_wait_until (says_could_not_save, window, 30000);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  g_test_message ("%s", lab_window_get_status (window));
  g_assert_true (says_could_not_save (window));
  g_assert_nonnull (strstr (lab_window_get_status (window), path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (lab_test_count_entries (dir), ==, 0);

  lab_ui_close_window (window);
  leave_temp_dir (dir);
}

/* The window closes while its chooser asks: the chooser goes with it,
 * and the window is freed (nothing waits for an answer that never comes). */
static void
test_close_while_asking (void)
{
  g_autofree char *dir = enter_temp_dir ();
  LabWindow *window;

  lab_ui_configure_job ("sleep", "threads", 4, 2, 5);
  window = lab_ui_open_window (app);
  lab_ui_run_to_end (window);
  g_assert_nonnull (open_chooser (window, "win.export-csv", NULL));
  lab_ui_close_window (window);
  g_assert_cmpuint (lab_test_count_entries (dir), ==, 0);
  leave_temp_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  app = lab_ui_test_init (&argc, &argv);
  if (app == NULL)
    return 0;
  /* The file chooser would remember the exports in the user's recent
   * files. */
  g_object_set (gtk_settings_get_default (), "gtk-recent-files-enabled", FALSE, NULL);
  start_dir = g_get_current_dir ();

  g_test_add_func ("/lab/export/disabled-until-run", test_disabled_until_run);
  g_test_add_func ("/lab/export/trace-of-a-job", test_trace_of_a_job);
  g_test_add_func ("/lab/export/csv-of-a-job", test_csv_of_a_job);
  g_test_add_func ("/lab/export/lesson", test_lesson);
  g_test_add_func ("/lab/export/image", test_image);
  g_test_add_func ("/lab/export/failed-write", test_failed_write);
  g_test_add_func ("/lab/export/close-while-asking", test_close_while_asking);

  return lab_ui_run_tests (&app);
}
