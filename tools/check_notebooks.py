"""Execute notebooks without comparing outputs: every cell runs, every assert holds,
and every cell tagged raises-exception raises. Stored notebooks are not modified.

Usage: python tools/check_notebooks.py [--backend B] [--record FILE] book/*.ipynb
`make test-oldest` runs it in the oldest supported environment
(requirements-oldest.txt), where numbers differ from the stored outputs but every claim
must still hold; `make test-jax` and `make test-torch` run it under the other Keras
backends. A chapter that needs a newer library says so in its first markdown cell, as
"**Needs Keras 3.12 or newer**" (or TensorFlow); it is then skipped on older versions,
and the skip is reported.

With --record, the results go to a markdown file: a fingerprint of the requirement
files, and per notebook the result, the time and a fingerprint of its code (comments
left out). Notebooks not run this time keep their rows, so re-running one notebook
updates the record. A row whose fingerprint no longer matches is stale: the backend
tables mark it "changed since its last run" and `make test` lists it with the command
that refreshes it (`stale_rows`), without failing: CI itself does not build the second
environments, and a stale row says so rather than claims a pass.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import pathlib
import platform
import re
import sys
import tokenize
from importlib.metadata import version
from typing import NamedTuple

import nbformat
from celltags import RECORD, tags
from kernel import (
    BACKENDS,
    FRAMEWORKS,
    run_in_fresh_kernel,
    tagged_cells_that_did_not_raise,
)
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parent.parent
REQUIREMENTS = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-oldest.txt",
    "requirements-torch.txt",
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FINGERPRINT = re.compile(r"Requirements: fingerprint `([0-9a-f]{16})`")
ROW = re.compile(
    r"^\| `(\S+\.ipynb)` \| (.+?) \| ([\d.]+) \| `([0-9a-f]{16})` \|$", re.M
)
NEEDS = re.compile(r"\*\*Needs (TensorFlow|Keras) (\d+(?:\.\d+)*) or newer\*\*")
PACKAGES = {"TensorFlow": "tensorflow", "Keras": "keras"}


def as_tuple(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", v)[:3])


def unmet_need(nb) -> str | None:
    """'needs Keras 3.12' when the first markdown cell asks for a newer library than
    this environment has."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    for name, wanted in NEEDS.findall(first):
        if as_tuple(version(PACKAGES[name])) < as_tuple(wanted):
            return f"needs {name} {wanted}"
    return None


def without_comments(code: str) -> str:
    """The code's tokens without comments and blank lines: a new comment does not change
    what runs."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL)
        ]
        return tokenize.untokenize((t.type, t.string) for t in tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code


def requirements_fingerprint() -> str:
    """A short hash of the requirement files: what every recorded result rests on."""
    digest = hashlib.sha256()
    for name in REQUIREMENTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def code_fingerprint(path: pathlib.Path) -> str:
    """A short hash of a notebook's code cells, comments left out."""
    cells = json.loads(path.read_text())["cells"]
    code = "".join(
        without_comments("".join(c["source"]))
        for c in cells
        if c["cell_type"] == "code"
    )
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def read_record(path: pathlib.Path) -> tuple[str | None, dict[str, tuple], list[str]]:
    """(requirements fingerprint, notebook -> (result, seconds, code fingerprint),
    measured lines) of a record written by this script; empty when there is none."""
    if not path.exists():
        return None, {}, []
    text = path.read_text()
    found = FINGERPRINT.search(text)
    rows = {
        m.group(1): (m.group(2), float(m.group(3)), m.group(4))
        for m in ROW.finditer(text)
    }
    measured = [ln for ln in text.splitlines() if ln.startswith("- `book/")]
    return (found.group(1) if found else None), rows, measured


CHANGED = "changed since its last run"


def stale_rows(record: pathlib.Path, notebooks: list[pathlib.Path]) -> dict[str, str]:
    """notebook -> why its row in `record` does not speak for the notebook as it is now
    (CHANGED, "not run yet", or new requirements); current rows are left out."""
    fingerprint, rows, _ = read_record(record)
    stale = {}
    for path in notebooks:
        name = path.resolve().relative_to(ROOT).as_posix()
        if fingerprint != requirements_fingerprint():
            stale[name] = "requirements changed since its last run"
        elif name not in rows:
            stale[name] = "not run yet"
        elif rows[name][2] != code_fingerprint(path):
            stale[name] = CHANGED
    return stale


