/* main.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lab-application.h"
#include "lab-bench.h"
#include "lab-benchmark.h"
#include "lab-lesson-command.h"
#include "lab-serve.h"
#include "lab-worker-command.h"
#include "lab-worker.h"

static gboolean
have_display (void)
{
  return g_getenv ("WAYLAND_DISPLAY") != NULL || g_getenv ("DISPLAY") != NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LabApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* Run from the build tree, ./run points this at the freshly built catalogs. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LAB_LOCALEDIR") ? g_getenv ("LAB_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A worker process of the pool: no window, no options, just work. */
  if (argc == 2 && g_str_equal (argv[1], LAB_WORKER_FLAG))
    return lab_worker_main ();

  if (argc >= 2 && g_str_equal (argv[1], "bench"))
    return lab_bench_main (argc - 1, argv + 1);

  if (argc >= 2 && g_str_equal (argv[1], "benchmark"))
    return lab_benchmark_main (argc - 1, argv + 1);

  if (argc >= 2 && g_str_equal (argv[1], "lesson"))
    return lab_lesson_command_main (argc - 1, argv + 1);

  if (argc >= 2 && g_str_equal (argv[1], "serve"))
    return lab_serve_main (argc - 1, argv + 1);

  if (argc >= 2 && g_str_equal (argv[1], "worker"))
    return lab_worker_command_main (argc - 1, argv + 1);

  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print (_("Usage:\n"
                 "  concurrency-lab                  open the window\n"
                 "  concurrency-lab bench [OPTION…]  run one workload in every mode; see bench --help\n"
                 "  concurrency-lab benchmark        measure every mode against the ideal\n"
                 "  concurrency-lab serve [OPTION…]  serve test files on 127.0.0.1; see serve --help\n"
                 "  concurrency-lab lesson NAME      one lesson of the seeds; lesson --list names them\n"
                 "  concurrency-lab worker --broker=URL  join a distributed pool; see worker --help\n"
                 "  concurrency-lab --version\n"));
      return 0;
    }

  if (argc >= 2 && g_str_equal (argv[1], "--version"))
    {
      g_print ("concurrency-lab %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (argc >= 2 && argv[1][0] != '-')
    {
      g_printerr (_("concurrency-lab: unknown command “%s”; try bench, benchmark or --help.\n"),
                  argv[1]);
      return 2;
    }

  /* The window takes no options of its own (GApplication's
   * --gapplication-… ones aside): anything else is a mistake, whether or not
   * there is a display, and gets one sentence instead of a window or demo. */
  if (argc >= 2 && !g_str_has_prefix (argv[1], "--gapplication"))
    {
      g_printerr (_("concurrency-lab: unknown option “%s”; try --help.\n"), argv[1]);
      return 2;
    }

  if (!have_display ())
    {
      char *demo[] = { "bench", "--workload=sleep", "--tasks=20", "--workers=10",
                       "--task-ms=100", NULL };

      g_printerr (_("No display to open the window on; running a short demo in the terminal "
                    "instead.\n\n"));
      return lab_bench_main (G_N_ELEMENTS (demo) - 1, demo);
    }

  app = lab_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
