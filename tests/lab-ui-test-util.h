/* lab-ui-test-util.h — starting, configuring and waiting on the window in widget tests
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "lab-application.h"
#include "lab-window.h"

G_BEGIN_DECLS

gboolean        lab_ui_have_display      (void);
LabApplication *lab_ui_test_init         (int              *argc,
                                          char           ***argv);
int             lab_ui_run_tests         (LabApplication  **app);
void            lab_ui_run_to_end        (LabWindow        *window);
void            lab_ui_activate_and_wait (LabWindow        *window,
                                          const char       *action);
void            lab_ui_configure_job     (const char       *job,
                                          const char       *mode,
                                          guint             tasks,
                                          guint             workers,
                                          guint             task_ms);
gboolean        lab_ui_query_tooltip     (GtkWidget        *widget,
                                          int               x,
                                          int               y);

void       lab_ui_wait_until   (gboolean       (*done) (gpointer),
                                gpointer          data,
                                guint             timeout_ms);
void       lab_ui_spin_for     (guint             ms);
gboolean   lab_ui_is_mapped    (gpointer          widget);
gboolean   lab_ui_is_idle      (gpointer          window);
LabWindow *lab_ui_open_window  (LabApplication   *app);
void       lab_ui_close_window (LabWindow        *window);
GtkWidget *lab_ui_window_child (LabWindow        *window,
                                const char       *name);
GtkWidget *lab_ui_find_widget  (GtkWidget        *root,
                                GType             type);
gboolean   lab_ui_is_unclipped (GtkWidget        *widget,
                                GtkWidget        *window);
void       lab_ui_check_lesson_titles (LabWindow *window);
void       lab_ui_wait_frames  (LabWindow        *window,
                                guint             n);

G_END_DECLS
