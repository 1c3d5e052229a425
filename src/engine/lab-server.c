/* lab-server.c — a small HTTP server inside the app, for classrooms
 * without a reliable network
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It serves N files of deterministic bytes (file-000.bin …) and
 * /manifest.json with each file's size, MD5 and SHA-256, on 127.0.0.1
 * only, unless the teacher lets it listen beyond loopback for the
 * classroom's distributed workers.  Knobs make it behave like a real, imperfect server: a latency
 * before each answer, a bandwidth limit per connection, and a share of
 * requests that fail (500, reset, or no answer at all).
 *
 * It runs on a thread of its own with its own GMainContext, so neither the
 * window nor the clients it measures slow it down.
 *
 * It is longer than most files here because it also does what libsoup 3.2
 * leaves undone — accepting on its own so that running out of descriptors
 * pauses it instead of deafening it, and closing the idle connections its
 * clients left — and all of that shares the one thread, context and
 * connection table with the answering code.
 */

#define G_LOG_DOMAIN "lab-server"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "lab-digest.h"
#include "lab-net.h"
#include "lab-plan.h"
#include "lab-server.h"
#include "lab-workload.h"

#define LISTEN_BACKLOG 1024
#define THROTTLE_TICK_MS 20
#define ACCEPT_RETRY_MS 100
#define ACCEPT_BATCH 256

struct _LabServer
{
  LabServerOptions  options;
  GThread          *thread;
  GMainContext     *context;
  GMainLoop        *loop;
  SoupServer       *soup;
  GBytes          **files;
  GBytes           *manifest;
  GRand            *rand;
  char             *host;             /* in the URL: 127.0.0.1 or the LAN's */
  char             *url;
  guint16           port;

  GSocket          *listener;
  GSource          *accept_source;    /* NULL while accepting is paused */
  GSource          *accept_retry;
  GHashTable       *connections;      /* "address:port" of the client → Connection */
  guint             accept_failures;  /* atomic: how often accept () failed */
  gboolean          accept_reported;

  GMutex            mutex;
  GCond             cond;
  gboolean          ready;
  GError           *error;
};

/* One client connection, as the server sees it.  libsoup 3.2 never closes
 * a keep-alive connection that the client closes while it is idle (fixed
 * in libsoup 3.3): it would stay in CLOSE_WAIT, an open descriptor, until
 * the server ends.  So we watch idle connections ourselves and hand them
 * back to libsoup's own cleanup when the client is gone. */
typedef struct
{
  LabServer         *server;
  gint64             key;        /* address_key () of the client */
  GSocket           *socket;
  SoupServerMessage *msg;        /* the latest request on it */
  gulong             disconnected_id;
  GSource           *watch;      /* polls the socket while armed */
  gpointer           fd_tag;
  gboolean           armed;      /* no request is being read */
} Connection;

typedef struct
{
  GSource     source;
  Connection *conn;
} ConnectionWatch;

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

void
lab_server_options_init (LabServerOptions *options)
{
  memset (options, 0, sizeof *options);
  options->n_files = 10;
  options->file_size = 64 * 1024;
  options->seed = 1;
}

char *
lab_server_dup_file_name (guint index)
{
  return g_strdup_printf ("file-%03u.bin", index);
}

GBytes *
lab_server_make_file (guint64 seed,
                      guint   index,
                      guint64 size)
{
  guint8 *data = g_malloc (MAX (size, 1));

  lab_fill_deterministic (data, size, seed * 7919 + index);
  return g_bytes_new_take (data, size);
}

gboolean
lab_server_parse_failure (const char       *text,
                          LabServerFailure *failure)
{
  static const char * const names[] = { "none", "500", "reset", "stall" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *failure = i;
        return TRUE;
      }

  return FALSE;
}

/* Hundreds of connections at once need file descriptors: take all the
 * system allows us (a failed accept() would stop the server for good). */
void
lab_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

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

/* The client's address and port in one number: the server listens on
 * IPv4 only (127.0.0.1 or 0.0.0.0), so every client is an IPv4 address. */
