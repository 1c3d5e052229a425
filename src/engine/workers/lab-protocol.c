/* lab-protocol.c — frames: their header, reading one, and a result's fixed part
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writing frames is lab-frame-writer.c's job, the same on both ends.
 */

#define G_LOG_DOMAIN "lab-protocol"

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "lab-plan.h"
#include "lab-protocol.h"
#include "lab-states.h"

void
lab_frame_header_encode (guint8       header[LAB_FRAME_HEADER_SIZE],
                         LabFrameType type,
                         gsize        payload_len)
{
  guint32 len = GUINT32_TO_LE ((guint32) payload_len);
  guint32 kind = GUINT32_TO_LE ((guint32) type);

  g_assert (payload_len <= LAB_FRAME_MAX_PAYLOAD);

  memcpy (header, &len, 4);
  memcpy (header + 4, &kind, 4);
}

gboolean
lab_frame_header_decode (const guint8   header[LAB_FRAME_HEADER_SIZE],
                         LabFrameType  *type,
                         gsize         *payload_len,
                         GError       **error)
{
  guint32 len, kind;

  memcpy (&len, header, 4);
  memcpy (&kind, header + 4, 4);
  len = GUINT32_FROM_LE (len);
  kind = GUINT32_FROM_LE (kind);

  if (kind < LAB_FRAME_HELLO || kind > LAB_FRAME_FAILED || len > LAB_FRAME_MAX_PAYLOAD)
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   "garbled frame header (type %u, length %u)", kind, len);
      return FALSE;
    }

  *type = kind;
  *payload_len = len;
  return TRUE;
}

static gboolean
read_exactly_fd (int      fd,
                 guint8  *buffer,
                 gsize    len,
                 gsize   *got)
{
  *got = 0;

  while (*got < len)
    {
      ssize_t n = read (fd, buffer + *got, len - *got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      *got += n;
    }

  return TRUE;
}

/* Blocks for the next frame.  FALSE with no error means a clean end of file. */
gboolean
lab_frame_read_fd (int        fd,
                   LabFrame  *frame,
                   GError   **error)
{
  guint8 header[LAB_FRAME_HEADER_SIZE];
  guint8 *payload;
  gsize len, got;

  if (!read_exactly_fd (fd, header, sizeof header, &got))
    {
      if (got > 0)
        g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                             "pipe closed inside a frame header");
      return FALSE;
    }

  if (!lab_frame_header_decode (header, &frame->type, &len, error))
    return FALSE;

  frame->first_byte_us = g_get_monotonic_time ();
  payload = g_malloc (MAX (len, 1));
  if (!read_exactly_fd (fd, payload, len, &got))
    {
      g_free (payload);
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                           "pipe closed inside a frame");
      return FALSE;
    }

  frame->payload = g_bytes_new_take (payload, len);
  frame->last_byte_us = g_get_monotonic_time ();
  return TRUE;
}

/* The payload as a GVariant of @type_string, checked: a worker could be
 * anything, so nothing it says is trusted blindly. */
GVariant *
lab_frame_get_variant (const LabFrame  *frame,
                       const char      *type_string,
                       GError         **error)
{
  g_autoptr(GVariant) variant = NULL;

  variant = g_variant_new_from_bytes (G_VARIANT_TYPE (type_string), frame->payload, FALSE);
  if (!g_variant_is_normal_form (variant))
    {
      g_set_error (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER,
                   "malformed %s frame", type_string);
      return NULL;
    }

  return g_steal_pointer (&variant);
}

void
lab_frame_clear (LabFrame *frame)
{
  g_clear_pointer (&frame->payload, g_bytes_unref);
}

/* The fixed part of a DONE frame, as a worker sends it: its length (u32,
 * little endian), then the record's numbers and texts.  The task's output,
 * if any, follows it in the frame.  lab_frame_get_result () reads it back. */
GBytes *
lab_task_result_encode_head (guint32              run_id,
                             guint32              index,
                             const LabTaskRecord *record)
{
  g_autoptr(GVariant) head = NULL;
  GVariantBuilder spans;
  guint32 len_le;
  guint8 *data;
  gsize len;

  g_return_val_if_fail (record != NULL, NULL);

  g_variant_builder_init (&spans, G_VARIANT_TYPE ("a(xxyy)"));
  for (guint i = 0; record->spans != NULL && i < record->spans->len; i++)
    {
      const LabSpan *span = &g_array_index (record->spans, LabSpan, i);

      g_variant_builder_add (&spans, "(xxyy)", span->start_us, span->end_us, span->state, span->wait);
    }
  head = g_variant_ref_sink (g_variant_new ("(uuxxtmsmsuxxxa(xxyy))", run_id, index, record->start_us,
                                            record->end_us, record->bytes, record->value,
                                            record->error, record->status, record->ttfb_us,
                                            record->cpu_us, record->run_queue_us, &spans));
  len = g_variant_get_size (head);
  len_le = GUINT32_TO_LE ((guint32) len);
  data = g_malloc (4 + len);
  memcpy (data, &len_le, 4);
  memcpy (data + 4, g_variant_get_data (head), len);

  return g_bytes_new_take (data, 4 + len);
}

/* Decodes a DONE frame, checked like every frame from a worker. */
gboolean
lab_frame_get_result (const LabFrame  *frame,
                      LabTaskResult   *result,
                      GError         **error)
{
  g_autoptr(GBytes) head = NULL;
  guint32 head_len = 0;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  data = g_bytes_get_data (frame->payload, &size);
  if (size >= 4)
    {
      memcpy (&head_len, data, 4);
      head_len = GUINT32_FROM_LE (head_len);
    }
  if (size < 4 || head_len > size - 4)
    {
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER, "garbled result");
      return FALSE;
    }

  head = g_bytes_new_from_bytes (frame->payload, 4, head_len);
  result->head = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(uuxxtmsmsuxxxa(xxyy))"),
                                                               head, FALSE));
  if (!g_variant_is_normal_form (result->head))
    {
      g_clear_pointer (&result->head, g_variant_unref);
      g_set_error_literal (error, LAB_ENGINE_ERROR, LAB_ENGINE_ERROR_WORKER, "malformed result");
      return FALSE;
    }

  g_autoptr(GVariantIter) spans = NULL;
  gint64 span_start, span_end;
  guint8 state, wait;

  g_variant_get (result->head, "(uuxxtm&sm&suxxxa(xxyy))", &result->run_id, &result->index,
                 &result->start_us, &result->end_us, &result->bytes, &result->value,
                 &result->error, &result->status, &result->ttfb_us, &result->cpu_us,
                 &result->run_queue_us, &spans);
  while (g_variant_iter_next (spans, "(xxyy)", &span_start, &span_end, &state, &wait))
    {
      /* A worker's word is checked like every other. */
      if (state >= LAB_N_STATES || wait >= LAB_N_WAITS)
        continue;
      lab_spans_add (&result->spans, state, wait, span_start, span_end);
    }
  result->first_byte_us = frame->first_byte_us;
  result->last_byte_us = frame->last_byte_us;
  if (size - 4 - head_len > 0)
    result->output = g_bytes_new_from_bytes (frame->payload, 4 + head_len, size - 4 - head_len);

  return TRUE;
}

void
lab_task_result_clear (LabTaskResult *result)
{
  g_clear_pointer (&result->spans, g_array_unref);
  g_clear_pointer (&result->output, g_bytes_unref);
  g_clear_pointer (&result->head, g_variant_unref);
}
