/* lab-process-pool.c — N worker processes, started once, fed over pipes
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like Python's multiprocessing.Pool: copies of this very program are
 * started ahead of time (start-up is slow, so it is paid once and measured
 * apart), each waits for work on its stdin.  The pool hands every free
 * worker the next task and collects the result from its stdout.
 *
 * All of this happens on one long-lived thread of the pool with its own
 * event loop, for two reasons: the caller (a window) must never block on a
 * pipe, and Linux's "kill my children when I die" (PR_SET_PDEATHSIG) fires
 * when the *thread* that spawned them ends, so spawning must happen on a
 * thread that lives as long as the pool.
 *
 * A worker is gone once we have seen both the end of its stdout and its
 * exit status.  Its task goes back to the front of the queue and a new
 * worker takes its place.
 */

#define G_LOG_DOMAIN "lab-process-pool"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lab-process-pool.h"
#include "lab-protocol.h"
#include "lab-worker.h"

#define STARTUP_TIMEOUT_US  (10 * G_USEC_PER_SEC)
#define CANCEL_GRACE_MS     500
#define SHUTDOWN_GRACE_MS   200
#define MAX_CRASHES_PER_TASK 3
#define MAX_FAILED_STARTS   3

typedef struct _Slot Slot;

struct _LabProcessPool
{
  char          *executable;
  guint          n_workers;
  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;

  GMutex         mutex;          /* guards what other threads read: */
  GCond          cond;
  guint          n_ready;        /*  workers that said hello */
  gboolean       started;        /*  all ready, or start-up failed */
  GError        *start_error;
  gint64         startup_us;
  gboolean       run_active;
  GArray        *pids;           /*  by lane, 0 while a lane has no worker */

  /* Everything below belongs to the pool thread. */
  Slot         **slots;          /* by lane */
  guint          failed_starts;  /* workers that died before saying hello */
  gint64         spawn_start_us;
  gboolean       shutting_down;
  GSource       *startup_timeout;

  LabRunContext *ctx;            /* the run in progress, or NULL */
  guint          run_id;
  GBytes        *run_payload;    /* the RUN frame for this run */
  GQueue         pending;        /* task indices + 1 */
  guint          outstanding;    /* tasks not finished yet */
  guint         *crashes;        /* per task: workers that died running it */
  gboolean       cancelling;
};

struct _Slot
{
  LabProcessPool *pool;
  guint           lane;
  GSubprocess    *process;
  GOutputStream  *to_worker;
  GInputStream   *from_worker;
  gint            pid;
  gboolean        ready;
  gboolean        broken;        /* a write failed; it is dying */
  gboolean        eof;
  gboolean        exited;
  gint            task;          /* task in flight, or -1 */
  guint           run_sent;      /* id of the last plan it was given */
  guint8          header[LAB_FRAME_HEADER_SIZE];
  LabFrameType    frame_type;
  guint8         *payload;
  gsize           payload_len;
};

static void slot_read_header (Slot *slot);
static void slot_dispatch    (Slot *slot);
static void pool_maybe_end_run (LabProcessPool *pool);
static void pool_cancel_run    (LabProcessPool *pool);

