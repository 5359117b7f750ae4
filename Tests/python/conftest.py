"""Shared helpers for the Python interop tests: read golden files without LeanAttention."""

import json
import os
import pathlib

import ml_dtypes
import numpy as np
import pytest
import safetensors

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"
DTYPES = {
    "BOOL": np.bool_, "U8": np.uint8, "I32": np.dtype("<i4"), "I64": np.dtype("<i8"),
    "F16": np.dtype("<f2"), "BF16": ml_dtypes.bfloat16, "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}


def read(path):
    """(tensors as numpy arrays in their stored dtype, metadata) through the safetensors package."""
    raw = pathlib.Path(path).read_bytes()
    tensors = {
        name: np.frombuffer(bytes(t["data"]), dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        for name, t in safetensors.deserialize(raw)
    }
    with safetensors.safe_open(str(path), framework="np") as f:
        metadata = f.metadata()
    return tensors, metadata


def manifest():
    return json.loads((FIXTURES / "manifest.json").read_text())


@pytest.fixture(scope="session")
def leanattn():
    exe = os.environ.get("LEANATTN", str(ROOT / ".build" / "release" / "leanattn"))
    if not os.path.exists(exe):
        pytest.fail(f"{exe} not found; run `swift build -c release` or set LEANATTN")
    return exe
