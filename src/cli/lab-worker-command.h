/* lab-worker-command.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

int lab_worker_command_main (int    argc,
                             char **argv);

G_END_DECLS
