/* lab-plan.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-plan"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <sys/resource.h>

#include "lab-plan.h"

G_DEFINE_QUARK (lab-engine-error-quark, lab_engine_error)

LabPlan *
lab_plan_new (const char *workload)
{
  LabPlan *plan;

  g_return_val_if_fail (workload != NULL, NULL);

  plan = g_new0 (LabPlan, 1);
  plan->workload = g_strdup (workload);
  plan->tasks = 8;
  plan->workers = 4;
  plan->task_ms = 100;
  plan->size = 1 << 20;
  plan->n = G_GUINT64_CONSTANT (100000000);
  plan->algo = g_strdup ("md5");
  plan->seed = 1;
  plan->timeout_ms = 10000;
  plan->deposits = 1;
  plan->pause_ms = 10;
  plan->queue_fd = -1;

  return plan;
}

LabPlan *
lab_plan_copy (const LabPlan *plan)
{
  LabPlan *copy;

  g_return_val_if_fail (plan != NULL, NULL);

  copy = g_memdup2 (plan, sizeof *plan);
  copy->workload = g_strdup (plan->workload);
  copy->algo = g_strdup (plan->algo);
  copy->input_dir = g_strdup (plan->input_dir);
  copy->url = g_strdup (plan->url);
  copy->url_list = g_strdup (plan->url_list);
  copy->out_dir = g_strdup (plan->out_dir);
  copy->file_names = g_strdupv (plan->file_names);
  copy->broker = g_strdup (plan->broker);

  return copy;
}

void
lab_plan_free (LabPlan *plan)
{
  if (plan == NULL)
    return;

  g_free (plan->workload);
  g_free (plan->algo);
  g_free (plan->input_dir);
  g_free (plan->url);
  g_free (plan->url_list);
  g_free (plan->out_dir);
  g_strfreev (plan->file_names);
  g_free (plan->broker);
  g_free (plan);
}

gboolean
lab_plan_validate (const LabPlan  *plan,
                   GError        **error)
{
  g_return_val_if_fail (plan != NULL, FALSE);

  if (plan->tasks < 1 || plan->tasks > LAB_MAX_TASKS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The number of tasks must be between 1 and %u, not %u."),
                   LAB_MAX_TASKS, plan->tasks);
      return FALSE;
    }

  if (plan->workers < 1 || plan->workers > LAB_MAX_WORKERS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The number of workers must be between 1 and %u, not %u."),
                   LAB_MAX_WORKERS, plan->workers);
      return FALSE;
    }

  if (plan->task_ms > LAB_MAX_TASK_MS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("A task may wait at most %u ms, not %u ms."),
                   LAB_MAX_TASK_MS, plan->task_ms);
      return FALSE;
    }

  if (plan->size > LAB_MAX_TASK_SIZE)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("A task may handle at most %" PRIu64 " bytes (1 GiB), not %"
                     PRIu64 "."),
                   LAB_MAX_TASK_SIZE, plan->size);
      return FALSE;
    }

  if (plan->n < 1 || plan->n > LAB_MAX_CPU_N)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The sum must run to a number between 1 and %" PRIu64
                     ", not %" PRIu64 "."),
                   LAB_MAX_CPU_N, plan->n);
      return FALSE;
    }

  if (plan->timeout_ms < 1 || plan->timeout_ms > LAB_MAX_TIMEOUT_MS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("The timeout must be between 1 and %u ms, not %u ms."),
                   LAB_MAX_TIMEOUT_MS, plan->timeout_ms);
      return FALSE;
    }

  if (plan->deposits < 1 || plan->deposits > 10000 || plan->pause_ms > 10000)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Each depositor makes 1 to 10000 deposits, pausing at most 10000 ms."));
      return FALSE;
    }

  if (plan->retries > LAB_MAX_RETRIES)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("A request may be retried at most %u times, not %u."),
                   LAB_MAX_RETRIES, plan->retries);
      return FALSE;
    }

  if (plan->algo == NULL ||
      (g_strcmp0 (plan->algo, "md5") != 0 && g_strcmp0 (plan->algo, "sha256") != 0))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Unknown hash algorithm “%s”; choose md5 or sha256."),
                   plan->algo ? plan->algo : "");
      return FALSE;
    }

  return TRUE;
}

/* The most workers @mode can have; see the limits in lab-plan.h for why
 * they differ so much.  Any mode not named here runs worker processes. */
guint
lab_plan_max_workers (LabMode mode)
{
  switch (mode)
    {
    case LAB_MODE_SEQUENTIAL:
    case LAB_MODE_ASYNC:
      return LAB_MAX_ASYNC_IN_FLIGHT;

    case LAB_MODE_THREADS:
      return LAB_MAX_THREADS;

    case LAB_MODE_PROCESSES:
    case LAB_N_MODES:
    default:
      return LAB_MAX_PROCESS_WORKERS;
    }
}

/* The plan's worker count against what @mode can hold, then everything
 * that does not depend on the mode (lab_plan_validate ()). */
