/* lab-mode.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The four ways to run the same tasks on this machine, and one across
 * machines.  LAB_N_MODES counts the four: what runs by default and what
 * the window shows a page for.  The distributed mode needs a broker (and
 * starts one), so it runs only when asked for by name. */
typedef enum
{
  LAB_MODE_SEQUENTIAL,   /* one worker thread, one task after another */
  LAB_MODE_THREADS,      /* a pool of exactly N threads in this process */
  LAB_MODE_PROCESSES,    /* a pool of N worker processes, talking over pipes */
  LAB_MODE_ASYNC,        /* one thread, one event loop, up to N tasks in flight */
  LAB_N_MODES,
  LAB_MODE_DISTRIBUTED = LAB_N_MODES,   /* jobs on a Redis broker, workers anywhere */
  LAB_N_ALL_MODES
} LabMode;

const char *lab_mode_to_string   (LabMode     mode);
const char *lab_mode_get_title   (LabMode     mode);
gboolean    lab_mode_from_string (const char *name,
                                  LabMode    *mode);
gboolean    lab_mode_parse_list  (const char *list,
                                  GArray     *modes,
                                  GError    **error);

G_END_DECLS
