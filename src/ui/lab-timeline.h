/* lab-timeline.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* All times are monotonic µs (g_get_monotonic_time (), the same clock in
 * every worker process); the widget shows them relative to the origin given
 * to lab_timeline_reset(). */

#define LAB_TYPE_TIMELINE (lab_timeline_get_type ())

G_DECLARE_FINAL_TYPE (LabTimeline, lab_timeline, LAB, TIMELINE, GtkWidget)

GtkWidget *lab_timeline_new            (void);
void       lab_timeline_reset          (LabTimeline *self,
                                        gint64       origin_us);
void       lab_timeline_set_lane_label (LabTimeline *self,
                                        guint        lane,
                                        const char  *label);
void       lab_timeline_set_lane_host  (LabTimeline *self,
                                        guint        lane,
                                        const char  *host);
void       lab_timeline_insert_lane    (LabTimeline *self,
                                        guint        lane);
void       lab_timeline_task_started   (LabTimeline *self,
                                        guint        task,
                                        guint        lane,
                                        gint64       start_us,
                                        const char  *name);
void       lab_timeline_task_finished  (LabTimeline *self,
                                        guint        task,
                                        guint        lane,
                                        gint64       start_us,
                                        gint64       end_us,
                                        guint64      bytes,
                                        gboolean     ok,
                                        const char  *error);
void       lab_timeline_add_item_mark  (LabTimeline *self,
                                        guint        task,
                                        gboolean     taken,
                                        gint64       time_us);
void       lab_timeline_set_now        (LabTimeline *self,
                                        gint64       now_us);
void       lab_timeline_add_task_span  (LabTimeline *self,
                                        guint        task,
                                        guint        state,
                                        guint        wait,
                                        gint64       start_us,
                                        gint64       end_us);
void       lab_timeline_set_task_times (LabTimeline *self,
                                        guint        task,
                                        gint64       cpu_us,
                                        gint64       run_queue_us);
void       lab_timeline_set_task_states (LabTimeline  *self,
                                         guint         task,
                                         gint64        cpu_us,
                                         gint64        run_queue_us,
                                         gconstpointer spans,
                                         guint         n_spans);
void       lab_timeline_add_cores_sample (LabTimeline *self,
                                          gint64       time_us,
                                          double       cores);
guint      lab_timeline_get_n_bars     (LabTimeline *self);
guint      lab_timeline_get_n_lanes    (LabTimeline *self);
gboolean   lab_timeline_get_visible_range (LabTimeline *self,
                                           gint64      *from_us,
                                           gint64      *to_us);

G_END_DECLS
