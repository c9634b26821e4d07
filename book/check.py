#!/usr/bin/env python3
"""Checks the book: every page is in the summary, every link and image resolves, and,
with --run, every command shown after a `$` prompt in a `console` block runs and prints
what the page says it prints.

    python3 book/check.py                                  # links only
    python3 book/check.py --run --gpulif target/release/gpulif
    python3 book/check.py --built book/book                # also the generated pages

Expected output is matched line by line, in order, among the lines the command printed
(standard output and standard error together); other lines may come between them. In
an expected line, `…` stands for any text, so lines that name the machine or a time can
say so. A line that is `…` alone stands for any lines. Commands of one page run in one
scratch folder, in order, so a later command can read what an earlier one wrote; the
folder holds `docs/` (the repository's inputs, such as docs/sine.npy). A command that
starts with `cargo` runs in the repository's root instead.

Python snippets are run by python/tests/test_book.py and Rust snippets are doc tests of
the library (src/lib.rs); this script runs neither.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

BOOK = Path(__file__).resolve().parent
SRC = BOOK / "src"
ROOT = BOOK.parent


def fenced_blocks(text):
    """(info, first line number, lines) of each fenced code block."""
    blocks, lines = [], text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            info = line[3:].strip()
            body, j = [], i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                body.append(lines[j])
                j += 1
            blocks.append((info, i + 1, body))
            i = j + 1
        else:
            i += 1
    return blocks


def prose(text):
    """The text outside fenced blocks and inline code, where links are links."""
    out, fence = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fence = not fence
            continue
        if not fence:
            out.append(re.sub(r"`[^`]*`", "``", line))
    return "\n".join(out)


def heading_id(title):
    """mdbook's id for a heading: its text lowercased, spaces to '-', punctuation gone."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link's text
    title = title.replace("`", "").strip()
    out = []
    for ch in title:
        if ch.isalnum() or ch in "_-":
            out.append(ch.lower())
        elif ch.isspace():
            out.append("-")
        elif unicodedata.category(ch).startswith("M"):
            out.append(ch)
    return "".join(out)


def anchors(path):
    ids, seen, fence = set(), {}, False
    for line in path.read_text().split("\n"):
        if line.startswith("```"):
            fence = not fence
        if fence:
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            base = heading_id(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            ids.add(base if n == 0 else f"{base}-{n}")
    return ids


def summary_pages():
    pages = []
    for m in re.finditer(r"\]\(([^)]+\.md)\)", (SRC / "SUMMARY.md").read_text()):
        pages.append(SRC / m.group(1))
    return pages


def check_links(built):
    problems = []
    pages = summary_pages()
    for page in pages:
        if not page.exists():
            problems.append(f"SUMMARY.md: {page.relative_to(SRC)} does not exist")
    listed = {p.resolve() for p in pages}
    for page in SRC.rglob("*.md"):
        if page.name != "SUMMARY.md" and page.resolve() not in listed:
            problems.append(f"{page.relative_to(SRC)} is not in SUMMARY.md")
    for page in pages:
        if not page.exists():
            continue
        text = page.read_text()
        where = page.relative_to(SRC)
        for m in re.finditer(r"\{\{#include ([^}:]+)(:[^}]*)?\}\}", text):
            if not (page.parent / m.group(1)).exists():
                problems.append(f"{where}: includes {m.group(1)}, which does not exist")
        for m in re.finditer(r"!?\[[^\]]*\]\(([^)\s]+)\)", prose(text)):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page.resolve()
            if path.endswith(".html"):
                # Made when the book is built (the Python API reference).
                if built is not None:
                    html = (built / page.parent.relative_to(SRC) / path).resolve()
                    if not html.exists():
                        problems.append(f"{where}: {target}: not in the built book")
                continue
            if not dest.exists():
                problems.append(f"{where}: {target}: no such file")
                continue
            if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: {target}: no heading with that id")
    # The README's links, relative to the repository's root.
    readme = (ROOT / "README.md").read_text()
    for m in re.finditer(r"!?\[[^\]]*\]\(([^)\s]+)\)", prose(readme)):
        target = m.group(1)
        if not re.match(r"^[a-z]+:", target) and not (ROOT / target.partition("#")[0]).exists():
            problems.append(f"README.md: {target}: no such file")
    return problems


def matches(expected, actual):
    """Whether the expected lines appear in order among the actual ones."""
    pattern = lambda e: re.compile(
        "^" + ".*".join(re.escape(part) for part in e.split("…")) + "$"
    )
    k = 0
    for e in expected:
        if e.strip() == "…":
            continue
        rx = pattern(e.rstrip())
        while k < len(actual) and not rx.match(actual[k].rstrip()):
            k += 1
        if k == len(actual):
            return e
        k += 1
    return None


def run_commands(gpulif, only):
    failures, ran = [], 0
    bindir = Path(gpulif).resolve().parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for page in summary_pages():
        where = str(page.relative_to(SRC))
        if only and only not in where:
            continue
        blocks = [b for b in fenced_blocks(page.read_text()) if b[0].split(",")[0] == "console"]
        if not blocks:
            continue
        with tempfile.TemporaryDirectory(prefix="gpulif-book-") as scratch:
            os.symlink(ROOT / "docs", Path(scratch) / "docs")
            for info, line, body in blocks:
                commands = []
                for text in body:
                    if text.startswith("$ "):
                        commands.append((text[2:], []))
                    elif commands:
                        commands[-1][1].append(text)
                for command, expected in commands:
                    started = time.monotonic()
                    # `cargo …` builds and runs from the repository; the rest in the page's folder.
                    done = subprocess.run(
                        ["bash", "-o", "pipefail", "-c", command],
                        cwd=ROOT if command.startswith("cargo ") else scratch,
                        env=env,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                        timeout=900,
                    )
                    ran += 1
                    seconds = time.monotonic() - started
                    printed = done.stdout.split("\n")
                    print(f"{where}:{line}: ${command[:90]} ({seconds:.1f} s)", flush=True)
                    if done.returncode != 0:
                        failures.append(
                            f"{where}:{line}: `{command}` exited {done.returncode}:\n{done.stdout}"
                        )
                        continue
                    missing = matches(expected, printed)
                    if missing is not None:
                        failures.append(
                            f"{where}:{line}: `{command}` did not print\n  {missing}\n"
                            f"it printed:\n{done.stdout}"
                        )
    return ran, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="store_true", help="run the console blocks")
    parser.add_argument("--gpulif", default=str(ROOT / "target/release/gpulif"))
    parser.add_argument("--only", help="run the pages whose path contains this")
    parser.add_argument("--built", type=Path, help="the built book, to check generated pages")
    args = parser.parse_args()
    problems = check_links(args.built)
    for problem in problems:
        print(f"link: {problem}", file=sys.stderr)
    failures = []
    if args.run:
        if not Path(args.gpulif).exists():
            sys.exit(f"{args.gpulif}: no such program (build it with cargo build --release)")
        ran, failures = run_commands(args.gpulif, args.only)
        print(f"ran {ran} commands, {len(failures)} failed")
        for failure in failures:
            print(f"\nFAILED {failure}", file=sys.stderr)
    print(f"{len(summary_pages())} pages, {len(problems)} link problems")
    sys.exit(1 if problems or failures else 0)


if __name__ == "__main__":
    main()
