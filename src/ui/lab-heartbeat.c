/* lab-heartbeat.c — is the window alive?
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A timer asks the UI thread to beat every 10 ms.  A free UI thread answers
 * on time; a busy one answers late, and the lateness is exactly how long
 * the window could not react to a click or redraw itself.  When the UI
 * thread was blocked for a whole second, the next beat comes a second late.
 */

#define G_LOG_DOMAIN "lab-heartbeat"

#include "config.h"

#include "lab-heartbeat.h"

struct _LabHeartbeat
{
  GObject  parent_instance;

  guint    timer_id;
  gint64   last_beat_us;
  gint64   current_us;
  gint64   worst_us;
};

enum {
  PROP_0,
  PROP_CURRENT_US,
  PROP_WORST_US,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (LabHeartbeat, lab_heartbeat, G_TYPE_OBJECT)

static gboolean
lab_heartbeat_beat (gpointer data)
{
  LabHeartbeat *self = data;
  gint64 now = g_get_monotonic_time ();
  gint64 late = MAX (0, now - self->last_beat_us - LAB_HEARTBEAT_INTERVAL_MS * 1000);

  self->last_beat_us = now;

  if (late != self->current_us)
    {
      self->current_us = late;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_US]);
    }

  if (late > self->worst_us)
    {
      self->worst_us = late;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORST_US]);
    }

  return G_SOURCE_CONTINUE;
}

static void
lab_heartbeat_dispose (GObject *object)
{
  LabHeartbeat *self = LAB_HEARTBEAT (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);

  G_OBJECT_CLASS (lab_heartbeat_parent_class)->dispose (object);
}

static void
lab_heartbeat_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LabHeartbeat *self = LAB_HEARTBEAT (object);

  switch (prop_id)
    {
    case PROP_CURRENT_US:
      g_value_set_int64 (value, self->current_us);
      break;

    case PROP_WORST_US:
      g_value_set_int64 (value, self->worst_us);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_heartbeat_class_init (LabHeartbeatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_heartbeat_dispose;
  object_class->get_property = lab_heartbeat_get_property;

  properties[PROP_CURRENT_US] =
    g_param_spec_int64 ("current-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WORST_US] =
    g_param_spec_int64 ("worst-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lab_heartbeat_init (LabHeartbeat *self)
{
}

/* Stopped until lab_heartbeat_start (): a window beats once it is on the
 * screen, so building it is not counted as a freeze. */
LabHeartbeat *
lab_heartbeat_new (void)
{
  return g_object_new (LAB_TYPE_HEARTBEAT, NULL);
}

/* Starts beating, from now; the worst stall so far is forgotten. */
void
lab_heartbeat_start (LabHeartbeat *self)
{
  g_return_if_fail (LAB_IS_HEARTBEAT (self));

  if (self->timer_id != 0)
    return;

  lab_heartbeat_reset_worst (self);
  /* Above redraw priority, like input: we measure the thread, not GTK's
   * drawing schedule. */
  self->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, LAB_HEARTBEAT_INTERVAL_MS,
                                       lab_heartbeat_beat, self, NULL);
  g_source_set_name_by_id (self->timer_id, "[lab] heartbeat");
}

/* A hidden window cannot freeze in front of anyone: no beats until the
 * next lab_heartbeat_start (). */
void
lab_heartbeat_stop (LabHeartbeat *self)
{
  g_return_if_fail (LAB_IS_HEARTBEAT (self));

  g_clear_handle_id (&self->timer_id, g_source_remove);
}

gboolean
lab_heartbeat_is_beating (LabHeartbeat *self)
{
  g_return_val_if_fail (LAB_IS_HEARTBEAT (self), FALSE);

  return self->timer_id != 0;
}

/* Start a new "worst" for a new run. */
void
lab_heartbeat_reset_worst (LabHeartbeat *self)
{
  g_return_if_fail (LAB_IS_HEARTBEAT (self));

  self->last_beat_us = g_get_monotonic_time ();
  self->worst_us = 0;
  self->current_us = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORST_US]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_US]);
}

gint64
lab_heartbeat_get_current_us (LabHeartbeat *self)
{
  g_return_val_if_fail (LAB_IS_HEARTBEAT (self), 0);

  return self->current_us;
}

gint64
lab_heartbeat_get_worst_us (LabHeartbeat *self)
{
  g_return_val_if_fail (LAB_IS_HEARTBEAT (self), 0);

  return self->worst_us;
}
