/* lab-server-preparer.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-server.h"

G_BEGIN_DECLS

/* The server is ready (@server, taken over) or could not be made (@error);
 * never called for a request that was forgotten. */
typedef void (*LabServerReadyFunc) (LabServer              *server,
                                    const LabServerOptions *options,
                                    const GError           *error,
                                    gpointer                user_data);

#define LAB_TYPE_SERVER_PREPARER (lab_server_preparer_get_type ())

G_DECLARE_FINAL_TYPE (LabServerPreparer, lab_server_preparer, LAB, SERVER_PREPARER, GObject)

LabServerPreparer *lab_server_preparer_new     (void);
void               lab_server_preparer_prepare (LabServerPreparer      *self,
                                                const LabServerOptions *options,
                                                LabServer              *old_server,
                                                GCancellable           *cancellable,
                                                LabServerReadyFunc      ready,
                                                gpointer                user_data);
void               lab_server_preparer_forget  (LabServerPreparer      *self);

G_END_DECLS