static gint64
address_key (GSocketAddress *address)
{
  GInetAddress *inet;
  const guint8 *bytes;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return -1;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return -1;
  bytes = g_inet_address_to_bytes (inet);
  return ((gint64) bytes[0] << 40 | (gint64) bytes[1] << 32 | (gint64) bytes[2] << 24 |
          (gint64) bytes[3] << 16 | g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

static Connection *
connection_for_msg (LabServer         *server,
                    SoupServerMessage *msg)
{
  gint64 key = address_key (soup_server_message_get_remote_address (msg));

  return key >= 0 ? g_hash_table_lookup (server->connections, &key) : NULL;
}

static void
connection_forget_msg (Connection *conn)
{
  if (conn->msg != NULL)
    {
      g_clear_signal_handler (&conn->disconnected_id, conn->msg);
      g_clear_object (&conn->msg);
    }
}

/* The hash table's value destructor. */
static void
connection_free (Connection *conn)
{
  g_source_destroy (conn->watch);
  g_source_unref (conn->watch);
  connection_forget_msg (conn);
  g_object_unref (conn->socket);
  g_free (conn);
}

static void
connection_disconnected_cb (SoupServerMessage *msg,
                            Connection        *conn)
{
  /* libsoup closed it (or we gave it up below): nothing left to watch. */
  g_hash_table_remove (conn->server->connections, &conn->key);
}

/* Watch the connection while libsoup does not read from it: after an
 * answer (waiting for the next request) and while a request is held back
 * on purpose (a stall).  Its priority is above libsoup's own sources, so
 * we see an end of stream before libsoup does.  One source per
 * connection, switched on and off: making a new one per request would
 * cost a good share of the requests per second. */
static void
connection_arm (Connection *conn,
                gboolean    armed)
{
  if (conn == NULL || conn->armed == armed || (armed && conn->msg == NULL))
    return;

  /* Off means not polled at all: poll () reports a hang-up even when
   * asked for nothing, and the source would fire again and again. */
  if (armed)
    conn->fd_tag = g_source_add_unix_fd (conn->watch, g_socket_get_fd (conn->socket),
                                         G_IO_IN | G_IO_HUP | G_IO_ERR);
  else
    g_source_remove_unix_fd (conn->watch, g_steal_pointer (&conn->fd_tag));
  conn->armed = armed;
}

static gboolean
connection_watch_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     data)
{
  Connection *conn = ((ConnectionWatch *) source)->conn;
  g_autoptr(SoupServerMessage) msg = NULL;
  g_autoptr(GIOStream) stream = NULL;
  char byte;
  gssize n;

  /* Peek: the bytes of a next request must stay for libsoup to read. */
  n = recv (g_socket_get_fd (conn->socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  if (n > 0)
    {
      /* A new request: libsoup reads it; we watch again once it is answered. */
      connection_arm (conn, FALSE);
      return G_SOURCE_CONTINUE;
    }

  /* End of stream or an error: the client is gone.  Taking the connection
   * away from libsoup makes it forget the connection properly; then we
   * close it.  @conn is freed on the way (connection_disconnected_cb). */
  g_debug ("a client went away; closing its idle connection");
  msg = g_object_ref (conn->msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs connection_watch_funcs = {
  NULL, NULL, connection_watch_dispatch, NULL, NULL, NULL,
};

static Connection *
connection_add (LabServer      *server,
                GSocket        *socket,
                GSocketAddress *remote)
{
  gint64 key = address_key (remote);
  Connection *conn;

  if (key < 0)
    return NULL;

  conn = g_new0 (Connection, 1);
  conn->server = server;
  conn->key = key;
  conn->socket = g_object_ref (socket);
  conn->watch = g_source_new (&connection_watch_funcs, sizeof (ConnectionWatch));
  ((ConnectionWatch *) conn->watch)->conn = conn;
  g_source_set_priority (conn->watch, G_PRIORITY_HIGH);
  g_source_set_static_name (conn->watch, "[lab] server idle connection");
  g_source_attach (conn->watch, server->context);
  g_hash_table_replace (server->connections, &conn->key, conn);
  return conn;
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    LabServer         *server)
{
  Connection *conn = connection_for_msg (server, msg);

  /* One that libsoup's own listener accepted. */
  if (conn == NULL && soup_server_message_get_socket (msg) != NULL)
    conn = connection_add (server, soup_server_message_get_socket (msg),
                           soup_server_message_get_remote_address (msg));
  if (conn == NULL)
    return;

  connection_arm (conn, FALSE);
  connection_forget_msg (conn);
  conn->msg = g_object_ref (msg);
  conn->disconnected_id = g_signal_connect (msg, "disconnected",
                                            G_CALLBACK (connection_disconnected_cb), conn);
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 LabServer         *server)
{
  /* If libsoup closes the connection right after this, it says so with
   * "disconnected" and the watch goes with it. */
  connection_arm (connection_for_msg (server, msg), TRUE);
}

static gboolean accept_cb (GSocket      *socket,
                           GIOCondition  condition,
                           gpointer      data);

static void
accept_resume (LabServer *server)
{
  server->accept_source = g_socket_create_source (server->listener, G_IO_IN, NULL);
  g_source_set_callback (server->accept_source, G_SOURCE_FUNC (accept_cb), server, NULL);
  g_source_set_static_name (server->accept_source, "[lab] server accept");
  g_source_attach (server->accept_source, server->context);
}

static gboolean
accept_retry_cb (gpointer data)
{
  LabServer *server = data;

  g_clear_pointer (&server->accept_retry, g_source_unref);
  accept_resume (server);
  return G_SOURCE_REMOVE;
}

/* Takes one waiting connection.  FALSE when there is none left, or when
 * accept () failed and accepting is paused for a while. */
static gboolean
accept_one (LabServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_accept (server->listener, NULL, &error);
  g_autoptr(GSocketConnection) stream = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;

  if (socket == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;

      /* Most likely out of descriptors: pending clients wait in the
       * backlog while we pause, and are served once some are free. */
      g_atomic_int_inc (&server->accept_failures);
      if (!server->accept_reported)
        g_message ("The server cannot accept connections (%s); it tries again every %u ms.",
                   error->message, ACCEPT_RETRY_MS);
      server->accept_reported = TRUE;
      /* accept_cb () returns G_SOURCE_REMOVE for it. */
      g_clear_pointer (&server->accept_source, g_source_unref);
      server->accept_retry = g_timeout_source_new (ACCEPT_RETRY_MS);
      g_source_set_callback (server->accept_retry, accept_retry_cb, server, NULL);
      g_source_set_static_name (server->accept_retry, "[lab] server accept retry");
      g_source_attach (server->accept_retry, server->context);
      return FALSE;
    }

  if (server->accept_reported)
    {
      g_message ("The server accepts connections again.");
      server->accept_reported = FALSE;
    }

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    return TRUE;   /* the client is already gone */

  connection_add (server, socket, remote);
  stream = g_socket_connection_factory_create_connection (socket);
  soup_server_accept_iostream (server->soup, G_IO_STREAM (stream), local, remote, NULL);
  return TRUE;
}

/* Our own accept loop, so that running out of descriptors pauses the
 * server instead of deafening it: libsoup 3.2 stops listening for good
 * after one failed accept ().  It takes every connection waiting, up to
 * ACCEPT_BATCH, not one per turn of the loop: each turn of a GLib loop
 * looks at every source and descriptor the server holds, so a thousand
 * clients connecting at once cost a thousand turns over a thousand
 * connections.  Measured with `ab -c N` against `serve` with 1 s latency,
 * the server's CPU time for N = 1,000 went from 160–200 ms to 90–110 ms,
 * for N = 5,000 from 1.9–2.4 s to 0.75–0.9 s.  (One queue with one timer
 * for the latency, instead of a timer per request, was measured too and
 * made no difference: GLib 2.74's timers cost little per turn.) */
static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      data)
{
  LabServer *server = data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    if (!accept_one (server))
      return server->accept_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;

  return G_SOURCE_CONTINUE;
}

static void
reset_connection (LabServer         *server,
                  SoupServerMessage *msg)
{
  Connection *conn = connection_for_msg (server, msg);
  g_autoptr(GSocket) socket = conn != NULL ? g_object_ref (conn->socket) : NULL;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  /* SO_LINGER 0: closing sends a TCP reset instead of a polite FIN. */
  if (socket != NULL)
    {
      struct linger linger = { 1, 0 };

      setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    }
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void
server_callback (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  LabServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);
  Request *request;
  guint index;
  char *end;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (g_strcmp0 (path, "/manifest.json") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/json", NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), server->manifest);
      return;
    }

  if (!g_str_has_prefix (path, "/file-") || !g_str_has_suffix (path, ".bin"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  index = strtoul (path + strlen ("/file-"), &end, 10);
  if (g_strcmp0 (end, ".bin") != 0 || index >= server->options.n_files)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (server->options.failure != LAB_SERVER_FAIL_NONE &&
      g_rand_double (server->rand) < server->options.fail_share)
    {
      switch (server->options.failure)
        {
        case LAB_SERVER_FAIL_500:
          soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
          return;
        case LAB_SERVER_FAIL_RESET:
          reset_connection (server, msg);
          return;
        case LAB_SERVER_FAIL_STALL:
          /* Never answer; the client gives up when its timeout fires,
           * and then we close our end too. */
          soup_server_message_pause (msg);
          connection_arm (connection_for_msg (server, msg), TRUE);
          return;
        case LAB_SERVER_FAIL_NONE:
        default:
          break;
        }
    }

  request = g_new0 (Request, 1);
  request->server = server;
  request->msg = msg;   /* the message owns the request, not the other way */
  request->data = g_bytes_ref (server->files[index]);
  g_signal_connect (msg, "finished", G_CALLBACK (request_finished_cb), request);
  g_object_set_data_full (G_OBJECT (msg), "lab-request", request, (GDestroyNotify) request_free);

  soup_server_message_pause (msg);
  if (server->options.latency_ms > 0)
    request_arm_timer (request, server->options.latency_ms, request_after_latency);
  else
    request_respond (request);
}

static GBytes *
build_manifest (LabServer *server)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize len;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);
  for (guint i = 0; i < server->options.n_files; i++)
    {
      g_autofree char *name = lab_server_dup_file_name (i);
      gsize size;
      const guint8 *data = g_bytes_get_data (server->files[i], &size);
      g_autofree char *md5 = lab_hash_hex ("md5", data, size);
      g_autofree char *sha256 = lab_hash_hex ("sha256", data, size);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, size);
      json_builder_set_member_name (builder, "md5");
      json_builder_add_string_value (builder, md5);
      json_builder_set_member_name (builder, "sha256");
      json_builder_add_string_value (builder, sha256);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_take (text, len);
}

static gboolean
server_listen (LabServer  *server,
               GError    **error)
{
  g_autoptr(GSocket) socket = NULL;
  /* By default only this PC can connect; beyond loopback, every machine
   * that reaches any of this PC's addresses can (the teacher said so). */
  g_autoptr(GInetAddress) host = server->options.listen_beyond_loopback
    ? g_inet_address_new_any (G_SOCKET_FAMILY_IPV4)
    : g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (host, server->options.port);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSList) uris = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  /* soup_server_listen () keeps the kernel's backlog at 10, and a burst of
   * hundreds of connects then stalls for a second; make our own socket. */
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error))
    return FALSE;
  g_socket_set_blocking (socket, FALSE);

  /* libsoup keeps connections alive only while it has a listener, so it
   * gets one on this socket; its watch stops for good at its first failed
   * accept () (nothing left to accept, or no descriptors), ours does not
   * (accept_cb).  A higher priority for ours would make sure it always
   * wins, but halves the requests per second under `ab`. */
  if (!soup_server_listen_socket (server->soup, socket, 0, error))
    return FALSE;

  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->url = g_strdup_printf ("http://%s:%u/", server->host, server->port);
  server->listener = g_steal_pointer (&socket);
  accept_resume (server);
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  LabServer *server = data;
  GError *error = NULL;

  /* Everything the server does happens on this thread's own context,
   * which must be the thread default before the server exists. */
  g_main_context_push_thread_default (server->context);

  server->soup = soup_server_new ("server-header", "concurrency-lab ", NULL);
  soup_server_add_handler (server->soup, NULL, server_callback, server, NULL);
  g_signal_connect (server->soup, "request-started", G_CALLBACK (request_started_cb), server);
  g_signal_connect (server->soup, "request-finished", G_CALLBACK (request_done_cb), server);
  g_signal_connect (server->soup, "request-aborted", G_CALLBACK (request_done_cb), server);
  server->connections = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                               (GDestroyNotify) connection_free);
  server_listen (server, &error);

  g_mutex_lock (&server->mutex);
  server->error = error;
  server->ready = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->mutex);

  if (error == NULL)
    g_main_loop_run (server->loop);

  if (server->accept_source != NULL)
    {
      g_source_destroy (server->accept_source);
      g_clear_pointer (&server->accept_source, g_source_unref);
    }
  if (server->accept_retry != NULL)
    {
      g_source_destroy (server->accept_retry);
      g_clear_pointer (&server->accept_retry, g_source_unref);
    }
  g_clear_object (&server->listener);
  soup_server_disconnect (server->soup);
  g_hash_table_remove_all (server->connections);
  g_clear_object (&server->soup);
  g_clear_pointer (&server->connections, g_hash_table_unref);
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

