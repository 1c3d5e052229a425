/* lab-export.c — what the window shows, written to a file: the runs as a
 * Chrome JSON trace, the timeline and timings as a PNG, the timings as CSV
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each export is made in two halves: the contents from what the last job
 * or lesson left (lab-run-controller-results.c), pure functions a test can
 * call; and a write that is atomic — a temporary file beside the target,
 * renamed over it only when complete — so a reader sees the old file or
 * the new one, never half of one.  The CSV's text is made in
 * lab-export-csv.c.  From the window the slow half (a trace
 * of 100,000 tasks, encoding a PNG) runs on a thread; only drawing the
 * image needs the UI thread, because the renderer lives there.
 */

#define G_LOG_DOMAIN "lab-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "lab-export.h"
#include "lab-thread-task.h"

static const char * const extensions[] = { "json", "png", "csv" };

/* "concurrency-lab-bank-2026-12-01-1430.json": the job's workload or the
 * lesson, and when. */
char *
lab_export_suggest_name (LabRunResults *results,
                         LabExportKind  kind,
                         GDateTime     *when)
{
  g_autofree char *date = NULL;

  g_return_val_if_fail (results != NULL, NULL);
  g_return_val_if_fail (kind < G_N_ELEMENTS (extensions), NULL);
  g_return_val_if_fail (when != NULL, NULL);

  date = g_date_time_format (when, "%Y-%m-%d-%H%M");
  return g_strdup_printf ("concurrency-lab-%s-%s.%s", results->name, date, extensions[kind]);
}

/* ---- The trace ------------------------------------------------------------ */

/* The same trace as `bench --trace` (a process per mode, a pipeline's
 * stages each) or `lesson NAME --trace` (a process per step, the verdict
 * in the metadata). */
LabTrace *
lab_export_make_trace (LabRunResults *results)
{
  LabTrace *trace;

  g_return_val_if_fail (results != NULL, NULL);

  if (results->lesson != NULL)
    return lab_lesson_run_to_trace (results->lesson);

  trace = lab_trace_new (_("Concurrency Lab"));
  for (guint i = 0; i + 1 < results->info->len; i += 2)
    lab_trace_set_info (trace, g_ptr_array_index (results->info, i),
                        g_ptr_array_index (results->info, i + 1));

  for (guint i = 0; i < results->rows->len; i++)
    {
      const LabRunResultsRow *row = &g_array_index (results->rows, LabRunResultsRow, i);

      for (guint stage = 0; stage < LAB_N_STAGES; stage++)
        {
          const LabRun *run = row->runs[stage];
          g_autofree char *name = NULL;

          if (run == NULL)
            continue;
          if (results->pipeline)
            name = g_strdup_printf ("%s: %s", lab_mode_get_title (row->mode), lab_stage_get_title (stage));
          else
            name = g_strdup_printf ("%s%s", lab_mode_get_title (row->mode), run->gil ? _(" + GIL") : "");
          lab_trace_add_run (trace, name, run);
        }
    }
  return trace;
}

/* ---- The image ------------------------------------------------------------- */

/* @widget as it was last drawn on the screen, @scale times larger (2 for
 * slides): its own render node, scaled, on the window's background.
 * NULL, and @error, when it is not on the screen.  On the UI thread. */
static GskRenderNode *
make_node (GtkWidget        *widget,
           guint             scale,
           graphene_rect_t  *area,
           GError          **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  GtkSnapshot *snapshot;
  GdkRGBA background = { 1, 1, 1, 1 };
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (!gtk_widget_get_mapped (widget) || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The timeline is not on the screen, so there is no image to save."));
      return NULL;
    }

  *area = GRAPHENE_RECT_INIT (0, 0, width * scale, height * scale);
  snapshot = gtk_snapshot_new ();
  /* The widget draws on the window's background: without it the image
   * would be transparent, and dark text on a dark slide. */
  gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color", &background);
  gtk_snapshot_append_color (snapshot, &background, area);
  paintable = gtk_widget_paintable_new (widget);
  gdk_paintable_snapshot (paintable, snapshot, area->size.width, area->size.height);
  return gtk_snapshot_free_to_node (snapshot);
}

/* Our own software renderer: the same drawing as the window's under
 * GSK_RENDERER=cairo, whatever the window uses, and it outlives the
 * window if that goes while the image is drawn. */
static GskRenderer *
new_renderer (GError **error)
{
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();

  if (!gsk_renderer_realize (renderer, NULL, error))
    return NULL;
  return g_steal_pointer (&renderer);
}

