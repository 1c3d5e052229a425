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
 * Every worker has a session of its own, created on the worker's own thread
 * (libsoup answers on the thread-default context of the caller), with room
 * for as many connections as there are workers: libsoup allows only 2 per
 * host by default, which would quietly serialise the whole lesson.
 */

#define G_LOG_DOMAIN "lab-workload-download"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab-digest.h"
#include "lab-server.h"
#include "lab-url-list.h"
#include "lab-states.h"
#include "lab-workload-download.h"

#define READ_CHUNK (262144)

struct _LabWorkloadDownload
{
  LabWorkload   parent_instance;

  char        **urls;           /* one per task */
  gboolean      from_server;    /* the embedded server's files, with a manifest */

  GMutex        manifest_lock;
  GHashTable   *expected_md5;   /* file name → MD5, read from /manifest.json */
};

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

/* A worker's sessions.  A thread has one request in flight at a time and
 * needs one session.  The event loop has up to N in flight, and one libsoup
 * 3.2 session does not scale to that: for every message it queues, its
 * connection manager walks all the connections it holds to the host (and
 * refs, unrefs and locks as it goes), so one session with N connections
 * costs O(N²) — measured here, 1,000 downloads in flight on one session
 * took 3.8–5.2 s instead of 1 s.  So the loop spreads its requests over
 * several sessions of at most CONNS_PER_SESSION connections each, all on
 * the same thread and the same loop: the walk stays short, and nothing
 * about the event loop changes.  See lab_workload_download_run_task_async ()
 * for how the number was chosen. */
#define CONNS_PER_SESSION 32

typedef struct
{
  guint         n_sessions;
  SoupSession **sessions;      /* made on first use, on the worker's thread */
  guint         connections;   /* per session */
  guint         timeout_s;
} DownloadSessions;

static gpointer
lab_workload_download_worker_data_new (LabWorkload *workload)
{
  const LabPlan *plan = lab_workload_get_plan (workload);
  DownloadSessions *sessions = g_new0 (DownloadSessions, 1);
  sessions->n_sessions = MAX (1, (plan->workers + CONNS_PER_SESSION - 1) / CONNS_PER_SESSION);
  sessions->sessions = g_new0 (SoupSession *, sessions->n_sessions);
  /* Room for every request a session may carry, plus a few spare: libsoup
   * allows only 2 per host by default. */
  sessions->connections = MIN (MAX (plan->workers, 2), CONNS_PER_SESSION) + 4;
  sessions->timeout_s = (plan->timeout_ms + 999) / 1000;

  return sessions;
}

static void
lab_workload_download_worker_data_free (gpointer data)
{
  DownloadSessions *sessions = data;

  for (guint i = 0; i < sessions->n_sessions; i++)
    g_clear_object (&sessions->sessions[i]);
  g_free (sessions->sessions);
  g_free (sessions);
}

/* The session for the request of task @index.  Tasks start in order, so
 * the ones in flight at any moment fall evenly on the sessions. */
static SoupSession *
download_session (DownloadSessions *sessions,
                  guint             index)
{
  guint slot = index % sessions->n_sessions;

  if (sessions->sessions[slot] == NULL)
    sessions->sessions[slot] =
      soup_session_new_with_options ("max-conns", sessions->connections,
                                     "max-conns-per-host", sessions->connections,
                                     "timeout", sessions->timeout_s,
                                     "user-agent", "concurrency-lab/" PACKAGE_VERSION " ",
                                     NULL);

  return sessions->sessions[slot];
}

/* What went wrong, in words a student understands. */
static void
set_download_error (GError       **error,
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
static guint64
max_body (LabWorkload *workload)
{
  guint64 limit = lab_workload_get_plan (workload)->max_body;

  return limit == 0 ? LAB_MAX_TASK_SIZE : MIN (limit, LAB_MAX_TASK_SIZE);
}

static void
set_too_big_error (GError     **error,
                   const char  *url,
                   guint64      limit)
{
  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
               _("The answer from %s is bigger than the limit of %" PRIu64 " bytes per task, "
                 "so the download stopped there."), url, limit);
}

