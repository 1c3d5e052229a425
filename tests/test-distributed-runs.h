/* test-distributed-runs.h — the distributed runs the app sets up itself,
 * registered by test-distributed.c's main ()
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

void test_workloads           (void);
void test_refuses_shared_jobs (void);
void test_cpu_time            (void);
void test_io_spans            (void);
void test_malformed_fields    (void);
