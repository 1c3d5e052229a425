/* lab-lesson-pingpong.c — seed 003: Ping and Pong through a queue between processes, and
 * the broken version that counts in a “global” variable
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
pingpong_run (const LabLesson  *lesson,
              LabRunner        *runner,
              gboolean          quick,
              GCancellable     *cancellable,
              LabLessonRun     *out,
              GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pingpong");

  plan->workers = 2;
  plan->pause_ms = quick ? 10 : 100;
  if (!lab_lesson_run_step (out, runner, _("Processes and a queue"), plan, LAB_MODE_PROCESSES, cancellable, error))
    return FALSE;
  plan->global_counter = TRUE;
  return lab_lesson_run_step (out, runner, _("Processes and a “global” counter"), plan, LAB_MODE_PROCESSES,
                   cancellable, error);
}

static char *
pingpong_verdict (LabLessonRun *run)
{
  g_autoptr(GVariant) order = NULL;
  g_autofree char *order_text = NULL;
  g_autofree char *queue = NULL;
  gint64 taken = lab_lesson_step_field (&run->steps[0], "consumed", 0);
  gint64 broken = lab_lesson_step_field (&run->steps[1], "produced", 0);

  if (run->steps[0].run && run->steps[0].run->result_fields)
    order = g_variant_lookup_value (run->steps[0].run->result_fields, "order",
                                    G_VARIANT_TYPE_STRING_ARRAY);
  if (order != NULL)
    {
      g_autofree const char **items = g_variant_get_strv (order, NULL);
      order_text = g_strjoinv (" ", (char **) items);
    }

  /* The seed's consumer asks for the first ten; its producers for ten together. */
  if (taken == 10)
    queue = g_strdup_printf (_("Through the queue the consumer took exactly 10 items, in the order "
                               "they arrived: %s."), order_text ? order_text : "");
  else
    queue = g_strdup_printf (_("Through the queue the consumer took %" PRId64 " items, not the 10 "
                               "it asked for."), taken);
  if (broken > 10)
    return g_strdup_printf (_("%s With a “global” counter the two processes made %" PRId64 " items "
                              "instead of 10 — each counted on its own copy."), queue, broken);
  return g_strdup_printf (_("%s With a “global” counter the two processes made %" PRId64 " items, "
                            "no more than 10: here the copies did not show."), queue, broken);
}

const LabLesson lab_lesson_pingpong = {
  .id = "pingpong",
  .seed = "003",
  .title = N_("Ping and Pong through a queue"),
  .short_title = N_("Ping and Pong"),
  .explanation =
    N_("Two processes put Ping and Pong into one queue, seven each; a consumer takes the first ten. "
       "Then the broken version counts in a “global” variable instead."),
  .question =
    N_("Predict: in what order do they arrive, and how many does the broken version make?"),
  .run = pingpong_run,
  .verdict = pingpong_verdict,
};
