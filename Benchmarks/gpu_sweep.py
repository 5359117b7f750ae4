#!/usr/bin/env python3
"""Decode attention on one GPU: this library's schedules beside PyTorch SDPA.

For each shape it runs `leanattn bench cuda --json --partitioner all` (every
partitioner the binary knows) and PyTorch SDPA's FLASH_ATTENTION and
CUDNN_ATTENTION backends on inputs of the same shape with the same timing
rules: CUDA events around every call after a warm-up, the median of the calls,
K/V rotated among enough copies that L2 never serves a repeat. Ragged batches
run in PyTorch padded to the longest request (and through
torch.nn.attention.varlen when this PyTorch has it).

Writes <out>/gpu_sweep.csv (one row per shape and implementation, written as
it goes) and <out>/gpu_sweep.png (speedup over the best PyTorch backend
against context length, one line per partitioner).

With --invariant, every partitioner also runs in the invariant
(canonical-tree) mode (`bench cuda --invariant`): columns invariant_us,
invariant_ratio (over the same partitioner's normal mode), invariant_vs_lean
(over normal lean at that shape) and invariant_bitwise (the same O/LSE bits
as the first partitioner's invariant output). --no-torch skips PyTorch.

Usage (on the GPU machine):
  python3 Benchmarks/gpu_sweep.py --leanattn ./leanattn --out results [--plan full|core] [--budget-s 540] [--invariant] [--no-torch]
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time

CONTEXTS = [1024, 2048, 4096, 6144, 8192, 16384, 32768, 65536, 131072]
HEADS = [("mha56", 56, 56), ("mha32", 32, 32), ("gqa32-8", 32, 8), ("gqa64-8", 64, 8)]


def shapes(plan):
    """(group, batch, heads, kv_heads, head_dim, lengths), most telling first, so
    that a run cut short by --budget-s still covers the paper's shapes."""
    out = all_shapes(plan)

    def priority(s):
        group, L = s[0], (s[5][3] if isinstance(s[5], tuple) else max(s[5]))
        if group.startswith(("mha56-d128", "gqa32-8-d128")) and L <= 32768:
            return 0
        if group.startswith(("ragged", "batch")):
            return 1
        if group.endswith("d128") and L <= 32768:
            return 2
        return 3 if group.endswith("d128") else 4
    return sorted(out, key=priority)


def all_shapes(plan):
    out = []
    dims = [128, 64] if plan == "full" else [128]
    for d in dims:
        for name, hq, hkv in HEADS:
            if plan == "core" and d == 64:
                continue
            for L in CONTEXTS:
                out.append((f"{name}-d{d}", 1, hq, hkv, d, [L]))
    for name, hq, hkv in HEADS:
        for b in (4, 16):
            out.append((f"batch{b}-{name}-d128", b, hq, hkv, 128, [8192] * b))
    for n in (8, 32):
        for ratio in (0.1, 0.25, 0.5, 1.0):
            out.append((f"ragged{n}-r{ratio}-mha32-d128", n, 32, 32, 128, ("ragged", ratio, n, 8192)))
    return out


def bench_leanattn(exe, batch, hq, hkv, d, lengths, calls, invariant=False):
    cmd = [exe, "bench", "cuda", "--json", "--partitioner", "all", "--heads", str(hq),
           "--kv-heads", str(hkv), "--head-dim", str(d), "--dtype", "f16", "--calls", str(calls)]
    if invariant:
        cmd.append("--invariant")
    if isinstance(lengths, tuple):
        _, ratio, n, L = lengths
        cmd += ["--ragged-ratio", str(ratio), "--requests", str(n), "--context", str(L)]
    elif batch == 1:
        cmd += ["--context", str(lengths[0])]
    else:
        cmd += ["--batch", str(batch), "--context", str(lengths[0])]
    r = subprocess.run(cmd, capture_output=True, text=True)
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    if r.returncode not in (0, 1) or not rows:
        print(f"  leanattn failed ({r.returncode}): {r.stderr.strip()[:300]}", flush=True)
    return rows


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def time_calls(torch, fn, sets, calls, warmup=10):
    for i in range(warmup):
        fn(i % sets)
    torch.cuda.synchronize()
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(calls + 1)]
    # Keep the GPU busy while Python queues the calls, so no host gap is timed.
    torch.cuda._sleep(int(max(2e7, calls * 1e5)))
    ev[0].record()
    for i in range(calls):
        fn((warmup + i) % sets)
        ev[i + 1].record()
    torch.cuda.synchronize()
    return median([ev[i].elapsed_time(ev[i + 1]) * 1000 for i in range(calls)])


