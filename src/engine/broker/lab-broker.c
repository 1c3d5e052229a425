/* lab-broker.c — one connection to a Redis broker
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The distributed mode talks to Redis, the broker RQ and Celery use, with
 * hiredis.  We use hiredis's *blocking* API, one connection per thread,
 * and not its GLib adapter (hiredis/adapters/glib.h, async on a
 * GMainContext), on purpose:
 *
 *  - every mode already runs on a thread of its own that may block (the
 *    runner's contract), and a worker's job runs to the end on its thread
 *    anyway, so an event loop would buy nothing but callbacks;
 *  - a blocking BLMOVE / BLPOP with a timeout *is* the lesson: it is what
 *    an RQ worker does (redis-py is blocking too), and it reads top to
 *    bottom like the Python the students know;
 *  - each connection has a socket timeout, so a broker that goes away
 *    ends a call with an error after a bounded time instead of a hang.
 *
 * Commands are given as separate strings (never a printf format), so a
 * job id or a value can never be read as part of the command.
 */

#define G_LOG_DOMAIN "lab-broker"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "lab-broker.h"

#define CONNECT_TIMEOUT_S  5
#define COMMAND_TIMEOUT_S  10   /* longer than any blocking wait we ask for (≤ 1 s) */

struct _LabBroker
{
  redisContext *context;
  char         *description;   /* host:port/db, never the password */
};

G_DEFINE_QUARK (lab-broker-error-quark, lab_broker_error)

void
lab_broker_address_free (LabBrokerAddress *address)
{
  if (address == NULL)
    return;

  g_free (address->host);
  g_free (address->user);
  g_free (address->password);
  g_free (address);
}

/* Reads redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], the URL RQ's and
 * Celery's --url take. */
LabBrokerAddress *
lab_broker_address_parse (const char  *url,
                          GError     **error)
{
  g_autoptr(LabBrokerAddress) address = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *path;
  gint port;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_ADDRESS,
                   _("“%s” is not a broker address; write it like "
                     "redis://:PASSWORD@HOST:6379/0."), url);
      return NULL;
    }

  address = g_new0 (LabBrokerAddress, 1);
  address->host = g_strdup (g_uri_get_host (uri));
  port = g_uri_get_port (uri);
  address->port = port > 0 ? (guint) port : 6379;
  if (g_uri_get_user (uri) != NULL && *g_uri_get_user (uri) != '\0')
    address->user = g_strdup (g_uri_get_user (uri));
  if (g_uri_get_password (uri) != NULL)
    address->password = g_strdup (g_uri_get_password (uri));

  path = g_uri_get_path (uri);
  if (path[0] == '/')
    path++;
  if (*path != '\0')
    {
      guint64 db;

      if (!g_ascii_string_to_unsigned (path, 10, 0, 15, &db, NULL))
        {
          g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_ADDRESS,
                       _("The database in “%s” must be a number from 0 to 15."), url);
          return NULL;
        }
      address->db = db;
    }

  return g_steal_pointer (&address);
}

/* How to name the broker in a sentence: host, port and database, never
 * the password. */
