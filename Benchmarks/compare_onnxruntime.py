#!/usr/bin/env python3
"""Exact attention: leanattn vs onnxruntime's CPU ONNX `Attention` op (opset 23).

Runs the same shapes through both and prints seconds, GFLOP/s and the ratio
(leanattn speed / onnxruntime speed). The two alternate for several rounds,
each a median of several runs, because a shared machine's speed drifts from
one second to the next; the table shows the medians over rounds and the
median of the per-round ratios. A benchmark, not a test: run it with
`make bench-onnxruntime`, which installs numpy, onnx and onnxruntime into .venv.
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

SHAPES = [
    # name, dtype, batch, heads, query length, context, head dim, causal
    ("prefill causal 2048", "f32", 1, 8, 2048, 2048, 128, True),
    ("prefill causal 4096", "f32", 1, 8, 4096, 4096, 128, True),
    ("decode 32 heads 32k", "f32", 1, 32, 1, 32768, 128, False),
    ("prefill causal 2048 f64", "f64", 1, 8, 2048, 2048, 128, True),
]


def flops(b, h, q, l, d, causal):
    f = 4.0 * q * l * d * h * b
    return f / 2 if causal and q == l else f


def onnx_timer(dtype, b, h, q, l, d, causal, runs):
    """A function returning the median seconds of `runs` runs, or (None, why)."""
    elem = TensorProto.FLOAT if dtype == "f32" else TensorProto.DOUBLE
    npt = np.float32 if dtype == "f32" else np.float64
    node = helper.make_node("Attention", ["Q", "K", "V"], ["Y"], is_causal=int(causal))
    graph = helper.make_graph(
        [node], "attention",
        [helper.make_tensor_value_info("Q", elem, [b, h, q, d]),
         helper.make_tensor_value_info("K", elem, [b, h, l, d]),
         helper.make_tensor_value_info("V", elem, [b, h, l, d])],
        [helper.make_tensor_value_info("Y", elem, [b, h, q, d])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    try:
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # some builds lack a double kernel
        return None, str(error).splitlines()[0]
    rng = np.random.default_rng(1)
    feeds = {n: rng.standard_normal(s).astype(npt) for n, s in
             (("Q", (b, h, q, d)), ("K", (b, h, l, d)), ("V", (b, h, l, d)))}
    session.run(None, feeds)

    def seconds():
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            session.run(None, feeds)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    return seconds, None


def leanattn_seconds(binary, dtype, b, h, q, l, d, causal, runs):
    args = [binary, "bench", "exact", "--dtype", dtype, "--batch", str(b), "--heads", str(h),
            "--query-length", str(q), "--context", str(l), "--head-dim", str(d),
            "--runs", str(runs), "--json"] + (["--causal"] if causal else [])
    return json.loads(subprocess.check_output(args))["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leanattn", default=".build/release/leanattn")
    parser.add_argument("--runs", type=int, default=5, help="runs per round (median)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per shape")
    a = parser.parse_args()
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}; "
          f"{a.rounds} alternating rounds of {a.runs} runs")
    print(f"{'shape':28} {'leanattn s':>11} {'GFLOP/s':>8} {'onnxrt s':>10} {'GFLOP/s':>8} "
          f"{'ratio':>6}  per round")
    for name, dtype, b, h, q, l, d, causal in SHAPES:
        f = flops(b, h, q, l, d, causal)
        timer, why = onnx_timer(dtype, b, h, q, l, d, causal, a.runs)
        ours, theirs = [], []
        for _ in range(a.rounds):
            ours.append(leanattn_seconds(a.leanattn, dtype, b, h, q, l, d, causal, a.runs))
            if timer is not None:
                theirs.append(timer())
        mine = statistics.median(ours)
        if timer is None:
            print(f"{name:28} {mine:11.4f} {f / mine / 1e9:8.1f} {'n/a':>10} {'':>8} {'':>6}  ({why})")
            continue
        ratios = [t / o for o, t in zip(ours, theirs)]
        other = statistics.median(theirs)
        rounds = " ".join(f"{r:.2f}" for r in ratios)
        print(f"{name:28} {mine:11.4f} {f / mine / 1e9:8.1f} {other:10.4f} {f / other / 1e9:8.1f} "
              f"{statistics.median(ratios):6.2f}  {rounds}")


if __name__ == "__main__":
    main()
