/* lab-setup-panel.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The setup sidebar: a seed lesson, or a free experiment's job, mode,
 * sizes and Python's rules, all remembered in GSettings.  The window asks
 * it for the plan to run; the panel shows only the rows the chosen job
 * and mode use, and lets nothing change under a run.
 */

#define G_LOG_DOMAIN "lab-setup-panel"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-lesson-chooser.h"
#include "lab-setup-panel.h"

static const struct {
  const char *name;
  const char *title;
  const char *stage;   /* its column in the timings */
  const char *button;  /* what the primary button does */
} jobs[] = {
  /* Seed 003's pair of buttons: "Download" and "About"; the other jobs'
   * buttons name their one verb.  The plain download fetches the same
   * files from the same built-in server without saving or hashing them:
   * one stage, so it can travel as jobs to the distributed workers, which
   * the pipeline's later stages cannot. */
  { "pipeline", N_("Download, save and hash"), NULL, N_("_Download") },
  { "download", N_("Download (from the built-in server)"), N_("Download"), N_("_Download") },
  { "sleep", N_("Wait (like a query or a download)"), N_("Wait"), N_("Wait") },
  { "cpu",   N_("Compute (sum of 1..N)"),             N_("Compute"), N_("Compute") },
  { "hash",  N_("Hash (MD5 or SHA-256)"),             N_("Hash"), N_("Hash") },
};

/* "compare" runs every mode of this machine one after another on
 * identical inputs; then the modes in LabMode's order.  The distributed
 * mode is not part of "compare": it needs a broker (redis-server, or a
 * URL), and what it adds — the broker's cost per job, workers on other
 * machines — is the many-machines lesson's comparison, not a sixth row
 * of the same one. */
static const char * const mode_ids[] = { "compare", "sequential", "threads", "processes", "async",
                                         "processes-async", "distributed", NULL };
G_STATIC_ASSERT (G_N_ELEMENTS (mode_ids) == LAB_N_ALL_MODES + 2);

struct _LabSetupPanel
{
  AdwBin            parent_instance;

  LabLessonChooser *lesson_chooser;
  GtkWidget        *job_group;
  GtkWidget        *size_group;
  GtkWidget        *rules_group;
  AdwComboRow      *job_row;
  AdwComboRow      *mode_row;
  AdwComboRow      *algo_row;
  GtkSpinButton    *tasks_spin;
  GtkSpinButton    *workers_spin;
  GtkSpinButton    *task_ms_spin;
  GtkSpinButton    *size_spin;
  GtkSpinButton    *n_spin;
  GtkSpinButton    *latency_spin;
  GtkWidget        *latency_row;
  AdwActionRow     *out_dir_row;
  GtkWidget        *task_ms_row;
  GtkWidget        *size_row;
  GtkWidget        *n_row;
  GtkWidget        *gil_row;
  GtkSwitch        *gil_switch;
  GtkSwitch        *ui_thread_switch;
  GtkWidget        *broker_group;
  AdwEntryRow      *broker_row;
  GtkWidget        *serve_beyond_row;
  GtkSwitch        *serve_beyond_switch;
  AdwActionRow     *join_row;
  char             *join_command;   /* how one more worker joins the run's local broker */

  gboolean          running;
};

G_DEFINE_FINAL_TYPE (LabSetupPanel, lab_setup_panel, ADW_TYPE_BIN)

