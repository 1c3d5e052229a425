/* lab-mode.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The ways to run the same tasks: five on this machine, and one across
 * machines.  LAB_N_MODES counts the five, which the window shows a page
 * for; the distributed mode needs a broker (and starts one), so it runs
 * only when asked for by name. */
typedef enum
{
  LAB_MODE_SEQUENTIAL,   /* one worker thread, one task after another */
  LAB_MODE_THREADS,      /* a pool of exactly N threads in this process */
  LAB_MODE_PROCESSES,    /* a pool of N worker processes, talking over pipes */
  LAB_MODE_ASYNC,        /* one thread, one event loop, up to N tasks in flight */
  LAB_MODE_PROCESSES_ASYNC, /* N worker processes, each one event loop with up to M in flight */
  LAB_N_MODES,
  LAB_MODE_DISTRIBUTED = LAB_N_MODES,   /* jobs on a Redis broker, workers anywhere */
  LAB_N_ALL_MODES
} LabMode;

/* Processes + async: worker processes × tasks in flight on each, at most. */
#define LAB_MAX_PROCESS_IN_FLIGHT 100000

const char *lab_mode_to_string   (LabMode     mode);
const char *lab_mode_get_title   (LabMode     mode);
gboolean    lab_mode_from_string (const char *name,
                                  LabMode    *mode);
gboolean    lab_mode_uses_processes (LabMode mode);
gboolean    lab_mode_parse_list  (const char *list,
                                  GArray     *modes,
                                  GError    **error);

G_END_DECLS
