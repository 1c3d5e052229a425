/* lab-event-buffer.c — how workers tell the window what happens: small events
 * appended under a mutex, drained in batches once per frame
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "lab-event-buffer.h"

/* The event buffer: workers append under a mutex, the consumer swaps the
 * whole array out once per frame.  One lock per event and no main-loop
 * callback per event is what keeps a window smooth at 100k events/s. */
struct _LabEventBuffer
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GArray          *events;
};

/* The few events that carry text own a copy of it, freed with the array
 * the consumer drained. */
static void
clear_event (gpointer data)
{
  LabEvent *event = data;

  g_free ((char *) event->name);
  g_free ((char *) event->host);
}

static GArray *
new_events (guint size)
{
  GArray *events = g_array_sized_new (FALSE, FALSE, sizeof (LabEvent), size);

  g_array_set_clear_func (events, clear_event);
  return events;
}

LabEventBuffer *
lab_event_buffer_new (void)
{
  LabEventBuffer *self = g_new0 (LabEventBuffer, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->mutex);
  self->events = new_events (256);

  return self;
}

LabEventBuffer *
lab_event_buffer_ref (LabEventBuffer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
lab_event_buffer_unref (LabEventBuffer *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->events);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
lab_event_buffer_push (LabEventBuffer *self,
                       const LabEvent *event)
{
  LabEvent copy;

  g_return_if_fail (self != NULL);
  g_return_if_fail (event != NULL);

  copy = *event;
  copy.name = g_strdup (event->name);
  copy.host = g_strdup (event->host);
  g_mutex_lock (&self->mutex);
  g_array_append_vals (self->events, &copy, 1);
  g_mutex_unlock (&self->mutex);
}

/* @n_events events that belong together, in one go: nothing comes
 * between them in the buffer. */
void
lab_event_buffer_push_many (LabEventBuffer *self,
                            const LabEvent *events,
                            guint           n_events)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (events != NULL || n_events == 0);

  g_mutex_lock (&self->mutex);
  g_array_append_vals (self->events, events, n_events);
  /* The buffer's own copies of the strings, as lab_event_buffer_push (). */
  for (guint i = self->events->len - n_events; i < self->events->len; i++)
    {
      LabEvent *copy = &g_array_index (self->events, LabEvent, i);

      copy->name = g_strdup (copy->name);
      copy->host = g_strdup (copy->host);
    }
  g_mutex_unlock (&self->mutex);
}

/* Returns every event pushed since the last drain, oldest first. */
GArray *
lab_event_buffer_drain (LabEventBuffer *self)
{
  GArray *drained;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  drained = self->events;
  self->events = new_events (MAX (256, drained->len));
  g_mutex_unlock (&self->mutex);

  return drained;
}
