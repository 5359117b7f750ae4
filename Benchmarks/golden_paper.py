#!/usr/bin/env python3
"""Time and memory of writing the paper's golden file (176 MB of F16 inputs).

Runs `leanattn golden --case paper-56x6144` with and without `--partials lean`,
alternating, for several rounds, and prints each run's wall time, CPU time
and peak resident memory (of that child alone), then the medians. Targets
(issue 11): <= 2 s and <= 1.3x the file size without partials, <= 3 s with.
"""

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time


def run(leanattn, out, extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # A fresh child each time: ru_maxrss of RUSAGE_CHILDREN is the largest child so far,
    # so each measurement runs in its own wrapper process.
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run(
        ["python3", "-c", wrapper, leanattn, "golden", "--case", "paper-56x6144", "--out", out]
        + extra, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(result.stdout.strip()) * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leanattn", default=".build/release/leanattn")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        size = None
        results = {"plain": [], "partials lean": []}
        for r in range(args.rounds):
            for name, extra in (("plain", []), ("partials lean", ["--partials", "lean"])):
                wall, cpu, rss = run(args.leanattn, out, extra)
                size = os.path.getsize(os.path.join(out, "paper-56x6144.safetensors"))
                results[name].append((wall, cpu, rss, size))
                print(f"round {r + 1} {name:14s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                      f"peak RSS {rss / 1e6:7.1f} MB  file {size / 1e6:6.1f} MB  "
                      f"RSS/file {rss / size:4.2f}")
        for name, rows in results.items():
            wall = statistics.median(r[0] for r in rows)
            cpu = statistics.median(r[1] for r in rows)
            rss = statistics.median(r[2] for r in rows)
            print(f"median {name:14s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                  f"peak RSS {rss / 1e6:7.1f} MB  RSS/file {rss / rows[0][3]:4.2f}")


if __name__ == "__main__":
    main()
