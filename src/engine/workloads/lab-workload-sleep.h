/* lab-workload-sleep.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_SLEEP (lab_workload_sleep_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadSleep, lab_workload_sleep, LAB, WORKLOAD_SLEEP, LabWorkload)

G_END_DECLS
