/* lab-presentation.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window in front of a class: presentation mode (F11) goes full screen
 * and folds the setup away; Ctrl+plus, Ctrl+minus and Ctrl+0 scale the text
 * of the lesson card, the timeline and the timings (remembered); a
 * presenter's remote (PageDown, PageUp) steps through a lesson —
 * explanation, the question to predict, the run, the verdict — and on to
 * the next one; B blanks the screen while the class talks.
 */

#define G_LOG_DOMAIN "lab-presentation"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-lesson.h"
#include "lab-lesson-card.h"
#include "lab-presentation.h"
#include "lab-window.h"

/* Ctrl+plus climbs this ladder, Ctrl+minus walks it down. */
static const double scales[] = { 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0 };

struct _LabPresentation
{
  GObject          parent_instance;

  GtkWindow       *window;      /* owns us */
  AdwFlap         *flap;
  GtkWidget       *content;
  GtkWidget       *blank;
  GtkWidget       *lesson_card;
  GSettings       *settings;
  GtkCssProvider  *provider;

  gboolean         presenting;
  LabClassStage         stage;
  double           fit;         /* the extra text size a big window earns */
  double           applied;     /* the scale the content is drawn at */
  guint            fit_idle_id;
  gboolean         allocated;   /* the window has been laid out once */
  gboolean         flap_pending;
};

G_DEFINE_FINAL_TYPE (LabPresentation, lab_presentation, G_TYPE_OBJECT)

/* ---- Text size ----------------------------------------------------------- */

/* Presentation mode remembers its own size: larger by default, and a
 * teacher's choice for the projector does not change the desk's. */
static const char *
scale_key (LabPresentation *self)
{
  return self->presenting ? "presentation-scale" : "text-scale";
}

/* The text of the content pane grows through -gtk-dpi, which every font
 * size in points follows and every child inherits (headings, and the
 * timeline's Pango context); the pane's own font size is restated in
 * points, or the body text would keep the size inherited from the window. */
static void
apply_scale (LabPresentation *self)
{
  double scale = g_settings_get_double (self->settings, scale_key (self)) * self->fit;
  GtkSettings *settings = gtk_widget_get_settings (self->content);
  g_autofree char *font_name = NULL;
  g_autoptr(PangoFontDescription) font = NULL;
  int xft_dpi = 0;
  double size;
  char dpi_text[G_ASCII_DTOSTR_BUF_SIZE], size_text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *css = NULL;

  if (scale == self->applied)
    return;
  self->applied = scale;

  g_object_get (settings, "gtk-xft-dpi", &xft_dpi, "gtk-font-name", &font_name, NULL);
  font = pango_font_description_from_string (font_name != NULL ? font_name : "Sans 10");
  size = (double) pango_font_description_get_size (font) / PANGO_SCALE;
  if (size <= 0)
    size = 10;
  g_ascii_formatd (dpi_text, sizeof dpi_text, "%.1f", (xft_dpi > 0 ? xft_dpi / 1024.0 : 96.0) * scale);
  if (pango_font_description_get_size_is_absolute (font))
    {
      g_ascii_formatd (size_text, sizeof size_text, "%.1f", size * scale);
      css = g_strdup_printf ("* { -gtk-dpi: %s; font-size: %spx; }", dpi_text, size_text);
    }
  else
    {
      g_ascii_formatd (size_text, sizeof size_text, "%.1f", size);
      css = g_strdup_printf ("* { -gtk-dpi: %s; font-size: %spt; }", dpi_text, size_text);
    }
  gtk_css_provider_load_from_data (self->provider, css, -1);
}

static void
zoom (LabPresentation *self,
      int              direction)
{
  double current = g_settings_get_double (self->settings, scale_key (self));
  double next = scales[0];

  if (direction > 0)
    {
      next = scales[G_N_ELEMENTS (scales) - 1];
      for (guint i = G_N_ELEMENTS (scales); i-- > 0;)
        if (scales[i] > current + 0.01)
          next = scales[i];
    }
  else if (direction < 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
        if (scales[i] < current - 0.01)
          next = scales[i];
    }

  g_settings_set_double (self->settings, scale_key (self), next);
}

