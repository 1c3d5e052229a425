/* lab-files.c — small helpers for the files the app makes: safe names, and
 * removing a folder of its own
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "lab-files.h"

/* A file name that cannot climb out of the folder, hide, or surprise. */
char *
lab_sanitize_file_name (const char *name)
{
  GString *clean = g_string_new (NULL);

  for (const char *p = name; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (c == '/' || c == '\\' || c == ':' || g_unichar_iscntrl (c))
        g_string_append_c (clean, '_');
      else
        g_string_append_unichar (clean, c);
    }

  /* No hidden files, no "." or "..": drop leading dots and spaces. */
  while (clean->len > 0 && (clean->str[0] == '.' || clean->str[0] == ' '))
    g_string_erase (clean, 0, 1);

  /* Keep names short, cutting between characters: a byte in the middle
   * of a UTF-8 sequence would leave a name no file system should get. */
  if (clean->len > 200)
    {
      gsize cut = 200;

      while (cut > 0 && (clean->str[cut] & 0xC0) == 0x80)
        cut--;
      g_string_truncate (clean, cut);
    }

  if (clean->len == 0)
    g_string_assign (clean, "download");

  return g_string_free (clean, FALSE);
}

/* Removes a folder of ours and the files in it (no subfolders: we make
 * none). */
void
lab_remove_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  g_rmdir (path);
}
