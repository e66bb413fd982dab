"""Execute notebooks without comparing their outputs: every cell runs, every assert
holds, and every cell
tagged raises-exception raises. Stored notebooks are not modified.

Usage: python tools/check_notebooks.py [--record FILE] book/*.ipynb
`make test-oldest` runs it in the oldest supported environment
(requirements-oldest.txt), where numbers differ
from the stored outputs but every claim must still hold. A chapter that needs a newer
library says so in its
first markdown cell, as "**Needs Keras 3.12 or newer**" (or TensorFlow); it is then
skipped here on older
versions, and the skip is reported.

With --record, the results go to a markdown file with a fingerprint of what they depend
on (the requirement
files and the code cells of every notebook, comments left out).
tests/test_check_notebooks.py fails when the fingerprint no longer
matches, so a change to either is followed by a new `make test-oldest` run, recorded and
committed: CI itself
does not rebuild the second environment (it would double CI's time).
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
from kernel import (
    BACKENDS,
    FRAMEWORKS,
    run_in_fresh_kernel,
    skip_cells_of_other_backends,
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
RECORD_TAG = "record"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FINGERPRINT = re.compile(r"fingerprint `([0-9a-f]{16})`")
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


def fingerprint(notebooks: list[pathlib.Path]) -> str:
    """A short hash of the requirement files and the code of the notebooks: what the
    recorded result rests on."""
    digest = hashlib.sha256()
    for name in REQUIREMENTS:
        digest.update((ROOT / name).read_bytes())
    for path in sorted(notebooks):
        cells = json.loads(path.read_text())["cells"]
        digest.update(path.name.encode())
        digest.update(
            "".join(
                without_comments("".join(c["source"]))
                for c in cells
                if c["cell_type"] == "code"
            ).encode()
        )
    return digest.hexdigest()[:16]


class Result(NamedTuple):
    status: str  # "ok ...", "skipped (...)" or "FAILED: ..."
    seconds: float
    recorded: list[str]  # the text printed by cells tagged `record`


def recorded_lines(nb) -> list[str]:
    """What cells tagged `record` printed: measurements a record keeps (chapter 12's
    timings)."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code" and RECORD_TAG in cell.metadata.get("tags", []):
            for out in cell.get("outputs", []):
                if out.output_type == "stream" and out.name == "stdout":
                    lines += [ln for ln in out.text.splitlines() if ln.strip()]
    return lines


def check(
    path: pathlib.Path, backend: str = "tensorflow", env: dict[str, str] | None = None
) -> Result:
    """Run one notebook under `backend`. Cells tagged for another backend (jax-only,
    ...) are
    not run; "ok" then says how many."""
    nb = nbformat.read(path, as_version=4)
    need = unmet_need(nb)
    if need:
        return Result(f"skipped ({need})", 0.0, [])
    skipped = skip_cells_of_other_backends(nb, backend)
    try:
        seconds = run_in_fresh_kernel(nb, {**(env or {}), "KERAS_BACKEND": backend})
    except CellExecutionError as err:
        first = ANSI.sub("", str(err).strip().splitlines()[-1])[:160]
        return Result(f"FAILED: {first}", 0.0, [])
    silent = tagged_cells_that_did_not_raise(nb)
    if silent:
        status = f"FAILED: cells {silent} are tagged raises-exception but did not raise"
    else:
        status = "ok" + (
            f" ({len(skipped)} cells for another backend not run)" if skipped else ""
        )
    return Result(status, seconds, recorded_lines(nb))


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
    rows, recorded = [], []
    for path in args.notebooks:
        status, seconds, measured = check(path, args.backend)
        rows.append((path.as_posix(), status, seconds))
        recorded += [f"- `{path.as_posix()}`: {line}" for line in measured]
        print(f"{path.as_posix():<40} {seconds:6.1f} s  {status}", flush=True)
    failed = sum(1 for _, status, _ in rows if status.startswith("FAILED"))
    passed = sum(1 for _, status, _ in rows if status.startswith("ok"))
    skipped = len(rows) - failed - passed
    summary = f"{passed} passed, {failed} failed" + (
        f", {skipped} skipped" if skipped else ""
    )
    print(f"KERAS_BACKEND={args.backend}: {env}, Python {platform.python_version()}")
    print(summary)
    if args.record:
        lines = [
            f"# Notebooks under KERAS_BACKEND={args.backend} on CPU ({env})",
            "",
            f"Run of `{args.target}` on {datetime.date.today().isoformat()}, Python "
            f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} "
            "cores: "
            "every cell ran, asserts held and cells tagged raises-exception raised; "
            "outputs are not compared.",
            "Requirements and notebook code: fingerprint "
            f"`{fingerprint(args.notebooks)}`.",
            "",
            "| notebook | result | seconds |",
            "|---|---|---|",
        ]
        lines += [f"| `{p}` | {s} | {t:.1f} |" for p, s, t in rows]
        lines += ["", summary, ""]
        if recorded:
            lines += ["## Measured by cells tagged `record`", "", *recorded, ""]
        args.record.write_text("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
