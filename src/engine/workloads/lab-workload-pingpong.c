/* lab-workload-pingpong.c — producers, a consumer, and a queue (seed 003)
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two producers put "Ping" and "Pong" into one queue, 7 each, with random
 * pauses; a consumer in the app takes the first 10 and notes the order in
 * which they arrived.  Threads (and the event loop) share an in-process
 * queue; worker processes share nothing, so their items travel through a
 * pipe to the app — communication between processes is explicit, as with
 * Python's multiprocessing.Queue, which is a pipe too.  The pipe has no
 * name anybody could guess or plant: the app makes it with pipe () and
 * each worker opens the app's end as /proc/<app>/fd/<n>, which only
 * processes allowed to look inside the app may do.
 *
 * Each item travels as "Ping <producer> <time put>": the consumer keeps
 * the word for the order, and reports when the item was put and taken, so
 * the timeline can draw the order of arrival (the monotonic clock is the
 * same in every process).
 *
 * --global-counter is the seed's first, broken version: each producer loops
 * "while counter < 10".  Threads share the counter and stop at about 10 in
 * all; every process has a counter of its own, and each produces 10.
 */

#define G_LOG_DOMAIN "lab-workload-pingpong"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <string.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "lab-workload-pingpong.h"

#define ITEMS_EACH 7
#define TAKEN 10

struct _LabWorkloadPingpong
{
  LabWorkload   parent_instance;

  gboolean      in_app;
  LabMode       mode;
  GAsyncQueue  *queue;          /* threads, sequential, async */
  int           pipe_fd;        /* processes: the app's (reading) end of the pipe */
  GThread      *consumer;
  GCancellable *stop;
  guint         consumer_pause_ms;

  GMutex        order_lock;
  GCond         order_changed;
  GPtrArray    *order;          /* what the consumer took, in order */
  gboolean      consumer_done;  /* it took its 10, was stopped, or the pipe broke */

  gint          produced;       /* items put, counted in the app */
  gint          counter;        /* the broken version's "global" counter */
};

G_DEFINE_FINAL_TYPE (LabWorkloadPingpong, lab_workload_pingpong, LAB_TYPE_WORKLOAD)

static const char * const words[] = { "Ping", "Pong" };

static gboolean
lab_workload_pingpong_prepare (LabWorkload  *workload,
                               GError      **error)
{
  lab_workload_set_n_tasks (workload, G_N_ELEMENTS (words));
  return TRUE;
}

static char *
lab_workload_pingpong_dup_task_name (LabWorkload *workload,
                                     guint        index)
{
  return g_strdup_printf (_("producer “%s”"), words[index % 2]);
}

/* What travels through the queue or the pipe: the word, who put it, and
 * when. */
static char *
item_new (const char *word,
          guint       producer)
{
  return g_strdup_printf ("%s %u %" G_GINT64_FORMAT, word, producer, g_get_monotonic_time ());
}

/* The consumer appends under the lock, so that verify can wait for the
 * last item and never reads the list while it grows.  It keeps only the
 * word of @item, and reports when the item was put and taken. */
static void
take (LabWorkloadPingpong *self,
      char                *item)
{
  gint64 taken_us;
  char *space;

  if (self->consumer_pause_ms > 0)   /* a slow consumer: the queue fills up */
    g_usleep (self->consumer_pause_ms * G_TIME_SPAN_MILLISECOND);
  taken_us = g_get_monotonic_time ();

  space = strchr (item, ' ');
  if (space != NULL)
    {
      char *end = NULL;
      guint64 producer = g_ascii_strtoull (space + 1, &end, 10);
      gint64 put_us = end != NULL && *end == ' ' ? g_ascii_strtoll (end + 1, NULL, 10) : 0;

      *space = '\0';
      if (put_us > 0 && producer < G_MAXUINT)
        {
          lab_workload_push_event (LAB_WORKLOAD (self), LAB_EVENT_ITEM_PUT, producer, put_us);
          lab_workload_push_event (LAB_WORKLOAD (self), LAB_EVENT_ITEM_TAKEN, producer,
                                   taken_us);
        }
    }

  g_mutex_lock (&self->order_lock);
  g_ptr_array_add (self->order, item);
  g_cond_broadcast (&self->order_changed);
  g_mutex_unlock (&self->order_lock);
}

