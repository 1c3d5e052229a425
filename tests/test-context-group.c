/* test-context-group.c — many small contexts run by one loop through epoll
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The async download puts its sessions on member contexts of a group
 * (lab-context-group.c).  A member must be run by the loop whatever wakes
 * it: a ready socket, a timer, a source attached from another thread, and a
 * socket that reuses the number of one closed before it.
 */

#include <glib.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab-context-group.h"

typedef struct
{
  GMainContext *loop_context;
  LabContextGroup *group;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->loop_context = g_main_context_new ();
  g_main_context_push_thread_default (fixture->loop_context);
  fixture->group = lab_context_group_new (fixture->loop_context);
  g_assert_nonnull (fixture->group);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  lab_context_group_free (fixture->group);
  g_main_context_pop_thread_default (fixture->loop_context);
  g_main_context_unref (fixture->loop_context);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Turns the loop until *@flag, or for 5 s: a tick on the loop's own
 * context keeps a missed wake-up from blocking the test for ever (it then
 * fails instead of hanging). */
static gboolean
run_until (Fixture  *fixture,
           gboolean *flag)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  g_autoptr(GSource) tick = g_timeout_source_new (20);

  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, fixture->loop_context);
  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (fixture->loop_context, TRUE);
  g_source_destroy (tick);
  return *flag;
}

typedef struct
{
  gboolean      fired;
  GMainContext *seen_context;
} Hit;

static gboolean
hit_cb (gpointer data)
{
  Hit *hit = data;

  hit->fired = TRUE;
  hit->seen_context = g_main_context_get_thread_default ();
  return G_SOURCE_REMOVE;
}

static gboolean
fd_hit_cb (gint          fd,
           GIOCondition  condition,
           gpointer      data)
{
  char byte;

  g_assert_cmpint (read (fd, &byte, 1), ==, 1);
  return hit_cb (data);
}

static GSource *
watch_socket (GMainContext *context,
              int           fd,
              Hit          *hit)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN);

  g_source_set_callback (source, G_SOURCE_FUNC (fd_hit_cb), hit, NULL);
  g_source_attach (source, context);
  return source;
}

static void
make_pair (int fds[2])
{
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
}

/* A new socket pair whose first end has the descriptor @number (free). */
static void
pair_at (int number,
         int fds[2])
{
  make_pair (fds);
  if (fds[0] != number)
    {
      g_assert_cmpint (dup2 (fds[0], number), ==, number);
      close (fds[0]);
      fds[0] = number;
    }
}

/* @source's socket goes, and a new pair takes its number. */
static void
close_and_reuse (GSource *source,
                 int      old_pair[2],
                 int      new_pair[2])
{
  g_source_destroy (source);
  g_source_unref (source);
  close (old_pair[0]);
  close (old_pair[1]);
  pair_at (old_pair[0], new_pair);
}

/* A ready socket, a timer and an idle, each on a member, run on the loop's
 * thread with their member as the thread-default context (where libsoup
 * attaches what they start next). */
static void
test_members_run (Fixture       *fixture,
                  gconstpointer  data)
{
  GMainContext *one = lab_context_group_add_context (fixture->group);
  GMainContext *two = lab_context_group_add_context (fixture->group);
  Hit socket_hit = { 0 }, timer_hit = { 0 }, idle_hit = { 0 };
  g_autoptr(GSource) socket_source = NULL;
  g_autoptr(GSource) timer = g_timeout_source_new (30);
  g_autoptr(GSource) idle = g_idle_source_new ();
  int pair[2];

  make_pair (pair);
  socket_source = watch_socket (one, pair[0], &socket_hit);
  g_source_set_callback (timer, hit_cb, &timer_hit, NULL);
  g_source_attach (timer, two);
  g_source_set_callback (idle, hit_cb, &idle_hit, NULL);
  g_source_attach (idle, two);

  g_assert_true (run_until (fixture, &idle_hit.fired));
  g_assert_true (idle_hit.seen_context == two);
  g_assert_false (socket_hit.fired);

  g_assert_cmpint (write (pair[1], "x", 1), ==, 1);
  g_assert_true (run_until (fixture, &socket_hit.fired));
  g_assert_true (socket_hit.seen_context == one);
  g_assert_true (run_until (fixture, &timer_hit.fired));
  g_assert_true (timer_hit.seen_context == two);
  g_assert_cmpuint (lab_context_group_get_size (fixture->group), ==, 2);

  g_source_destroy (socket_source);
  close (pair[0]);
  close (pair[1]);
}

