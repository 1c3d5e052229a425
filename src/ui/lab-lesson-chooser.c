/* lab-lesson-chooser.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The seed lessons as a teacher reads them: one row per lesson, in the
 * registry's order (the seeds' order), each with its whole title wrapped
 * over as many lines as it needs — a drop-down would cut the titles off.
 * The "lesson" property is the chosen lesson's id, "" for a free
 * experiment; the window binds it to the settings.
 */

#define G_LOG_DOMAIN "lab-lesson-chooser"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "lab-lesson.h"
#include "lab-lesson-chooser.h"

struct _LabLessonChooser
{
  GtkWidget   parent_instance;

  GtkWidget  *list;
  GPtrArray  *checks;    /* one radio per row, "" first */
  GPtrArray  *ids;       /* the lesson id of each row */
  guint       selected;
};

G_DEFINE_FINAL_TYPE (LabLessonChooser, lab_lesson_chooser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LESSON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_toggled (GtkCheckButton   *check,
            LabLessonChooser *self)
{
  guint index;

  if (!gtk_check_button_get_active (check)
      || !g_ptr_array_find (self->checks, check, &index)
      || index == self->selected)
    return;

  self->selected = index;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LESSON]);
}

static void
add_row (LabLessonChooser *self,
         const char       *id,
         const char       *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  if (self->checks->len > 0)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), g_ptr_array_index (self->checks, 0));
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  g_signal_connect (check, "toggled", G_CALLBACK (on_toggled), self);

  /* The whole title, wrapped: AdwActionRow's title wraps when it has no
   * line limit, which is its default. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  gtk_list_box_append (GTK_LIST_BOX (self->list), row);

  g_ptr_array_add (self->checks, check);
  g_ptr_array_add (self->ids, g_strdup (id));
}

static void
lab_lesson_chooser_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LabLessonChooser *self = LAB_LESSON_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_LESSON:
      g_value_set_string (value, lab_lesson_chooser_get_lesson (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_lesson_chooser_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  LabLessonChooser *self = LAB_LESSON_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_LESSON:
      lab_lesson_chooser_set_lesson (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_lesson_chooser_dispose (GObject *object)
{
  LabLessonChooser *self = LAB_LESSON_CHOOSER (object);

  g_clear_pointer (&self->list, gtk_widget_unparent);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->ids, g_ptr_array_unref);

  G_OBJECT_CLASS (lab_lesson_chooser_parent_class)->dispose (object);
}

static void
lab_lesson_chooser_class_init (LabLessonChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_lesson_chooser_dispose;
  object_class->get_property = lab_lesson_chooser_get_property;
  object_class->set_property = lab_lesson_chooser_set_property;

  /* The chosen lesson's id, or "" for a free experiment; an unknown id
   * chooses the free experiment. */
  properties[PROP_LESSON] =
    g_param_spec_string ("lesson", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
lab_lesson_chooser_init (LabLessonChooser *self)
{
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  self->checks = g_ptr_array_new ();
  self->ids = g_ptr_array_new_with_free_func (g_free);
  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list, "boxed-list");
  gtk_widget_add_css_class (self->list, "lesson-chooser");
  gtk_widget_set_parent (self->list, GTK_WIDGET (self));

  add_row (self, "", _("None — a free experiment"));
  /* The registry's order is the seeds' order. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf (_("%s (seed %s)"), _(lessons[i].title),
                                                lessons[i].seed);
      add_row (self, lessons[i].id, title);
    }
  gtk_check_button_set_active (g_ptr_array_index (self->checks, 0), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Lesson"), -1);
}

GtkWidget *
lab_lesson_chooser_new (void)
{
  return g_object_new (LAB_TYPE_LESSON_CHOOSER, NULL);
}

const char *
lab_lesson_chooser_get_lesson (LabLessonChooser *self)
{
  g_return_val_if_fail (LAB_IS_LESSON_CHOOSER (self), "");

  return g_ptr_array_index (self->ids, self->selected);
}

void
lab_lesson_chooser_set_lesson (LabLessonChooser *self,
                               const char       *id)
{
  guint index = 0;

  g_return_if_fail (LAB_IS_LESSON_CHOOSER (self));

  for (guint i = 0; i < self->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->ids, i), id) == 0)
      index = i;

  /* Toggling the radio notifies "lesson" through on_toggled. */
  gtk_check_button_set_active (g_ptr_array_index (self->checks, index), TRUE);
}

/* The row at @index: 0 is the free experiment, then the lessons in order. */
GtkWidget *
lab_lesson_chooser_get_row (LabLessonChooser *self,
                            guint             index)
{
  g_return_val_if_fail (LAB_IS_LESSON_CHOOSER (self), NULL);

  return GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->list), index));
}
