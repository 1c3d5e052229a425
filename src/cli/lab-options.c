/* lab-options.c — reading the command line the way people write it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The option parsing that bench, benchmark, serve and lesson share: counts
 * with underscores and exponents, sizes like 64k or 4MiB, bounded numbers,
 * and the embedded server's options.  Every error is one sentence a student
 * can act on.
 */

#define G_LOG_DOMAIN "lab-options"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <unistd.h>

#include "lab-broker.h"
#include "lab-mode.h"
#include "lab-options.h"
#include "lab-plan.h"

/* Reads counts the way people write them: 200, 1_000_000, 2e9, and for
 * sizes 64k, 4MiB, 1G (binary units). */
gboolean
lab_parse_count (const char  *text,
                 gboolean     size_suffixes,
                 guint64     *value,
                 GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p = text;
  guint64 number = 0, multiplier = 1;

  for (; *p != '\0' && (g_ascii_isdigit (*p) || *p == '_'); p++)
    if (*p != '_')
      g_string_append_c (digits, *p);

  if (digits->len == 0)
    goto invalid;
  if (!g_ascii_string_to_unsigned (digits->str, 10, 0, G_MAXUINT64, &number, NULL))
    goto too_big;

  if (*p == 'e' || *p == 'E')
    {
      guint64 exponent;

      p++;
      if (!g_ascii_string_to_unsigned (p, 10, 0, 99, &exponent, NULL))
        goto invalid;
      for (; exponent > 0; exponent--)
        {
          if (number > G_MAXUINT64 / 10)
            goto too_big;
          number *= 10;
        }
      p += strlen (p);
    }
  else if (size_suffixes && *p != '\0')
    {
      g_autofree char *unit = g_ascii_strdown (p, -1);

      if (g_str_equal (unit, "b"))
        multiplier = 1;
      else if (g_str_equal (unit, "k") || g_str_equal (unit, "kib") || g_str_equal (unit, "kb"))
        multiplier = G_GUINT64_CONSTANT (1) << 10;
      else if (g_str_equal (unit, "m") || g_str_equal (unit, "mib") || g_str_equal (unit, "mb"))
        multiplier = G_GUINT64_CONSTANT (1) << 20;
      else if (g_str_equal (unit, "g") || g_str_equal (unit, "gib") || g_str_equal (unit, "gb"))
        multiplier = G_GUINT64_CONSTANT (1) << 30;
      else
        goto invalid;
      p += strlen (p);
    }

  if (*p != '\0')
    goto invalid;
  if (multiplier > 1 && number > G_MAXUINT64 / multiplier)
    goto too_big;

  *value = number * multiplier;
  return TRUE;

too_big:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is far too large."), text);
  return FALSE;

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               size_suffixes ? _("“%s” is not a size; write it like 4096, 64k or 4MiB.")
                             : _("“%s” is not a whole number; write it like 200, 1_000 or 2e9."),
               text);
  return FALSE;
}

/* A whole number for @option, at most @max; the error names the option. */
gboolean
lab_parse_bounded (const char  *option,
                   const char  *text,
                   guint64      max,
                   guint       *value,
                   GError     **error)
{
  guint64 number;
  g_autoptr(GError) local_error = NULL;

  if (!lab_parse_count (text, FALSE, &number, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s", option,
                   local_error->message);
      return FALSE;
    }

  if (number > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s: at most %" PRIu64 ", not %s."), option, max, text);
      return FALSE;
    }

  *value = number;
  return TRUE;
}

/* --in-flight for processes + async: tasks in flight on each of
 * @processes worker loops, at most LAB_MAX_PROCESS_IN_FLIGHT in all. */
gboolean
lab_parse_in_flight (const char  *text,
                     guint        processes,
                     guint       *in_flight,
                     GError     **error)
{
  guint64 max = LAB_MAX_PROCESS_IN_FLIGHT / MAX (processes, 1);
  guint64 number = 0;

  if (!lab_parse_count (text, FALSE, &number, NULL) || number < 1 || number > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--in-flight must be a whole number from 1 to %" PRIu64 " with %u "
                     "processes (at most %u tasks in flight in all), not “%s”."),
                   max, processes, LAB_MAX_PROCESS_IN_FLIGHT, text);
      return FALSE;
    }

  *in_flight = number;
  return TRUE;
}

/* Every command takes options only; a stray word is a typo worth naming. */
gboolean
lab_options_no_arguments (int      argc,
                          char   **argv,
                          GError **error)
{
  if (argc <= 1)
    return TRUE;

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Unexpected argument “%s”; see --help."), argv[1]);
  return FALSE;
}

/* Bad input gets one sentence on stderr, naming the command, and exit
 * status 2, the same for every command. */
int
lab_options_bad_input (const char   *command,
                       const GError *error)
{
  g_printerr ("concurrency-lab %s: %s\n", command, error->message);
  return 2;
}

