"""The book's Python snippets (book/src), each run as written: a snippet of `>>>` lines
as a doctest (its printed values checked, `...` standing for text that names the
machine), any other as a script. Blocks marked ```python,ignore (a cluster the tests
don't have) are skipped by design and counted, so that none is skipped by accident."""

import doctest
import os
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[2] / "book" / "src"


def snippets():
    found = []
    for page in sorted(BOOK.rglob("*.md")):
        lines = page.read_text().split("\n")
        i = 0
        while i < len(lines):
            if lines[i].startswith("```"):
                info = lines[i][3:].strip()
                j = i + 1
                while not lines[j].startswith("```"):
                    j += 1
                if info == "python":
                    found.append(
                        pytest.param(
                            "\n".join(lines[i + 1 : j]) + "\n",
                            id=f"{page.relative_to(BOOK)}:{i + 1}",
                        )
                    )
                i = j + 1
            else:
                i += 1
    return found


SNIPPETS = snippets()


def test_the_book_has_python_snippets():
    # A book moved or a fence renamed would otherwise pass with nothing run.
    assert len(SNIPPETS) >= 5, [s.id for s in SNIPPETS]


@pytest.mark.parametrize("code", SNIPPETS)
def test_a_book_snippet_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (tmp_path / "docs").symlink_to(BOOK.parents[1] / "docs")
    if code.lstrip().startswith(">>>"):
        parser = doctest.DocTestParser()
        test = parser.get_doctest(code, {}, "book", None, 0)
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        runner.run(test)
        assert runner.failures == 0, "a doctest in the book failed (see above)"
    else:
        exec(compile(code, "book snippet", "exec"), {"__name__": "__book__"})
