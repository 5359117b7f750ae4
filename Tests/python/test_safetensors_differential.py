"""Differential test: generated safetensors files through the reference reader
(huggingface `safetensors`) and `leanattn inspect --json`; same verdict, same bytes.

LEANATTN_DIFF_FULL=1 runs all files (>= 300); by default every 5th runs (`make test`)."""

import hashlib
import json
import os
import random
import struct

import pytest
import safetensors

from hostile import run

DTYPES = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8,
          "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16,
          "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64,
          "I64": 64, "U64": 64}
SHAPES = [[], [0], [4], [2, 0], [2, 4], [1, 2, 4], [0, 3, 5], [2, 2, 2, 4]]
# Deliberately stricter than the reference (Docs/Reliability.md): duplicate names.
STRICTER = {"duplicate_name"}


def raw_file(header_text, data):
    h = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(h)) + h + data


def valid(rng, dtype, shapes, meta=None, extra=False, order=None):
    header, data, entries = {}, b"", []
    for i, shape in enumerate(shapes):
        n = 1
        for d in shape:
            n *= d
        nbytes = n * DTYPES[dtype] // 8
        entries.append((f"t{i}", shape, rng.randbytes(nbytes)))
    for name, shape, blob in (order(entries) if order else entries):
        e = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        if extra:
            e["extra"] = {"x": [1, 2]}
        header[name] = e
        data += blob
    if meta is not None:
        header["__metadata__"] = meta
    return json.dumps(header), data


def cases():
    rng = random.Random(14)
    out = []
    for dtype in DTYPES:
        for shape in SHAPES:
            n = 1
            for d in shape:
                n *= d
            if n * DTYPES[dtype] % 8:
                continue
            out.append((f"valid-{dtype}-{shape}", *valid(rng, dtype, [shape]), None))
    for dtype in ["F4", "F6_E2M3", "C64", "F8_E8M0", "BF16"]:
        h, d = valid(rng, dtype, [[4], [8], [0], [4, 4]], order=lambda e: e[::-1])
        out.append((f"multi-{dtype}", h, d, None))
    base_h, base_d = valid(rng, "F32", [[2, 3], [4]])
    mutations = {
        "leading_ws": lambda h, d: (" \n\t" + h, d),
        "trailing_ws": lambda h, d: (h + "   ", d),
        "meta_null": lambda h, d: (h[:-1] + ',"__metadata__":null}', d),
        "meta_strings": lambda h, d: (h[:-1] + ',"__metadata__":{"a":"b"}}', d),
        "meta_int": lambda h, d: (h[:-1] + ',"__metadata__":{"a":1}}', d),
        "meta_list": lambda h, d: (h[:-1] + ',"__metadata__":[]}', d),
        "extra_field": lambda h, d: (h.replace('"shape"', '"foo":null,"shape"', 1), d),
        "neg0_shape": lambda h, d: (h.replace('"shape": [4]', '"shape": [-0, 4]'), d),
        "neg0_offset": lambda h, d: (h.replace('"data_offsets": [0,', '"data_offsets": [-0,'), d),
        "float_shape": lambda h, d: (h.replace('"shape": [4]', '"shape": [4.0]'), d),
        "exp_shape": lambda h, d: (h.replace('"shape": [4]', '"shape": [4e0]'), d),
        "neg_shape": lambda h, d: (h.replace('"shape": [4]', '"shape": [-4]'), d),
        "huge_shape": lambda h, d: (h.replace('"shape": [4]', '"shape": [18446744073709551615]'), d),
        "unknown_dtype": lambda h, d: (h.replace('"F32"', '"F33"', 1), d),
        "lower_dtype": lambda h, d: (h.replace('"F32"', '"f32"', 1), d),
        "hole": lambda h, d: (h, d + b"\0" * 4),
        "truncated": lambda h, d: (h, d[:-1]),
        "overlap": lambda h, d: (h.replace('"data_offsets": [24, 40]', '"data_offsets": [20, 36]'), d),
        "three_offsets": lambda h, d: (h.replace('"data_offsets": [0, 24]', '"data_offsets": [0, 24, 24]'), d),
        "missing_shape": lambda h, d: (h.replace('"shape": [4], ', ''), d),
        "bom": lambda h, d: ("\ufeff" + h, d),
        "garbage_after": lambda h, d: (h + " x", d),
        "array_header": lambda h, d: ("[]", b""),
        "deep": lambda h, d: ('{"a":' + "[" * 200 + "]" * 200 + "}", b""),
        "bad_utf8": lambda h, d: (h.encode().replace(b'"t0"', b'"t\xff"'), d),
        "duplicate_name": lambda h, d: (h[:-1] + ',"t1":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}}', d),
        "subbyte_misaligned": lambda h, d: ('{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', b"\0\0"),
        "empty_header": lambda h, d: ("", b""),
        "empty_object": lambda h, d: ("{}", b""),
    }
    for name, mutate in mutations.items():
        for k in range(4):  # each class on a few random payloads
            h, d = valid(rng, "F32", [[2, 3], [4]]) if k else (base_h, base_d)
            h2, d2 = mutate(h, d)
            out.append((f"mut-{name}-{k}", h2, d2, name))
    # Random byte flips in the header of valid files.
    for k in range(60):
        h, d = valid(rng, rng.choice(["F16", "U8", "I64"]), [[rng.randint(0, 5)], [2, 2]])
        b = bytearray(h.encode())
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
        out.append((f"flip-{k}", bytes(b), d, "flip"))
    return out


CASES = cases()
FULL = os.environ.get("LEANATTN_DIFF_FULL") == "1"


def test_enough_files():
    assert len(CASES) >= 300, len(CASES)


@pytest.mark.parametrize("name,header,data,kind",
                         [c for i, c in enumerate(CASES) if FULL or i % 5 == 0],
                         ids=[c[0] for i, c in enumerate(CASES) if FULL or i % 5 == 0])
def test_same_verdict_and_bytes(leanattn, tmp_path, name, header, data, kind):
    raw = raw_file(header, data)
    path = tmp_path / "f.safetensors"
    path.write_bytes(raw)
    try:
        ref = {n: (t["dtype"], list(t["shape"]), hashlib.sha256(bytes(t["data"])).hexdigest())
               for n, t in safetensors.deserialize(raw)}
    except Exception:
        ref = None
    code, out, err = run(leanattn, ["inspect", "--json", str(path)])
    assert code in (0, 2), f"{name}: status {code}: {err}"
    ours = None
    if code == 0:
        ours = {t["name"]: (t["dtype"], t["shape"], t["sha256"]) for t in json.loads(out)["tensors"]}
    if kind in STRICTER and ref is not None:
        assert ours is None, f"{name}: accepted a file this reader rejects by design"
        return
    assert (ref is None) == (ours is None), f"{name}: reference {'rejects' if ref is None else 'accepts'}, leanattn: {err or 'accepts'}"
    if ref is not None:
        assert ours == ref, name
