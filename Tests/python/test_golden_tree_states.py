"""`leanattn golden --tree-states`: the canonical-tree node states, recomputed with numpy."""

import json
import subprocess

import numpy as np

from conftest import read


def run(leanattn, *args):
    return subprocess.run([leanattn, *map(str, args)], capture_output=True, text=True)


def attention(q, k, v, scale):
    """Float64 softmax attention of one query row over the given keys: (lse, o)."""
    s = (k @ q) * scale
    m = s.max()
    w = np.exp(s - m)
    return m + np.log(w.sum()), (w / w.sum()) @ v


def test_node_states_are_attention_over_their_tiles(tmp_path, leanattn):
    r = run(leanattn, "golden", "--case", "decode-gqa", "--out", tmp_path, "--tree-states", "lean")
    assert r.returncode == 0, r.stderr
    tensors, meta = read(tmp_path / "decode-gqa.safetensors")
    case = json.loads(meta["case"])
    tree = json.loads(meta["canonical_tree"])
    assert tree["partitioner"] == "lean" and tree["device"] == "h100"
    q, k, v = (tensors[n].astype(np.float64) for n in ("q", "k", "v"))
    offsets = tensors["cu_seqlens_k"]
    bn = tree["block_n"]
    hq, hkv = case["query_heads"], case["kv_heads"]
    group = hq // hkv
    tree_o, tree_lse = tensors["tree_o"], tensors["tree_lse"]
    slots = tree_o.shape[0]
    assert tree_o.shape == (slots, 3, hq, 128) and tree_lse.shape == (slots, 3, hq)
    seen = set()
    for output, slot, split, cta, level, index, first, end in tree["nodes"]:
        # The node's tiles are the aligned block [index·2^level, …) cut at the
        # end of the output's tiles (decode, causal: every key is visible).
        request, kv_head, _, row0, row1 = tree["outputs"][output]
        length = int(offsets[request + 1] - offsets[request])
        tiles = -(-length // bn)
        assert first == index << level and end == min((index + 1) << level, tiles)
        keys = slice(int(offsets[request]) + first * bn, int(offsets[request]) + min(end * bn, length))
        for row in range(row0, row1):
            head = kv_head * group + row
            lse, o = attention(q[request, head], k[keys, kv_head], v[keys, kv_head], case["scale"])
            assert abs(tree_lse[slot, request, head] - lse) < 1e-12
            assert np.abs(tree_o[slot, request, head] - o).max() < 1e-12
        seen.add((output, slot))
    # The nodes of each output cover its tiles once, in slot order; other slots are empty.
    for output, (request, kv_head, _, row0, row1) in enumerate(tree["outputs"]):
        nodes = sorted((s, f, e) for o, s, _, _, _, _, f, e in tree["nodes"] if o == output)
        assert [s for s, _, _ in nodes] == list(range(len(nodes)))
        assert all(a[2] == b[1] for a, b in zip(nodes, nodes[1:]))
        for slot in range(len(nodes), slots):
            for row in range(row0, row1):
                head = kv_head * group + row
                assert tree_lse[slot, request, head] == -np.inf
                assert not tree_o[slot, request, head].any()
    assert seen


def test_bad_tree_states_are_usage_errors(tmp_path, leanattn):
    for args in (["--case", "decode-gqa", "--tree-states", "round-robin"],
                 ["--corpus", "--tree-states", "lean"],
                 ["--case", "decode-gqa", "--tree-states", "lean", "--device", "b200"]):
        r = run(leanattn, "golden", "--out", tmp_path / "x", *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stdout == ""
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "x" / "decode-gqa.safetensors").exists()