static void
child_setup (gpointer data)
{
  /* In the new worker, before it runs: die with the pool thread that
   * spawned us, even if the app is killed and cannot clean up. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != GPOINTER_TO_INT (data))
    _exit (1);
}

static void
pool_publish_pid (LabProcessPool *pool,
                  guint           lane,
                  gint            pid)
{
  g_mutex_lock (&pool->mutex);
  g_array_index (pool->pids, gint, lane) = pid;
  g_mutex_unlock (&pool->mutex);
}

static void
pool_fail_start (LabProcessPool *pool,
                 GError         *error)
{
  g_mutex_lock (&pool->mutex);
  if (!pool->started)
    {
      pool->started = TRUE;
      pool->start_error = error;
      g_cond_broadcast (&pool->cond);
    }
  else
    g_error_free (error);
  g_mutex_unlock (&pool->mutex);
}

/* A task is over for good, one way or another: book it on the run. */
static void
pool_finish_task (LabProcessPool *pool,
                  guint           index,
                  const char     *error_message)
{
  LabTaskRecord *record = &pool->ctx->run->records[index];

  if (error_message != NULL && record->error == NULL)
    record->error = g_strdup (error_message);
  if (record->end_us == 0)
    record->end_us = g_get_monotonic_time ();

  lab_run_context_task_finished (pool->ctx, index);
  pool->outstanding--;
}

static void
pool_fail_pending (LabProcessPool *pool,
                   const char     *message)
{
  gpointer item;

  while ((item = g_queue_pop_head (&pool->pending)) != NULL)
    pool_finish_task (pool, GPOINTER_TO_UINT (item) - 1, message);
}

static void
slot_free (Slot *slot)
{
  g_clear_object (&slot->process);
  g_free (slot->payload);
  g_free (slot);
}

static Slot *slot_spawn (LabProcessPool *pool, guint lane, GError **error);

static void
slot_gone (Slot *slot)
{
  LabProcessPool *pool = slot->pool;
  guint lane = slot->lane;

  g_debug ("worker %d in lane %u is gone", slot->pid, lane);

  pool->slots[lane] = NULL;
  pool_publish_pid (pool, lane, 0);

  if (!slot->ready)
    pool->failed_starts++;

  if (pool->ctx != NULL)
    {
      lab_run_context_push_worker (pool->ctx, LAB_EVENT_WORKER_LOST, lane, slot->pid);

      if (slot->task >= 0)
        {
          guint index = slot->task;

          if (pool->cancelling)
            pool_finish_task (pool, index, _("Cancelled"));
          else if (++pool->crashes[index] >= MAX_CRASHES_PER_TASK)
            pool_finish_task (pool, index, _("The worker process died every time it ran this task."));
          else
            {
              /* Somebody else will do it. */
              LabTaskRecord *record = &pool->ctx->run->records[index];

              record->start_us = record->end_us = 0;
              g_queue_push_head (&pool->pending, GUINT_TO_POINTER (index + 1));
            }
        }
    }

  slot_free (slot);

  if (pool->shutting_down)
    {
      for (guint i = 0; i < pool->n_workers; i++)
        if (pool->slots[i] != NULL)
          return;
      g_main_loop_quit (pool->loop);
      return;
    }

  if (pool->failed_starts >= MAX_FAILED_STARTS)
    {
      g_autofree char *message = g_strdup_printf (_("Worker processes from “%s” keep exiting "
                                                    "before they are ready."),
                                                  pool->executable);

      pool_fail_start (pool, g_error_new_literal (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                                                  message));
      if (pool->ctx != NULL)
        pool_fail_pending (pool, message);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      /* Keep the pool whole: a new worker takes the lane. */
      pool->slots[lane] = slot_spawn (pool, lane, &error);
      if (pool->slots[lane] == NULL)
        {
          g_warning ("Cannot replace a worker process: %s", error->message);
          if (pool->ctx != NULL)
            pool_fail_pending (pool, error->message);
        }
      else if (pool->ctx != NULL)
        pool->ctx->run->respawns++;
    }

  if (pool->ctx != NULL)
    {
      for (guint i = 0; i < pool->n_workers; i++)
        if (pool->slots[i] != NULL)
          slot_dispatch (pool->slots[i]);
      pool_maybe_end_run (pool);
    }
}

static void
slot_check_gone (Slot *slot)
{
  if (slot->eof && !slot->exited)
    {
      /* It closed its stdout but lives on: it is of no use any more. */
      g_subprocess_force_exit (slot->process);
    }
  else if (slot->eof && slot->exited)
    slot_gone (slot);
}

static void
slot_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Slot *slot = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  slot->exited = TRUE;
  slot_check_gone (slot);
}

static void
slot_kill (Slot *slot)
{
  slot->broken = TRUE;
  if (!slot->exited)
    g_subprocess_force_exit (slot->process);
}

static gboolean
slot_send (Slot          *slot,
           LabFrameType   type,
           const void    *payload,
           gsize          payload_len,
           const void    *extra,
           gsize          extra_len)
{
  g_autoptr(GError) error = NULL;

  if (slot->broken)
    return FALSE;

  /* A blocking write is fine here: frames are small except task inputs,
   * and the worker's reader thread drains its pipe all the time. */
  if (!lab_frame_write_stream (slot->to_worker, type, payload, payload_len,
                               extra, extra_len, &error))
    {
      g_debug ("worker %d: %s", slot->pid, error->message);
      slot_kill (slot);
      return FALSE;
    }

  return TRUE;
}

