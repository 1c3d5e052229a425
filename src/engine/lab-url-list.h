/* lab-url-list.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GStrv  lab_url_list_read  (const char  *path,
                           GError     **error);

G_END_DECLS
