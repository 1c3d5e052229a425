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
 *    (with a lock that works across processes).  That memory is a memfd: it
 *    has no name in any folder, so no other user can guess it and open it.
 *  - On one event loop a task runs until it waits.  The seed's deposit
 *    waits between reading and writing (an `await` in Python), so the race
 *    is back: every depositor reads the same old balance.  A lock of the
 *    loop (asyncio.Lock: a waiting task yields to the loop, no thread
 *    blocks) makes it exact.  With no pause (pause_ms = 0) the read and the
 *    write sit in one callback: nothing can run between them, no lock needed.
 */

/* memfd_create () */
#define _GNU_SOURCE

#define G_LOG_DOMAIN "lab-workload-bank"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab-states.h"
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
  int          shared_fd;         /* the app's memfd behind it, or -1 */
  gboolean     in_app;            /* begin_run () ran here: this is the app, not a worker */
  LabMode      mode;

  /* The event loop's lock (async mode only, so no thread ever touches it):
   * who holds it, and the depositors queued for it, first come first served. */
  gboolean     loop_locked;
  GQueue       loop_waiters;      /* of GTask */
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

/* The memfd's label in /proc/PID/fd; it is not a name anyone can open. */
#define SHARED_LABEL "concurrency-lab-bank"

static Account *
map_account (int      fd,
             GError **error)
{
  Account *account = mmap (NULL, sizeof (Account), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

  if (account == MAP_FAILED)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("Cannot share memory between processes: %s."), g_strerror (errno));
      return NULL;
    }
  return account;
}

/* In the app: an anonymous file in memory.  The workers are already
 * running (the pool is warm), so a mapping made now would not reach them,
 * and a name in /dev/shm could be guessed and opened by anyone. */
static int
create_shared (GError **error)
{
  int fd = memfd_create (SHARED_LABEL, MFD_CLOEXEC);

  if (fd < 0 || ftruncate (fd, sizeof (Account)) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                   _("Cannot share memory between processes: %s."), g_strerror (saved));
      return -1;
    }
  return fd;
}

/* In a worker: open the app's memfd through /proc/APP/fd.  The kernel lets
 * only a process allowed to inspect the app (the same user) do that. */
static int
open_shared (pid_t    app_pid,
             GError **error)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) app_pid);
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, error);
  const char *entry;

  if (dir == NULL)
    return -1;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fd_dir, entry, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "/memfd:" SHARED_LABEL " "))
        {
          int fd = open (path, O_RDWR | O_CLOEXEC);

          if (fd >= 0)
            return fd;
        }
    }

  g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
               _("Cannot share memory between processes: the app’s account was not found."));
  return -1;
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

  self->loop_locked = FALSE;
  g_assert (g_queue_is_empty (&self->loop_waiters));

  /* Each worker's loop has a lock of its own, which no other process
   * sees; and the shared account's lock, held across the pause, would
   * stop the loop and every depositor on it. */
  if (mode == LAB_MODE_PROCESSES_ASYNC && plan->shared_memory)
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                           _("The shared account needs the processes mode: processes + async "
                             "has no lock that works across its processes without blocking "
                             "their event loops."));
      return FALSE;
    }

  if (mode == LAB_MODE_PROCESSES && plan->shared_memory)
    {
      self->shared_fd = create_shared (error);
      if (self->shared_fd < 0)
        return FALSE;
      self->shared = map_account (self->shared_fd, error);
      if (self->shared == NULL)
        return FALSE;
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
  /* The last reference to the memory goes with the last descriptor and
   * mapping: nothing is left behind, even after a crash. */
  if (self->shared_fd >= 0)
    {
      close (self->shared_fd);
      self->shared_fd = -1;
    }
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
      int fd = open_shared (getppid (), error);

      if (fd < 0)
        return NULL;
      self->shared = map_account (fd, error);
      close (fd);
      return self->shared;
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

  /* A depositor that finds the lock taken waits its turn: a span. */
  if (locked && pthread_mutex_trylock (&account->lock) != 0)
    {
      gint64 waited_since = g_get_monotonic_time ();

      pthread_mutex_lock (&account->lock);
      lab_span_record (LAB_STATE_LOCK, LAB_WAIT_NONE, waited_since, g_get_monotonic_time ());
    }

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

/* ---- On one event loop ---------------------------------------------------
 *
 * A depositor is a chain of callbacks, each a stretch of a coroutine
 * between two `await`s:
 *
 *     async def deposit ():
 *         async with lock:                  # only with --lock
 *             read = balance
 *             await asyncio.sleep (pause)   # the loop runs other depositors
 *             balance = read + 1
 *
 * With pause_ms = 0 there is no await inside: the read and the write run
 * in one callback, and no other depositor can come between them.
 */
typedef struct
{
  LabWorkloadBank *self;
  LabTaskRecord   *record;
  guint            left;         /* deposits still to make */
  gint64           read;         /* the balance as this depositor read it */
  gboolean         holds_lock;
} AsyncDepositor;

static void     async_next_deposit (GTask *task);
static gboolean async_read_cb      (gpointer data);

/* Resume @task's coroutine at @callback after @delay_ms — or at once when
 * the run is cancelled, so that a long pause never delays a cancel. */
static void
async_resume (GTask       *task,
              guint        delay_ms,
              GSourceFunc  callback)
{
  g_autoptr(GSource) source = delay_ms > 0 ? g_timeout_source_new (delay_ms) : g_idle_source_new ();
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancelled = g_cancellable_source_new (cancellable);

      /* A child source makes its parent dispatch when it fires. */
      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
    }
  g_task_attach_source (task, source, callback);
}