static void
zoom_in (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  zoom (user_data, 1);
}

static void
zoom_out (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  zoom (user_data, -1);
}

static void
zoom_reset (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  zoom (user_data, 0);
}

static void apply_flap (LabPresentation *self);

static gboolean
apply_fit (gpointer user_data)
{
  LabPresentation *self = user_data;

  self->fit_idle_id = 0;
  if (self->flap_pending)
    apply_flap (self);
  apply_scale (self);
  return G_SOURCE_REMOVE;
}

/* A 1920×1080 panel gets larger text rather than wider gaps: the fit
 * grows with the window past 1280×800, in steps of an eighth, so a resize
 * by a few pixels restyles nothing; 1.25 at 1920×1080, at most 1.5. */
double
lab_presentation_fit_for_size (int width,
                               int height)
{
  double ratio = MIN (width / 1280.0, height / 800.0);

  return CLAMP (floor (ratio * 8) / 8, 1.0, 1.5);
}

void
lab_presentation_resized (LabPresentation *self,
                          int              width,
                          int              height)
{
  /* Only the text size follows the window here: how the height is split
   * between the card and the timeline is lab-card-split.c's layout, the
   * same rule at every text size (the larger text simply needs more). */
  double fit = lab_presentation_fit_for_size (width, height);

  g_return_if_fail (LAB_IS_PRESENTATION (self));

  self->allocated = TRUE;
  if (fit == self->fit && !self->flap_pending)
    return;
  self->fit = fit;
  /* Not while the window is being laid out: restyling queues a new
   * layout, which belongs to the next frame. */
  if (self->fit_idle_id == 0)
    self->fit_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, apply_fit, self, NULL);
}

/* ---- A lesson, step by step ------------------------------------------------ */

static void
set_opacity (LabPresentation *self,
             const char      *child,
             gboolean         shown)
{
  GObject *widget = gtk_widget_get_template_child (self->lesson_card, LAB_TYPE_LESSON_CARD, child);

  /* Opacity, not visibility: the card keeps its size, so nothing jumps on
   * the projector when the question or the verdict appears. */
  if (GTK_IS_WIDGET (widget))
    gtk_widget_set_opacity (GTK_WIDGET (widget), shown ? 1.0 : 0.0);
}

static void
apply_stage (LabPresentation *self)
{
  LabClassStage stage = self->presenting ? self->stage : LAB_CLASS_VERDICT;

  set_opacity (self, "lesson_question", stage >= LAB_CLASS_PREDICT);
  set_opacity (self, "lesson_steps", stage >= LAB_CLASS_RUN);
  set_opacity (self, "lesson_verdict", stage >= LAB_CLASS_VERDICT);
}

static void
set_stage (LabPresentation *self,
           LabClassStage         stage)
{
  self->stage = stage;
  apply_stage (self);
}

/* The index of the chosen lesson in the registry, or -1. */
static int
current_lesson (LabPresentation *self)
{
  g_autofree char *id = g_settings_get_string (self->settings, "lesson");
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (lessons[i].id, id))
      return i;
  return -1;
}

static gboolean
choose_lesson (LabPresentation *self,
               int              index)
{
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  if (index < 0 || index >= (int) n)
    return FALSE;
  g_settings_set_string (self->settings, "lesson", lessons[index].id);
  set_stage (self, LAB_CLASS_EXPLANATION);
  return TRUE;
}

static gboolean
running (LabPresentation *self)
{
  return lab_window_get_running (LAB_WINDOW (self->window));
}

static void
next_step (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  LabPresentation *self = user_data;
  int lesson = current_lesson (self);

  if (lesson < 0)
    {
      choose_lesson (self, 0);
      return;
    }

  switch (self->stage)
    {
    case LAB_CLASS_EXPLANATION:
      set_stage (self, LAB_CLASS_PREDICT);
      break;
    case LAB_CLASS_PREDICT:
      /* The run's start moves us on (on_running), if it starts. */
      gtk_widget_activate_action (GTK_WIDGET (self->window), "win.run", NULL);
      break;
    case LAB_CLASS_RUN:
      if (!running (self))
        set_stage (self, LAB_CLASS_VERDICT);
      break;
    case LAB_CLASS_VERDICT:
    default:
      choose_lesson (self, lesson + 1);
      break;
    }
}

