/* lab-worker-slot.h — one worker process and the two pipes to it
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A slot starts one worker, writes frames to it without ever blocking,
 * reads the frames it sends back, and says when the worker is gone.  What
 * the frames mean is up to its owner (the process pool).
 */

#pragma once

#include <gio/gio.h>

#include "lab-frame-writer.h"
#include "lab-protocol.h"

G_BEGIN_DECLS

typedef struct _LabWorkerSlot LabWorkerSlot;

/* A frame the worker sent (HELLO, DONE or FAILED); the slot stays alive. */
typedef void (*LabWorkerSlotFrameFunc) (LabWorkerSlot *slot,
                                        LabFrame      *frame,
                                        gpointer       user_data);
/* The worker's stdout ended and it exited: the owner frees the slot. */
typedef void (*LabWorkerSlotGoneFunc)  (LabWorkerSlot *slot,
                                        gpointer       user_data);

struct _LabWorkerSlot
{
  /* Read and written by the owner. */
  guint                   lane;
  gint                    pid;
  gboolean                ready;         /* it said hello */
  gboolean                broken;        /* a write failed or we gave up on it; it is dying */
  gint                    task;          /* processes: the task in flight, or -1 */
  guint                   in_flight;     /* processes + async: tasks in flight on its loop */
  guint                   run_sent;      /* id of the last plan it was given */

  /* Only lab-worker-slot.c touches these. */
  char                   *executable;
  GMainContext           *context;
  LabWorkerSlotFrameFunc  frame_func;
  LabWorkerSlotGoneFunc   gone_func;
  gpointer                user_data;
  GSubprocess            *process;
  GOutputStream          *to_worker;
  GInputStream           *from_worker;
  LabFrameWriter         *writer;        /* frames to its stdin, never blocking */
  gboolean                eof;
  gboolean                exited;
  guint8                  header[LAB_FRAME_HEADER_SIZE];
  LabFrameType            frame_type;
  guint8                 *payload;
  gsize                   payload_len;
  gint64                  header_us;   /* when the frame being read began to arrive */
};

LabWorkerSlot *lab_worker_slot_spawn       (const char              *executable,
                                            guint                    lane,
                                            GMainContext            *context,
                                            LabWorkerSlotFrameFunc   frame_func,
                                            LabWorkerSlotGoneFunc    gone_func,
                                            gpointer                 user_data,
                                            GError                 **error);
void           lab_worker_slot_free        (LabWorkerSlot           *slot);
gboolean       lab_worker_slot_send        (LabWorkerSlot           *slot,
                                            LabFrameType             type,
                                            const void              *fixed,
                                            gsize                    fixed_len,
                                            GBytes                  *body);
gboolean       lab_worker_slot_is_writing  (LabWorkerSlot           *slot);
gboolean       lab_worker_slot_is_busy     (LabWorkerSlot           *slot);
void           lab_worker_slot_close_stdin (LabWorkerSlot           *slot);
void           lab_worker_slot_kill        (LabWorkerSlot           *slot);

G_END_DECLS
