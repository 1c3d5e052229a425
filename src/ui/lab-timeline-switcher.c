/* lab-timeline-switcher.c — the row above the timeline: which page is
 * shown, and a button that fits the run back into view
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A job has at most five mode pages, whose tabs fit a 1024-pixel projector;
 * a lesson has a page per step, and the bank lesson's six step titles made
 * a row of tabs 1,650 px wide, which widened the window past the screen.
 * So the tabs show only while they fit at their natural width; when they
 * do not, a menu of the same pages takes their place (AdwSqueezer picks),
 * and shows the title of the page on screen, so a teacher still sees
 * which step the class is looking at.  The lesson card's step rows select
 * pages too.
 */

#define G_LOG_DOMAIN "lab-timeline-switcher"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "lab-timeline.h"
#include "lab-timeline-switcher.h"

struct _LabTimelineSwitcher
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  GtkSelectionModel *pages;     /* the stack's, every page, shown or not */
  GtkWidget         *squeezer;
  GtkWidget         *tabs;      /* a GtkStackSwitcher */
  GtkWidget         *menu;      /* a GtkDropDown of the shown pages' titles */
  GtkWidget         *fit_button;
  GtkStringList     *titles;    /* the menu's items */
  GPtrArray         *children;  /* the stack child of each item, not owned */
  gboolean           syncing;   /* the menu follows the stack, not the other way */
};

G_DEFINE_FINAL_TYPE (LabTimelineSwitcher, lab_timeline_switcher, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- The menu follows the stack's pages ----------------------------------- */

static void
select_shown_page (LabTimelineSwitcher *self)
{
  GtkWidget *shown = gtk_stack_get_visible_child (self->stack);
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < self->children->len; i++)
    if (g_ptr_array_index (self->children, i) == shown)
      position = i;

  self->syncing = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->menu), position);
  self->syncing = FALSE;
}

/* The menu lists the pages the tabs would show: a mode's page only while
 * its mode is part of the job, as the stack switcher does. */
static void
rebuild (LabTimelineSwitcher *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) titles = NULL;

  g_ptr_array_set_size (self->children, 0);
  for (guint i = 0; i < n; i++)
    {
      GtkStackPage *page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (gtk_stack_page_get_visible (page))
        {
          g_ptr_array_add (self->children, gtk_stack_page_get_child (page));
          g_strv_builder_add (builder, gtk_stack_page_get_title (page) != NULL
                                       ? gtk_stack_page_get_title (page) : "");
        }
      g_object_unref (page);
    }
  titles = g_strv_builder_end (builder);

  self->syncing = TRUE;
  gtk_string_list_splice (self->titles, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->titles)),
                          (const char * const *) titles);
  self->syncing = FALSE;
  select_shown_page (self);
}

static void
on_pages_changed (LabTimelineSwitcher *self,
                  guint                position,
                  guint                removed,
                  guint                added)
{
  /* A page that comes or goes, or changes its title, changes the menu. */
  for (guint i = position; i < position + added; i++)
    {
      GtkStackPage *page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      g_signal_connect_object (page, "notify::visible", G_CALLBACK (rebuild), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (page, "notify::title", G_CALLBACK (rebuild), self,
                               G_CONNECT_SWAPPED);
      g_object_unref (page);
    }
  rebuild (self);
}

static void
on_menu_selected (LabTimelineSwitcher *self)
{
  guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->menu));

  if (self->syncing || self->stack == NULL || selected >= self->children->len)
    return;
  gtk_stack_set_visible_child (self->stack, g_ptr_array_index (self->children, selected));
}

/* ---- The menu's rows -------------------------------------------------------- */

static void
setup_item (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  /* On the button the title gives way before the row does; in the list
   * that opens, every title is whole. */
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (GPOINTER_TO_INT (ellipsize))
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_item (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkStringObject *title = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (title));
}

static GtkListItemFactory *
make_factory (gboolean ellipsize)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_item), GINT_TO_POINTER (ellipsize));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item), NULL);
  return factory;
}

/* ---- Fit ---------------------------------------------------------------------- */

static GtkWidget *
find_timeline (GtkWidget *root)
{
  if (LAB_IS_TIMELINE (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_timeline (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The shown page's timeline back to the whole run: its own timeline.fit
 * action (0 or Home on the timeline), from a button a class can see. */
void
lab_timeline_switcher_fit (LabTimelineSwitcher *self)
{
  GtkWidget *page, *timeline;

  g_return_if_fail (LAB_IS_TIMELINE_SWITCHER (self));

  if (self->stack == NULL || (page = gtk_stack_get_visible_child (self->stack)) == NULL)
    return;
  if ((timeline = find_timeline (page)) != NULL)
    gtk_widget_activate_action (timeline, "timeline.fit", NULL);
}

/* ---- The widget -------------------------------------------------------------- */

GtkWidget *
lab_timeline_switcher_new (void)
{
  return g_object_new (LAB_TYPE_TIMELINE_SWITCHER, NULL);
}

GtkStack *
lab_timeline_switcher_get_stack (LabTimelineSwitcher *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_SWITCHER (self), NULL);

  return self->stack;
}

static void
disconnect_stack (LabTimelineSwitcher *self)
{
  if (self->pages != NULL)
    g_signal_handlers_disconnect_by_data (self->pages, self);
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_data (self->stack, self);
  g_clear_object (&self->pages);
  g_clear_object (&self->stack);
}

void
lab_timeline_switcher_set_stack (LabTimelineSwitcher *self,
                                 GtkStack            *stack)
{
  g_return_if_fail (LAB_IS_TIMELINE_SWITCHER (self));
  g_return_if_fail (stack == NULL || GTK_IS_STACK (stack));

  if (self->stack == stack)
    return;

  disconnect_stack (self);
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (self->tabs), stack);
  if (stack != NULL)
    {
      guint n;

      self->stack = g_object_ref (stack);
      self->pages = gtk_stack_get_pages (stack);
      n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));
      g_signal_connect_swapped (self->pages, "items-changed", G_CALLBACK (on_pages_changed), self);
      g_signal_connect_swapped (stack, "notify::visible-child", G_CALLBACK (select_shown_page),
                                self);
      on_pages_changed (self, 0, 0, n);
    }
  else
    {
      g_ptr_array_set_size (self->children, 0);
      gtk_string_list_splice (self->titles, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (self->titles)), NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STACK]);
}