typedef struct
{
  GSource      *idle;
  GMainContext *member;
} Later;

static gpointer
attach_from_thread (gpointer data)
{
  Later *later = data;

  g_usleep (50 * 1000);
  g_source_attach (later->idle, later->member);
  return NULL;
}

/* Another thread attaches to a member while the loop waits in poll (): the
 * member's wake-up reaches the loop through the epoll set. */
static void
test_wakes_from_another_thread (Fixture       *fixture,
                                gconstpointer  data)
{
  GMainContext *member = lab_context_group_add_context (fixture->group);
  g_autoptr(GSource) idle = g_idle_source_new ();
  Hit hit = { 0 };
  Later later = { idle, member };
  GThread *thread;

  g_source_set_callback (idle, hit_cb, &hit, NULL);
  /* One turn first, so the member is prepared and polled. */
  g_main_context_iteration (fixture->loop_context, FALSE);

  thread = g_thread_new ("attach", attach_from_thread, &later);
  /* Only the member's wake-up can make it run: run_until's tick turns the
   * loop, but prepares no member that was not woken. */
  run_until (fixture, &hit.fired);
  g_thread_join (thread);

  g_assert_true (hit.fired);
  g_assert_true (hit.seen_context == member);
}

/* A socket closed and a new one under the same number, in the same member:
 * the kernel dropped the old one from the epoll set, so the new one must be
 * added although the member's list of descriptors looks the same. */
static void
test_reused_number_same_member (Fixture       *fixture,
                                gconstpointer  data)
{
  GMainContext *member = lab_context_group_add_context (fixture->group);
  Hit first = { 0 }, second = { 0 };
  GSource *source;
  int old_pair[2], new_pair[2];
  int number;

  make_pair (old_pair);
  number = old_pair[0];
  source = watch_socket (member, number, &first);
  g_main_context_iteration (fixture->loop_context, FALSE);   /* now in the epoll set */

  close_and_reuse (source, old_pair, new_pair);

  source = watch_socket (member, number, &second);
  g_main_context_iteration (fixture->loop_context, FALSE);
  g_assert_cmpint (write (new_pair[1], "x", 1), ==, 1);
  g_assert_true (run_until (fixture, &second.fired));
  g_assert_false (first.fired);

  g_source_destroy (source);
  g_source_unref (source);
  close (number);
  close (new_pair[1]);
}

/* A socket closed in one member and a new one under the same number in
 * another, both before the loop's next turn: when the first member lets go
 * of the number (after the second took it: members are prepared in the
 * order they were made), the second's must stay in the epoll set. */
static void
test_reused_number_other_member (Fixture       *fixture,
                                 gconstpointer  data)
{
  GMainContext *taker = lab_context_group_add_context (fixture->group);
  GMainContext *giver = lab_context_group_add_context (fixture->group);
  Hit first = { 0 }, second = { 0 };
  GSource *source, *other;
  int old_pair[2], new_pair[2];
  int number;

  make_pair (old_pair);
  number = old_pair[0];
  source = watch_socket (giver, number, &first);
  /* Until the giver is prepared and quiet, with the number in its list. */
  for (guint i = 0; i < 3; i++)
    g_main_context_iteration (fixture->loop_context, FALSE);

  close_and_reuse (source, old_pair, new_pair);
  other = watch_socket (taker, number, &second);

  g_assert_cmpint (write (new_pair[1], "x", 1), ==, 1);
  g_assert_true (run_until (fixture, &second.fired));
  g_assert_true (second.seen_context == taker);
  g_assert_false (first.fired);

  g_source_destroy (other);
  g_source_unref (other);
  close (number);
  close (new_pair[1]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/lab/context-group/members-run", Fixture, NULL,
              fixture_set_up, test_members_run, fixture_tear_down);
  g_test_add ("/lab/context-group/wakes-from-another-thread", Fixture, NULL,
              fixture_set_up, test_wakes_from_another_thread, fixture_tear_down);
  g_test_add ("/lab/context-group/reused-number-same-member", Fixture, NULL,
              fixture_set_up, test_reused_number_same_member, fixture_tear_down);
  g_test_add ("/lab/context-group/reused-number-other-member", Fixture, NULL,
              fixture_set_up, test_reused_number_other_member, fixture_tear_down);

  return g_test_run ();
}
