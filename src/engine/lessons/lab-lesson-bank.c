/* lab-lesson-bank.c — seed 003: depositors racing on one account, on threads with and
 * without a lock, in processes, and on one event loop
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "lab-lesson-private.h"

static gboolean
bank_run (const LabLesson  *lesson,
          LabRunner        *runner,
          gboolean          quick,
          GCancellable     *cancellable,
          LabLessonRun     *out,
          GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("bank");
  guint depositors = quick ? 20 : 100;
  guint pause_ms = plan->pause_ms;

  plan->tasks = depositors;
  plan->workers = depositors;
  if (!lab_lesson_run_step (out, runner, _("Threads, no lock"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->lock = TRUE;
  if (!lab_lesson_run_step (out, runner, _("Threads, with a lock"), plan, LAB_MODE_THREADS, cancellable, error))
    return FALSE;
  plan->lock = FALSE;
  plan->tasks = plan->workers = MIN (depositors, 16);
  if (!lab_lesson_run_step (out, runner, _("Processes, no shared memory"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  plan->tasks = plan->workers = depositors;
  if (!lab_lesson_run_step (out, runner, _("Async, a wait between read and write"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->lock = TRUE;
  if (!lab_lesson_run_step (out, runner, _("Async, with the event loop’s lock"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->lock = FALSE;
  plan->pause_ms = 0;
  if (!lab_lesson_run_step (out, runner, _("Async, read and write in one callback"), plan, LAB_MODE_ASYNC,
                 cancellable, error))
    return FALSE;
  plan->pause_ms = pause_ms;
  return TRUE;
}

/* steps: threads without and with a lock, processes without shared memory,
 * async with a wait, async with the loop's lock, async in one callback */
static char *
bank_verdict_numbers (LabLessonRun *run)
{
  LabLessonStep *s = run->steps;
  g_autoptr(GString) verdict = g_string_new (NULL);
  gint64 lost, expected;

  lost = lab_lesson_step_field (&s[0], "lost", -1);
  expected = lab_lesson_step_field (&s[0], "expected", -1);
  if (lost > 0)
    g_string_append_printf (verdict, _("Threads without a lock lost %" PRId64 " of %" PRId64
                                       " deposits."), lost, expected);
  else
    g_string_append_printf (verdict, _("Threads without a lock lost none of %" PRId64 " deposits "
                                       "this time: the race is there, but did not strike."),
                            expected);

  lost = lab_lesson_step_field (&s[1], "lost", -1);
  if (lost == 0)
    g_string_append (verdict, _(" With a lock, every deposit arrived."));
  else
    g_string_append_printf (verdict, _(" Even with a lock %" PRId64 " were lost."), lost);

  /* The balance the app itself reads, not a number assumed. */
  if (lab_lesson_step_field (&s[2], "balance", -1) == 0)
    g_string_append (verdict, _(" Processes without shared memory left the app’s balance at ¥0: "
                                "each changed its own copy."));
  else
    g_string_append_printf (verdict, _(" Processes without shared memory left the app’s balance at "
                                       "¥%" PRId64 " of ¥%" PRId64 "."),
                            lab_lesson_step_field (&s[2], "balance", -1),
                            lab_lesson_step_field (&s[2], "expected", -1));

  lost = lab_lesson_step_field (&s[3], "lost", -1);
  expected = lab_lesson_step_field (&s[3], "expected", -1);
  if (lost > 0)
    g_string_append_printf (verdict, _(" On one event loop, with a wait between read and write, "
                                       "%" PRId64 " of %" PRId64 " were lost: unlike what seed 003 "
                                       "says of coroutines, the race comes back whenever a task "
                                       "waits between reading and writing."), lost, expected);
  else
    g_string_append (verdict, _(" On one event loop, with a wait between read and write, no deposit "
                                "was lost this time."));

  lost = lab_lesson_step_field (&s[4], "lost", -1);
  if (lost == 0)
    g_string_append (verdict, _(" The event loop’s own lock made it exact, and no thread ever "
                                "blocked."));
  else
    g_string_append_printf (verdict, _(" Even with the event loop’s lock %" PRId64 " were lost."),
                            lost);

  lost = lab_lesson_step_field (&s[5], "lost", -1);
  if (lost == 0)
    g_string_append (verdict, _(" With the read and the write in one callback nothing was lost, "
                                "without any lock: nothing can run between them."));
  else
    g_string_append_printf (verdict, _(" With the read and the write in one callback %" PRId64
                                       " were still lost."), lost);

  return g_string_free (g_steal_pointer (&verdict), FALSE);
}

/* The numbers, then where the time went (lab-states.c), measured. */
static char *
bank_verdict (LabLessonRun *run)
{
  char *verdict = bank_verdict_numbers (run);

  verdict = lab_lesson_add_state_text (verdict, &run->steps[1], LAB_STATE_LOCK);
  return verdict;
}

const LabLesson lab_lesson_bank = {
  .id = "bank",
  .seed = "003",
  .title = N_("The bank account race"),
  .short_title = N_("The bank account race"),
  .explanation =
    N_("Many depositors each pay ¥1 into one account: read the balance, pause, write it back plus "
       "one. On threads without and with a lock, in processes, then on one event loop: with a "
       "wait between the read and the write, with the loop’s own lock, and with both in one "
       "callback."),
  .question =
    N_("Predict: what is the balance in each case?"),
  .run = bank_run,
  .verdict = bank_verdict,
};
