/* lab-digest.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *lab_digest_to_hex (const guint8 *digest,
                         guint         len);
char *lab_hash_hex      (const char   *algo,
                         const guint8 *data,
                         gsize         len);

G_END_DECLS