gboolean
lab_plan_validate_mode (const LabPlan  *plan,
                        LabMode         mode,
                        GError        **error)
{
  guint max;

  g_return_val_if_fail (plan != NULL, FALSE);

  max = lab_plan_max_workers (mode);
  if (plan->workers > max && max == LAB_MAX_THREADS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("At most %u threads can run at once, not %u."), max, plan->workers);
      return FALSE;
    }
  if (plan->workers > max && max == LAB_MAX_PROCESS_WORKERS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("At most %u worker processes can run at once, not %u."),
                   max, plan->workers);
      return FALSE;
    }

  return lab_plan_validate (plan, error);
}

/* Descriptors this process has open right now. */
static guint
count_open_descriptors (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

/* Room for what the process opens besides the downloads: the manifest's
 * request, pipes, the listening socket, files being saved. */
#define SPARE_DESCRIPTORS 64

/* Processes + async: how many tasks each worker process keeps in flight on
 * its loop, as lab_mode_processes_async_execute () decides it. */
static guint
processes_async_in_flight (const LabPlan *plan)
{
  return plan->in_flight > 0 ? plan->in_flight : MAX (1000 / MAX (plan->workers, 1), 1);
}

/* Processes + async spread the downloads over child processes, each holding
 * the client ends of its own share; the built-in server, if it runs here,
 * holds the other ends of all of them together.  A worker's loop may take
 * up to --in-flight tasks (the first worker ready takes them before the
 * others start), so that is the share each child must be able to hold.
 * Children inherit this process's limit. */
static gboolean
check_processes_async (const LabPlan  *plan,
                       guint           n_tasks,
                       gboolean        server_here,
                       guint64         limit,
                       GError        **error)
{
  guint in_flight = processes_async_in_flight (plan);
  guint share = MIN (in_flight, MAX (n_tasks, 1));
  guint64 total = MIN ((guint64) in_flight * plan->workers, MAX (n_tasks, 1));
  guint open_now;
  guint64 free_now;

  if (share + SPARE_DESCRIPTORS > limit)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("%u downloads in flight in one worker process need %u file descriptors "
                     "there (one each, and room for its pipes), but its limit (ulimit -n) is %"
                     PRIu64 ": use at most %" PRIu64 " in flight in each (--in-flight)."),
                   share, share + SPARE_DESCRIPTORS, limit,
                   limit > SPARE_DESCRIPTORS ? limit - SPARE_DESCRIPTORS : 0);
      return FALSE;
    }

  if (!server_here)
    return TRUE;

  open_now = count_open_descriptors ();
  free_now = limit > open_now + SPARE_DESCRIPTORS ? limit - open_now - SPARE_DESCRIPTORS : 0;
  if (total <= free_now)
    return TRUE;

  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
               _("%" PRIu64 " downloads in flight in all worker processes need %" PRIu64 " file "
                 "descriptors for the built-in server in this process, but its limit (ulimit -n) "
                 "is %" PRIu64 " and %u are open already: keep processes × in flight at most %"
                 PRIu64 "."),
               total, total, limit, open_now, free_now);
  return FALSE;
}

/* Every download in flight holds a socket, and when the built-in server
 * runs in this process it holds the other end too: two descriptors.  A
 * run that needs more than the limit would fail half-way with "too many
 * open files" (or make the server stop accepting), so it is refused up
 * front, naming the limit.  In the processes mode the client ends are in
 * the workers, so only the server's end counts here; processes + async
 * also checks each worker's share (check_processes_async ()). */
gboolean
lab_plan_check_descriptors (const LabPlan  *plan,
                            LabMode         mode,
                            guint           n_tasks,
                            gboolean        server_here,
                            GError        **error)
{
  struct rlimit limit;
  guint in_flight, per_download, open_now;
  guint64 needed, free_now;

  g_return_val_if_fail (plan != NULL, FALSE);

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return TRUE;

  if (mode == LAB_MODE_PROCESSES_ASYNC)
    return check_processes_async (plan, n_tasks, server_here, limit.rlim_cur, error);

  in_flight = mode == LAB_MODE_SEQUENTIAL ? 1 : MIN (plan->workers, MAX (n_tasks, 1));
  if (mode == LAB_MODE_THREADS || mode == LAB_MODE_ASYNC || mode == LAB_MODE_SEQUENTIAL)
    per_download = server_here ? 2 : 1;
  else
    per_download = server_here ? 1 : 0;

  if (per_download == 0)
    return TRUE;

  needed = (guint64) in_flight * per_download;
  open_now = count_open_descriptors ();
  free_now = limit.rlim_cur > open_now + SPARE_DESCRIPTORS ?
             limit.rlim_cur - open_now - SPARE_DESCRIPTORS : 0;
  if (needed <= free_now)
    return TRUE;

  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
               _("%u downloads at once need %" PRIu64 " file descriptors in this process, but "
                 "its limit (ulimit -n) is %" PRIu64 " and %u are open already: use at most %"
                 PRIu64 " workers."),
               in_flight, needed, (guint64) limit.rlim_cur, open_now, free_now / per_download);
  return FALSE;
}

