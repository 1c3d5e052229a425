/* lab-bench-output.h — what `concurrency-lab bench` prints: a table, CSV or JSON
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-pipeline.h"
#include "lab-runner.h"

G_BEGIN_DECLS

typedef enum
{
  LAB_BENCH_FORMAT_TABLE,
  LAB_BENCH_FORMAT_CSV,
  LAB_BENCH_FORMAT_JSON,
} LabBenchFormat;

void lab_bench_print_runs          (LabBenchFormat  format,
                                    LabWorkload    *workload,
                                    GPtrArray      *results,
                                    guint           repeat);
void lab_bench_print_pipeline_runs (LabBenchFormat  format,
                                    LabPipeline    *pipeline,
                                    GPtrArray      *results);

G_END_DECLS
