"""Shared fixtures, and the per-notebook execution-time table printed at the end of
`make test`."""

from __future__ import annotations

import ast
import collections
import json
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "tools"))
from bookmeta import load_config, toc_files  # noqa: E402  (readers shared with the authoring tools)

ALL_NOTEBOOKS = sorted(
    p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


def selected(notebooks: list[pathlib.Path], names: str) -> list[pathlib.Path]:
    """The notebooks `make test NB=...` names (space-separated paths), else all."""
    wanted = {(ROOT / n).resolve() for n in names.split()}
    return [p for p in notebooks if p.resolve() in wanted] if wanted else notebooks


# The tests that run once per notebook run for these: all of them, or the ones named by
# `make test NB=book/x.ipynb` (which exports BOOK_NOTEBOOKS).
NOTEBOOKS = selected(ALL_NOTEBOOKS, os.environ.get("BOOK_NOTEBOOKS", ""))
if not NOTEBOOKS:
    raise SystemExit(
        f"BOOK_NOTEBOOKS={os.environ['BOOK_NOTEBOOKS']!r}: no such notebook"
    )


@pytest.fixture(scope="session")
def config() -> dict:
    return load_config()


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def toc() -> list[str]:
    return toc_files()


def parse_cell(code: str) -> ast.Module:
    """Parse a code cell as Python, leaving out IPython magics and shell lines (%pip,
    !ls)."""
    return ast.parse(
        "\n".join(
            ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))
        )
    )


def is_chapter(path: pathlib.Path) -> bool:
    """Chapters are numbered (book/01_shaping_data.ipynb); other notebooks are reference
    pages."""
    return path.name[:2].isdigit() and path.name[2] == "_"


def pytest_generate_tests(metafunc):
    """A test that takes `notebook` runs once per notebook in book/, one that takes
    `chapter` once per numbered chapter; both receive (repo-relative path, parsed
    JSON)."""
    for name, paths in (
        ("notebook", NOTEBOOKS),
        ("chapter", [p for p in NOTEBOOKS if is_chapter(p)]),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(
                name,
                [
                    (p.relative_to(ROOT).as_posix(), json.loads(p.read_text()))
                    for p in paths
                ],
                ids=[p.stem for p in paths],
            )


# ---- end-of-run report: notebook times, and lines tests add (site weight) ----
class BookReport:
    """Adds up nbval's per-cell durations per notebook and prints them as a table at the
    end, followed by the lines tests add with the `book_report` fixture.

    Registered as a global plugin: hooks in this conftest alone would only see items
    under tests/.
    """

    def __init__(self):
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.failed: set[str] = set()
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            self.seconds[path] += report.duration
            if report.failed:
                self.failed.add(path)

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        if self.lines:
            tr.section("book report")
            for line in self.lines:
                tr.write_line(line)
        if not self.seconds:
            return
        tr.section("notebook execution time (nbval, this machine)")
        width = max(len(p) for p in self.seconds)
        for path, secs in self.seconds.items():
            tr.write_line(
                f"{path:<{width}}  {secs:7.1f} s  "
                f"{'FAILED' if path in self.failed else 'ok'}"
            )
        tr.write_line(f"{'total':<{width}}  {sum(self.seconds.values()):7.1f} s")


def pytest_configure(config):
    config.pluginmanager.register(BookReport(), "book-report")


@pytest.fixture(scope="session")
def book_report(pytestconfig) -> BookReport:
    return pytestconfig.pluginmanager.get_plugin("book-report")
