/* lab-protocol.h — how the app talks to its worker processes
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Processes share no memory, so everything a worker needs travels through
 * its stdin and everything it produces comes back through its stdout, as
 * frames: an 8-byte header (payload length, frame type; little endian)
 * followed by the payload.  The length prefix lets binary data pass as is.
 *
 * A DONE frame names its run and task, so results may come back in any
 * order: a worker running an event loop (processes + async) answers each
 * task the moment it is done.  A RUN frame's plan may carry "event-loop"
 * (a boolean) to ask for that.
 */

#pragma once

#include <gio/gio.h>

#include "lab-run.h"

G_BEGIN_DECLS

typedef enum
{
  LAB_FRAME_HELLO = 1,  /* worker → app   "(i)" pid: ready for work */
  LAB_FRAME_RUN,        /* app → worker   "(u@a{sv})" run id, plan */
  LAB_FRAME_TASK,       /* app → worker   u32 run id, u32 task index, then the task's input */
  LAB_FRAME_DONE,       /* worker → app   u32 n, then n bytes of "(uuxxtmsmsux)" run, task, start,
                         *                end, bytes, value, error, HTTP status, time to first
                         *                byte; then the task's output, if any */
  LAB_FRAME_CANCEL,     /* app → worker   "(u)" run id: stop the current run */
  LAB_FRAME_FAILED,     /* worker → app   "(us)" run id, why the run could not be set up */
} LabFrameType;

#define LAB_FRAME_HEADER_SIZE 8
#define LAB_FRAME_MAX_PAYLOAD ((G_GUINT64_CONSTANT (1) << 30) + 4096)

typedef struct
{
  LabFrameType  type;
  GBytes       *payload;
  gint64        first_byte_us;   /* its header was in */
  gint64        last_byte_us;    /* all of it was in: between the two, it was copied */
} LabFrame;

void      lab_frame_header_encode (guint8        header[LAB_FRAME_HEADER_SIZE],
                                   LabFrameType  type,
                                   gsize         payload_len);
gboolean  lab_frame_header_decode (const guint8  header[LAB_FRAME_HEADER_SIZE],
                                   LabFrameType *type,
                                   gsize        *payload_len,
                                   GError      **error);
gboolean  lab_frame_read_fd       (int           fd,
                                   LabFrame     *frame,
                                   GError      **error);
GVariant *lab_frame_get_variant   (const LabFrame *frame,
                                   const char   *type_string,
                                   GError      **error);
void      lab_frame_clear         (LabFrame     *frame);

/* A task's result, as a worker reports it in a DONE frame. */
typedef struct
{
  guint32       run_id;
  guint32       index;
  gint64        start_us;
  gint64        end_us;
  guint64       bytes;
  const char   *value;    /* or NULL; lives as long as @head */
  const char   *error;    /* or NULL; lives as long as @head */
  guint32       status;
  gint64        ttfb_us;
  gint64        cpu_us;        /* -1: not measured */
  gint64        run_queue_us;  /* -1: not measured */
  GArray       *spans;         /* LabSpan, the task's waits in the worker, or NULL */
  gint64        first_byte_us; /* the result's frame arriving, in the app */
  gint64        last_byte_us;
  GBytes       *output;   /* the task's output, or NULL */
  GVariant     *head;     /* the fixed part, decoded */
} LabTaskResult;

GBytes   *lab_task_result_encode_head (guint32         run_id,
                                   guint32       index,
                                   const LabTaskRecord *record);
gboolean  lab_frame_get_result    (const LabFrame *frame,
                                   LabTaskResult *result,
                                   GError      **error);
void      lab_task_result_clear   (LabTaskResult *result);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LabTaskResult, lab_task_result_clear)

G_END_DECLS
