/* lab-timeline-axis.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The numbers on the time axis: steps of 1, 2 or 5 times a power of ten,
 * and labels in the unit that suits the step, so that a 10 ms run reads
 * "2 ms, 4 ms…" and a zoom into a few microseconds reads "µs".  Plain
 * GLib, so that the tests can check it without a display. */

#define G_LOG_DOMAIN "lab-timeline"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-timeline-axis.h"

/* 1, 2, 5, 10, 20, 50, … : the smallest such value of at least @at_least. */
gint64
lab_timeline_nice_step (gint64 at_least)
{
  gint64 magnitude = 1;

  for (;;)
    {
      if (magnitude >= at_least)
        return magnitude;
      if (2 * magnitude >= at_least)
        return 2 * magnitude;
      if (5 * magnitude >= at_least)
        return 5 * magnitude;
      magnitude *= 10;
    }
}

/* The unit of an axis that ends at @to_us with ticks every @step_us: the
 * unit of the largest label ("2.52 s" rather than "2520 ms", "400 ms"
 * rather than "0.4 s"), unless the step is too fine for it to show in
 * three decimals. */
LabTimelineUnit
lab_timeline_unit_for_step (gint64 step_us,
                            gint64 to_us)
{
  if (to_us >= G_USEC_PER_SEC && step_us >= 1000)
    return LAB_TIMELINE_UNIT_S;
  if (to_us >= 1000)
    return LAB_TIMELINE_UNIT_MS;
  return LAB_TIMELINE_UNIT_US;
}

static gint64
lab_timeline_unit_us (LabTimelineUnit unit)
{
  switch (unit)
    {
    case LAB_TIMELINE_UNIT_S:
      return G_USEC_PER_SEC;
    case LAB_TIMELINE_UNIT_MS:
      return 1000;
    case LAB_TIMELINE_UNIT_US:
    default:
      return 1;
    }
}

/* How many decimals every multiple of @step_us needs in @unit: a 200 ms
 * step in seconds needs one ("0.2 s"), a 2 ms step in ms none. */
int
lab_timeline_step_decimals (gint64          step_us,
                            LabTimelineUnit unit)
{
  gint64 scale = lab_timeline_unit_us (unit);
  int decimals = 0;

  g_return_val_if_fail (step_us > 0, 0);

  while (step_us % scale != 0 && decimals < 6)
    {
      scale /= 10;
      decimals++;
    }
  return decimals;
}

char *
lab_timeline_format_time (gint64          time_us,
                          LabTimelineUnit unit,
                          int             decimals)
{
  double value = (double) time_us / lab_timeline_unit_us (unit);

  switch (unit)
    {
    case LAB_TIMELINE_UNIT_S:
      /* Translators: a time on the axis, e.g. "1.5 s" */
      return g_strdup_printf (_("%.*f s"), decimals, value);
    case LAB_TIMELINE_UNIT_MS:
      /* Translators: a time on the axis in milliseconds, e.g. "2.5 ms" */
      return g_strdup_printf (_("%.*f ms"), decimals, value);
    case LAB_TIMELINE_UNIT_US:
    default:
      /* Translators: a time on the axis in microseconds, e.g. "20 µs" */
      return g_strdup_printf (_("%.*f µs"), decimals, value);
    }
}

/* How strongly the axis's numbers and ticks are drawn, as a part of the
 * text colour: dimmed on a desk, where the bars matter most; whole in
 * presentation mode, where a projector washes greys out for the back row. */
float
lab_timeline_axis_label_alpha (gboolean full_contrast)
{
  return full_contrast ? 1.0f : 0.6f;
}
