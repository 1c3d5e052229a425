/* lab-server.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAB_SERVER_MAX_FILES       10000
#define LAB_SERVER_MAX_TOTAL_SIZE  (G_GUINT64_CONSTANT (4) << 30)

typedef enum
{
  LAB_SERVER_FAIL_NONE,
  LAB_SERVER_FAIL_500,     /* answer 500 Internal Server Error */
  LAB_SERVER_FAIL_RESET,   /* reset the connection without an answer */
  LAB_SERVER_FAIL_STALL,   /* never answer: the client's timeout must fire */
} LabServerFailure;

typedef struct
{
  guint16           port;          /* 0: the system picks one */
  guint             n_files;
  guint64           file_size;
  guint             latency_ms;    /* before each answer */
  guint64           bandwidth;     /* bytes/s per connection, 0 for no limit */
  LabServerFailure  failure;
  double            fail_share;    /* 0..1 of file requests fail that way */
  guint64           seed;
  gboolean          listen_beyond_loopback; /* 0.0.0.0, URL on the LAN */
} LabServerOptions;

typedef struct _LabServer LabServer;

void        lab_server_options_init (LabServerOptions       *options);
LabServer  *lab_server_new          (const LabServerOptions *options,
                                     GError                **error);
void        lab_server_free         (LabServer              *server);
const char *lab_server_get_url      (LabServer              *server);
guint16     lab_server_get_port     (LabServer              *server);
guint       lab_server_get_accept_failures (LabServer       *server);
char       *lab_server_dup_file_name (guint                  index);
GBytes     *lab_server_make_file    (guint64                 seed,
                                     guint                   index,
                                     guint64                 size);
gboolean    lab_server_parse_failure (const char            *text,
                                     LabServerFailure       *failure);
void        lab_raise_fd_limit      (void);
gboolean    lab_server_is_here      (const char             *url);
gboolean    lab_server_get_listens_beyond_loopback (LabServer *server);
guint64     lab_server_bytes_allowed (guint64                bandwidth,
                                     gint64                 elapsed_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabServer, lab_server_free)

G_END_DECLS
