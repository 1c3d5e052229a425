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
 * 1024×768 projector leaves it beside the card's 300 px. */
#define LAB_CARD_SPLIT_TIMELINE_FLOOR 340

#define LAB_TYPE_CARD_SPLIT (lab_card_split_get_type ())

G_DECLARE_FINAL_TYPE (LabCardSplit, lab_card_split, LAB, CARD_SPLIT, GtkWidget)

GtkWidget *lab_card_split_new         (void);
int        lab_card_split_share       (int window_height);
int        lab_card_split_card_height (int height,
                                       int share,
                                       int card_min,
                                       int card_nat,
                                       int timeline_min,
                                       int timeline_nat);

G_END_DECLS
