/* lab-workload-bank.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_BANK (lab_workload_bank_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadBank, lab_workload_bank, LAB, WORKLOAD_BANK, LabWorkload)

G_END_DECLS
