#!/usr/bin/env python3
# check-install-tree.py MESON SOURCE_ROOT WORK_DIR APP_ID BINARY GETTEXT_DOMAIN
#
# Copyright 2026 The Concurrency Lab authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the checkout the way flatpak-builder does (prefix /app, libdir lib),
# installs it into a staging directory with DESTDIR, and checks that exactly
# the files a Flatpak needs land under app/ and nothing anywhere else. Then
# runs the installed binary from there, without the build tree's settings
# schemas, to show it starts on its own. WORK_DIR is wiped first and left
# behind afterwards for a look when something fails.

import os
import shutil
import subprocess
import sys


def run(argv, **kwargs):
    print("$ " + " ".join(argv), flush=True)
    return subprocess.run(argv, **kwargs)


def linguas(source_root):
    langs = []
    with open(os.path.join(source_root, "po", "LINGUAS"), encoding="utf-8") as f:
        for line in f:
            langs.extend(line.split("#", 1)[0].split())
    return langs


def installed_files(staging):
    found = set()
    for dirpath, dirnames, filenames in os.walk(staging):
        # A symlink to a directory is an installed file too.
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in filenames + links:
            found.add(os.path.relpath(os.path.join(dirpath, name), staging))
    return found


def main():
    meson, source_root, work_dir, app_id, binary, domain = sys.argv[1:7]
    build_dir = os.path.join(work_dir, "build")
    staging = os.path.join(work_dir, "staging")
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)

    # The build itself must not see the outer test's environment.
    build_env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    for argv in ([meson, "setup", "--prefix=/app", "--libdir=lib", build_dir, source_root],
                 [meson, "compile", "-C", build_dir],
                 [meson, "install", "-C", build_dir, "--destdir", staging, "--no-rebuild"]):
        proc = run(argv, env=build_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   text=True)
        if proc.returncode != 0:
            print(proc.stdout)
            print(f"failed with status {proc.returncode}; the tree is in {work_dir}",
                  file=sys.stderr)
            return 1

    share = "app/share"
    expected = {
        f"app/bin/{binary}",
        f"{share}/applications/{app_id}.desktop",
        f"{share}/metainfo/{app_id}.metainfo.xml",
        f"{share}/icons/hicolor/scalable/apps/{app_id}.svg",
        f"{share}/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg",
        f"{share}/glib-2.0/schemas/{app_id}.gschema.xml",
    }
    expected |= {f"{share}/locale/{lang}/LC_MESSAGES/{domain}.mo"
                 for lang in linguas(source_root)}
    # Post-install scripts are skipped for DESTDIR installs; flatpak
    # build-finish compiles the schemas and refreshes the icon cache itself.
    optional = {f"{share}/glib-2.0/schemas/gschemas.compiled",
                f"{share}/icons/hicolor/icon-theme.cache",
                f"{share}/applications/mimeinfo.cache"}

    found = installed_files(staging)
    problems = []
    outside = sorted(f for f in found if not f.startswith("app/"))
    if outside:
        problems.append("installed outside app/: " + ", ".join(outside))
    missing = sorted(expected - found)
    if missing:
        problems.append("not installed: " + ", ".join(missing))
    unexpected = sorted(found - expected - optional - set(outside))
    if unexpected:
        problems.append("installed but not expected (add them to this test if they belong): "
                        + ", ".join(unexpected))
    exe = os.path.join(staging, "app", "bin", binary)
    if os.path.exists(exe) and not os.access(exe, os.X_OK):
        problems.append(f"app/bin/{binary} is not executable")

    if os.access(exe, os.X_OK):
        # Nothing from the build tree: no settings schemas, no worker override.
        env = {k: v for k, v in os.environ.items()
               if k not in ("GSETTINGS_SCHEMA_DIR", "LAB_WORKER_EXECUTABLE", "LAB_BINARY")}
        env["LC_ALL"] = "C.UTF-8"
        bench = [exe, "bench", "--workload=cpu", "--n=1000", "--tasks=2", "--format=csv"]
        for argv in ([exe, "--version"],
                     bench + ["--modes=sequential,threads"],
                     # Worker processes are started from the installed binary itself.
                     bench + ["--modes=processes", "--workers=2"]):
            try:
                proc = run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
            except subprocess.TimeoutExpired:
                problems.append(f"{' '.join(argv[1:])}: no answer within 60 s")
                continue
            print(proc.stdout, end="")
            if proc.returncode != 0:
                problems.append(f"{' '.join(argv[1:])}: exit status {proc.returncode}")
            elif not proc.stdout.strip():
                problems.append(f"{' '.join(argv[1:])}: printed nothing")

    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"the tree is in {work_dir}", file=sys.stderr)
        return 1
    print(f"{len(found)} files under app/, as expected; the installed binary runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