/* How much to read next: one byte past the limit tells "too big" apart
 * from "exactly at the limit". */
static gsize
next_read_size (gsize   length,
                guint64 limit)
{
  return MIN ((guint64) READ_CHUNK, limit + 1 - length);
}

/* A server that announces too much is stopped before a byte is read. */
static gboolean
announces_too_much (SoupMessage *msg,
                    guint64      limit)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  return soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
         soup_message_headers_get_content_length (headers) > (goffset) limit;
}

static guint
timeout_s (LabWorkload *workload)
{
  return (lab_workload_get_plan (workload)->timeout_ms + 999) / 1000;
}

/* The answer has arrived: check it is whole and keep it for the next stage. */
static gboolean
finish_body (LabTaskRecord  *record,
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

/* One allocation for the whole body when the server says how big it is. */
static void
presize (GByteArray  *body,
         SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > 0 && length <= (goffset) LAB_MAX_TASK_SIZE)
    {
      g_byte_array_set_size (body, length + READ_CHUNK);

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
    }
}

static gboolean
check_status (SoupMessage    *msg,
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
static void
add_http_spans (SoupMessage  *msg,
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

static gboolean
download_once (LabWorkload     *workload,
               SoupSession     *session,
               const char      *url,
               GCancellable    *cancellable,
               LabTaskRecord   *record,
               gboolean        *too_big,
               GError         **error)
{
  guint64 limit = max_body (workload);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GError) local_error = NULL;
  gint64 sent_us = g_get_monotonic_time ();
  gsize length = 0;
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
      set_download_error (error, url, local_error, timeout_s (workload));
      return FALSE;
    }
  record->ttfb_us = g_get_monotonic_time () - sent_us;
  if (!check_status (msg, record, error))
    return FALSE;
  if (announces_too_much (msg, limit))
    {
      *too_big = TRUE;
      set_too_big_error (error, url, limit);
      return FALSE;
    }
  presize (body, msg);

  do
    {
      gsize want = next_read_size (length, limit);

      g_byte_array_set_size (body, length + want);
      n = g_input_stream_read (stream, body->data + length, want, cancellable, &local_error);
      if (n > 0)
        length += n;
    }
  while (n > 0 && length <= limit);
  add_http_spans (msg, g_get_monotonic_time (), NULL);

  if (n < 0)
    {
      set_download_error (error, url, local_error, timeout_s (workload));
      return FALSE;
    }
  if (length > limit)
    {
      /* Unreferencing the stream unread closes the connection. */
      *too_big = TRUE;
      set_too_big_error (error, url, limit);
      return FALSE;
    }

  return finish_body (record, msg, body, length, error);
}

static gboolean
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
  session = download_session (sessions, 0);

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

/* The same on an event loop: start the request and return at once; the
 * loop calls back when the headers are in, and again for every piece of
 * the body.  Many downloads progress together on one thread. */
typedef struct
{
  LabWorkload   *workload;
  LabTaskRecord *record;
  SoupSession   *session;
  SoupMessage   *msg;
  GInputStream  *stream;
  GByteArray    *body;
  gsize          length;
  gint64         sent_us;
  guint          attempts_left;
} AsyncDownload;

static void
async_download_free (gpointer data)
{
  AsyncDownload *download = data;

  g_clear_object (&download->stream);
  g_clear_object (&download->msg);
  g_clear_pointer (&download->body, g_byte_array_unref);
  g_free (download);
}

static void start_attempt (GTask *task);

