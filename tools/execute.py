"""Execute notebooks in place with the pinned environment and store clean outputs.

Usage: python tools/execute.py book/01_shaping_data.ipynb [more.ipynb ...]   (or: make
execute NB=...)

Each notebook runs in a fresh kernel inside an empty temporary folder, so a notebook
that reads repo files fails here as it would in Colab. Afterwards its outputs are
normalised: TensorFlow's C++ start-up lines (absl/oneDNN/CUDA notices, which ipykernel
captures as stderr) are removed, any other stderr output is an error, tracebacks of
cells tagged raises-exception keep the cell's own frame and the message but not library
frames (their absolute paths differ per machine), timing metadata is dropped, and the
Colab badge and metadata are refreshed from _config.yml.
"""

from __future__ import annotations

import pathlib
import re
import sys

import nbformat
from badges import refresh
from bookmeta import load_config
from kernel import run_in_fresh_kernel

# A C++ log line from TensorFlow/XLA/absl, e.g. "I0000 00:00:1795438248.344669    2365
# port.cc:153] ..."
TF_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions:)"
)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def is_library_frame(entry: str) -> bool:
    """A traceback entry for a frame in an installed package ('File
    /abs/path/site-packages/...')."""
    return ANSI.sub("", entry).startswith("File ")


def normalise(nb) -> list[str]:
    """Clean the outputs in place; return whatever stderr is left (an error for the
    author)."""
    leftovers = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.outputs:
            if out.output_type == "error":
                out.traceback = [
                    entry for entry in out.traceback if not is_library_frame(entry)
                ]
            if out.output_type == "stream" and out.name == "stderr":
                lines = [
                    ln
                    for ln in out.text.splitlines()
                    if ln.strip() and not TF_LOG_LINE.match(ln)
                ]
                if not lines:
                    continue
                leftovers.append("\n".join(lines))
            kept.append(out)
        cell.outputs = kept
        cell.metadata.pop("execution", None)
    return leftovers


def execute(path: pathlib.Path) -> float:
    nb = nbformat.read(path, as_version=4)
    seconds = run_in_fresh_kernel(nb)
    leftovers = normalise(nb)
    refresh(nb, path, load_config())
    nbformat.write(nb, path)
    if leftovers:
        raise SystemExit(
            f"{path}: stderr left in outputs (fix the cell, do not hide it):\n"
            + "\n---\n".join(leftovers)
        )
    return seconds


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path = pathlib.Path(name).resolve()
        seconds = execute(path)
        print(f"executed {name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
