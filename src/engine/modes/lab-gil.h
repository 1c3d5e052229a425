/* lab-gil.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CPython's default switch interval (sys.getswitchinterval () == 0.005). */
#define LAB_GIL_SWITCH_INTERVAL_US 5000

typedef struct _LabGil LabGil;

LabGil  *lab_gil_new                (gint64  switch_interval_us);
void     lab_gil_free               (LabGil *gil);
void     lab_gil_acquire            (LabGil *gil);
void     lab_gil_release            (LabGil *gil);
void     lab_gil_yield_if_requested (LabGil *gil);
guint    lab_gil_get_max_holders    (LabGil *gil);
guint64  lab_gil_get_switches       (LabGil *gil);
gboolean lab_gil_get_drop_request   (LabGil *gil);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabGil, lab_gil_free)

G_END_DECLS
