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
 * This file starts it and answers each request.  What libsoup 3.2 leaves
 * undone — accepting on its own so that running out of descriptors pauses
 * it instead of deafening it, and closing the idle connections its clients
 * left — is in lab-server-connections.c; the paced answer with a file
 * (latency, bandwidth) in lab-server-requests.c.  All of them share the
 * one thread, context and connection table (lab-server-private.h).
 */

#define G_LOG_DOMAIN "lab-server"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/resource.h>

#include "lab-digest.h"
#include "lab-net.h"
#include "lab-plan.h"
#include "lab-server-private.h"
#include "lab-workload.h"

#define LISTEN_BACKLOG 1024

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
server_callback (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  LabServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);
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
          lab_server_reset_connection (server, msg);
          return;
        case LAB_SERVER_FAIL_STALL:
          /* Never answer; the client gives up when its timeout fires,
           * and then we close our end too. */
          soup_server_message_pause (msg);
          lab_server_watch_connection (server, msg);
          return;
        case LAB_SERVER_FAIL_NONE:
        default:
          break;
        }
    }

  lab_server_send_file (server, msg, server->files[index]);
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
   * (accept_cb in lab-server-connections.c).  A higher priority for ours
   * would make sure it always wins, but halves the requests per second
   * under `ab`. */
  if (!soup_server_listen_socket (server->soup, socket, 0, error))
    return FALSE;

  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->url = g_strdup_printf ("http://%s:%u/", server->host, server->port);
  server->listener = g_steal_pointer (&socket);
  lab_server_accept_resume (server);
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
  g_signal_connect (server->soup, "request-started", G_CALLBACK (lab_server_request_started_cb),
                    server);
  g_signal_connect (server->soup, "request-finished", G_CALLBACK (lab_server_request_done_cb),
                    server);
  g_signal_connect (server->soup, "request-aborted", G_CALLBACK (lab_server_request_done_cb),
                    server);
  server->connections = lab_server_connections_new ();
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
