"""Chapter 03's LSTM-versus-GRU race over many seeds, into benchmarks/gate-sweep.md.

The chapter (book/03_lstm_gru_gates.ipynb, "LSTM versus GRU") trains three copies each
of LSTM(8), GRU(8) and GRU(8) with an input-side z bias of 1, each with a Dense(1)
read-out, as branches of one model on the 30-step marker task (2000 training and 500
validation sequences, Adam 0.01, batch 64, 8 epochs), and counts the copies whose
validation MSE is below half the mean predictor's after epoch 4 (`left_by_4`) and 8.
This script repeats that configuration: each run draws fresh data (NumPy seed = run)
and fresh initial weights (Keras seed = 1000 + run) and trains COPIES copies of each
layer; each group of three copies of a run is one draw of the notebook's counts. The
chapter's asserts take their bounds from the table this writes.

    python tools/gate_sweep.py [--runs 8] [--copies 6]
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from benchmark import machine
from bookmeta import ROOT

T, UNITS, EPOCHS, GROUP = 30, 8, 8, 3


def marker_task(n, rng):
    """Values in (-1, 1) and a marker bit in the first half; y: the marked value."""
    values = rng.uniform(-1, 1, size=(n, T))
    position = rng.integers(0, T // 2, size=n)
    marker = np.zeros((n, T))
    marker[np.arange(n), position] = 1.0
    return np.stack([values, marker], -1).astype("float32"), values[
        np.arange(n), position
    ].astype("float32")


def keep_bias(shape, dtype=None):
    """GRU bias (2, 3u), input-side z block at 1: a fresh GRU keeps its state."""
    b = np.zeros(shape, dtype="float32")
    b[0, : shape[1] // 3] = 1.0
    return b


VARIANTS = {
    "LSTM": lambda: keras.layers.LSTM(UNITS),
    "GRU": lambda: keras.layers.GRU(UNITS),
    "GRU, z bias 1": lambda: keras.layers.GRU(UNITS, bias_initializer=keep_bias),
}


def curves(make_layer, copies, data, seed):
    """Validation MSE / baseline per copy and epoch, shape (copies, EPOCHS)."""
    (x, y), (xv, yv) = data
    keras.utils.set_random_seed(seed)
    inp = keras.Input(shape=(T, 2))
    outs = [
        keras.layers.Dense(1, name=f"r{k}")(make_layer()(inp)) for k in range(copies)
    ]
    model = keras.Model(inp, outs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse"] * copies)
    hist = model.fit(
        x,
        [y] * copies,
        epochs=EPOCHS,
        batch_size=64,
        verbose=0,
        validation_data=(xv, [yv] * copies),
    ).history
    return np.array([hist[f"val_r{k}_loss"] for k in range(copies)]) / yv.var()


def report(results, runs, copies, seconds) -> str:
    """The markdown record: per-copy rates, and the notebook's counts per group of 3."""
    groups = runs * copies // GROUP
    lines = [
        "# Chapter 03: LSTM versus GRU on the marker task, over seeds",
        "",
        f"Written by `tools/gate_sweep.py` on {datetime.date.today()}, Keras "
        f"{keras.__version__} on {keras.backend.backend()}, {machine()}; {runs} runs "
        f"x {copies} copies of each layer ({groups} groups of {GROUP}, the chapter's "
        f"draw), {seconds:.0f} s. A copy has left the plateau when its validation MSE "
        "is below half the mean predictor's; solved: below a tenth.",
        "",
        "| layer | copies | left by epoch 4 | left by epoch 8 | solved at epoch 8 "
        "| groups of 3 with left_by_4 = 0, 1, 2, 3 | groups with all 3 solved |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, c in results.items():
        by4 = (c[:, 3] < 0.5).reshape(groups, GROUP).sum(1)
        solved = (c[:, 7] < 0.1).reshape(groups, GROUP).all(1).sum()
        hist = ", ".join(str(int((by4 == k).sum())) for k in range(GROUP + 1))
        lines.append(
            f"| {name} | {len(c)} | {(c[:, 3] < 0.5).sum()} | {(c[:, 7] < 0.5).sum()}"
            f" | {(c[:, 7] < 0.1).sum()} | {hist} | {solved} of {groups} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--copies", type=int, default=6, help="a multiple of 3")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "gate-sweep.md"))
    args = parser.parse_args()
    start, results = time.perf_counter(), {name: [] for name in VARIANTS}
    for run in range(args.runs):
        rng = np.random.default_rng(run)
        data = marker_task(2000, rng), marker_task(500, rng)
        for name, make_layer in VARIANTS.items():
            results[name].append(curves(make_layer, args.copies, data, 1000 + run))
        print(f"run {run}: {time.perf_counter() - start:.0f} s", flush=True)
    stacked = {name: np.concatenate(c) for name, c in results.items()}
    text = report(stacked, args.runs, args.copies, time.perf_counter() - start)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
