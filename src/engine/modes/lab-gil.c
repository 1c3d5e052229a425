/* lab-gil.c — an emulation of CPython's global interpreter lock
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In C, threads really do compute in parallel.  To show the class what the
 * same threads do in Python, this models the lock of CPython 3.2+
 * (Python/ceval_gil.h) step by step:
 *
 *  - A thread must hold the GIL to run "Python code" (our CPU loops).
 *  - A thread that wants the GIL waits on a condition for at most the switch
 *    interval (5 ms).  If nobody handed the GIL over in that time, it sets a
 *    drop request.
 *  - The holder checks the drop request every ~1000 loop iterations (CPython
 *    checks its "eval breaker" between bytecodes).  When asked, it releases
 *    the GIL and then waits until another thread has actually taken it: a
 *    forced switch, so it cannot simply grab it straight back.
 *  - Any release honours a pending drop request the same way (drop_gil ()
 *    does not care why the GIL is dropped), so a thread that lets go to
 *    sleep for a moment cannot take it straight back either.
 *  - A "switch" is counted only when the GIL goes to a different thread,
 *    as CPython's switch_number is: one thread that takes and releases
 *    the GIL a thousand times switched nothing.
 *  - Sleeping, waiting for I/O and hashing big buffers happen with the GIL
 *    released, which is why threads still help with I/O in Python.
 *
 * All functions accept NULL, meaning "no GIL": plain C threads.
 */

#define G_LOG_DOMAIN "lab-gil"

#include "config.h"

#include "lab-gil.h"
#include "lab-states.h"

struct _LabGil
{
  GMutex   mutex;
  GCond    released;        /* signalled when the holder lets go */
  GCond    switched;        /* signalled when a new holder took it */
  gboolean locked;
  gpointer last_holder;     /* the GThread that took the GIL last */
  guint64  switch_number;   /* how many times the GIL changed hands */
  gint64   interval_us;
  gint     drop_request;    /* atomic: a waiter asks the holder to let go */

  /* Instrumentation for the tests: how many threads are between acquire
   * and release right now, and the most there ever were. */
  gint     holders;
  gint     max_holders;
};

LabGil *
lab_gil_new (gint64 switch_interval_us)
{
  LabGil *gil;

  g_return_val_if_fail (switch_interval_us > 0, NULL);

  gil = g_new0 (LabGil, 1);
  g_mutex_init (&gil->mutex);
  g_cond_init (&gil->released);
  g_cond_init (&gil->switched);
  gil->interval_us = switch_interval_us;

  return gil;
}

void
lab_gil_free (LabGil *gil)
{
  if (gil == NULL)
    return;

  g_assert (!gil->locked);

  g_mutex_clear (&gil->mutex);
  g_cond_clear (&gil->released);
  g_cond_clear (&gil->switched);
  g_free (gil);
}

static void
count_holder_in (LabGil *gil)
{
  gint now = g_atomic_int_add (&gil->holders, 1) + 1;
  gint max = g_atomic_int_get (&gil->max_holders);

  while (now > max && !g_atomic_int_compare_and_exchange (&gil->max_holders, max, now))
    max = g_atomic_int_get (&gil->max_holders);
}

static void
count_holder_out (LabGil *gil)
{
  g_atomic_int_add (&gil->holders, -1);
}

/* take_gil (): returns when it began to wait, or 0 when the GIL was free. */
static gint64
take_gil (LabGil *gil)
{
  gint64 waited_since = 0;

  g_mutex_lock (&gil->mutex);

  if (gil->locked)
    waited_since = g_get_monotonic_time ();

  while (gil->locked)
    {
      guint64 seen = gil->switch_number;
      gint64 deadline = g_get_monotonic_time () + gil->interval_us;

      /* Waited a whole interval and the same thread still holds it?
       * Then ask it to drop the GIL at its next check. */
      if (!g_cond_wait_until (&gil->released, &gil->mutex, deadline) &&
          gil->locked && gil->switch_number == seen)
        g_atomic_int_set (&gil->drop_request, 1);
    }

  gil->locked = TRUE;
  if (gil->last_holder != (gpointer) g_thread_self ())
    {
      gil->last_holder = g_thread_self ();
      gil->switch_number++;
    }
  g_atomic_int_set (&gil->drop_request, 0);
  g_cond_broadcast (&gil->switched);

  g_mutex_unlock (&gil->mutex);

  count_holder_in (gil);
  return waited_since;
}

/* Takes the GIL; a wait for it is a span of the task the thread runs. */
void
lab_gil_acquire (LabGil *gil)
{
  gint64 waited_since;

  if (gil == NULL)
    return;

  waited_since = take_gil (gil);
  if (waited_since != 0)
    lab_span_record (LAB_STATE_GIL, LAB_WAIT_NONE, waited_since, g_get_monotonic_time ());
}

/* drop_gil (): let go, and if a waiter has asked for the GIL, wait until
 * it has actually taken it (forced switching).  Without that wait, a
 * thread that releases and re-acquires in a loop would win the GIL back
 * every time and the waiter would starve. */
static void
drop_gil (LabGil *gil)
{
  gpointer self = g_thread_self ();

  count_holder_out (gil);

  g_mutex_lock (&gil->mutex);
  g_assert (gil->locked);
  gil->locked = FALSE;
  g_cond_signal (&gil->released);

  if (g_atomic_int_get (&gil->drop_request))
    while (gil->last_holder == self)
      g_cond_wait (&gil->switched, &gil->mutex);

  g_mutex_unlock (&gil->mutex);
}

/* A thread that is done computing, or about to sleep or do I/O, lets go.
 * When a waiter had asked for the GIL, letting go includes waiting until
 * the waiter has it: time spent on the GIL, not computing. */
void
lab_gil_release (LabGil *gil)
{
  gint64 released_at;

  if (gil == NULL)
    return;

  if (!g_atomic_int_get (&gil->drop_request))
    {
      drop_gil (gil);
      return;
    }

  released_at = g_get_monotonic_time ();
  drop_gil (gil);
  lab_span_record (LAB_STATE_GIL, LAB_WAIT_NONE, released_at, g_get_monotonic_time ());
}

/* The eval-breaker check a computing thread makes every ~1000 iterations.
 * Costs one atomic read unless another thread has been waiting a whole
 * switch interval. */
void
lab_gil_yield_if_requested (LabGil *gil)
{
  gint64 dropped_at;

  if (gil == NULL || !g_atomic_int_get (&gil->drop_request))
    return;

  /* From letting go to having it back, the thread waited for the GIL. */
  dropped_at = g_get_monotonic_time ();
  drop_gil (gil);
  take_gil (gil);
  lab_span_record (LAB_STATE_GIL, LAB_WAIT_NONE, dropped_at, g_get_monotonic_time ());
}

/* Whether a waiter has asked the holder to let go (for the tests). */
gboolean
lab_gil_get_drop_request (LabGil *gil)
{
  g_return_val_if_fail (gil != NULL, FALSE);

  return g_atomic_int_get (&gil->drop_request);
}

guint
lab_gil_get_max_holders (LabGil *gil)
{
  g_return_val_if_fail (gil != NULL, 0);

  return g_atomic_int_get (&gil->max_holders);
}

guint64
lab_gil_get_switches (LabGil *gil)
{
  guint64 switches;

  g_return_val_if_fail (gil != NULL, 0);

  g_mutex_lock (&gil->mutex);
  switches = gil->switch_number;
  g_mutex_unlock (&gil->mutex);

  return switches;
}
