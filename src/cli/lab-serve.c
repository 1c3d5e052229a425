/* lab-serve.c — `concurrency-lab serve`: the embedded server on its own,
 * for curl, a browser, or another machine's Python script on this one
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-serve"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib-unix.h>
#include <stdio.h>

#include "lab-options.h"
#include "lab-serve.h"
#include "lab-server.h"

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
lab_serve_main (int    argc,
                char **argv)
{
  g_autofree char *port = NULL, *files = NULL, *size = NULL, *latency = NULL;
  g_autofree char *bandwidth = NULL, *fail = NULL, *fail_share = NULL;
  gboolean listen_all = FALSE;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_STRING, &port, N_("Port on 127.0.0.1 (default: any free port)"), "P" },
    { "files", 0, 0, G_OPTION_ARG_STRING, &files, N_("Number of files file-000.bin … (default: 10)"), "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, N_("Size of each file, e.g. 64k or 4MiB (default: 64k)"), N_("BYTES") },
    { "latency-ms", 0, 0, G_OPTION_ARG_STRING, &latency, N_("Wait before each answer (default: 0)"), N_("MS") },
    { "bandwidth", 0, 0, G_OPTION_ARG_STRING, &bandwidth, N_("Bytes per second per connection, e.g. 1MiB (default: no limit)"), N_("BYTES") },
    { "fail", 0, 0, G_OPTION_ARG_STRING, &fail, N_("Make file requests fail: 500, reset or stall"), N_("HOW") },
    { "fail-share", 0, 0, G_OPTION_ARG_STRING, &fail_share, N_("Share of file requests that fail, 0–1 (default: 1 with --fail)"), N_("SHARE") },
    LAB_SERVER_BEYOND_LOOPBACK_ENTRY ("listen-all", listen_all),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LabServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  LabServerOptions options;
  guint64 port_value = 0;

  g_option_context_set_summary (context, _("Serve deterministic files and /manifest.json on "
                                           "127.0.0.1 until Ctrl+C."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  lab_server_options_init (&options);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto bad_input;
  if (!lab_options_no_arguments (argc, argv, &error))
    goto bad_input;
  if (port != NULL && (!lab_parse_count (port, FALSE, &port_value, &error) || port_value > 65535))
    {
      g_clear_error (&error);
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--port must be a number from 0 to 65535, not “%s”."), port);
      goto bad_input;
    }
  options.port = port_value;
  options.listen_beyond_loopback = listen_all;
  if (!lab_server_options_parse (&options, files, size, latency, bandwidth, fail, fail_share, &error))
    goto bad_input;

  server = lab_server_new (&options, &error);
  if (server == NULL)
    goto bad_input;

  /* Ready for Ctrl+C before anyone can know the URL, and the notice is
   * out before the URL: whoever read the URL and stops us at once has
   * seen the notice too. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit, loop);
  g_unix_signal_add (SIGTERM, quit, loop);
  lab_server_print_notice (server, TRUE);
  g_printerr (_("Serving %u files of %" PRIu64 " bytes and %smanifest.json; Ctrl+C to stop.\n"),
              options.n_files, options.file_size, lab_server_get_url (server));
  g_print ("%s\n", lab_server_get_url (server));
  fflush (stdout);

  g_main_loop_run (loop);
  return 0;

bad_input:
  return lab_options_bad_input ("serve", error);
}
