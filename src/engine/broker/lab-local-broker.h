/* lab-local-broker.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LAB_BROKER_URL_ENV "LAB_BROKER_URL"

typedef struct _LabLocalBroker LabLocalBroker;

LabLocalBroker *lab_local_broker_start         (GCancellable    *cancellable,
                                                GError         **error);
const char     *lab_local_broker_get_url       (LabLocalBroker  *self);
gint            lab_local_broker_get_pid       (LabLocalBroker  *self);
gboolean        lab_local_broker_spawn_workers (LabLocalBroker  *self,
                                                guint            n_workers,
                                                GError         **error);
guint           lab_local_broker_count_live_workers (LabLocalBroker *self);
void            lab_local_broker_stop          (LabLocalBroker  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabLocalBroker, lab_local_broker_stop)

G_END_DECLS