/* @widget, @scale times larger, as pixels.  On the UI thread, in one go:
 * lab_export_async() draws it a strip per main-loop turn instead. */
GdkTexture *
lab_export_render (GtkWidget  *widget,
                   guint       scale,
                   GError    **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GskRenderer) renderer = NULL;
  GdkTexture *texture;
  graphene_rect_t area;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (scale >= 1 && scale <= 4, NULL);

  node = make_node (widget, scale, &area, error);
  if (node == NULL || (renderer = new_renderer (error)) == NULL)
    return NULL;
  texture = gsk_renderer_render_texture (renderer, node, &area);
  gsk_renderer_unrealize (renderer);
  return texture;
}

/* ---- Writing ---------------------------------------------------------------- */

static gboolean
save_failed (GError     **error,
             const char  *path,
             int          saved_errno)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not save “%s”: %s."), shown, g_strerror (saved_errno));
  return FALSE;
}

/* Writes @data to a temporary file beside @file and renames it over
 * @file once it is complete on the disk. */
static gboolean
save_atomically (GFile       *file,
                 const char  *data,
                 gsize        length,
                 GError     **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *temp = NULL;
  int fd, saved_errno = 0;
  gsize done = 0;

  /* A place with no local path (a remote folder): GIO's own replace,
   * which also renames a temporary file where it can. */
  if (path == NULL)
    return g_file_replace_contents (file, data, length, NULL, FALSE,
                                    G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);

  temp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    return save_failed (error, path, errno);

  while (done < length && saved_errno == 0)
    {
      gssize written = write (fd, data + done, length - done);

      if (written >= 0)
        done += written;
      else if (errno != EINTR)
        saved_errno = errno;
    }
  if (saved_errno == 0 && fsync (fd) != 0)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno == 0 && g_rename (temp, path) != 0)
    saved_errno = errno;

  if (saved_errno != 0)
    {
      g_unlink (temp);
      return save_failed (error, path, saved_errno);
    }
  return TRUE;
}

/* The trace of @results, written to @file.  Any thread. */
gboolean
lab_export_trace (LabRunResults  *results,
                  GFile          *file,
                  GError        **error)
{
  g_autoptr(LabTrace) trace = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (results != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  trace = lab_export_make_trace (results);
  json = lab_trace_to_json (trace);
  return save_atomically (file, json, strlen (json), error);
}

/* The timings of @results as CSV, written to @file.  Any thread. */
gboolean
lab_export_csv (LabRunResults  *results,
                GFile          *file,
                GError        **error)
{
  g_autofree char *csv = NULL;

  g_return_val_if_fail (results != NULL, FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  csv = lab_export_make_csv (results);
  return save_atomically (file, csv, strlen (csv), error);
}

static gboolean
save_texture (GdkTexture  *texture,
              GFile       *file,
              GError     **error)
{
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);

  return save_atomically (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png), error);
}

/* @widget, @scale times larger, as a PNG in @file.  On the UI thread. */
gboolean
lab_export_png (GtkWidget  *widget,
                guint       scale,
                GFile      *file,
                GError    **error)
{
  g_autoptr(GdkTexture) texture = NULL;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  texture = lab_export_render (widget, scale, error);
  return texture != NULL && save_texture (texture, file, error);
}

/* ---- From the window ----------------------------------------------------- */

typedef struct
{
  LabExportKind  kind;
  LabRunResults *results;
  GdkTexture    *texture;   /* the image, drawn before the thread starts */
  GFile         *file;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_clear_pointer (&job->results, lab_run_results_unref);
  g_clear_object (&job->texture);
  g_clear_object (&job->file);
  g_free (job);
}

