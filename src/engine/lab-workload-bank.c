/* lab-workload-bank.c — the bank account race of seed 003
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each task is a depositor.  A deposit reads the balance, pauses (the
 * seed's sleep (0.01)), and writes back balance + 1:
 *
 *     read = balance;  pause;  balance = read + 1;
 *
 * Two depositors that read before either writes both write the same new
 * balance: one deposit is lost.  A lock around the three steps makes each
 * deposit whole again.  A start barrier makes the depositors really start
 * together, or the first might finish before the last begins.
 *
 *  - Threads share one account: without the lock, deposits are lost.
 *  - Processes share nothing: each changes its own copy of the account and
 *    the app's balance stays 0 — unless the account lives in shared memory
 *    (with a lock that works across processes).
 *  - On one event loop a task runs until it waits; a deposit waits only
 *    before it reads, never between reading and writing, so nothing is lost.
 */

#define G_LOG_DOMAIN "lab-workload-bank"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab-workload-bank.h"

/* The account, and what the depositors use to meet and to take turns. */
typedef struct
{
  gint64          balance;
  gint            arrived;        /* at the start barrier */
  gint            barrier_size;
  pthread_mutex_t lock;           /* process-shared when in shared memory */
} Account;

struct _LabWorkloadBank
{
  LabWorkload  parent_instance;

  Account      local;             /* this process's own account */
  Account     *shared;            /* the shared-memory account, when used */
  char        *shared_name;
  gboolean     owns_shared;       /* the app created it and removes it */
  gboolean     in_app;            /* begin_run () ran here: this is the app, not a worker */
  LabMode      mode;
};

G_DEFINE_FINAL_TYPE (LabWorkloadBank, lab_workload_bank, LAB_TYPE_WORKLOAD)

static void
account_init (Account  *account,
              gint      barrier_size,
              gboolean  across_processes)
{
  pthread_mutexattr_t attr;

  account->balance = 0;
  account->arrived = 0;
  account->barrier_size = barrier_size;
  pthread_mutexattr_init (&attr);
  if (across_processes)
    pthread_mutexattr_setpshared (&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init (&account->lock, &attr);
  pthread_mutexattr_destroy (&attr);
}

static char *
shared_name_for (pid_t app_pid)
{
  return g_strdup_printf ("/concurrency-lab-bank-%d", (int) app_pid);
}

static Account *
map_shared (const char *name,
            gboolean    create,
            GError    **error)
{
  int fd = shm_open (name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
  Account *account;

  if (fd < 0 && create && errno == EEXIST)
    {
      /* Left over from a crashed run of ours: start afresh. */
      shm_unlink (name);
      fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);
    }
  if (fd < 0 || (create && ftruncate (fd, sizeof (Account)) != 0))
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("Cannot share memory between processes: %s."), g_strerror (saved));
      return NULL;
    }

  account = mmap (NULL, sizeof (Account), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close (fd);
  if (account == MAP_FAILED)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("Cannot share memory between processes: %s."), g_strerror (errno));
      return NULL;
    }
  return account;
}

static gboolean
lab_workload_bank_prepare (LabWorkload  *workload,
                           GError      **error)
{
  return TRUE;
}

static char *
lab_workload_bank_dup_task_name (LabWorkload *workload,
                                 guint        index)
{
  return g_strdup_printf (_("depositor %u"), index + 1);
}

