/* lab-heartbeat.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LAB_HEARTBEAT_INTERVAL_MS 10

#define LAB_TYPE_HEARTBEAT (lab_heartbeat_get_type ())

G_DECLARE_FINAL_TYPE (LabHeartbeat, lab_heartbeat, LAB, HEARTBEAT, GObject)

LabHeartbeat *lab_heartbeat_new             (void);
void          lab_heartbeat_start           (LabHeartbeat *self);
void          lab_heartbeat_stop            (LabHeartbeat *self);
gboolean      lab_heartbeat_is_beating      (LabHeartbeat *self);
void          lab_heartbeat_reset_worst     (LabHeartbeat *self);
gint64        lab_heartbeat_get_current_us  (LabHeartbeat *self);
gint64        lab_heartbeat_get_worst_us    (LabHeartbeat *self);

G_END_DECLS
