"""Chapter 13's copy task over lengths, state sizes and seeds: benchmarks/copy-task.md.

The chapter (book/13_recurrence_today.ipynb, "What the fixed state cannot do") trains
three copies each of GRU(32), MinGRU(32) and a one-block causal Transformer of width 32
as branches of one model on strings of L = 8 symbols over V = 8 (2048 training and 512
test strings, Adam 0.01, batch 128, 3 epochs), and prints the per-token copy accuracy of
each copy. `MinGRU` comes from tools/recurrence_today.py (the chapter's layer, checked
line for line); `Positions`, `copy_task` and `copier` are copied from the copy task's
helper cell (a notebook cannot import tools/, nor a tool a notebook). The chapter
runs MinGRU's sequential path (`parallel=False`), which traces faster on TensorFlow at
16 steps; this script runs the parallel one. The chapter asserts that both compute the
same recurrence (to 1e-5), and the chapter's evaluation calls the model instead of
`predict`; neither changes what is trained.

Part 1 repeats the chapter's draw: each run draws fresh strings (NumPy seed = run) and
fresh initial weights (Keras seed = 1000 + run); the chapter's asserts take their
margins from it. Part 2 sweeps the string length L and the recurrent state H = 16, 32,
64 (MinGRU(H) reads an embedding of width 2H, so that its parameter count follows
GRU(H)'s), with 2 times the chapter's training strings and 8 epochs, 3 seeds per
length. The record is rewritten after each length.

    python tools/copy_sweep.py [--runs 4] [--seeds 3] [--lengths 4 8 16 32]
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
from recurrence_today import MinGRU

V = 8  # symbols 0-7 (3 bits each); token V is the separator


class Positions(keras.layers.Layer):
    """Adds a learned vector per position: (B, T, D) -> (B, T, D)."""

    def build(self, input_shape):
        init = keras.initializers.RandomNormal(stddev=0.3)  # positions told apart
        self.table = self.add_weight(shape=input_shape[1:], initializer=init)

    def call(self, x):
        return x + self.table


def copy_task(n, length, seed):
    """x: a random string, the separator, the string again shifted by one (what the
    model has written so far); s: the string, the targets of the last `length` steps."""
    s = np.random.default_rng(seed).integers(0, V, size=(n, length))
    return np.concatenate([s, np.full((n, 1), V), s[:, :-1]], axis=1), s


def copier(kind, length, units=32):
    """Embedding, a GRU, a MinGRU or one causal attention block, Dense(V) softmax on
    the copy steps only."""
    tokens = keras.Input((2 * length,), dtype="int32")
    if kind == "GRU":
        x = keras.layers.Embedding(V + 1, 16)(tokens)
        h = keras.layers.GRU(units, return_sequences=True)(x)
    elif kind == "MinGRU":
        h = MinGRU(units)(keras.layers.Embedding(V + 1, 2 * units)(tokens))
    else:  # one block: learned positions, one causal attention head, a residual
        x = Positions()(keras.layers.Embedding(V + 1, units)(tokens))
        attend = keras.layers.MultiHeadAttention(num_heads=1, key_dim=units)
        h = keras.layers.LayerNormalization()(x + attend(x, x, use_causal_mask=True))
    return keras.Model(tokens, keras.layers.Dense(V, "softmax")(h[:, length:]))


def train(specs, length, n, epochs, seed):
    """Per-token test accuracy and parameter count of each (kind, units) in specs,
    trained side by side as branches of one model on fresh strings."""
    keras.utils.set_random_seed(1000 + seed)
    x, s = copy_task(n, length, seed)
    x_test, s_test = copy_task(512, length, 10_000 + seed)
    branches = [copier(kind, length, units) for kind, units in specs]
    tokens = keras.Input((2 * length,), dtype="int32")
    model = keras.Model(tokens, [b(tokens) for b in branches])
    loss = ["sparse_categorical_crossentropy"] * len(specs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x, [s] * len(specs), epochs=epochs, batch_size=128, verbose=0)
    predicted = model.predict(x_test, verbose=0, batch_size=512)
    accuracy = [float((p.argmax(-1) == s_test).mean()) for p in predicted]
    return accuracy, [b.count_params() for b in branches]


def spread(values) -> str:
    v = np.asarray(values)
    return f"{v.mean():.2f} ({v.min():.2f}-{v.max():.2f})"


def report(args, draws, sweep, params, seconds) -> str:
    """The markdown record: the chapter's draws, then the sweep so far."""
    lines = [
        "# Chapter 13: copying a string, recurrent state against attention",
        "",
        f"Written by `tools/copy_sweep.py` on {datetime.date.today()}, Keras "
        f"{keras.__version__} on {keras.backend.backend()}, {machine()}; {seconds:.0f} "
        f"s. Task: L random symbols over {V} (3 bits each, 3L bits per string), a "
        "separator, then the string again shifted by one step (teacher forcing); the "
        "loss and the per-token accuracy are taken on the L copy steps only (chance: "
        f"1/{V} = 0.125). Held-out strings: 512 per seed.",
        "",
        f"## The chapter's draw (L = 8, 2048 strings, 3 epochs): {args.runs} runs x 3 "
        "copies",
        "",
        "| model | accuracy per copy (run by run) | mean (min-max) |",
        "|---|---|---|",
    ]
    for name, runs in draws.items():
        per_run = "; ".join(", ".join(f"{a:.3f}" for a in r) for r in runs)
        lines.append(f"| {name} | {per_run} | {spread(np.ravel(runs))} |")
    lines += [
        "",
        f"## Lengths and state sizes: 4096 strings, 8 epochs, {args.seeds} seeds "
        "(fresh strings and weights per seed)",
        "",
        "State carried while copying: H float32 numbers for GRU(H) and MinGRU(H); the "
        "Transformer caches a key and a value of 32 numbers per token (2 x 32 x 2L). "
        "Cells: mean accuracy (min-max over seeds), then the seeds.",
        "",
        "| model | state | parameters | "
        + " | ".join(f"L = {n} ({3 * n} bits)" for n in sweep[("GRU", 16)])
        + " |",
        "|---|---|---|" + "---|" * len(sweep[("GRU", 16)]),
    ]
    for (kind, units), by_length in sweep.items():
        state = f"{units} floats" if kind != "Transformer" else "64 floats per token"
        count = sorted(params[(kind, units)])
        count = f"{count[0]:,}" + (f" to {count[-1]:,}" if len(count) > 1 else "")
        cells = [
            f"{spread(v)}: {', '.join(f'{a:.2f}' for a in v)}"
            for v in by_length.values()
        ]
        lines.append(
            f"| {kind}({units}) | {state} | {count} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=4, help="draws of the chapter's cell"
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lengths", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "copy-task.md"))
    args = parser.parse_args()
    start = time.perf_counter()

    chapter = [
        (kind, 32) for kind in ("GRU", "MinGRU", "Transformer") for _ in range(3)
    ]
    draws = {"GRU(32)": [], "MinGRU(32)": [], "Transformer(32)": []}
    for run in range(args.runs):
        accuracy, _ = train(chapter, 8, 2048, 3, seed=run)
        for k, name in enumerate(draws):
            draws[name].append(accuracy[3 * k : 3 * k + 3])
        print(f"chapter draw {run}: {np.round(accuracy, 3)}", flush=True)

    specs = [("GRU", h) for h in (16, 32, 64)] + [("MinGRU", h) for h in (16, 32, 64)]
    specs.append(("Transformer", 32))
    sweep, params = {}, {}
    for length in args.lengths:
        for seed in range(args.seeds):
            accuracy, counts = train(specs, length, 4096, 8, seed=100 + seed)
            for spec, acc, count in zip(specs, accuracy, counts):
                sweep.setdefault(spec, {}).setdefault(length, []).append(acc)
                params.setdefault(spec, set()).add(count)
            print(
                f"L={length} seed {seed}: {np.round(accuracy, 3)} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        text = report(args, draws, sweep, params, time.perf_counter() - start)
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
