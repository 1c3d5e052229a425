/* lab-workload-hash.c — MD5 / SHA-256 of blocks of data or of files (seed 000)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task hashes --size bytes of generated data, or one file of
 * --input-dir.  Hashing is CPU work, but the data has to reach the worker
 * first: threads read it where it lies, worker processes receive a copy
 * through their pipe — the "copying" cost seed 000 talks about.
 */

#define G_LOG_DOMAIN "lab-workload-hash"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <openssl/evp.h>

#include "lab-digest.h"
#include "lab-workload-hash.h"

/* CPython's hashlib lets go of the GIL for buffers longer than this. */
#define HASHLIB_GIL_MINSIZE 2047

/* Read files in pieces this big. */
#define READ_CHUNK (256 * 1024)

struct _LabWorkloadHash
{
  LabWorkload  parent_instance;

  const EVP_MD *md;
  char        **files;        /* full paths, sorted; NULL for generated data */

  GMutex        expected_lock;
  char        **expected;     /* reference digests, computed once for verify */
  GPtrArray    *expected_for; /* a reference to each input they were computed from */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

G_DEFINE_FINAL_TYPE (LabWorkloadHash, lab_workload_hash, LAB_TYPE_WORKLOAD)

/* OpenSSL 3 looks an algorithm up again on every EVP_md5 () init and threads
 * contend on that lookup; fetch each one once per process and share it. */
static const EVP_MD *
fetch_md (const char *algo)
{
  static EVP_MD *md5, *sha256;

  if (g_strcmp0 (algo, "sha256") == 0)
    {
      if (g_once_init_enter (&sha256))
        g_once_init_leave (&sha256, EVP_MD_fetch (NULL, "SHA256", NULL));
      return sha256;
    }

  if (g_once_init_enter (&md5))
    g_once_init_leave (&md5, EVP_MD_fetch (NULL, "MD5", NULL));
  return md5;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
list_input_files (LabWorkloadHash  *self,
                  const char       *dir_path,
                  GError          **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  const char *name;

  if (!g_file_test (dir_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   g_file_test (dir_path, G_FILE_TEST_EXISTS)
                     ? _("“%s” is not a folder.") : _("The input folder “%s” does not exist."),
                   dir_path);
      return FALSE;
    }

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("Cannot read the input folder: %s."), local_error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (name[0] != '.' && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }

  if (files->len == 0)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("The input folder “%s” has no files to hash."), dir_path);
      return FALSE;
    }

  if (files->len > LAB_MAX_TASKS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("The input folder “%s” has %u files; at most %u can be hashed in one run."),
                   dir_path, files->len, LAB_MAX_TASKS);
      return FALSE;
    }

  /* Same order in every mode and every worker process. */
  g_ptr_array_sort (files, compare_paths);
  g_ptr_array_add (files, NULL);
  self->files = (char **) g_ptr_array_steal (files, NULL);

  return TRUE;
}

static gboolean
lab_workload_hash_prepare (LabWorkload  *workload,
                           GError      **error)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);

  self->md = fetch_md (plan->algo);
  if (self->md == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("OpenSSL on this machine does not offer %s."), plan->algo);
      return FALSE;
    }

  if (plan->input_dir != NULL)
    {
      if (!list_input_files (self, plan->input_dir, error))
        return FALSE;
      lab_workload_set_n_tasks (workload, g_strv_length (self->files));
    }
  else if ((guint64) plan->tasks * plan->size > LAB_MAX_TOTAL_SIZE)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("%u tasks of %" PRIu64 " bytes are more than the %"
                     PRIu64 " bytes (4 GiB) one run may hash."),
                   plan->tasks, plan->size, LAB_MAX_TOTAL_SIZE);
      return FALSE;
    }

  return TRUE;
}

static char *
lab_workload_hash_dup_task_name (LabWorkload *workload,
                                 guint        index)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (workload);

  if (self->files != NULL)
    return g_path_get_basename (self->files[index]);

  return g_strdup_printf (_("block %u"), index + 1);
}