/* Give a free worker the next task of the current run. */
static void
slot_dispatch (Slot *slot)
{
  LabProcessPool *pool = slot->pool;
  LabRunContext *ctx = pool->ctx;
  guint8 ids[8];
  guint32 run_id_le, index_le;
  GBytes *input;
  gpointer item;
  guint index;

  if (ctx == NULL || !slot->ready || slot->broken || slot->task >= 0 || pool->cancelling)
    return;

  if (slot->run_sent != pool->run_id)
    {
      if (!slot_send (slot, LAB_FRAME_RUN, g_bytes_get_data (pool->run_payload, NULL),
                      g_bytes_get_size (pool->run_payload), NULL, 0))
        return;
      slot->run_sent = pool->run_id;
    }

  item = g_queue_pop_head (&pool->pending);
  if (item == NULL)
    return;
  index = GPOINTER_TO_UINT (item) - 1;

  slot->task = index;
  lab_run_context_task_started (ctx, index, slot->lane, slot->pid, g_get_monotonic_time ());

  /* The input travels as a copy: processes share no memory. */
  run_id_le = GUINT32_TO_LE (pool->run_id);
  index_le = GUINT32_TO_LE (index);
  memcpy (ids, &run_id_le, 4);
  memcpy (ids + 4, &index_le, 4);
  input = ctx->inputs[index];
  slot_send (slot, LAB_FRAME_TASK, ids, sizeof ids,
             input ? g_bytes_get_data (input, NULL) : NULL, input ? g_bytes_get_size (input) : 0);
}

static void
slot_handle_hello (Slot     *slot,
                   LabFrame *frame)
{
  LabProcessPool *pool = slot->pool;

  if (slot->ready)
    return;

  slot->ready = TRUE;
  pool->failed_starts = 0;
  pool_publish_pid (pool, slot->lane, slot->pid);

  g_mutex_lock (&pool->mutex);
  pool->n_ready++;
  if (!pool->started && pool->n_ready == pool->n_workers)
    {
      pool->started = TRUE;
      pool->startup_us = g_get_monotonic_time () - pool->spawn_start_us;
      g_cond_broadcast (&pool->cond);
    }
  g_mutex_unlock (&pool->mutex);

  if (pool->startup_timeout != NULL && pool->started)
    {
      g_source_destroy (pool->startup_timeout);
      g_clear_pointer (&pool->startup_timeout, g_source_unref);
    }

  if (pool->ctx != NULL)
    {
      lab_run_context_push_worker (pool->ctx, LAB_EVENT_WORKER_STARTED, slot->lane, slot->pid);
      slot_dispatch (slot);
    }
}

static void
slot_handle_done (Slot     *slot,
                  LabFrame *frame)
{
  LabProcessPool *pool = slot->pool;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(GBytes) head = NULL;
  const char *value = NULL, *task_error = NULL;
  guint32 run_id, index, status, head_len = 0;
  gint64 start_us, end_us, ttfb_us;
  guint64 bytes;
  gsize size;
  const guint8 *data = g_bytes_get_data (frame->payload, &size);
  LabTaskRecord *record;

  if (size >= 4)
    {
      memcpy (&head_len, data, 4);
      head_len = GUINT32_FROM_LE (head_len);
    }
  if (size < 4 || head_len > size - 4)
    {
      g_warning ("worker %d sent a garbled result", slot->pid);
      slot_kill (slot);
      return;
    }

  head = g_bytes_new_from_bytes (frame->payload, 4, head_len);
  variant = g_variant_new_from_bytes (G_VARIANT_TYPE ("(uuxxtmsmsux)"), head, FALSE);
  if (!g_variant_is_normal_form (variant))
    {
      g_warning ("worker %d sent a malformed result", slot->pid);
      slot_kill (slot);
      return;
    }

  g_variant_get (variant, "(uuxxtm&sm&sux)", &run_id, &index, &start_us, &end_us, &bytes,
                 &value, &task_error, &status, &ttfb_us);

  if (pool->ctx == NULL || run_id != pool->run_id || (gint) index != slot->task)
    return;   /* a late answer to a run that is already over */

  record = &pool->ctx->run->records[index];
  record->lane = slot->lane;
  record->pid = slot->pid;
  record->start_us = start_us;
  record->end_us = end_us;
  record->bytes = bytes;
  record->value = g_strdup (value);
  record->status = status;
  record->ttfb_us = ttfb_us;
  if (size - 4 - head_len > 0)
    record->output = g_bytes_new_from_bytes (frame->payload, 4 + head_len, size - 4 - head_len);
  slot->task = -1;
  pool_finish_task (pool, index, task_error);

  slot_dispatch (slot);
  pool_maybe_end_run (pool);
}

