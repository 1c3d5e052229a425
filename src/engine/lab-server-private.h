/* lab-server-private.h — what the built-in server's files share
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server is one object told in three files: lab-server.c starts it
 * on its thread and answers requests, lab-server-connections.c accepts
 * connections and closes the idle ones its clients left, and
 * lab-server-requests.c paces a file's answer (latency, bandwidth).
 */

#pragma once

#include <libsoup/soup.h>

#include "lab-server.h"

G_BEGIN_DECLS

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

/* lab-server-connections.c */
GHashTable *lab_server_connections_new    (void);
void        lab_server_accept_resume      (LabServer         *server);
void        lab_server_request_started_cb (SoupServer        *soup,
                                           SoupServerMessage *msg,
                                           LabServer         *server);
void        lab_server_request_done_cb    (SoupServer        *soup,
                                           SoupServerMessage *msg,
                                           LabServer         *server);
void        lab_server_watch_connection   (LabServer         *server,
                                           SoupServerMessage *msg);
void        lab_server_reset_connection   (LabServer         *server,
                                           SoupServerMessage *msg);

/* lab-server-requests.c */
void        lab_server_send_file          (LabServer         *server,
                                           SoupServerMessage *msg,
                                           GBytes            *data);

G_END_DECLS
