/* lab-timeline-pages.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lab-run-controller.h"
#include "lab-timeline.h"

G_BEGIN_DECLS

#define LAB_TYPE_TIMELINE_PAGES (lab_timeline_pages_get_type ())

G_DECLARE_FINAL_TYPE (LabTimelinePages, lab_timeline_pages, LAB, TIMELINE_PAGES, GObject)

LabTimelinePages *lab_timeline_pages_new          (GtkStack         *stack,
                                                   LabRunController *controller);
LabTimeline      *lab_timeline_pages_get_timeline (LabTimelinePages *self,
                                                   LabMode           mode);

G_END_DECLS
