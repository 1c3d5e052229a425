/* lab-timeline-pages.c — one timeline per mode, on the window's stack
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each mode gets a page with its own timeline, kept after the run for
 * review; a page is shown only while its mode is part of the job.  The
 * run controller's timeline signals land here, so the window only places
 * the stack.
 */

#define G_LOG_DOMAIN "lab-timeline-pages"

#include "config.h"

#include "lab-timeline-pages.h"

struct _LabTimelinePages
{
  GObject      parent_instance;

  GtkStack    *stack;                     /* the window's */
  LabTimeline *timelines[LAB_N_MODES];    /* one per mode, kept for review */
  GtkWidget   *pages[LAB_N_MODES];
};

G_DEFINE_FINAL_TYPE (LabTimelinePages, lab_timeline_pages, G_TYPE_OBJECT)

static void
on_timeline_reset (LabTimelinePages *self,
                   guint             mode,
                   gint64            start_us,
                   gboolean          visible,
                   gboolean          select)
{
  GtkStackPage *page = gtk_stack_get_page (self->stack, self->pages[mode]);

  if (visible)
    gtk_stack_page_set_visible (page, TRUE);
  lab_timeline_reset (self->timelines[mode], start_us);
  if (!visible)
    gtk_stack_page_set_visible (page, FALSE);
  if (select)
    gtk_stack_set_visible_child (self->stack, self->pages[mode]);
}

static void
on_lane_label (LabTimelinePages *self,
               guint             mode,
               gint              lane,
               const char       *label)
{
  lab_timeline_set_lane_label (self->timelines[mode], lane, label);
}

static void
on_task_started (LabTimelinePages *self,
                 guint             mode,
                 guint             task,
                 gint              lane,
                 gint64            start_us,
                 const char       *name)
{
  lab_timeline_task_started (self->timelines[mode], task, lane, start_us, name);
}

static void
on_task_finished (LabTimelinePages *self,
                  guint             mode,
                  guint             task,
                  gint              lane,
                  gint64            start_us,
                  gint64            end_us,
                  guint64           bytes,
                  gboolean          ok,
                  const char       *error)
{
  lab_timeline_task_finished (self->timelines[mode], task, lane, start_us, end_us, bytes, ok, error);
}

static void
on_item_mark (LabTimelinePages *self,
              guint             mode,
              guint             task,
              gboolean          taken,
              gint64            time_us)
{
  lab_timeline_add_item_mark (self->timelines[mode], task, taken, time_us);
}

static void
on_timeline_now (LabTimelinePages *self,
                 guint             mode,
                 gint64            now_us)
{
  lab_timeline_set_now (self->timelines[mode], now_us);
}

/* @mode's timeline. */
LabTimeline *
lab_timeline_pages_get_timeline (LabTimelinePages *self,
                                 LabMode           mode)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_PAGES (self), NULL);
  g_return_val_if_fail (mode < LAB_N_MODES, NULL);

  return self->timelines[mode];
}

static void
lab_timeline_pages_class_init (LabTimelinePagesClass *klass)
{
}

static void
lab_timeline_pages_init (LabTimelinePages *self)
{
}

/* Adds a hidden page per mode to @stack (which must outlive the result),
 * and follows @controller's runs on them. */
LabTimelinePages *
lab_timeline_pages_new (GtkStack         *stack,
                        LabRunController *controller)
{
  static const struct {
    const char *signal;
    GCallback   callback;
  } handlers[] = {
    { "timeline-reset", G_CALLBACK (on_timeline_reset) },
    { "lane-label", G_CALLBACK (on_lane_label) },
    { "task-started", G_CALLBACK (on_task_started) },
    { "task-finished", G_CALLBACK (on_task_finished) },
    { "item-mark", G_CALLBACK (on_item_mark) },
    { "timeline-now", G_CALLBACK (on_timeline_now) },
  };
  LabTimelinePages *self;

  g_return_val_if_fail (GTK_IS_STACK (stack), NULL);
  g_return_val_if_fail (LAB_IS_RUN_CONTROLLER (controller), NULL);

  self = g_object_new (LAB_TYPE_TIMELINE_PAGES, NULL);
  self->stack = stack;

  for (LabMode m = 0; m < LAB_N_MODES; m++)
    {
      GtkWidget *scroller = gtk_scrolled_window_new ();

      self->timelines[m] = LAB_TIMELINE (lab_timeline_new ());
      gtk_widget_set_vexpand (GTK_WIDGET (self->timelines[m]), TRUE);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->timelines[m]));
      gtk_stack_add_titled (stack, scroller, lab_mode_to_string (m), lab_mode_get_title (m));
      self->pages[m] = scroller;
      gtk_stack_page_set_visible (gtk_stack_get_page (stack, scroller), FALSE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect_object (controller, handlers[i].signal, handlers[i].callback, self,
                             G_CONNECT_SWAPPED);
  return self;
}