/* The consumer: takes the first 10 items, in the order they come.  Only
 * this thread adds to the order, so it may read the length unlocked. */
static gpointer
consumer_thread (gpointer data)
{
  LabWorkloadPingpong *self = data;
  g_autoptr(GString) line = g_string_new (NULL);

  while (self->order->len < TAKEN && !g_cancellable_is_cancelled (self->stop))
    {
      if (self->queue != NULL)
        {
          char *item = g_async_queue_timeout_pop (self->queue, 20000);

          if (item != NULL)
            take (self, item);
        }
      else
        {
          char c;
          ssize_t n = read (self->pipe_fd, &c, 1);

          if (n == 1 && c == '\n')
            {
              take (self, g_strdup (line->str));
              g_string_truncate (line, 0);
            }
          else if (n == 1)
            g_string_append_c (line, c);
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            break;
          else if (n <= 0)
            g_usleep (1000);
        }
    }

  /* Wake a verify that waits for items that will never come. */
  g_mutex_lock (&self->order_lock);
  self->consumer_done = TRUE;
  g_cond_broadcast (&self->order_changed);
  g_mutex_unlock (&self->order_lock);
  return NULL;
}

static void
stop_consumer (LabWorkloadPingpong *self)
{
  if (self->consumer == NULL)
    return;

  g_cancellable_cancel (self->stop);
  g_thread_join (self->consumer);
  self->consumer = NULL;
}

static gboolean
lab_workload_pingpong_begin_run (LabWorkload  *workload,
                                 LabMode       mode,
                                 GError      **error)
{
  LabWorkloadPingpong *self = LAB_WORKLOAD_PINGPONG (workload);

  self->in_app = TRUE;
  self->mode = mode;
  self->produced = 0;
  self->counter = 0;
  g_ptr_array_set_size (self->order, 0);
  self->consumer_done = FALSE;
  self->stop = g_cancellable_new ();

  if (lab_mode_uses_processes (mode))
    {
      g_autoptr(GError) pipe_error = NULL;
      int fds[2];

      /* The workers open the reading end for writing through /proc; the
       * app needs no writing end of its own. */
      if (!g_unix_open_pipe (fds, FD_CLOEXEC, &pipe_error))
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                       _("Cannot make a pipe for the processes: %s."), pipe_error->message);
          return FALSE;
        }
      g_unix_set_fd_nonblocking (fds[0], TRUE, NULL);
      close (fds[1]);
      self->pipe_fd = fds[0];
      lab_workload_set_queue_fd (workload, self->pipe_fd);
    }
  else
    self->queue = g_async_queue_new_full (g_free);

  self->consumer = g_thread_new ("lab-consumer", consumer_thread, self);
  return TRUE;
}

static void
lab_workload_pingpong_end_run (LabWorkload *workload)
{
  LabWorkloadPingpong *self = LAB_WORKLOAD_PINGPONG (workload);

  stop_consumer (self);
  g_clear_object (&self->stop);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  if (self->pipe_fd >= 0)
    {
      close (self->pipe_fd);
      self->pipe_fd = -1;
      lab_workload_set_queue_fd (workload, -1);
    }
}

/* One item into the queue: a push between threads, a line through the
 * pipe between processes. */
static gboolean
put (LabWorkloadPingpong  *self,
     int                  *pipe_fd,
     const char           *word,
     guint                 producer,
     GError              **error)
{
  if (self->in_app)
    {
      g_async_queue_push (self->queue, item_new (word, producer));
      g_atomic_int_inc (&self->produced);
      return TRUE;
    }

  if (*pipe_fd < 0)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/fd/%d", (int) getppid (),
                                               lab_workload_get_plan (LAB_WORKLOAD (self))->queue_fd);

      *pipe_fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
      if (*pipe_fd < 0)
        {
          g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                       _("Cannot open the pipe to the app: %s."), g_strerror (errno));
          return FALSE;
        }
    }

  {
    g_autofree char *item = item_new (word, producer);
    g_autofree char *line = g_strconcat (item, "\n", NULL);

    /* Shorter than PIPE_BUF: the line arrives whole, never interleaved. */
    if (write (*pipe_fd, line, strlen (line)) < 0)
      {
        g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_TASK,
                     _("Cannot write into the pipe to the app: %s."), g_strerror (errno));
        return FALSE;
      }
  }
  return TRUE;
}

