/* lab-table.h — plain-text tables that line up, CJK included
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LabTable LabTable;

LabTable *lab_table_new       (guint        n_columns);
void      lab_table_free      (LabTable    *table);
void      lab_table_set_right (LabTable    *table,
                               guint        column,
                               gboolean     right);
void      lab_table_add_row   (LabTable    *table,
                               const char  *first,
                               ...) G_GNUC_NULL_TERMINATED;
char     *lab_table_render    (LabTable    *table);
guint     lab_text_width      (const char  *text);
char     *lab_table_seconds   (gint64       us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabTable, lab_table_free)

G_END_DECLS
