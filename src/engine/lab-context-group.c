/* lab-context-group.c — many small GMainContexts run by one loop, polled
 * through one epoll descriptor
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib 2.74's loop keeps the descriptors of a context in one list sorted
 * by number and walks it for every source added or removed, and every
 * turn prepares and checks every source.  A download adds and removes a
 * socket source several times (connect, send, wait for the answer, read
 * the body), so with N sockets on one context each download costs O(N)
 * walks: the event loop slowed down exactly where it should shine, at
 * thousands of downloads in flight.  asyncio and libuv poll with epoll,
 * whose cost follows the sockets that are ready, not the sockets there are.
 *
 * A group gives one GLib loop that shape.  The sockets live in many small
 * member contexts (the async download puts one libsoup session of a few
 * connections on each); one source on the loop's own context polls a
 * single epoll descriptor holding all of their descriptors, and each turn
 * prepares, checks and dispatches only the members something happened to.
 * It is still one thread and one loop: every callback runs on it, one at
 * a time, while the loop's context is iterated.
 *
 * How a member is noticed: a member context is made with
 * G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING, so GLib writes to its wake-up
 * descriptor (which is in the epoll set like the others) whenever a source
 * is attached to it, a descriptor added or a timer moved, from this thread
 * or another.  A member with a ready descriptor, a due timer or a wake-up
 * is checked and dispatched; after that it is prepared and queried again,
 * and its descriptors in the epoll set are brought up to date.
 */

#define G_LOG_DOMAIN "lab-context-group"

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lab-context-group.h"

#define MAX_EVENTS 256

typedef struct
{
  GMainContext *context;
  guint         index;
  GPollFD      *fds;          /* from its last query, sorted by descriptor */
  gint          n_fds;
  gint          fds_size;
  GPollFD      *polled;       /* what the epoll set holds for it */
  gint          n_polled;
  gint          max_priority;
  gint64        deadline_us;  /* its next timer, or -1 */
  gboolean      prepared;     /* FALSE: to prepare and query before the next wait */
  gboolean      ready;        /* a source of it is ready without waiting */
  gboolean      checking;     /* in this turn's list to check */
} Member;

struct _LabContextGroup
{
  GSource     source;
  int         epfd;
  gpointer    epfd_tag;
  GPtrArray  *members;
  GArray     *owners;         /* by descriptor: the index + 1 of the member polling it */
  GPtrArray  *to_check;
  gint64      deadline_us;    /* the earliest of the members', or -1 */
  gboolean    any_ready;
};

static guint *
owner_of (LabContextGroup *group,
          int              fd)
{
  if ((guint) fd >= group->owners->len)
    g_array_set_size (group->owners, MAX ((guint) fd + 1, group->owners->len * 2));
  return &g_array_index (group->owners, guint, fd);
}

/* Always MOD (or ADD) every descriptor a member polls, even one it polled
 * before: a socket closed and a new one given the same number looks the
 * same in the list, but the kernel dropped the old one from the epoll
 * set when it closed. */
static void
watch_fd (LabContextGroup *group,
          Member          *member,
          const GPollFD   *pfd)
{
  struct epoll_event event = { 0 };

  /* GIOCondition's bits are poll ()'s, and epoll's are the same. */
  event.events = pfd->events & (EPOLLIN | EPOLLPRI | EPOLLOUT);
  event.data.u64 = (guint64) member->index << 32 | (guint32) pfd->fd;
  if (epoll_ctl (group->epfd, EPOLL_CTL_MOD, pfd->fd, &event) < 0 &&
      (errno != ENOENT || epoll_ctl (group->epfd, EPOLL_CTL_ADD, pfd->fd, &event) < 0))
    {
      /* Not a socket, pipe or eventfd (a regular file): poll () would
       * call it ready at once, and so do we. */
      member->ready = TRUE;
      return;
    }
  *owner_of (group, pfd->fd) = member->index + 1;
}

