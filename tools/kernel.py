"""Run a notebook in a fresh kernel, and check what every execution of the book must
hold.

Shared by the authoring tools (execute, benchmark, check_notebooks) and the tests (GPU
rehearsal). Needs only
nbclient and nbformat, so it also runs in the oldest supported environment
(requirements-oldest.txt).
"""

from __future__ import annotations

import os
import tempfile
import time

from nbclient import NotebookClient

KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "default"}
BACKENDS = ("tensorflow", "jax", "torch")
FRAMEWORKS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def run_in_fresh_kernel(nb, env: dict[str, str] | None = None) -> float:
    """Execute nb in place in a new kernel, in an empty temporary folder; return the
    wall time in seconds.

    `env` adds environment variables for the kernel (the GPU rehearsal uses it to load
    its start-up hook)."""
    env_before = dict(os.environ)
    os.environ.update({**KERNEL_ENV, **(env or {})})
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="nb-run-") as workdir:
            NotebookClient(
                nb,
                timeout=600,
                kernel_name="python3",
                resources={"metadata": {"path": workdir}},
            ).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return time.perf_counter() - start


def executed_cells(nb) -> list:
    """The code cells in the order of their execution counts (1, 2, ...): nbclient skips
    empty ones."""
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def tagged_cells_that_did_not_raise(nb) -> list[int]:
    """Execution numbers of cells tagged raises-exception that stored no error (nbclient
    lets them pass)."""
    return [
        n
        for n, cell in enumerate(executed_cells(nb), start=1)
        if "raises-exception" in cell.metadata.get("tags", [])
        and not any(o.output_type == "error" for o in cell.outputs)
    ]
