/* lab-export-csv.c — the timings as CSV: a row per mode of a job (or per
 * step of a lesson), RFC 4180, numbers in the C locale
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The columns are the timings table's, named as `bench --format=csv`
 * names them, so one script reads both; then where the time went.
 */

#define G_LOG_DOMAIN "lab-export"

#include "config.h"

#include <math.h>

#include "lab-export.h"
#include "lab-states.h"

/* The CSV's stage columns, as `bench --format=csv` names them. */
static const char * const stage_ids[] = { "download", "save", "hash" };
G_STATIC_ASSERT (G_N_ELEMENTS (stage_ids) == LAB_N_STAGES);

/* One cell, quoted as RFC 4180 says: in double quotes when it holds a
 * comma, a quote or a line break, with its quotes doubled. */
static void
add_cell (GString    *csv,
          const char *text)
{
  if (csv->len > 0 && csv->str[csv->len - 1] != '\n')
    g_string_append_c (csv, ',');
  if (text == NULL)
    return;

  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (csv, text);
      return;
    }
  g_string_append_c (csv, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *p);
    }
  g_string_append_c (csv, '"');
}

/* A number with a '.' whatever the locale (a German spreadsheet user's
 * "0,5" would split the cell in two), or an empty cell for NAN. */
static void
add_number (GString    *csv,
            const char *format,
            double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  add_cell (csv, isnan (value) ? NULL : g_ascii_formatd (text, sizeof text, format, value));
}

static void
add_bool (GString  *csv,
          gboolean  value)
{
  add_cell (csv, value ? "true" : "false");
}

static void
end_line (GString *csv)
{
  g_string_append (csv, "\r\n");
}

/* The time-by-state columns' names, after the row's own. */
static void
add_state_headers (GString *csv)
{
  for (LabState state = 0; state < LAB_N_STATES; state++)
    if (state != LAB_STATE_STARTUP)   /* start-up is a column of its own */
      {
        g_autofree char *name = g_strdup_printf ("%s_s", lab_state_to_string (state));
        add_cell (csv, name);
      }
  add_cell (csv, "cores_busy");
  end_line (csv);
}

/* Where the time of @runs went, added up (a pipeline's three stages), and
 * how many cores they kept busy, weighted by their wall times; empty
 * cells where nothing ran. */
static void
add_states (GString       *csv,
            LabRun *const *runs,
            guint          n_runs)
{
  gint64 total[LAB_N_STATES] = { 0 };
  double cores = 0, cores_wall = 0;
  gboolean any = FALSE;

  for (guint i = 0; i < n_runs; i++)
    {
      gint64 by_state[LAB_N_STATES];
      double run_cores;

      if (runs[i] == NULL)
        continue;
      any = TRUE;
      lab_run_get_time_by_state (runs[i], by_state);
      for (LabState state = 0; state < LAB_N_STATES; state++)
        total[state] += by_state[state];
      run_cores = lab_run_get_mean_cores_busy (runs[i]);
      if (run_cores >= 0 && runs[i]->wall_us > 0)
        {
          cores += run_cores * runs[i]->wall_us;
          cores_wall += runs[i]->wall_us;
        }
    }

  for (LabState state = 0; state < LAB_N_STATES; state++)
    if (state != LAB_STATE_STARTUP)
      add_number (csv, "%.6f", any ? total[state] / 1e6 : NAN);
  add_number (csv, "%.3f", cores_wall > 0 ? cores / cores_wall : NAN);
  end_line (csv);
}

/* A job: a row per mode with the table's columns (the stages' seconds, the
 * wall time, start-up, speed-up, verified), then where the time went. */
static void
make_job_csv (LabRunResults *results,
              GString       *csv)
{
  add_cell (csv, "mode");
  add_cell (csv, "workers");
  add_cell (csv, "gil");
  for (guint stage = 0; results->pipeline && stage < LAB_N_STAGES; stage++)
    {
      g_autofree char *name = g_strdup_printf ("%s_s", stage_ids[stage]);
      add_cell (csv, name);
    }
  add_cell (csv, "wall_s");
  add_cell (csv, "startup_s");
  add_cell (csv, "speedup");
  add_cell (csv, "verified");
  add_cell (csv, "result");
  add_state_headers (csv);

  for (guint i = 0; i < results->rows->len; i++)
    {
      const LabRunResultsRow *row = &g_array_index (results->rows, LabRunResultsRow, i);
      const LabRun *first = row->runs[0];

      add_cell (csv, lab_mode_to_string (row->mode));
      if (first != NULL)
        {
          g_autofree char *workers = g_strdup_printf ("%u", first->workers);
          add_cell (csv, workers);
        }
      else
        add_cell (csv, NULL);
      add_bool (csv, first != NULL && first->gil);
      for (guint stage = 0; results->pipeline && stage < LAB_N_STAGES; stage++)
        add_number (csv, "%.6f", row->stage_us[stage] / 1e6);
      add_number (csv, "%.6f", row->wall_us / 1e6);
      add_number (csv, "%.6f", row->startup_us / 1e6);
      add_number (csv, "%.4f", row->speedup);
      add_bool (csv, row->verified);
      add_cell (csv, row->result);
      add_states (csv, row->runs, LAB_N_STAGES);
    }
}

/* A lesson: a row per step, as the card shows it (its time, how it
 * ended), then where the time went. */
static void
make_lesson_csv (const LabLessonRun *lesson,
                 GString            *csv)
{
  add_cell (csv, "step");
  add_cell (csv, "seconds");
  add_cell (csv, "verified");
  add_cell (csv, "result");
  add_state_headers (csv);

  for (guint i = 0; i < lesson->n_steps; i++)
    {
      const LabLessonStep *step = &lesson->steps[i];
      const LabRun *run = step->run;

      add_cell (csv, step->label);
      add_number (csv, "%.6f", step->value_us / 1e6);
      /* A number measured otherwise (the frozen window's stall) verifies
       * nothing. */
      if (run != NULL)
        add_bool (csv, run->verified);
      else
        add_cell (csv, NULL);
      add_cell (csv, run == NULL ? NULL : run->verified ? run->result : run->verify_error);
      add_states (csv, &step->run, 1);
    }
}

/* The timings as CSV text: a header row, then a row per mode (or step). */
char *
lab_export_make_csv (LabRunResults *results)
{
  GString *csv = g_string_new (NULL);

  g_return_val_if_fail (results != NULL, NULL);

  if (results->lesson != NULL)
    make_lesson_csv (results->lesson, csv);
  else
    make_job_csv (results, csv);
  return g_string_free (csv, FALSE);
}
