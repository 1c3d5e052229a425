/* lab-files.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *lab_sanitize_file_name (const char *name);
void  lab_remove_folder      (const char *path);

G_END_DECLS
