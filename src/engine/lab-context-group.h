/* lab-context-group.h — many small GMainContexts run by one loop, polled
 * through one epoll descriptor
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LabContextGroup LabContextGroup;

LabContextGroup *lab_context_group_new         (GMainContext    *loop_context);
GMainContext    *lab_context_group_add_context (LabContextGroup *group);
guint            lab_context_group_get_size    (LabContextGroup *group);
void             lab_context_group_free        (LabContextGroup *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabContextGroup, lab_context_group_free)

G_END_DECLS
