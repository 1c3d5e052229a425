/* test-download.c — the embedded server, downloads, saving, the pipeline
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "lab-digest.h"
#include "lab-files.h"
#include "lab-pipeline.h"
#include "lab-server.h"
#include "lab-states.h"
#include "lab-test-util.h"
#include "lab-workload-download-private.h"
#include "lab-workload-hash.h"
#include "lab-workload-save.h"

static LabServer *
start_server (guint            files,
              guint64          size,
              guint            latency_ms,
              guint64          bandwidth,
              LabServerFailure failure)
{
  LabServerOptions options;
  g_autoptr(GError) error = NULL;
  LabServer *server;

  lab_server_options_init (&options);
  options.n_files = files;
  options.file_size = size;
  options.latency_ms = latency_ms;
  options.bandwidth = bandwidth;
  options.failure = failure;
  options.fail_share = failure != LAB_SERVER_FAIL_NONE ? 1 : 0;

  server = lab_server_new (&options, &error);
  g_assert_no_error (error);
  return server;
}

static LabPlan *
download_plan (LabServer  *server,
               const char *workload,
               guint       tasks,
               guint       workers)
{
  LabPlan *plan = lab_plan_new (workload);

  plan->url = g_strdup (lab_server_get_url (server));
  plan->tasks = tasks;
  plan->workers = workers;
  plan->size = 32 * 1024;
  plan->timeout_ms = 1000;
  return plan;
}

static guint
count_entries (const char *dir,
               gboolean    temp_only)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += !temp_only || g_str_has_suffix (name, ".part");
  return n;
}

/* Every mode downloads, saves and hashes the same files; digests match
 * the server's manifest. */
static void
test_pipeline_every_mode (void)
{
  g_autoptr(LabServer) server = start_server (12, 32 * 1024, 5, 0, LAB_SERVER_FAIL_NONE);
  g_autofree char *dir = g_dir_make_tmp ("lab-pipeline-XXXXXX", NULL);
  g_autoptr(LabPlan) plan = download_plan (server, "pipeline", 12, 3);
  g_autoptr(LabPipeline) pipeline = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;

  plan->out_dir = g_strdup (dir);
  pipeline = lab_pipeline_new (plan, &error);
  g_assert_no_error (error);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabPipelineRun) run = lab_pipeline_run (pipeline, runner, mode, NULL, &error);

      g_assert_no_error (error);
      g_test_message ("%s: %s", lab_mode_to_string (mode), run->error);
      g_assert_true (run->ok);
      for (LabStage stage = 0; stage < LAB_N_STAGES; stage++)
        {
          g_assert_nonnull (run->stages[stage]);
          g_assert_true (lab_run_is_ok (run->stages[stage]));
        }
      for (guint i = 0; i < 12; i++)
        {
          const LabTaskRecord *record = &run->stages[LAB_STAGE_DOWNLOAD]->records[i];

          g_assert_cmpuint (record->status, ==, 200);
          g_assert_cmpuint (record->bytes, ==, 32 * 1024);
          g_assert_cmpint (record->ttfb_us, >, 0);
          g_assert_nonnull (record->output);
        }
      if (first == NULL)
        first = g_strdup (run->result);
      g_assert_cmpstr (run->result, ==, first);
      g_assert_cmpuint (count_entries (dir, FALSE), ==, 12);
      g_assert_cmpuint (count_entries (dir, TRUE), ==, 0);
    }

  /* The saved files are byte for byte the server's. */
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = lab_server_dup_file_name (i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) expected = lab_server_make_file (plan->seed, i, 32 * 1024);
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpmem (contents, len, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
    }

  lab_remove_folder (dir);
}

/* Each kind of failure becomes a per-task error with its reason, and the
 * run still ends. */
