"""Every numeric field of a golden file's `case` metadata at hostile values: `inspect` and
`compare` refuse the file with one line (status 2) or accept it, never crash or hang."""

import pytest

from conftest import FIXTURES
from hostile import check_contract, edit_case, run

HOSTILE = [2**31 - 1, 2**63 - 1, 2**62, -1, -(2**63)]


def set_request(i):
    def edit(case, x):
        case["requests"][0][i] = x
    return edit


def set_field(key):
    def edit(case, x):
        case[key] = x
    return edit


def set_mask(key):
    def edit(case, x):
        case["mask"][key] = x
    return edit


FIELDS = {
    "query_length": ("decode-mha", set_request(0)),
    "kv_length": ("decode-mha", set_request(1)),
    "query_heads": ("decode-mha", set_field("query_heads")),
    "kv_heads": ("decode-mha", set_field("kv_heads")),
    "head_dim": ("decode-mha", set_field("head_dim")),
    "seed": ("decode-mha", set_field("seed")),
    "scale": ("decode-mha", set_field("scale")),
    "query_std": ("decode-mha", set_field("query_std")),
    "key_std": ("decode-mha", set_field("key_std")),
    "value_std": ("decode-mha", set_field("value_std")),
    "soft_cap": ("soft-cap", set_field("soft_cap")),
    "page_size": ("paged-kv", set_field("page_size")),
    "window_left": ("sliding-window", set_mask("window_left")),
    "window_right": ("sliding-window", set_mask("window_right")),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", HOSTILE)
def test_metadata_field(leanattn, tmp_path, field, value):
    fixture, edit = FIELDS[field]
    raw = (FIXTURES / f"{fixture}.safetensors").read_bytes()
    golden = tmp_path / "golden.safetensors"
    golden.write_bytes(edit_case(raw, lambda c: edit(c, value)))
    code, out, err = run(leanattn, ["inspect", str(golden)], timeout=60)
    check_contract(code, out, err, {0, 2}, f"inspect, {field} = {value}")
    if field in ("query_length", "kv_length", "query_heads", "kv_heads", "head_dim"):
        assert code == 2, f"{field} = {value} was accepted"
    # compare the golden file with its own o as the candidate: must not crash or hang.
    code, out, err = run(
        leanattn, ["compare", "--golden", str(golden), "--candidate", str(FIXTURES / f"{fixture}.safetensors")],
        timeout=60)
    assert code >= 0 and code in (0, 1, 2), f"compare, {field} = {value}: {code} {err[-2000:]}"
    assert "Fatal error" not in err, err[-2000:]
