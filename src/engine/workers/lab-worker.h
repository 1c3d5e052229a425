/* lab-worker.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LAB_WORKER_FLAG "--worker"

int lab_worker_main (void);

G_END_DECLS