/* On a thread: writes the file, and says where it went. */
static gpointer
export_thread (gpointer       data,
               GCancellable  *cancellable,
               GError       **error)
{
  ExportJob *job = data;
  g_autofree char *where = g_file_get_parse_name (job->file);
  gboolean ok = FALSE;

  switch (job->kind)
    {
    case LAB_EXPORT_TRACE:
      ok = lab_export_trace (job->results, job->file, error);
      break;
    case LAB_EXPORT_IMAGE:
      ok = save_texture (job->texture, job->file, error);
      break;
    case LAB_EXPORT_CSV:
      ok = lab_export_csv (job->results, job->file, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return NULL;
  if (job->kind == LAB_EXPORT_TRACE)
    return g_strdup_printf (_("The trace was saved to “%s”."), where);
  if (job->kind == LAB_EXPORT_IMAGE)
    return g_strdup_printf (_("The image was saved to “%s”."), where);
  return g_strdup_printf (_("The timings were saved to “%s”."), where);
}

static void
return_error (GError              *error,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, lab_export_async);
  g_task_return_error (task, error);
}

/* The image, drawn a strip at a time: drawn at once, the 2× picture of
 * a 1280×800 window's pane (1628×1330) took 3–39 ms here, and it grows
 * with the screen and the scale; a strip of 64 rows is a small share of
 * that, and frames are drawn in between. */
#define STRIP_ROWS 64

typedef struct
{
  ExportJob           *job;
  GskRenderNode       *node;
  GskRenderer         *renderer;
  int                  width;
  int                  height;
  int                  done_rows;
  gsize                stride;
  guchar              *pixels;
  GCancellable        *cancellable;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
} Drawing;

static void
drawing_free (Drawing *drawing)
{
  if (drawing->job != NULL)
    export_job_free (drawing->job);
  gsk_render_node_unref (drawing->node);
  gsk_renderer_unrealize (drawing->renderer);
  g_object_unref (drawing->renderer);
  g_free (drawing->pixels);
  g_clear_object (&drawing->cancellable);
  g_free (drawing);
}

static gboolean
draw_strip (gpointer data)
{
  Drawing *drawing = data;
  int rows = MIN (STRIP_ROWS, drawing->height - drawing->done_rows);
  g_autoptr(GdkTexture) strip = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (drawing->cancellable, &error))
    {
      return_error (error, drawing->cancellable, drawing->callback, drawing->user_data);
      drawing_free (drawing);
      return G_SOURCE_REMOVE;
    }

  strip = gsk_renderer_render_texture (drawing->renderer, drawing->node,
                                       &GRAPHENE_RECT_INIT (0, drawing->done_rows, drawing->width, rows));
  gdk_texture_download (strip, drawing->pixels + drawing->done_rows * drawing->stride, drawing->stride);
  drawing->done_rows += rows;
  if (drawing->done_rows < drawing->height)
    return G_SOURCE_CONTINUE;

  /* All drawn: encoding the PNG and writing it go to a thread. */
  bytes = g_bytes_new_take (g_steal_pointer (&drawing->pixels), drawing->stride * drawing->height);
  drawing->job->texture = gdk_memory_texture_new (drawing->width, drawing->height, GDK_MEMORY_DEFAULT,
                                                  bytes, drawing->stride);
  lab_thread_task_run (lab_export_async, export_thread, g_steal_pointer (&drawing->job),
                       export_job_free, g_free, drawing->cancellable, drawing->callback,
                       drawing->user_data);
  drawing_free (drawing);
  return G_SOURCE_REMOVE;
}

/* Writes @kind of export to @file, on a thread; @results are the runs
 * shown, @widget what the image shows, as it is on the screen now, at
 * @scale.  lab_export_finish() gives the sentence for a toast. */
void
lab_export_async (LabExportKind        kind,
                  LabRunResults       *results,
                  GtkWidget           *widget,
                  guint                scale,
                  GFile               *file,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GError *error = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  graphene_rect_t area;
  Drawing *drawing;
  ExportJob *job;

  g_return_if_fail (kind == LAB_EXPORT_IMAGE ? GTK_IS_WIDGET (widget) : results != NULL);
  g_return_if_fail (kind != LAB_EXPORT_IMAGE || (scale >= 1 && scale <= 4));
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (ExportJob, 1);
  job->kind = kind;
  job->results = results != NULL ? lab_run_results_ref (results) : NULL;
  job->file = g_object_ref (file);
  if (kind != LAB_EXPORT_IMAGE)
    {
      lab_thread_task_run (lab_export_async, export_thread, job, export_job_free, g_free,
                           cancellable, callback, user_data);
      return;
    }

  /* The picture is taken now, as the widget was last drawn. */
  node = make_node (widget, scale, &area, &error);
  if (node == NULL)
    {
      export_job_free (job);
      return_error (error, cancellable, callback, user_data);
      return;
    }

  drawing = g_new0 (Drawing, 1);
  drawing->renderer = new_renderer (&error);
  if (drawing->renderer == NULL)
    {
      export_job_free (job);
      g_free (drawing);
      return_error (error, cancellable, callback, user_data);
      return;
    }
  drawing->job = job;
  drawing->node = g_steal_pointer (&node);
  drawing->width = area.size.width;
  drawing->height = area.size.height;
  drawing->stride = (gsize) drawing->width * 4;
  drawing->pixels = g_malloc (drawing->stride * drawing->height);
  drawing->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  drawing->callback = callback;
  drawing->user_data = user_data;
  /* Below the redraw's priority: the window keeps drawing its frames. */
  g_source_set_name_by_id (g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, draw_strip, drawing, NULL),
                           "[lab] export image");
}

