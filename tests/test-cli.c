/* test-cli.c — black-box tests of `concurrency-lab bench`
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spawns the real binary (its path comes from LAB_BINARY) and checks what
 * a script would see: exit status, stdout, stderr, the JSON and CSV it
 * prints, and that Ctrl+C leaves no worker process behind.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define RUN_TIMEOUT_US (60 * G_USEC_PER_SEC)

/* How a run ended: the exit code, or SIGNALLED + the signal. */
#define SIGNALLED 1000

static const char *
lab_binary (void)
{
  const char *binary = g_getenv ("LAB_BINARY");

  if (binary == NULL || *binary == '\0')
    {
      g_test_skip ("LAB_BINARY is not set; meson sets it to the built concurrency-lab");
      return NULL;
    }

  return binary;
}

/* ---------------------------------------------------------------------- */
/* Running the binary                                                      */

typedef struct
{
  GMainContext *context;
  GCancellable *cancellable;
  GSubprocess  *process;
  char         *command;
  int           pid;
  gboolean      exited;
  gboolean      communicated;
  int           status;
  char         *out;
  char         *err;
  GError       *error;
} Bench;

static void
bench_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Bench *bench = data;
  g_autoptr(GError) error = NULL;

  if (g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    {
      GSubprocess *process = G_SUBPROCESS (source);

      if (g_subprocess_get_if_exited (process))
        bench->status = g_subprocess_get_exit_status (process);
      else if (g_subprocess_get_if_signaled (process))
        bench->status = SIGNALLED + g_subprocess_get_term_sig (process);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && bench->error == NULL)
    bench->error = g_steal_pointer (&error);

  bench->exited = TRUE;
}

static void
bench_communicate_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  Bench *bench = data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &bench->out,
                                             &bench->err, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && bench->error == NULL)
    bench->error = g_steal_pointer (&error);

  bench->communicated = TRUE;
}

/* Starts `LAB_BINARY SUBCOMMAND ARGS…` (no subcommand when NULL) with
 * stderr piped, in C.UTF-8 (so messages and labels are untranslated), with
 * @env_name set to @env_value when given, and without a display, so that
 * nothing can open a window.  @stdin_text, when given, is written to its
 * stdin; a worker's stdout (binary frames) is dropped, others are piped. */
static void
command_start (Bench              *bench,
               const char         *binary,
               const char         *subcommand,
               const char         *env_name,
               const char         *env_value,
               const char * const *args,
               const char         *stdin_text,
               gboolean            drop_stdout)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *identifier;

  memset (bench, 0, sizeof *bench);
  bench->status = -1;

  g_ptr_array_add (argv, (gpointer) binary);
  if (subcommand != NULL)
    g_ptr_array_add (argv, (gpointer) subcommand);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  {
    g_autofree char *joined = g_strjoinv (" ", (char **) argv->pdata);

    bench->command = env_name != NULL ? g_strdup_printf ("%s=%s %s", env_name, env_value, joined)
                                      : g_steal_pointer (&joined);
  }
  g_test_message ("running: %s", bench->command);

  launcher = g_subprocess_launcher_new ((drop_stdout ? G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                     : G_SUBPROCESS_FLAGS_STDOUT_PIPE) |
                                        (stdin_text ? G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                    : G_SUBPROCESS_FLAGS_NONE) |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  g_subprocess_launcher_unsetenv (launcher, "LAB_WORKER_EXECUTABLE");
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  if (env_name != NULL)
    g_subprocess_launcher_setenv (launcher, env_name, env_value, TRUE);

  bench->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  g_assert_nonnull (bench->process);

  /* NULL when the child already exited and GLib reaped it: a quick
   * failure may be that fast.  Only the long runs need the pid. */
  identifier = g_subprocess_get_identifier (bench->process);
  bench->pid = identifier != NULL ? atoi (identifier) : 0;

  bench->context = g_main_context_new ();
  bench->cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (bench->context);
  g_subprocess_wait_async (bench->process, bench->cancellable, bench_wait_cb, bench);
  g_subprocess_communicate_utf8_async (bench->process, stdin_text, bench->cancellable,
                                       bench_communicate_cb, bench);
  g_main_context_pop_thread_default (bench->context);
}

/* Starts `LAB_BINARY bench ARGS…`. */
static void
bench_start (Bench              *bench,
             const char         *binary,
             const char         *env_name,
             const char         *env_value,
             const char * const *args)
{
  command_start (bench, binary, "bench", env_name, env_value, args, NULL, FALSE);
}

/* Drives the run's context until *@flag is set or @deadline (monotonic
 * µs) passes; returns *@flag. */
static gboolean
bench_iterate_until (Bench    *bench,
                     gboolean *flag,
                     gint64    deadline)
{
  while (!*flag && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (bench->context, FALSE))
      g_usleep (2000);

  return *flag;
}

static void
bench_log_output (Bench *bench)
{
  g_test_message ("command: %s", bench->command);
  g_test_message ("status: %d%s", bench->status, bench->status >= SIGNALLED ? " (signalled)" : "");
  g_test_message ("stdout:\n%s", bench->out ? bench->out : "(none)");
  g_test_message ("stderr:\n%s", bench->err ? bench->err : "(none)");
}

/* Waits for the run to exit and for its output, at most RUN_TIMEOUT_US. */
static void
bench_finish (Bench *bench)
{
  gint64 deadline = g_get_monotonic_time () + RUN_TIMEOUT_US;

  bench_iterate_until (bench, &bench->exited, deadline);
  bench_iterate_until (bench, &bench->communicated, deadline);
  if (!bench->exited || !bench->communicated)
    {
      g_test_message ("%s did not finish within %d s; killing it", bench->command,
                      (int) (RUN_TIMEOUT_US / G_USEC_PER_SEC));
      g_subprocess_force_exit (bench->process);
      bench_iterate_until (bench, &bench->exited, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
      g_assert_not_reached ();
    }

  if (bench->error != NULL)
    bench_log_output (bench);
  g_assert_no_error (bench->error);
}

static void
bench_clear (Bench *bench)
{
  /* Let pending operations come back before their data goes away. */
  if (bench->context != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      g_cancellable_cancel (bench->cancellable);
      bench_iterate_until (bench, &bench->exited, deadline);
      bench_iterate_until (bench, &bench->communicated, deadline);
      while (g_main_context_iteration (bench->context, FALSE))
        ;
    }

  g_clear_object (&bench->process);
  g_clear_object (&bench->cancellable);
  g_clear_pointer (&bench->context, g_main_context_unref);
  g_clear_pointer (&bench->command, g_free);
  g_clear_pointer (&bench->out, g_free);
  g_clear_pointer (&bench->err, g_free);
  g_clear_error (&bench->error);
}

/* Runs the command to its end. */
static void
bench_run (Bench              *bench,
           const char         *binary,
           const char         *env_name,
           const char         *env_value,
           const char * const *args)
{
  bench_start (bench, binary, env_name, env_value, args);
  bench_finish (bench);
}

static void
assert_status (Bench *bench,
               int    expected)
{
  if (bench->status != expected)
    {
      g_test_message ("expected exit status %d", expected);
      bench_log_output (bench);
    }
  g_assert_cmpint (bench->status, ==, expected);
}

/* ---------------------------------------------------------------------- */
/* JSON helpers: each asserts the member exists and has the right type.   */

static JsonNode *
parse_json (Bench *bench)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, bench->out, -1, &error))
    bench_log_output (bench);
  g_assert_no_error (error);

  root = json_parser_steal_root (parser);
  g_assert_nonnull (root);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    bench_log_output (bench);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return root;
}