static void
test_failures (void)
{
  struct { LabServerFailure failure; const char *reason; } cases[] = {
    { LAB_SERVER_FAIL_500, "HTTP 500" },
    { LAB_SERVER_FAIL_RESET, "closed the connection" },
    { LAB_SERVER_FAIL_STALL, "No answer" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(LabServer) server = start_server (4, 1024, 0, 0, cases[c].failure);
      g_autoptr(LabPlan) plan = download_plan (server, "download", 4, 2);
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(LabRunner) runner = lab_runner_new ();
      g_autoptr(GError) error = NULL;

      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);

      for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
        {
          g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

          g_test_message ("%s: %s", lab_mode_to_string (mode), run->records[0].error);
          g_assert_false (run->cancelled);
          g_assert_cmpuint (run->tasks_failed, ==, 4);
          g_assert_false (run->verified);
          for (guint i = 0; i < 4; i++)
            g_assert_nonnull (strstr (run->records[i].error, cases[c].reason));
        }
    }
}

/* A 500 on one request in three, with retries: every file arrives. */
static void
test_retries (void)
{
  LabServerOptions options;
  g_autoptr(LabServer) server = NULL;
  g_autoptr(LabPlan) plan = NULL;
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;

  lab_server_options_init (&options);
  options.n_files = 20;
  options.file_size = 1024;
  options.failure = LAB_SERVER_FAIL_500;
  options.fail_share = 0.3;
  server = lab_server_new (&options, &error);
  g_assert_no_error (error);

  plan = download_plan (server, "download", 20, 4);
  plan->retries = 10;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);
      g_assert_true (lab_run_is_ok (run));
    }
}

static void
test_bad_urls (void)
{
  g_autofree char *list = NULL;
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  const char *reasons[] = { "refused", "not a valid URL", "Cannot find the server" };
  int fd = g_file_open_tmp ("lab-urls-XXXXXX", &list, NULL);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (list, "# comment\nhttp://127.0.0.1:1/x.bin\n\nnot a url\n"
                                      "http://no-such-host.invalid/y\n", -1, NULL));
  plan->url_list = g_strdup (list);
  plan->timeout_ms = 3000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lab_workload_get_n_tasks (workload), ==, 3);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      for (guint i = 0; i < 3; i++)
        {
          g_test_message ("%s", run->records[i].error);
          /* Where no DNS server answers at all, a lookup times out instead:
           * "no answer" is the plain reason then. */
          if (i == 2 && strstr (run->records[i].error, "No answer") != NULL)
            continue;
          g_assert_nonnull (strstr (run->records[i].error, reasons[i]));
        }
    }
  g_unlink (list);
}

/* Cancel while slow downloads and big writes are under way: no file is
 * ever left half-written, and no temporary file stays behind. */
static void
test_cancel_leaves_no_temp_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lab-cancel-XXXXXX", NULL);
  g_autoptr(LabRunner) runner = lab_runner_new ();

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("save");
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(LabRun) run = NULL;
      g_autoptr(GError) error = NULL;
      GBytes *inputs[12];

      plan->out_dir = g_strdup (dir);
      plan->tasks = 12;
      plan->workers = 2;
      plan->size = 16 << 20;
      workload = lab_workload_new (plan, &error);
      g_assert_no_error (error);

      /* Inputs made beforehand, so the cancel lands in the middle of writing. */
      for (guint i = 0; i < plan->tasks; i++)
        inputs[i] = lab_workload_make_task_input (workload, i, NULL);

      lab_test_cancel_after (cancellable, 30);
      run = lab_runner_run_with_inputs (runner, workload, mode, inputs, cancellable, &error);
      for (guint i = 0; i < plan->tasks; i++)
        g_clear_pointer (&inputs[i], g_bytes_unref);
      g_assert_no_error (error);
      g_test_message ("%s: %u of 12 written before the cancel", lab_mode_to_string (mode),
                      run->tasks_ok);
      g_assert_true (run->cancelled);
      g_assert_cmpuint (count_entries (dir, TRUE), ==, 0);

      /* Whatever is there is complete. */
      for (guint i = 0; i < run->n_records; i++)
        {
          g_autofree char *path = g_build_filename (dir, run->records[i].name, NULL);
          GStatBuf st;

          if (g_stat (path, &st) == 0)
            g_assert_cmpint (st.st_size, ==, 16 << 20);
          else
            g_assert_nonnull (run->records[i].error);
        }
      lab_remove_folder (dir);
      g_mkdir (dir, 0700);
    }

  /* And during downloads, with a slow server, nothing is saved at all. */
  {
    g_autoptr(LabServer) server = start_server (8, 256 * 1024, 0, 256 * 1024, LAB_SERVER_FAIL_NONE);
    g_autoptr(LabPlan) plan = download_plan (server, "pipeline", 8, 4);
    g_autoptr(LabPipeline) pipeline = NULL;
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(LabPipelineRun) run = NULL;
    g_autoptr(GError) error = NULL;

    plan->out_dir = g_strdup (dir);
    plan->timeout_ms = 10000;
    pipeline = lab_pipeline_new (plan, &error);
    g_assert_no_error (error);
    lab_test_cancel_after (cancellable, 200);
    run = lab_pipeline_run (pipeline, runner, LAB_MODE_ASYNC, cancellable, &error);
    g_assert_no_error (error);
    g_assert_false (run->ok);
    g_assert_null (run->stages[LAB_STAGE_SAVE]);
    g_assert_cmpuint (count_entries (dir, FALSE), ==, 0);
  }

  lab_remove_folder (dir);
}

