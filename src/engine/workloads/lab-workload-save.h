/* lab-workload-save.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_SAVE (lab_workload_save_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadSave, lab_workload_save, LAB, WORKLOAD_SAVE, LabWorkload)

GStrv  lab_file_names_for_urls (const char * const *urls);

G_END_DECLS
