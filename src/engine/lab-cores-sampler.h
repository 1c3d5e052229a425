/* lab-cores-sampler.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "lab-event-buffer.h"

G_BEGIN_DECLS

/* How often the sampler looks: often enough to see a GIL hand-over's
 * effect over a run, rarely enough to cost nothing measurable. */
#define LAB_CORES_SAMPLE_US 20000

typedef struct _LabCoresSampler LabCoresSampler;

LabCoresSampler *lab_cores_sampler_start (const gint      *pids,
                                          guint            n_pids,
                                          LabEventBuffer  *events,
                                          LabMode          mode);
GArray          *lab_cores_sampler_stop  (LabCoresSampler *sampler);

G_END_DECLS
