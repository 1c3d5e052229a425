/* lab-state-style.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* How a state of lab-states.h looks wherever it is drawn (the timeline's
 * bars and legend, the timings' stacked bars): a colour, and a pattern on
 * the waits. */
const GdkRGBA *lab_state_style_get_color   (guint                  state);
gboolean       lab_state_style_is_wait     (guint                  state);
void           lab_state_style_append      (GtkSnapshot           *snapshot,
                                            guint                  state,
                                            const graphene_rect_t *rect);

G_END_DECLS
