"""Helpers for the hostile-input tests: run `leanattn` and check the error contract."""

import json
import os
import struct
import subprocess


def run(exe, args, env=None, timeout=120):
    """(status, stdout, stderr) of one run; a signal is a negative status."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, env=full_env)
    return p.returncode, p.stdout, p.stderr


def check_contract(status, out, err, allowed, what):
    """Status in `allowed`, never a signal or a trap; an error is one stderr line and no stdout."""
    assert status >= 0, f"{what}: killed by signal {-status}: {err[-2000:]}"
    assert status in allowed, f"{what}: status {status}, allowed {allowed}; stderr: {err[-2000:]}"
    assert "Fatal error" not in err and "backtrace" not in err.lower(), f"{what}: {err[-2000:]}"
    if status == 2:
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].startswith("leanattn: "), f"{what}: stderr {err!r}"
        assert out == "", f"{what}: error printed on stdout: {out[:500]!r}"


def header_and_data(raw):
    """(header JSON text, data bytes) of a safetensors file."""
    (n,) = struct.unpack("<Q", raw[:8])
    return raw[8 : 8 + n].decode(), raw[8 + n :]


def assemble(header_text, data):
    """A safetensors file from header text (padded to 8 bytes) and data."""
    h = header_text.encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + data


def edit_case(raw, edit):
    """`raw` with its `case` metadata replaced by `edit(case dict)` (checksums stay valid)."""
    text, data = header_and_data(raw)
    header = json.loads(text)
    case = json.loads(header["__metadata__"]["case"])
    edit(case)
    header["__metadata__"]["case"] = json.dumps(case, separators=(",", ":"))
    return assemble(json.dumps(header, separators=(",", ":")), data)
