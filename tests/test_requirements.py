"""The pins: requirements.txt (reader) and requirements-dev.txt (book and tests) are
compiled from the short hand-written .in lists (make requirements), every pin is exact,
and no package is pinned twice."""

from __future__ import annotations

import re

from conftest import ROOT


def names_in(path, pinned: bool) -> dict[str, str]:
    found = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        name = (
            re.split(r"[=<>!~ \[]", line, maxsplit=1)[0]
            .lower()
            .replace("_", "-")
            .replace(".", "-")
        )
        if pinned:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line), (
                f"{path}: not an exact pin: {line}"
            )
        found[name] = line
    return found


def test_every_listed_package_is_pinned_exactly_once():
    reader, dev = (
        names_in("requirements.txt", True),
        names_in("requirements-dev.txt", True),
    )
    assert not set(reader) & set(dev), f"pinned in both files: {set(reader) & set(dev)}"
    assert set(names_in("requirements.in", False)) <= set(reader), (
        "run make requirements"
    )
    assert set(names_in("requirements-dev.in", False)) <= set(reader) | set(dev), (
        "run make requirements"
    )
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()


def test_the_reader_needs_no_book_tooling():
    reader = names_in("requirements.txt", True)
    for tool in ("jupyter-book", "nbval", "pytest", "selenium", "sphinx"):
        assert tool not in reader, f"{tool} belongs in requirements-dev.txt"


def test_the_pinned_stack_is_the_one_the_book_teaches():
    pins = {
        name: line.split("==")[1]
        for name, line in {
            **names_in("requirements.txt", True),
            **names_in("requirements-dev.txt", True),
        }.items()
    }
    assert pins["tensorflow"].startswith("2.21.")
    assert pins["keras"].startswith("3.")
    assert pins["jupyter-book"].startswith("1.")
    for needed in ("nbval", "pytest", "matplotlib", "pandas", "numpy", "scikit-learn"):
        assert needed in pins, f"{needed} is not pinned"