def kv_sets(kv_bytes, l2=50_000_000):
    if kv_bytes >= 2 * l2:
        return 1
    return min(256, -(-2 * l2 // kv_bytes) + 1)


def bench_torch(torch, batch, hq, hkv, d, lengths, calls):
    """{impl: µs} for the SDPA backends (padded) and varlen when present."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F
    if isinstance(lengths, tuple):
        lens = ragged_lengths(*lengths[1:])
    else:
        lens = lengths
    B, L = len(lens), max(lens)
    dev, dt = "cuda", torch.float16
    kv_bytes = 2 * B * L * hkv * d * 2
    sets = kv_sets(kv_bytes)
    q = torch.randn(B, hq, 1, d, device=dev, dtype=dt)
    ks = [torch.randn(B, hkv, L, d, device=dev, dtype=dt) for _ in range(sets)]
    vs = [torch.randn(B, hkv, L, d, device=dev, dtype=dt) for _ in range(sets)]
    out = {}
    for name, backend in (("torch-flash", SDPBackend.FLASH_ATTENTION),
                          ("torch-cudnn", SDPBackend.CUDNN_ATTENTION)):
        try:
            with sdpa_kernel([backend]):
                def fn(i):
                    return F.scaled_dot_product_attention(q, ks[i], vs[i], enable_gqa=hkv != hq)
                fn(0)
                out[name] = time_calls(torch, fn, sets, calls)
        except Exception as e:  # a backend that refuses the shape
            print(f"  {name}: {type(e).__name__}: {str(e)[:120]}", flush=True)
            out[name] = math.nan
    if isinstance(lengths, tuple):
        out["torch-varlen"] = bench_varlen(torch, hq, hkv, d, lens, calls)
    del ks, vs
    torch.cuda.empty_cache()
    return out


def bench_varlen(torch, hq, hkv, d, lens, calls):
    try:
        from torch.nn.attention.varlen import varlen_attn
    except Exception:
        return math.nan
    try:
        total = sum(lens)
        sets = kv_sets(2 * total * hkv * d * 2)
        q = torch.randn(len(lens), hq, d, device="cuda", dtype=torch.float16)
        ks = [torch.randn(total, hkv, d, device="cuda", dtype=torch.float16) for _ in range(sets)]
        vs = [torch.randn(total, hkv, d, device="cuda", dtype=torch.float16) for _ in range(sets)]
        cu_q = torch.arange(len(lens) + 1, device="cuda", dtype=torch.int32)
        cu_k = torch.tensor([0] + list(__import__("itertools").accumulate(lens)), device="cuda",
                            dtype=torch.int32)
        if hkv != hq:  # varlen_attn takes equal head counts
            ks = [k.repeat_interleave(hq // hkv, dim=1) for k in ks]
            vs = [v.repeat_interleave(hq // hkv, dim=1) for v in vs]

        def fn(i):
            return varlen_attn(q, ks[i], vs[i], cu_q, cu_k, 1, max(lens))
        fn(0)
        return time_calls(torch, fn, sets, calls)
    except Exception as e:
        print(f"  torch-varlen: {type(e).__name__}: {str(e)[:160]}", flush=True)
        return math.nan


def ragged_lengths(ratio, n, L):
    """Mirror of DecodeBenchmark.raggedLengths (the leanattn JSON has the real ones)."""
    if n == 1:
        return [L]
    if ratio >= 0.5:
        low = (2 * ratio - 1) * L
        return [max(1, round(L - (L - low) * i / (n - 1))) for i in range(n)]
    rest = max(1, round((ratio * n - 1) * L / (n - 1)))
    return [L] + [min(rest, L)] * (n - 1)


FIELDS = ["group", "batch", "requests", "heads", "kv_heads", "head_dim", "dtype", "mean_context",
          "max_context", "impl", "us", "gbps", "fraction_of_copy", "floor_us", "over_floor",
          "copy_gbps", "grid", "splits", "passed", "device", "invariant_us", "invariant_ratio",
          "invariant_vs_lean", "invariant_bitwise"]


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:
        print(f"no plot ({e})")
        return
    groups = [g for g in dict.fromkeys(r["group"] for r in rows) if g.startswith(("mha", "gqa"))]
    if not groups:
        return
    cols = min(4, len(groups))
    nrows = -(-len(groups) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    for ax, g in zip(axes.flat, groups):
        rs = [r for r in rows if r["group"] == g]
        ctxs = sorted({r["max_context"] for r in rs})
        best = {}
        for c in ctxs:
            ts = [r["us"] for r in rs if r["max_context"] == c and r["impl"].startswith("torch")
                  and not math.isnan(r["us"])]
            best[c] = min(ts) if ts else math.nan
        for impl in dict.fromkeys(r["impl"] for r in rs if not r["impl"].startswith("torch")):
            xs, ys = [], []
            for c in ctxs:
                t = [r["us"] for r in rs if r["max_context"] == c and r["impl"] == impl]
                if t and not math.isnan(best[c]):
                    xs.append(c)
                    ys.append(best[c] / t[0])
            ax.plot(xs, ys, marker="o", label=impl)
        ax.axhline(1.0, color="gray", lw=0.8, ls="--")
        ax.set_xscale("log", base=2)
        ax.set_title(g)
        ax.set_xlabel("context (tokens)")
        ax.set_ylabel("speedup over best PyTorch SDPA")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leanattn", default=".build/release/leanattn")
    ap.add_argument("--out", default="gpu-sweep")
    ap.add_argument("--plan", choices=["full", "core"], default="full")
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--max-context", type=int, default=1 << 30, help="skip longer contexts")
    ap.add_argument("--budget-s", type=float, default=math.inf, help="stop starting shapes after this")
    ap.add_argument("--only", default="", help="comma-separated group prefixes to run")
    ap.add_argument("--contexts", default="", help="comma-separated context lengths to keep (default: all)")
    ap.add_argument("--invariant", action="store_true",
                    help="also time the invariant (canonical-tree) mode of every partitioner")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch backends")
    a = ap.parse_args()
    torch = None if a.no_torch else __import__("torch")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "gpu_sweep.csv")
    start = time.time()
    rows = []
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for group, batch, hq, hkv, d, lengths in shapes(a.plan):
            if a.only and not any(group.startswith(p) for p in a.only.split(",")):
                continue
            L = lengths[3] if isinstance(lengths, tuple) else max(lengths)
            if L > a.max_context:
                continue
            if a.contexts and L not in {int(c) for c in a.contexts.split(",")}:
                continue
            if time.time() - start > a.budget_s:
                print(f"budget reached; stopping before {group} {L}", flush=True)
                break
            lib = bench_leanattn(a.leanattn, batch, hq, hkv, d, lengths, a.calls, a.invariant)
            if not lib:
                continue
            ref = lib[0]
            base = dict(group=group, batch=ref["batch"], requests=len(ref["contexts"]), heads=hq,
                        kv_heads=hkv, head_dim=d, dtype="f16", mean_context=ref["mean_context"],
                        max_context=ref["max_context"], copy_gbps=ref["copy_gbps"],
                        device=ref["device"])
            lean_us = next((r["us"] for r in lib if r["partitioner"] == "lean"), math.nan)
            for r in lib:
                inv = {}
                if "invariant_us" in r:
                    inv = dict(invariant_us=r["invariant_us"], invariant_ratio=r["invariant_ratio"],
                               invariant_vs_lean=r["invariant_us"] / lean_us,
                               invariant_bitwise=r["invariant_bitwise"])
                rows.append(dict(base, impl=r["partitioner"], us=r["us"], gbps=r["gbps"],
                                 fraction_of_copy=r["fraction_of_copy"], floor_us=r["floor_us"],
                                 over_floor=r["us"] / r["floor_us"], grid=r["grid"],
                                 splits=r["splits"], passed=r["passed"], **inv))
            torch_times = bench_torch(torch, batch, hq, hkv, d, lengths, a.calls) if torch else {}
            for impl, us in torch_times.items():
                gbps = ref["bytes"] / (us * 1e-6) / 1e9 if us == us else math.nan
                rows.append(dict(base, impl=impl, us=us, gbps=gbps,
                                 fraction_of_copy=gbps / ref["copy_gbps"], floor_us=ref["floor_us"],
                                 over_floor=us / ref["floor_us"], grid="", splits="", passed=""))
            shown = [r for r in rows if r["group"] == group and r["mean_context"] == ref["mean_context"]]
            for r in shown:
                w.writerow(r)
            f.flush()
            print(f"{group:28s} L={ref['max_context']:6d} floor {ref['floor_us']:7.1f} µs | " +
                  "  ".join(f"{r['impl']} {r['us']:.1f}" +
                            (f" (inv {r['invariant_us']:.1f})" if r.get("invariant_us") else "")
                            for r in shown), flush=True)
    try:
        plot(rows, os.path.join(a.out, "gpu_sweep.png"))
    except Exception as e:  # e.g. no PyTorch rows to compare with (--no-torch)
        print(f"no plot ({e})")
    print(f"{len(rows)} rows in {path}; {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
