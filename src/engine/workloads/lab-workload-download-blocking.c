/* lab-workload-download-blocking.c — one download on a thread that waits
 * for it: the sequential, threads and processes modes
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The thread sends the request and blocks until the headers are in, then
 * reads the body piece by piece; other threads go on meanwhile.  Every
 * worker has a session of its own, created on the worker's own thread
 * (libsoup answers on the thread-default context of the caller), with room
 * for more than the 2 connections per host libsoup allows by default.
 */

#define G_LOG_DOMAIN "lab-workload-download"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-workload-download-private.h"

static gboolean
download_once (LabWorkload     *workload,
               SoupSession     *session,
               const char      *url,
               GCancellable    *cancellable,
               LabTaskRecord   *record,
               gboolean        *too_big,
               GError         **error)
{
  guint64 limit = lab_download_max_body (workload);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GError) local_error = NULL;
  gint64 sent_us = g_get_monotonic_time ();
  gsize length = 0;
  goffset announced;
  gssize n;

  if (msg == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("“%s” is not a valid URL."), url);
      return FALSE;
    }

  /* Blocks this worker until the headers are in; other workers go on. */
  soup_message_add_flags (msg, SOUP_MESSAGE_COLLECT_METRICS);
  stream = soup_session_send (session, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      lab_download_set_error (error, url, local_error, lab_download_timeout_s (workload));
      return FALSE;
    }
  record->ttfb_us = g_get_monotonic_time () - sent_us;
  if (!lab_download_check_status (msg, record, error))
    return FALSE;
  if (lab_download_announces_too_much (msg, limit))
    {
      *too_big = TRUE;
      lab_download_set_too_big_error (error, url, limit);
      return FALSE;
    }
  announced = lab_download_presize (body, msg);

  do
    {
      gsize want = lab_download_next_read_size (length, limit, announced);

      g_byte_array_set_size (body, length + want);
      n = g_input_stream_read (stream, body->data + length, want, cancellable, &local_error);
      if (n > 0)
        length += n;
    }
  while (n > 0 && length <= limit);
  lab_download_add_http_spans (msg, g_get_monotonic_time (), NULL);

  if (n < 0)
    {
      lab_download_set_error (error, url, local_error, lab_download_timeout_s (workload));
      return FALSE;
    }
  if (length > limit)
    {
      /* Unreferencing the stream unread closes the connection. */
      *too_big = TRUE;
      lab_download_set_too_big_error (error, url, limit);
      return FALSE;
    }

  return lab_download_finish_body (record, msg, body, length, error);
}

gboolean
lab_workload_download_run_task (LabWorkload     *workload,
                                LabTaskContext  *context,
                                GBytes          *input,
                                LabTaskRecord   *record,
                                GError         **error)
{
  LabWorkloadDownload *self = LAB_WORKLOAD_DOWNLOAD (workload);
  DownloadSessions *own_sessions = NULL;
  DownloadSessions *sessions = context->worker_data;
  SoupSession *session;
  guint retries = lab_workload_get_plan (workload)->retries;
  gboolean ok = FALSE;

  if (sessions == NULL)
    sessions = own_sessions = lab_workload_download_worker_data_new (workload);
  /* One request at a time on this thread: one session is all it needs. */
  session = lab_download_session (sessions, 0);

  /* Waiting for the network lets go of the GIL, as in Python. */
  lab_gil_acquire (context->gil);
  lab_gil_release (context->gil);

  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean too_big = FALSE;

      if (download_once (workload, session, self->urls[record->index], context->cancellable,
                         record, &too_big, &local_error))
        {
          ok = TRUE;
          break;
        }

      /* Trying a too big answer again would only fetch it again. */
      if (attempt >= retries || too_big ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
    }

  if (own_sessions != NULL)
    lab_workload_download_worker_data_free (own_sessions);
  return ok;
}
