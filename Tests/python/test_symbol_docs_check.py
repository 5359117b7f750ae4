"""Tests/docs/check_symbol_docs.py on hand-made symbol graphs: what it reports and what it skips."""

import json
import subprocess
import sys

from conftest import ROOT

CHECK = ROOT / "Tests" / "docs" / "check_symbol_docs.py"


def symbol(path, access="public", kind="swift.struct", comment=None, line=9, implicit=False):
    s = {"kind": {"identifier": kind}, "pathComponents": path, "accessLevel": access}
    if not implicit:
        s["location"] = {"uri": "file:///x/Sources/M/File.swift", "position": {"line": line}}
    if comment is not None:
        text, module = comment
        s["docComment"] = {"module": module, "lines": [{"text": text}]}
    return s


def run(tmp_path, symbols):
    folder = tmp_path / "x86_64-unknown-linux-gnu" / "extracted-symbols" / "pkg" / "M"
    folder.mkdir(parents=True)
    (folder / "M.symbols.json").write_text(json.dumps({"symbols": symbols}))
    return subprocess.run([sys.executable, str(CHECK), str(tmp_path), "M"],
                          capture_output=True, text=True)


def test_documented_public_symbols_pass(tmp_path):
    r = run(tmp_path, [
        symbol(["A"], comment=("A thing.", "M")),
        symbol(["A", "internalHelper"], access="internal"),      # not public
        symbol(["A", "init(from:)"], implicit=True),              # made by the compiler
        symbol(["Float"], kind="swift.extension"),                # an extension block
    ])
    assert r.returncode == 0, r.stdout
    assert "every public symbol of 1 module(s) has a doc comment" in r.stdout


def test_missing_blank_and_inherited_comments_fail(tmp_path):
    r = run(tmp_path, [
        symbol(["A"], comment=("A thing.", "M")),
        symbol(["A", "count"], line=11),                              # no comment
        symbol(["A", "blank"], comment=("   ", "M"), line=12),        # an empty comment
        symbol(["A", "description"], comment=("A textual representation.", "Swift"), line=13),
    ])
    assert r.returncode == 1
    assert "Sources/M/File.swift:12: public symbol A.count has no /// doc comment" in r.stdout
    assert "A.blank" in r.stdout and "A.description" in r.stdout
    assert "3 public symbol(s) without a doc comment" in r.stdout


def test_no_symbol_graph_is_an_error(tmp_path):
    r = subprocess.run([sys.executable, str(CHECK), str(tmp_path), "M"], capture_output=True, text=True)
    assert r.returncode != 0 and "run make docs first" in (r.stdout + r.stderr)
