/* lab-workload-download.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-workload.h"

G_BEGIN_DECLS

#define LAB_TYPE_WORKLOAD_DOWNLOAD (lab_workload_download_get_type ())

G_DECLARE_FINAL_TYPE (LabWorkloadDownload, lab_workload_download, LAB, WORKLOAD_DOWNLOAD, LabWorkload)

G_END_DECLS