static void
slot_handle_failed (Slot     *slot,
                    LabFrame *frame)
{
  LabProcessPool *pool = slot->pool;
  g_autoptr(GVariant) variant = lab_frame_get_variant (frame, "(us)", NULL);
  const char *message = NULL;
  guint32 run_id = 0;

  if (variant != NULL)
    g_variant_get (variant, "(u&s)", &run_id, &message);

  if (pool->ctx != NULL && run_id == pool->run_id)
    {
      /* The worker could not set up this run (say, the input folder is
       * unreadable from there): every task still waiting fails the same way. */
      pool_fail_pending (pool, message ? message : _("A worker process could not start the run."));
      pool_maybe_end_run (pool);
    }
}

static void
slot_payload_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Slot *slot = user_data;
  LabFrame frame = { 0 };
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, NULL) ||
      n < slot->payload_len)
    {
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  frame.type = slot->frame_type;
  frame.payload = g_bytes_new_take (g_steal_pointer (&slot->payload), slot->payload_len);

  switch (frame.type)
    {
    case LAB_FRAME_HELLO:
      slot_handle_hello (slot, &frame);
      break;

    case LAB_FRAME_DONE:
      slot_handle_done (slot, &frame);
      break;

    case LAB_FRAME_FAILED:
      slot_handle_failed (slot, &frame);
      break;

    case LAB_FRAME_RUN:
    case LAB_FRAME_TASK:
    case LAB_FRAME_CANCEL:
    default:
      g_warning ("worker %d sent a frame of type %d it should not send", slot->pid, frame.type);
      slot_kill (slot);
      break;
    }

  lab_frame_clear (&frame);
  slot_read_header (slot);
}

static void
slot_header_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Slot *slot = user_data;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, NULL) ||
      n < LAB_FRAME_HEADER_SIZE)
    {
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  if (!lab_frame_header_decode (slot->header, &slot->frame_type, &slot->payload_len, &error) ||
      (!slot->ready && slot->frame_type != LAB_FRAME_HELLO))
    {
      g_warning ("worker %d from “%s” does not speak our protocol: %s", slot->pid,
                 slot->pool->executable, error ? error->message : "no hello");
      slot_kill (slot);
      slot->eof = TRUE;
      slot_check_gone (slot);
      return;
    }

  slot->payload = g_malloc (MAX (slot->payload_len, 1));
  g_input_stream_read_all_async (slot->from_worker, slot->payload, slot->payload_len,
                                 G_PRIORITY_DEFAULT, NULL, slot_payload_cb, slot);
}

static void
slot_read_header (Slot *slot)
{
  g_input_stream_read_all_async (slot->from_worker, slot->header, sizeof slot->header,
                                 G_PRIORITY_DEFAULT, NULL, slot_header_cb, slot);
}

static Slot *
slot_spawn (LabProcessPool  *pool,
            guint            lane,
            GError         **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *identifier;
  Slot *slot;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GINT_TO_POINTER (getpid ()), NULL);

  slot = g_new0 (Slot, 1);
  slot->pool = pool;
  slot->lane = lane;
  slot->task = -1;
  slot->process = g_subprocess_launcher_spawn (launcher, &local_error,
                                               pool->executable, LAB_WORKER_FLAG, NULL);
  if (slot->process == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   _("Cannot start a worker process from “%s”: %s"),
                   pool->executable, local_error->message);
      slot_free (slot);
      return NULL;
    }

  /* NULL when the child has already exited and been reaped. */
  identifier = g_subprocess_get_identifier (slot->process);
  slot->pid = identifier != NULL ? g_ascii_strtoll (identifier, NULL, 10) : 0;
  slot->to_worker = g_subprocess_get_stdin_pipe (slot->process);
  slot->from_worker = g_subprocess_get_stdout_pipe (slot->process);

  g_subprocess_wait_async (slot->process, NULL, slot_wait_cb, slot);
  slot_read_header (slot);

  return slot;
}

