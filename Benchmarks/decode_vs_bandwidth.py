#!/usr/bin/env python3
"""Decode K/V read rate as a share of this machine's read bandwidth.

Shared machines swing in bandwidth from one second to the next, so the two
are measured alternately, round after round, and each round's ratio is
printed. A benchmark, not a test: `make bench-bandwidth`.
"""
import argparse
import json
import re
import statistics
import subprocess


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--leanattn", required=True, help="path to the leanattn binary")
    ap.add_argument("--bandwidth", required=True, help="path to the read_bandwidth binary")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    decode = [args.leanattn, "bench", "exact", "--dtype", "f32", "--batch", "1",
              "--heads", "32", "--kv-heads", "32", "--query-length", "1",
              "--context", "32768", "--head-dim", "128", "--runs", "9", "--json"]
    print("decode: f32, 32 heads, 32768 tokens, D = 128 (1 GiB of K/V)")
    print(f"{'round':>5}  {'read GB/s':>9}  {'decode GB/s':>11}  {'ratio':>6}")
    ratios = []
    for r in range(1, args.rounds + 1):
        out = subprocess.run([args.bandwidth], check=True, capture_output=True, text=True).stdout
        match = re.search(r"median ([0-9.]+) GB/s", out)
        if match is None:
            raise SystemExit(f"read_bandwidth printed no median:\n{out}")
        read = float(match.group(1))
        result = json.loads(subprocess.run(decode, check=True, capture_output=True, text=True).stdout)
        rate = result["gbps"]
        ratios.append(rate / read)
        print(f"{r:>5}  {read:>9.1f}  {rate:>11.1f}  {rate / read:>6.0%}")
    print(f"median ratio {statistics.median(ratios):.0%} (target 80%)")


if __name__ == "__main__":
    main()
