#!/usr/bin/env python3
"""Fails when a public declaration of a library module has no `///` doc comment.

DocC 6.3 only warns about broken symbol links and undocumented parameters; it
never flags a public symbol that has no documentation at all (its coverage
report counts them, but does not fail). This check reads the symbol graphs that
`swift package generate-documentation` extracts (public symbols only) and lists
every declaration written in Sources/ that carries no doc comment of its own.

Declarations the compiler makes (synthesized Codable, RawRepresentable, Equatable
members: no source location) and extension blocks are not declarations anyone
wrote, so they are skipped; a member that only inherits a protocol's comment from
another module (`description`, `==`, `hash(into:)` written by hand) is reported,
since the reader of this module's page would see someone else's words.

usage: check_symbol_docs.py BUILD_DIR MODULE... (exit 1 on any finding)
"""
import glob
import json
import os
import sys


def graph_folder(build_dir, module):
    """The newest `<triple>/extracted-symbols/<package>/<module>` folder the plugin wrote."""
    folders = glob.glob(os.path.join(build_dir, "*", "extracted-symbols", "*", module))
    if not folders:
        raise SystemExit(f"no symbol graph for {module} under {build_dir}: run make docs first")
    return max(folders, key=os.path.getmtime)


def undocumented(build_dir, module):
    """(file:line, title) of every public declaration of `module` without its own doc comment."""
    found = []
    folder = graph_folder(build_dir, module)
    files = glob.glob(os.path.join(folder, f"{module}.symbols.json")) + glob.glob(
        os.path.join(folder, f"{module}@*.symbols.json"))
    for path in files:
        graph = json.load(open(path))
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if symbol["kind"]["identifier"] == "swift.extension":
                continue
            location = symbol.get("location")
            if location is None:
                continue  # made by the compiler, not written by anyone
            comment = symbol.get("docComment")
            own = comment is not None and comment.get("module", module) == module
            text = "".join(line.get("text", "") for line in (comment or {}).get("lines", []))
            if own and text.strip():
                continue
            where = location["uri"].split("/Sources/", 1)[-1]
            line = location["position"]["line"] + 1
            title = ".".join(symbol["pathComponents"])
            found.append((f"Sources/{where}:{line}", title))
    return sorted(set(found))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    build_dir, modules = argv[1], argv[2:]
    total = 0
    for module in modules:
        for where, title in undocumented(build_dir, module):
            print(f"{where}: public symbol {title} has no /// doc comment")
            total += 1
    if total:
        print(f"{total} public symbol(s) without a doc comment")
        return 1
    print(f"every public symbol of {len(modules)} module(s) has a doc comment")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
