"""`leanattn compare` from the outside: exact shapes, --dtype, --json, and damaged golden files."""

import hashlib
import json
import subprocess

import numpy as np
import pytest
import safetensors.numpy

from conftest import FIXTURES, read


def run(leanattn, *args):
    return subprocess.run([leanattn, *map(str, args)], capture_output=True, text=True)


def save(path, tensors, metadata=None):
    safetensors.numpy.save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()},
                                str(path), metadata=metadata)


def golden_copy(tmp_path, name, edit_case=None, edit_tensors=None):
    """A copy of a fixture with its case metadata or tensors edited and checksums recomputed."""
    tensors, meta = read(FIXTURES / f"{name}.safetensors")
    tensors = {k: np.array(v) for k, v in tensors.items()}
    case = json.loads(meta["case"])
    if edit_case:
        edit_case(case)
    if edit_tensors:
        edit_tensors(tensors)
    meta = dict(meta)
    meta["case"] = json.dumps(case)
    meta["sha256"] = json.dumps({k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()
                                 for k, v in tensors.items()})
    path = tmp_path / f"edited-{name}.safetensors"
    save(path, tensors, meta)
    return path


def candidate_from_golden(tmp_path, name, o_dtype=np.float64, shape=None):
    tensors, _ = read(FIXTURES / f"{name}.safetensors")
    o = tensors["o"].astype(o_dtype)
    path = tmp_path / "candidate.safetensors"
    save(path, {"o": o if shape is None else o.reshape(shape), "lse": tensors["lse"]})
    return path, tensors


def assert_usage_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "", r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert "Fatal" not in r.stderr and "backtrace" not in r.stderr.lower()


def test_exact_answer_passes_as_json(tmp_path, leanattn):
    path, _ = candidate_from_golden(tmp_path, "extreme-scores")
    r = run(leanattn, "compare", "--golden", FIXTURES / "extreme-scores.safetensors",
            "--candidate", path, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    verdict = json.loads(r.stdout)
    assert verdict["verdict"] == "pass" and verdict["precision"] == "F64"
    assert verdict["precision_stated"] is False
    assert verdict["output"]["over_bound"] == 0
    assert verdict["output"]["threshold"] >= 0 and verdict["failures"] == []


@pytest.mark.parametrize("name", ["decode-mqa", "prefill-causal"])
def test_other_shapes_are_usage_errors(tmp_path, leanattn, name):
    _, t = candidate_from_golden(tmp_path, name)
    tokens, heads, d = t["o"].shape
    for shape in [(tokens * heads * d,), (tokens, heads * d), (heads, tokens, d)]:
        path, _ = candidate_from_golden(tmp_path, name, shape=shape)
        r = run(leanattn, "compare", "--golden", FIXTURES / f"{name}.safetensors",
                "--candidate", path)
        assert_usage_error(r, "[" + ", ".join(map(str, shape)) + "]", f"[{tokens}, {heads}, {d}]")


def test_stated_precision(tmp_path, leanattn):
    """An F16-precision answer saved as F32: judged at F32 unless --dtype f16 says otherwise."""
    tensors, _ = read(FIXTURES / "decode-mha.safetensors")
    o = tensors["o"].astype(np.float16).astype(np.float32)
    path = tmp_path / "f16-in-f32.safetensors"
    save(path, {"o": o, "lse": tensors["lse"].astype(np.float32)})
    golden = FIXTURES / "decode-mha.safetensors"
    assumed = run(leanattn, "compare", "--golden", golden, "--candidate", path)
    assert assumed.returncode == 1, assumed.stdout
    assert assumed.stdout.splitlines()[0].startswith("precision F32 (assumed")
    stated = run(leanattn, "compare", "--golden", golden, "--candidate", path, "--dtype", "f16",
                 "--json")
    assert stated.returncode == 0, stated.stdout
    v = json.loads(stated.stdout)
    assert v["precision"] == "F16" and v["precision_stated"] is True
    assert_usage_error(run(leanattn, "compare", "--golden", golden, "--candidate", path,
                           "--dtype", "f64"), "wider")
    assert_usage_error(run(leanattn, "compare", "--golden", golden, "--candidate", path,
                           "--dtype", "fp8"), "fp8")
    assert_usage_error(run(leanattn, "compare", "--golden", golden, "--candidate", path,
                           "--atol", "nan"), "--atol")


@pytest.mark.parametrize("tensor,value", [("q", np.nan), ("v", np.inf), ("o", np.nan),
                                          ("lse", np.nan), ("lse", np.inf)])
def test_non_finite_golden_is_rejected(tmp_path, leanattn, tensor, value):
    def edit(t):
        t[tensor].reshape(-1)[3] = value
    golden = golden_copy(tmp_path, "decode-mha", edit_tensors=edit)
    path, _ = candidate_from_golden(tmp_path, "decode-mha")
    r = run(leanattn, "compare", "--golden", golden, "--candidate", path)
    assert_usage_error(r, f"golden tensor {tensor}")


@pytest.mark.parametrize("edit", [
    lambda c: c.update(requests=[[2**62, 0]]),
    lambda c: c.update(query_heads=2**62, kv_heads=1),
    lambda c: c.update(query_heads=2**40, kv_heads=2**40),
    lambda c: c["mask"].update(window_right=2**63 - 1),
])
def test_absurd_metadata_is_rejected_without_a_trap(tmp_path, leanattn, edit):
    golden = golden_copy(tmp_path, "sliding-window", edit_case=edit)
    path, _ = candidate_from_golden(tmp_path, "sliding-window")
    assert_usage_error(run(leanattn, "compare", "--golden", golden, "--candidate", path))


def test_negative_seed_is_a_clear_error(tmp_path, leanattn):
    r = run(leanattn, "golden", "--case", "decode-mha", "--out", tmp_path, "--seed", "-1")
    assert r.returncode != 0
    assert "Missing value" not in r.stderr and "-1" in r.stderr and "seed" in r.stderr, r.stderr
