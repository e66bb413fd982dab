"""Write the backend tables from the recorded runs, never by hand.

- README.md and book/testing.ipynb (the appendix "How this book is tested"), between
  `<!-- backend-table:start -->` and `...:end -->`: one row per notebook, one column per
  backend and device, from
  benchmarks/results.md (TensorFlow, make benchmark), jax-cpu.md (make test-jax),
  torch-cpu.md (make test-torch) and gpu.md (make gpu-run on a GPU machine). A row of a
  record whose notebook or requirements changed since it was run is marked "changed
  since its last run" (check_notebooks.stale_rows), not shown as a pass of today's code.
- book/12_fast_rnns.ipynb, between `<!-- backend-timing-table:start -->` and `...:end
  -->`: the fused-path-versus-`use_cudnn=False` ratios of chapter 12's `record` cell,
  from its own stored TensorFlow output and the records above.

Usage: python tools/backend_tables.py [--check]   (--check: exit 1 when a table is
stale)
"""

from __future__ import annotations

import pathlib
import re
import sys

import nbformat
from check_notebooks import recorded_lines, stale_rows

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CHAPTER_12 = ROOT / "book" / "12_fast_rnns.ipynb"
APPENDIX = ROOT / "book" / "testing.ipynb"
TABLE = "backend-table"
TIMING = "backend-timing-table"
COLUMNS = [  # (heading, record file, backend in the record's rows or None)
    ("TensorFlow, CPU", "results.md", None),
    ("JAX, CPU", "jax-cpu.md", None),
    ("PyTorch, CPU", "torch-cpu.md", None),
    ("JAX, GPU", "gpu.md", "jax"),
    ("PyTorch, GPU", "gpu.md", "torch"),
]
ROW = re.compile(r"^\| `(book/[^`]+\.ipynb)` \| (.+) \|\s*$")
RATIO = re.compile(
    r"(LSTM|GRU): auto ([\d.]+) ms/batch, use_cudnn=False ([\d.]+) ms/batch, "
    r"ratio ([\d.]+) \((.+), (CPU|GPU)\)"
)


def read(name: str) -> str:
    path = BENCH / name
    return path.read_text() if path.exists() else ""


def notebooks() -> list[pathlib.Path]:
    return sorted((ROOT / "book").glob("*.ipynb"))


def results(name: str, backend: str | None) -> dict[str, str]:
    """notebook -> "✓ 41 s" / "✗" from one record's table; a stale row of a record
    with code fingerprints says so."""
    found = {}
    for line in read(name).splitlines():
        m = ROW.match(line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        if backend is not None:
            if cells[0] != backend:
                continue
            cells = cells[1:]
        if name == "results.md":  # make benchmark: | notebook | seconds | memory |
            found[m.group(1)] = f"✓ {float(cells[0]):.0f} s"
        elif cells[0].startswith("ok"):
            found[m.group(1)] = f"✓ {float(cells[1]):.0f} s"
        else:
            found[m.group(1)] = "✗ " + cells[0].removeprefix("FAILED: ")[:40]
    if "Requirements: fingerprint" in read(name):
        for nb, why in stale_rows(BENCH / name, notebooks()).items():
            if nb in found:
                found[nb] += f" ({why})"
    return found


def backend_table() -> str:
    names = [p.relative_to(ROOT).as_posix() for p in notebooks()]
    columns = [(head, results(name, backend)) for head, name, backend in COLUMNS]
    lines = [
        "| notebook | " + " | ".join(head for head, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for nb in names:
        cells = [found.get(nb, "not run yet") for _, found in columns]
        lines.append(f"| {pathlib.Path(nb).stem} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "✓: every cell ran, every assert held, every cell meant to fail failed "
        "(seconds "
        "on that machine). Made by `tools/backend_tables.py` from `benchmarks/`: "
        "results.md (`make benchmark`), jax-cpu.md (`make test-jax`), torch-cpu.md "
        "(`make test-torch`), gpu.md (`make gpu-run`).",
    ]
    return "\n".join(lines)


def timing_table() -> str:
    stored = recorded_lines(nbformat.read(CHAPTER_12, as_version=4))
    sources = [("stored outputs of this chapter", stored)]
    for name in ("jax-cpu.md", "torch-cpu.md", "gpu.md"):
        mine = [ln for ln in read(name).splitlines() if CHAPTER_12.name in ln]
        sources.append((f"benchmarks/{name}", mine))
    rows = {}
    for source, lines in sources:
        for line in lines:
            m = RATIO.search(line)
            if m:
                layer, _, _, ratio, framework, device = m.groups()
                rows.setdefault((framework, device, source), {})[layer] = ratio
    lines = [
        "| backend | device | LSTM: `use_cudnn=False` time / fused time | GRU: same | "
        "from |",
        "|---|---|---|---|---|",
    ]
    for (framework, device, source), ratio in rows.items():
        lstm, gru = ratio.get("LSTM", "–"), ratio.get("GRU", "–")
        lines.append(f"| {framework} | {device} | {lstm} | {gru} | {source} |")
    if not any(device == "GPU" for _, device, _ in rows):
        lines.append(
            "| JAX, PyTorch | GPU | not run yet | not run yet | benchmarks/gpu.md |"
        )
    return "\n".join(lines)


def fill(text: str, marker: str, table: str) -> str:
    pattern = re.compile(
        rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"no <!-- {marker}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)


def fill_notebook(path: pathlib.Path, marker: str, table: str) -> tuple[str, str]:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and f"<!-- {marker}:start -->" in cell.source:
            cell.source = fill(cell.source, marker, table)
            return path.read_text(), nbformat.writes(nb) + "\n"
    raise SystemExit(f"{path.name}: no markdown cell with <!-- {marker}:start -->")


def targets() -> dict[pathlib.Path, tuple[str, str]]:
    """path -> (text now, text it should have)."""
    readme = ROOT / "README.md"
    out = {
        readme: (readme.read_text(), fill(readme.read_text(), TABLE, backend_table()))
    }
    out[APPENDIX] = fill_notebook(APPENDIX, TABLE, backend_table())
    out[CHAPTER_12] = fill_notebook(CHAPTER_12, TIMING, timing_table())
    return out


def main(argv: list[str]) -> int:
    stale = [p for p, (now, want) in targets().items() if now != want]
    if "--check" in argv:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)} (run python tools/backend_tables.py)")
        return 1 if stale else 0
    for path, (now, want) in targets().items():
        if now != want:
            path.write_text(want)
            print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