static gboolean
startup_timeout_cb (gpointer data)
{
  LabProcessPool *pool = data;

  pool_fail_start (pool, g_error_new (LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                                      _("Worker processes from “%s” did not start within %d s."),
                                      pool->executable, (int) (STARTUP_TIMEOUT_US / G_USEC_PER_SEC)));
  return G_SOURCE_REMOVE;
}

static gpointer
pool_thread (gpointer data)
{
  LabProcessPool *pool = data;
  GSource *timeout;

  g_main_context_push_thread_default (pool->context);

  pool->spawn_start_us = g_get_monotonic_time ();
  for (guint i = 0; i < pool->n_workers; i++)
    {
      GError *error = NULL;

      pool->slots[i] = slot_spawn (pool, i, &error);
      if (pool->slots[i] == NULL)
        {
          pool_fail_start (pool, error);
          break;
        }
    }

  timeout = g_timeout_source_new (STARTUP_TIMEOUT_US / 1000);
  g_source_set_callback (timeout, startup_timeout_cb, pool, NULL);
  g_source_set_static_name (timeout, "[lab] pool start-up timeout");
  g_source_attach (timeout, pool->context);
  pool->startup_timeout = timeout;

  g_main_loop_run (pool->loop);

  if (pool->startup_timeout != NULL)
    {
      g_source_destroy (pool->startup_timeout);
      g_clear_pointer (&pool->startup_timeout, g_source_unref);
    }
  g_main_context_pop_thread_default (pool->context);
  return NULL;
}

/* Starts @n_workers copies of this program (or of $LAB_WORKER_EXECUTABLE)
 * and waits until every one of them is ready. */
LabProcessPool *
lab_process_pool_new (guint    n_workers,
                      GError **error)
{
  const char *override = g_getenv (LAB_WORKER_EXECUTABLE_ENV);
  g_autofree char *executable = NULL;
  g_autoptr(GError) local_error = NULL;

  if (override != NULL && *override != '\0')
    executable = g_strdup (override);
  else
    executable = g_file_read_link ("/proc/self/exe", &local_error);

  if (executable == NULL)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   _("Cannot find this program to start worker processes: %s"),
                   local_error->message);
      return NULL;
    }

  return lab_process_pool_new_for_executable (executable, n_workers, error);
}

LabProcessPool *
lab_process_pool_new_for_executable (const char  *executable,
                                     guint        n_workers,
                                     GError     **error)
{
  g_autoptr(LabProcessPool) pool = NULL;

  g_return_val_if_fail (executable != NULL, NULL);
  g_return_val_if_fail (n_workers > 0, NULL);

  if (n_workers > LAB_MAX_PROCESS_WORKERS)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_INVALID_PLAN,
                   _("At most %u worker processes can run at once, not %u."),
                   LAB_MAX_PROCESS_WORKERS, n_workers);
      return NULL;
    }

  /* Writing to a pipe whose worker just died must be an error we handle,
   * not a signal that kills the app. */
  signal (SIGPIPE, SIG_IGN);

  pool = g_new0 (LabProcessPool, 1);
  pool->executable = g_strdup (executable);
  pool->n_workers = n_workers;
  g_mutex_init (&pool->mutex);
  g_cond_init (&pool->cond);
  g_queue_init (&pool->pending);
  pool->pids = g_array_new (FALSE, TRUE, sizeof (gint));
  g_array_set_size (pool->pids, n_workers);
  pool->slots = g_new0 (Slot *, n_workers);
  pool->context = g_main_context_new ();
  pool->loop = g_main_loop_new (pool->context, FALSE);

  pool->thread = g_thread_new ("lab-process-pool", pool_thread, pool);

  g_mutex_lock (&pool->mutex);
  while (!pool->started)
    g_cond_wait (&pool->cond, &pool->mutex);
  g_mutex_unlock (&pool->mutex);

  if (pool->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pool->start_error));
      return NULL;
    }

  return g_steal_pointer (&pool);
}

static gboolean
shutdown_grace_cb (gpointer data)
{
  LabProcessPool *pool = data;

  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      slot_kill (pool->slots[i]);

  return G_SOURCE_REMOVE;
}

