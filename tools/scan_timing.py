"""Chapter 13's training-step timing over more lengths: benchmarks/scan-timing.md.

The chapter (book/13_recurrence_today.ipynb, "What it costs, measured") times one
training step (batch 16, 8 features, Adam) of GRU(32), MinGRU(32) on each path and a
causal self-attention block of about the GRU's size at two lengths, to stay within its
run time. This script times the same four models at more lengths, under the backend
that KERAS_BACKEND names, and rewrites that backend's section of the record. `MinGRU`
comes from tools/recurrence_today.py (the chapter's layer, checked line for line); the
attention block and the timing loop follow the chapter's timing cell: a new model per
length, 2 warm-up steps, then the median of 5 rounds in which each model takes one step
in turn, with XLA for JAX (as `fit` does there) and no compiler elsewhere.

    KERAS_BACKEND=jax python tools/scan_timing.py [--lengths 64 256 1024 4096]
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from benchmark import machine
from bookmeta import ROOT
from recurrence_today import MinGRU

F, H, BATCH, WARM_UP, ROUNDS = 8, 32, 16, 2, 5
OUT = ROOT / "benchmarks" / "scan-timing.md"
TITLE = "# Chapter 13: one training step against the sequence length"


def attention_block(x):
    q = keras.layers.Dense(H)(x)
    att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=H // 2)
    return keras.layers.LayerNormalization()(q + att(q, q, use_causal_mask=True))


BLOCKS = {
    "GRU": lambda x: keras.layers.GRU(H, return_sequences=True)(x),
    "MinGRU-scan": lambda x: MinGRU(H, parallel=False)(x),
    "MinGRU-parallel": lambda x: MinGRU(H, parallel=True)(x),
    "attention": attention_block,
}


def time_steps(length: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median milliseconds per training step, and seconds of the first step (tracing
    and compiling included), of each block at one length."""
    x = np.random.default_rng(length).normal(size=(BATCH, length, F)).astype("float32")
    y = np.zeros((BATCH, 1), "float32")
    models, first_s = {}, {}
    for name, block in BLOCKS.items():
        seq = keras.Input(shape=(length, F))
        models[name] = keras.Model(seq, keras.layers.Dense(1)(block(seq)[:, -1]))
        compile_ = keras.backend.backend() == "jax"
        models[name].compile(optimizer="adam", loss="mse", jit_compile=compile_)
        start = time.perf_counter()
        for _ in range(WARM_UP):
            models[name].train_on_batch(x, y)
            first_s.setdefault(name, time.perf_counter() - start)
    step_ms = {name: [] for name in models}
    for _ in range(ROUNDS):
        for name, model in models.items():
            start = time.perf_counter()
            model.train_on_batch(x, y)
            step_ms[name].append(1000 * (time.perf_counter() - start))
    return {k: float(np.median(v)) for k, v in step_ms.items()}, first_s


def framework() -> str:
    backend = keras.backend.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    name = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[backend]
    return f"{name} {__import__(module).__version__}"


def section(rows: dict[int, tuple[dict, dict]], seconds: float) -> str:
    names = list(BLOCKS)
    lines = [
        f"## {framework()}, Keras {keras.__version__}",
        "",
        f"{datetime.date.today()}, {machine()}; {seconds:.0f} s. Median ms per "
        "training step; the last column is the first step's seconds (tracing and "
        "compiling included) for each model in the same order.",
        "",
        "| T | " + " | ".join(names) + " | parallel / GRU | first step (s) |",
        "|---|" + "---|" * (len(names) + 2),
    ]
    for length, (ms, first) in rows.items():
        ratio = ms["MinGRU-parallel"] / ms["GRU"]
        firsts = ", ".join(f"{first[k]:.1f}" for k in names)
        cells = " | ".join(f"{ms[k]:.1f}" for k in names)
        lines.append(f"| {length} | {cells} | {ratio:.2f} | {firsts} |")
    return "\n".join(lines) + "\n"


def like_the_chapter() -> None:
    """The setup cell's settings that can touch speed on a CPU: deterministic kernels
    on TensorFlow, full-precision matrix products on JAX."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        tf.get_logger().setLevel("ERROR")  # a new model per length: no notices
    elif keras.backend.backend() == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")
    elif keras.backend.backend() == "torch":
        import torch

        torch.use_deterministic_algorithms(True, warn_only=True)


def write(text: str, out: pathlib.Path) -> None:
    """Replace this framework's section of the record (other backends' stay)."""
    old = out.read_text() if out.exists() else ""
    head = old.split("\n## ")[0] if old else ""
    kept = [
        "## " + s
        for s in old.split("\n## ")[1:]
        if not s.startswith(framework().split()[0] + " ")
    ]
    head = head or (
        f"{TITLE}\n\nWritten by `tools/scan_timing.py`, one section per backend: one "
        f"training step (batch {BATCH}, {F} features, Adam, loss on the last step) of "
        f"GRU({H}), MinGRU({H}) on its sequential (`keras.ops.scan`) and parallel "
        f"(`keras.ops.associative_scan`) paths, and a causal self-attention block "
        f"(Dense({H}), 2 heads of {H // 2}, residual, LayerNormalization); a new model "
        f"per length, {WARM_UP} warm-up steps, medians of {ROUNDS} rounds. XLA under "
        "JAX, no compiler on TensorFlow and PyTorch. CPU only.\n"
    )
    sections = sorted([*kept, text.rstrip() + "\n"])
    out.write_text(head.rstrip() + "\n\n" + "\n".join(sections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 256, 1024, 4096])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    like_the_chapter()
    start, rows = time.perf_counter(), {}
    for length in args.lengths:
        rows[length] = time_steps(length)
        print(f"T={length}: {rows[length][0]}", flush=True)
        write(section(rows, time.perf_counter() - start), args.out)
    print(args.out.read_text())


if __name__ == "__main__":
    main()