static void
test_file_names (void)
{
  const char *urls[] = {
    "http://x/../../etc/passwd", "http://x/%2e%2e%2fsecret", "http://x/.hidden",
    "http://x/a/b.txt", "http://y/c/b.txt", "http://x/", "http://x/a%00b", NULL,
  };
  g_auto(GStrv) names = lab_file_names_for_urls (urls);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_test_message ("%s → %s", urls[i], names[i]);
      g_assert_null (strchr (names[i], '/'));
      g_assert_cmpint (names[i][0], !=, '.');
      g_assert_cmpstr (names[i], !=, "");
    }
  g_assert_cmpstr (names[0], ==, "passwd");
  g_assert_cmpstr (names[2], ==, "hidden");
  g_assert_cmpstr (names[3], ==, "b.txt");
  g_assert_cmpstr (names[4], ==, "b-2.txt");
  for (guint i = 0; names[i] != NULL; i++)
    for (guint j = i + 1; names[j] != NULL; j++)
      g_assert_cmpstr (names[i], !=, names[j]);
}

static void
test_bad_out_dir (void)
{
  const char *dirs[] = { NULL, "/nonexistent/lab", "/etc/hostname" };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr(LabPlan) plan = lab_plan_new ("save");
      g_autoptr(LabWorkload) workload = NULL;
      g_autoptr(GError) error = NULL;

      plan->out_dir = g_strdup (dirs[i]);
      workload = lab_workload_new (plan, &error);
      g_assert_null (workload);
      g_assert_nonnull (error);
    }
}

/* `concurrency-lab serve` with curl: byte-identical files and a manifest. */
static void
test_serve_with_curl (void)
{
  const char *binary = g_getenv ("LAB_BINARY");
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autoptr(GSubprocess) serve = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (binary == NULL || curl == NULL)
    {
      g_test_skip ("needs LAB_BINARY and curl");
      return;
    }

  serve = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, binary, "serve", "--files=3", "--size=100k", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
  url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = lab_server_dup_file_name (i);
      g_autofree char *file_url = g_strconcat (url, name, NULL);
      g_autofree char *body = NULL;
      gsize len = 0;
      const char *argv[] = { curl, "-sf", file_url, NULL };
      g_autoptr(GBytes) expected = lab_server_make_file (1, i, 100 * 1024);
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                   NULL, &body, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      /* g_spawn_sync output is text; measure the real length. */
      len = g_bytes_get_size (expected);
      g_assert_cmpmem (body, len, g_bytes_get_data (expected, NULL), len);
    }

  {
    g_autofree char *manifest_url = g_strconcat (url, "manifest.json", NULL);
    g_autofree char *manifest = NULL;
    g_autoptr(GBytes) file1 = lab_server_make_file (1, 1, 100 * 1024);
    g_autofree char *md5 = lab_hash_hex ("md5", g_bytes_get_data (file1, NULL), 100 * 1024);
    const char *argv[] = { curl, "-sf", manifest_url, NULL };
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                 &manifest, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (manifest, "file-001.bin"));
    g_assert_nonnull (strstr (manifest, md5));
  }

  g_subprocess_send_signal (serve, SIGINT);
  g_assert_true (g_subprocess_wait (serve, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (serve));
  g_assert_cmpint (g_subprocess_get_exit_status (serve), ==, 0);
}

