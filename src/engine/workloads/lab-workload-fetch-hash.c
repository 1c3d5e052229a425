/* lab-workload-fetch-hash.c — work that waits and then computes: download a file, then
 * hash its digest 20,000 times over (seeds 001 and 003, the many-cores lesson)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task downloads one file (the download workload does that part, so
 * every mode waits for the network exactly as it does there), then
 * stretches the file's MD5 the way a password store stretches a password:
 * the digest of the digest, LAB_FETCH_HASH_ROUNDS times, about 5 ms of
 * computing.  In Python that loop holds the GIL (hashlib lets go of it only
 * for buffers of 2 KiB or more, and each round hashes 16 bytes), and on an
 * event loop it holds the loop.  So the waits overlap in every concurrent
 * mode, but only processes compute on more than one core.
 *
 * verify () checks each file against the server's manifest (the download
 * workload's verify) and then stretches it again, outside the clock.
 */

#define G_LOG_DOMAIN "lab-workload-fetch-hash"

#include "config.h"

#include <glib/gi18n.h>
#include <openssl/evp.h>

#include "lab-digest.h"
#include "lab-workload-fetch-hash.h"

/* CPython's hashlib lets go of the GIL for buffers longer than this. */
#define HASHLIB_GIL_MINSIZE 2047

/* How often the loop of rounds looks up from its work: it offers the GIL
 * to a waiting thread (CPython checks between bytecodes), and now and then
 * it checks the Cancel button. */
#define ROUNDS_PER_YIELD   64
#define ROUNDS_PER_CANCEL  4096

struct _LabWorkloadFetchHash
{
  LabWorkload  parent_instance;

  LabWorkload *download;       /* the waiting half: the download workload itself */
};

G_DEFINE_FINAL_TYPE (LabWorkloadFetchHash, lab_workload_fetch_hash, LAB_TYPE_WORKLOAD)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

/* MD5 is fetched once per process: EVP_md5 () would look it up again on
 * every round, under a lock all threads share. */
static const EVP_MD *
get_md5 (void)
{
  static gsize md5 = 0;

  if (g_once_init_enter (&md5))
    g_once_init_leave (&md5, (gsize) EVP_MD_fetch (NULL, "MD5", NULL));
  return (const EVP_MD *) md5;
}

/**
 * lab_fetch_hash_stretch:
 * @body: the downloaded file
 * @gil: (nullable): the GIL of the threads mode
 *
 * The file's MD5, then the MD5 of that digest, LAB_FETCH_HASH_ROUNDS times:
 * the computing half of a task, as hex.
 */
char *
lab_fetch_hash_stretch (GBytes        *body,
                        LabGil        *gil,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  const EVP_MD *md5 = get_md5 ();
  guint8 digest[EVP_MAX_MD_SIZE];
  guint len = 0;
  gsize size = body != NULL ? g_bytes_get_size (body) : 0;

  /* hashlib.md5 (body) lets go of the GIL for a whole file... */
  lab_gil_acquire (gil);
  if (size > HASHLIB_GIL_MINSIZE)
    lab_gil_release (gil);
  EVP_DigestInit_ex (ctx, md5, NULL);
  EVP_DigestUpdate (ctx, body != NULL ? g_bytes_get_data (body, NULL) : NULL, size);
  EVP_DigestFinal_ex (ctx, digest, &len);
  if (size > HASHLIB_GIL_MINSIZE)
    lab_gil_acquire (gil);

  /* ...but not for the 16 bytes of a digest: the rounds hold it. */
  for (guint round = 1; round <= LAB_FETCH_HASH_ROUNDS; round++)
    {
      EVP_DigestInit_ex (ctx, md5, NULL);
      EVP_DigestUpdate (ctx, digest, len);
      EVP_DigestFinal_ex (ctx, digest, &len);

      if (round % ROUNDS_PER_YIELD == 0)
        lab_gil_yield_if_requested (gil);
      if (round % ROUNDS_PER_CANCEL == 0 &&
          g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          lab_gil_release (gil);
          return NULL;
        }
    }
  lab_gil_release (gil);

  return lab_digest_to_hex (digest, len);
}

static gboolean
lab_workload_fetch_hash_prepare (LabWorkload  *workload,
                                 GError      **error)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (workload);
  g_autoptr(LabPlan) plan = lab_plan_copy (lab_workload_get_plan (workload));

  g_free (plan->workload);
  plan->workload = g_strdup ("download");
  self->download = lab_workload_new (plan, error);
  if (self->download == NULL)
    return FALSE;
  lab_workload_set_n_tasks (workload, lab_workload_get_n_tasks (self->download));
  return TRUE;
}

static char *
lab_workload_fetch_hash_dup_task_name (LabWorkload *workload,
                                       guint        index)
{
  return lab_workload_dup_task_name (LAB_WORKLOAD_FETCH_HASH (workload)->download, index);
}

/* A worker's state is its download half's (its HTTP sessions), with that
 * half held so it can be freed: worker_data_free () gets no workload. */
typedef struct
{
  LabWorkload *download;
  gpointer     data;
} WorkerData;

static gpointer
lab_workload_fetch_hash_worker_data_new (LabWorkload *workload)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (workload);
  WorkerData *worker = g_new0 (WorkerData, 1);

  worker->download = g_object_ref (self->download);
  worker->data = lab_workload_worker_data_new (self->download);
  return worker;
}

static void
lab_workload_fetch_hash_worker_data_free (gpointer data)
{
  WorkerData *worker = data;

  lab_workload_worker_data_free (worker->download, worker->data);
  g_object_unref (worker->download);
  g_free (worker);
}

