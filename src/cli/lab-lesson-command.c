/* lab-lesson-command.c — `concurrency-lab lesson`: the seed lessons in a
 * terminal
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson-command"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab-lesson.h"
#include "lab-lesson-command.h"
#include "lab-options.h"
#include "lab-table.h"

typedef struct
{
  const LabLesson *lesson;
  LabRunner       *runner;
  gboolean         quick;
  GCancellable    *cancellable;
  GMainLoop       *loop;
  LabLessonRun    *result;
  GError          *error;
} Lesson;

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
lesson_thread (gpointer data)
{
  Lesson *lesson = data;

  lesson->result = lab_lesson_run (lesson->lesson, lesson->runner, lesson->quick,
                                   lesson->cancellable, &lesson->error);
  g_main_context_invoke (NULL, quit_loop, lesson->loop);
  return NULL;
}

static gboolean
interrupted (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_CONTINUE;
}

/* In front of a class the answers wait until the class has predicted: on
 * a terminal, until Enter.  Scripts and pipes never wait. */
static void
wait_for_enter (void)
{
  char line[256];

  g_print ("%s", _("Press Enter to run it."));
  fflush (stdout);
  /* End of input (Ctrl+D) runs it too. */
  while (fgets (line, sizeof line, stdin) != NULL && strchr (line, '\n') == NULL)
    ;
  g_print ("\n");
}

static void
print_list (void)
{
  g_autoptr(LabTable) table = lab_table_new (3);
  g_autofree char *text = NULL;
  guint n;
  const LabLesson *lessons = lab_lesson_get_all (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *seed = g_strdup_printf (_("seed %s"), lessons[i].seed);
      lab_table_add_row (table, lessons[i].id, seed, _(lessons[i].title), NULL);
    }
  text = lab_table_render (table);
  g_print ("%s", text);
}

int
lab_lesson_command_main (int    argc,
                         char **argv)
{
  gboolean list = FALSE, quick = FALSE, no_pause = FALSE;
  g_autofree char *trace_path = NULL;
  const GOptionEntry entries[] = {
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, N_("Name the lessons"), NULL },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, N_("A smaller, faster version of the lesson"), NULL },
    { "no-pause", 0, 0, G_OPTION_ARG_NONE, &no_pause,
      N_("Do not wait for Enter after the question, even on a terminal"), NULL },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
      N_("Also write the lesson’s runs as a trace that ui.perfetto.dev and chrome://tracing open"),
      N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME"));
  g_autoptr(GError) error = NULL;
  g_autoptr(LabRunner) runner = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(LabTable) table = NULL;
  g_autofree char *text = NULL;
  Lesson lesson = { 0 };
  GThread *thread;
  guint sigint;

  g_option_context_set_summary (context, _("Run one lesson of the seeds and print its verdict, "
                                           "computed from what this machine measured."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return lab_options_bad_input ("lesson", error);

  if (list)
    {
      print_list ();
      return 0;
    }

  if (trace_path != NULL && !lab_options_check_output_file (trace_path, &error))
    return lab_options_bad_input ("lesson", error);

  if (argc != 2 || (lesson.lesson = lab_lesson_find (argv[1])) == NULL)
    {
      if (argc == 2)
        g_printerr (_("concurrency-lab lesson: there is no lesson “%s”; see lesson --list.\n"), argv[1]);
      else
        g_printerr (_("concurrency-lab lesson: name one lesson; see lesson --list.\n"));
      return 2;
    }

  /* Translators: a lesson's title and the tutorial it comes from */
  g_print (_("%s (seed %s)"), _(lesson.lesson->title), lesson.lesson->seed);
  g_print ("\n\n%s\n%s\n\n", _(lesson.lesson->explanation), _(lesson.lesson->question));
  if (!no_pause && isatty (STDIN_FILENO))
    wait_for_enter ();

  runner = lab_runner_new ();
  loop = g_main_loop_new (NULL, FALSE);
  lesson.runner = runner;
  lesson.quick = quick;
  lesson.cancellable = cancellable;
  lesson.loop = loop;

  sigint = g_unix_signal_add (SIGINT, interrupted, cancellable);
  thread = g_thread_new ("lab-lesson", lesson_thread, &lesson);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sigint);

  if (lesson.result == NULL)
    {
      gboolean cancelled = g_cancellable_is_cancelled (cancellable);

      g_printerr ("concurrency-lab lesson: %s\n", lesson.error ? lesson.error->message : "");
      g_clear_error (&lesson.error);
      return cancelled ? 130 : 1;
    }

  table = lab_table_new (3);
  lab_table_set_right (table, 1, TRUE);
  lab_table_add_row (table, _("Step"), _("Time"), _("Result"), NULL);
  for (guint i = 0; i < lesson.result->n_steps; i++)
    {
      LabLessonStep *step = &lesson.result->steps[i];
      g_autofree char *time = lab_table_seconds (step->value_us);
      const char *result = step->run ? (step->run->verified ? step->run->result : step->run->verify_error) : "";

      lab_table_add_row (table, step->label, time, result ? result : "", NULL);
    }
  text = lab_table_render (table);
  g_print ("%s\n", text);
  g_print (_("Verdict: %s\n"), lesson.result->verdict);

  {
    gboolean ok = lesson.result->ok;

    if (trace_path != NULL)
      {
        g_autoptr(LabTrace) trace = lab_lesson_run_to_trace (lesson.result);

        if (!lab_trace_save (trace, trace_path, &error))
          {
            g_printerr ("concurrency-lab lesson: %s\n", error->message);
            ok = FALSE;
          }
      }

    lab_lesson_run_free (lesson.result);
    return ok ? 0 : 1;
  }
}
