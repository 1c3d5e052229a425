/* lab-workload-save.c — writing files, the "save module" of seed 000
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task writes one body into --out-dir.  It writes into a hidden
 * temporary file next to the target and renames it into place only when
 * every byte is written, so a failed or cancelled run never leaves a
 * half-written file behind.  Names that come from URLs are cleaned first:
 * no "../", no hidden files, no two tasks writing the same file, and no
 * file that was already in the folder replaced: the new one gets "-2".
 */

#define G_LOG_DOMAIN "lab-workload-save"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "lab-digest.h"
#include "lab-server.h"
#include "lab-files.h"
#include "lab-url-list.h"
#include "lab-workload-hash.h"
#include "lab-states.h"
#include "lab-workload-save.h"

struct _LabWorkloadSave
{
  LabWorkload   parent_instance;

  char        **names;      /* one per task, already safe */
};

G_DEFINE_FINAL_TYPE (LabWorkloadSave, lab_workload_save, LAB_TYPE_WORKLOAD)

/* "name-2.ext" for k = 2: the number goes before the extension. */
static char *
numbered_name (const char *base,
               guint       k)
{
  const char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    return g_strdup_printf ("%.*s-%u%s", (int) (dot - base), base, k, dot);
  return g_strdup_printf ("%s-%u", base, k);
}

/* Gives each base name a free name: "-2", "-3"… are added where two tasks
 * want the same name, or where @dir (if not NULL) already has that file. */
static GStrv
unique_names (GStrv       bases,
              const char *dir)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = g_strv_length (bases);
  GStrv names = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      char *name = g_strdup (bases[i]);

      for (guint k = 2; ; k++)
        {
          g_autofree char *path = dir ? g_build_filename (dir, name, NULL) : NULL;

          if (!g_hash_table_contains (taken, name) &&
              (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)))
            break;
          g_free (name);
          name = numbered_name (bases[i], k);
        }

      g_hash_table_add (taken, g_strdup (name));
      names[i] = name;
    }

  return names;
}

static GStrv
base_names_for_urls (const char * const *urls)
{
  guint n = g_strv_length ((char **) urls);
  GStrv bases = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (urls[i], G_URI_FLAGS_NONE, NULL);
      const char *path = uri ? g_uri_get_path (uri) : urls[i];
      const char *slash = strrchr (path, '/');
      g_autofree char *unescaped = g_uri_unescape_string (slash ? slash + 1 : path, NULL);

      bases[i] = lab_sanitize_file_name (unescaped ? unescaped : path);
    }

  return bases;
}

/* The last path segment of each URL, cleaned, with "-2", "-3"… added
 * where two URLs end in the same name. */
GStrv
lab_file_names_for_urls (const char * const *urls)
{
  g_auto(GStrv) bases = base_names_for_urls (urls);

  return unique_names (bases, NULL);
}

static gboolean
check_out_dir (const char  *dir,
               GError     **error)
{
  if (dir == NULL)
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                           _("Choose a folder to save the files into."));
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("The folder “%s” does not exist."), dir);
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT, _("“%s” is not a folder."), dir);
      return FALSE;
    }
  if (g_access (dir, W_OK) != 0)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("Cannot write into the folder “%s”."), dir);
      return FALSE;
    }
  return TRUE;
}

/* Names chosen by the app and handed to a worker process: check them as
 * input, since they decide where the worker writes. */
static gboolean
check_given_names (const char * const  *names,
                   guint                n_tasks,
                   GError             **error)
{
  if (g_strv_length ((char **) names) != n_tasks)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   "plan has %u file names for %u tasks",
                   g_strv_length ((char **) names), n_tasks);
      return FALSE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    if (names[i][0] == '\0' || names[i][0] == '.' || strchr (names[i], '/') != NULL)
      {
        g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                     "plan has an unsafe file name “%s”", names[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
lab_workload_save_prepare (LabWorkload  *workload,
                           GError      **error)
{
  LabWorkloadSave *self = LAB_WORKLOAD_SAVE (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  g_auto(GStrv) bases = NULL;

  if (!check_out_dir (plan->out_dir, error))
    return FALSE;

  if (plan->url_list != NULL)
    {
      g_auto(GStrv) urls = lab_url_list_read (plan->url_list, error);

      if (urls == NULL)
        return FALSE;
      bases = base_names_for_urls ((const char * const *) urls);
      lab_workload_set_n_tasks (workload, g_strv_length (bases));
    }
  else
    {
      bases = g_new0 (char *, plan->tasks + 1);
      for (guint i = 0; i < plan->tasks; i++)
        bases[i] = lab_server_dup_file_name (i);
    }

  if (plan->file_names != NULL)
    {
      /* A worker process: the app has chosen the names already. */
      if (!check_given_names ((const char * const *) plan->file_names,
                              lab_workload_get_n_tasks (workload), error))
        return FALSE;
      self->names = g_strdupv (plan->file_names);
    }
  else
    {
      /* Files already in the folder are the user's: keep them, and give
       * ours the next free name instead. */
      self->names = unique_names (bases, plan->out_dir);
      lab_workload_set_file_names (workload, (const char * const *) self->names);
    }

  if ((guint64) lab_workload_get_n_tasks (workload) * plan->size > LAB_MAX_TOTAL_SIZE)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("%u files of %" PRIu64 " bytes are more than one run may write."),
                   lab_workload_get_n_tasks (workload), plan->size);
      return FALSE;
    }

  return TRUE;
}

static char *
lab_workload_save_dup_task_name (LabWorkload *workload,
                                 guint        index)
{
  return g_strdup (LAB_WORKLOAD_SAVE (workload)->names[index]);
}

/* On its own the save job writes generated data, like the hash job;
 * after a download it writes the downloaded bodies. */
static GBytes *
lab_workload_save_make_task_input (LabWorkload  *workload,
                                   guint         index,
                                   GError      **error)
{
  const LabPlan *plan = lab_workload_get_plan (workload);

  return lab_server_make_file (plan->seed, index, plan->size);
}

static void
set_write_error (GError     **error,
                 const char  *dir,
                 int          saved_errno)
{
  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("The disk holding “%s” is full."), dir);
  else
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("Cannot write into “%s”: %s."), dir, g_strerror (saved_errno));
}