/* Hundreds of connections at once: the backlog and descriptor limit hold. */
static void
test_many_connections (void)
{
  g_autoptr(LabServer) server = start_server (300, 4096, 200, 0, LAB_SERVER_FAIL_NONE);
  g_autoptr(LabPlan) plan = download_plan (server, "download", 300, 300);
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(LabRun) run = NULL;
  g_autoptr(GError) error = NULL;

  plan->timeout_ms = 20000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  run = lab_test_run (runner, workload, LAB_MODE_ASYNC, NULL);
  g_test_message ("300 at once: %.3f s", run->wall_us / 1e6);
  g_assert_true (lab_run_is_ok (run));
  g_assert_cmpuint (lab_test_max_overlap (run), >, 100);
}

/* A server of our own that never stops sending on /endless (chunked) and
 * announces 8 GiB on /huge, on a thread of its own. */
typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *soup;
  GBytes       *chunk;
  char         *url;
  GMutex        mutex;
  GCond         cond;
} EndlessServer;

static void
endless_wrote_chunk_cb (SoupServerMessage *msg,
                        EndlessServer     *endless)
{
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), endless->chunk);
}

static void
endless_callback (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  EndlessServer *endless = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (g_strcmp0 (path, "/huge") == 0)
    soup_message_headers_set_content_length (headers, G_GINT64_CONSTANT (8) << 30);
  else
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (body, FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (endless_wrote_chunk_cb), endless);
  soup_message_body_append_bytes (body, endless->chunk);
}

static gpointer
endless_thread (gpointer data)
{
  EndlessServer *endless = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  g_main_context_push_thread_default (endless->context);
  endless->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (endless->soup, NULL, endless_callback, endless, NULL);
  soup_server_listen_local (endless->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (endless->soup);

  g_mutex_lock (&endless->mutex);
  endless->url = g_uri_to_string (uris->data);
  g_cond_signal (&endless->cond);
  g_mutex_unlock (&endless->mutex);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_main_loop_run (endless->loop);
  soup_server_disconnect (endless->soup);
  g_clear_object (&endless->soup);
  while (g_main_context_iteration (endless->context, FALSE))
    ;
  g_main_context_pop_thread_default (endless->context);
  return NULL;
}

static EndlessServer *
endless_server_new (void)
{
  EndlessServer *endless = g_new0 (EndlessServer, 1);
  guint8 *data = g_malloc (64 * 1024);

  memset (data, 'x', 64 * 1024);
  endless->chunk = g_bytes_new_take (data, 64 * 1024);
  endless->context = g_main_context_new ();
  endless->loop = g_main_loop_new (endless->context, FALSE);
  g_mutex_init (&endless->mutex);
  g_cond_init (&endless->cond);
  endless->thread = g_thread_new ("endless", endless_thread, endless);
  g_mutex_lock (&endless->mutex);
  while (endless->url == NULL)
    g_cond_wait (&endless->cond, &endless->mutex);
  g_mutex_unlock (&endless->mutex);
  return endless;
}

static gboolean
endless_quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
endless_server_free (EndlessServer *endless)
{
  g_main_context_invoke (endless->context, endless_quit, endless->loop);
  g_thread_join (endless->thread);
  g_main_loop_unref (endless->loop);
  g_main_context_unref (endless->context);
  g_bytes_unref (endless->chunk);
  g_mutex_clear (&endless->mutex);
  g_cond_clear (&endless->cond);
  g_free (endless->url);
  g_free (endless);
}

/* An answer that never ends, or announces more than the limit, stops at
 * the per-task limit as one plain sentence; the other downloads of the
 * run arrive whole, in every mode. */
static void
test_endless_body (void)
{
  g_autoptr(LabServer) server = start_server (4, 32 * 1024, 0, 0, LAB_SERVER_FAIL_NONE);
  EndlessServer *endless = endless_server_new ();
  g_autoptr(GString) urls = g_string_new (NULL);
  g_autoptr(LabPlan) plan = lab_plan_new ("download");
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  int fd = g_file_open_tmp ("lab-urls-XXXXXX", &list, NULL);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = lab_server_dup_file_name (i);

      g_string_append_printf (urls, "%s%s\n", lab_server_get_url (server), name);
      if (i == 1)
        g_string_append_printf (urls, "%sendless\n", endless->url);
      if (i == 2)
        g_string_append_printf (urls, "%shuge\n", endless->url);
    }
  g_assert_true (g_file_set_contents (list, urls->str, -1, NULL));
  plan->url_list = g_strdup (list);
  plan->workers = 3;
  plan->retries = 2;
  plan->timeout_ms = 20000;
  plan->max_body = 1 << 20;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lab_workload_get_n_tasks (workload), ==, 6);

  for (LabMode mode = 0; mode < LAB_N_MODES; mode++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, mode, NULL);

      g_assert_false (run->cancelled);
      g_assert_cmpuint (run->tasks_failed, ==, 2);
      for (guint i = 0; i < 6; i++)
        {
          const LabTaskRecord *record = &run->records[i];

          g_test_message ("%s %s: %s", lab_mode_to_string (mode), record->name,
                          record->error ? record->error : "ok");
          if (i == 2 || i == 4)
            {
              g_assert_nonnull (record->error);
              g_assert_nonnull (strstr (record->error, "limit of 1048576 bytes per task"));
              g_assert_null (strchr (record->error, '\n'));
            }
          else
            {
              g_assert_null (record->error);
              g_assert_cmpuint (record->bytes, ==, 32 * 1024);
            }
        }
    }

  g_unlink (list);
  endless_server_free (endless);
}