/* Said whenever the built-in server listens beyond loopback: the teacher
 * must know that the whole network can now reach it, and for how long
 * (@until_stopped: `serve`, which runs until Ctrl+C, not until a run ends). */
void
lab_server_print_notice (LabServer *server,
                         gboolean   until_stopped)
{
  if (!lab_server_get_listens_beyond_loopback (server))
    return;
  if (until_stopped)
    g_printerr (_("Notice: the built-in server is reachable by every machine on the network at "
                  "%s, serving only its generated files, until you stop it.\n"),
                lab_server_get_url (server));
  else
    g_printerr (_("Notice: the built-in server is reachable by every machine on the network at "
                  "%s, serving only its generated files, until the run ends.\n"),
                lab_server_get_url (server));
}

/* Options every command that starts the embedded server shares. */
gboolean
lab_server_options_parse (LabServerOptions  *options,
                          const char        *files,
                          const char        *size,
                          const char        *latency_ms,
                          const char        *bandwidth,
                          const char        *fail,
                          const char        *fail_share,
                          GError           **error)
{
  guint64 value;

  if (files != NULL)
    {
      if (!lab_parse_count (files, FALSE, &value, error))
        return FALSE;
      options->n_files = MIN (value, G_MAXUINT);
    }
  if (size != NULL && !lab_parse_count (size, TRUE, &options->file_size, error))
    return FALSE;
  if (latency_ms != NULL)
    {
      if (!lab_parse_count (latency_ms, FALSE, &value, error))
        return FALSE;
      if (value > 600000)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--latency-ms: at most 600000, not %s."), latency_ms);
          return FALSE;
        }
      options->latency_ms = value;
    }
  if (bandwidth != NULL && !lab_parse_count (bandwidth, TRUE, &options->bandwidth, error))
    return FALSE;
  if (fail != NULL && !lab_server_parse_failure (fail, &options->failure))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown failure “%s”; choose none, 500, reset or stall."), fail);
      return FALSE;
    }
  if (fail_share != NULL)
    {
      char *end = NULL;
      double share = g_ascii_strtod (fail_share, &end);

      if (end == fail_share || *end != '\0' || !(share >= 0 && share <= 1))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--fail-share must be a number from 0 to 1, not “%s”."), fail_share);
          return FALSE;
        }
      options->fail_share = share;
    }
  else if (options->failure != LAB_SERVER_FAIL_NONE)
    options->fail_share = 1;

  return TRUE;
}

/* A file the command will write at the end (a trace): its folder must be
 * there and writable now, so that a long run is not spent for nothing. */
gboolean
lab_options_check_output_file (const char  *path,
                               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *display = g_filename_display_name (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is a folder; give the name of a file to write."), display);
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) || access (dir, W_OK) != 0)
    {
      g_autofree char *display_dir = g_filename_display_name (dir);

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Cannot write “%s”: the folder “%s” does not exist or is not writable."),
                   display, display_dir);
      return FALSE;
    }
  return TRUE;
}

/* Checks --broker's URL; a broker on another machine without a password
 * gets a warning: anybody on the network could then read the jobs, or
 * feed the workers jobs of their own. */
gboolean
lab_broker_option_parse (const char  *text,
                         char       **broker,
                         GError     **error)
{
  g_autoptr(LabBrokerAddress) address = lab_broker_address_parse (text, error);

  if (address == NULL)
    return FALSE;

  if (address->password == NULL && !lab_broker_address_is_loopback (address))
    {
      g_autofree char *where = lab_broker_address_describe (address);

      g_printerr (_("Warning: the broker at %s has no password; anybody on the network can "
                    "read its jobs and give the workers jobs of their own.\n"), where);
    }

  g_free (*broker);
  *broker = g_strdup (text);
  return TRUE;
}

/* The --help text below the options: each mode's limit and why it is
 * where it is (see lab-plan.h), and what the descriptors allow. */
char *
lab_options_dup_limits_description (void)
{
  GString *text = g_string_new (_("How many can run at once depends on what each one costs:"));

  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("  async: up to %u tasks in flight on one event loop; each is a few "
                                  "hundred bytes and a timer or a socket."),
                          LAB_MAX_ASYNC_IN_FLIGHT);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("  threads: up to %u threads; each is a kernel thread with a stack of "
                                  "its own that the scheduler has to switch to."),
                          LAB_MAX_THREADS);
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("  processes: up to %u worker processes; each is a whole copy of the "
                                  "program, with its own memory and start-up."),
                          LAB_MAX_PROCESS_WORKERS);
  g_string_append_c (text, '\n');
  g_string_append (text, _("A download in flight needs a file descriptor, and a second one for the "
                           "built-in server’s end when the server runs in the same process. The "
                           "soft limit (ulimit -n) is raised to the hard limit at start; a run that "
                           "still does not fit is refused before it starts."));

  return g_string_free (text, FALSE);
}
