"""GPU dress rehearsal: every notebook runs in a kernel where Keras believes a GPU is
present.

The hook (tests/gpu_rehearsal.py) makes every LSTM/GRU call go through Keras's own cuDNN
argument and mask checks, records the path a GPU would take, and computes with the
generic implementation. So a left-padded mask inside `fit` stops the run here as it
would on a Colab GPU, and a layer that would silently miss the fused kernel is listed.
Outputs are not compared (nbval does that); the notebook must finish. Cells tagged
`raises-exception` that run here (they fail on a CPU only for want of a GPU, such as
`use_cudnn=True`) are listed in the report.

A layer off the cuDNN path fails the test unless the cell that built or called it
carries the tag `cudnn-not-eligible` (tools/celltags.py).
"""

from __future__ import annotations

import collections
import json
import pathlib

import nbformat
import pytest
from celltags import CUDNN_OFF, CUDNN_WHY
from conftest import ROOT
from gpu_rehearsal import INSTALLED
from kernel import executed_cells, run_in_fresh_kernel, tagged_cells_that_did_not_raise
from nbclient.exceptions import CellExecutionError

HOOK = ROOT / "tests" / "gpu_rehearsal.py"


def rehearse(nb, workdir: pathlib.Path) -> list[dict]:
    """Execute nb in place under the rehearsal hook; return the recorded LSTM/GRU
    calls."""
    startup = workdir / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-gpu-rehearsal.py").write_text(
        f"import runpy\nrunpy.run_path({str(HOOK)!r}, run_name='gpu_rehearsal')\n"
    )
    log = workdir / "calls.jsonl"
    log.touch()
    try:
        run_in_fresh_kernel(
            nb,
            env={"IPYTHONDIR": str(workdir / "ipython"), "GPU_REHEARSAL_LOG": str(log)},
        )
    # IPython reports a failing start-up file only as a warning: fail loudly here
    finally:
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert lines and lines[0] == {"installed": INSTALLED}, (
            "the GPU rehearsal hook did not install"
        )
    return lines[1:]


def off_path_without_marker(nb, calls: list[dict]) -> list[str]:
    cells = executed_cells(nb)
    bad = []
    for call in calls:
        if call["path"] == "cudnn" or call["path"].startswith("error:"):
            # on the fast path, or a call that failed on purpose and so took no path
            continue
        where = {call["built_in_cell"], call["called_in_cell"]} - {None}
        if not any(CUDNN_OFF in cells[n - 1].metadata.get("tags", []) for n in where):
            bad.append(
                f"{call['class']} {call['layer']} (cells {sorted(where)}): "
                f"{call['path']}"
            )
    return sorted(set(bad))


def summary(calls: list[dict]) -> str:
    paths = collections.Counter(c["path"] for c in calls)
    on = paths.pop("cudnn", 0)
    failed = sum(paths.pop(p) for p in list(paths) if p.startswith("error:"))
    off = ", ".join(f"{n} {p}" for p, n in sorted(paths.items()))
    return (
        f"{len(calls)} LSTM/GRU calls, {on} on the cuDNN path"
        + (f"; off it: {off}" if off else "")
        + (f"; {failed} failed on purpose" if failed else "")
    )


def test_notebook_runs_under_the_gpu_rehearsal(notebook, tmp_path, book_report):
    path, stored = notebook
    nb = nbformat.reads(json.dumps(stored), as_version=4)
    calls = rehearse(nb, tmp_path)
    # A cell that fails on a CPU only for want of a GPU (use_cudnn=True) runs here, as
    # it would on a GPU: report it rather than fail; nbval and make test-oldest check
    # that tagged cells raise on a CPU.
    gpu_runs = tagged_cells_that_did_not_raise(nb)
    book_report.lines.append(
        f"GPU rehearsal  {path}: {summary(calls)}"
        + (f"; cells {gpu_runs} raise on a CPU but run with a GPU" if gpu_runs else "")
    )
    bad = off_path_without_marker(nb, calls)
    assert not bad, (
        f"{path}: layers off the cuDNN path without the tag {CUDNN_OFF}: {bad}"
    )


# ---- the rehearsal itself: it must catch what a GPU would ----
FIXTURE = """\
import numpy as np, keras
x = np.random.default_rng(0).normal(size=(32, 6, 2)).astype("float32")
x[:, :2] = 0.0  # left padding: the first two steps of every sequence are masked
y = np.zeros((32, 1), "float32")
model = keras.Sequential([keras.Input((6, 2)), keras.layers.Masking(0.0),
                          keras.layers.LSTM(4{extra}), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x, y, epochs=1, verbose=0)
"""


def fixture_notebook(extra: str = "", why: str = ""):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(FIXTURE.format(extra=extra))
    if why:
        cell.metadata.update({"tags": [CUDNN_OFF], CUDNN_WHY: why})
    nb.cells = [cell]
    return nb


def test_rehearsal_catches_a_left_padded_mask_inside_fit(tmp_path):
    with pytest.raises(CellExecutionError, match="right-padded"):
        rehearse(fixture_notebook(), tmp_path)


def test_the_same_fit_passes_on_a_plain_cpu_kernel():
    run_in_fresh_kernel(
        fixture_notebook()
    )  # the CPU alone never notices: hence the rehearsal


def test_use_cudnn_false_is_the_way_out_and_is_recorded(tmp_path):
    nb = fixture_notebook(extra=", use_cudnn=False", why="left-padded mask")
    calls = rehearse(nb, tmp_path)
    assert calls and {c["path"] for c in calls} == {"generic: use_cudnn=False"}
    assert off_path_without_marker(nb, calls) == []


def test_an_eligible_layer_takes_the_cudnn_path_and_an_ineligible_one_is_flagged(
    tmp_path,
):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np, keras\n"
            "x = np.ones((2, 5, 3), 'float32')\n"
            "keras.layers.GRU(4)(x)\n"
            "keras.layers.LSTM(4, recurrent_dropout=0.1)(x, training=True)\n"
            "keras.layers.LSTM(4, activation='relu')(x)\n"
            "keras.layers.LSTM(4, use_cudnn=True)(x)\n"
            "try:\n"
            "    keras.layers.LSTM(4)(x, initial_state=[np.zeros((2, 4), 'float32')]) "
            " # an LSTM needs [h, c]\n"
            "except (IndexError, ValueError):\n"
            "    pass\n"
        )
    ]
    calls = rehearse(nb, tmp_path)
    paths = [c["path"] for c in calls]
    assert paths[:4] == [
        "cudnn",
        "generic: recurrent_dropout",
        "generic: arguments",
        "cudnn",
    ]
    assert paths[4].startswith("error:")
    assert len(off_path_without_marker(nb, calls)) == 2