enum {
  LESSON_CHANGED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint
selected_job (LabSetupPanel *self)
{
  return MIN (adw_combo_row_get_selected (self->job_row), G_N_ELEMENTS (jobs) - 1);
}

static const char *
selected_mode_id (LabSetupPanel *self)
{
  guint mode = adw_combo_row_get_selected (self->mode_row);

  return mode < G_N_ELEMENTS (mode_ids) - 1 ? mode_ids[mode] : "compare";
}

/* The most workers the chosen mode's mechanism allows (lab-plan.h says
 * why each is what it is); "compare" runs every mode with one count, so
 * the smallest of them. */
static guint
workers_limit (const char *mode_id)
{
  LabMode mode;

  if (!lab_mode_from_string (mode_id, &mode))
    return LAB_MAX_PROCESS_WORKERS;

  switch (mode)
    {
    case LAB_MODE_THREADS:
      return LAB_MAX_THREADS;
    case LAB_MODE_ASYNC:
      return LAB_MAX_ASYNC_IN_FLIGHT;
    case LAB_MODE_PROCESSES:
    case LAB_MODE_PROCESSES_ASYNC:
    case LAB_MODE_DISTRIBUTED:   /* the local workers it starts without a broker URL */
      return LAB_MAX_PROCESS_WORKERS;
    case LAB_MODE_SEQUENTIAL:
    default:
      return LAB_MAX_WORKERS;
    }
}

/* The jobs that download from the built-in server (lab-run-controller-
 * server.c makes it for them). */
static gboolean
job_uses_server (const char *name)
{
  return g_str_equal (name, "pipeline") || g_str_equal (name, "download");
}

static void
lab_setup_panel_update (LabSetupPanel *self)
{
  const char *name = jobs[selected_job (self)].name;
  const char *mode = selected_mode_id (self);
  gboolean pipeline = g_str_equal (name, "pipeline");
  gboolean server = job_uses_server (name);
  gboolean lesson = lab_setup_panel_get_lesson (self) != NULL;
  GtkWidget *setup[] = { self->job_group, self->size_group, self->rules_group };

  gtk_widget_set_visible (self->task_ms_row, g_str_equal (name, "sleep"));
  gtk_widget_set_visible (self->size_row, g_str_equal (name, "hash") || server);
  gtk_widget_set_visible (GTK_WIDGET (self->algo_row), g_str_equal (name, "hash") || pipeline);
  gtk_widget_set_visible (self->latency_row, server);
  gtk_widget_set_visible (GTK_WIDGET (self->out_dir_row), pipeline);
  gtk_widget_set_visible (self->n_row, g_str_equal (name, "cpu"));
  /* The GIL is a property of Python threads. */
  gtk_widget_set_sensitive (self->gil_row, g_str_equal (mode, "compare")
                            || g_str_equal (mode, "threads"));
  {
    GtkAdjustment *workers = gtk_spin_button_get_adjustment (self->workers_spin);

    gtk_adjustment_set_upper (workers, workers_limit (mode));
    if (gtk_adjustment_get_value (workers) > workers_limit (mode))
      gtk_adjustment_set_value (workers, workers_limit (mode));
  }
  gtk_widget_set_visible (self->broker_group, !lesson && g_str_equal (mode, "distributed"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->broker_row), !self->running);
  /* The switch matters only to a distributed job that downloads from the
   * built-in server, which is the plain download alone: the pipeline uses
   * the server too, but cannot run distributed (its later stages do not
   * travel).  For the other jobs the row stays visible but insensitive,
   * with a tooltip saying why: a switch that vanished with the job would
   * leave the teacher wondering where it went. */
  gtk_widget_set_sensitive (self->serve_beyond_row,
                            g_str_equal (name, "download") && !self->running);
  gtk_widget_set_tooltip_text (self->serve_beyond_row,
                               g_str_equal (name, "download")
                               ? NULL
                               : _("Only the download job takes its files from the built-in "
                                   "server in the distributed mode."));

  /* A lesson sets up its own job and modes, so only the lesson's own
   * choice shows; and nothing changes under a run, or its rows and steps
   * would mix two setups under one title. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->lesson_chooser), !self->running);
  for (guint i = 0; i < G_N_ELEMENTS (setup); i++)
    {
      gtk_widget_set_visible (setup[i], !lesson);
      gtk_widget_set_sensitive (setup[i], !self->running);
    }
}

static void
on_changed (LabSetupPanel *self)
{
  lab_setup_panel_update (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_lesson_changed (LabSetupPanel *self)
{
  g_signal_emit (self, signals[LESSON_CHANGED], 0);
  on_changed (self);
}

static gboolean
string_to_selected (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char * const *ids = user_data;
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_str_equal (ids[i], id))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
selected_to_string (const GValue       *value,
                    const GVariantType *type,
                    gpointer            user_data)
{
  const char * const *ids = user_data;
  guint selected = g_value_get_uint (value);

  for (guint i = 0; ids[i] != NULL; i++)
    if (i == selected)
      return g_variant_new_string (ids[i]);

  return NULL;
}

static void
on_copy_join_command (LabSetupPanel *self)
{
  if (self->join_command != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->join_command);
}

static void
lab_setup_panel_finalize (GObject *object)
{
  LabSetupPanel *self = LAB_SETUP_PANEL (object);

  g_free (self->join_command);

  G_OBJECT_CLASS (lab_setup_panel_parent_class)->finalize (object);
}

static void
lab_setup_panel_class_init (LabSetupPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lab_setup_panel_finalize;

  /* The lesson, the job or the mode changed: what the window's button
   * says, and which of its panes show, may follow. */
  /* Another lesson, or none, is chosen. */
  signals[LESSON_CHANGED] = g_signal_new ("lesson-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (LAB_TYPE_LESSON_CHOOSER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concurrencylab/ConcurrencyLab/lab-setup-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, lesson_chooser);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, job_group);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, size_group);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, rules_group);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, job_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, mode_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, algo_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, tasks_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, workers_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, task_ms_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, size_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, n_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, latency_spin);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, latency_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, out_dir_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, task_ms_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, size_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, n_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, gil_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, gil_switch);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, ui_thread_switch);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, broker_group);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, broker_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, serve_beyond_row);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, serve_beyond_switch);
  gtk_widget_class_bind_template_child (widget_class, LabSetupPanel, join_row);
  /* Not kept in the struct; bound so that lab_setup_panel_get_widget ()
   * finds it for the tests. */
  gtk_widget_class_bind_template_child_full (widget_class, "join_copy_button", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_join_command);
}

static void
lab_setup_panel_init (LabSetupPanel *self)
{
  g_autoptr(GtkStringList) job_titles = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) mode_titles = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    gtk_string_list_append (job_titles, _(jobs[i].title));
  gtk_string_list_append (mode_titles, _("Compare all"));
  /* The one mode that needs something besides this app says what. */
  for (LabMode m = 0; m < LAB_N_ALL_MODES; m++)
    gtk_string_list_append (mode_titles, m == LAB_MODE_DISTRIBUTED ? _("Distributed (Redis)")
                                                                   : lab_mode_get_title (m));
  adw_combo_row_set_model (self->job_row, G_LIST_MODEL (job_titles));
  adw_combo_row_set_model (self->mode_row, G_LIST_MODEL (mode_titles));

  g_signal_connect_object (self->lesson_chooser, "notify::lesson", G_CALLBACK (on_lesson_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->job_row, "notify::selected", G_CALLBACK (on_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mode_row, "notify::selected", G_CALLBACK (on_changed), self,
                           G_CONNECT_SWAPPED);
  lab_setup_panel_update (self);
}

/* Every choice is remembered; the mode's before the workers', so their
 * count is clamped by the right mechanism's limit. */
void
lab_setup_panel_bind_settings (LabSetupPanel *self,
                               GSettings     *settings)
{
  static const char *job_ids[G_N_ELEMENTS (jobs) + 1];
  static const char *algo_ids[] = { "md5", "sha256", NULL };

  g_return_if_fail (LAB_IS_SETUP_PANEL (self));

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    job_ids[i] = jobs[i].name;

  g_settings_bind (settings, "lesson", self->lesson_chooser, "lesson", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "job", self->job_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                job_ids, NULL);
  g_settings_bind_with_mapping (settings, "mode", self->mode_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                (gpointer) mode_ids, NULL);
  g_settings_bind_with_mapping (settings, "algo", self->algo_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_selected, selected_to_string,
                                algo_ids, NULL);
  g_settings_bind (settings, "tasks", self->tasks_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "workers", self->workers_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "task-ms", self->task_ms_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "size-kib", self->size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "n-millions", self->n_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "latency-ms", self->latency_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "gil", self->gil_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "broker", self->broker_row, "text", G_SETTINGS_BIND_DEFAULT);
  /* Read by the run controller when it makes the server. */
  g_settings_bind (settings, "serve-beyond-loopback", self->serve_beyond_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* "Run on the UI thread" is deliberately not remembered: a window that
   * froze on the first Download of the next class would teach nothing. */

  lab_setup_panel_update (self);
}

void
lab_setup_panel_set_running (LabSetupPanel *self,
                             gboolean       running)
{
  g_return_if_fail (LAB_IS_SETUP_PANEL (self));

  self->running = !!running;
  lab_setup_panel_update (self);
}

/* The seed lesson chosen, or NULL for a free experiment. */
const LabLesson *
lab_setup_panel_get_lesson (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  return lab_lesson_find (lab_lesson_chooser_get_lesson (self->lesson_chooser));
}

LabPlan *
lab_setup_panel_dup_plan (LabSetupPanel *self)
{
  LabPlan *plan;

  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  plan = lab_plan_new (jobs[selected_job (self)].name);
  plan->tasks = gtk_spin_button_get_value_as_int (self->tasks_spin);
  plan->workers = gtk_spin_button_get_value_as_int (self->workers_spin);
  plan->task_ms = gtk_spin_button_get_value_as_int (self->task_ms_spin);
  plan->size = (guint64) gtk_spin_button_get_value_as_int (self->size_spin) * 1024;
  plan->n = (guint64) gtk_spin_button_get_value_as_int (self->n_spin) * 1000000;
  g_free (plan->algo);
  plan->algo = g_strdup (adw_combo_row_get_selected (self->algo_row) == 1 ? "sha256" : "md5");
  plan->gil = gtk_switch_get_active (self->gil_switch);
  if (g_str_equal (selected_mode_id (self), "distributed"))
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->broker_row));
      g_autofree char *broker = g_strstrip (g_strdup (text));

      /* Empty: the mode starts a broker of its own. */
      plan->broker = broker[0] != '\0' ? g_steal_pointer (&broker) : NULL;
    }

  return plan;
}

/* The modes a free experiment runs, in the order it runs them. */
guint
lab_setup_panel_get_modes (LabSetupPanel *self,
                           LabMode        modes[LAB_N_MODES])
{
  guint n_modes = 0;

  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), 0);

  if (!lab_mode_from_string (selected_mode_id (self), &modes[n_modes++]))
    for (n_modes = 0; n_modes < LAB_N_MODES; n_modes++)
      modes[n_modes] = n_modes;

  return n_modes;
}

