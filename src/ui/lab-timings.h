/* lab-timings.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lab-mode.h"

G_BEGIN_DECLS

typedef enum
{
  LAB_VERDICT_PENDING,
  LAB_VERDICT_VERIFIED,
  LAB_VERDICT_FAILED,
  LAB_VERDICT_CANCELLED,
} LabVerdict;

#define LAB_TYPE_TIMINGS (lab_timings_get_type ())

G_DECLARE_FINAL_TYPE (LabTimings, lab_timings, LAB, TIMINGS, GtkWidget)

GtkWidget *lab_timings_new                 (void);
void       lab_timings_reset               (LabTimings         *self,
                                            const char * const *stages);
void       lab_timings_update              (LabTimings         *self,
                                            LabMode             mode,
                                            const char         *title,
                                            const gint64       *stage_us,
                                            gint64              wall_us,
                                            gint64              startup_us,
                                            gboolean            running,
                                            double              speedup,
                                            LabVerdict          verdict,
                                            const char         *detail);
guint      lab_timings_get_n_rows          (LabTimings         *self);
char      *lab_timings_dup_row_text        (LabTimings         *self,
                                            LabMode             mode);
guint      lab_timings_get_n_shown_columns (LabTimings         *self);
void       lab_timings_set_time_by_state   (LabTimings         *self,
                                            LabMode             mode,
                                            const gint64       *by_state,
                                            gboolean            add);
gboolean   lab_timings_get_time_by_state   (LabTimings         *self,
                                            LabMode             mode,
                                            gint64             *by_state);

G_END_DECLS
