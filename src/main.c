/* main.c
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lab-bench.h"
#include "lab-benchmark.h"
#include "lab-worker.h"

static int
usage_error (const char *command)
{
  g_printerr (_("concurrency-lab: unknown command “%s”; try bench, benchmark or --help.\n"), command);
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A worker process of the pool: no window, no options, just work. */
  if (argc == 2 && g_str_equal (argv[1], LAB_WORKER_FLAG))
    return lab_worker_main ();

  if (argc >= 2 && g_str_equal (argv[1], "bench"))
    return lab_bench_main (argc - 1, argv + 1);

  if (argc >= 2 && g_str_equal (argv[1], "benchmark"))
    return lab_benchmark_main (argc - 1, argv + 1);

  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print (_("Usage:\n"
                 "  concurrency-lab                 open the window\n"
                 "  concurrency-lab bench [OPTION…]  run one workload in every mode; see bench --help\n"
                 "  concurrency-lab benchmark       measure every mode against the ideal\n"
                 "  concurrency-lab --version\n"));
      return 0;
    }

  if (argc >= 2 && g_str_equal (argv[1], "--version"))
    {
      g_print ("concurrency-lab %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (argc >= 2)
    return usage_error (argv[1]);

  /* The window comes with its own issue; until then, show a small demo. */
  g_printerr (_("The window is not built yet; running a short demo instead.\n\n"));
  {
    char *demo[] = { "bench", "--workload=sleep", "--tasks=20", "--workers=10", "--task-ms=100", NULL };
    return lab_bench_main (G_N_ELEMENTS (demo) - 1, demo);
  }
}