/* Every download says where its time went — connecting, waiting for the
 * first byte, the body — on a thread and on an event loop alike, where a
 * loop runs all its tasks at once and each must record into its own
 * record.  The spans lie inside the task, in that order, and the first
 * byte waits about the server's latency. */
static void
test_http_spans (void)
{
  const guint latency_ms = 200;
  const LabMode modes[] = { LAB_MODE_THREADS, LAB_MODE_ASYNC, LAB_MODE_PROCESSES_ASYNC };
  g_autoptr(LabServer) server = start_server (16, 32 * 1024, latency_ms, 0, LAB_SERVER_FAIL_NONE);
  g_autoptr(LabPlan) plan = download_plan (server, "download", 16, 16);
  g_autoptr(LabWorkload) workload = NULL;
  g_autoptr(LabRunner) runner = lab_runner_new ();
  g_autoptr(GError) error = NULL;

  plan->timeout_ms = 20000;
  workload = lab_workload_new (plan, &error);
  g_assert_no_error (error);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(LabRun) run = lab_test_run (runner, workload, modes[m], NULL);

      g_test_message ("%s", lab_mode_to_string (modes[m]));
      g_assert_true (lab_run_is_ok (run));
      for (guint i = 0; i < run->n_records; i++)
        {
          const LabTaskRecord *record = &run->records[i];
          const LabSpan *phase[LAB_N_WAITS] = { NULL };

          /* Every task has a connection of its own: 16 in flight at once. */
          g_assert_nonnull (record->spans);
          for (guint s = 0; s < record->spans->len; s++)
            {
              const LabSpan *span = &g_array_index (record->spans, LabSpan, s);

              /* A worker process's copies of the task to and from it lie
               * around the task, not in it. */
              if (span->state == LAB_STATE_TRANSFER)
                continue;
              g_assert_cmpint (span->state, ==, LAB_STATE_IO);
              g_assert_null (phase[span->wait]);
              phase[span->wait] = span;
              g_assert_cmpint (span->start_us, >=, record->start_us);
              g_assert_cmpint (span->end_us, <=, record->end_us);
            }
          g_assert_nonnull (phase[LAB_WAIT_CONNECT]);
          g_assert_nonnull (phase[LAB_WAIT_FIRST_BYTE]);
          g_assert_nonnull (phase[LAB_WAIT_BODY]);
          g_assert_cmpint (phase[LAB_WAIT_CONNECT]->end_us, <=, phase[LAB_WAIT_FIRST_BYTE]->start_us);
          g_assert_cmpint (phase[LAB_WAIT_FIRST_BYTE]->end_us, <=, phase[LAB_WAIT_BODY]->start_us);

          /* The server waits 200 ms before it answers; a loaded machine
           * may add a lot, never take any away. */
          g_assert_cmpint (phase[LAB_WAIT_FIRST_BYTE]->end_us - phase[LAB_WAIT_FIRST_BYTE]->start_us,
                           >=, (latency_ms - 5) * 1000);
          g_assert_cmpint (phase[LAB_WAIT_FIRST_BYTE]->end_us - phase[LAB_WAIT_FIRST_BYTE]->start_us,
                           <, 10 * latency_ms * 1000);
        }
    }
}

