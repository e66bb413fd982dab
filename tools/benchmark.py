"""Benchmark the book: execute every notebook in a fresh kernel and record its wall time
and the kernel's peak memory, with the machine described, into benchmarks/results.md (a
markdown table, committed).

Usage: python tools/benchmark.py [--out benchmarks/results.md]   (or: make benchmark)
Stored notebooks are not modified. Not a test: timings depend on the machine; the
targets below are the budgets of a 2-core, 24 GB CPU machine (issue: every notebook
under 90 s, median under 45 s, the whole book under 10 minutes, peak memory under 3 GB
per notebook).
"""

from __future__ import annotations

import datetime
import os
import pathlib
import platform
import statistics
import sys
from importlib.metadata import version

import nbformat
import psutil
from bookmeta import ROOT, notebooks
from kernel import run_in_fresh_kernel

# KiB on Linux
PEAK_RSS_CELL = (
    "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)
TARGETS = {"notebook_s": 90, "median_s": 45, "book_s": 600, "peak_gb": 3.0}


def measure(path) -> tuple[float, float]:
    """Wall seconds and peak resident memory of the kernel (GB) for one notebook."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_RSS_CELL))
    seconds = run_in_fresh_kernel(nb)
    peak_kib = int(nb.cells[-1].outputs[0]["text"].strip())
    return seconds, peak_kib / 1024**2


def cpu_model() -> str:
    try:
        lines = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
        return next(
            ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")
        )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def machine() -> str:
    mem = psutil.virtual_memory().total / 1024**3
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {mem:.0f} GB RAM, "
        f"Python {platform.python_version()}, TensorFlow {version('tensorflow')}, no "
        "GPU used"
    )


def main(argv: list[str]) -> int:
    out = ROOT / (
        argv[argv.index("--out") + 1] if "--out" in argv else "benchmarks/results.md"
    )
    rows = []
    for path in notebooks():
        seconds, peak = measure(path)
        rel = path.relative_to(ROOT).as_posix()
        rows.append((rel, seconds, peak))
        print(f"{rel:45s} {seconds:6.1f} s  {peak:5.2f} GB", flush=True)
    times = [r[1] for r in rows]
    total, median = sum(times), statistics.median(times)
    over = [
        r[0] for r in rows if r[1] > TARGETS["notebook_s"] or r[2] > TARGETS["peak_gb"]
    ]
    lines = [
        "# Benchmark of the book",
        "",
        f"Measured {datetime.date.today().isoformat()} by `make benchmark` "
        "(tools/benchmark.py): each notebook "
        "executed once in a fresh kernel, wall time including kernel start-up, peak "
        "resident memory of the kernel.",
        "",
        f"Machine: {machine()}.",
        "",
        "| notebook | wall time (s) | peak memory (GB) |",
        "|---|---:|---:|",
        *[f"| `{name}` | {secs:.1f} | {peak:.2f} |" for name, secs, peak in rows],
        f"| **total** | **{total:.1f}** | |",
        "",
        f"Median {median:.1f} s. Targets on a 2-core, 24 GB CPU machine: every "
        f"notebook under {TARGETS['notebook_s']} s, "
        f"median under {TARGETS['median_s']} s, the whole book under "
        f"{TARGETS['book_s'] // 60} minutes, "
        f"peak memory under {TARGETS['peak_gb']:.0f} GB per notebook.",
        "",
        "Within targets: "
        + (
            "yes."
            if not over and median < TARGETS["median_s"] and total < TARGETS["book_s"]
            else f"no ({', '.join(over) or 'median or total'})."
        ),
        "",
    ]
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
