"""Chapter 12's `cudnn_blockers` helper agrees with what Keras itself does,
configuration by configuration.

The chapter teaches through public APIs only; this cross-check needs Keras internals, so
it lives here. It runs the chapter's setup, helper and configuration cells in a kernel
under the GPU rehearsal, calls every configured layer once, and compares: - the helper's
argument verdict with Keras's private `_do_lstm/gru_arguments_support_cudnn`; - the
helper's eligibility verdict with the path Keras takes when it believes a GPU is
present; - the chapter's XLA claim: on a GPU a layer refuses XLA (`supports_jit` False)
exactly when its arguments pass cuDNN's check and `use_cudnn` is not False, so
`recurrent_dropout` gets neither cuDNN nor XLA.
"""

from __future__ import annotations

import json

import nbformat
from conftest import BOOK
from test_gpu_rehearsal import rehearse

CHAPTER = BOOK / "12_fast_rnns.ipynb"
CHECK = """\
import importlib, json
keras_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")


def keras_arguments_ok(layer):
    if isinstance(layer, keras.layers.GRU):
        return bool(keras_rnn._do_gru_arguments_support_cudnn(
            layer.activation, layer.recurrent_activation, layer.unroll, layer.use_bias,
            layer.reset_after))
    return bool(keras_rnn._do_lstm_arguments_support_cudnn(
        layer.activation, layer.recurrent_activation, layer.unroll, layer.use_bias))


verdicts = []
for label, make in configurations.items():
    layer = make()
    verdicts.append({"label": label, "helper_args_ok": not argument_blockers(layer),
                     "keras_args_ok": keras_arguments_ok(layer),
                     "helper_eligible": not cudnn_blockers(layer),
                     "use_cudnn": str(layer.use_cudnn),
                     "supports_jit": layer.supports_jit})
    layer(np.zeros((2, 5, 3), dtype="float32"))
print(json.dumps(verdicts))
"""


def chapter_cells_defining(*names: str) -> list:
    nb = nbformat.read(CHAPTER, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    picked = [code[0]]  # the setup cell
    for name in names:
        picked.append(next(c for c in code if name in c.source))
    return [nbformat.v4.new_code_cell(c.source) for c in picked]


def test_helper_matches_keras_on_every_configuration(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = chapter_cells_defining("def cudnn_blockers", "configurations = {") + [
        nbformat.v4.new_code_cell(CHECK)
    ]
    calls = rehearse(nb, tmp_path)
    verdicts = json.loads(nb.cells[-1].outputs[0]["text"])
    assert len(verdicts) == len(calls) >= 10, (
        "one recorded LSTM/GRU call per configuration"
    )
    for verdict, call in zip(verdicts, calls):
        label = verdict["label"]
        assert verdict["helper_args_ok"] == verdict["keras_args_ok"], label
        assert verdict["helper_eligible"] == (call["path"] == "cudnn"), (
            label,
            call["path"],
        )
        refuses_xla = verdict["keras_args_ok"] and verdict["use_cudnn"] != "False"
        assert verdict["supports_jit"] == (not refuses_xla), label
    by_label = {v["label"]: (v, c) for v, c in zip(verdicts, calls)}
    dropout, dropout_call = by_label["LSTM(32, recurrent_dropout=0.2)"]
    assert (
        dropout_call["path"] != "cudnn" and dropout["supports_jit"] is False
    )  # neither cuDNN nor XLA
    assert (
        by_label["LSTM(32, use_cudnn=False)"][0]["supports_jit"] is True
    )  # the way to XLA on a GPU
