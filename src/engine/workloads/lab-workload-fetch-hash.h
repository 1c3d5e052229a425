/* lab-workload-fetch-hash.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

/* Rounds of MD5 each task computes over its file's digest. */
#define LAB_FETCH_HASH_ROUNDS 20000

#define LAB_TYPE_WORKLOAD_FETCH_HASH (lab_workload_fetch_hash_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadFetchHash, lab_workload_fetch_hash, LAB, WORKLOAD_FETCH_HASH,
                      LabWorkload)

char *lab_fetch_hash_stretch (GBytes       *body,
                              LabGil       *gil,
                              GCancellable *cancellable,
                              GError      **error);

G_END_DECLS
