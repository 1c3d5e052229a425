/* lab-bench-output-private.h — what bench's printers share between
 * lab-bench-output.c (table, CSV) and lab-bench-json.c (JSON).
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-bench-output.h"

G_BEGIN_DECLS

double lab_bench_pipeline_speedup    (GPtrArray      *results,
                                      LabPipelineRun *run);
void   lab_bench_print_json          (LabWorkload    *workload,
                                      GPtrArray      *results,
                                      guint           repeat);
void   lab_bench_print_pipeline_json (LabPipeline    *pipeline,
                                      GPtrArray      *results);

G_END_DECLS