static gboolean
lab_workload_save_run_task (LabWorkload     *workload,
                            LabTaskContext  *context,
                            GBytes          *input,
                            LabTaskRecord   *record,
                            GError         **error)
{
  LabWorkloadSave *self = LAB_WORKLOAD_SAVE (workload);
  const char *dir = lab_workload_get_plan (workload)->out_dir;
  g_autofree char *target = g_build_filename (dir, self->names[record->index], NULL);
  g_autofree char *temp = g_strdup_printf ("%s/.%s.XXXXXX.part", dir, self->names[record->index]);
  gsize size = input ? g_bytes_get_size (input) : 0;
  const guint8 *data = input ? g_bytes_get_data (input, NULL) : NULL;
  gsize written = 0;
  int fd;

  /* Writing to disk releases the GIL in Python. */
  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      set_write_error (error, dir, errno);
      return FALSE;
    }

  while (written < size)
    {
      ssize_t n;

      if (g_cancellable_set_error_if_cancelled (context->cancellable, error))
        goto failed;

      gint64 write_start = g_get_monotonic_time ();

      n = write (fd, data + written, MIN (size - written, 1 << 20));
      /* The kernel's part of saving: copying into the page cache, and
       * waiting when too much is still unwritten to the disk. */
      lab_span_record (LAB_STATE_IO, LAB_WAIT_WRITE, write_start, g_get_monotonic_time ());
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_write_error (error, dir, errno);
          goto failed;
        }
      written += n;
    }

  if (close (fd) != 0)
    {
      fd = -1;
      set_write_error (error, dir, errno);
      goto failed;
    }
  fd = -1;

  /* All bytes are there: now, and only now, the file gets its name. */
  if (g_rename (temp, target) != 0)
    {
      set_write_error (error, dir, errno);
      goto failed;
    }

  record->bytes = size;
  record->value = lab_hash_hex ("md5", data, size);
  return TRUE;

failed:
  if (fd >= 0)
    close (fd);
  g_unlink (temp);
  return FALSE;
}

/* Read every file back: what is on disk must be what was handed over. */
static gboolean
lab_workload_save_verify (LabWorkload  *workload,
                          LabRun       *run,
                          GError      **error)
{
  LabWorkloadSave *self = LAB_WORKLOAD_SAVE (workload);
  const char *dir = lab_workload_get_plan (workload)->out_dir;
  g_autoptr(GString) all = g_string_new (NULL);

  for (guint i = 0; i < run->n_records; i++)
    {
      g_autofree char *path = g_build_filename (dir, self->names[i], NULL);
      g_autofree char *contents = NULL;
      g_autofree char *md5 = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &contents, &len, NULL))
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("%s is missing from “%s”."), self->names[i], dir);
          return FALSE;
        }
      md5 = lab_hash_hex ("md5", (const guint8 *) contents, len);
      if (run->inputs != NULL && run->inputs[i] != NULL)
        {
          g_autofree char *given = lab_hash_hex ("md5", g_bytes_get_data (run->inputs[i], NULL),
                                                 g_bytes_get_size (run->inputs[i]));

          if (g_strcmp0 (md5, given) != 0)
            {
              g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                           _("%s on disk differs from the data it was given."), self->names[i]);
              return FALSE;
            }
        }
      if (g_strcmp0 (md5, run->records[i].value) != 0)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("%s on disk is not what was written."), self->names[i]);
          return FALSE;
        }
      g_string_append (all, md5);
    }

  run->result = lab_hash_hex ("md5", (const guint8 *) all->str, all->len);
  return TRUE;
}

static void
lab_workload_save_finalize (GObject *object)
{
  g_clear_pointer (&LAB_WORKLOAD_SAVE (object)->names, g_strfreev);

  G_OBJECT_CLASS (lab_workload_save_parent_class)->finalize (object);
}

static void
lab_workload_save_class_init (LabWorkloadSaveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->finalize = lab_workload_save_finalize;

  workload_class->prepare = lab_workload_save_prepare;
  workload_class->dup_task_name = lab_workload_save_dup_task_name;
  workload_class->make_task_input = lab_workload_save_make_task_input;
  workload_class->run_task = lab_workload_save_run_task;
  workload_class->verify = lab_workload_save_verify;
}

static void
lab_workload_save_init (LabWorkloadSave *self)
{
}
