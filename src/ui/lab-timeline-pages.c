/* lab-timeline-pages.c — the timelines on the window's stack: one per mode
 * of a job (the distributed mode's included), one per run of a lesson
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each mode gets a page with its own timeline, kept after the run for
 * review; a page is shown only while its mode is part of the job.  A
 * lesson's runs get pages of their own, named after their steps, which go
 * when the next lesson or job begins.  The run feed's signals land here,
 * so the window only places the stack.
 */

#define G_LOG_DOMAIN "lab-timeline-pages"

#include "config.h"

#include "lab-timeline-pages.h"

struct _LabTimelinePages
{
  GObject      parent_instance;

  GtkStack    *stack;                     /* the window's */
  LabTimeline *timelines[LAB_N_ALL_MODES];  /* one per mode, kept for review */
  GtkWidget   *pages[LAB_N_ALL_MODES];
  GPtrArray   *lesson_timelines;          /* LabTimeline, one per lesson run */
  GPtrArray   *lesson_pages;              /* their pages on the stack */
};

G_DEFINE_FINAL_TYPE (LabTimelinePages, lab_timeline_pages, G_TYPE_OBJECT)

static GtkWidget *
make_page (LabTimelinePages *self,
           LabTimeline     **timeline,
           const char       *name,
           const char       *title)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  *timeline = LAB_TIMELINE (lab_timeline_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (*timeline), TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  /* What its lanes need: the lesson card leaves it that (lab-card-split.c). */
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (*timeline));
  gtk_stack_add_titled (self->stack, scroller, name, title);
  return scroller;
}

/* @page's timeline and its page on the stack, or FALSE for a page that is
 * gone (a lesson's, after the next began). */
static gboolean
lookup (LabTimelinePages  *self,
        guint              page,
        LabTimeline      **timeline,
        GtkWidget        **widget)
{
  if (page < LAB_N_ALL_MODES)
    {
      *timeline = self->timelines[page];
      *widget = self->pages[page];
      return TRUE;
    }
  page -= LAB_LESSON_PAGE_FIRST;
  if (page >= self->lesson_pages->len)
    return FALSE;
  *timeline = g_ptr_array_index (self->lesson_timelines, page);
  *widget = g_ptr_array_index (self->lesson_pages, page);
  return TRUE;
}

static void
on_page_added (LabTimelinePages *self,
               guint             page,
               const char       *title)
{
  g_autofree char *name = g_strdup_printf ("step-%u", page - LAB_LESSON_PAGE_FIRST + 1);
  LabTimeline *timeline;

  g_return_if_fail (page == LAB_LESSON_PAGE_FIRST + self->lesson_pages->len);

  g_ptr_array_add (self->lesson_pages, make_page (self, &timeline, name, title));
  g_ptr_array_add (self->lesson_timelines, timeline);
}

static void
on_page_titled (LabTimelinePages *self,
                guint             page,
                const char       *title)
{
  LabTimeline *timeline;
  GtkWidget *widget;

  if (lookup (self, page, &timeline, &widget))
    gtk_stack_page_set_title (gtk_stack_get_page (self->stack, widget), title);
}

static void
on_pages_cleared (LabTimelinePages *self)
{
  for (guint i = 0; i < self->lesson_pages->len; i++)
    gtk_stack_remove (self->stack, g_ptr_array_index (self->lesson_pages, i));
  g_ptr_array_set_size (self->lesson_pages, 0);
  g_ptr_array_set_size (self->lesson_timelines, 0);
}

static void
on_timeline_reset (LabTimelinePages *self,
                   guint             page,
                   gint64            start_us,
                   gboolean          visible,
                   gboolean          select)
{
  LabTimeline *timeline;
  GtkWidget *widget;
  GtkStackPage *stack_page;

  if (!lookup (self, page, &timeline, &widget))
    return;

  stack_page = gtk_stack_get_page (self->stack, widget);
  if (visible)
    gtk_stack_page_set_visible (stack_page, TRUE);
  lab_timeline_reset (timeline, start_us);
  if (!visible)
    gtk_stack_page_set_visible (stack_page, FALSE);
  if (select)
    gtk_stack_set_visible_child (self->stack, widget);
}

/* @page's timeline, or NULL for a page that is not there. */
static LabTimeline *
page_timeline (LabTimelinePages *self,
               guint             page)
{
  LabTimeline *timeline;
  GtkWidget *widget;

  return lookup (self, page, &timeline, &widget) ? timeline : NULL;
}

static void
on_lane_label (LabTimelinePages *self,
               guint             page,
               gint              lane,
               const char       *label)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_set_lane_label (timeline, lane, label);
}

/* Distributed: the lane's worker runs on @host; lanes of one host are
 * drawn under its name. */
static void
on_lane_host (LabTimelinePages *self,
              guint             page,
              gint              lane,
              const char       *host)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_set_lane_host (timeline, lane, host);
}

static void
on_lane_inserted (LabTimelinePages *self,
                  guint             page,
                  gint              lane)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_insert_lane (timeline, lane);
}

static void
on_task_started (LabTimelinePages *self,
                 guint             page,
                 guint             task,
                 gint              lane,
                 gint64            start_us,
                 const char       *name)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_task_started (timeline, task, lane, start_us, name);
}

static void
on_task_finished (LabTimelinePages *self,
                  guint             page,
                  guint             task,
                  gint              lane,
                  gint64            start_us,
                  gint64            end_us,
                  guint64           bytes,
                  gboolean          ok,
                  const char       *error)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_task_finished (timeline, task, lane, start_us, end_us, bytes, ok, error);
}