static JsonNode *
get_member (JsonObject *object,
            const char *where,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_test_message ("%s has no member \"%s\"", where, name);
  g_assert_nonnull (node);

  return node;
}

static JsonNode *
get_value (JsonObject *object,
           const char *where,
           const char *name,
           GType       type)
{
  JsonNode *node = get_member (object, where, name);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    g_test_message ("%s.%s is a %s, not a %s", where, name, json_node_type_name (node),
                    g_type_name (type));
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == type);

  return node;
}

static const char *
get_string (JsonObject *object,
            const char *where,
            const char *name)
{
  return json_node_get_string (get_value (object, where, name, G_TYPE_STRING));
}

static gint64
get_int (JsonObject *object,
         const char *where,
         const char *name)
{
  return json_node_get_int (get_value (object, where, name, G_TYPE_INT64));
}

static gboolean
get_bool (JsonObject *object,
          const char *where,
          const char *name)
{
  return json_node_get_boolean (get_value (object, where, name, G_TYPE_BOOLEAN));
}

static gboolean
node_is_number (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
          json_node_get_value_type (node) == G_TYPE_INT64);
}

static double
get_number (JsonObject *object,
            const char *where,
            const char *name)
{
  JsonNode *node = get_member (object, where, name);

  if (!node_is_number (node))
    g_test_message ("%s.%s is not a number", where, name);
  g_assert_true (node_is_number (node));

  return json_node_get_double (node);
}

static JsonArray *
get_array (JsonObject *object,
           const char *where,
           const char *name)
{
  JsonNode *node = get_member (object, where, name);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    g_test_message ("%s.%s is a %s, not an array", where, name, json_node_type_name (node));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));

  return json_node_get_array (node);
}

static JsonObject *
get_element_object (JsonArray  *array,
                    const char *where,
                    guint       index)
{
  JsonNode *node = json_array_get_element (array, index);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    g_test_message ("%s[%u] is a %s, not an object", where, index, json_node_type_name (node));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}

static void
assert_null_member (JsonObject *object,
                    const char *where,
                    const char *name)
{
  JsonNode *node = get_member (object, where, name);

  if (!JSON_NODE_HOLDS_NULL (node))
    g_test_message ("%s.%s should be null but is %s", where, name,
                    JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                      ? json_node_get_string (node) : json_node_type_name (node));
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
}

static void
assert_hex_digest (const char *text,
                   gsize       length,
                   const char *where)
{
  gboolean hex = text != NULL && strlen (text) == length;

  for (gsize i = 0; hex && i < length; i++)
    hex = g_ascii_isdigit (text[i]) || (text[i] >= 'a' && text[i] <= 'f');

  if (!hex)
    g_test_message ("%s is “%s”, not %" G_GSIZE_FORMAT " lowercase hex digits", where,
                    text ? text : "(null)", length);
  g_assert_true (hex);
}

/* The items of @run keyed by their "task": items[t] is task t, each task
 * exactly once.  Returns a new array of JsonObject*. */
static GPtrArray *
run_items_by_task (JsonObject *run,
                   const char *where,
                   guint       n_tasks)
{
  JsonArray *items = get_array (run, where, "items");
  GPtrArray *by_task = g_ptr_array_new ();

  if (json_array_get_length (items) != n_tasks)
    g_test_message ("%s.items has %u entries, expected %u", where,
                    json_array_get_length (items), n_tasks);
  g_assert_cmpuint (json_array_get_length (items), ==, n_tasks);

  g_ptr_array_set_size (by_task, n_tasks);
  for (guint i = 0; i < n_tasks; i++)
    {
      g_autofree char *item_where = g_strdup_printf ("%s.items[%u]", where, i);
      JsonObject *item = get_element_object (items, item_where, i);
      gint64 task = get_int (item, item_where, "task");

      if (task < 0 || task >= n_tasks || g_ptr_array_index (by_task, task) != NULL)
        g_test_message ("%s.task is %" G_GINT64_FORMAT ": out of range or repeated",
                        item_where, task);
      g_assert_cmpint (task, >=, 0);
      g_assert_cmpint (task, <, n_tasks);
      g_assert_null (g_ptr_array_index (by_task, task));
      g_ptr_array_index (by_task, task) = item;
    }

  return by_task;
}

/* ---------------------------------------------------------------------- */
/* 1. Bad input: exit 2, one line on stderr, nothing on stdout             */

typedef enum
{
  SETUP_NONE,
  SETUP_EMPTY_DIR,
  SETUP_REGULAR_FILE,
} Setup;

typedef struct
{
  const char *name;
  const char *args[4];
  const char *env_name;
  const char *env_value;
  Setup       setup;
  const char *mentions;     /* the message should quote this, or NULL */
} BadInput;

