/* lab-workload-cpu.c — pure computation: the sum of 1..N (seeds 001, 003)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The range 1..N is cut into --tasks chunks; each task adds up its chunk one
 * number at a time, and the chunk sums are merged at the end.  Nothing here
 * waits: only more cores make it faster.  Plain C threads use them; Python
 * threads (our GIL switch) cannot; processes can; an event loop cannot.
 */

#define G_LOG_DOMAIN "lab-workload-cpu"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdlib.h>

#include "lab-workload-cpu.h"

struct _LabWorkloadCpu
{
  LabWorkload parent_instance;
};

G_DEFINE_FINAL_TYPE (LabWorkloadCpu, lab_workload_cpu, LAB_TYPE_WORKLOAD)

/* How often the loop looks up from its work: every 1024 numbers it offers
 * the GIL to a waiting thread (CPython checks between bytecodes), and every
 * 64 of those blocks it checks the Cancel button. */
#define BLOCK               1024
#define BLOCKS_PER_CANCEL   64

guint64
lab_cpu_sum_range (guint64       first,
                   guint64       last,
                   LabGil       *gil,
                   GCancellable *cancellable)
{
  guint64 sum = 0;
  guint64 i = first;
  guint blocks = 0;

  lab_gil_acquire (gil);   /* a Python loop runs holding the GIL */

  while (i <= last)
    {
      guint64 block_last = MIN (last, i + (BLOCK - 1));

      for (; i <= block_last; i++)
        {
          sum += i;
          /* An empty statement the compiler must assume changes `sum`: it
           * keeps the loop a real loop instead of folding it into
           * n (n + 1) / 2, which would teach nothing. */
          __asm__ volatile ("" : "+r" (sum));
        }

      lab_gil_yield_if_requested (gil);

      if (++blocks == BLOCKS_PER_CANCEL)
        {
          blocks = 0;
          if (g_cancellable_is_cancelled (cancellable))
            break;
        }
    }

  lab_gil_release (gil);

  return sum;
}

static void
chunk_bounds (LabWorkload *workload,
              guint        index,
              guint64     *first,
              guint64     *last)
{
  const LabPlan *plan = lab_workload_get_plan (workload);
  guint tasks = lab_workload_get_n_tasks (workload);

  /* Chunk i covers (i·N/T, (i+1)·N/T]; the chunks tile 1..N exactly. */
  *first = (guint64) ((unsigned __int128) plan->n * index / tasks) + 1;
  *last = (guint64) ((unsigned __int128) plan->n * (index + 1) / tasks);
}

static gboolean
lab_workload_cpu_prepare (LabWorkload  *workload,
                          GError      **error)
{
  const LabPlan *plan = lab_workload_get_plan (workload);

  if (plan->tasks > plan->n)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("Cannot split 1..%" PRIu64 " into %u chunks; use at most %"
                     PRIu64 " tasks."),
                   plan->n, plan->tasks, plan->n);
      return FALSE;
    }

  return TRUE;
}

static char *
lab_workload_cpu_dup_task_name (LabWorkload *workload,
                                guint        index)
{
  guint64 first, last;

  chunk_bounds (workload, index, &first, &last);
  return g_strdup_printf ("%" PRIu64 "..%" PRIu64, first, last);
}

static gboolean
lab_workload_cpu_run_task (LabWorkload     *workload,
                           LabTaskContext  *context,
                           GBytes          *input,
                           LabTaskRecord   *record,
                           GError         **error)
{
  guint64 first, last, sum;

  chunk_bounds (workload, record->index, &first, &last);
  sum = lab_cpu_sum_range (first, last, context->gil, context->cancellable);

  if (g_cancellable_set_error_if_cancelled (context->cancellable, error))
    return FALSE;

  record->value = g_strdup_printf ("%" PRIu64, sum);
  return TRUE;
}

static gboolean
lab_workload_cpu_verify (LabWorkload  *workload,
                         LabRun       *run,
                         GError      **error)
{
  guint64 n = lab_workload_get_plan (workload)->n;
  guint64 expected = (guint64) ((unsigned __int128) n * (n + 1) / 2);
  guint64 total = 0;

  for (guint i = 0; i < run->n_records; i++)
    {
      const char *value = run->records[i].value;

      if (value == NULL)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                       _("Chunk %u has no sum."), i + 1);
          return FALSE;
        }
      total += g_ascii_strtoull (value, NULL, 10);
    }

  /* Merge step: the chunk sums must add up to Gauss's n (n + 1) / 2. */
  if (total != expected)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("The chunks add up to %" PRIu64 ", but 1..%" PRIu64
                     " sums to %" PRIu64 "."),
                   total, n, expected);
      return FALSE;
    }

  run->result = g_strdup_printf ("%" PRIu64, total);
  return TRUE;
}

static void
lab_workload_cpu_class_init (LabWorkloadCpuClass *klass)
{
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  workload_class->prepare = lab_workload_cpu_prepare;
  workload_class->dup_task_name = lab_workload_cpu_dup_task_name;
  workload_class->run_task = lab_workload_cpu_run_task;
  workload_class->verify = lab_workload_cpu_verify;
}

static void
lab_workload_cpu_init (LabWorkloadCpu *self)
{
}
