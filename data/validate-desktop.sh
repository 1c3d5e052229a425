#!/bin/sh
# validate-desktop.sh DESKTOP-FILE-VALIDATE FILE
#
# Copyright 2026 The Concurrency Lab authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# desktop-file-validate exits 0 on hints and on some warnings; we want a
# spotless file, so any output at all fails the test.
set -u
out=$("$1" "$2" 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out"
[ "$rc" -eq 0 ] && [ -z "$out" ]
