/* lab-options.h — reading the command line the way people write it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "lab-server.h"

G_BEGIN_DECLS

gboolean lab_parse_count          (const char        *text,
                                   gboolean           size_suffixes,
                                   guint64           *value,
                                   GError           **error);
gboolean lab_parse_bounded        (const char        *option,
                                   const char        *text,
                                   guint64            max,
                                   guint             *value,
                                   GError           **error);
gboolean lab_parse_in_flight      (const char        *text,
                                   guint              processes,
                                   guint             *in_flight,
                                   GError           **error);
gboolean lab_options_no_arguments (int                argc,
                                   char             **argv,
                                   GError           **error);
gboolean lab_options_check_output_file (const char  *path,
                                         GError     **error);
int      lab_options_bad_input    (const char        *command,
                                   const GError      *error);
gboolean lab_server_options_parse (LabServerOptions  *options,
                                   const char        *files,
                                   const char        *size,
                                   const char        *latency_ms,
                                   const char        *bandwidth,
                                   const char        *fail,
                                   const char        *fail_share,
                                   GError           **error);
char    *lab_options_dup_limits_description (void);
void     lab_server_print_notice  (LabServer         *server,
                                   gboolean           until_stopped);

/* The one switch that lets the built-in server listen beyond loopback. */
#define LAB_SERVER_BEYOND_LOOPBACK_ENTRY(long_name, variable) \
  { (long_name), 0, 0, G_OPTION_ARG_NONE, &(variable), \
    N_("built-in server: listen on every network address, so that workers on other machines can download from it (default: this computer only; without it, remote workers refuse the 127.0.0.1 URLs)"), \
    NULL }

/* --broker=redis://…, shared by bench and worker. */
#define LAB_BROKER_OPTION_ENTRY(variable) \
  { "broker", 0, 0, G_OPTION_ARG_STRING, &(variable), \
    N_("distributed: the Redis broker, redis://[:PASSWORD@]HOST:PORT[/DB] (default: start one on this machine)"), \
    N_("URL") }

gboolean lab_broker_option_parse  (const char        *text,
                                   char             **broker,
                                   GError           **error);

G_END_DECLS
