/* lab-lesson-card.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The card a seed lesson shows above the timeline: its title, what it
 * explains, the question it asks, a row per step (what ran, its time, how
 * it ended) and, at the end, the verdict.  A step whose run has a timeline
 * page of its own leads there: its name is a button ("page-activated").
 * The card only shows what it is given; the run controller decides what
 * that is.
 */

#define G_LOG_DOMAIN "lab-lesson-card"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-card.h"

struct _LabLessonCard
{
  GtkWidget  parent_instance;

  /* Template widgets */
  GtkLabel  *lesson_title;
  GtkLabel  *lesson_text;
  GtkLabel  *lesson_question;
  GtkGrid   *lesson_steps;
  GtkLabel  *lesson_verdict;
};

G_DEFINE_FINAL_TYPE (LabLessonCard, lab_lesson_card, GTK_TYPE_WIDGET)

enum {
  PAGE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_step_clicked (GtkButton     *button,
                 LabLessonCard *self)
{
  guint page = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "lab-page"));

  g_signal_emit (self, signals[PAGE_ACTIVATED], 0, page);
}

static void
lab_lesson_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LAB_TYPE_LESSON_CARD);

  G_OBJECT_CLASS (lab_lesson_card_parent_class)->dispose (object);
}

static void
lab_lesson_card_class_init (LabLessonCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_lesson_card_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concurrencylab/ConcurrencyLab/lab-lesson-card.ui");
  gtk_widget_class_bind_template_child (widget_class, LabLessonCard, lesson_title);
  gtk_widget_class_bind_template_child (widget_class, LabLessonCard, lesson_text);
  gtk_widget_class_bind_template_child (widget_class, LabLessonCard, lesson_question);
  gtk_widget_class_bind_template_child (widget_class, LabLessonCard, lesson_steps);
  gtk_widget_class_bind_template_child (widget_class, LabLessonCard, lesson_verdict);

  /* A step's name was clicked: the timeline page of its run. */
  signals[PAGE_ACTIVATED] =
    g_signal_new ("page-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
lab_lesson_card_init (LabLessonCard *self)
{
  GtkLayoutManager *layout;

  gtk_widget_init_template (GTK_WIDGET (self));

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);
}

GtkWidget *
lab_lesson_card_new (void)
{
  return g_object_new (LAB_TYPE_LESSON_CARD, NULL);
}

/* Shows @lesson, with no steps yet; hides the card for NULL (a free
 * experiment has no card). */
void
lab_lesson_card_set_lesson (LabLessonCard   *self,
                            const LabLesson *lesson)
{
  g_autofree char *title = NULL;

  g_return_if_fail (LAB_IS_LESSON_CARD (self));

  gtk_widget_set_visible (GTK_WIDGET (self), lesson != NULL);
  if (lesson == NULL)
    return;

  title = g_strdup_printf (_("%s (seed %s)"), _(lesson->title), lesson->seed);
  gtk_label_set_text (self->lesson_title, title);
  gtk_label_set_text (self->lesson_text, _(lesson->explanation));
  gtk_label_set_text (self->lesson_question, _(lesson->question));
  lab_lesson_card_clear_steps (self);
}

void
lab_lesson_card_clear_steps (LabLessonCard *self)
{
  GtkWidget *child;

  g_return_if_fail (LAB_IS_LESSON_CARD (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->lesson_steps))) != NULL)
    gtk_grid_remove (self->lesson_steps, child);
  gtk_label_set_text (self->lesson_verdict, "");
}

/* One row of the steps' table: what ran, its time, how it ended; the name
 * leads to timeline @page, when there is one (>= 0). */
void
lab_lesson_card_add_step (LabLessonCard       *self,
                          guint                row,
                          const LabLessonStep *step,
                          gint                 page)
{
  g_autofree char *time = NULL;
  const char *outcome;
  GtkWidget *labels[3];

  g_return_if_fail (LAB_IS_LESSON_CARD (self));
  g_return_if_fail (step != NULL);

  time = g_strdup_printf (_("%.3f s"), step->value_us / 1e6);
  outcome = step->run ? (step->run->verified ? step->run->result : step->run->verify_error) : "";
  labels[0] = gtk_label_new (step->label);
  labels[1] = gtk_label_new (time);
  labels[2] = gtk_label_new (outcome);

  for (guint c = 0; c < 3; c++)
    {
      GtkWidget *cell = labels[c];

      gtk_label_set_xalign (GTK_LABEL (labels[c]), c == 1 ? 1 : 0);
      gtk_label_set_ellipsize (GTK_LABEL (labels[c]), c == 2 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
      gtk_widget_add_css_class (labels[c], "numeric");
      if (c == 0 && page >= 0)
        {
          /* Translators: tooltip of a lesson step's name */
          cell = gtk_button_new ();
          gtk_button_set_child (GTK_BUTTON (cell), labels[c]);
          gtk_widget_add_css_class (cell, "flat");
          gtk_widget_set_tooltip_text (cell, _("Show this step’s timeline"));
          g_object_set_data (G_OBJECT (cell), "lab-page", GUINT_TO_POINTER ((guint) page));
          g_signal_connect (cell, "clicked", G_CALLBACK (on_step_clicked), self);
        }
      gtk_grid_attach (self->lesson_steps, cell, c, row, 1, 1);
    }
}

void
lab_lesson_card_set_verdict (LabLessonCard *self,
                             const char    *verdict)
{
  g_return_if_fail (LAB_IS_LESSON_CARD (self));

  gtk_label_set_text (self->lesson_verdict, verdict ? verdict : "");
}

const char *
lab_lesson_card_get_verdict (LabLessonCard *self)
{
  g_return_val_if_fail (LAB_IS_LESSON_CARD (self), NULL);

  return gtk_label_get_text (self->lesson_verdict);
}
