/* lab-workload-download.c — real HTTP downloads with libsoup 3 (seeds 000,
 * 003, 004)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task fetches one URL: a file of the embedded server, or a line of
 * --url-list.  Almost all of a download is waiting for the network, which
 * is why threads, processes and an event loop all speed it up.
 *
 * This file is the workload: which URLs, whether there are descriptors
 * enough, and checking what arrived against the server's manifest.  A
 * thread's download is in lab-workload-download-blocking.c, the event
 * loop's in lab-workload-download-async.c, and what both check in an
 * answer in lab-workload-download-http.c.
 */

#define G_LOG_DOMAIN "lab-workload-download"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lab-digest.h"
#include "lab-server.h"
#include "lab-url-list.h"
#include "lab-workload-download-private.h"

G_DEFINE_FINAL_TYPE (LabWorkloadDownload, lab_workload_download, LAB_TYPE_WORKLOAD)

static gboolean
read_url_list (LabWorkloadDownload  *self,
               const char           *path,
               GError              **error)
{
  self->urls = lab_url_list_read (path, error);
  return self->urls != NULL;
}

static gboolean
lab_workload_download_prepare (LabWorkload  *workload,
                               GError      **error)
{
  LabWorkloadDownload *self = LAB_WORKLOAD_DOWNLOAD (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);

  if (plan->url_list != NULL)
    {
      if (!read_url_list (self, plan->url_list, error))
        return FALSE;
      lab_workload_set_n_tasks (workload, g_strv_length (self->urls));
      return TRUE;
    }

  if (plan->url == NULL)
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                           _("There is no server to download from; give a URL list."));
      return FALSE;
    }

  self->from_server = TRUE;
  self->urls = g_new0 (char *, plan->tasks + 1);
  for (guint i = 0; i < plan->tasks; i++)
    {
      g_autofree char *name = lab_server_dup_file_name (i);
      self->urls[i] = g_strconcat (plan->url, name, NULL);
    }

  return TRUE;
}

static char *
lab_workload_download_dup_task_name (LabWorkload *workload,
                                     guint        index)
{
  LabWorkloadDownload *self = LAB_WORKLOAD_DOWNLOAD (workload);
  const char *url = self->urls[index];
  const char *slash = strrchr (url, '/');

  if (slash != NULL && slash[1] != '\0')
    return g_strdup (slash + 1);
  return g_strdup (url);
}

/* Before the clock starts: are there descriptors enough for this run?
 * Better one sentence now than a thousand "too many open files" later. */
static gboolean
lab_workload_download_begin_run (LabWorkload  *workload,
                                 LabMode       mode,
                                 GError      **error)
{
  const LabPlan *plan = lab_workload_get_plan (workload);

  lab_raise_fd_limit ();
  return lab_plan_check_descriptors (plan, mode, lab_workload_get_n_tasks (workload),
                                     lab_server_is_here (plan->url), error);
}

/* /manifest.json of the server, read once, outside any timing. */
static GHashTable *
get_expected (LabWorkloadDownload  *self,
              GError              **error)
{
  const LabPlan *plan = lab_workload_get_plan (LAB_WORKLOAD (self));
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->manifest_lock);
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;
  JsonArray *files;

  if (self->expected_md5 != NULL)
    return self->expected_md5;

  session = soup_session_new_with_options ("timeout", (plan->timeout_ms + 999) / 1000, NULL);
  if (lab_download_all_on_this_machine (plan))
    {
      g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

      soup_session_set_proxy_resolver (session, direct);
    }
  url = g_strconcat (plan->url, "manifest.json", NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  body = msg ? soup_session_send_and_read (session, msg, NULL, &local_error) : NULL;
  if (body == NULL || !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)) ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                   &local_error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      (files = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                             "files")) == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("Cannot read the server’s manifest at %s."), url);
      return NULL;
    }

  self->expected_md5 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *file = json_array_get_object_element (files, i);

      if (file != NULL && json_object_has_member (file, "name") && json_object_has_member (file, "md5"))
        g_hash_table_insert (self->expected_md5,
                             g_strdup (json_object_get_string_member (file, "name")),
                             g_strdup (json_object_get_string_member (file, "md5")));
    }

  return self->expected_md5;
}

static gboolean
lab_workload_download_verify (LabWorkload  *workload,
                              LabRun       *run,
                              GError      **error)
{
  LabWorkloadDownload *self = LAB_WORKLOAD_DOWNLOAD (workload);
  g_autoptr(GString) all = g_string_new (NULL);
  guint64 total = 0;

  for (guint i = 0; i < run->n_records; i++)
    {
      GBytes *body = run->records[i].output;

      g_clear_pointer (&run->records[i].value, g_free);
      run->records[i].value = lab_hash_hex ("md5", body ? g_bytes_get_data (body, NULL) : NULL,
                                            body ? g_bytes_get_size (body) : 0);
    }

  if (self->from_server)
    {
      GHashTable *expected = get_expected (self, error);

      if (expected == NULL)
        return FALSE;

      for (guint i = 0; i < run->n_records; i++)
        {
          const char *md5 = g_hash_table_lookup (expected, run->records[i].name);

          if (md5 == NULL || g_strcmp0 (md5, run->records[i].value) != 0)
            {
              g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                           _("%s arrived with MD5 %s, but the server says %s."),
                           run->records[i].name, run->records[i].value, md5 ? md5 : "—");
              return FALSE;
            }
        }
    }

  /* Real URLs have no manifest: every answer complete and successful is
   * all that can be checked. */
  for (guint i = 0; i < run->n_records; i++)
    {
      g_string_append (all, run->records[i].value);
      total += run->records[i].bytes;
    }

  run->result = lab_hash_hex ("md5", (const guint8 *) all->str, all->len);
  return TRUE;
}

static void
lab_workload_download_finalize (GObject *object)
{
  LabWorkloadDownload *self = LAB_WORKLOAD_DOWNLOAD (object);

  g_clear_pointer (&self->urls, g_strfreev);
  g_clear_pointer (&self->expected_md5, g_hash_table_unref);
  g_mutex_clear (&self->manifest_lock);

  G_OBJECT_CLASS (lab_workload_download_parent_class)->finalize (object);
}

static void
lab_workload_download_class_init (LabWorkloadDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->finalize = lab_workload_download_finalize;

  workload_class->prepare = lab_workload_download_prepare;
  workload_class->dup_task_name = lab_workload_download_dup_task_name;
  workload_class->worker_data_new = lab_workload_download_worker_data_new;
  workload_class->worker_data_free = lab_workload_download_worker_data_free;
  workload_class->run_task = lab_workload_download_run_task;
  workload_class->run_task_async = lab_workload_download_run_task_async;
  workload_class->verify = lab_workload_download_verify;
  workload_class->begin_run = lab_workload_download_begin_run;
}

static void
lab_workload_download_init (LabWorkloadDownload *self)
{
  g_mutex_init (&self->manifest_lock);
}
