/* lab-bench.h — `concurrency-lab bench`: options, runs, repeats and medians
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-runner.h"

G_BEGIN_DECLS

#define LAB_MAX_REPEAT 100

/* One mode's outcome over --repeat runs: the median run, plus all times. */
typedef struct
{
  LabRun  *run;
  GArray    *walls_us;     /* gint64, one per repetition */
  GPtrArray *results_all;  /* GVariant, each repetition's result */
} LabBenchResult;

int        lab_bench_main          (int            argc,
                                    char         **argv);
GPtrArray *lab_bench_run_modes     (LabRunner     *runner,
                                    LabWorkload   *workload,
                                    const GArray  *modes,
                                    guint          repeat,
                                    GCancellable  *cancellable,
                                    GError       **error);
double     lab_bench_speedup       (GPtrArray     *results,
                                    const LabRun  *run);
void       lab_bench_result_free   (LabBenchResult *result);

G_END_DECLS
