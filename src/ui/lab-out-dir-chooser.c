/* lab-out-dir-chooser.c — the folder the pipeline saves into
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's "Save into" row: it shows the "out-dir" setting, and a
 * folder picked in the file chooser goes into that setting.  The "message"
 * signal has a sentence for the window (a toast, or an error).
 */

#define G_LOG_DOMAIN "lab-out-dir-chooser"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-out-dir-chooser.h"

struct _LabOutDirChooser
{
  GObject               parent_instance;

  GtkWindow            *parent;    /* borrowed: the window owns us */
  GSettings            *settings;
  AdwActionRow         *row;       /* borrowed, as the parent */
  GtkFileChooserNative *dialog;
};

G_DEFINE_FINAL_TYPE (LabOutDirChooser, lab_out_dir_chooser, G_TYPE_OBJECT)

enum {
  MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_row (LabOutDirChooser *self)
{
  g_autofree char *dir = g_settings_get_string (self->settings, "out-dir");

  if (*dir == '\0')
    adw_action_row_set_subtitle (self->row, _("A temporary folder, removed when the window closes"));
  else
    {
      g_autofree char *shown = g_filename_display_name (dir);
      adw_action_row_set_subtitle (self->row, shown);
    }
}

static void
chosen_cb (GtkNativeDialog  *dialog,
           int               response,
           LabOutDirChooser *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        {
          g_settings_set_string (self->settings, "out-dir", path);
          g_signal_emit (self, signals[MESSAGE], 0,
                         _("Files will be saved into the chosen folder."), FALSE);
        }
      else
        g_signal_emit (self, signals[MESSAGE], 0,
                       _("That folder has no local path; choose another one."), TRUE);
    }

  g_clear_object (&self->dialog);
}

/* Through the file-chooser portal in a Flatpak: the app needs no access
 * to the user's files beyond the folder picked here. */
void
lab_out_dir_chooser_choose (LabOutDirChooser *self)
{
  g_return_if_fail (LAB_IS_OUT_DIR_CHOOSER (self));

  if (self->dialog != NULL)
    return;

  self->dialog = gtk_file_chooser_native_new (_("Save Into Folder"), self->parent,
                                              GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                              _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->dialog), TRUE);
  g_signal_connect (self->dialog, "response", G_CALLBACK (chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->dialog));
}

static void
lab_out_dir_chooser_dispose (GObject *object)
{
  LabOutDirChooser *self = LAB_OUT_DIR_CHOOSER (object);

  if (self->dialog != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->dialog));
  g_clear_object (&self->dialog);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lab_out_dir_chooser_parent_class)->dispose (object);
}

static void
lab_out_dir_chooser_class_init (LabOutDirChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_out_dir_chooser_dispose;

  /* A sentence for the window: message, and whether it is an error. */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
lab_out_dir_chooser_init (LabOutDirChooser *self)
{
}

/* Keeps @row's subtitle on @settings' "out-dir"; the file chooser is
 * modal to @parent.  Both must outlive the result. */
LabOutDirChooser *
lab_out_dir_chooser_new (GtkWindow    *parent,
                         GSettings    *settings,
                         AdwActionRow *row)
{
  LabOutDirChooser *self;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (ADW_IS_ACTION_ROW (row), NULL);

  self = g_object_new (LAB_TYPE_OUT_DIR_CHOOSER, NULL);
  self->parent = parent;
  self->settings = g_object_ref (settings);
  self->row = row;
  g_signal_connect_object (settings, "changed::out-dir", G_CALLBACK (update_row), self,
                           G_CONNECT_SWAPPED);
  update_row (self);
  return self;
}