static void
unwatch_fd (LabContextGroup *group,
            Member          *member,
            int              fd)
{
  guint *owner = owner_of (group, fd);

  /* Another member may poll a new socket under the same number by now. */
  if (*owner != member->index + 1)
    return;
  *owner = 0;
  epoll_ctl (group->epfd, EPOLL_CTL_DEL, fd, NULL);   /* closed already: nothing to do */
}

static gboolean
fds_contain (const GPollFD *fds,
             gint           n_fds,
             int            fd)
{
  for (gint i = 0; i < n_fds; i++)
    if (fds[i].fd == fd)
      return TRUE;
  return FALSE;
}

/* Prepare and query @member, as one turn of its own loop would before
 * polling, and bring its descriptors in the epoll set up to date. */
static void
member_prepare (LabContextGroup *group,
                Member          *member,
                gint64           now_us)
{
  gint timeout_ms;
  gint n;

  member->ready = g_main_context_prepare (member->context, &member->max_priority);
  while ((n = g_main_context_query (member->context, member->max_priority, &timeout_ms,
                                    member->fds, member->fds_size)) > member->fds_size)
    {
      member->fds_size = n * 2;
      member->fds = g_renew (GPollFD, member->fds, member->fds_size);
    }
  member->n_fds = n;

  for (gint i = 0; i < member->n_polled; i++)
    if (!fds_contain (member->fds, n, member->polled[i].fd))
      unwatch_fd (group, member, member->polled[i].fd);
  for (gint i = 0; i < n; i++)
    watch_fd (group, member, &member->fds[i]);
  member->polled = g_renew (GPollFD, member->polled, MAX (n, 1));
  memcpy (member->polled, member->fds, n * sizeof (GPollFD));
  member->n_polled = n;

  member->deadline_us = timeout_ms < 0 ? -1 : now_us + (gint64) timeout_ms * 1000;
  member->prepared = TRUE;
}

static gboolean
group_prepare (GSource *source,
               gint    *timeout)
{
  LabContextGroup *group = (LabContextGroup *) source;
  gint64 now_us = g_get_monotonic_time ();

  group->any_ready = FALSE;
  group->deadline_us = -1;
  for (guint i = 0; i < group->members->len; i++)
    {
      Member *member = g_ptr_array_index (group->members, i);

      if (!member->prepared)
        member_prepare (group, member, now_us);
      group->any_ready |= member->ready;
      if (member->deadline_us >= 0 &&
          (group->deadline_us < 0 || member->deadline_us < group->deadline_us))
        group->deadline_us = member->deadline_us;
    }

  if (group->any_ready || (group->deadline_us >= 0 && group->deadline_us <= now_us))
    {
      *timeout = 0;
      return TRUE;
    }
  *timeout = group->deadline_us < 0 ? -1 : (gint) ((group->deadline_us - now_us + 999) / 1000);
  return FALSE;
}

static gboolean
group_check (GSource *source)
{
  LabContextGroup *group = (LabContextGroup *) source;

  return group->any_ready ||
         (g_source_query_unix_fd (source, group->epfd_tag) & G_IO_IN) != 0 ||
         (group->deadline_us >= 0 && group->deadline_us <= g_get_monotonic_time ());
}

static void
check_later (LabContextGroup *group,
             Member          *member)
{
  if (member->checking)
    return;
  member->checking = TRUE;
  for (gint i = 0; i < member->n_fds; i++)
    member->fds[i].revents = 0;
  g_ptr_array_add (group->to_check, member);
}

/* One turn for every member that something happened to: what epoll says
 * is ready, a timer that is due, a source ready without waiting. */
