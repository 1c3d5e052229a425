/* lab-table.c — plain-text tables that line up, CJK included
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tables bench, benchmark and lesson print, and the one way their
 * cells show a duration.
 */

#define G_LOG_DOMAIN "lab-table"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-table.h"

struct _LabTable
{
  guint      n_columns;
  gboolean  *right;
  GPtrArray *rows;   /* of GStrv */
};

LabTable *
lab_table_new (guint n_columns)
{
  LabTable *table = g_new0 (LabTable, 1);

  table->n_columns = n_columns;
  table->right = g_new0 (gboolean, n_columns);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  return table;
}

void
lab_table_free (LabTable *table)
{
  if (table == NULL)
    return;

  g_ptr_array_unref (table->rows);
  g_free (table->right);
  g_free (table);
}

void
lab_table_set_right (LabTable *table,
                     guint     column,
                     gboolean  right)
{
  g_return_if_fail (column < table->n_columns);

  table->right[column] = right;
}

void
lab_table_add_row (LabTable   *table,
                   const char *first,
                   ...)
{
  GStrv row = g_new0 (char *, table->n_columns + 1);
  const char *cell = first;
  va_list args;

  va_start (args, first);
  for (guint i = 0; i < table->n_columns; i++)
    {
      row[i] = g_strdup (cell ? cell : "");
      if (cell != NULL)
        cell = va_arg (args, const char *);
    }
  va_end (args);

  g_ptr_array_add (table->rows, row);
}

/* Columns a terminal gives @text: wide (CJK) characters take two. */
guint
lab_text_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

char *
lab_table_render (LabTable *table)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  GString *out = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], lab_text_width (row[c]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      GStrv row = g_ptr_array_index (table->rows, r);
      gsize line_start = out->len;

      for (guint c = 0; c < table->n_columns; c++)
        {
          guint pad = widths[c] - lab_text_width (row[c]);

          if (c > 0)
            g_string_append (out, "  ");
          if (table->right[c])
            {
              for (guint i = 0; i < pad; i++)
                g_string_append_c (out, ' ');
              g_string_append (out, row[c]);
            }
          else
            {
              g_string_append (out, row[c]);
              if (c + 1 < table->n_columns)
                for (guint i = 0; i < pad; i++)
                  g_string_append_c (out, ' ');
            }
        }

      while (out->len > line_start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/* A duration as every table shows it: seconds, to the millisecond. */
char *
lab_table_seconds (gint64 us)
{
  return g_strdup_printf (_("%.3f s"), us / 1e6);
}
