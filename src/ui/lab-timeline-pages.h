/* lab-timeline-pages.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "lab-run-feed.h"
#include "lab-timeline.h"

G_BEGIN_DECLS

#define LAB_TYPE_TIMELINE_PAGES (lab_timeline_pages_get_type ())

G_DECLARE_FINAL_TYPE (LabTimelinePages, lab_timeline_pages, LAB, TIMELINE_PAGES, GObject)

LabTimelinePages *lab_timeline_pages_new                 (GtkStack         *stack,
                                                          LabRunFeed       *feed);
LabTimeline      *lab_timeline_pages_get_timeline        (LabTimelinePages *self,
                                                          LabMode           mode);
guint             lab_timeline_pages_get_n_lesson_pages  (LabTimelinePages *self);
LabTimeline      *lab_timeline_pages_get_lesson_timeline (LabTimelinePages *self,
                                                          guint             n);
const char       *lab_timeline_pages_get_lesson_title    (LabTimelinePages *self,
                                                          guint             n);
void              lab_timeline_pages_select              (LabTimelinePages *self,
                                                          guint             page);

G_END_DECLS
