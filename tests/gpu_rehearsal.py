"""GPU dress rehearsal: make Keras's TensorFlow backend behave, on a CPU, as it would
with a GPU present.

Loaded into a notebook's kernel at start-up (IPython startup file, see
tests/test_gpu_rehearsal.py). It reaches into private Keras internals on purpose: this
is test code, pinned with the environment, and `install()` fails loudly if those
internals move.

What changes, and why it is faithful (pinned Keras 3.15.1,
keras/src/backend/tensorflow/rnn.py): - `_is_gpu_available()` returns True, so
`cudnn_ok()` answers as on a GPU, and every eligible LSTM/GRU gets `supports_jit =
False` at construction, as on a GPU (keras/src/layers/rnn/lstm.py, gru.py). -
`backend.lstm` / `backend.gru` (the cuDNN entry points) run Keras's own argument check
(`cudnn_ok`) and Keras's own mask check (`_assert_valid_mask`). In eager mode a bad mask
raises InvalidArgumentError, which the real entry point turns into NotImplementedError
(a silent fallback); inside a `tf.function` (fit, predict, evaluate) the `tf.Assert` op
stays in the graph and stops the run, as on a GPU. - Then they raise
NotImplementedError, so the layer computes with the generic implementation and the
outputs stay correct on a CPU. - Each LSTM/GRU call is recorded, with the path a GPU
would take and the notebook cells that built (in Keras's sense: gave it weights) and
called the layer, as one JSON line in the file named by $GPU_REHEARSAL_LOG.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os

PATH_CUDNN = "cudnn"
INSTALLED = "gpu rehearsal installed"


class CellCounter:
    """Counts the notebook cells run so far, from IPython's pre_run_cell event (1 for
    the first code cell)."""

    def __init__(self):
        self.number = None
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - always there in a kernel
            return
        shell = get_ipython()
        if shell is not None:
            shell.events.register("pre_run_cell", self.next_cell)

    def next_cell(self, info=None):
        self.number = (self.number or 0) + 1


def install(log_path: str) -> None:
    import tensorflow as tf
    from keras import layers
    from keras.src import backend

    # the package re-exports the function `rnn` under the submodule's name: import the
    # module itself
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    needed = ("_is_gpu_available", "_assert_valid_mask", "cudnn_ok", "lstm", "gru")
    missing = [name for name in needed if not hasattr(tf_rnn, name)]
    if missing or backend.lstm is not tf_rnn.lstm or backend.gru is not tf_rnn.gru:
        raise RuntimeError(
            f"GPU rehearsal: Keras internals moved ({missing or 'backend.lstm/gru'}); "
            "update tests/gpu_rehearsal.py"
        )

    cells = CellCounter()
    current: list[
        dict
    ] = []  # the record of the LSTM/GRU call in progress (a stack: layers can nest)

    def set_path(path: str) -> None:
        if current and current[-1]["path"] is None:
            current[-1]["path"] = path

    def entry_point(real, reset_after_arg: bool):
        signature = inspect.signature(real)

        @functools.wraps(real)
        def rehearse(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            extra = {"reset_after": a["reset_after"]} if reset_after_arg else {}
            if not tf_rnn.cudnn_ok(
                a["activation"],
                a["recurrent_activation"],
                a["unroll"],
                use_bias=a["bias"] is not None,
                **extra,
            ):
                set_path("generic: arguments")
                raise NotImplementedError
            if a["mask"] is not None:
                try:
                    tf_rnn._assert_valid_mask(
                        a["mask"]
                    )  # graph mode: an op that fails at run time
                except (
                    tf.errors.InvalidArgumentError
                ):  # eager mode: the real entry point falls back
                    set_path("generic: mask not right-padded (eager fallback)")
                    raise NotImplementedError
            set_path(PATH_CUDNN)
            raise NotImplementedError  # compute with the generic implementation

        return rehearse

    def recorded(cls):
        real_build, real_loop = cls.build, cls.inner_loop

        @functools.wraps(
            real_build
        )  # keeps the signature Keras inspects (via __wrapped__)
        def build(self, *args, **kwargs):
            self._rehearsal_built_in_cell = cells.number
            return real_build(self, *args, **kwargs)

        @functools.wraps(real_loop)
        def inner_loop(self, *args, **kwargs):
            record = {
                "layer": self.name,
                "class": cls.__name__,
                "path": None,
                "built_in_cell": getattr(self, "_rehearsal_built_in_cell", None),
                "called_in_cell": cells.number,
            }
            current.append(record)
            asked_for_cudnn = self.use_cudnn is True
            if asked_for_cudnn:
                # the generic fallback below must not trip use_cudnn=True's error
                self.use_cudnn = "auto"
            try:
                out = real_loop(self, *args, **kwargs)
            except (
                Exception
            ) as err:  # a call that fails (on purpose, in a teaching cell) took no path
                record["path"] = f"error: {type(err).__name__}"
                raise
            finally:
                current.pop()
                self.use_cudnn = True if asked_for_cudnn else self.use_cudnn
                if record["path"] is None:
                    record["path"] = (
                        "generic: use_cudnn=False"
                        if self.use_cudnn is False
                        else "generic: recurrent_dropout"
                        if self.recurrent_dropout
                        else "generic: unknown reason"
                    )
                with open(log_path, "a") as log:
                    log.write(json.dumps(record) + "\n")
            if asked_for_cudnn and record["path"] != PATH_CUDNN:
                raise ValueError(
                    "use_cudnn=True was specified, but cuDNN is not supported for "
                    "this layer "
                    "configuration (GPU rehearsal)"
                )
            return out

        cls.build, cls.inner_loop = build, inner_loop

    tf_rnn._is_gpu_available = lambda: True
    backend.lstm = tf_rnn.lstm = entry_point(tf_rnn.lstm, reset_after_arg=False)
    backend.gru = tf_rnn.gru = entry_point(tf_rnn.gru, reset_after_arg=True)
    recorded(layers.LSTM)
    recorded(layers.GRU)
    with open(log_path, "a") as log:
        log.write(json.dumps({"installed": INSTALLED}) + "\n")


if os.environ.get("GPU_REHEARSAL_LOG"):
    install(os.environ["GPU_REHEARSAL_LOG"])
