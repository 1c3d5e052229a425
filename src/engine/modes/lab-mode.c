/* lab-mode.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-mode"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-mode.h"
#include "lab-plan.h"

static const char * const mode_names[LAB_N_ALL_MODES] = {
  "sequential", "threads", "processes", "async", "processes-async", "distributed",
};

const char *
lab_mode_to_string (LabMode mode)
{
  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  return mode_names[mode];
}

const char *
lab_mode_get_title (LabMode mode)
{
  g_return_val_if_fail (mode < LAB_N_ALL_MODES, NULL);

  switch (mode)
    {
    case LAB_MODE_SEQUENTIAL: return _("Sequential");
    case LAB_MODE_THREADS:    return _("Threads");
    case LAB_MODE_PROCESSES:  return _("Processes");
    case LAB_MODE_ASYNC:      return _("Async");
    case LAB_MODE_PROCESSES_ASYNC: return _("Processes + async");
    case LAB_MODE_DISTRIBUTED: return _("Distributed");
    case LAB_N_ALL_MODES:
    default:
      g_assert_not_reached ();
    }
}

/* Whether @mode runs its tasks in worker processes (which share nothing
 * with the app: a workload's shared state must travel explicitly). */
gboolean
lab_mode_uses_processes (LabMode mode)
{
  return mode == LAB_MODE_PROCESSES || mode == LAB_MODE_PROCESSES_ASYNC;
}

gboolean
lab_mode_from_string (const char *name,
                      LabMode    *mode)
{
  g_return_val_if_fail (mode != NULL, FALSE);

  for (guint i = 0; i < LAB_N_ALL_MODES; i++)
    {
      if (g_strcmp0 (name, mode_names[i]) == 0)
        {
          *mode = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* Parses "threads,async" into @modes (an array of LabMode), keeping the
 * user's order and dropping repeats. */
gboolean
lab_mode_parse_list (const char  *list,
                     GArray      *modes,
                     GError     **error)
{
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (list != NULL, FALSE);
  g_return_val_if_fail (modes != NULL, FALSE);

  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *name = g_strstrip (parts[i]);
      gboolean seen = FALSE;
      LabMode mode;

      if (*name == '\0')
        continue;

      if (!lab_mode_from_string (name, &mode))
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                       _("Unknown mode “%s”; choose from sequential, threads, processes, async, "
                         "processes-async, distributed."),
                       name);
          return FALSE;
        }

      for (guint j = 0; j < modes->len; j++)
        seen |= g_array_index (modes, LabMode, j) == mode;
      if (!seen)
        g_array_append_val (modes, mode);
    }

  if (modes->len == 0)
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                           _("No mode given; choose from sequential, threads, processes, async, "
                             "processes-async, distributed."));
      return FALSE;
    }

  return TRUE;
}