/* The servers running in this process, for lab_server_is_here (). */
static GMutex servers_here_lock;
static GSList *servers_here;

LabServer *
lab_server_new (const LabServerOptions  *options,
                GError                 **error)
{
  g_autoptr(LabServer) server = NULL;

  g_return_val_if_fail (options != NULL, NULL);

  if (options->n_files < 1 || options->n_files > LAB_SERVER_MAX_FILES)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The server can serve between 1 and %u files, not %u."),
                   LAB_SERVER_MAX_FILES, options->n_files);
      return NULL;
    }
  if (options->file_size > LAB_MAX_TASK_SIZE ||
      options->file_size * options->n_files > LAB_SERVER_MAX_TOTAL_SIZE)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The server can hold files of at most 1 GiB, 4 GiB in all."));
      return NULL;
    }
  if (options->fail_share < 0 || options->fail_share > 1)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The share of failing requests must be between 0 and 1."));
      return NULL;
    }

  lab_raise_fd_limit ();

  server = g_new0 (LabServer, 1);
  server->options = *options;
  g_mutex_init (&server->mutex);
  g_cond_init (&server->cond);
  if (options->listen_beyond_loopback)
    {
      server->host = lab_net_dup_lan_address ();
      if (server->host == NULL)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                       _("The server cannot listen beyond this computer: it has no network "
                         "address other than loopback."));
          return NULL;
        }
    }
  else
    server->host = g_strdup ("127.0.0.1");
  server->rand = g_rand_new_with_seed ((guint32) options->seed);
  server->files = g_new0 (GBytes *, options->n_files);
  for (guint i = 0; i < options->n_files; i++)
    server->files[i] = lab_server_make_file (options->seed, i, options->file_size);
  server->manifest = build_manifest (server);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->thread = g_thread_new ("lab-server", server_thread, server);

  g_mutex_lock (&server->mutex);
  while (!server->ready)
    g_cond_wait (&server->cond, &server->mutex);
  g_mutex_unlock (&server->mutex);

  if (server->error != NULL)
    {
      if (options->listen_beyond_loopback)
        g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                     _("Cannot listen on all network addresses, port %u: %s"), options->port,
                     server->error->message);
      else
        g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                     _("Cannot listen on 127.0.0.1 port %u: %s"), options->port,
                     server->error->message);
      return NULL;
    }

  g_mutex_lock (&servers_here_lock);
  servers_here = g_slist_prepend (servers_here, server);
  g_mutex_unlock (&servers_here_lock);

  return g_steal_pointer (&server);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
