"""The golden corpus is the same bytes whatever OpenBLAS kernel or core count the machine has.

OpenBLAS picks its kernels by CPU, so one machine can play several by forcing
OPENBLAS_CORETYPE; taskset limits the cores the parallel loops run on. Every
variant must regenerate the committed Fixtures/ byte for byte.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import FIXTURES

VARIANTS = [
    ("Prescott", None),
    ("Sandybridge", None),
    ("Haswell", None),
    ("Haswell", "0"),  # one core: the work is divided differently
]


@pytest.mark.parametrize("coretype,cores", VARIANTS)
def test_corpus_is_byte_identical(tmp_path, leanattn, coretype, cores):
    env = dict(os.environ, OPENBLAS_CORETYPE=coretype)
    command = [leanattn, "golden", "--corpus", "--out", str(tmp_path)]
    if cores is not None:
        if shutil.which("taskset") is None:
            pytest.skip("taskset is not installed")
        command = ["taskset", "-c", cores] + command
    subprocess.run(command, env=env, check=True, capture_output=True)
    committed = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())
    written = sorted(p.name for p in pathlib.Path(tmp_path).iterdir())
    assert written == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), (
            f"{name} differs under OPENBLAS_CORETYPE={coretype}, cores={cores or 'all'}")
