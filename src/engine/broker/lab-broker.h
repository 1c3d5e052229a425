/* lab-broker.h
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

#define LAB_BROKER_ERROR (lab_broker_error_quark ())

typedef enum
{
  LAB_BROKER_ERROR_ADDRESS,   /* the redis:// URL is malformed */
  LAB_BROKER_ERROR_GONE,      /* no connection, or it broke */
  LAB_BROKER_ERROR_REFUSED,   /* the broker answered with an error (wrong password…) */
  LAB_BROKER_ERROR_MISSING,   /* no redis-server to start */
} LabBrokerError;

/* Where a broker is: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]. */
typedef struct
{
  char  *host;
  guint  port;
  char  *user;       /* NULL: the default user */
  char  *password;   /* NULL: none */
  guint  db;
} LabBrokerAddress;

typedef struct _LabBroker LabBroker;

/* Commands sent together and applied at once (MULTI … EXEC). */
typedef struct _LabBrokerBatch LabBrokerBatch;

GQuark            lab_broker_error_quark      (void);

LabBrokerAddress *lab_broker_address_parse    (const char              *url,
                                               GError                 **error);
void              lab_broker_address_free     (LabBrokerAddress        *address);
char             *lab_broker_address_describe (const LabBrokerAddress  *address);
gboolean          lab_broker_address_is_loopback (const LabBrokerAddress *address);

LabBroker        *lab_broker_connect          (const char              *url,
                                               GError                 **error);
void              lab_broker_free             (LabBroker               *self);
const char       *lab_broker_describe         (LabBroker               *self);
redisReply       *lab_broker_command          (LabBroker               *self,
                                               GError                 **error,
                                               ...) G_GNUC_NULL_TERMINATED;
redisReply       *lab_broker_command_strv     (LabBroker               *self,
                                               const char * const      *argv,
                                               GError                 **error);
gboolean          lab_broker_append           (LabBroker               *self,
                                               GError                 **error,
                                               ...) G_GNUC_NULL_TERMINATED;
gboolean          lab_broker_append_strv      (LabBroker               *self,
                                               const char * const      *argv,
                                               GError                 **error);
redisReply       *lab_broker_get_reply        (LabBroker               *self,
                                               GError                 **error);
gboolean          lab_broker_time_us          (LabBroker               *self,
                                               gint64                  *time_us,
                                               GError                 **error);

LabBrokerBatch   *lab_broker_batch_new        (void);
void              lab_broker_batch_free       (LabBrokerBatch          *batch);
void              lab_broker_batch_add        (LabBrokerBatch          *batch,
                                               ...) G_GNUC_NULL_TERMINATED;
void              lab_broker_batch_add_bytes  (LabBrokerBatch          *batch,
                                               const char              *command,
                                               const char              *key,
                                               const char              *field,
                                               GBytes                  *value);
redisReply       *lab_broker_batch_exec       (LabBroker               *self,
                                               LabBrokerBatch          *batch,
                                               GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabBrokerBatch, lab_broker_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabBrokerAddress, lab_broker_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabBroker, lab_broker_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (redisReply, freeReplyObject)

G_END_DECLS
