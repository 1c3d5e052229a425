/* lab-card-split.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The gap between the card and the timeline, as between the pane's rows. */
#define LAB_CARD_SPLIT_SPACING        12
/* The least the timeline keeps (its tabs, legend, axis and lanes): what a
 * 1024×768 projector gave it under a card of two fifths of the window. */
#define LAB_CARD_SPLIT_TIMELINE_FLOOR 370

#define LAB_TYPE_CARD_SPLIT (lab_card_split_get_type ())

G_DECLARE_FINAL_TYPE (LabCardSplit, lab_card_split, LAB, CARD_SPLIT, GtkWidget)

GtkWidget *lab_card_split_new        (void);
int        lab_card_split_card_height (int height,
                                       int card_min,
                                       int card_nat,
                                       int timeline_min,
                                       int timeline_nat);

G_END_DECLS
