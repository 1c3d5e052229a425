/* lab-digest.c — digests as text: the one-shot reference digest and the hex
 * form every workload and the server's manifest print
 *
 * Copyright 2026 The Concurrency Lab authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <openssl/evp.h>

#include "lab-digest.h"

/* Bytes as lower-case hexadecimal, as md5sum prints them. */
char *
lab_digest_to_hex (const guint8 *digest,
                   guint         len)
{
  static const char hex[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (guint i = 0; i < len; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0xf];
    }
  out[len * 2] = '\0';

  return out;
}

/* One-shot digest, for reference values and tests. */
char *
lab_hash_hex (const char   *algo,
              const guint8 *data,
              gsize         len)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  size_t digest_len = 0;

  g_return_val_if_fail (algo != NULL, NULL);

  if (!EVP_Q_digest (NULL, g_strcmp0 (algo, "sha256") == 0 ? "SHA256" : "MD5", NULL,
                     data, len, digest, &digest_len))
    return NULL;

  return lab_digest_to_hex (digest, digest_len);
}