/* The job's column in the timings, translated; NULL for the pipeline,
 * whose columns are its stages. */
const char *
lab_setup_panel_get_stage (LabSetupPanel *self)
{
  const char *stage;

  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  stage = jobs[selected_job (self)].stage;
  return stage ? _(stage) : NULL;
}

/* What the primary button does, with its mnemonic. */
const char *
lab_setup_panel_get_button_label (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  if (lab_setup_panel_get_lesson (self) != NULL)
    return _("_Start the lesson");
  return _(jobs[selected_job (self)].button);
}

/* Seed 003's own job, the pipeline: download, then the "About" button
 * beside it.  The plain download job is not seed 003's, so no "About". */
gboolean
lab_setup_panel_is_download_job (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), FALSE);

  return lab_setup_panel_get_lesson (self) == NULL
         && g_str_equal (jobs[selected_job (self)].name, "pipeline");
}

guint
lab_setup_panel_get_latency_ms (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), 0);

  return gtk_spin_button_get_value_as_int (self->latency_spin);
}

gboolean
lab_setup_panel_get_ui_thread (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), FALSE);

  return gtk_switch_get_active (self->ui_thread_switch);
}

AdwActionRow *
lab_setup_panel_get_out_dir_row (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  return self->out_dir_row;
}

/* While a run uses a broker it started itself, at @url (NULL once it is
 * over), the panel shows the command that adds one more worker to it. */
void
lab_setup_panel_set_local_broker (LabSetupPanel *self,
                                  const char    *url)
{
  g_return_if_fail (LAB_IS_SETUP_PANEL (self));

  g_clear_pointer (&self->join_command, g_free);
  if (url != NULL)
    self->join_command = g_strdup_printf ("concurrency-lab worker --broker=%s", url);
  adw_action_row_set_subtitle (self->join_row, self->join_command ? self->join_command : "");
  gtk_widget_set_visible (GTK_WIDGET (self->join_row), self->join_command != NULL);
}

/* The command that joins the run's local broker, or NULL. */
const char *
lab_setup_panel_get_join_command (LabSetupPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  return self->join_command;
}

/* One of the panel's rows or switches by its id in lab-setup-panel.ui
 * (the tests set them as a teacher would). */
GtkWidget *
lab_setup_panel_get_widget (LabSetupPanel *self,
                            const char    *name)
{
  g_return_val_if_fail (LAB_IS_SETUP_PANEL (self), NULL);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), LAB_TYPE_SETUP_PANEL, name));
}