static gboolean
lab_workload_pingpong_run_task (LabWorkload     *workload,
                                LabTaskContext  *context,
                                GBytes          *input,
                                LabTaskRecord   *record,
                                GError         **error)
{
  LabWorkloadPingpong *self = LAB_WORKLOAD_PINGPONG (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  const char *word = words[record->index % 2];
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (plan->seed * 31 + record->index));
  int pipe_fd = -1;
  guint put_here = 0;

  for (;;)
    {
      /* The broken version counts in a "global" that each process has for
       * itself; the right one counts its own 7. */
      if (plan->global_counter ? g_atomic_int_add (&self->counter, 1) >= TAKEN
                               : put_here >= ITEMS_EACH)
        break;

      if (!put (self, &pipe_fd, word, record->index, error))
        break;
      put_here++;

      /* sleep (uniform (0, pause)) in the seed */
      if (!lab_sleep_cancellable (g_rand_int_range (rand, 0, plan->pause_ms * 1000 + 1),
                                  context->cancellable, error))
        break;
    }

  if (pipe_fd >= 0)
    close (pipe_fd);

  record->bytes = put_here;
  record->value = g_strdup_printf ("%u", put_here);
  return error == NULL || *error == NULL;
}

/* On the event loop a producer's pause is a timer, so the two producers
 * take turns on the one thread, as two asyncio tasks would. */
typedef struct
{
  LabWorkloadPingpong *self;
  LabTaskRecord       *record;
  GRand               *rand;
  guint                put;
  int                  pipe_fd;   /* in a worker process: the pipe to the app, once open */
} AsyncProducer;

static void
async_producer_free (gpointer data)
{
  AsyncProducer *producer = data;

  g_rand_free (producer->rand);
  if (producer->pipe_fd >= 0)
    close (producer->pipe_fd);
  g_free (producer);
}

static gboolean
async_produce_cb (gpointer data)
{
  GTask *task = data;
  AsyncProducer *producer = g_task_get_task_data (task);
  const LabPlan *plan = lab_workload_get_plan (LAB_WORKLOAD (producer->self));
  g_autoptr(GSource) next = NULL;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      producer->record->end_us = g_get_monotonic_time ();
      return G_SOURCE_REMOVE;
    }

  if (plan->global_counter ? g_atomic_int_add (&producer->self->counter, 1) >= TAKEN
                           : producer->put >= ITEMS_EACH)
    {
      producer->record->bytes = producer->put;
      producer->record->value = g_strdup_printf ("%u", producer->put);
      producer->record->end_us = g_get_monotonic_time ();
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (!put (producer->self, &producer->pipe_fd, words[producer->record->index % 2],
            producer->record->index, &error))
    {
      producer->record->end_us = g_get_monotonic_time ();
      g_task_return_error (task, error);
      return G_SOURCE_REMOVE;
    }
  producer->put++;

  next = g_timeout_source_new (g_rand_int_range (producer->rand, 0, plan->pause_ms + 1));
  g_task_attach_source (task, next, async_produce_cb);
  return G_SOURCE_REMOVE;
}

static void
lab_workload_pingpong_run_task_async (LabWorkload         *workload,
                                      LabTaskContext      *context,
                                      GBytes              *input,
                                      LabTaskRecord       *record,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (workload, context->cancellable, callback, user_data);
  AsyncProducer *producer = g_new0 (AsyncProducer, 1);
  g_autoptr(GSource) first = g_idle_source_new ();
  const LabPlan *plan = lab_workload_get_plan (workload);

  g_task_set_source_tag (task, lab_workload_pingpong_run_task_async);
  producer->self = LAB_WORKLOAD_PINGPONG (workload);
  producer->record = record;
  producer->rand = g_rand_new_with_seed ((guint32) (plan->seed * 31 + record->index));
  producer->pipe_fd = -1;
  g_task_set_task_data (task, producer, async_producer_free);
  g_task_attach_source (task, first, async_produce_cb);
}

