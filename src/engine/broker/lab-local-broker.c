/* lab-local-broker.c — a private Redis and local workers, for one machine
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without --broker the distributed mode works out of the box: we start
 * Debian's redis-server ourselves, on 127.0.0.1 only, on a free port, with
 * a random password, and `concurrency-lab worker` processes that join it
 * exactly as a classroom PC would.  The configuration (with the password)
 * goes through redis-server's stdin, so it never shows in `ps`; the
 * workers get the URL in their environment for the same reason.
 *
 * Nothing outlives us: every child dies with the thread that spawned it
 * (PR_SET_PDEATHSIG), and lab_local_broker_stop () ends them in order —
 * workers first (they unregister), then the broker.
 */

#define G_LOG_DOMAIN "lab-local-broker"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "lab-broker.h"
#include "lab-local-broker.h"
#include "lab-process-pool.h"

#define READY_TIMEOUT_US   (10 * G_USEC_PER_SEC)
#define STOP_GRACE_US      (2 * G_USEC_PER_SEC)

struct _LabLocalBroker
{
  GSubprocess *server;
  char        *url;
  GPtrArray   *workers;   /* GSubprocess */
};

static void
child_setup (gpointer data)
{
  /* Die with the thread that started us, even if the app is killed. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != GPOINTER_TO_INT (data))
    _exit (1);
}

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);
  return launcher;
}

/* A port nobody listens on right now.  Another program may take it before
 * redis-server does; lab_local_broker_start () then tries another. */
static guint
find_free_port (GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, any_port, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
new_password (void)
{
  guint8 bytes[16];
  GString *hex = g_string_new (NULL);

  if (getrandom (bytes, sizeof bytes, 0) != sizeof bytes)
    for (guint i = 0; i < sizeof bytes; i++)
      bytes[i] = g_random_int_range (0, 256);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

static gboolean
has_exited (GSubprocess *process)
{
  return g_subprocess_get_identifier (process) == NULL;
}

/* Ends @process: SIGTERM, then SIGKILL after a grace period.  Polls
 * because the caller's thread has no main loop to wait on. */
static void
end_process (GSubprocess *process)
{
  gint64 deadline = g_get_monotonic_time () + STOP_GRACE_US;

  if (!has_exited (process))
    g_subprocess_send_signal (process, SIGTERM);
  while (!has_exited (process) && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  if (!has_exited (process))
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
}

static GSubprocess *
spawn_server (guint    port,
              const char *password,
              GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autofree char *program = g_find_program_in_path ("redis-server");
  g_autofree char *config = NULL;
  GOutputStream *in;

  if (program == NULL)
    {
      g_set_error_literal (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_MISSING,
                           _("The distributed mode needs a Redis server: install one with "
                             "“sudo apt install redis-server”, or give the address of a running "
                             "one with --broker=redis://:PASSWORD@HOST:6379."));
      return NULL;
    }

  /* Loopback only, a password, nothing written to disk. */
  config = g_strdup_printf ("bind 127.0.0.1\n"
                            "port %u\n"
                            "protected-mode yes\n"
                            "requirepass %s\n"
                            "save \"\"\n"
                            "appendonly no\n"
                            "daemonize no\n"
                            "loglevel warning\n"
                            "dir /tmp\n",
                            port, password);

  launcher = new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  server = g_subprocess_launcher_spawn (launcher, error, program, "-", NULL);
  if (server == NULL)
    return NULL;

  in = g_subprocess_get_stdin_pipe (server);
  if (!g_output_stream_write_all (in, config, strlen (config), NULL, NULL, error) ||
      !g_output_stream_close (in, NULL, error))
    {
      end_process (server);
      return NULL;
    }

  return g_steal_pointer (&server);
}

/* Starts redis-server and waits until it answers.  @cancellable stops the
 * wait. */
LabLocalBroker *
lab_local_broker_start (GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *password = new_password ();

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr(GSubprocess) server = NULL;
      g_autofree char *url = NULL;
      gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
      guint port = find_free_port (error);

      if (port == 0)
        return NULL;
      server = spawn_server (port, password, error);
      if (server == NULL)
        return NULL;

      url = g_strdup_printf ("redis://:%s@127.0.0.1:%u", password, port);
      while (!has_exited (server))
        {
          g_autoptr(LabBroker) broker = lab_broker_connect (url, NULL);

          if (broker != NULL)
            {
              LabLocalBroker *self = g_new0 (LabLocalBroker, 1);

              self->server = g_steal_pointer (&server);
              self->url = g_steal_pointer (&url);
              self->workers = g_ptr_array_new_with_free_func (g_object_unref);
              return self;
            }

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              end_process (server);
              return NULL;
            }
          if (g_get_monotonic_time () > deadline)
            {
              end_process (server);
              g_set_error (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_GONE,
                           _("The local Redis server did not answer within %d seconds."),
                           (int) (READY_TIMEOUT_US / G_USEC_PER_SEC));
              return NULL;
            }
          g_usleep (10000);
        }
      /* It exited at once: most likely somebody took the port meanwhile. */
    }

  g_set_error_literal (error, LAB_BROKER_ERROR, LAB_BROKER_ERROR_GONE,
                       _("The local Redis server would not start; try “redis-server” in a "
                         "terminal to see why."));
  return NULL;
}

const char *
lab_local_broker_get_url (LabLocalBroker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->url;
}

gint
lab_local_broker_get_pid (LabLocalBroker *self)
{
  const char *id;

  g_return_val_if_fail (self != NULL, -1);

  id = g_subprocess_get_identifier (self->server);
  return id ? atoi (id) : -1;
}

/* Starts @n_workers `concurrency-lab worker` processes on this machine,
 * one job at a time each, like the processes mode's pool. */
gboolean
lab_local_broker_spawn_workers (LabLocalBroker  *self,
                                guint            n_workers,
                                GError         **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *override = g_getenv (LAB_WORKER_EXECUTABLE_ENV);
  g_autofree char *executable = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (override != NULL && *override != '\0')
    executable = g_strdup (override);
  else
    executable = g_file_read_link ("/proc/self/exe", error);
  if (executable == NULL)
    return FALSE;

  launcher = new_launcher (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_setenv (launcher, LAB_BROKER_URL_ENV, self->url, TRUE);

  for (guint i = 0; i < n_workers; i++)
    {
      /* --local: this worker may run jobs that name files on this
       * machine (a folder to hash, a folder to save into), because the
       * app that enqueues them is on this machine too. */
      GSubprocess *worker = g_subprocess_launcher_spawn (launcher, error, executable, "worker",
                                                         "--local", "--concurrency=1", NULL);

      if (worker == NULL)
        return FALSE;
      g_ptr_array_add (self->workers, worker);
    }

  return TRUE;
}

guint
lab_local_broker_count_live_workers (LabLocalBroker *self)
{
  guint live = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->workers->len; i++)
    live += !has_exited (g_ptr_array_index (self->workers, i));
  return live;
}

/* Workers first, so they can unregister from a broker that still
 * answers; then the broker. */
void
lab_local_broker_stop (LabLocalBroker *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->workers->len; i++)
    if (!has_exited (g_ptr_array_index (self->workers, i)))
      g_subprocess_send_signal (g_ptr_array_index (self->workers, i), SIGTERM);
  for (guint i = 0; i < self->workers->len; i++)
    end_process (g_ptr_array_index (self->workers, i));
  end_process (self->server);

  g_ptr_array_unref (self->workers);
  g_clear_object (&self->server);
  g_free (self->url);
  g_free (self);
}
