"""Which path each LSTM/GRU call takes, on any backend: loaded into a notebook's kernel
at start-up
(an IPython startup file) by tools/gpu_run.py when $RNN_PATHS_LOG names a file.

A call is one Python-level call of a layer (inside `fit` that is once per trace, not
once per
batch). Its path is
- "cudnn": a cuDNN kernel ran (TensorFlow: `backend.lstm`/`backend.gru` returned, which
  the pinned
  keras/src/backend/tensorflow/rnn.py does only through cuDNN; JAX:
  `jax.experimental.rnn.lstm`
  ran, keras/src/backend/jax/rnn.py; PyTorch: `_cudnn_lstm`/`_cudnn_gru` returned,
  keras/src/backend/torch/rnn.py);
- "fused": the backend's own whole-sequence implementation ran without cuDNN (JAX's GRU
  scan,
  PyTorch's CPU "fallback" kernels);
- "generic": Keras's step-by-step loop (use_cudnn=False, masks on JAX and PyTorch, other
  activations, ...).
Fused bidirectional calls (`backend.bidirectional_lstm`/`_gru`) count as one call of the
wrapper.
This reaches into private Keras internals on purpose: `install()` fails loudly if they
move.
"""

from __future__ import annotations

import functools
import importlib
import json
import os

CUDNN, FUSED, GENERIC = "cudnn", "fused", "generic"


def install(log_path: str) -> None:
    import keras
    from keras.src import backend as kb

    name = keras.backend.backend()
    rnn = importlib.import_module(f"keras.src.backend.{name}.rnn")
    stack: list[dict] = []  # the calls in progress (a Bidirectional wraps two layers)

    def mark(path: str) -> None:  # the innermost call in progress called the backend
        if stack and (stack[-1]["path"] in (None, FUSED) or path == CUDNN):
            stack[-1]["path"] = path

    def entry(real, on_return: str):
        @functools.wraps(real)
        def wrapped(*args, **kwargs):
            out = real(
                *args, **kwargs
            )  # NotImplementedError: Keras falls back to its loop
            mark(on_return)
            return out

        return wrapped

    def cudnn_kernel(real):
        @functools.wraps(real)
        def wrapped(*args, **kwargs):
            out = real(*args, **kwargs)
            mark(CUDNN)
            return out

        return wrapped

    returns = CUDNN if name == "tensorflow" else FUSED
    for fn in ("lstm", "gru", "bidirectional_lstm", "bidirectional_gru"):
        if hasattr(kb, fn):
            if getattr(kb, fn) is not getattr(rnn, fn):
                raise RuntimeError(f"rnn_paths: keras.src.backend.{fn} moved")
            setattr(kb, fn, entry(getattr(rnn, fn), returns))
    if name == "torch":
        for fn in ("_cudnn_lstm", "_cudnn_gru"):
            setattr(rnn, fn, cudnn_kernel(getattr(rnn, fn)))
    if name == "jax":
        jax_rnn = importlib.import_module("jax.experimental.rnn")
        jax_rnn.lstm = cudnn_kernel(jax_rnn.lstm)

    def log_call(layer_name: str, kind: str, real, *args, **kwargs):
        if stack:
            stack[-1]["wraps_logged_calls"] = True
        stack.append({"layer": layer_name, "class": kind, "path": None})
        try:
            return real(*args, **kwargs)
        finally:
            call = stack.pop()
            call["path"] = call["path"] or GENERIC
            with open(log_path, "a") as log:
                log.write(json.dumps(call) + "\n")

    for cls in (keras.layers.LSTM, keras.layers.GRU, keras.layers.Bidirectional):
        method = "call" if cls is keras.layers.Bidirectional else "inner_loop"
        real = getattr(cls, method)

        def make(real=real, kind=cls.__name__):
            @functools.wraps(real)
            def wrapped(self, *args, **kwargs):
                return log_call(self.name, kind, real, self, *args, **kwargs)

            return wrapped

        setattr(cls, method, make())


def summarise(log_path: str) -> dict[str, int]:
    """Counts of calls per path in a log (a Bidirectional call counts only when it ran a
    fused
    kernel itself, not when its two inner layers were logged)."""
    counts = {CUDNN: 0, FUSED: 0, GENERIC: 0}
    if os.path.exists(log_path):
        with open(log_path) as log:
            calls = [json.loads(line) for line in log if line.strip()]
        for call in calls:
            if not call.get("wraps_logged_calls"):
                counts[call["path"]] += 1
    return counts


if os.environ.get("RNN_PATHS_LOG"):
    install(os.environ["RNN_PATHS_LOG"])
