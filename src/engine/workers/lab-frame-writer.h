/* lab-frame-writer.h — the one way frames leave a process, never blocking
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both ends of a worker's pipes write frames with it: the app to a worker
 * (plans, tasks, Cancel) and a worker back to the app (hello, results).
 * A frame goes into a queue; what the pipe takes now is written at once,
 * the rest when the pipe has room again, on the writer's main context.
 * So nobody ever blocks on a full pipe: the app keeps its other workers
 * going while one stops reading, and a worker's event loop keeps its other
 * tasks going while the app is slow to read a big result.
 */

#pragma once

#include <gio/gio.h>

#include "lab-protocol.h"

G_BEGIN_DECLS

typedef struct _LabFrameWriter LabFrameWriter;

/* The pipe broke (the reader is gone) or stalled for longer than allowed:
 * nothing more will be written.  @why is for the debug log. */
typedef void (*LabFrameWriterBrokenFunc) (LabFrameWriter *writer,
                                          const char     *why,
                                          gpointer        user_data);

LabFrameWriter *lab_frame_writer_new          (int                        fd,
                                               GMainContext              *context,
                                               gint64                     stall_us,
                                               LabFrameWriterBrokenFunc   broken_func,
                                               gpointer                   user_data,
                                               GError                   **error);
void            lab_frame_writer_free         (LabFrameWriter            *writer);
gboolean        lab_frame_writer_send         (LabFrameWriter            *writer,
                                               LabFrameType               type,
                                               const void                *fixed,
                                               gsize                      fixed_len,
                                               GBytes                    *body,
                                               GBytes                    *tail);
gboolean        lab_frame_writer_send_variant (LabFrameWriter            *writer,
                                               LabFrameType               type,
                                               GVariant                  *variant);
gboolean        lab_frame_writer_is_writing   (LabFrameWriter            *writer);
void            lab_frame_writer_stop         (LabFrameWriter            *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LabFrameWriter, lab_frame_writer_free)

G_END_DECLS