static gboolean
shutdown_in_pool_thread (gpointer data)
{
  LabProcessPool *pool = data;
  gboolean any = FALSE;
  GSource *grace;

  pool->shutting_down = TRUE;

  /* Closing its stdin asks a worker to leave; it does so at once. */
  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      {
        g_output_stream_close (pool->slots[i]->to_worker, NULL, NULL);
        any = TRUE;
      }

  if (!any)
    {
      g_main_loop_quit (pool->loop);
      return G_SOURCE_REMOVE;
    }

  grace = g_timeout_source_new (SHUTDOWN_GRACE_MS);
  g_source_set_callback (grace, shutdown_grace_cb, pool, NULL);
  g_source_set_static_name (grace, "[lab] pool shutdown grace");
  g_source_attach (grace, pool->context);
  g_source_unref (grace);

  return G_SOURCE_REMOVE;
}

/* Ends every worker (politely, then by force) and frees the pool. */
void
lab_process_pool_free (LabProcessPool *pool)
{
  if (pool == NULL)
    return;

  if (pool->thread != NULL)
    {
      g_main_context_invoke (pool->context, shutdown_in_pool_thread, pool);
      g_thread_join (pool->thread);
    }

  g_clear_error (&pool->start_error);
  g_clear_pointer (&pool->loop, g_main_loop_unref);
  g_clear_pointer (&pool->context, g_main_context_unref);
  g_clear_pointer (&pool->pids, g_array_unref);
  g_free (pool->slots);
  g_free (pool->executable);
  g_mutex_clear (&pool->mutex);
  g_cond_clear (&pool->cond);
  g_free (pool);
}

guint
lab_process_pool_get_n_workers (LabProcessPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->n_workers;
}

gint64
lab_process_pool_get_startup_us (LabProcessPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->startup_us;
}

/* The pids of the live workers, by lane (0 where a lane is being refilled). */
GArray *
lab_process_pool_dup_pids (LabProcessPool *pool)
{
  GArray *pids;

  g_return_val_if_fail (pool != NULL, NULL);

  g_mutex_lock (&pool->mutex);
  pids = g_array_copy (pool->pids);
  g_mutex_unlock (&pool->mutex);

  return pids;
}

/* Waits until every lane has a live, ready worker. */
gboolean
lab_process_pool_wait_ready (LabProcessPool *pool,
                             gint64          timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  g_return_val_if_fail (pool != NULL, FALSE);

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GArray) pids = lab_process_pool_dup_pids (pool);
      gboolean whole = TRUE;

      for (guint i = 0; i < pids->len; i++)
        whole &= g_array_index (pids, gint, i) != 0;
      if (whole)
        return TRUE;
      g_usleep (5000);
    }

  return FALSE;
}

static void
pool_maybe_end_run (LabProcessPool *pool)
{
  if (pool->ctx == NULL || pool->outstanding > 0)
    return;

  /* From here on the pool thread no longer touches the run. */
  pool->ctx = NULL;
  pool->cancelling = FALSE;
  g_clear_pointer (&pool->crashes, g_free);
  g_clear_pointer (&pool->run_payload, g_bytes_unref);

  g_mutex_lock (&pool->mutex);
  pool->run_active = FALSE;
  g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->mutex);
}

typedef struct
{
  LabProcessPool *pool;
  LabRunContext  *ctx;
  guint           run_id;
  GBytes         *payload;
} RunStart;

static gboolean
start_run_in_pool_thread (gpointer data)
{
  RunStart *start = data;
  LabProcessPool *pool = start->pool;
  LabRunContext *ctx = start->ctx;

  pool->ctx = ctx;
  pool->run_id = start->run_id;
  pool->run_payload = start->payload;
  pool->outstanding = ctx->run->n_records;
  pool->crashes = g_new0 (guint, ctx->run->n_records);
  for (guint i = 0; i < ctx->run->n_records; i++)
    g_queue_push_tail (&pool->pending, GUINT_TO_POINTER (i + 1));

  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL && pool->slots[i]->ready)
      lab_run_context_push_worker (ctx, LAB_EVENT_WORKER_STARTED, i, pool->slots[i]->pid);

  lab_run_context_start_clock (ctx);

  /* Cancelled before we got here: the cancel request found no run. */
  if (g_cancellable_is_cancelled (ctx->cancellable))
    {
      pool_cancel_run (pool);
      return G_SOURCE_REMOVE;
    }

  for (guint i = 0; i < pool->n_workers; i++)
    if (pool->slots[i] != NULL)
      slot_dispatch (pool->slots[i]);

  pool_maybe_end_run (pool);
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_grace_cb (gpointer data)
{
  LabProcessPool *pool = data;

  /* Still busy after the grace period: stop them the hard way; their tasks
   * end as cancelled and fresh workers take their places. */
  if (pool->ctx != NULL && pool->cancelling)
    for (guint i = 0; i < pool->n_workers; i++)
      if (pool->slots[i] != NULL && pool->slots[i]->task >= 0)
        slot_kill (pool->slots[i]);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  LabProcessPool *pool;
  guint           run_id;
} CancelRequest;

