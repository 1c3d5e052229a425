/* lab-serve.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#include "lab-server.h"

int      lab_serve_main           (int                argc,
                                   char             **argv);
gboolean lab_server_options_parse (LabServerOptions  *options,
                                   const char        *files,
                                   const char        *size,
                                   const char        *latency_ms,
                                   const char        *bandwidth,
                                   const char        *fail,
                                   const char        *fail_share,
                                   GError           **error);

G_END_DECLS