/* What the download half gets: the same context, with its own data. */
static LabTaskContext
download_context (const LabTaskContext *context)
{
  LabTaskContext inner = *context;
  WorkerData *worker = context->worker_data;

  inner.worker_data = worker != NULL ? worker->data : NULL;
  return inner;
}

/* The body waits for the network; the rounds compute. */
static gboolean
lab_workload_fetch_hash_run_task (LabWorkload     *workload,
                                  LabTaskContext  *context,
                                  GBytes          *input,
                                  LabTaskRecord   *record,
                                  GError         **error)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (workload);
  LabTaskContext inner = download_context (context);

  if (!lab_workload_run_task (self->download, &inner, input, record, error))
    return FALSE;
  record->value = lab_fetch_hash_stretch (record->output, context->gil, context->cancellable,
                                          error);
  return record->value != NULL;
}

/* On an event loop: the download runs on the loop with all the others;
 * when its body is in, the rounds run right there in the callback, and
 * nothing else on this loop moves until they are done — as in asyncio. */
typedef struct
{
  LabTaskRecord  *record;
  LabTaskContext  inner;     /* the download half's context, for as long as it runs */
} AsyncTask;

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LabTaskRecord *record = ((AsyncTask *) g_task_get_task_data (task))->record;
  GError *error = NULL;

  if (!lab_workload_run_task_finish (LAB_WORKLOAD (source), result, &error))
    {
      record->end_us = g_get_monotonic_time ();
      g_task_return_error (task, error);
      return;
    }

  record->value = lab_fetch_hash_stretch (record->output, NULL, g_task_get_cancellable (task),
                                          &error);
  record->end_us = g_get_monotonic_time ();
  if (record->value == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
lab_workload_fetch_hash_run_task_async (LabWorkload         *workload,
                                        LabTaskContext      *context,
                                        GBytes              *input,
                                        LabTaskRecord       *record,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (workload);
  GTask *task = g_task_new (workload, context->cancellable, callback, user_data);
  AsyncTask *async_task = g_new0 (AsyncTask, 1);

  async_task->record = record;
  async_task->inner = download_context (context);
  g_task_set_source_tag (task, lab_workload_fetch_hash_run_task_async);
  g_task_set_task_data (task, async_task, g_free);
  lab_workload_run_task_async (self->download, &async_task->inner, input, record, downloaded_cb,
                               task);
}

static gboolean
lab_workload_fetch_hash_begin_run (LabWorkload  *workload,
                                   LabMode       mode,
                                   GError      **error)
{
  return lab_workload_begin_run (LAB_WORKLOAD_FETCH_HASH (workload)->download, mode, error);
}

static void
lab_workload_fetch_hash_end_run (LabWorkload *workload)
{
  lab_workload_end_run (LAB_WORKLOAD_FETCH_HASH (workload)->download);
}

/* Every file as the server's manifest says (the download half checks
 * that, and leaves each file's MD5 as its value), then every stretched
 * digest computed again here. */
static gboolean
lab_workload_fetch_hash_verify (LabWorkload  *workload,
                                LabRun       *run,
                                GError      **error)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (workload);
  g_autoptr(GPtrArray) stretched = g_ptr_array_new_with_free_func (g_free);
  gboolean ok;

  for (guint i = 0; i < run->n_records; i++)
    g_ptr_array_add (stretched, g_steal_pointer (&run->records[i].value));

  ok = lab_workload_verify (self->download, run, error);

  for (guint i = 0; i < run->n_records; i++)
    {
      g_autofree char *expected = NULL;

      g_free (run->records[i].value);
      run->records[i].value = g_steal_pointer (&g_ptr_array_index (stretched, i));
      if (!ok || run->records[i].error != NULL)
        continue;
      expected = lab_fetch_hash_stretch (run->records[i].output, NULL, NULL, NULL);
      if (g_strcmp0 (expected, run->records[i].value) != 0)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("%s was hashed to %s, but %u rounds of MD5 give %s."),
                       run->records[i].name, run->records[i].value ? run->records[i].value : "—",
                       LAB_FETCH_HASH_ROUNDS, expected);
          ok = FALSE;
        }
    }

  return ok;
}

static void
lab_workload_fetch_hash_dispose (GObject *object)
{
  LabWorkloadFetchHash *self = LAB_WORKLOAD_FETCH_HASH (object);

  g_clear_object (&self->download);

  G_OBJECT_CLASS (lab_workload_fetch_hash_parent_class)->dispose (object);
}

static void
lab_workload_fetch_hash_class_init (LabWorkloadFetchHashClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->dispose = lab_workload_fetch_hash_dispose;

  workload_class->prepare = lab_workload_fetch_hash_prepare;
  workload_class->dup_task_name = lab_workload_fetch_hash_dup_task_name;
  workload_class->worker_data_new = lab_workload_fetch_hash_worker_data_new;
  workload_class->worker_data_free = lab_workload_fetch_hash_worker_data_free;
  workload_class->run_task = lab_workload_fetch_hash_run_task;
  workload_class->run_task_async = lab_workload_fetch_hash_run_task_async;
  workload_class->begin_run = lab_workload_fetch_hash_begin_run;
  workload_class->end_run = lab_workload_fetch_hash_end_run;
  workload_class->verify = lab_workload_fetch_hash_verify;
}

static void
lab_workload_fetch_hash_init (LabWorkloadFetchHash *self)
{
}
