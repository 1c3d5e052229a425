#!/usr/bin/env python3
# check-manifest.py MANIFEST APP_ID COMMAND
#
# Copyright 2026 The Concurrency Lab authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What can be checked of the Flatpak manifest without flatpak-builder: it
# parses, names the right app, runtime and command, asks for no more than
# the app needs, keeps translations in the app, and builds this checkout with
# meson, running only the tests that need no display.

import json
import os
import sys

# What the app needs: a window (Wayland, or X11 where there is no Wayland),
# GPU rendering, and the network for real downloads. Files are saved through
# the file chooser portal, so no --filesystem.
EXPECTED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
}
HEADLESS_SUITES = {"engine", "cli", "data"}

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def main():
    path, app_id, command = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 1

    ids = [manifest[k] for k in ("id", "app-id") if k in manifest]
    check(ids == [app_id], f"id (or app-id, exactly one of them) should be {app_id}, not {ids}")
    check(manifest.get("command") == command, f"command should be {command}")
    check(manifest.get("runtime") == "org.gnome.Platform", "runtime should be org.gnome.Platform")
    check(manifest.get("sdk") == "org.gnome.Sdk", "sdk should be org.gnome.Sdk")
    version = manifest.get("runtime-version")
    check(isinstance(version, str) and version.isdigit(),
          f"runtime-version should be a stable GNOME release such as \"49\", not {version!r}")
    check(manifest.get("separate-locales") is False,
          "separate-locales should be false: translations must ship inside single-file bundles")

    finish_args = manifest.get("finish-args", [])
    check(not [a for a in finish_args if a.startswith("--filesystem")],
          "no --filesystem: saving goes through the file chooser portal")
    check(set(finish_args) == EXPECTED_FINISH_ARGS,
          f"finish-args should be exactly {sorted(EXPECTED_FINISH_ARGS)}, not {finish_args}")
    check(len(finish_args) == len(set(finish_args)), "finish-args has duplicates")

    modules = manifest.get("modules", [])
    if check(modules and isinstance(modules[-1], dict), "the last module should be this app"):
        app = modules[-1]
        check(app.get("buildsystem") == "meson", "the app module should use buildsystem meson")
        sources = app.get("sources", [])
        dirs = [s for s in sources if s.get("type") == "dir"]
        if check(len(dirs) == 1, "the app module should build from one local dir source"):
            root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)),
                                                 dirs[0].get("path", "")))
            check(os.path.isfile(os.path.join(root, "meson.build")),
                  f"the dir source {dirs[0].get('path')!r} should be the checkout ({root})")
        check(app.get("run-tests") is True, "the app module should run its tests")
        # The default test rule, `ninja test`, runs every suite, and 'ui' needs X.
        check(app.get("test-rule") == "",
              "test-rule should be \"\" so that only test-commands run")
        test_commands = app.get("test-commands", [])
        if check(len(test_commands) == 1, "one test command expected"):
            words = test_commands[0].split()
            suites = {words[i + 1] for i, w in enumerate(words[:-1]) if w == "--suite"}
            check(words[:2] == ["meson", "test"], "the test command should be `meson test …`")
            check(suites == HEADLESS_SUITES,
                  f"the tests should be the suites {sorted(HEADLESS_SUITES)}, not {sorted(suites)}")

    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    if not problems:
        print(f"{path}: {app_id}, {manifest.get('runtime')}//{version}, finish-args "
              f"{' '.join(finish_args)}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