/* asyncio.Lock.release (): hand the lock to the first waiter, who runs on
 * the next turn of the loop. */
static void
loop_lock_release (LabWorkloadBank *self,
                   AsyncDepositor  *depositor)
{
  GTask *next;

  if (!depositor->holds_lock)
    return;
  depositor->holds_lock = FALSE;

  next = g_queue_pop_head (&self->loop_waiters);
  if (next == NULL)
    {
      self->loop_locked = FALSE;
      return;
    }
  ((AsyncDepositor *) g_task_get_task_data (next))->holds_lock = TRUE;
  async_resume (next, 0, async_read_cb);
  g_object_unref (next);
}

/* Ends the depositor's task, releasing the lock first so that no waiter is
 * left behind. */
static void
async_finish (GTask  *task,
              GError *error)
{
  AsyncDepositor *depositor = g_task_get_task_data (task);

  loop_lock_release (depositor->self, depositor);
  depositor->record->end_us = g_get_monotonic_time ();
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  depositor->record->value = g_strdup_printf ("%" PRId64, depositor->self->local.balance);
  g_task_return_boolean (task, TRUE);
}

static gboolean
async_cancelled (GTask *task)
{
  GError *error = NULL;

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    return FALSE;
  async_finish (task, error);
  return TRUE;
}

/* After the pause: write back what was read, plus one. */
static gboolean
async_write_cb (gpointer data)
{
  GTask *task = data;
  AsyncDepositor *depositor = g_task_get_task_data (task);

  if (async_cancelled (task))
    return G_SOURCE_REMOVE;

  depositor->self->local.balance = depositor->read + 1;
  loop_lock_release (depositor->self, depositor);
  async_next_deposit (task);
  return G_SOURCE_REMOVE;
}

/* Holding the lock if there is one: read, then wait with the loop free. */
static gboolean
async_read_cb (gpointer data)
{
  GTask *task = data;
  AsyncDepositor *depositor = g_task_get_task_data (task);
  const LabPlan *plan = lab_workload_get_plan (LAB_WORKLOAD (depositor->self));

  if (async_cancelled (task))
    return G_SOURCE_REMOVE;

  if (plan->pause_ms == 0)
    {
      /* One callback: nothing else runs between this read and this write. */
      depositor->self->local.balance = depositor->self->local.balance + 1;
      loop_lock_release (depositor->self, depositor);
      async_next_deposit (task);
      return G_SOURCE_REMOVE;
    }

  depositor->read = depositor->self->local.balance;
  async_resume (task, plan->pause_ms, async_write_cb);
  return G_SOURCE_REMOVE;
}

/* The next deposit, or the end of the task.  A deposit with no pause still
 * yields to the loop before it starts, like `await asyncio.sleep (0)`, so
 * depositors take turns between deposits — only never inside one. */
static void
async_next_deposit (GTask *task)
{
  AsyncDepositor *depositor = g_task_get_task_data (task);
  LabWorkloadBank *self = depositor->self;
  const LabPlan *plan = lab_workload_get_plan (LAB_WORKLOAD (self));

  if (depositor->left == 0)
    {
      async_finish (task, NULL);
      return;
    }
  depositor->left--;

  if (plan->lock)
    {
      /* asyncio.Lock.acquire (): a free lock is taken without waiting;
       * otherwise queue up and give the loop back — no thread blocks. */
      if (self->loop_locked)
        {
          g_queue_push_tail (&self->loop_waiters, g_object_ref (task));
          return;
        }
      self->loop_locked = TRUE;
      depositor->holds_lock = TRUE;
    }

  if (plan->pause_ms == 0)
    async_resume (task, 0, async_read_cb);
  else
    async_read_cb (task);
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

  g_task_set_source_tag (task, lab_workload_bank_run_task_async);
  depositor->self = LAB_WORKLOAD_BANK (workload);
  depositor->record = record;
  depositor->left = plan->deposits;
  g_task_set_task_data (task, depositor, g_free);
  async_next_deposit (task);
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
  /* So must it with no pause on the event loop: read and write in one
   * callback. */
  if (lost > 0 &&
      (plan->lock || run->mode == LAB_MODE_SEQUENTIAL ||
       (run->mode == LAB_MODE_ASYNC && plan->pause_ms == 0)) &&
      !(lab_mode_uses_processes (run->mode) && !plan->shared_memory))
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
  self->shared_fd = -1;
  g_queue_init (&self->loop_waiters);
}
