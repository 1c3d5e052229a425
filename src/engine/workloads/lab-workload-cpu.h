/* lab-workload-cpu.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_CPU (lab_workload_cpu_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadCpu, lab_workload_cpu, LAB, WORKLOAD_CPU, LabWorkload)

guint64 lab_cpu_sum_range (guint64       first,
                           guint64       last,
                           LabGil       *gil,
                           GCancellable *cancellable);

G_END_DECLS