static gboolean
lab_workload_bank_begin_run (LabWorkload  *workload,
                             LabMode       mode,
                             GError      **error)
{
  LabWorkloadBank *self = LAB_WORKLOAD_BANK (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  gint barrier = MIN (lab_workload_get_n_tasks (workload),
                      mode == LAB_MODE_SEQUENTIAL ? 1 : plan->workers);

  self->mode = mode;
  self->in_app = TRUE;
  account_init (&self->local, mode == LAB_MODE_ASYNC ? 1 : barrier, FALSE);

  if (mode == LAB_MODE_PROCESSES && plan->shared_memory)
    {
      self->shared_name = shared_name_for (getpid ());
      self->shared = map_shared (self->shared_name, TRUE, error);
      if (self->shared == NULL)
        return FALSE;
      self->owns_shared = TRUE;
      account_init (self->shared, barrier, TRUE);
    }

  return TRUE;
}

static void
lab_workload_bank_end_run (LabWorkload *workload)
{
  LabWorkloadBank *self = LAB_WORKLOAD_BANK (workload);

  if (self->shared != NULL)
    {
      munmap (self->shared, sizeof (Account));
      self->shared = NULL;
    }
  if (self->owns_shared && self->shared_name != NULL)
    shm_unlink (self->shared_name);
  self->owns_shared = FALSE;
  g_clear_pointer (&self->shared_name, g_free);
}

/* The account this depositor uses: in a worker process with shared memory,
 * the app's shared one; otherwise this process's own. */
static Account *
find_account (LabWorkloadBank  *self,
              GError          **error)
{
  const LabPlan *plan = lab_workload_get_plan (LAB_WORKLOAD (self));

  if (self->shared != NULL)
    return self->shared;

  /* A worker process opens the account the app shares with it. */
  if (plan->shared_memory && !self->in_app)
    {
      g_autofree char *name = shared_name_for (getppid ());

      self->shared = map_shared (name, FALSE, error);
      if (self->shared != NULL)
        return self->shared;
      return NULL;
    }

  return &self->local;
}

/* Wait until the first wave of depositors has arrived, so they start
 * together.  Depositors after the first wave go straight through. */
static gboolean
start_barrier (Account      *account,
               GCancellable *cancellable)
{
  gint ticket = __atomic_fetch_add (&account->arrived, 1, __ATOMIC_SEQ_CST);

  if (ticket >= account->barrier_size)
    return TRUE;

  while (__atomic_load_n (&account->arrived, __ATOMIC_SEQ_CST) < account->barrier_size)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      g_usleep (200);
    }
  return TRUE;
}

/* read = balance; pause; balance = read + 1.  The loads and stores are
 * atomic one by one (so the race is a lost update, not undefined
 * behaviour), but the three steps together are not — that is the bug. */
static gboolean
deposit (Account        *account,
         gboolean        locked,
         LabTaskContext *context,
         gint64          pause_us,
         GError        **error)
{
  gint64 read;

  if (locked)
    pthread_mutex_lock (&account->lock);

  lab_gil_acquire (context->gil);
  read = __atomic_load_n (&account->balance, __ATOMIC_RELAXED);
  lab_gil_release (context->gil);

  /* time.sleep () in the seed: another depositor may read the same old
   * balance meanwhile. */
  if (!lab_sleep_cancellable (pause_us, context->cancellable, error))
    {
      if (locked)
        pthread_mutex_unlock (&account->lock);
      return FALSE;
    }

  lab_gil_acquire (context->gil);
  __atomic_store_n (&account->balance, read + 1, __ATOMIC_RELAXED);
  lab_gil_release (context->gil);

  if (locked)
    pthread_mutex_unlock (&account->lock);
  return TRUE;
}

