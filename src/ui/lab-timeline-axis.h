/* lab-timeline-axis.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The time axis's arithmetic, without a display: 1-2-5 steps, and the unit
 * (s, ms or µs) its labels are written in. */

typedef enum
{
  LAB_TIMELINE_UNIT_US,
  LAB_TIMELINE_UNIT_MS,
  LAB_TIMELINE_UNIT_S,
} LabTimelineUnit;

gint64           lab_timeline_nice_step      (gint64          at_least);
LabTimelineUnit  lab_timeline_unit_for_step  (gint64          step_us,
                                              gint64          to_us);
int              lab_timeline_step_decimals  (gint64          step_us,
                                              LabTimelineUnit unit);
char            *lab_timeline_format_time    (gint64          time_us,
                                              LabTimelineUnit unit,
                                              int             decimals);
float            lab_timeline_axis_label_alpha (gboolean      full_contrast);

G_END_DECLS