char *
lab_broker_address_describe (const LabBrokerAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (strchr (address->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u/%u", address->host, address->port, address->db);
  return g_strdup_printf ("%s:%u/%u", address->host, address->port, address->db);
}

gboolean
lab_broker_address_is_loopback (const LabBrokerAddress *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  if (g_ascii_strcasecmp (address->host, "localhost") == 0)
    return TRUE;
  inet = g_inet_address_new_from_string (address->host);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

static void
set_gone (LabBroker  *self,
          GError    **error)
{
  g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_GONE,
               _("The broker at %s cannot be reached: %s."), self->description,
               self->context->errstr[0] ? self->context->errstr : g_strerror (self->context->err));
}

/* Checks a reply; an error reply becomes @error.  Takes @reply. */
static redisReply *
check_reply (LabBroker   *self,
             redisReply  *reply,
             GError     **error)
{
  if (reply == NULL)
    {
      set_gone (self, error);
      return NULL;
    }

  if (reply->type == REDIS_REPLY_ERROR)
    {
      g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_REFUSED,
                   _("The broker at %s refused a command: %s."), self->description, reply->str);
      freeReplyObject (reply);
      return NULL;
    }

  return reply;
}

redisReply *
lab_broker_command_strv (LabBroker          *self,
                         const char * const *argv,
                         GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  if (self->context->err)
    {
      set_gone (self, error);
      return NULL;
    }

  return check_reply (self, redisCommandArgv (self->context, g_strv_length ((char **) argv),
                                              (const char **) argv, NULL),
                      error);
}

static GPtrArray *
collect_args (va_list args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *arg;

  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* lab_broker_command (broker, &error, "HGET", key, "status", NULL) */
redisReply *
lab_broker_command (LabBroker  *self,
                    GError    **error,
                    ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list args;

  va_start (args, error);
  argv = collect_args (args);
  va_end (args);

  return lab_broker_command_strv (self, (const char * const *) argv->pdata, error);
}

/* Pipelining: append commands, then read one reply per command with
 * lab_broker_get_reply (). */
gboolean
lab_broker_append_strv (LabBroker          *self,
                        const char * const *argv,
                        GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (redisAppendCommandArgv (self->context, g_strv_length ((char **) argv),
                              (const char **) argv, NULL) != REDIS_OK)
    {
      set_gone (self, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
lab_broker_append (LabBroker  *self,
                   GError    **error,
                   ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list args;

  va_start (args, error);
  argv = collect_args (args);
  va_end (args);

  return lab_broker_append_strv (self, (const char * const *) argv->pdata, error);
}

redisReply *
lab_broker_get_reply (LabBroker  *self,
                      GError    **error)
{
  void *reply = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (redisGetReply (self->context, &reply) != REDIS_OK)
    {
      set_gone (self, error);
      return NULL;
    }
  return check_reply (self, reply, error);
}

/* The broker's clock, in µs since 1970.  Every machine's job times come
 * from here, so lanes from different hosts line up on one timeline. */
gboolean
lab_broker_time_us (LabBroker  *self,
                    gint64     *time_us,
                    GError    **error)
{
  g_autoptr(redisReply) reply = lab_broker_command (self, error, "TIME", NULL);

  if (reply == NULL)
    return FALSE;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    {
      g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_REFUSED,
                   _("The broker at %s gave no time."), self->description);
      return FALSE;
    }

  *time_us = g_ascii_strtoll (reply->element[0]->str, NULL, 10) * G_USEC_PER_SEC +
             g_ascii_strtoll (reply->element[1]->str, NULL, 10);
  return TRUE;
}

struct _LabBrokerBatch
{
  GPtrArray *commands;   /* of GPtrArray of GBytes: binary-safe arguments */
};

LabBrokerBatch *
lab_broker_batch_new (void)
{
  LabBrokerBatch *batch = g_new0 (LabBrokerBatch, 1);

  batch->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return batch;
}

void
lab_broker_batch_free (LabBrokerBatch *batch)
{
  if (batch == NULL)
    return;

  g_ptr_array_unref (batch->commands);
  g_free (batch);
}

static GPtrArray *
new_command (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
add_string (GPtrArray  *command,
            const char *arg)
{
  g_ptr_array_add (command, g_bytes_new (arg, strlen (arg)));
}

void
lab_broker_batch_add (LabBrokerBatch *batch,
                      ...)
{
  GPtrArray *command = new_command ();
  const char *arg;
  va_list args;

  va_start (args, batch);
  while ((arg = va_arg (args, const char *)) != NULL)
    add_string (command, arg);
  va_end (args);

  g_ptr_array_add (batch->commands, command);
}

/* COMMAND KEY FIELD VALUE with a binary VALUE (a downloaded body). */
void
lab_broker_batch_add_bytes (LabBrokerBatch *batch,
                            const char     *command_name,
                            const char     *key,
                            const char     *field,
                            GBytes         *value)
{
  GPtrArray *command = new_command ();

  add_string (command, command_name);
  add_string (command, key);
  add_string (command, field);
  g_ptr_array_add (command, g_bytes_ref (value));
  g_ptr_array_add (batch->commands, command);
}

static gboolean
append_command (LabBroker  *self,
                GPtrArray  *command,
                GError    **error)
{
  g_autofree const char **argv = g_new (const char *, command->len);
  g_autofree size_t *lengths = g_new (size_t, command->len);

  for (guint i = 0; i < command->len; i++)
    {
      gsize size;

      argv[i] = g_bytes_get_data (g_ptr_array_index (command, i), &size);
      lengths[i] = size;
      if (argv[i] == NULL)
        argv[i] = "";
    }

  if (redisAppendCommandArgv (self->context, command->len, argv, lengths) != REDIS_OK)
    {
      set_gone (self, error);
      return FALSE;
    }
  return TRUE;
}

/* Sends MULTI, the batch, EXEC in one write and returns EXEC's answer: an
 * array with one reply per command, all applied at once or none. */
redisReply *
lab_broker_batch_exec (LabBroker       *self,
                       LabBrokerBatch  *batch,
                       GError         **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (batch != NULL, NULL);

  if (self->context->err)
    {
      set_gone (self, error);
      return NULL;
    }

  if (!lab_broker_append (self, error, "MULTI", NULL))
    return NULL;
  for (guint i = 0; i < batch->commands->len; i++)
    if (!append_command (self, g_ptr_array_index (batch->commands, i), error))
      return NULL;
  if (!lab_broker_append (self, error, "EXEC", NULL))
    return NULL;

  /* MULTI's OK and one QUEUED per command, then EXEC's array.  Every
   * reply is read even after an error, so the connection stays in step. */
  for (guint i = 0; i < batch->commands->len + 1; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(redisReply) reply = lab_broker_get_reply (self, &local_error);

      if (reply == NULL && g_error_matches (local_error, LAB_BROKER_ERROR,
                                            LAB_BROKER_ERROR_GONE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  return lab_broker_get_reply (self, error);
}

/* Connects, logs in and picks the database; checks that the broker is
 * new enough for BLMOVE (Redis 6.2). */
LabBroker *
lab_broker_connect (const char  *url,
                    GError     **error)
{
  g_autoptr(LabBrokerAddress) address = NULL;
  g_autoptr(LabBroker) self = NULL;
  g_autoptr(redisReply) info = NULL;
  struct timeval connect_timeout = { CONNECT_TIMEOUT_S, 0 };
  struct timeval command_timeout = { COMMAND_TIMEOUT_S, 0 };
  const char *version;

  g_return_val_if_fail (url != NULL, NULL);

  address = lab_broker_address_parse (url, error);
  if (address == NULL)
    return NULL;

  self = g_new0 (LabBroker, 1);
  self->description = lab_broker_address_describe (address);
  self->context = redisConnectWithTimeout (address->host, address->port, connect_timeout);
  if (self->context == NULL)
    {
      g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_GONE,
                   _("The broker at %s cannot be reached: out of memory."), self->description);
      return NULL;
    }
  if (self->context->err || redisSetTimeout (self->context, command_timeout) != REDIS_OK)
    {
      set_gone (self, error);
      return NULL;
    }

  if (address->password != NULL)
    {
      g_autoptr(redisReply) reply = NULL;

      if (address->user != NULL)
        reply = lab_broker_command (self, error, "AUTH", address->user, address->password, NULL);
      else
        reply = lab_broker_command (self, error, "AUTH", address->password, NULL);
      if (reply == NULL)
        return NULL;
    }

  if (address->db != 0)
    {
      g_autofree char *db = g_strdup_printf ("%u", address->db);
      g_autoptr(redisReply) reply = lab_broker_command (self, error, "SELECT", db, NULL);

      if (reply == NULL)
        return NULL;
    }

  info = lab_broker_command (self, error, "INFO", "server", NULL);
  if (info == NULL)
    return NULL;
  version = info->type == REDIS_REPLY_STRING ? strstr (info->str, "redis_version:") : NULL;
  if (version != NULL)
    {
      guint major = 0, minor = 0;

      if (sscanf (version, "redis_version:%u.%u", &major, &minor) == 2 &&
          (major < 6 || (major == 6 && minor < 2)))
        {
          g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_REFUSED,
                       _("The broker at %s runs Redis %u.%u; the distributed mode needs "
                         "Redis 6.2 or newer (for BLMOVE)."), self->description, major, minor);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

const char *
lab_broker_describe (LabBroker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->description;
}

void
lab_broker_free (LabBroker *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->context, redisFree);
  g_free (self->description);
  g_free (self);
}
