/* lab-net.c — this machine as the classroom's network sees it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The address other PCs reach this one at, for a built-in server that the
 * teacher lets listen beyond loopback (lab-server.c).
 */

#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lab-net.h"

/* This machine's address on the network, as other machines reach it: the
 * first IPv4 address of an interface that is up and not the loopback, or
 * NULL when there is none.  That is the address a teacher's classroom
 * most likely shares; a machine on several networks gets the first. */
char *
lab_net_dup_lan_address (void)
{
  struct ifaddrs *list = NULL;
  char *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (struct ifaddrs *i = list; i != NULL && found == NULL; i = i->ifa_next)
    {
      char text[INET_ADDRSTRLEN];

      if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
          !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
        continue;
      if (inet_ntop (AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr,
                     text, sizeof text) != NULL)
        found = g_strdup (text);
    }
  freeifaddrs (list);
  return found;
}