static void
fail_or_retry (GTask  *task,
               GError *error)
{
  AsyncDownload *download = g_task_get_task_data (task);

  if (download->attempts_left > 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      download->attempts_left--;
      start_attempt (task);
      return;
    }

  download->record->end_us = g_get_monotonic_time ();
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The transfer itself failed: say why in plain words, then retry or fail. */
static void
fail_with_cause (GTask  *task,
                 GError *cause)
{
  AsyncDownload *download = g_task_get_task_data (task);
  const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];
  GError *error = NULL;

  set_download_error (&error, url, cause, timeout_s (download->workload));
  g_error_free (cause);
  fail_or_retry (task, error);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  AsyncDownload *download = g_task_get_task_data (task);
  GError *local_error = NULL;
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &local_error);
  if (n < 0)
    {
      fail_with_cause (task, local_error);
      return;
    }

  if (n > 0)
    {
      guint64 limit = max_body (download->workload);
      gsize want;

      download->length += n;
      if (download->length > limit)
        {
          const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];

          download->attempts_left = 0;
          set_too_big_error (&error, url, limit);
          fail_or_retry (task, error);
          return;
        }

      want = next_read_size (download->length, limit);
      g_byte_array_set_size (download->body, download->length + want);
      g_input_stream_read_async (download->stream, download->body->data + download->length,
                                 want, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                 read_cb, task);
      return;
    }

  if (!finish_body (download->record, download->msg, download->body, download->length, &error))
    {
      fail_or_retry (task, error);
      return;
    }

  download->record->end_us = g_get_monotonic_time ();
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  AsyncDownload *download = g_task_get_task_data (task);
  GError *local_error = NULL;
  GError *error = NULL;

  download->stream = soup_session_send_finish (SOUP_SESSION (source), result, &local_error);
  if (download->stream == NULL)
    {
      fail_with_cause (task, local_error);
      return;
    }
  /* The body stream reaches into its message when it closes, and a read
   * in flight keeps the stream alive after we let go of both: the stream
   * holds the message until then. */
  g_object_set_data_full (G_OBJECT (download->stream), "lab-message",
                          g_object_ref (download->msg), g_object_unref);

  download->record->ttfb_us = g_get_monotonic_time () - download->sent_us;
  if (!check_status (download->msg, download->record, &error))
    {
      fail_or_retry (task, error);
      return;
    }

  if (announces_too_much (download->msg, max_body (download->workload)))
    {
      const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];

      download->attempts_left = 0;
      set_too_big_error (&error, url, max_body (download->workload));
      fail_or_retry (task, error);
      return;
    }

  presize (download->body, download->msg);
  g_byte_array_set_size (download->body, next_read_size (0, max_body (download->workload)));
  g_input_stream_read_async (download->stream, download->body->data, download->body->len,
                             G_PRIORITY_DEFAULT, g_task_get_cancellable (task), read_cb, task);
}

static void
start_attempt (GTask *task)
{
  AsyncDownload *download = g_task_get_task_data (task);
  const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];

  g_clear_object (&download->stream);
  g_clear_object (&download->msg);
  g_clear_pointer (&download->body, g_byte_array_unref);
  download->body = g_byte_array_new ();
  download->length = 0;

  download->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (download->msg == NULL)
    {
      download->attempts_left = 0;
      fail_or_retry (task, g_error_new (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                                        _("“%s” is not a valid URL."), url));
      return;
    }

  download->sent_us = g_get_monotonic_time ();
  soup_session_send_async (download->session, download->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), sent_cb, task);
}

static void
lab_workload_download_run_task_async (LabWorkload         *workload,
                                      LabTaskContext      *context,
                                      GBytes              *input,
                                      LabTaskRecord       *record,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task = g_task_new (workload, context->cancellable, callback, user_data);
  AsyncDownload *download = g_new0 (AsyncDownload, 1);

  g_task_set_source_tag (task, lab_workload_download_run_task_async);
  download->workload = workload;
  download->record = record;
  download->session = download_session (context->worker_data, record->index);
  download->attempts_left = lab_workload_get_plan (workload)->retries;
  g_task_set_task_data (task, download, async_download_free);

  /* The task holds itself until the download ends (see fail_or_retry). */
  start_attempt (task);
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
