/* lab-trace.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "lab-run.h"

G_BEGIN_DECLS

typedef struct _LabTrace LabTrace;

LabTrace *lab_trace_new          (const char    *title);
void      lab_trace_free         (LabTrace      *trace);
void      lab_trace_set_info     (LabTrace      *trace,
                                  const char    *key,
                                  const char    *value);
void      lab_trace_add_run      (LabTrace      *trace,
                                  const char    *name,
                                  const LabRun  *run);
char     *lab_trace_to_json      (LabTrace      *trace);
gboolean  lab_trace_save         (LabTrace      *trace,
                                  const char    *path,
                                  GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabTrace, lab_trace_free)

G_END_DECLS
