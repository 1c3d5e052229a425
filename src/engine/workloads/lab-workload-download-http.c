/* lab-workload-download-http.c — what every download checks in its
 * answer, on a thread or on an event loop alike
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The status, a size limit a server cannot push past, a body that stopped
 * short, the reason for a failure in words a student understands, and where
 * a request's time went (connecting, the first byte, the body).
 */

#define G_LOG_DOMAIN "lab-workload-download"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab-states.h"
#include "lab-workload-download-private.h"

#define READ_CHUNK (262144)

/* What went wrong, in words a student understands. */
void
lab_download_set_error (GError       **error,
                        const char    *url,
                        const GError  *cause,
                        guint          timeout_s)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri ? g_uri_get_host (uri) : url;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, cause->message);
  else if (cause->domain == G_RESOLVER_ERROR)
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("Cannot find the server “%s”."), host);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("%s refused the connection."), host);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("No answer from %s within %u s."), host, timeout_s);
  else if (cause->domain == G_TLS_ERROR)
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("The secure connection to %s failed: %s"), host, cause->message);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
           g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ||
           g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
           g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("%s closed the connection before the answer was complete."), host);
  else
    g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                 _("Downloading %s failed: %s"), url, cause->message);
}

/* No answer may grow past the per-task size limit: a server that never
 * stops sending would otherwise fill the memory (and a body's length must
 * fit the 32-bit count of its buffer). */
guint64
lab_download_max_body (LabWorkload *workload)
{
  guint64 limit = lab_workload_get_plan (workload)->max_body;

  return limit == 0 ? LAB_MAX_TASK_SIZE : MIN (limit, LAB_MAX_TASK_SIZE);
}

void
lab_download_set_too_big_error (GError     **error,
                                const char  *url,
                                guint64      limit)
{
  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
               _("The answer from %s is bigger than the limit of %" PRIu64 " bytes per task, "
                 "so the download stopped there."), url, limit);
}

/* How much to read next: one byte past the limit tells "too big" apart
 * from "exactly at the limit".  When the server announced @announced bytes
 * (-1: it did not), never more than one byte past those: the buffer then
 * holds the body and the read that finds its end, and a 16 KiB answer
 * costs 16 KiB, not the READ_CHUNK of an answer of unknown size (which
 * made 5,000 downloads in flight hold 1.3 GB of buffers). */
gsize
lab_download_next_read_size (gsize   length,
                             guint64 limit,
                             goffset announced)
{
  guint64 want = MIN ((guint64) READ_CHUNK, limit + 1 - length);

  if (announced >= 0 && (guint64) announced >= length)
    want = MIN (want, (guint64) announced - length + 1);
  return want;
}

/* A server that announces too much is stopped before a byte is read. */
gboolean
lab_download_announces_too_much (SoupMessage *msg,
                                 guint64      limit)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  return soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
         soup_message_headers_get_content_length (headers) > (goffset) limit;
}

guint
lab_download_timeout_s (LabWorkload *workload)
{
  return (lab_workload_get_plan (workload)->timeout_ms + 999) / 1000;
}

/* The answer has arrived: check it is whole and keep it for the next stage. */
gboolean
lab_download_finish_body (LabTaskRecord  *record,
                          SoupMessage    *msg,
                          GByteArray     *body,
                          gsize           length,
                          GError        **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (goffset) length != soup_message_headers_get_content_length (headers))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("The answer stopped after %" PRIu64 " of %" PRId64 " bytes."),
                   (guint64) length, (gint64) soup_message_headers_get_content_length (headers));
      return FALSE;
    }

  /* The digest is taken later, by verify (), outside the clock: the task
   * is the download, nothing else. */
  g_byte_array_set_size (body, length);
  record->bytes = length;
  record->output = g_byte_array_free_to_bytes (g_byte_array_ref (body));
  return TRUE;
}

/* One allocation for the whole body when the server says how big it is.
 * Returns the length it announced, or -1. */
goffset
lab_download_presize (GByteArray  *body,
                      SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > 0 && length <= (goffset) LAB_MAX_TASK_SIZE)
    {
      g_byte_array_set_size (body, length + 1);

#ifdef MADV_HUGEPAGE
      /* A big body touches tens of thousands of fresh 4 KiB pages; huge
       * pages make that a few hundred page faults instead. */
      if (length >= 32 << 20)
        {
          gsize page = sysconf (_SC_PAGESIZE);
          guintptr start = ((guintptr) body->data + page - 1) & ~(guintptr) (page - 1);
          guintptr end = ((guintptr) body->data + length) & ~(guintptr) (page - 1);

          if (end > start)
            madvise ((void *) start, end - start, MADV_HUGEPAGE);
        }
#endif

      g_byte_array_set_size (body, 0);
      return length;
    }
  return soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH ? length : -1;
}

gboolean
lab_download_check_status (SoupMessage    *msg,
                           LabTaskRecord  *record,
                           GError        **error)
{
  record->status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (record->status))
    return TRUE;

  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK, _("The server answered HTTP %u %s."),
               record->status, soup_message_get_reason_phrase (msg));
  return FALSE;
}

/* Where a request's time went, from libsoup's own clock (the same
 * monotonic µs as ours): connecting, waiting for the first byte, the body.
 * Into @spans, or with @spans NULL into the task the thread runs. */
void
lab_download_add_http_spans (SoupMessage  *msg,
                             gint64        end_us,
                             GArray      **spans)
{
  SoupMessageMetrics *metrics = soup_message_get_metrics (msg);
  struct {
    LabWait wait;
    gint64  start_us;
    gint64  end_us;
  } phases[3];

  if (metrics == NULL)
    return;

  phases[0].wait = LAB_WAIT_CONNECT;
  phases[0].start_us = soup_message_metrics_get_connect_start (metrics);
  phases[0].end_us = soup_message_metrics_get_connect_end (metrics);
  phases[1].wait = LAB_WAIT_FIRST_BYTE;
  phases[1].start_us = soup_message_metrics_get_request_start (metrics);
  phases[1].end_us = soup_message_metrics_get_response_start (metrics);
  phases[2].wait = LAB_WAIT_BODY;
  phases[2].start_us = phases[1].end_us;
  phases[2].end_us = end_us;

  /* A phase that did not happen (a kept-alive connection needs no
   * connecting) is 0. */
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    if (phases[i].start_us > 0 && phases[i].end_us >= phases[i].start_us)
      {
        if (spans != NULL)
          lab_spans_add (spans, LAB_STATE_IO, phases[i].wait, phases[i].start_us, phases[i].end_us);
        else
          lab_span_record (LAB_STATE_IO, phases[i].wait, phases[i].start_us, phases[i].end_us);
      }
}