static const BadInput bad_inputs[] = {
  { "unknown-workload", { "--workload=nope" }, NULL, NULL, SETUP_NONE, "nope" },
  { "unknown-mode", { "--modes=threads,fibers" }, NULL, NULL, SETUP_NONE, "fibers" },
  { "zero-tasks", { "--tasks=0" }, NULL, NULL, SETUP_NONE, NULL },
  { "tasks-not-a-number", { "--tasks=abc" }, NULL, NULL, SETUP_NONE, "abc" },
  { "too-many-tasks", { "--tasks=100001" }, NULL, NULL, SETUP_NONE, "100001" },
  { "zero-workers", { "--workers=0" }, NULL, NULL, SETUP_NONE, NULL },
  { "too-many-workers", { "--workers=5000" }, NULL, NULL, SETUP_NONE, "5000" },
  { "size-too-big", { "--workload=hash", "--tasks=1", "--size=2G" }, NULL, NULL, SETUP_NONE, NULL },
  { "n-too-big", { "--workload=cpu", "--n=7e9" }, NULL, NULL, SETUP_NONE, NULL },
  { "unknown-algo", { "--workload=hash", "--algo=sha1" }, NULL, NULL, SETUP_NONE, "sha1" },
  { "zero-repeat", { "--repeat=0" }, NULL, NULL, SETUP_NONE, NULL },
  { "unknown-format", { "--format=xml" }, NULL, NULL, SETUP_NONE, "xml" },
  { "unknown-option", { "--bogus" }, NULL, NULL, SETUP_NONE, "--bogus" },
  { "extra-argument", { "--workload=sleep", "surplus" }, NULL, NULL, SETUP_NONE, "surplus" },
  { "missing-input-dir", { "--workload=hash", "--input-dir=/nonexistent" }, NULL, NULL,
    SETUP_NONE, "/nonexistent" },
  { "empty-input-dir", { "--workload=hash" }, NULL, NULL, SETUP_EMPTY_DIR, NULL },
  { "input-dir-is-a-file", { "--workload=hash" }, NULL, NULL, SETUP_REGULAR_FILE, NULL },
  { "worker-cannot-spawn", { "--modes=processes" }, "LAB_WORKER_EXECUTABLE", "/nonexistent",
    SETUP_NONE, "/nonexistent" },
  { "worker-exits-at-once", { "--modes=processes" }, "LAB_WORKER_EXECUTABLE", "/bin/false",
    SETUP_NONE, NULL },
};

/* Bad input gets one sentence: one non-empty line on stderr, with one
 * newline at its very end, naming what was wrong (@mentions, if given). */
static void
assert_one_sentence (Bench      *bench,
                     const char *mentions)
{
  g_autofree char *line = NULL;
  const char *newline = strchr (bench->err, '\n');

  if (newline != NULL)
    line = g_strstrip (g_strndup (bench->err, newline - bench->err));
  if (newline == NULL || newline[1] != '\0' || line[0] == '\0')
    {
      g_test_message ("stderr should be exactly one non-empty line");
      bench_log_output (bench);
    }
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_cmpstr (line, !=, "");

  if (mentions != NULL && strstr (bench->err, mentions) == NULL)
    {
      g_test_message ("the message should mention “%s”", mentions);
      bench_log_output (bench);
    }
  if (mentions != NULL)
    g_assert_nonnull (strstr (bench->err, mentions));
}