/* The sentence that says where the export went, or NULL and @error. */
char *
lab_export_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Asking where ---------------------------------------------------------- */

typedef struct
{
  LabExportKind  kind;
  LabRunResults *results;
  GtkWidget     *widget;
  guint          scale;
  gulong         cancelled_id;
} ChooseJob;

static void
choose_job_free (gpointer data)
{
  ChooseJob *job = data;

  g_clear_pointer (&job->results, lab_run_results_unref);
  g_clear_object (&job->widget);
  g_free (job);
}

static void
saved (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *message = lab_export_finish (result, &error);

  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_free);
}

static void
chosen (GtkNativeDialog *dialog,
        int              response,
        gpointer         user_data)
{
  g_autoptr(GTask) task = user_data;
  ChooseJob *job = g_task_get_task_data (task);
  g_autoptr(GFile) file = NULL;
  GCancellable *cancellable;

  g_signal_handlers_disconnect_by_func (dialog, chosen, user_data);
  /* (From inside the cancellable's own handler, disconnecting would wait
   * for itself; it fires only once anyway.) */
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    g_cancellable_disconnect (g_task_get_cancellable (task), job->cancelled_id);
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file == NULL)
    {
      /* The user changed their mind: nothing to say. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled."));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  lab_export_async (job->kind, job->results, job->widget, job->scale, file, cancellable, saved,
                    g_steal_pointer (&task));
}

/* The window goes while the chooser asks: the chooser answers Cancel, so
 * that the task (and the window it calls back) is let go. */
static void
stop_asking (GCancellable *cancellable,
             gpointer      dialog)
{
  if (gtk_native_dialog_get_visible (dialog))
    {
      gtk_native_dialog_hide (dialog);
      g_signal_emit_by_name (dialog, "response", GTK_RESPONSE_CANCEL);
    }
}

/* The window's export chooser, made once: GTK 4.8's own save dialog
 * (outside a Flatpak) goes on filling its folder view after it has
 * answered, and destroying it then crashes; kept, it also opens where the
 * last export went. */
static GtkFileChooserNative *
get_dialog (GtkWindow *parent)
{
  GtkFileChooserNative *dialog = g_object_get_data (G_OBJECT (parent), "lab-export-dialog");

  if (dialog == NULL)
    {
      dialog = gtk_file_chooser_native_new (NULL, parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                            _("_Save"), _("_Cancel"));
      gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
      g_object_set_data_full (G_OBJECT (parent), "lab-export-dialog", dialog, g_object_unref);
    }
  return dialog;
}

/* Asks where to save with the file chooser (through the portal in a
 * Flatpak, which lets the app write only the file the user picks), then
 * exports there; lab_export_finish() gives the sentence for a toast, or
 * G_IO_ERROR_CANCELLED if the user changed their mind. */
void
lab_export_choose_async (GtkWindow           *parent,
                         LabExportKind        kind,
                         LabRunResults       *results,
                         GtkWidget           *widget,
                         guint                scale,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  static const char *titles[] = { N_("Export Trace"), N_("Export Timeline Image"),
                                  N_("Export Timings CSV") };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;
  GTask *task;
  ChooseJob *job;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (results != NULL);
  g_return_if_fail (kind < G_N_ELEMENTS (titles));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lab_export_choose_async);
  dialog = get_dialog (parent);
  if (gtk_native_dialog_get_visible (GTK_NATIVE_DIALOG (dialog)))
    {
      /* Already asking (it is modal; a shortcut could come through). */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled."));
      g_object_unref (task);
      return;
    }

  job = g_new0 (ChooseJob, 1);
  job->kind = kind;
  job->results = lab_run_results_ref (results);
  job->widget = widget != NULL ? g_object_ref (widget) : NULL;
  job->scale = scale;
  g_task_set_task_data (task, job, choose_job_free);

  gtk_native_dialog_set_title (GTK_NATIVE_DIALOG (dialog), _(titles[kind]));
  name = lab_export_suggest_name (results, kind, now);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (chosen), task);
  if (cancellable != NULL)
    job->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (stop_asking),
                                               g_object_ref (dialog), g_object_unref);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
