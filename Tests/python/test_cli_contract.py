"""The error contract, driven by the table in Docs/Reliability.md, and every numeric flag at
Int32.max, Int.max, 2^62 and negative values."""

import hashlib
import json
import os
import pathlib
import re

import numpy as np
import pytest

from conftest import FIXTURES, ROOT
from hostile import assemble, check_contract, header_and_data, run

TABLE = ROOT / "Docs" / "Reliability.md"


def table_rows():
    rows = []
    for line in TABLE.read_text().splitlines():
        m = re.match(r"^\| `([^`]+)` \| (\d) \| (.+?) \|$", line)
        if m:
            rows.append((m.group(1), int(m.group(2)), m.group(3)))
    return rows


def nan_golden(path):
    """decode-mha with q[0] = NaN and its checksum recomputed: only the values are wrong."""
    raw = (FIXTURES / "decode-mha.safetensors").read_bytes()
    text, data = header_and_data(raw)
    header = json.loads(text)
    q = header["q"]
    begin, end = q["data_offsets"]
    width = {"F16": 2, "BF16": 2, "F32": 4}[q["dtype"]]
    nan = {2: b"\x00\x7e", 4: struct_nan32()}[width]
    data = data[:begin] + nan + data[begin + width :]
    sums = json.loads(header["__metadata__"]["sha256"])
    sums["q"] = hashlib.sha256(data[begin:end]).hexdigest()
    header["__metadata__"]["sha256"] = json.dumps(sums, separators=(",", ":"))
    path.write_bytes(assemble(json.dumps(header, separators=(",", ":")), data))


def struct_nan32():
    return np.array([np.nan], dtype="<f4").tobytes()


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    d = tmp_path_factory.mktemp("contract")
    os.mkfifo(d / "fifo")
    (d / "garbage").write_bytes(np.random.default_rng(1).bytes(100))
    nan_golden(d / "nan.safetensors")
    return {"dir": str(d), "fifo": str(d / "fifo"), "garbage": str(d / "garbage"),
            "nan": str(d / "nan.safetensors")}


def test_table_is_not_empty():
    assert len(table_rows()) >= 30


@pytest.mark.parametrize("command,status,needle", table_rows())
def test_table_row(leanattn, places, command, status, needle, tmp_path):
    words = command.format(**places).split(" ")
    env = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    code, out, err = run(leanattn, words, env=env, timeout=60)
    check_contract(code, out, err, {status}, command)
    assert needle.lower() in err.lower(), f"{command}: {err!r} lacks {needle!r}"


HOSTILE = ["2147483647", "9223372036854775807", "4611686018427387904", "-1", "-9223372036854775808"]

NUMERIC_FLAGS = {
    ("schedule",): ["--batch", "--heads", "--kv-heads", "--query-length", "--context", "--head-dim",
                    "--sms", "--ctas-per-sm", "--grid", "--splits", "--block-n", "--contexts"],
    ("schedule", "--partitioner", "fixed-split"): ["--splits", "--block-n", "--heads", "--context"],
    ("schedule", "--partitioner", "per-head"): ["--block-n", "--query-length", "--heads"],
    ("bench", "exact"): ["--batch", "--heads", "--kv-heads", "--query-length", "--context",
                         "--head-dim", "--runs"],
    ("cuda-check", "--fixtures", "Fixtures"): ["--random-cases", "--seed"],
}


@pytest.mark.parametrize(
    "prefix,flag,value",
    [(p, f, v) for p, flags in NUMERIC_FLAGS.items() for f in flags for v in HOSTILE])
def test_numeric_flag(leanattn, prefix, flag, value):
    # Valid values are allowed to run (bench with --runs 1), invalid ones must be status 2.
    args = [*prefix, f"{flag}={value}"]
    if prefix[0] == "bench" and flag != "--runs":
        args.append("--runs=1")
    code, out, err = run(leanattn, args, env={"LEANATTN_MEMORY_BUDGET": "4G"}, timeout=120)
    allowed = {0, 2, 3} if prefix[0] == "cuda-check" else {0, 2}
    check_contract(code, out, err, allowed, " ".join(args))


@pytest.mark.parametrize(
    "command,value",
    [(["golden", "--case", "decode-mha"], v) for v in HOSTILE[:3] + ["0"]]
    + [(["demo"], "4611686018427387904")])
def test_seed_flags(leanattn, tmp_path, command, value):
    # A seed is any UInt64: these run to completion; negative ones are parse errors.
    code, out, err = run(leanattn, [*command, f"--seed={value}", "--out", str(tmp_path)], timeout=300)
    check_contract(code, out, err, {0}, f"{command} --seed {value}")
    code, out, err = run(leanattn, [*command, "--seed=-1", "--out", str(tmp_path)])
    check_contract(code, out, err, {2}, f"{command} --seed -1")