/* Whether the pages are a menu, because their tabs do not fit. */
gboolean
lab_timeline_switcher_get_folded (LabTimelineSwitcher *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_SWITCHER (self), FALSE);

  return adw_squeezer_get_visible_child (ADW_SQUEEZER (self->squeezer)) == self->menu;
}

GtkDropDown *
lab_timeline_switcher_get_menu (LabTimelineSwitcher *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_SWITCHER (self), NULL);

  return GTK_DROP_DOWN (self->menu);
}

GtkWidget *
lab_timeline_switcher_get_tabs (LabTimelineSwitcher *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_SWITCHER (self), NULL);

  return self->tabs;
}

GtkWidget *
lab_timeline_switcher_get_fit_button (LabTimelineSwitcher *self)
{
  g_return_val_if_fail (LAB_IS_TIMELINE_SWITCHER (self), NULL);

  return self->fit_button;
}

static void
lab_timeline_switcher_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  LabTimelineSwitcher *self = LAB_TIMELINE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      g_value_set_object (value, self->stack);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_timeline_switcher_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  LabTimelineSwitcher *self = LAB_TIMELINE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      lab_timeline_switcher_set_stack (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_timeline_switcher_dispose (GObject *object)
{
  LabTimelineSwitcher *self = LAB_TIMELINE_SWITCHER (object);

  disconnect_stack (self);
  g_clear_pointer (&self->squeezer, gtk_widget_unparent);
  g_clear_pointer (&self->fit_button, gtk_widget_unparent);
  self->tabs = NULL;
  self->menu = NULL;

  G_OBJECT_CLASS (lab_timeline_switcher_parent_class)->dispose (object);
}

static void
lab_timeline_switcher_finalize (GObject *object)
{
  LabTimelineSwitcher *self = LAB_TIMELINE_SWITCHER (object);

  g_clear_object (&self->titles);
  g_clear_pointer (&self->children, g_ptr_array_unref);

  G_OBJECT_CLASS (lab_timeline_switcher_parent_class)->finalize (object);
}

static void
lab_timeline_switcher_class_init (LabTimelineSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = lab_timeline_switcher_get_property;
  object_class->set_property = lab_timeline_switcher_set_property;
  object_class->dispose = lab_timeline_switcher_dispose;
  object_class->finalize = lab_timeline_switcher_finalize;

  properties[PROP_STACK] =
    g_param_spec_object ("stack", NULL, NULL, GTK_TYPE_STACK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "timelineswitcher");
}

static void
lab_timeline_switcher_init (LabTimelineSwitcher *self)
{
  g_autoptr(GtkListItemFactory) button_factory = make_factory (TRUE);
  g_autoptr(GtkListItemFactory) list_factory = make_factory (FALSE);

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                              6);
  self->children = g_ptr_array_new ();
  self->titles = gtk_string_list_new (NULL);

  /* The tabs first: the squeezer shows the first child that fits at its
   * natural width, and the menu, which can shrink, when none does. */
  self->squeezer = adw_squeezer_new ();
  adw_squeezer_set_switch_threshold_policy (ADW_SQUEEZER (self->squeezer),
                                            ADW_FOLD_THRESHOLD_POLICY_NATURAL);
  adw_squeezer_set_transition_type (ADW_SQUEEZER (self->squeezer),
                                    ADW_SQUEEZER_TRANSITION_TYPE_NONE);
  adw_squeezer_set_homogeneous (ADW_SQUEEZER (self->squeezer), FALSE);
  gtk_widget_set_hexpand (self->squeezer, TRUE);
  gtk_widget_set_parent (self->squeezer, GTK_WIDGET (self));

  self->tabs = gtk_stack_switcher_new ();
  gtk_widget_set_halign (self->tabs, GTK_ALIGN_END);
  adw_squeezer_add (ADW_SQUEEZER (self->squeezer), self->tabs);

  self->menu = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->titles)), NULL);
  gtk_drop_down_set_factory (GTK_DROP_DOWN (self->menu), button_factory);
  gtk_drop_down_set_list_factory (GTK_DROP_DOWN (self->menu), list_factory);
  gtk_widget_set_halign (self->menu, GTK_ALIGN_END);
  gtk_widget_set_tooltip_text (self->menu, _("Choose the timeline page to show."));
  g_signal_connect_swapped (self->menu, "notify::selected", G_CALLBACK (on_menu_selected), self);
  adw_squeezer_add (ADW_SQUEEZER (self->squeezer), self->menu);

  self->fit_button = gtk_button_new_with_label (_("Fit"));
  gtk_widget_set_tooltip_text (self->fit_button,
                               _("Show the whole run again (0 or Home on the timeline)."));
  gtk_widget_set_valign (self->fit_button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->fit_button, "clicked", G_CALLBACK (lab_timeline_switcher_fit),
                            self);
  gtk_widget_set_parent (self->fit_button, GTK_WIDGET (self));
}