static gboolean
group_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  LabContextGroup *group = (LabContextGroup *) source;
  struct epoll_event events[MAX_EVENTS];
  gint64 now_us = g_get_monotonic_time ();
  int n;

  n = epoll_wait (group->epfd, events, G_N_ELEMENTS (events), 0);
  for (int i = 0; i < n; i++)
    {
      guint index = events[i].data.u64 >> 32;
      int fd = (int) (guint32) events[i].data.u64;
      Member *member;

      if (index >= group->members->len)
        continue;
      member = g_ptr_array_index (group->members, index);
      check_later (group, member);
      for (gint j = 0; j < member->n_fds; j++)
        if (member->fds[j].fd == fd)
          member->fds[j].revents = events[i].events & 0xffff;
    }
  for (guint i = 0; i < group->members->len; i++)
    {
      Member *member = g_ptr_array_index (group->members, i);

      if (member->ready || (member->deadline_us >= 0 && member->deadline_us <= now_us))
        check_later (group, member);
    }

  for (guint i = 0; i < group->to_check->len; i++)
    {
      Member *member = g_ptr_array_index (group->to_check, i);

      member->checking = FALSE;
      member->prepared = FALSE;
      if (g_main_context_check (member->context, member->max_priority, member->fds, member->n_fds))
        {
          /* What its callbacks start (libsoup's next read, a retry) stays
           * in the member, as libsoup takes the thread-default context. */
          g_main_context_push_thread_default (member->context);
          g_main_context_dispatch (member->context);
          g_main_context_pop_thread_default (member->context);
        }
    }
  g_ptr_array_set_size (group->to_check, 0);

  return G_SOURCE_CONTINUE;
}

static void
member_free (gpointer data)
{
  Member *member = data;

  /* Let what the member's sources still hold (a closing connection) go. */
  while (g_main_context_iteration (member->context, FALSE))
    ;
  g_main_context_unref (member->context);
  g_free (member->fds);
  g_free (member->polled);
  g_free (member);
}

static void
group_finalize (GSource *source)
{
  LabContextGroup *group = (LabContextGroup *) source;

  g_clear_pointer (&group->members, g_ptr_array_unref);
  g_clear_pointer (&group->to_check, g_ptr_array_unref);
  g_clear_pointer (&group->owners, g_array_unref);
  if (group->epfd >= 0)
    close (group->epfd);
}

static GSourceFuncs group_funcs = {
  group_prepare, group_check, group_dispatch, group_finalize, NULL, NULL,
};

/* A group whose members are run by the loop of @loop_context (the
 * thread-default context of the loop's thread); NULL when epoll is not
 * available (then the caller stays on @loop_context alone). */
LabContextGroup *
lab_context_group_new (GMainContext *loop_context)
{
  LabContextGroup *group;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    return NULL;

  group = (LabContextGroup *) g_source_new (&group_funcs, sizeof (LabContextGroup));
  group->epfd = epfd;
  group->members = g_ptr_array_new_with_free_func (member_free);
  group->to_check = g_ptr_array_new ();
  group->owners = g_array_new (FALSE, TRUE, sizeof (guint));
  group->deadline_us = -1;
  group->epfd_tag = g_source_add_unix_fd (&group->source, epfd, G_IO_IN);
  g_source_set_static_name (&group->source, "[lab] context group");
  g_source_attach (&group->source, loop_context);

  return group;
}

/* A new member context, owned by @group: push it as the thread-default
 * context around a call, and what the call starts runs on the group's
 * loop from then on. */
GMainContext *
lab_context_group_add_context (LabContextGroup *group)
{
  Member *member = g_new0 (Member, 1);

  member->context = g_main_context_new_with_flags (G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING);
  member->index = group->members->len;
  member->deadline_us = -1;
  g_ptr_array_add (group->members, member);

  return member->context;
}

guint
lab_context_group_get_size (LabContextGroup *group)
{
  return group->members->len;
}

/* Stops running the members and frees them; call it on the loop's thread,
 * after whatever used the members (libsoup sessions) is gone. */
void
lab_context_group_free (LabContextGroup *group)
{
  if (group == NULL)
    return;
  g_source_destroy (&group->source);
  g_source_unref (&group->source);
}