static void
previous_step (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  LabPresentation *self = user_data;

  if (running (self))
    return;
  if (self->stage > LAB_CLASS_EXPLANATION)
    set_stage (self, self->stage - 1);
  else if (choose_lesson (self, current_lesson (self) - 1))
    set_stage (self, LAB_CLASS_VERDICT);
}

static void
on_running (LabPresentation *self)
{
  if (running (self) && current_lesson (self) >= 0)
    set_stage (self, LAB_CLASS_RUN);
}

static void
on_lesson_changed (LabPresentation *self)
{
  set_stage (self, LAB_CLASS_EXPLANATION);
}

/* ---- Blank screen ---------------------------------------------------------- */

static void
set_blanked (LabPresentation *self,
             gboolean         blanked)
{
  gtk_widget_set_visible (self->blank, blanked);
}

static void
blank (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  LabPresentation *self = user_data;

  set_blanked (self, !lab_presentation_get_blanked (self));
}

/* ---- Presentation mode ----------------------------------------------------- */

static void
present (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  LabPresentation *self = user_data;

  lab_presentation_set_presenting (self, !self->presenting);
}

static const GActionEntry actions[] = {
  { "present", present, NULL, "false" },
  { "zoom-in", zoom_in },
  { "zoom-out", zoom_out },
  { "zoom-reset", zoom_reset },
  { "next-step", next_step },
  { "previous-step", previous_step },
  { "blank", blank },
};

/* While blanked, any key brings the screen back (and does nothing else);
 * while presenting, the remote's keys step and B blanks. */
gboolean
lab_presentation_key (LabPresentation *self,
                      guint            keyval,
                      GdkModifierType  state)
{
  g_return_val_if_fail (LAB_IS_PRESENTATION (self), FALSE);

  if (lab_presentation_get_blanked (self))
    {
      set_blanked (self, FALSE);
      return TRUE;
    }

  if (!self->presenting || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      next_step (NULL, NULL, self);
      return TRUE;
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      previous_step (NULL, NULL, self);
      return TRUE;
    case GDK_KEY_b:
    case GDK_KEY_B:
      set_blanked (self, TRUE);
      return TRUE;
    case GDK_KEY_Escape:
      /* Escape cancels a run first; when nothing runs, it ends the show. */
      if (running (self))
        return FALSE;
      lab_presentation_set_presenting (self, FALSE);
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                LabPresentation       *self)
{
  return lab_presentation_key (self, keyval, state);
}

static void
on_blank_clicked (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  LabPresentation *self)
{
  set_blanked (self, FALSE);
}

static void
lab_presentation_dispose (GObject *object)
{
  LabPresentation *self = LAB_PRESENTATION (object);

  g_clear_handle_id (&self->fit_idle_id, g_source_remove);
  if (self->content != NULL)
    gtk_style_context_remove_provider (gtk_widget_get_style_context (self->content),
                                       GTK_STYLE_PROVIDER (self->provider));
  self->content = NULL;
  g_clear_object (&self->provider);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lab_presentation_parent_class)->dispose (object);
}

static void
lab_presentation_class_init (LabPresentationClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lab_presentation_dispose;
}

static void
lab_presentation_init (LabPresentation *self)
{
  self->fit = 1.0;
  self->stage = LAB_CLASS_EXPLANATION;
}

