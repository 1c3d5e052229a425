/* lab-worker-command.c — `concurrency-lab worker`: this PC joins a pool
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run on any machine that reaches the teacher's broker:
 *
 *     concurrency-lab worker --broker=redis://:PASSWORD@HOST:6379
 *
 * and it takes jobs until Ctrl+C (broker/lab-rq-worker.c does the work).
 * The app's local workers are this same command, with the broker's URL in
 * $LAB_BROKER_URL so the password never shows in `ps`.
 */

#define G_LOG_DOMAIN "lab-worker-command"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>

#include "lab-local-broker.h"
#include "lab-options.h"
#include "lab-rq-worker.h"
#include "lab-worker-command.h"

typedef struct
{
  LabRqWorkerOptions  options;
  GCancellable       *stop;
  GMainLoop          *loop;
  GError             *error;
  gboolean            ok;
} WorkerCommand;

static gboolean
on_signal (gpointer data)
{
  WorkerCommand *command = data;

  g_cancellable_cancel (command->stop);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
work_thread (gpointer data)
{
  WorkerCommand *command = data;

  command->ok = lab_rq_worker_run (&command->options, command->stop, &command->error);
  g_idle_add (quit_loop, command->loop);
  return NULL;
}

int
lab_worker_command_main (int    argc,
                         char **argv)
{
  g_autofree char *broker = NULL, *concurrency_text = NULL, *name = NULL;
  gboolean local = FALSE;
  const GOptionEntry entries[] = {
    LAB_BROKER_OPTION_ENTRY (broker),
    { "concurrency", 0, 0, G_OPTION_ARG_STRING, &concurrency_text, N_("Jobs to run at once, 1–64 (default: 1)"), "N" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("This worker’s name in the pool (default: host:pid)"), N_("NAME") },
    { "local", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &local, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  WorkerCommand command = { 0 };
  guint concurrency = 1, sigint, sigterm;
  GThread *thread;

  g_option_context_set_summary (context, _("Join a pool of workers: take jobs from a Redis broker, "
                                           "run them and report back, until Ctrl+C."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto bad_input;
  if (!lab_options_no_arguments (argc, argv, &error))
    goto bad_input;

  if (broker == NULL && g_getenv (LAB_BROKER_URL_ENV) != NULL)
    broker = g_strdup (g_getenv (LAB_BROKER_URL_ENV));
  if (broker == NULL)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Say which broker to join, e.g. --broker=redis://:PASSWORD@HOST:6379."));
      goto bad_input;
    }
  {
    g_autofree char *checked = NULL;

    if (!lab_broker_option_parse (broker, &checked, &error))
      goto bad_input;
  }
  if (concurrency_text != NULL &&
      !lab_parse_bounded ("--concurrency", concurrency_text, LAB_RQ_WORKER_MAX_CONCURRENCY,
                          &concurrency, &error))
    goto bad_input;
  if (concurrency == 0)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--concurrency: at least 1."));
      goto bad_input;
    }
  if (name != NULL && !lab_rq_worker_check_name (name, &error))
    goto bad_input;

  /* A broker that goes away must end us with a sentence, not SIGPIPE. */
  signal (SIGPIPE, SIG_IGN);

  command.options.broker_url = broker;
  command.options.concurrency = concurrency;
  command.options.name = name;
  command.options.local = local;
  command.stop = stop;
  command.loop = loop;

  sigint = g_unix_signal_add (SIGINT, on_signal, &command);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &command);
  thread = g_thread_new ("lab-rq-worker", work_thread, &command);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (!command.ok)
    {
      g_printerr ("concurrency-lab worker: %s\n", command.error->message);
      g_clear_error (&command.error);
      return 1;
    }
  return 0;

bad_input:
  return lab_options_bad_input ("worker", error);
}