static void
test_bad_input (gconstpointer data)
{
  const BadInput *input = data;
  const char *binary = lab_binary ();
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *temp_dir = NULL, *temp_file = NULL;
  Bench bench;

  if (binary == NULL)
    return;

  /* Small, quick defaults first, so that a wrongly accepted command ends
   * soon; the case's own options come after them and win. */
  g_ptr_array_add (args, g_strdup ("--task-ms=1"));
  g_ptr_array_add (args, g_strdup ("--tasks=2"));
  g_ptr_array_add (args, g_strdup ("--workers=2"));
  g_ptr_array_add (args, g_strdup ("--size=1k"));
  g_ptr_array_add (args, g_strdup ("--n=1000"));
  for (guint i = 0; i < G_N_ELEMENTS (input->args) && input->args[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (input->args[i]));

  if (input->setup != SETUP_NONE)
    {
      g_autoptr(GError) error = NULL;

      temp_dir = g_dir_make_tmp ("lab-cli-XXXXXX", &error);
      g_assert_no_error (error);
      if (input->setup == SETUP_REGULAR_FILE)
        {
          temp_file = g_build_filename (temp_dir, "plain.txt", NULL);
          g_file_set_contents (temp_file, "abc", -1, &error);
          g_assert_no_error (error);
        }
      g_ptr_array_add (args, g_strdup_printf ("--input-dir=%s",
                                              temp_file != NULL ? temp_file : temp_dir));
    }
  g_ptr_array_add (args, NULL);

  bench_run (&bench, binary, input->env_name, input->env_value,
             (const char * const *) args->pdata);

  if (temp_file != NULL)
    g_assert_no_errno (g_remove (temp_file));
  if (temp_dir != NULL)
    g_assert_no_errno (g_rmdir (temp_dir));

  assert_status (&bench, 2);

  if (*bench.out != '\0')
    bench_log_output (&bench);
  g_assert_cmpstr (bench.out, ==, "");

  assert_one_sentence (&bench, input->mentions);
  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 1b. Bad input to every other entry: one sentence, a non-zero exit       */

typedef struct
{
  const char *name;
  const char *args[4];      /* after the binary */
  const char *stdin_text;   /* for the worker: what arrives on its pipe */
  int         status;
  const char *mentions;     /* the message should quote this, or NULL */
} CommandBadInput;

static const CommandBadInput command_bad_inputs[] = {
  { "lesson/no-name", { "lesson" }, NULL, 2, "lesson --list" },
  { "lesson/unknown-name", { "lesson", "nope" }, NULL, 2, "nope" },
  { "lesson/two-names", { "lesson", "bank", "pingpong" }, NULL, 2, "lesson --list" },
  { "lesson/unknown-option", { "lesson", "--bogus" }, NULL, 2, "--bogus" },
  { "serve/unknown-option", { "serve", "--bogus" }, NULL, 2, "--bogus" },
  { "serve/extra-argument", { "serve", "surplus" }, NULL, 2, "surplus" },
  { "serve/port-not-a-number", { "serve", "--port=abc" }, NULL, 2, "abc" },
  { "serve/port-too-big", { "serve", "--port=70000" }, NULL, 2, "70000" },
  { "serve/files-not-a-number", { "serve", "--files=many" }, NULL, 2, "many" },
  { "benchmark/unknown-option", { "benchmark", "--bogus" }, NULL, 2, "--bogus" },
  { "benchmark/extra-argument", { "benchmark", "surplus" }, NULL, 2, "surplus" },
  { "benchmark/zero-repeat", { "benchmark", "--repeat=0" }, NULL, 2, "--repeat" },
  { "app/unknown-command", { "nope" }, NULL, 2, "nope" },
  { "app/unknown-option", { "--bogus" }, NULL, 2, "--bogus" },
  { "app/worker-with-argument", { "--worker", "surplus" }, NULL, 2, NULL },
  /* The hidden worker entry reads frames from the app on stdin. */
  { "worker/garbage-frames", { "--worker" }, "garbage, not a frame of ours\n", 1, "garbled" },
  { "worker/truncated-frame", { "--worker" }, "abc", 1, "frame" },
};

static void
test_command_bad_input (gconstpointer data)
{
  const CommandBadInput *input = data;
  const char *binary = lab_binary ();
  gboolean worker = g_str_equal (input->args[0], "--worker") && input->args[1] == NULL;
  Bench bench;

  if (binary == NULL)
    return;

  command_start (&bench, binary, NULL, NULL, NULL, input->args, input->stdin_text, worker);
  bench_finish (&bench);

  assert_status (&bench, input->status);

  /* A worker's stdout is its frames to the app; everyone else prints
   * nothing there when the input is bad. */
  if (!worker && *bench.out != '\0')
    bench_log_output (&bench);
  if (!worker)
    g_assert_cmpstr (bench.out, ==, "");

  assert_one_sentence (&bench, input->mentions);
  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 2. JSON of a hash run in all four modes                                 */

static const char * const all_modes[] = { "sequential", "threads", "processes", "async" };

static void
test_json_hash (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = {
    "--workload=hash", "--tasks=4", "--size=64k", "--workers=2", "--format=json", NULL
  };
  const char * const run_members[] = {
    "mode", "workers", "wall_s", "ok", "verified", "tasks_ok", "tasks_failed", "speedup",
    "startup_s", "result", "items", NULL
  };
  const char * const item_members[] = {
    "task", "name", "worker", "start_s", "end_s", "value", "error", NULL
  };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  char *values[4] = { NULL };
  const char *first_result = NULL;
  JsonObject *top;
  JsonArray *runs;
  int bench_pid;
  Bench bench;

  if (binary == NULL)
    return;

  bench_run (&bench, binary, NULL, NULL, args);
  assert_status (&bench, 0);
  bench_pid = bench.pid;     /* 0 if it ended before we could ask */

  root = parse_json (&bench);
  top = json_node_get_object (root);
  g_assert_cmpstr (get_string (top, "top", "workload"), ==, "hash");
  g_assert_cmpint (get_int (top, "top", "tasks"), ==, 4);
  g_assert_cmpint (get_int (top, "top", "workers"), ==, 2);
  runs = get_array (top, "top", "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, G_N_ELEMENTS (all_modes));

  for (guint m = 0; m < G_N_ELEMENTS (all_modes); m++)
    {
      g_autofree char *where = g_strdup_printf ("runs[%u]", m);
      JsonObject *run = get_element_object (runs, "runs", m);
      g_autoptr(GPtrArray) items = NULL;
      const char *result;

      for (guint k = 0; run_members[k] != NULL; k++)
        get_member (run, where, run_members[k]);

      g_assert_cmpstr (get_string (run, where, "mode"), ==, all_modes[m]);
      if (!get_bool (run, where, "ok") || !get_bool (run, where, "verified"))
        bench_log_output (&bench);
      g_assert_true (get_bool (run, where, "ok"));
      g_assert_true (get_bool (run, where, "verified"));
      g_assert_cmpint (get_int (run, where, "tasks_ok"), ==, 4);
      g_assert_cmpint (get_int (run, where, "tasks_failed"), ==, 0);
      g_assert_cmpfloat (get_number (run, where, "wall_s"), >=, 0);
      g_assert_cmpfloat (get_number (run, where, "startup_s"), >=, 0);

      result = get_string (run, where, "result");
      assert_hex_digest (result, 32, where);
      if (first_result == NULL)
        first_result = result;
      g_assert_cmpstr (result, ==, first_result);

      items = run_items_by_task (run, where, 4);
      for (guint t = 0; t < 4; t++)
        {
          g_autofree char *item_where = g_strdup_printf ("%s.items[task %u]", where, t);
          JsonObject *item = g_ptr_array_index (items, t);
          const char *value, *worker;
          double start, end;

          for (guint k = 0; item_members[k] != NULL; k++)
            get_member (item, item_where, item_members[k]);

          assert_null_member (item, item_where, "error");
          get_string (item, item_where, "name");
          start = get_number (item, item_where, "start_s");
          end = get_number (item, item_where, "end_s");
          g_assert_cmpfloat (start, >=, 0);
          g_assert_cmpfloat (start, <=, end);

          /* The same data hashes to the same digest in every mode. */
          value = get_string (item, item_where, "value");
          assert_hex_digest (value, 32, item_where);
          if (values[t] == NULL)
            values[t] = g_strdup (value);
          if (!g_str_equal (values[t], value))
            g_test_message ("%s: value %s differs from the sequential run's %s", item_where,
                            value, values[t]);
          g_assert_cmpstr (value, ==, values[t]);

          /* Process tasks ran in worker processes, not here and not in
           * the bench itself. */
          worker = get_string (item, item_where, "worker");
          if (g_str_equal (all_modes[m], "processes"))
            {
              guint64 pid = 0;
              g_autoptr(GError) error = NULL;

              if (!g_str_has_prefix (worker, "pid ") ||
                  !g_ascii_string_to_unsigned (worker + 4, 10, 1, G_MAXINT, &pid, &error))
                g_test_message ("%s.worker is “%s”, not “pid N”", item_where, worker);
              g_assert_true (g_str_has_prefix (worker, "pid "));
              g_assert_no_error (error);
              g_assert_cmpint (pid, !=, getpid ());
              if (bench_pid > 0)
                g_assert_cmpint (pid, !=, bench_pid);
              g_hash_table_add (pids, GINT_TO_POINTER ((int) pid));
            }
        }
    }

  /* Two workers: one or two distinct processes did the four tasks. */
  g_test_message ("processes run used %u distinct worker pids", g_hash_table_size (pids));
  g_assert_cmpuint (g_hash_table_size (pids), >=, 1);
  g_assert_cmpuint (g_hash_table_size (pids), <=, 2);

  for (guint t = 0; t < G_N_ELEMENTS (values); t++)
    g_free (values[t]);
  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 3. --input-dir hashes real files, in name order                         */

static void
check_input_dir (const char *algo,
                 const char *digest_a,
                 const char *digest_b)
{
  const char *binary = lab_binary ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *path_a = NULL, *path_b = NULL;
  g_autofree char *dir_arg = NULL, *algo_arg = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *top;
  JsonArray *runs;
  Bench bench;

  if (binary == NULL)
    return;

  dir = g_dir_make_tmp ("lab-cli-XXXXXX", &error);
  g_assert_no_error (error);
  path_a = g_build_filename (dir, "a.txt", NULL);
  path_b = g_build_filename (dir, "b.txt", NULL);
  /* b first, so creation order is not name order. */
  g_file_set_contents (path_b, "", 0, &error);
  g_assert_no_error (error);
  g_file_set_contents (path_a, "abc", 3, &error);
  g_assert_no_error (error);

  dir_arg = g_strdup_printf ("--input-dir=%s", dir);
  algo_arg = g_strdup_printf ("--algo=%s", algo);
  {
    const char * const args[] = {
      "--workload=hash", dir_arg, algo_arg, "--format=json", NULL
    };

    bench_run (&bench, binary, NULL, NULL, args);
  }

  g_assert_no_errno (g_remove (path_a));
  g_assert_no_errno (g_remove (path_b));
  g_assert_no_errno (g_rmdir (dir));

  assert_status (&bench, 0);
  root = parse_json (&bench);
  top = json_node_get_object (root);
  g_assert_cmpint (get_int (top, "top", "tasks"), ==, 2);
  runs = get_array (top, "top", "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, G_N_ELEMENTS (all_modes));

  for (guint m = 0; m < json_array_get_length (runs); m++)
    {
      g_autofree char *where = g_strdup_printf ("runs[%u]", m);
      JsonObject *run = get_element_object (runs, "runs", m);
      g_autoptr(GPtrArray) items = run_items_by_task (run, where, 2);
      JsonObject *a = g_ptr_array_index (items, 0), *b = g_ptr_array_index (items, 1);

      g_assert_cmpstr (get_string (run, where, "mode"), ==, all_modes[m]);
      g_assert_true (get_bool (run, where, "ok"));
      g_assert_true (get_bool (run, where, "verified"));
      g_assert_cmpstr (get_string (a, where, "name"), ==, "a.txt");
      g_assert_cmpstr (get_string (a, where, "value"), ==, digest_a);
      assert_null_member (a, where, "error");
      g_assert_cmpstr (get_string (b, where, "name"), ==, "b.txt");
      g_assert_cmpstr (get_string (b, where, "value"), ==, digest_b);
      assert_null_member (b, where, "error");
    }

  bench_clear (&bench);
}

static void
test_input_dir_md5 (void)
{
  check_input_dir ("md5", "900150983cd24fb0d6963f7d28e17f72",
                   "d41d8cd98f00b204e9800998ecf8427e");
}

static void
test_input_dir_sha256 (void)
{
  check_input_dir ("sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---------------------------------------------------------------------- */
/* 4. CSV of a cpu run                                                     */

static void
test_csv_cpu (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = {
    "--workload=cpu", "--n=1000000", "--tasks=7", "--format=csv", NULL
  };
  g_auto(GStrv) lines = NULL, header = NULL;
  guint n_lines, n_columns;
  int result_column = -1, mode_column = -1, verified_column = -1;
  Bench bench;

  if (binary == NULL)
    return;

  bench_run (&bench, binary, NULL, NULL, args);
  assert_status (&bench, 0);

  if (!g_str_has_suffix (bench.out, "\n"))
    bench_log_output (&bench);
  g_assert_true (g_str_has_suffix (bench.out, "\n"));
  lines = g_strsplit (bench.out, "\n", -1);
  n_lines = g_strv_length (lines) - 1;         /* the empty string after the last \n */
  g_assert_cmpstr (lines[n_lines], ==, "");

  g_assert_true (g_str_has_prefix (lines[0], "mode,workers"));
  header = g_strsplit (lines[0], ",", -1);
  n_columns = g_strv_length (header);
  for (guint c = 0; c < n_columns; c++)
    {
      if (g_str_equal (header[c], "result"))
        result_column = c;
      else if (g_str_equal (header[c], "mode"))
        mode_column = c;
      else if (g_str_equal (header[c], "verified"))
        verified_column = c;
    }
  g_assert_cmpint (result_column, >=, 0);
  g_assert_cmpint (mode_column, ==, 0);
  g_assert_cmpint (verified_column, >=, 0);

  if (n_lines != 1 + G_N_ELEMENTS (all_modes))
    bench_log_output (&bench);
  g_assert_cmpuint (n_lines, ==, 1 + G_N_ELEMENTS (all_modes));

  for (guint l = 1; l < n_lines; l++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[l], ",", -1);

      if (g_strv_length (fields) != n_columns)
        g_test_message ("line %u “%s” has %u fields, the header %u", l, lines[l],
                        g_strv_length (fields), n_columns);
      g_assert_cmpuint (g_strv_length (fields), ==, n_columns);
      g_assert_cmpstr (fields[mode_column], ==, all_modes[l - 1]);
      g_assert_cmpstr (fields[verified_column], ==, "true");
      g_assert_cmpstr (fields[result_column], ==, "500000500000");
    }

  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 5. Ctrl+C cancels cleanly: 130, soon, and no worker left behind         */

typedef struct
{
  int     pid;
  guint64 start_time;
} ProcessId;

/* Reads state, parent and start time from /proc/PID/stat. */
static gboolean
read_proc_stat (int      pid,
                char    *state,
                int     *ppid,
                guint64 *start_time)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;

  /* "pid (comm) state ppid …": comm may hold spaces and parentheses. */
  after_name = strrchr (contents, ')');
  if (after_name == NULL)
    return FALSE;
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 20)
    return FALSE;

  *state = fields[0][0];                               /* field 3 */
  *ppid = atoi (fields[1]);                            /* field 4 */
  *start_time = g_ascii_strtoull (fields[19], NULL, 10); /* field 22 */
  return TRUE;
}

static char *
read_cmdline (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_strdup ("(gone)");

  for (gsize i = 0; i + 1 < length; i++)
    if (contents[i] == '\0')
      contents[i] = ' ';

  return contents;
}

/* Live (not zombie) processes whose parent is @ppid; with @workers_only,
 * only those started as `… --worker`. */
static GArray *
list_children (int      ppid,
               gboolean workers_only)
{
  GArray *children = g_array_new (FALSE, FALSE, sizeof (ProcessId));
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      ProcessId id = { 0 };
      char state;
      int parent;

      if (!g_ascii_isdigit (name[0]))
        continue;
      id.pid = atoi (name);
      if (!read_proc_stat (id.pid, &state, &parent, &id.start_time) || parent != ppid ||
          state == 'Z' || state == 'X')
        continue;

      if (workers_only)
        {
          g_autofree char *cmdline = read_cmdline (id.pid);

          if (!g_str_has_suffix (cmdline, " --worker"))
            continue;
        }
      g_array_append_val (children, id);
    }

  return children;
}

static gboolean
process_alive (const ProcessId *id)
{
  char state;
  int ppid;
  guint64 start_time;

  return read_proc_stat (id->pid, &state, &ppid, &start_time) &&
         start_time == id->start_time && state != 'Z' && state != 'X';
}

/* Reaps the zombies among our own children except @except; returns how
 * many of our children are still alive (orphans handed to us as their
 * subreaper). */
static guint
reap_and_count_orphans (int     except,
                        GArray *alive)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      ProcessId id = { 0 };
      char state;
      int parent;

      if (!g_ascii_isdigit (name[0]))
        continue;
      id.pid = atoi (name);
      if (id.pid == except || !read_proc_stat (id.pid, &state, &parent, &id.start_time) ||
          parent != getpid ())
        continue;

      if (state == 'Z' || state == 'X')
        waitpid (id.pid, NULL, WNOHANG);
      else
        {
          count++;
          if (alive != NULL)
            g_array_append_val (alive, id);
        }
    }

  return count;
}

static gboolean
has_thread_named (int         pid,
                  const char *thread_name)
{
  g_autofree char *task_path = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr(GDir) tasks = g_dir_open (task_path, 0, NULL);
  const char *name;

  while (tasks != NULL && (name = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename (task_path, name, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (comm_path, &comm, NULL, NULL) &&
          g_str_equal (g_strchomp (comm), thread_name))
        return TRUE;
    }

  return FALSE;
}

static void
test_sigint (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = {
    "--workload=sleep", "--tasks=40", "--task-ms=1000", "--workers=2", "--modes=processes", NULL
  };
  g_autoptr(GArray) workers = NULL;
  g_autoptr(GArray) leftovers = NULL;
  gint64 started, deadline, signalled, exit_us;
  gboolean subreaper, ready = FALSE;
  guint remaining = 0;
  Bench bench;

  if (binary == NULL)
    return;

  /* Workers orphaned by the bench's exit come to us instead of init, so
   * that we can find every one of them and clean up after a failure. */
  subreaper = prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
  if (!subreaper)
    g_test_message ("PR_SET_CHILD_SUBREAPER failed (%s); checking the known workers only",
                    g_strerror (errno));

  bench_start (&bench, binary, NULL, NULL, args);
  started = g_get_monotonic_time ();
  g_assert_cmpint (bench.pid, >, 0);

  /* Wait ~700 ms, but at least until both workers run.  The bench's
   * Ctrl+C handler is in place once it runs its batch, on a thread named
   * "lab-bench": wait for that too, though only up to 3 s, since a thread
   * name is no promise of the command line. */
  deadline = started + 10 * G_USEC_PER_SEC;
  while (!bench.exited && g_get_monotonic_time () < deadline)
    {
      gint64 elapsed = g_get_monotonic_time () - started;

      g_clear_pointer (&workers, g_array_unref);
      workers = list_children (bench.pid, TRUE);
      ready = workers->len >= 2;
      if (ready && elapsed >= 700 * 1000 &&
          (elapsed >= 3 * G_USEC_PER_SEC || has_thread_named (bench.pid, "lab-bench")))
        break;
      bench_iterate_until (&bench, &bench.exited, g_get_monotonic_time () + 20 * 1000);
    }
  if (bench.exited || !ready)
    {
      g_test_message ("the bench %s before its 2 workers were up (%u workers)",
                      bench.exited ? "exited" : "took 10 s", workers ? workers->len : 0);
      if (!bench.exited)
        g_subprocess_force_exit (bench.process);
      bench_iterate_until (&bench, &bench.communicated,
                           g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
      bench_log_output (&bench);
    }
  g_assert_false (bench.exited);
  g_assert_true (ready);
  for (guint i = 0; i < workers->len; i++)
    g_test_message ("worker pid %d", g_array_index (workers, ProcessId, i).pid);

  g_subprocess_send_signal (bench.process, SIGINT);
  signalled = g_get_monotonic_time ();
  g_test_message ("sent SIGINT %.3f s after the start", (signalled - started) / 1e6);

  if (!bench_iterate_until (&bench, &bench.exited, signalled + 5 * G_USEC_PER_SEC))
    {
      g_test_message ("the bench did not exit within 5 s of SIGINT; killing it");
      g_subprocess_force_exit (bench.process);
      bench_iterate_until (&bench, &bench.exited, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
    }
  exit_us = g_get_monotonic_time () - signalled;
  g_test_message ("exited %.3f s after SIGINT", exit_us / 1e6);

  /* No worker outlives it: give them 2 s to go. */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  for (;;)
    {
      remaining = 0;
      for (guint i = 0; i < workers->len; i++)
        remaining += process_alive (&g_array_index (workers, ProcessId, i));
      if (subreaper)
        remaining += reap_and_count_orphans (bench.pid, NULL);
      if (remaining == 0 || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (20 * 1000);
    }

  if (remaining > 0)
    {
      leftovers = g_array_new (FALSE, FALSE, sizeof (ProcessId));
      for (guint i = 0; i < workers->len; i++)
        if (process_alive (&g_array_index (workers, ProcessId, i)))
          g_array_append_val (leftovers, g_array_index (workers, ProcessId, i));
      if (subreaper)
        reap_and_count_orphans (bench.pid, leftovers);

      for (guint i = 0; i < leftovers->len; i++)
        {
          const ProcessId *id = &g_array_index (leftovers, ProcessId, i);
          g_autofree char *cmdline = read_cmdline (id->pid);

          g_test_message ("left behind: pid %d: %s", id->pid, cmdline);
          if (process_alive (id))
            kill (id->pid, SIGKILL);
        }
      g_usleep (100 * 1000);
      if (subreaper)
        reap_and_count_orphans (bench.pid, NULL);
    }

  if (subreaper)
    prctl (PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);

  bench_iterate_until (&bench, &bench.communicated, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
  if (bench.status != 130 || remaining > 0 || exit_us > 5 * G_USEC_PER_SEC)
    bench_log_output (&bench);

  g_assert_true (bench.exited);
  g_assert_cmpint (exit_us, <=, 5 * G_USEC_PER_SEC);
  assert_status (&bench, 130);
  g_assert_cmpuint (remaining, ==, 0);

  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 6. --repeat reports the median                                          */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
test_repeat_median (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = {
    "--repeat=3", "--workload=sleep", "--tasks=2", "--task-ms=10", "--modes=threads",
    "--format=json", NULL
  };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *run;
  JsonArray *runs, *walls;
  double sorted[3], wall;
  Bench bench;

  if (binary == NULL)
    return;

  bench_run (&bench, binary, NULL, NULL, args);
  assert_status (&bench, 0);

  root = parse_json (&bench);
  runs = get_array (json_node_get_object (root), "top", "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 1);
  run = get_element_object (runs, "runs", 0);
  g_assert_cmpstr (get_string (run, "runs[0]", "mode"), ==, "threads");

  walls = get_array (run, "runs[0]", "wall_s_all");
  g_assert_cmpuint (json_array_get_length (walls), ==, 3);
  for (guint r = 0; r < 3; r++)
    {
      JsonNode *node = json_array_get_element (walls, r);

      if (!node_is_number (node))
        g_test_message ("runs[0].wall_s_all[%u] is not a number", r);
      g_assert_true (node_is_number (node));
      sorted[r] = json_node_get_double (node);
      g_assert_cmpfloat (sorted[r], >, 0);
    }
  qsort (sorted, 3, sizeof sorted[0], compare_doubles);

  wall = get_number (run, "runs[0]", "wall_s");
  g_test_message ("wall_s_all sorted: %g %g %g; wall_s %g", sorted[0], sorted[1], sorted[2],
                  wall);
  g_assert_cmpfloat_with_epsilon (wall, sorted[1], 1e-9);

  bench_clear (&bench);
}

/* With --repeat, only the bank says how many runs lost deposits; a
 * ping-pong run (which has result fields too) must not. */
static void
test_repeat_lost_sentence (void)
{
  const char *binary = lab_binary ();
  const char * const pingpong[] = {
    "--repeat=2", "--workload=pingpong", "--pause-ms=0", "--modes=threads", NULL
  };
  const char * const bank[] = {
    "--repeat=2", "--workload=bank", "--tasks=2", "--deposits=5", "--pause-ms=0",
    "--modes=threads", NULL
  };
  Bench bench;

  if (binary == NULL)
    return;

  bench_run (&bench, binary, NULL, NULL, pingpong);
  assert_status (&bench, 0);
  if (strstr (bench.out, "deposits lost") != NULL)
    bench_log_output (&bench);
  g_assert_null (strstr (bench.out, "deposits lost"));
  bench_clear (&bench);

  bench_run (&bench, binary, NULL, NULL, bank);
  if (strstr (bench.out, "deposits lost in") == NULL)
    bench_log_output (&bench);
  g_assert_nonnull (strstr (bench.out, "deposits lost in"));
  bench_clear (&bench);
}

/* ---------------------------------------------------------------------- */
/* 7. `lesson NAME` in front of a class: on a terminal it waits for Enter  */
/*    after the question; --no-pause and a pipe never wait                 */

typedef struct
{
  pid_t    pid;
  int      master;      /* our end of the pseudo-terminal */
  GString *out;         /* everything the lesson wrote to it */
  int      status;      /* as waitpid () gives it, once exited */
  gboolean exited;
} Pty;

/* Starts `LAB_BINARY lesson ARGS…` on a new pseudo-terminal: its stdin,
 * stdout and stderr are the terminal, as in front of a class. */
static void
pty_start (Pty                *pty,
           const char         *binary,
           const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "lesson");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  memset (pty, 0, sizeof *pty);
  pty->out = g_string_new (NULL);
  pty->pid = forkpty (&pty->master, NULL, NULL, NULL);
  g_assert_cmpint (pty->pid, >=, 0);
  if (pty->pid == 0)
    {
      setenv ("LC_ALL", "C.UTF-8", 1);
      unsetenv ("LANGUAGE");
      unsetenv ("LAB_WORKER_EXECUTABLE");
      unsetenv ("DISPLAY");
      unsetenv ("WAYLAND_DISPLAY");
      execv (binary, (char **) argv->pdata);
      _exit (127);
    }
  fcntl (pty->master, F_SETFL, fcntl (pty->master, F_GETFL) | O_NONBLOCK);
}

/* Reads what the lesson wrote until @deadline (monotonic µs), or until it
 * has exited and said everything. */
static void
pty_read_until (Pty    *pty,
                gint64  deadline)
{
  while (g_get_monotonic_time () < deadline)
    {
      struct pollfd fd = { pty->master, POLLIN, 0 };
      char buffer[4096];
      ssize_t n;

      if (poll (&fd, 1, 20) > 0)
        {
          n = read (pty->master, buffer, sizeof buffer);
          if (n > 0)
            {
              g_string_append_len (pty->out, buffer, n);
              continue;
            }
        }
      if (!pty->exited && waitpid (pty->pid, &pty->status, WNOHANG) == pty->pid)
        pty->exited = TRUE;
      else if (pty->exited)
        return;   /* exited, and nothing more to read */
    }
}

/* Whether the lesson's only thread is blocked reading its terminal: the
 * system call it sleeps in (/proc/PID/syscall) is read (0) on fd 0. */
static gboolean
pty_waits_for_input (Pty *pty)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/syscall", (int) pty->pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  fields = g_strsplit (g_strstrip (text), " ", -1);
  return g_strv_length (fields) >= 2 && g_str_equal (fields[0], "0") &&
         g_str_equal (fields[1], "0x0");
}

static void
pty_finish (Pty *pty)
{
  pty_read_until (pty, g_get_monotonic_time () + RUN_TIMEOUT_US);
  if (!pty->exited)
    {
      g_test_message ("the lesson did not end within %d s; output:\n%s",
                      (int) (RUN_TIMEOUT_US / G_USEC_PER_SEC), pty->out->str);
      kill (pty->pid, SIGKILL);
      waitpid (pty->pid, &pty->status, 0);
      pty->exited = TRUE;
      g_assert_not_reached ();
    }
}

/* The lesson on the terminal ran to its end and exited with status 0. */
static void
pty_finish_ok (Pty *pty)
{
  pty_finish (pty);
  g_assert_true (WIFEXITED (pty->status));
  g_assert_cmpint (WEXITSTATUS (pty->status), ==, 0);
}

static void
pty_clear (Pty *pty)
{
  if (!pty->exited)
    {
      kill (pty->pid, SIGKILL);
      waitpid (pty->pid, &pty->status, 0);
    }
  close (pty->master);
  g_string_free (pty->out, TRUE);
}

/* The result table has headers, and the verdict follows it. */
static void
assert_lesson_output (const char *out)
{
  const char *header = strstr (out, "Step");

  if (header == NULL || strstr (header, "Time") == NULL || strstr (header, "Result") == NULL ||
      strstr (header, "Verdict:") == NULL)
    g_test_message ("output:\n%s", out);
  g_assert_nonnull (header);
  /* Step, Time and Result head one line, before the steps and the verdict. */
  g_assert_null (memchr (header, '\n', strstr (header, "Result") - header));
  g_assert_nonnull (strstr (header, "Time"));
  g_assert_nonnull (strstr (header, "Verdict:"));
  g_assert_cmpuint (strstr (out, "Predict:") - out, <, header - out);
}

/* On a terminal the lesson asks, then sits in read () on its terminal —
 * no answer printed — until Enter; then it runs to its verdict. */
static void
test_lesson_pauses_on_tty (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = { "pingpong", "--quick", NULL };
  gint64 deadline;
  gboolean waiting = FALSE;
  Pty pty;

  if (binary == NULL)
    return;

  pty_start (&pty, binary, args);
  deadline = g_get_monotonic_time () + RUN_TIMEOUT_US;
  while (!waiting && !pty.exited && g_get_monotonic_time () < deadline)
    {
      pty_read_until (&pty, g_get_monotonic_time () + 50 * 1000);
      waiting = strstr (pty.out->str, "Predict:") != NULL && pty_waits_for_input (&pty);
    }
  if (!waiting)
    g_test_message ("output:\n%s", pty.out->str);
  g_assert_false (pty.exited);
  g_assert_true (waiting);
  /* Blocked on the terminal, with the question and nothing after it. */
  pty_read_until (&pty, g_get_monotonic_time () + 100 * 1000);
  g_assert_nonnull (strstr (pty.out->str, "Press Enter"));
  g_assert_null (strstr (pty.out->str, "Verdict:"));
  g_assert_null (strstr (pty.out->str, "Step"));

  g_assert_cmpint (write (pty.master, "\r", 1), ==, 1);
  pty_finish_ok (&pty);
  assert_lesson_output (pty.out->str);
  pty_clear (&pty);
}

/* --no-pause on a terminal: it never waits; nobody presses Enter here. */
static void
test_lesson_no_pause (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = { "pingpong", "--quick", "--no-pause", NULL };
  Pty pty;

  if (binary == NULL)
    return;

  pty_start (&pty, binary, args);
  pty_finish_ok (&pty);
  g_assert_null (strstr (pty.out->str, "Press Enter"));
  assert_lesson_output (pty.out->str);
  pty_clear (&pty);
}

/* stdin a pipe, as in scripts and CI: no pause, no prompt. */
static void
test_lesson_pipe (void)
{
  const char *binary = lab_binary ();
  const char * const args[] = { "lesson", "pingpong", "--quick", NULL };
  Bench bench;

  if (binary == NULL)
    return;

  command_start (&bench, binary, NULL, NULL, NULL, args, "", FALSE);
  bench_finish (&bench);
  assert_status (&bench, 0);
  g_assert_null (strstr (bench.out, "Press Enter"));
  assert_lesson_output (bench.out);
  bench_clear (&bench);
}

/* `lesson bank --trace` writes a trace in Chrome's JSON format, as
 * ui.perfetto.dev opens it: every slice has its track and times, every
 * track a name, a process per step named as the step, the lock waits of the
 * locked step among the slices, the verdict in the metadata. */
static void
test_lesson_trace (void)
{
  const char *binary = lab_binary ();
  g_autofree char *dir = g_dir_make_tmp ("lab-trace-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bank.json", NULL);
  g_autofree char *option = g_strdup_printf ("--trace=%s", path);
  const char * const args[] = { "lesson", "bank", "--quick", "--no-pause", option, NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) tracks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *events;
  guint lock_slices = 0, processes = 0;
  Bench bench;

  if (binary == NULL)
    return;

  command_start (&bench, binary, NULL, NULL, NULL, args, "", FALSE);
  bench_finish (&bench);
  assert_status (&bench, 0);
  bench_clear (&bench);

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "otherData"),
                                                  "lesson"), ==, "bank");
  g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (root, "otherData"),
                                                   "verdict"));
  events = json_object_get_array_member (root, "traceEvents");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *phase = json_object_get_string_member (event, "ph");
      char *track = g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                                     json_object_get_int_member (event, "pid"),
                                     json_object_get_int_member (event, "tid"));

      g_assert_true (json_object_has_member (event, "ts"));
      if (g_str_equal (phase, "X"))
        {
          g_assert_true (json_object_has_member (event, "dur"));
          g_assert_cmpint (json_object_get_int_member (event, "dur"), >=, 0);
          lock_slices += g_str_equal (json_object_get_string_member (event, "cat"), "lock");
          g_ptr_array_add (tracks, track);
        }
      else if (g_str_equal (phase, "M") && g_str_equal (json_object_get_string_member (event, "name"), "thread_name"))
        g_hash_table_add (named, track);
      else
        {
          if (g_str_equal (phase, "M") && g_str_equal (json_object_get_string_member (event, "name"), "process_name"))
            processes++;
          g_free (track);
        }
    }
  for (guint i = 0; i < tracks->len; i++)
    g_assert_true (g_hash_table_contains (named, g_ptr_array_index (tracks, i)));
  g_assert_cmpuint (processes, ==, 6);
  g_assert_cmpuint (lock_slices, >, 0);
  g_remove (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lab/cli/bad-input/%s", bad_inputs[i].name);

      g_test_add_data_func (path, &bad_inputs[i], test_bad_input);
    }
  for (guint i = 0; i < G_N_ELEMENTS (command_bad_inputs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/lab/cli/bad-input/%s", command_bad_inputs[i].name);

      g_test_add_data_func (path, &command_bad_inputs[i], test_command_bad_input);
    }
  g_test_add_func ("/lab/cli/json/hash", test_json_hash);
  g_test_add_func ("/lab/cli/input-dir/md5", test_input_dir_md5);
  g_test_add_func ("/lab/cli/input-dir/sha256", test_input_dir_sha256);
  g_test_add_func ("/lab/cli/csv/cpu", test_csv_cpu);
  g_test_add_func ("/lab/cli/sigint", test_sigint);
  g_test_add_func ("/lab/cli/repeat/median", test_repeat_median);
  g_test_add_func ("/lab/cli/repeat/lost-sentence", test_repeat_lost_sentence);
  g_test_add_func ("/lab/cli/lesson/pauses-on-tty", test_lesson_pauses_on_tty);
  g_test_add_func ("/lab/cli/lesson/no-pause", test_lesson_no_pause);
  g_test_add_func ("/lab/cli/lesson/pipe", test_lesson_pipe);
  g_test_add_func ("/lab/cli/lesson/trace", test_lesson_trace);

  return g_test_run ();
}
