/* lab-server.c — a small HTTP server inside the app, for classrooms
 * without a reliable network
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It serves N files of deterministic bytes (file-000.bin …) and
 * /manifest.json with each file's size, MD5 and SHA-256, on 127.0.0.1
 * only.  Knobs make it behave like a real, imperfect server: a latency
 * before each answer, a bandwidth limit per connection, and a share of
 * requests that fail (500, reset, or no answer at all).
 *
 * It runs on a thread of its own with its own GMainContext, so neither the
 * window nor the clients it measures slow it down.
 */

#define G_LOG_DOMAIN "lab-server"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "lab-plan.h"
#include "lab-server.h"
#include "lab-workload.h"
#include "lab-workload-hash.h"

#define LISTEN_BACKLOG 1024
#define THROTTLE_TICK_MS 20

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
  char             *url;
  guint16           port;

  GMutex            mutex;
  GCond             cond;
  gboolean          ready;
  GError           *error;
};

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

/* Token bucket on the real clock: by now we may have sent
 * bandwidth × elapsed bytes; send what is missing. */
static gboolean
request_send_more (gpointer data)
{
  Request *request = data;
  SoupMessageBody *body = soup_server_message_get_response_body (request->msg);
  gsize total = g_bytes_get_size (request->data);
  gint64 elapsed = g_get_monotonic_time () - request->start_us;
  guint64 allowed = request->server->options.bandwidth * elapsed / G_USEC_PER_SEC;
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

static void
reset_connection (SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  /* SO_LINGER 0: closing sends a TCP reset instead of a polite FIN. */
  if (G_IS_SOCKET_CONNECTION (stream))
    {
      GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
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
          reset_connection (msg);
          return;
        case LAB_SERVER_FAIL_STALL:
          /* Never answer; the client gives up when its timeout fires. */
          soup_server_message_pause (msg);
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
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, server->options.port);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSList) uris = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  /* soup_server_listen () keeps the kernel's backlog at 10, and a burst of
   * hundreds of connects then stalls for a second; make our own socket. */
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !soup_server_listen_socket (server->soup, socket, 0, error))
    return FALSE;

  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->url = g_strdup_printf ("http://127.0.0.1:%u/", server->port);
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
  server_listen (server, &error);

  g_mutex_lock (&server->mutex);
  server->error = error;
  server->ready = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->mutex);

  if (error == NULL)
    g_main_loop_run (server->loop);

  soup_server_disconnect (server->soup);
  g_clear_object (&server->soup);
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

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
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Cannot listen on 127.0.0.1 port %u: %s"), options->port,
                   server->error->message);
      return NULL;
    }

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
  g_mutex_clear (&server->mutex);
  g_cond_clear (&server->cond);
  g_free (server);
}

const char *
lab_server_get_url (LabServer *server)
{
  g_return_val_if_fail (server != NULL, NULL);

  return server->url;
}

guint16
lab_server_get_port (LabServer *server)
{
  g_return_val_if_fail (server != NULL, 0);

  return server->port;
}
