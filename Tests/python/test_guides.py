"""The guides of Docs/ follow one template, Docs/README.md indexes them, and every
`console` example shows what the CLI prints now.

A guide's `##` headings are exactly the template's, in order (the guide's own
topics are `###` sections under them), and it has a `Source: … | Tests: …` line
whose links name files or folders that exist. A fenced block tagged `console`
holds `$ leanattn …` commands, each followed by its output (stdout and stderr
together); a line that is only `…` stands for any number of lines. The test runs
each command from the repository root and matches the output; only deterministic
commands belong in such blocks (timings are shown in plain `text` blocks).
"""

import functools
import re
import shlex
import subprocess

import pytest

from conftest import ROOT

DOCS = ROOT / "Docs"
GUIDES = sorted(p for p in DOCS.glob("*.md") if p.name != "README.md")
TEMPLATE = ["What it is", "Examples", "Detailed design", "Complexity and precision",
            "How peers do it"]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def without_code(text):
    return FENCE.sub("", text)


def headings(text, level):
    marks = "#" * level
    return [m.group(1).strip() for m in re.finditer(rf"^{marks} (.+)$", without_code(text), re.M)]


def local_target(base, link):
    """The path a relative link names, or None for a web link or an anchor."""
    if re.match(r"^[a-z]+:", link) or link.startswith("#"):
        return None
    return (base / link.split("#", 1)[0]).resolve()


def console_examples(text):
    """(command, expected output lines) of every `$ leanattn` line in `console` blocks."""
    examples = []
    for info, body in FENCE.findall(text):
        if info.strip() != "console":
            continue
        command, lines = None, []
        for line in body.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, lines))
                command, lines = line[2:], []
            elif command is not None:
                lines.append(line)
        if command is not None:
            examples.append((command, lines))
    return examples


def output_pattern(lines):
    """A regex for the whole output: each line verbatim, `…` alone for any lines."""
    parts = []
    for line in lines:
        parts.append(r"(?:[^\n]*\n)*?" if line.strip() == "…" else re.escape(line) + r"\n")
    return "".join(parts)


@functools.lru_cache(maxsize=None)
def run_example(leanattn, command):
    argv = shlex.split(command)
    assert argv[0] == "leanattn", f"console examples run leanattn only: {command}"
    r = subprocess.run([leanattn] + argv[1:], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    return r.stdout


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_guide_follows_the_template(guide):
    text = guide.read_text()
    assert len(headings(text, 1)) == 1, f"{guide.name}: one `#` title"
    assert headings(text, 2) == TEMPLATE, (
        f"{guide.name}: the `##` sections must be exactly {TEMPLATE}, in order; "
        f"found {headings(text, 2)}")
    examples = text.split("\n## Examples\n", 1)[1].split("\n## Detailed design\n", 1)[0]
    assert "```" in examples, f"{guide.name}: the Examples section shows no example"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_source_and_tests_line_links_resolve(guide):
    lines = [l for l in guide.read_text().splitlines()
             if l.startswith("Source: ") and " | Tests: " in l]
    assert len(lines) == 1, f"{guide.name}: exactly one `Source: … | Tests: …` line"
    source, tests = lines[0].split(" | Tests: ", 1)
    for side, part, root in [("Source", source, ROOT), ("Tests", tests, ROOT / "Tests")]:
        links = LINK.findall(part)
        assert links, f"{guide.name}: the {side} side links nothing"
        for link in links:
            target = local_target(DOCS, link)
            assert target is not None, f"{guide.name}: {side} link {link} is not a repository path"
            assert target.exists(), f"{guide.name}: {side} link {link} names no file"
            if side == "Tests":
                assert root in target.parents or target == root, (
                    f"{guide.name}: Tests link {link} is outside Tests/")


def test_readme_lists_every_guide_and_its_links_resolve():
    readme = DOCS / "README.md"
    links = LINK.findall(readme.read_text())
    targets = {local_target(DOCS, l) for l in links} - {None}
    for guide in GUIDES:
        assert guide.resolve() in targets, f"Docs/README.md does not list {guide.name}"
    for link in links:
        target = local_target(DOCS, link)
        assert target is None or target.exists(), f"Docs/README.md links {link}, which is missing"


EXAMPLES = [(guide, command, lines) for guide in GUIDES + [DOCS / "README.md"]
            for command, lines in console_examples(guide.read_text())]


def test_every_guide_with_cli_output_is_checked():
    # The examples exist: a parsing slip that found none would make the next test vacuous.
    assert len({guide for guide, _, _ in EXAMPLES}) >= 6, "console examples in fewer than 6 guides"


@pytest.mark.parametrize("guide,command,lines", EXAMPLES,
                         ids=[f"{g.name}: {c}" for g, c, _ in EXAMPLES])
def test_console_example_is_what_the_cli_prints(leanattn, guide, command, lines):
    output = run_example(leanattn, command)
    if not output.endswith("\n"):
        output += "\n"
    assert re.fullmatch(output_pattern(lines), output), (
        f"{guide.name}: `{command}` no longer prints what the guide shows; it prints:\n{output}")
