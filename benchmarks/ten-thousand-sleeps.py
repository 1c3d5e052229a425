#!/usr/bin/python3
# ten-thousand-sleeps.py — the Python side of issue 13's first figure:
# 10,000 concurrent 1 s sleeps on one asyncio event loop, with the
# standard loop and with uvloop (Debian: python3-uvloop), for comparison
# with `concurrency-lab bench --workload=sleep --tasks=10000
# --workers=10000 --task-ms=1000 --modes=async`.
#
# Copyright 2026 The Concurrency Lab authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: benchmarks/ten-thousand-sleeps.py [TASKS] [SECONDS]
# Prints one line per loop: wall time and its ratio to the ideal.

import asyncio
import resource
import sys
import time


async def all_at_once(tasks, seconds):
    await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(tasks)))


def measure(name, tasks, seconds, new_loop):
    loop = new_loop()
    try:
        start = time.monotonic()
        loop.run_until_complete(all_at_once(tasks, seconds))
        wall = time.monotonic() - start
    finally:
        loop.close()
    print(f"{name:8} {tasks} × {seconds:g} s: {wall:.3f} s wall, "
          f"{wall / seconds:.3f}x the ideal")


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0

    measure("asyncio", tasks, seconds, asyncio.new_event_loop)
    try:
        import uvloop
    except ImportError:
        print("uvloop: not installed (apt-get install python3-uvloop)")
    else:
        measure("uvloop", tasks, seconds, uvloop.new_event_loop)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this Python process: {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
