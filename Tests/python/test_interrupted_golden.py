"""SIGKILL during `golden` leaves only complete files under final names and no temporary
files; a re-run completes the set."""

import os
import signal
import subprocess
import time

import pytest

from hostile import run


def listing(folder):
    return sorted(os.listdir(folder))


def test_killed_golden_leaves_no_litter(leanattn, tmp_path):
    out = tmp_path / "golden"
    for delay in [0.05, 0.3, 1.0, 2.5]:
        p = subprocess.Popen([leanattn, "golden", "--all", "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if not out.exists():
            continue
        names = listing(out)
        assert not [n for n in names if ".tmp-" in n], f"after {delay} s: {names}"
        for n in names:
            code, _, err = run(leanattn, ["inspect", str(out / n)])
            assert code == 0, f"after a kill at {delay} s, {n} is not a complete file: {err}"
    code, _, err = run(leanattn, ["golden", "--all", "--out", str(out)], timeout=600)
    assert code == 0, err
    cases = [line.split()[0] for line in run(leanattn, ["cases"])[1].splitlines()
             if line and not line.startswith(" ")]
    assert listing(out) == sorted(f"{c}.safetensors" for c in cases)


def test_stale_temporary_of_a_dead_process_is_removed(leanattn, tmp_path):
    # What a kill between linkat and rename (or a file system without O_TMPFILE) leaves:
    # a temporary name whose process is gone. The next write in the folder removes it.
    stale = tmp_path / ".decode-mha.safetensors.tmp-4194305-7"
    stale.write_bytes(b"partial")
    code, _, err = run(leanattn, ["golden", "--case", "decode-mha", "--out", str(tmp_path)])
    assert code == 0, err
    assert listing(tmp_path) == ["decode-mha.safetensors"]
