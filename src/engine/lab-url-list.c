/* lab-url-list.c — the --url-list file: one URL a line
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The download job fetches these URLs and the save job names its files
 * after them, so both read the list here: one parser, one task limit, the
 * same sentence for the same mistake.
 */

#define G_LOG_DOMAIN "lab-url-list"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lab-plan.h"
#include "lab-url-list.h"

/* Blank lines and lines starting with '#' are skipped; every other line,
 * trimmed, is one URL and becomes one task. */
GStrv
lab_url_list_read (const char  *path,
                   GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  gsize length = 0;
  const char *line, *end;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("Cannot read the URL list: %s."), local_error->message);
      return NULL;
    }

  /* One pass over the text, line by line (a list may be megabytes long). */
  end = contents + length;
  for (line = contents; line < end; )
    {
      const char *newline = memchr (line, '\n', end - line);
      const char *next = newline ? newline + 1 : end;
      g_autofree char *url = g_strstrip (g_strndup (line, (newline ? newline : end) - line));

      if (*url != '\0' && *url != '#')
        g_ptr_array_add (urls, g_steal_pointer (&url));
      line = next;
    }

  if (urls->len == 0 || urls->len > LAB_MAX_TASKS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INPUT,
                   _("The URL list “%s” must hold between 1 and %u URLs, not %u."),
                   path, LAB_MAX_TASKS, urls->len);
      return NULL;
    }

  g_ptr_array_add (urls, NULL);
  return (GStrv) g_ptr_array_steal (urls, NULL);
}