static void
on_item_mark (LabTimelinePages *self,
              guint             page,
              guint             task,
              gboolean          taken,
              gint64            time_us)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_add_item_mark (timeline, task, taken, time_us);
}

static void
on_timeline_now (LabTimelinePages *self,
                 guint             page,
                 gint64            now_us)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_set_now (timeline, now_us);
}

static void
on_task_span (LabTimelinePages *self,
              guint             page,
              guint             task,
              guint             state,
              guint             wait,
              gint64            start_us,
              gint64            end_us)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_add_task_span (timeline, task, state, wait, start_us, end_us);
}

static void
on_task_states (LabTimelinePages *self,
                guint             page,
                guint             task,
                gint64            cpu_us,
                gint64            run_queue_us,
                gconstpointer     spans,
                guint             n_spans)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_set_task_states (timeline, task, cpu_us, run_queue_us, spans, n_spans);
}

static void
on_cores_busy (LabTimelinePages *self,
               guint             page,
               gint64            time_us,
               double            cores)
{
  LabTimeline *timeline = page_timeline (self, page);

  if (timeline != NULL)
    lab_timeline_add_cores_sample (timeline, time_us, cores);
}

/* @mode's timeline. */
LabTimeline *
lab_timeline_pages_get_timeline (LabTimelinePages *self,
                                 LabMode           mode)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_PAGES (self), NULL);
  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  return self->timelines[mode];
}

guint
lab_timeline_pages_get_n_lesson_pages (LabTimelinePages *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_PAGES (self), 0);

  return self->lesson_pages->len;
}

/* The timeline of a lesson's @n-th run (from 0), or NULL. */
LabTimeline *
lab_timeline_pages_get_lesson_timeline (LabTimelinePages *self,
                                        guint             n)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_PAGES (self), NULL);

  if (n >= self->lesson_timelines->len)
    return NULL;
  return g_ptr_array_index (self->lesson_timelines, n);
}

/* The title of a lesson's @n-th page, or NULL. */
const char *
lab_timeline_pages_get_lesson_title (LabTimelinePages *self,
                                     guint             n)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_PAGES (self), NULL);

  if (n >= self->lesson_pages->len)
    return NULL;
  return gtk_stack_page_get_title (gtk_stack_get_page (self->stack,
                                                       g_ptr_array_index (self->lesson_pages, n)));
}

/* Brings @page to the front, if it is still there. */
void
lab_timeline_pages_select (LabTimelinePages *self,
                           guint             page)
{
  LabTimeline *timeline;
  GtkWidget *widget;

  g_return_if_fail (LAB_IS_TIMELINE_PAGES (self));

  if (lookup (self, page, &timeline, &widget))
    gtk_stack_set_visible_child (self->stack, widget);
}

static void
lab_timeline_pages_finalize (GObject *object)
{
  LabTimelinePages *self = LAB_TIMELINE_PAGES (object);

  g_clear_pointer (&self->lesson_pages, g_ptr_array_unref);
  g_clear_pointer (&self->lesson_timelines, g_ptr_array_unref);

  G_OBJECT_CLASS (lab_timeline_pages_parent_class)->finalize (object);
}

static void
lab_timeline_pages_class_init (LabTimelinePagesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lab_timeline_pages_finalize;
}

static void
lab_timeline_pages_init (LabTimelinePages *self)
{
  /* The stack holds the widgets; these only find them. */
  self->lesson_pages = g_ptr_array_new ();
  self->lesson_timelines = g_ptr_array_new ();
}

/* Adds a hidden page per mode to @stack (which must outlive the result),
 * and follows @feed's runs on them and on pages of their own. */
LabTimelinePages *
lab_timeline_pages_new (GtkStack   *stack,
                        LabRunFeed *feed)
{
  static const struct {
    const char *signal;
    GCallback   callback;
  } handlers[] = {
    { "page-added", G_CALLBACK (on_page_added) },
    { "page-titled", G_CALLBACK (on_page_titled) },
    { "pages-cleared", G_CALLBACK (on_pages_cleared) },
    { "timeline-reset", G_CALLBACK (on_timeline_reset) },
    { "lane-label", G_CALLBACK (on_lane_label) },
    { "lane-host", G_CALLBACK (on_lane_host) },
    { "lane-inserted", G_CALLBACK (on_lane_inserted) },
    { "task-started", G_CALLBACK (on_task_started) },
    { "task-finished", G_CALLBACK (on_task_finished) },
    { "item-mark", G_CALLBACK (on_item_mark) },
    { "timeline-now", G_CALLBACK (on_timeline_now) },
    { "task-span", G_CALLBACK (on_task_span) },
    { "task-states", G_CALLBACK (on_task_states) },
    { "cores-busy", G_CALLBACK (on_cores_busy) },
  };
  LabTimelinePages *self;

  g_return_val_if_fail (GTK_IS_STACK (stack), NULL);
  g_return_val_if_fail (LAB_IS_RUN_FEED (feed), NULL);

  self = g_object_new (LAB_TYPE_TIMELINE_PAGES, NULL);
  self->stack = stack;

  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    {
      self->pages[m] = make_page (self, &self->timelines[m], lab_mode_to_string (m),
                                  lab_mode_get_title (m));
      gtk_stack_page_set_visible (gtk_stack_get_page (stack, self->pages[m]), FALSE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect_object (feed, handlers[i].signal, handlers[i].callback, self,
                             G_CONNECT_SWAPPED);
  return self;
}