static GBytes *
lab_workload_hash_make_task_input (LabWorkload  *workload,
                                   guint         index,
                                   GError      **error)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  guint8 *data;

  /* Files are read by the task itself: reading is part of the job. */
  if (self->files != NULL)
    return NULL;

  data = g_malloc (plan->size);
  lab_fill_deterministic (data, plan->size, plan->seed * 1000003 + index);
  return g_bytes_new_take (data, plan->size);
}

static gpointer
lab_workload_hash_worker_data_new (LabWorkload *workload)
{
  return EVP_MD_CTX_new ();
}

static void
lab_workload_hash_worker_data_free (gpointer data)
{
  EVP_MD_CTX_free (data);
}

static gboolean
hash_file (LabWorkloadHash  *self,
           EVP_MD_CTX       *ctx,
           const char       *path,
           GCancellable     *cancellable,
           guint64          *bytes,
           GError          **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);
  g_autoptr(GError) local_error = NULL;
  gssize n;

  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL)
    goto failed;

  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, READ_CHUNK,
                                   cancellable, &local_error)) > 0)
    {
      EVP_DigestUpdate (ctx, buffer, n);
      *bytes += n;
    }

  if (n == 0)
    return TRUE;

failed:
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                 _("Cannot read “%s”: %s."), path, local_error->message);
  return FALSE;
}

static gboolean
lab_workload_hash_run_task (LabWorkload     *workload,
                            LabTaskContext  *context,
                            GBytes          *input,
                            LabTaskRecord   *record,
                            GError         **error)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (workload);
  g_autoptr(EVP_MD_CTX) own_ctx = NULL;
  EVP_MD_CTX *ctx = context->worker_data;
  guint8 digest[EVP_MAX_MD_SIZE];
  guint digest_len = 0;
  gboolean big;

  if (ctx == NULL)
    ctx = own_ctx = EVP_MD_CTX_new ();

  /* hashlib.md5 (data) holds the GIL only for small buffers. */
  big = self->files != NULL || g_bytes_get_size (input) > HASHLIB_GIL_MINSIZE;
  lab_gil_acquire (context->gil);
  if (big)
    lab_gil_release (context->gil);

  EVP_DigestInit_ex (ctx, self->md, NULL);
  if (self->files != NULL)
    {
      if (!hash_file (self, ctx, self->files[record->index], context->cancellable,
                      &record->bytes, error))
        {
          if (!big)
            lab_gil_release (context->gil);
          return FALSE;
        }
    }
  else
    {
      EVP_DigestUpdate (ctx, g_bytes_get_data (input, NULL), g_bytes_get_size (input));
      record->bytes = g_bytes_get_size (input);
    }
  EVP_DigestFinal_ex (ctx, digest, &digest_len);

  if (!big)
    lab_gil_release (context->gil);

  record->value = lab_digest_to_hex (digest, digest_len);
  return TRUE;
}

static void
bytes_unref0 (gpointer bytes)
{
  if (bytes != NULL)
    g_bytes_unref (bytes);
}

/* Whether @run hashed the very inputs @cached holds (NULL: generated). */
static gboolean
same_inputs (GPtrArray    *cached,
             const LabRun *run)
{
  if (cached == NULL || cached->len != run->n_records)
    return FALSE;

  for (guint i = 0; i < run->n_records; i++)
    if (g_ptr_array_index (cached, i) != (run->inputs != NULL ? (gpointer) run->inputs[i] : NULL))
      return FALSE;
  return TRUE;
}

/* The reference digests, computed once per set of inputs, outside any
 * timing, with OpenSSL's one-shot API rather than the code under test:
 * from the very bytes the tasks were given, or from the files. */
