#!/usr/bin/env python3
"""Renders `leanattn explain --html` pages and the SVGs of Docs/images in
headless Chromium and checks that they rendered.

For every partitioner it writes the explain page, then:
  - dumps the DOM after the page's script ran (with #cta-0 pinned) and checks
    that the script finished (data-ready="yes"), raised nothing (no data-error),
    drew one CTA row per CTA of `leanattn schedule --json`'s grid (an
    independent path through the library) and shows exactly one detail panel;
  - checks that Chromium logged no console message (the page logs nothing
    on purpose, so any message is an error or a warning);
  - takes a screenshot and checks it is not blank.
Every SVG of Docs/images is loaded too (a malformed SVG shows an XML error
page) and screenshot. Screenshots go to --out, for a person to look at.

Without Chromium it prints why it skips and exits 0, so CI without it passes.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(browser, args, url):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=2000", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def png_is_not_blank(path):
    """Decodes the PNG's pixels (stdlib only) and checks for several colours."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    return len(set(pixels[::7])) > 8


def console_messages(stderr):
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leanattn", required=True)
    ap.add_argument("--out", default=".build/pages")
    ap.add_argument("--images", default="Docs/images")
    args = ap.parse_args()
    browser = chromium()
    if browser is None:
        print("SKIP: headless Chromium not found (Debian: apt-get install chromium); pages not checked")
        return 0
    os.makedirs(args.out, exist_ok=True)
    failures = []
    for kind in ("per-head", "fixed-split", "lean", "balanced-split", "fa3-split"):
        page = os.path.abspath(os.path.join(args.out, f"explain-{kind}.html"))
        subprocess.run([args.leanattn, "explain", "--partitioner", kind, "--html", page],
                       check=True, capture_output=True)
        metrics = json.loads(subprocess.run(
            [args.leanattn, "schedule", "--partitioner", kind, "--sms", "5", "--heads", "2",
             "--context", "1000", "--head-dim", "64", "--json"],
            check=True, capture_output=True, text=True).stdout)
        url = "file://" + page + "#cta-0"
        dom = run_chromium(browser, ["--dump-dom"], url)
        html = dom.stdout
        rows = len(re.findall(r'<g class="cta-row[^"]*" data-cta=', html))
        shown = len(re.findall(r'<section class="detail" id="[^"]+">', html))
        problems = []
        root = re.search(r"<html[^>]*>", html)
        root = root.group(0) if root else ""
        if 'data-ready="yes"' not in root:
            problems.append("the script did not finish (no data-ready on <html>)")
        error = re.search(r'data-error="([^"]*)"', root)
        if error:
            problems.append("uncaught error: " + error.group(1))
        if rows != metrics["grid"]:
            problems.append(f"{rows} CTA rows, expected {metrics['grid']}")
        if shown != 1:
            problems.append(f"{shown} detail panels shown, expected 1 (#cta-0 pinned)")
        problems += ["console: " + m for m in console_messages(dom.stderr)]
        shot = os.path.abspath(os.path.join(args.out, f"explain-{kind}.png"))
        head_url = "file://" + page + "#head-0"
        run_chromium(browser, [f"--screenshot={shot}", "--window-size=1140,1500"], head_url)
        if not os.path.exists(shot) or not png_is_not_blank(shot):
            problems.append("blank or missing screenshot")
        print(f"{kind}: {rows} CTA rows, {shown} panel shown, screenshot {shot}"
              + ("" if not problems else " — FAILED: " + "; ".join(problems)))
        failures += [f"{kind}: {p}" for p in problems]
    for name in sorted(os.listdir(args.images)):
        if not name.endswith(".svg"):
            continue
        svg = os.path.abspath(os.path.join(args.images, name))
        dom = run_chromium(browser, ["--dump-dom"], "file://" + svg)
        shot = os.path.abspath(os.path.join(args.out, "image-" + name[:-4] + ".png"))
        size = re.search(r'width="(\d+)" height="(\d+)"', open(svg).read())
        width, height = (int(size.group(1)), int(size.group(2))) if size else (1000, 800)
        run_chromium(browser, [f"--screenshot={shot}", f"--window-size={width},{height}"], "file://" + svg)
        problems = []
        if "error on line" in dom.stdout or "<svg" not in dom.stdout:
            problems.append("did not parse as SVG")
        if not os.path.exists(shot) or not png_is_not_blank(shot):
            problems.append("blank or missing screenshot")
        problems += ["console: " + m for m in console_messages(dom.stderr)]
        print(f"{name}: {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}")
        failures += [f"{name}: {p}" for p in problems]
    if failures:
        print("\n".join(["FAILED:"] + failures))
        return 1
    print("all pages and pictures rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
