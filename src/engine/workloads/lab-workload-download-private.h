/* lab-workload-download-private.h — what the download workload's files
 * share: the workload's fields, the checks of an answer, the sessions
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "lab-workload-download.h"

G_BEGIN_DECLS

struct _LabWorkloadDownload
{
  LabWorkload   parent_instance;

  char        **urls;           /* one per task */
  gboolean      from_server;    /* the embedded server's files, with a manifest */

  GMutex        manifest_lock;
  GHashTable   *expected_md5;   /* file name → MD5, read from /manifest.json */
};

typedef struct _DownloadSessions DownloadSessions;

/* lab-workload-download-http.c */
void         lab_download_set_error          (GError             **error,
                                              const char          *url,
                                              const GError        *cause,
                                              guint                timeout_s);
guint64      lab_download_max_body           (LabWorkload         *workload);
void         lab_download_set_too_big_error  (GError             **error,
                                              const char          *url,
                                              guint64              limit);
gsize        lab_download_next_read_size     (gsize                length,
                                              guint64              limit,
                                              goffset              announced);
gboolean     lab_download_announces_too_much (SoupMessage         *msg,
                                              guint64              limit);
guint        lab_download_timeout_s          (LabWorkload         *workload);
gboolean     lab_download_finish_body        (LabTaskRecord       *record,
                                              SoupMessage         *msg,
                                              GByteArray          *body,
                                              gsize                length,
                                              GError             **error);
goffset      lab_download_presize            (GByteArray          *body,
                                              SoupMessage         *msg);
gboolean     lab_download_check_status       (SoupMessage         *msg,
                                              LabTaskRecord       *record,
                                              GError             **error);
void         lab_download_add_http_spans     (SoupMessage         *msg,
                                              gint64               end_us,
                                              GArray             **spans);

/* lab-workload-download-async.c: a worker's sessions */
gboolean     lab_download_all_on_this_machine (const LabPlan      *plan);
gpointer     lab_workload_download_worker_data_new  (LabWorkload *workload);
void         lab_workload_download_worker_data_free (gpointer     data);
SoupSession *lab_download_session            (DownloadSessions    *sessions,
                                              guint                index);

/* The task, on a thread (-blocking.c) and on an event loop (-async.c) */
gboolean     lab_workload_download_run_task       (LabWorkload          *workload,
                                                   LabTaskContext       *context,
                                                   GBytes               *input,
                                                   LabTaskRecord        *record,
                                                   GError              **error);
void         lab_workload_download_run_task_async (LabWorkload          *workload,
                                                   LabTaskContext       *context,
                                                   GBytes               *input,
                                                   LabTaskRecord        *record,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);

G_END_DECLS
