"""Every committed golden file, read with the `safetensors` package and recomputed in numpy."""

import hashlib
import json
import math
import subprocess

import numpy as np
import pytest
import safetensors.numpy

from conftest import FIXTURES, manifest, read

CASES = [entry["case"] for entry in manifest()["cases"]]


def visible_keys(mask, i, lq, lk):
    """The half-open range of keys query i sees (the documented mask contract)."""
    diag = i + lk - lq
    lo, hi = 0, lk
    if mask["type"] == "causal":
        hi = diag + 1 if mask["causal_alignment"] == "bottom-right" else i + 1
    elif mask["type"] == "sliding_window":
        if mask["window_left"] >= 0:
            lo = diag - mask["window_left"]
        if mask["window_right"] >= 0:
            hi = diag + mask["window_right"] + 1
    lo, hi = max(lo, 0), min(hi, lk)
    return lo, max(lo, hi)


def keys_values(t, case):
    """Per-request K and V as float64 [len, Hkv, D], from the packed or paged layout."""
    cu_k = t["cu_seqlens_k"]
    out = []
    for b, (q_len, kv_len) in enumerate(case["requests"]):
        if case["layout"] == "contiguous":
            k = t["k"][cu_k[b]:cu_k[b + 1]]
            v = t["v"][cu_k[b]:cu_k[b + 1]]
        else:
            size = case["page_size"]
            pages = t["page_table"][b]
            rows = [pages[j // size] * size + j % size for j in range(kv_len)]
            flat_k = t["k_cache"].reshape(-1, *t["k_cache"].shape[2:])
            flat_v = t["v_cache"].reshape(-1, *t["v_cache"].shape[2:])
            k, v = flat_k[rows], flat_v[rows]
        out.append((k.astype(np.float64), v.astype(np.float64)))
    return out


def reference(t, case):
    """O and natural-log LSE in float64, a row at a time."""
    q = t["q"].astype(np.float64)
    hq, hkv, d = case["query_heads"], case["kv_heads"], case["head_dim"]
    o = np.zeros_like(q)
    lse = np.full(q.shape[:2], -np.inf)
    cu_q = t["cu_seqlens_q"]
    for b, (k, v) in enumerate(keys_values(t, case)):
        lq, lk = case["requests"][b]
        for i in range(lq):
            lo, hi = visible_keys(case["mask"], i, lq, lk)
            if lo == hi:
                continue
            row = cu_q[b] + i
            for h in range(hq):
                g = h // (hq // hkv)
                s = case["scale"] * (k[lo:hi, g] @ q[row, h])
                if case["soft_cap"] is not None:
                    s = case["soft_cap"] * np.tanh(s / case["soft_cap"])
                m = s.max()
                p = np.exp(s - m)
                lse[row, h] = m + math.log(p.sum())
                o[row, h] = (p / p.sum()) @ v[lo:hi, g]
    return o, lse


@pytest.mark.parametrize("name", CASES)
def test_checksums_match_hashlib(name):
    entry = next(e for e in manifest()["cases"] if e["case"] == name)
    raw = (FIXTURES / entry["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
    tensors, meta = read(FIXTURES / entry["file"])
    sums = json.loads(meta["sha256"])
    assert set(sums) == set(tensors)
    for tensor_name, array in tensors.items():
        assert hashlib.sha256(array.tobytes()).hexdigest() == sums[tensor_name], tensor_name


@pytest.mark.parametrize("name", CASES)
def test_numpy_recomputes_golden(name):
    tensors, meta = read(FIXTURES / f"{name}.safetensors")
    assert meta["format_version"] == "1"
    case = json.loads(meta["case"])
    o, lse = reference(tensors, case)
    golden_o, golden_lse = tensors["o"], tensors["lse"]
    assert golden_o.shape == o.shape and golden_lse.shape == lse.shape
    masked = np.isneginf(lse)
    assert np.array_equal(masked, np.isneginf(golden_lse)), "fully masked rows differ"
    assert np.all(golden_o[masked] == 0)
    scale_o = max(1.0, np.abs(o).max(initial=0.0))
    assert np.abs(golden_o - o).max(initial=0.0) <= 1e-12 * scale_o
    finite = ~masked
    if finite.any():
        rel = np.abs(golden_lse[finite] - lse[finite]) / np.maximum(1.0, np.abs(lse[finite]))
        assert rel.max() <= 1e-12
    # The Float32 copy is close to the Float64 one (a sanity check of the file, not a bound).
    assert np.abs(tensors["o_f32"].astype(np.float64) - golden_o).max(initial=0.0) <= 1e-3 * scale_o


def test_safetensors_numpy_loader_reads_f16_f32_files():
    """The plain numpy loader (which lacks BF16) reads the F16 and F32 fixtures as written."""
    for entry in manifest()["cases"]:
        _, meta = read(FIXTURES / entry["file"])
        if json.loads(meta["case"])["dtype"] == "BF16":
            continue
        loaded = safetensors.numpy.load_file(str(FIXTURES / entry["file"]))
        tensors, _ = read(FIXTURES / entry["file"])
        for key, array in tensors.items():
            assert np.array_equal(loaded[key], array, equal_nan=True), (entry["case"], key)


def write_candidate(path, o, lse=None):
    tensors = {"o": np.ascontiguousarray(o)}
    if lse is not None:
        tensors["lse"] = np.ascontiguousarray(lse)
    safetensors.numpy.save_file(tensors, str(path))


@pytest.mark.parametrize("name", ["decode-mqa", "sliding-window", "fully-masked-rows"])
def test_compare_judges_numpy_candidates(tmp_path, leanattn, name):
    golden = FIXTURES / f"{name}.safetensors"
    tensors, meta = read(golden)
    o, lse = reference(tensors, json.loads(meta["case"]))
    good = tmp_path / "good.safetensors"
    write_candidate(good, o.astype(np.float16), lse.astype(np.float32))
    run = subprocess.run([leanattn, "compare", "--golden", golden, "--candidate", good],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict: PASS" in run.stdout

    planted = o.copy()
    finite_rows = np.argwhere(~np.isneginf(lse))
    t, h = finite_rows[len(finite_rows) // 2]
    planted[t, h, 3] += 0.05
    bad = tmp_path / "bad.safetensors"
    write_candidate(bad, planted.astype(np.float16), lse.astype(np.float32))
    run = subprocess.run([leanattn, "compare", "--golden", golden, "--candidate", bad],
                         capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "verdict: FAIL" in run.stdout
    assert f"token {t}, head {h}, dim 3" in run.stdout


def test_compare_fails_nonzero_masked_row(tmp_path, leanattn):
    golden = FIXTURES / "fully-masked-rows.safetensors"
    tensors, meta = read(golden)
    o, lse = reference(tensors, json.loads(meta["case"]))
    o[0, 0, 0] = 1e-3  # row 0 sees no key
    path = tmp_path / "masked.safetensors"
    write_candidate(path, o.astype(np.float32))
    run = subprocess.run([leanattn, "compare", "--golden", golden, "--candidate", path],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "fully masked" in run.stdout, run.stdout


def test_compare_rejects_wrong_shape(tmp_path, leanattn):
    path = tmp_path / "short.safetensors"
    write_candidate(path, np.zeros((2, 2, 2), dtype=np.float32))
    run = subprocess.run(
        [leanattn, "compare", "--golden", FIXTURES / "decode-mha.safetensors", "--candidate", path],
        capture_output=True, text=True)
    assert run.returncode == 2 and "[2, 2, 2]" in run.stderr, run.stderr
