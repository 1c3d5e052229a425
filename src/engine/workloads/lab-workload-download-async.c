/* lab-workload-download-async.c — many downloads on one event loop: the
 * sessions they are spread over, and the callbacks that carry each one
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-workload-download"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-context-group.h"
#include "lab-workload-download-private.h"

/* A worker's sessions.  A thread has one request in flight at a time and
 * needs one session.  The event loop has up to N in flight, and two things
 * in libsoup 3.2 and GLib 2.74 grow with N unless the loop spreads them:
 *
 * - for every message it queues, a session's connection manager walks all
 *   the connections it holds to the host, so one session with N
 *   connections costs O(N²) (1,000 downloads in flight on one session took
 *   3.8–5.2 s instead of 1 s).  So the loop uses sessions of at most
 *   CONNS_PER_SESSION connections each;
 * - a GLib context keeps its sockets in a list sorted by number and walks
 *   it for every socket source added or removed, several times per
 *   download.  So each session runs in a small context of its own, and
 *   the loop polls them all through one epoll descriptor
 *   (lab-context-group.c).
 *
 * Both keep one thread and one loop: every callback still runs on it.
 * Measured with the built-in server (16 KiB, 1 s latency, N in flight),
 * three runs each, alternated with the build before: 1,000 took 1.23–1.30 s
 * (before: 1.26–1.45 s), 5,000 took 2.77–3.00 s (3.12–3.35 s).  What is
 * left is libsoup's own work per download, about 0.45 ms of CPU on this
 * machine (3,000 downloads from a separate `serve`: 1.3–1.5 s of CPU,
 * /usr/bin/time): the loop is busy the whole time at 5,000, and the
 * built-in server, doing the same work on the other core, is too. */
#define CONNS_PER_SESSION 8

struct _DownloadSessions
{
  guint            n_sessions;
  SoupSession    **sessions;      /* made on first use, on the worker's thread */
  GMainContext   **contexts;      /* on an event loop: each session's own, in the group */
  LabContextGroup *group;
  guint            connections;   /* per session */
  guint            timeout_s;
  gboolean         direct;        /* every URL is on this machine: no proxy */
};

/* Whether every URL of the plan is on this machine (the built-in server, or
 * a `serve` here): then no proxy can be meant.  The system's proxy
 * resolver would send them to the http_proxy of a school network, where
 * every one failed; and asking it (libproxy, on a pool thread) for each of
 * thousands of connections costs a thread hop and a wake-up of the loop
 * each. */