GVariant *
lab_plan_to_variant (const LabPlan *plan)
{
  GVariantDict dict;

  g_return_val_if_fail (plan != NULL, NULL);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "workload", "s", plan->workload);
  g_variant_dict_insert (&dict, "tasks", "u", plan->tasks);
  g_variant_dict_insert (&dict, "workers", "u", plan->workers);
  g_variant_dict_insert (&dict, "in-flight", "u", plan->in_flight);
  g_variant_dict_insert (&dict, "task-ms", "u", plan->task_ms);
  g_variant_dict_insert (&dict, "size", "t", plan->size);
  g_variant_dict_insert (&dict, "n", "t", plan->n);
  g_variant_dict_insert (&dict, "algo", "s", plan->algo);
  if (plan->input_dir != NULL)
    g_variant_dict_insert (&dict, "input-dir", "s", plan->input_dir);
  g_variant_dict_insert (&dict, "gil", "b", plan->gil);
  g_variant_dict_insert (&dict, "seed", "t", plan->seed);
  if (plan->url != NULL)
    g_variant_dict_insert (&dict, "url", "s", plan->url);
  if (plan->url_list != NULL)
    g_variant_dict_insert (&dict, "url-list", "s", plan->url_list);
  g_variant_dict_insert (&dict, "timeout-ms", "u", plan->timeout_ms);
  g_variant_dict_insert (&dict, "retries", "u", plan->retries);
  g_variant_dict_insert (&dict, "max-body", "t", plan->max_body);
  if (plan->out_dir != NULL)
    g_variant_dict_insert (&dict, "out-dir", "s", plan->out_dir);
  if (plan->file_names != NULL)
    g_variant_dict_insert (&dict, "file-names", "^as", plan->file_names);
  g_variant_dict_insert (&dict, "deposits", "u", plan->deposits);
  g_variant_dict_insert (&dict, "pause-ms", "u", plan->pause_ms);
  g_variant_dict_insert (&dict, "lock", "b", plan->lock);
  g_variant_dict_insert (&dict, "shared-memory", "b", plan->shared_memory);
  g_variant_dict_insert (&dict, "global-counter", "b", plan->global_counter);
  g_variant_dict_insert (&dict, "queue-fd", "i", plan->queue_fd);

  return g_variant_dict_end (&dict);
}

LabPlan *
lab_plan_from_variant (GVariant  *variant,
                       GError   **error)
{
  g_autoptr(LabPlan) plan = NULL;
  GVariantDict dict;
  const char *workload = NULL;

  g_return_val_if_fail (variant != NULL, NULL);

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   "plan is not a dictionary but %s", g_variant_get_type_string (variant));
      return NULL;
    }

  g_variant_dict_init (&dict, variant);
  if (!g_variant_dict_lookup (&dict, "workload", "&s", &workload))
    {
      g_variant_dict_clear (&dict);
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                           "plan names no workload");
      return NULL;
    }

  plan = lab_plan_new (workload);
  g_variant_dict_lookup (&dict, "tasks", "u", &plan->tasks);
  g_variant_dict_lookup (&dict, "workers", "u", &plan->workers);
  g_variant_dict_lookup (&dict, "in-flight", "u", &plan->in_flight);
  g_variant_dict_lookup (&dict, "task-ms", "u", &plan->task_ms);
  g_variant_dict_lookup (&dict, "size", "t", &plan->size);
  g_variant_dict_lookup (&dict, "n", "t", &plan->n);
  g_clear_pointer (&plan->algo, g_free);
  g_variant_dict_lookup (&dict, "algo", "s", &plan->algo);
  g_variant_dict_lookup (&dict, "input-dir", "s", &plan->input_dir);
  g_variant_dict_lookup (&dict, "gil", "b", &plan->gil);
  g_variant_dict_lookup (&dict, "seed", "t", &plan->seed);
  g_variant_dict_lookup (&dict, "url", "s", &plan->url);
  g_variant_dict_lookup (&dict, "url-list", "s", &plan->url_list);
  g_variant_dict_lookup (&dict, "timeout-ms", "u", &plan->timeout_ms);
  g_variant_dict_lookup (&dict, "retries", "u", &plan->retries);
  g_variant_dict_lookup (&dict, "max-body", "t", &plan->max_body);
  g_variant_dict_lookup (&dict, "out-dir", "s", &plan->out_dir);
  g_variant_dict_lookup (&dict, "file-names", "^as", &plan->file_names);
  g_variant_dict_lookup (&dict, "deposits", "u", &plan->deposits);
  g_variant_dict_lookup (&dict, "pause-ms", "u", &plan->pause_ms);
  g_variant_dict_lookup (&dict, "lock", "b", &plan->lock);
  g_variant_dict_lookup (&dict, "shared-memory", "b", &plan->shared_memory);
  g_variant_dict_lookup (&dict, "global-counter", "b", &plan->global_counter);
  g_variant_dict_lookup (&dict, "queue-fd", "i", &plan->queue_fd);
  g_variant_dict_clear (&dict);

  if (!lab_plan_validate (plan, error))
    return NULL;

  return g_steal_pointer (&plan);
}