static gboolean
lab_workload_bank_run_task (LabWorkload     *workload,
                            LabTaskContext  *context,
                            GBytes          *input,
                            LabTaskRecord   *record,
                            GError         **error)
{
  LabWorkloadBank *self = LAB_WORKLOAD_BANK (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  Account *account = find_account (self, error);

  if (account == NULL)
    return FALSE;

  if (!start_barrier (account, context->cancellable))
    return !g_cancellable_set_error_if_cancelled (context->cancellable, error);

  for (guint i = 0; i < plan->deposits; i++)
    if (!deposit (account, plan->lock, context, (gint64) plan->pause_ms * 1000, error))
      return FALSE;

  /* What this depositor saw last: in a process of its own, its own copy. */
  record->value = g_strdup_printf ("%" PRId64, __atomic_load_n (&account->balance, __ATOMIC_RELAXED));
  return TRUE;
}

/* On the event loop: wait the pause as a timer, then read and write the
 * balance in one go, without giving the loop a chance to run anything else
 * in between.  No lock needed: nothing can interrupt a callback. */
typedef struct
{
  LabWorkloadBank *self;
  LabTaskRecord   *record;
  guint            left;
} AsyncDepositor;

static gboolean
async_deposit_cb (gpointer data)
{
  GTask *task = data;
  AsyncDepositor *depositor = g_task_get_task_data (task);
  Account *account = &depositor->self->local;

  if (g_task_return_error_if_cancelled (task))
    {
      depositor->record->end_us = g_get_monotonic_time ();
      return G_SOURCE_REMOVE;
    }

  account->balance = account->balance + 1;

  if (--depositor->left > 0)
    return G_SOURCE_CONTINUE;

  depositor->record->value = g_strdup_printf ("%" PRId64, account->balance);
  depositor->record->end_us = g_get_monotonic_time ();
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
lab_workload_bank_run_task_async (LabWorkload         *workload,
                                  LabTaskContext      *context,
                                  GBytes              *input,
                                  LabTaskRecord       *record,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (workload, context->cancellable, callback, user_data);
  const LabPlan *plan = lab_workload_get_plan (workload);
  AsyncDepositor *depositor = g_new0 (AsyncDepositor, 1);
  g_autoptr(GSource) timer = g_timeout_source_new (MAX (plan->pause_ms, 1));

  g_task_set_source_tag (task, lab_workload_bank_run_task_async);
  depositor->self = LAB_WORKLOAD_BANK (workload);
  depositor->record = record;
  depositor->left = plan->deposits;
  g_task_set_task_data (task, depositor, g_free);
  g_task_attach_source (task, timer, async_deposit_cb);
}

static gboolean
lab_workload_bank_verify (LabWorkload  *workload,
                          LabRun       *run,
                          GError      **error)
{
  LabWorkloadBank *self = LAB_WORKLOAD_BANK (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  gint64 expected = (gint64) run->n_records * plan->deposits;
  gint64 balance = self->shared ? self->shared->balance : self->local.balance;
  gint64 lost = expected - balance;
  GVariantDict fields;

  /* The app's own view of the account: with processes and no shared
   * memory it never changed. */
  if (balance < 0 || balance > expected)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("The balance is ¥%" PRId64 ", more than the ¥%" PRId64 " deposited."),
                   balance, expected);
      return FALSE;
    }

  /* With the lock (or one task at a time) every deposit must be there. */
  if (lost > 0 && (plan->lock || run->mode == LAB_MODE_SEQUENTIAL || run->mode == LAB_MODE_ASYNC) &&
      !(run->mode == LAB_MODE_PROCESSES && !plan->shared_memory))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("¥%" PRId64 " of ¥%" PRId64 " got lost although deposits could not overlap."),
                   lost, expected);
      return FALSE;
    }

  run->result = g_strdup_printf (_("balance ¥%" PRId64 " of ¥%" PRId64 " (%" PRId64 " lost)"),
                                 balance, expected, lost);
  g_variant_dict_init (&fields, NULL);
  g_variant_dict_insert (&fields, "expected", "x", expected);
  g_variant_dict_insert (&fields, "balance", "x", balance);
  g_variant_dict_insert (&fields, "lost", "x", lost);
  run->result_fields = g_variant_ref_sink (g_variant_dict_end (&fields));
  return TRUE;
}

static void
lab_workload_bank_finalize (GObject *object)
{
  lab_workload_bank_end_run (LAB_WORKLOAD (object));
  pthread_mutex_destroy (&LAB_WORKLOAD_BANK (object)->local.lock);

  G_OBJECT_CLASS (lab_workload_bank_parent_class)->finalize (object);
}

static void
lab_workload_bank_class_init (LabWorkloadBankClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->finalize = lab_workload_bank_finalize;

  workload_class->prepare = lab_workload_bank_prepare;
  workload_class->dup_task_name = lab_workload_bank_dup_task_name;
  workload_class->begin_run = lab_workload_bank_begin_run;
  workload_class->end_run = lab_workload_bank_end_run;
  workload_class->run_task = lab_workload_bank_run_task;
  workload_class->run_task_async = lab_workload_bank_run_task_async;
  workload_class->verify = lab_workload_bank_verify;
}

static void
lab_workload_bank_init (LabWorkloadBank *self)
{
  account_init (&self->local, 1, FALSE);
}
