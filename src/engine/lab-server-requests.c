/* lab-server-requests.c — the built-in server's answer with a file,
 * paced like a real, imperfect server's
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The answer waits the latency first, then streams the file no faster
 * than the bandwidth allows, from timers on the server's own context.
 */

#define G_LOG_DOMAIN "lab-server"

#include "config.h"

#include <libsoup/soup.h>

#include "lab-server-private.h"

#define THROTTLE_TICK_MS 20

typedef struct
{
  LabServer         *server;
  SoupServerMessage *msg;
  GBytes            *data;
  gsize              sent;
  gint64             start_us;
  GSource           *timer;
  gboolean           finished;
} Request;

static void
request_free (Request *request)
{
  if (request->timer != NULL)
    {
      g_source_destroy (request->timer);
      g_source_unref (request->timer);
    }
  g_clear_pointer (&request->data, g_bytes_unref);
  g_free (request);
}

static void
request_finished_cb (SoupServerMessage *msg,
                     Request           *request)
{
  /* The client got it all, or went away: stop feeding it. */
  request->finished = TRUE;
  if (request->timer != NULL)
    {
      g_source_destroy (request->timer);
      g_clear_pointer (&request->timer, g_source_unref);
    }
}

static void
request_arm_timer (Request     *request,
                   guint        ms,
                   GSourceFunc  callback)
{
  if (request->timer != NULL)
    {
      g_source_destroy (request->timer);
      g_source_unref (request->timer);
    }
  request->timer = g_timeout_source_new (ms);
  g_source_set_callback (request->timer, callback, request, NULL);
  g_source_set_static_name (request->timer, "[lab] server request");
  g_source_attach (request->timer, request->server->context);
}

/* bandwidth × elapsed_us / 10⁶, the bytes a connection may have been sent
 * by now.  The plain product overflows 64 bits for big bandwidths or long
 * transfers (1 TiB/s for 10 s), so split the bandwidth into whole bytes
 * per microsecond and the rest, and saturate instead of wrapping. */
guint64
lab_server_bytes_allowed (guint64 bandwidth,
                          gint64  elapsed_us)
{
  guint64 per_us = bandwidth / G_USEC_PER_SEC;
  guint64 rest = bandwidth % G_USEC_PER_SEC;
  guint64 elapsed = elapsed_us > 0 ? (guint64) elapsed_us : 0;
  guint64 whole_part, rest_part;

  if (per_us != 0 && elapsed > G_MAXUINT64 / per_us)
    return G_MAXUINT64;
  whole_part = per_us * elapsed;

  /* rest < 10⁶, so neither product below can overflow. */
  rest_part = (elapsed / G_USEC_PER_SEC) * rest + (elapsed % G_USEC_PER_SEC) * rest / G_USEC_PER_SEC;

  return whole_part > G_MAXUINT64 - rest_part ? G_MAXUINT64 : whole_part + rest_part;
}

/* Token bucket on the real clock: by now we may have sent
 * bandwidth × elapsed bytes; send what is missing. */
static gboolean
request_send_more (gpointer data)
{
  Request *request = data;
  SoupMessageBody *body = soup_server_message_get_response_body (request->msg);
  gsize total = g_bytes_get_size (request->data);
  gint64 elapsed = g_get_monotonic_time () - request->start_us;
  guint64 allowed = lab_server_bytes_allowed (request->server->options.bandwidth, elapsed);
  gsize chunk;

  if (request->finished)
    return G_SOURCE_REMOVE;

  allowed = MAX (allowed, 1);
  chunk = MIN (total - request->sent, allowed > request->sent ? allowed - request->sent : 0);
  if (chunk > 0)
    {
      g_autoptr(GBytes) piece = g_bytes_new_from_bytes (request->data, request->sent, chunk);

      soup_message_body_append_bytes (body, piece);
      request->sent += chunk;
      soup_server_message_unpause (request->msg);
    }

  if (request->sent == total)
    {
      soup_message_body_complete (body);
      soup_server_message_unpause (request->msg);
      g_clear_pointer (&request->timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
request_respond (Request *request)
{
  SoupServerMessage *msg = request->msg;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "application/octet-stream", NULL);
  soup_message_headers_set_content_length (headers, g_bytes_get_size (request->data));

  if (request->server->options.bandwidth == 0 || g_bytes_get_size (request->data) == 0)
    {
      soup_message_body_append_bytes (body, request->data);
      soup_message_body_complete (body);
      soup_server_message_unpause (msg);
      return;
    }

  /* Throttled: stream it in pieces, never more than the bucket allows. */
  soup_message_body_set_accumulate (body, FALSE);
  request->start_us = g_get_monotonic_time ();
  request_send_more (request);
  if (request->sent < g_bytes_get_size (request->data))
    request_arm_timer (request, THROTTLE_TICK_MS, request_send_more);
}

static gboolean
request_after_latency (gpointer data)
{
  Request *request = data;

  g_clear_pointer (&request->timer, g_source_unref);
  if (!request->finished)
    request_respond (request);

  return G_SOURCE_REMOVE;
}

/* Answers @msg with @data, after the latency and at the bandwidth the
 * server was given. */
void
lab_server_send_file (LabServer         *server,
                      SoupServerMessage *msg,
                      GBytes            *data)
{
  Request *request = g_new0 (Request, 1);

  request->server = server;
  request->msg = msg;   /* the message owns the request, not the other way */
  request->data = g_bytes_ref (data);
  g_signal_connect (msg, "finished", G_CALLBACK (request_finished_cb), request);
  g_object_set_data_full (G_OBJECT (msg), "lab-request", request, (GDestroyNotify) request_free);

  soup_server_message_pause (msg);
  if (server->options.latency_ms > 0)
    request_arm_timer (request, server->options.latency_ms, request_after_latency);
  else
    request_respond (request);
}