static const char * const *
get_expected (LabWorkloadHash  *self,
              LabRun           *run,
              GError          **error)
{
  LabWorkload *workload = LAB_WORKLOAD (self);
  const LabPlan *plan = lab_workload_get_plan (workload);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->expected_lock);
  g_auto(GStrv) expected = NULL;

  /* The cache holds a reference to every input it was computed from: a
   * pointer alone could be freed and reused for other bytes, and the
   * digests of the old bytes would then be taken for the new ones. */
  if (self->expected != NULL && same_inputs (self->expected_for, run))
    return (const char * const *) self->expected;

  expected = g_new0 (char *, run->n_records + 1);
  for (guint i = 0; i < run->n_records; i++)
    {
      g_autoptr(GBytes) data = NULL;

      if (self->files != NULL)
        {
          g_autoptr(GError) local_error = NULL;
          g_autoptr(GMappedFile) mapped = g_mapped_file_new (self->files[i], FALSE, &local_error);

          if (mapped == NULL)
            {
              g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                           _("Cannot read “%s”: %s."), self->files[i], local_error->message);
              return NULL;
            }
          data = g_mapped_file_get_bytes (mapped);
        }
      else if (run->inputs != NULL && run->inputs[i] != NULL)
        data = g_bytes_ref (run->inputs[i]);
      else
        data = lab_workload_hash_make_task_input (workload, i, NULL);

      expected[i] = lab_hash_hex (plan->algo, g_bytes_get_data (data, NULL),
                                  g_bytes_get_size (data));
    }

  g_clear_pointer (&self->expected, g_strfreev);
  self->expected = g_steal_pointer (&expected);
  g_clear_pointer (&self->expected_for, g_ptr_array_unref);
  self->expected_for = g_ptr_array_new_full (run->n_records, (GDestroyNotify) bytes_unref0);
  for (guint i = 0; i < run->n_records; i++)
    g_ptr_array_add (self->expected_for,
                     run->inputs != NULL && run->inputs[i] != NULL ? g_bytes_ref (run->inputs[i]) : NULL);
  return (const char * const *) self->expected;
}

static gboolean
lab_workload_hash_verify (LabWorkload  *workload,
                          LabRun       *run,
                          GError      **error)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  const char * const *expected;
  g_autoptr(GString) all = g_string_new (NULL);

  expected = get_expected (self, run, error);
  if (expected == NULL)
    return FALSE;

  for (guint i = 0; i < run->n_records; i++)
    {
      if (g_strcmp0 (run->records[i].value, expected[i]) != 0)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("The digest of %s is %s, but it should be %s."),
                       run->records[i].name, run->records[i].value ? run->records[i].value : "—",
                       expected[i]);
          return FALSE;
        }
      g_string_append (all, expected[i]);
    }

  /* One digest standing for the whole list: the digest of all digests. */
  run->result = lab_hash_hex (plan->algo, (const guint8 *) all->str, all->len);
  return TRUE;
}

static void
lab_workload_hash_finalize (GObject *object)
{
  LabWorkloadHash *self = LAB_WORKLOAD_HASH (object);

  g_clear_pointer (&self->files, g_strfreev);
  g_clear_pointer (&self->expected, g_strfreev);
  g_clear_pointer (&self->expected_for, g_ptr_array_unref);
  g_mutex_clear (&self->expected_lock);

  G_OBJECT_CLASS (lab_workload_hash_parent_class)->finalize (object);
}

static void
lab_workload_hash_class_init (LabWorkloadHashClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->finalize = lab_workload_hash_finalize;

  workload_class->prepare = lab_workload_hash_prepare;
  workload_class->dup_task_name = lab_workload_hash_dup_task_name;
  workload_class->make_task_input = lab_workload_hash_make_task_input;
  workload_class->worker_data_new = lab_workload_hash_worker_data_new;
  workload_class->worker_data_free = lab_workload_hash_worker_data_free;
  workload_class->run_task = lab_workload_hash_run_task;
  workload_class->verify = lab_workload_hash_verify;
}

static void
lab_workload_hash_init (LabWorkloadHash *self)
{
  g_mutex_init (&self->expected_lock);
}
