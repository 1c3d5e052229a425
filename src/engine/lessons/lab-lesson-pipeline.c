/* lab-lesson-pipeline.c — seed 000: files downloaded from the built-in server, saved and
 * hashed, each stage timed in one thread, on threads and in processes
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "lab-lesson"

#include "config.h"

#include <glib/gi18n.h>

#include "lab-files.h"
#include "lab-lesson-private.h"
#include "lab-pipeline.h"

static gboolean
pipeline_run (const LabLesson  *lesson,
              LabRunner        *runner,
              gboolean          quick,
              GCancellable     *cancellable,
              LabLessonRun     *out,
              GError          **error)
{
  g_autoptr(LabPlan) plan = lab_plan_new ("pipeline");
  g_autoptr(LabServer) server = NULL;
  g_autoptr(LabPipeline) pipeline = NULL;
  g_autofree char *dir = NULL;
  gboolean ok = TRUE;

  plan->tasks = quick ? 8 : 20;
  plan->workers = 8;
  plan->size = quick ? 64 * 1024 : 1 << 20;
  /* --quick: 250 ms waits, so the overlapped download steps last ≥ 0.25 s.
   * Saving and hashing stay small, as in the seed: that is its point. */
  server = lab_lesson_serve_files (plan, plan->size, quick ? 250 : 100, error);
  if (server == NULL)
    return FALSE;
  dir = g_dir_make_tmp ("concurrency-lab-lesson-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  plan->out_dir = g_strdup (dir);
  pipeline = lab_pipeline_new (plan, error);

  for (LabMode mode = 0; pipeline != NULL && ok && mode < LAB_MODE_ASYNC; mode++)
    {
      LabPipelineRun *run = lab_pipeline_run (pipeline, runner, mode, cancellable, error);

      if (run == NULL)
        {
          ok = FALSE;
          break;
        }
      /* A cancelled mode adds no steps: the lesson ends there. */
      if (g_cancellable_is_cancelled (cancellable))
        {
          lab_pipeline_run_free (run);
          ok = FALSE;
          break;
        }
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        {
          g_autofree char *label = g_strdup_printf ("%s — %s", lab_mode_get_title (mode),
                                                    lab_stage_get_title (stage));
          lab_lesson_add_step (out, label, g_steal_pointer (&run->stages[stage]), 0);
        }
      out->ok &= run->ok;
      lab_pipeline_run_free (run);
    }

  lab_remove_folder (dir);

  return pipeline != NULL && ok;
}

static char *
pipeline_verdict (LabLessonRun *run)
{
  /* steps: sequential D S H, threads D S H, processes D S H */
  LabLessonStep *s = run->steps;
  g_autofree char *download_threads = lab_lesson_speed_text (lab_lesson_times (&s[0], &s[3]));
  g_autofree char *download_processes = lab_lesson_speed_text (lab_lesson_times (&s[0], &s[6]));
  double hash_processes = lab_lesson_times (&s[2], &s[8]);
  g_autofree char *download = g_strdup_printf (_("Downloading, against one thread: threads were "
                                                 "%s, processes %s."),
                                               download_threads, download_processes);

  switch (lab_lesson_compare (hash_processes, 1))
    {
    case LAB_COMPARISON_BELOW:
      /* Whether starting the processes is part of the cost depends on
       * whether this run paid for it. */
      if (lab_lesson_step_startup (&s[8]) > 0)
        return g_strdup_printf (_("%s Hashing in processes was slower than in one thread (%.2f× "
                                  "the speed), as the seed says: for small jobs, start-up and "
                                  "copying cost more than they save."), download, hash_processes);
      return g_strdup_printf (_("%s Hashing in processes was slower than in one thread (%.2f× the "
                                "speed), as the seed says, though the pool was already running: "
                                "for small jobs, copying the data costs more than it saves."),
                              download, hash_processes);
    case LAB_COMPARISON_ABOUT:
      return g_strdup_printf (_("%s Hashing in processes was about as fast as in one thread "
                                "(%.2f×): what the other cores gained, the copying cost."),
                              download, hash_processes);
    case LAB_COMPARISON_ABOVE:
    default:
      return g_strdup_printf (_("%s Hashing in processes was %.2f× faster than in one thread, "
                                "unlike the seed: here the work was big enough to pay for the "
                                "copying."), download, hash_processes);
    }
}

const LabLesson lab_lesson_pipeline = {
  .id = "pipeline",
  .seed = "000",
  .title = N_("Download, save, hash"),
  .short_title = N_("Download, save, hash"),
  .explanation =
    N_("Files are downloaded from the built-in server, saved, then hashed — each stage timed in one "
       "thread, on threads and in processes, as in the seed’s table."),
  .question =
    N_("Predict: which stage gains from threads, and where do processes cost more than they save?"),
  .run = pipeline_run,
  .verdict = pipeline_verdict,
};