static gboolean
lab_workload_pingpong_verify (LabWorkload  *workload,
                              LabRun       *run,
                              GError      **error)
{
  LabWorkloadPingpong *self = LAB_WORKLOAD_PINGPONG (workload);
  const LabPlan *plan = lab_workload_get_plan (workload);
  gint64 produced = 0;
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantBuilder order;
  GVariantDict fields;
  gint64 deadline;
  guint wanted;

  for (guint i = 0; i < run->n_records; i++)
    produced += g_ascii_strtoll (run->records[i].value, NULL, 10);
  wanted = MIN (produced, TAKEN);

  /* The last items may still be in the queue or the pipe: wait until the
   * consumer has taken them, then stop it, so that nobody adds to the order
   * while it is read.  The deadline is only a safety net for an item lost
   * on the way; a slow consumer is simply waited for. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  g_mutex_lock (&self->order_lock);
  while (self->order->len < wanted && !self->consumer_done &&
         g_cond_wait_until (&self->order_changed, &self->order_lock, deadline))
    ;
  g_mutex_unlock (&self->order_lock);
  stop_consumer (self);

  if (!plan->global_counter && produced != 2 * ITEMS_EACH)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("The producers put %" PRId64 " items instead of %d."),
                   produced, 2 * ITEMS_EACH);
      return FALSE;
    }
  if (self->order->len != wanted)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_VERIFY,
                   _("The consumer took %u items instead of %d."), self->order->len, TAKEN);
      return FALSE;
    }

  g_variant_builder_init (&order, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < self->order->len; i++)
    {
      const char *item = g_ptr_array_index (self->order, i);

      g_variant_builder_add (&order, "s", item);
      g_string_append_printf (text, "%s%s", i ? " " : "", item);
    }

  run->result = g_strdup_printf (_("%" PRId64 " produced, %u taken: %s"), produced,
                                 self->order->len, text->str);
  g_variant_dict_init (&fields, NULL);
  g_variant_dict_insert (&fields, "produced", "x", produced);
  g_variant_dict_insert (&fields, "consumed", "x", (gint64) self->order->len);
  g_variant_dict_insert_value (&fields, "order", g_variant_builder_end (&order));
  run->result_fields = g_variant_ref_sink (g_variant_dict_end (&fields));
  return TRUE;
}

static void
lab_workload_pingpong_finalize (GObject *object)
{
  LabWorkloadPingpong *self = LAB_WORKLOAD_PINGPONG (object);

  lab_workload_pingpong_end_run (LAB_WORKLOAD (self));
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_mutex_clear (&self->order_lock);
  g_cond_clear (&self->order_changed);

  G_OBJECT_CLASS (lab_workload_pingpong_parent_class)->finalize (object);
}

static void
lab_workload_pingpong_class_init (LabWorkloadPingpongClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LabWorkloadClass *workload_class = LAB_WORKLOAD_CLASS (klass);

  object_class->finalize = lab_workload_pingpong_finalize;

  workload_class->prepare = lab_workload_pingpong_prepare;
  workload_class->dup_task_name = lab_workload_pingpong_dup_task_name;
  workload_class->begin_run = lab_workload_pingpong_begin_run;
  workload_class->end_run = lab_workload_pingpong_end_run;
  workload_class->run_task = lab_workload_pingpong_run_task;
  workload_class->run_task_async = lab_workload_pingpong_run_task_async;
  workload_class->verify = lab_workload_pingpong_verify;
}

static void
lab_workload_pingpong_init (LabWorkloadPingpong *self)
{
  self->order = g_ptr_array_new_with_free_func (g_free);
  self->pipe_fd = -1;
  g_mutex_init (&self->order_lock);
  g_cond_init (&self->order_changed);
}

/* Makes the consumer pause before it takes each item, as a slow consumer
 * would: the tests use it to check that verify waits for the last item. */
void
lab_workload_pingpong_set_consumer_pause (LabWorkloadPingpong *self,
                                          guint                pause_ms)
{
  g_return_if_fail (LAB_IS_WORKLOAD_PINGPONG (self));

  self->consumer_pause_ms = pause_ms;
}