/* @window owns the result; the widgets are @window's. */
LabPresentation *
lab_presentation_new (GtkWindow *window,
                      AdwFlap   *flap,
                      GtkWidget *content,
                      GtkWidget *blank_screen,
                      GtkWidget *lesson_card,
                      GSettings *settings)
{
  LabPresentation *self;
  GtkEventController *keys;
  GtkGesture *click;

  g_return_val_if_fail (LAB_IS_WINDOW (window), NULL);
  g_return_val_if_fail (ADW_IS_FLAP (flap), NULL);

  self = g_object_new (LAB_TYPE_PRESENTATION, NULL);
  self->window = window;
  self->flap = flap;
  self->content = content;
  self->blank = blank_screen;
  self->lesson_card = lesson_card;
  self->settings = g_object_ref (settings);
  self->applied = -1;

  /* A provider on the content pane's own style context: its rule applies
   * to the pane alone, and -gtk-dpi is inherited by everything in it, so
   * the setup sidebar and the header keep their size. */
  self->provider = gtk_css_provider_new ();
  gtk_style_context_add_provider (gtk_widget_get_style_context (content),
                                  GTK_STYLE_PROVIDER (self->provider),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  apply_scale (self);

  g_action_map_add_action_entries (G_ACTION_MAP (window), actions, G_N_ELEMENTS (actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (!g_str_has_prefix (actions[i].name, "zoom") && !g_str_equal (actions[i].name, "present"))
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (window),
                                                                                actions[i].name)),
                                   FALSE);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), keys);

  click = gtk_gesture_click_new ();
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_blank_clicked), self, 0);
  gtk_widget_add_controller (blank_screen, GTK_EVENT_CONTROLLER (click));

  g_signal_connect_object (settings, "changed::text-scale", G_CALLBACK (apply_scale), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::presentation-scale", G_CALLBACK (apply_scale), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::lesson", G_CALLBACK (on_lesson_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "notify::running", G_CALLBACK (on_running), self,
                           G_CONNECT_SWAPPED);
  return self;
}

gboolean
lab_presentation_get_presenting (LabPresentation *self)
{
  g_return_val_if_fail (LAB_IS_PRESENTATION (self), FALSE);

  return self->presenting;
}

/* Folds the setup away, or lets it unfold again if there is room.  Not
 * before the window's first layout: AdwFlap 1.2 slides the setup by its
 * last allocated width, and a width of 0 then makes its position NaN (a
 * warning, and one frame with a bogus allocation). */
static void
apply_flap (LabPresentation *self)
{
  if (!self->allocated)
    {
      self->flap_pending = TRUE;
      return;
    }
  self->flap_pending = FALSE;

  if (self->presenting)
    {
      adw_flap_set_fold_policy (self->flap, ADW_FLAP_FOLD_POLICY_ALWAYS);
      adw_flap_set_reveal_flap (self->flap, FALSE);
    }
  else
    {
      adw_flap_set_fold_policy (self->flap, ADW_FLAP_FOLD_POLICY_AUTO);
      if (!adw_flap_get_folded (self->flap))
        adw_flap_set_reveal_flap (self->flap, TRUE);
    }
}

/* Full screen, the setup folded away (the header's sidebar button still
 * opens it over the content), and a "presenting" class on the window for
 * rules that want full contrast. */
void
lab_presentation_set_presenting (LabPresentation *self,
                                 gboolean         presenting)
{
  GActionMap *map;

  g_return_if_fail (LAB_IS_PRESENTATION (self));

  presenting = !!presenting;
  if (self->presenting == presenting)
    return;
  self->presenting = presenting;

  map = G_ACTION_MAP (self->window);
  g_simple_action_set_state (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "present")),
                             g_variant_new_boolean (presenting));
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_str_has_suffix (actions[i].name, "-step") || g_str_equal (actions[i].name, "blank"))
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, actions[i].name)),
                                   presenting);

  if (presenting)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->window), "presenting");
      gtk_window_fullscreen (self->window);
    }
  else
    {
      set_blanked (self, FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->window), "presenting");
      gtk_window_unfullscreen (self->window);
    }
  apply_flap (self);
  apply_stage (self);
  apply_scale (self);
}

/* The scale the content is drawn at: the remembered text scale times what
 * a big window adds. */
double
lab_presentation_get_scale (LabPresentation *self)
{
  g_return_val_if_fail (LAB_IS_PRESENTATION (self), 1.0);

  return self->applied;
}

LabClassStage
lab_presentation_get_stage (LabPresentation *self)
{
  g_return_val_if_fail (LAB_IS_PRESENTATION (self), LAB_CLASS_EXPLANATION);

  return self->stage;
}

gboolean
lab_presentation_get_blanked (LabPresentation *self)
{
  g_return_val_if_fail (LAB_IS_PRESENTATION (self), FALSE);

  return gtk_widget_get_visible (self->blank);
}
