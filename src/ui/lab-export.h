/* lab-export.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lab-run-controller-results.h"
#include "lab-trace.h"

G_BEGIN_DECLS

typedef enum
{
  LAB_EXPORT_TRACE,   /* a Chrome JSON trace, as `bench --trace` */
  LAB_EXPORT_IMAGE,   /* a PNG of the timeline and the timings */
  LAB_EXPORT_CSV,     /* the timings as CSV */
} LabExportKind;

char       *lab_export_suggest_name (LabRunResults        *results,
                                     LabExportKind         kind,
                                     GDateTime            *when);
LabTrace   *lab_export_make_trace   (LabRunResults        *results);
char       *lab_export_make_csv     (LabRunResults        *results);
GdkTexture *lab_export_render       (GtkWidget            *widget,
                                     guint                 scale,
                                     GError              **error);

gboolean    lab_export_trace        (LabRunResults        *results,
                                     GFile                *file,
                                     GError              **error);
gboolean    lab_export_csv          (LabRunResults        *results,
                                     GFile                *file,
                                     GError              **error);
gboolean    lab_export_png          (GtkWidget            *widget,
                                     guint                 scale,
                                     GFile                *file,
                                     GError              **error);

void        lab_export_async        (LabExportKind         kind,
                                     LabRunResults        *results,
                                     GtkWidget            *widget,
                                     guint                 scale,
                                     GFile                *file,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
char       *lab_export_finish       (GAsyncResult         *result,
                                     GError              **error);
void        lab_export_choose_async (GtkWindow            *parent,
                                     LabExportKind         kind,
                                     LabRunResults        *results,
                                     GtkWidget            *widget,
                                     guint                 scale,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);

G_END_DECLS
