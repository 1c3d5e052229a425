/* lab-workload-pingpong.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_PINGPONG (lab_workload_pingpong_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadPingpong, lab_workload_pingpong, LAB, WORKLOAD_PINGPONG, LabWorkload)

void lab_workload_pingpong_set_consumer_pause (LabWorkloadPingpong *self,
                                               guint                pause_ms);

G_END_DECLS
