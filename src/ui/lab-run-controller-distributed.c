/* lab-run-controller-distributed.c — what the window checks before a
 * distributed run, so that a mistake is one sentence before anything starts
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-run-controller"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-broker.h"
#include "lab-run-controller-private.h"

/* Distributed: a broker URL the teacher typed is checked before anything
 * starts, so a typo is one sentence rather than a run that fails; one on
 * another machine without a password gets a warning, as in the terminal. */
static gboolean
check_broker (LabRunController  *self,
              const LabPlan     *plan,
              GError           **error)
{
  g_autoptr(LabBrokerAddress) address = NULL;

  if (plan->broker == NULL)
    return TRUE;
  address = lab_broker_address_parse (plan->broker, error);
  if (address == NULL)
    return FALSE;
  if (address->password == NULL && !lab_broker_address_is_loopback (address))
    {
      g_autofree char *where = lab_broker_address_describe (address);
      g_autofree char *warning = g_strdup_printf (_("Warning: the broker at %s has no password; "
                                                    "anybody on the network can read its jobs "
                                                    "and give the workers jobs of their own."),
                                                  where);

      g_signal_emit (self, lab_run_controller_signals[SIGNAL_ERROR], 0, warning);
    }
  return TRUE;
}

/* The pipeline's later stages take what the first downloaded here, which
 * cannot travel as a job: said before anything starts rather than after
 * the downloads (the runner says the same at that point). */
static gboolean
check_job (const LabPlan  *plan,
           GError        **error)
{
  if (g_str_equal (plan->workload, "pipeline"))
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                           _("The distributed mode runs whole jobs only, not the later "
                             "stages of a pipeline."));
      return FALSE;
    }
  return TRUE;
}

/* Whether @plan can run in @modes as far as the distributed mode goes;
 * a warning, if any, goes to the window as the "error" signal does. */
gboolean
lab_run_controller_check_distributed (LabRunController  *self,
                                      const LabPlan     *plan,
                                      const LabMode     *modes,
                                      guint              n_modes,
                                      GError           **error)
{
  for (guint i = 0; i < n_modes; i++)
    if (modes[i] == LAB_MODE_DISTRIBUTED)
      return check_broker (self, plan, error) && check_job (plan, error);
  return TRUE;
}