/* How much each read asks for: an answer of announced length needs a
 * buffer of that length and one byte more (the read that finds the end),
 * never a whole READ_CHUNK per download (5,000 in flight held 1.3 GB);
 * one of unknown length reads in chunks, and a limit always wins. */
static void
test_read_sizes (void)
{
  const guint64 no_limit = LAB_MAX_TASK_SIZE;

  g_assert_cmpuint (lab_download_next_read_size (0, no_limit, 16384), ==, 16385);
  g_assert_cmpuint (lab_download_next_read_size (10000, no_limit, 16384), ==, 6385);
  g_assert_cmpuint (lab_download_next_read_size (16384, no_limit, 16384), ==, 1);
  g_assert_cmpuint (lab_download_next_read_size (0, no_limit, 0), ==, 1);
  g_assert_cmpuint (lab_download_next_read_size (0, no_limit, 64 << 20), ==, 262144);
  g_assert_cmpuint (lab_download_next_read_size (0, no_limit, -1), ==, 262144);
  g_assert_cmpuint (lab_download_next_read_size (0, 1000, -1), ==, 1001);
  g_assert_cmpuint (lab_download_next_read_size (0, 1000, 16384), ==, 1001);
  g_assert_cmpuint (lab_download_next_read_size (1000, 1000, -1), ==, 1);
}

/* A school network's http_proxy in the environment: downloads from the
 * built-in server on this machine go straight to it, in every mode, and so
 * does reading its manifest — not to the proxy, where every one failed. */
static void
test_local_server_ignores_proxy (void)
{
  const char *binary = g_getenv ("LAB_BINARY");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) bench = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  if (binary == NULL)
    {
      g_test_skip ("needs LAB_BINARY");
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  /* Port 9 (discard) on this machine: nothing listens there. */
  g_subprocess_launcher_setenv (launcher, "http_proxy", "http://127.0.0.1:9", TRUE);
  g_subprocess_launcher_setenv (launcher, "HTTP_PROXY", "http://127.0.0.1:9", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "no_proxy");
  g_subprocess_launcher_unsetenv (launcher, "NO_PROXY");
  bench = g_subprocess_launcher_spawn (launcher, &error, binary, "bench", "--workload=download",
                                       "--tasks=4", "--workers=4",
                                       "--modes=sequential,threads,processes,async,processes-async",
                                       NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (bench, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", out);
  g_assert_true (g_subprocess_get_if_exited (bench));
  g_assert_cmpint (g_subprocess_get_exit_status (bench), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lab/download/pipeline-every-mode", test_pipeline_every_mode);
  g_test_add_func ("/lab/download/failures", test_failures);
  g_test_add_func ("/lab/download/retries", test_retries);
  g_test_add_func ("/lab/download/bad-urls", test_bad_urls);
  g_test_add_func ("/lab/download/cancel-leaves-no-temp-files", test_cancel_leaves_no_temp_files);
  g_test_add_func ("/lab/download/file-names", test_file_names);
  g_test_add_func ("/lab/download/bad-out-dir", test_bad_out_dir);
  g_test_add_func ("/lab/download/serve-with-curl", test_serve_with_curl);
  g_test_add_func ("/lab/download/many-connections", test_many_connections);
  g_test_add_func ("/lab/download/endless-body", test_endless_body);
  g_test_add_func ("/lab/download/http-spans", test_http_spans);
  g_test_add_func ("/lab/download/read-sizes", test_read_sizes);
  g_test_add_func ("/lab/download/local-server-ignores-proxy", test_local_server_ignores_proxy);

  return g_test_run ();
}