class Result(NamedTuple):
    status: str  # "ok ...", "skipped (...)" or "FAILED: ..."
    seconds: float
    recorded: list[str]  # the text printed by cells tagged `record`


def recorded_lines(nb) -> list[str]:
    """What cells tagged `record` printed: measurements a record keeps (chapter 12's
    timings)."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code" and RECORD in tags(cell):
            for out in cell.get("outputs", []):
                if out.output_type == "stream" and out.name == "stdout":
                    lines += [ln for ln in out.text.splitlines() if ln.strip()]
    return lines


def check(
    path: pathlib.Path, backend: str = "tensorflow", env: dict[str, str] | None = None
) -> Result:
    """Run one notebook under `backend`, every cell, as Colab's Run all does."""
    nb = nbformat.read(path, as_version=4)
    need = unmet_need(nb)
    if need:
        return Result(f"skipped ({need})", 0.0, [])
    try:
        seconds = run_in_fresh_kernel(nb, {**(env or {}), "KERAS_BACKEND": backend})
    except CellExecutionError as err:
        first = ANSI.sub("", str(err).strip().splitlines()[-1])[:160]
        return Result(f"FAILED: {first}", 0.0, [])
    silent = tagged_cells_that_did_not_raise(nb)
    if silent:
        status = f"FAILED: cells {silent} are tagged raises-exception but did not raise"
    else:
        status = "ok"
    return Result(status, seconds, recorded_lines(nb))


def summary(rows) -> str:
    statuses = [r[0] for r in rows]
    failed = sum(s.startswith("FAILED") for s in statuses)
    passed = sum(s.startswith("ok") for s in statuses)
    skipped = len(statuses) - failed - passed
    return f"{passed} passed, {failed} failed" + (
        f", {skipped} skipped" if skipped else ""
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="the Keras backend to run under (default: $KERAS_BACKEND, else "
        "tensorflow)",
    )
    parser.add_argument(
        "--record", type=pathlib.Path, help="also write the results as a markdown table"
    )
    parser.add_argument(
        "--target", default="make test-oldest", help="the command named in the record"
    )
    args = parser.parse_args(argv)
    packages = dict(PACKAGES)
    if args.backend != "tensorflow":
        packages = {"Keras": "keras", FRAMEWORKS[args.backend]: args.backend}
    env = ", ".join(f"{name} {version(pkg)}" for name, pkg in packages.items())
    old_fingerprint, rows, measured = (
        read_record(args.record) if args.record else (None, {}, [])
    )
    if old_fingerprint != requirements_fingerprint():
        rows, measured = {}, []  # other requirements: nothing recorded still holds
    this_run = []
    for path in args.notebooks:
        name = path.as_posix()
        status, seconds, lines = check(path, args.backend)
        this_run.append((status,))
        rows[name] = (status, seconds, code_fingerprint(path))
        measured = [m for m in measured if not m.startswith(f"- `{name}`")]
        measured += [f"- `{name}`: {line}" for line in lines]
        print(f"{name:<40} {seconds:6.1f} s  {status}", flush=True)
    print(f"KERAS_BACKEND={args.backend}: {env}, Python {platform.python_version()}")
    print(summary(this_run))
    if args.record:
        lines = [
            f"# Notebooks under KERAS_BACKEND={args.backend} on CPU ({env})",
            "",
            f"Runs of `{args.target}` (last on {datetime.date.today().isoformat()}), "
            f"Python {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} cores: every cell ran, asserts held and cells tagged "
            "raises-exception raised; outputs are not compared.",
            f"Requirements: fingerprint `{requirements_fingerprint()}`.",
            "",
            "| notebook | result | seconds | code |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{n}` | {s} | {t:.1f} | `{c}` |"
            for n, (s, t, c) in sorted(rows.items())
        ]
        lines += ["", summary(rows.values()), ""]
        if measured:
            lines += ["## Measured by cells tagged `record`", "", *sorted(measured), ""]
        args.record.write_text("\n".join(lines))
    return 1 if any(s.startswith("FAILED") for (s,) in this_run) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