lab_server_free (LabServer *server)
{
  if (server == NULL)
    return;

  g_mutex_lock (&servers_here_lock);
  servers_here = g_slist_remove (servers_here, server);
  g_mutex_unlock (&servers_here_lock);

  if (server->thread != NULL)
    {
      g_main_context_invoke (server->context, quit_loop, server->loop);
      g_thread_join (server->thread);
    }

  for (guint i = 0; server->files != NULL && i < server->options.n_files; i++)
    g_clear_pointer (&server->files[i], g_bytes_unref);
  g_free (server->files);
  g_clear_pointer (&server->manifest, g_bytes_unref);
  g_clear_pointer (&server->rand, g_rand_free);
  g_clear_pointer (&server->loop, g_main_loop_unref);
  g_clear_pointer (&server->context, g_main_context_unref);
  g_clear_error (&server->error);
  g_free (server->url);
  g_free (server->host);
  g_mutex_clear (&server->mutex);
  g_cond_clear (&server->cond);
  g_free (server);
}

gboolean
lab_server_get_listens_beyond_loopback (LabServer *server)
{
  return server->options.listen_beyond_loopback;
}

const char *
lab_server_get_url (LabServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);

  return server->url;
}

/* How often accept () has failed so far (out of descriptors, mostly). */
guint
lab_server_get_accept_failures (LabServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return g_atomic_int_get (&server->accept_failures);
}

guint16
lab_server_get_port (LabServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->port;
}

/* Whether @url is served by a server running in this very process: then
 * every download from it costs this process two descriptors, not one. */
gboolean
lab_server_is_here (const char *url)
{
  gboolean here = FALSE;

  if (url == NULL)
    return FALSE;

  g_mutex_lock (&servers_here_lock);
  for (GSList *l = servers_here; l != NULL && !here; l = l->next)
    here = g_str_has_prefix (url, ((LabServer *) l->data)->url);
  g_mutex_unlock (&servers_here_lock);

  return here;
}