gboolean
lab_download_all_on_this_machine (const LabPlan *plan)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (plan->url_list != NULL || plan->url == NULL ||
      (uri = g_uri_parse (plan->url, G_URI_FLAGS_NONE, NULL)) == NULL ||
      (host = g_uri_get_host (uri)) == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gpointer
lab_workload_download_worker_data_new (LabWorkload *workload)
{
  const LabPlan *plan = lab_workload_get_plan (workload);
  DownloadSessions *sessions = g_new0 (DownloadSessions, 1);
  sessions->n_sessions = MAX (1, (plan->workers + CONNS_PER_SESSION - 1) / CONNS_PER_SESSION);
  sessions->sessions = g_new0 (SoupSession *, sessions->n_sessions);
  sessions->contexts = g_new0 (GMainContext *, sessions->n_sessions);
  /* Room for every request a session may carry, plus a few spare: libsoup
   * allows only 2 per host by default. */
  sessions->connections = MIN (MAX (plan->workers, 2), CONNS_PER_SESSION) + 4;
  sessions->timeout_s = (plan->timeout_ms + 999) / 1000;
  if (lab_download_all_on_this_machine (plan))
    sessions->direct = TRUE;

  return sessions;
}

void
lab_workload_download_worker_data_free (gpointer data)
{
  DownloadSessions *sessions = data;

  for (guint i = 0; i < sessions->n_sessions; i++)
    g_clear_object (&sessions->sessions[i]);
  g_free (sessions->sessions);
  /* After the sessions: what they still close runs in their contexts. */
  g_clear_pointer (&sessions->group, lab_context_group_free);
  g_free (sessions->contexts);
  g_free (sessions);
}

static SoupSession *
session_new (DownloadSessions *sessions)
{
  SoupSession *session = soup_session_new_with_options ("max-conns", sessions->connections,
                                                        "max-conns-per-host", sessions->connections,
                                                        "timeout", sessions->timeout_s,
                                                        "user-agent", "concurrency-lab/" PACKAGE_VERSION " ",
                                                        NULL);
  /* No resolver at all, rather than one that finds no proxy: libsoup then
   * connects straight away, without asking one (a turn of the loop each). */
  if (sessions->direct)
    soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/* A thread's session: its requests run on the thread that sends them. */
SoupSession *
lab_download_session (DownloadSessions *sessions,
                      guint             index)
{
  guint slot = index % sessions->n_sessions;

  if (sessions->sessions[slot] == NULL)
    sessions->sessions[slot] = session_new (sessions);
  return sessions->sessions[slot];
}

/* On the event loop: the session for the request of task @index, and in
 * @context the context its requests run in: a context of its own, a
 * member of the group the loop polls through epoll (the loop's own, should
 * epoll be missing).  Tasks start in order, so the ones in flight at any
 * moment fall evenly on the sessions. */
static SoupSession *
session_on_loop (DownloadSessions  *sessions,
                 guint              index,
                 GMainContext     **context)
{
  guint slot = index % sessions->n_sessions;

  if (sessions->sessions[slot] == NULL)
    {
      if (sessions->group == NULL)
        sessions->group = lab_context_group_new (g_main_context_get_thread_default ());
      sessions->contexts[slot] = sessions->group != NULL
                                 ? lab_context_group_add_context (sessions->group)
                                 : g_main_context_get_thread_default ();

      /* A libsoup session belongs to the context it is made in. */
      g_main_context_push_thread_default (sessions->contexts[slot]);
      sessions->sessions[slot] = session_new (sessions);
      g_main_context_pop_thread_default (sessions->contexts[slot]);
    }

  *context = sessions->contexts[slot];
  return sessions->sessions[slot];
}

/* A download on an event loop: start the request and return at once; the
 * loop calls back when the headers are in, and again for every piece of
 * the body.  Many downloads progress together on one thread. */
typedef struct
{
  LabWorkload   *workload;
  LabTaskRecord *record;
  SoupSession   *session;
  GMainContext  *context;       /* the session's */
  SoupMessage   *msg;
  GInputStream  *stream;
  GByteArray    *body;
  gsize          length;
  goffset        announced;     /* Content-Length, or -1 */
  gint64         sent_us;
  guint          attempts_left;
} AsyncDownload;

static void
async_download_free (gpointer data)
{
  AsyncDownload *download = data;

  /* Letting go of the body stream ends the message in libsoup, which
   * asserts that this happens in the context the request ran in. */
  g_main_context_push_thread_default (download->context);
  g_clear_object (&download->stream);
  g_clear_object (&download->msg);
  g_main_context_pop_thread_default (download->context);
  g_clear_pointer (&download->context, g_main_context_unref);
  g_clear_pointer (&download->body, g_byte_array_unref);
  g_free (download);
}

static void start_attempt (GTask *task);

/* Where the attempt's time went: connecting, the first byte, the body.  A
 * thread's download records into the one task its thread runs; the loop
 * runs hundreds at once, so each records straight into its own record. */
static void
record_http_spans (AsyncDownload *download)
{
  lab_download_add_http_spans (download->msg, g_get_monotonic_time (), &download->record->spans);
}

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

  lab_download_set_error (&error, url, cause, lab_download_timeout_s (download->workload));
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
      record_http_spans (download);
      fail_with_cause (task, local_error);
      return;
    }

  if (n > 0)
    {
      guint64 limit = lab_download_max_body (download->workload);
      gsize want;

      download->length += n;
      if (download->length > limit)
        {
          const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];

          record_http_spans (download);
          download->attempts_left = 0;
          lab_download_set_too_big_error (&error, url, limit);
          fail_or_retry (task, error);
          return;
        }

      want = lab_download_next_read_size (download->length, limit, download->announced);
      g_byte_array_set_size (download->body, download->length + want);
      g_input_stream_read_async (download->stream, download->body->data + download->length,
                                 want, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                 read_cb, task);
      return;
    }

  record_http_spans (download);
  if (!lab_download_finish_body (download->record, download->msg, download->body,
                                 download->length, &error))
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

  /* A Cancel that lands after libsoup made the body stream but before
   * this callback: libsoup 3.2's send_finish () then ends the message's
   * I/O and leaves the stream inside its task, whose end closes the stream
   * into the ended I/O — a NULL dereference in soup_client_message_io_skip
   * (1 in 5 ASan runs of test-server).  Taking the stream all the same
   * keeps the I/O alive until the stream closes; the read that follows
   * sees the Cancel. */
  g_task_set_check_cancellable (G_TASK (result), FALSE);
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
  if (!lab_download_check_status (download->msg, download->record, &error))
    {
      fail_or_retry (task, error);
      return;
    }

  if (lab_download_announces_too_much (download->msg, lab_download_max_body (download->workload)))
    {
      const char *url = LAB_WORKLOAD_DOWNLOAD (download->workload)->urls[download->record->index];

      download->attempts_left = 0;
      lab_download_set_too_big_error (&error, url, lab_download_max_body (download->workload));
      fail_or_retry (task, error);
      return;
    }

  download->announced = lab_download_presize (download->body, download->msg);
  g_byte_array_set_size (download->body,
                         lab_download_next_read_size (0, lab_download_max_body (download->workload),
                                                      download->announced));
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

  soup_message_add_flags (download->msg, SOUP_MESSAGE_COLLECT_METRICS);
  download->sent_us = g_get_monotonic_time ();
  /* libsoup runs the request, and calls back, in the thread-default
   * context of this call: the session's. */
  g_main_context_push_thread_default (download->context);
  soup_session_send_async (download->session, download->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), sent_cb, task);
  g_main_context_pop_thread_default (download->context);
}

void
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
  download->session = session_on_loop (context->worker_data, record->index, &download->context);
  if (download->context != NULL)
    g_main_context_ref (download->context);
  download->attempts_left = lab_workload_get_plan (workload)->retries;
  g_task_set_task_data (task, download, async_download_free);

  /* The task holds itself until the download ends (see fail_or_retry). */
  start_attempt (task);
}
