/* lab-workload-hash.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_HASH (lab_workload_hash_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadHash, lab_workload_hash, LAB, WORKLOAD_HASH, LabWorkload)

G_END_DECLS
