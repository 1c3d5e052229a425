#!/usr/bin/env python3
# validate-metainfo.py APPSTREAMCLI FILE
#
# Copyright 2026 The Concurrency Lab authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `appstreamcli validate --no-net --pedantic`, where errors, warnings and
# infos all fail the test and pedantic notes are only shown: the one we get,
# cid-contains-uppercase-letter, is the reverse-DNS app ID every GNOME app has.
#
# Two infos are allowed by name, because the file serves AppStream on both
# sides of 1.0: Debian 12's 0.16 does not know <developer> yet (unknown-tag),
# and 1.x calls the <developer_name> we keep for 0.16 deprecated.
# (`--strict` cannot express that: it fails on every info.)

import subprocess
import sys

ALLOWED = {
    ("unknown-tag", "developer"),
    ("developer-name-tag-deprecated", None),
}


def main():
    appstreamcli, path = sys.argv[1], sys.argv[2]
    proc = subprocess.run([appstreamcli, "validate", "--no-net", "--pedantic", path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(proc.stdout, end="", flush=True)
    failures = []
    for line in proc.stdout.splitlines():
        # "I: io.github.concurrencylab.ConcurrencyLab:9: unknown-tag developer"
        if len(line) < 3 or line[1:3] != ": " or line[0] not in "EWIP":
            continue
        severity = line[0]
        fields = line.split(": ", 2)
        words = fields[-1].split(None, 1)
        tag = words[0] if words else ""
        detail = words[1].strip() if len(words) > 1 else None
        if severity == "P":
            continue
        if (tag, detail) in ALLOWED or (tag, None) in ALLOWED:
            continue
        failures.append(line)
    if proc.returncode != 0:
        failures.append(f"appstreamcli exited with status {proc.returncode}")
    for failure in failures:
        print(f"not allowed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