/* Stops the current run: tasks still waiting end as cancelled, busy
 * workers are asked to stop, and killed if they do not within the grace
 * period. */
static void
pool_cancel_run (LabProcessPool *pool)
{
  guint8 payload[8];
  GSource *grace;

  if (pool->ctx == NULL || pool->cancelling)
    return;

  pool->cancelling = TRUE;
  pool_fail_pending (pool, _("Cancelled"));

  for (guint i = 0; i < pool->n_workers; i++)
    {
      Slot *slot = pool->slots[i];
      g_autoptr(GVariant) variant = NULL;

      if (slot == NULL || slot->task < 0)
        continue;

      variant = g_variant_ref_sink (g_variant_new ("(u)", pool->run_id));
      g_assert (g_variant_get_size (variant) <= sizeof payload);
      memcpy (payload, g_variant_get_data (variant), g_variant_get_size (variant));
      slot_send (slot, LAB_FRAME_CANCEL, payload, g_variant_get_size (variant), NULL, 0);
    }

  grace = g_timeout_source_new (CANCEL_GRACE_MS);
  g_source_set_callback (grace, cancel_grace_cb, pool, NULL);
  g_source_set_static_name (grace, "[lab] cancel grace");
  g_source_attach (grace, pool->context);
  g_source_unref (grace);

  pool_maybe_end_run (pool);
}

static gboolean
cancel_in_pool_thread (gpointer data)
{
  CancelRequest *request = data;

  if (request->pool->run_id == request->run_id)
    pool_cancel_run (request->pool);

  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  CancelRequest *request = data;

  /* Any thread may press Cancel; the pool thread does the work. */
  g_main_context_invoke_full (request->pool->context, G_PRIORITY_HIGH,
                              cancel_in_pool_thread, g_memdup2 (request, sizeof *request), g_free);
}

/* Runs every task of @ctx on the pool's workers; returns when all are done
 * or cancelled. */
gboolean
lab_process_pool_run (LabProcessPool  *pool,
                      LabRunContext   *ctx,
                      GError         **error)
{
  static guint next_run_id;
  g_autoptr(GVariant) frame = NULL;
  CancelRequest request;
  RunStart start;
  gulong handler;

  g_return_val_if_fail (pool != NULL, FALSE);
  g_return_val_if_fail (ctx != NULL, FALSE);

  start.pool = pool;
  start.ctx = ctx;
  start.run_id = (guint) g_atomic_int_add (&next_run_id, 1) + 1;
  frame = g_variant_ref_sink (g_variant_new ("(u@a{sv})", start.run_id,
                                             lab_plan_to_variant (lab_workload_get_plan (ctx->workload))));
  start.payload = g_variant_get_data_as_bytes (frame);

  g_mutex_lock (&pool->mutex);
  g_assert (!pool->run_active);
  pool->run_active = TRUE;
  g_mutex_unlock (&pool->mutex);

  ctx->run->startup_us = pool->startup_us;

  /* Everything about the run is handed to the pool thread, which alone
   * touches it until the run is over. */
  request.pool = pool;
  request.run_id = start.run_id;
  g_main_context_invoke (pool->context, start_run_in_pool_thread, &start);
  handler = g_cancellable_connect (ctx->cancellable, G_CALLBACK (cancelled_cb), &request, NULL);

  g_mutex_lock (&pool->mutex);
  while (pool->run_active)
    g_cond_wait (&pool->cond, &pool->mutex);
  g_mutex_unlock (&pool->mutex);

  g_cancellable_disconnect (ctx->cancellable, handler);

  return TRUE;
}
