"""Every LSTM/GRU the notebooks build can use the fused cuDNN kernel on a GPU, unless
its cell says why not.

Keras 3 picks the cuDNN kernel silently (it no longer warns when it cannot): it needs
activation="tanh", recurrent_activation="sigmoid", recurrent_dropout=0, unroll=False,
use_bias=True, GRU reset_after=True, use_cudnn not False, and no cell wrapped in
keras.layers.RNN. The check reads the code of every code cell. A cell that builds a
non-eligible layer on purpose carries the tag `cudnn-not-eligible`, with the reason in
its metadata (`cudnn_not_eligible`, tools/celltags.py), so that no marker comment sits
in the code a learner reads. Masks that are not right-padded also rule cuDNN out; they
depend on data, so the GPU dress rehearsal (tests/test_gpu_rehearsal.py) checks them
while it executes every notebook.
"""

from __future__ import annotations

import ast

import pytest
from celltags import CUDNN_OFF, CUDNN_WHY, cudnn_reason, tags
from conftest import parse_cell

ELIGIBLE = {  # keyword: the values that keep a layer cuDNN-eligible
    "activation": {"tanh"},
    "recurrent_activation": {"sigmoid"},
    "recurrent_dropout": {0, 0.0},
    "unroll": {False},
    "use_bias": {True},
    "use_cudnn": {"auto", True},
}
GRU_ONLY = {"reset_after": {True}}


def call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def problems_in(code: str) -> list[str]:
    """Why each LSTM/GRU built in `code` may not be cuDNN-eligible (empty when all
    are)."""
    found = []
    for node in ast.walk(parse_cell(code)):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if name == "RNN" and any(
            isinstance(a, ast.Call) and call_name(a) in ("LSTMCell", "GRUCell")
            for a in [*node.args, *(k.value for k in node.keywords)]
        ):
            found.append(f"line {node.lineno}: RNN(...Cell) never uses cuDNN")
        if name not in ("LSTM", "GRU"):
            continue
        rules = {**ELIGIBLE, **(GRU_ONLY if name == "GRU" else {})}
        for kw in node.keywords:
            if kw.arg is None:
                found.append(f"line {node.lineno}: {name}(**kwargs) cannot be checked")
            elif kw.arg in rules:
                try:
                    value = ast.literal_eval(kw.value)
                except ValueError:
                    found.append(
                        f"line {node.lineno}: {name}({kw.arg}=<expression>) cannot be "
                        "checked"
                    )
                    continue
                if value not in rules[kw.arg]:
                    found.append(f"line {node.lineno}: {name}({kw.arg}={value!r})")
    return found


def test_recurrent_layers_are_cudnn_eligible_or_say_why(notebook):
    path, nb = notebook
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        code = "".join(cell["source"])
        assert "# cudnn:" not in code, (
            f"{path}, code cell {i}: the cuDNN marker is a tag ({CUDNN_OFF}), not a "
            "comment"
        )
        problems = problems_in(code)
        if problems and CUDNN_OFF not in tags(cell):
            pytest.fail(
                f"{path}, code cell {i}: not cuDNN-eligible: {problems}. Fix it, or "
                f"tag the cell {CUDNN_OFF} and say why in metadata.{CUDNN_WHY}."
            )
        if CUDNN_OFF in tags(cell):
            assert cudnn_reason(cell), (
                f"{path}, code cell {i}: say why in metadata.{CUDNN_WHY}"
            )


@pytest.mark.parametrize(
    "code, expected",
    [
        ("keras.layers.LSTM(8)", []),
        ("keras.layers.GRU(8, return_sequences=True, dropout=0.2)", []),
        (
            "layers.LSTM(8, recurrent_dropout=0.1)",
            ["line 1: LSTM(recurrent_dropout=0.1)"],
        ),
        ("LSTM(8, activation='relu')", ["line 1: LSTM(activation='relu')"]),
        ("keras.layers.GRU(8, reset_after=False)", ["line 1: GRU(reset_after=False)"]),
        (
            "keras.layers.LSTM(8, reset_after=False)",
            [],
        ),  # not an LSTM argument: nothing to say about cuDNN
        (
            "keras.layers.LSTM(8, unroll=flag)",
            ["line 1: LSTM(unroll=<expression>) cannot be checked"],
        ),
        (
            "keras.layers.Bidirectional(keras.layers.LSTM(8, use_bias=False))",
            ["line 1: LSTM(use_bias=False)"],
        ),
        (
            "keras.layers.RNN(keras.layers.LSTMCell(8))",
            ["line 1: RNN(...Cell) never uses cuDNN"],
        ),
    ],
)
def test_the_checker_itself(code, expected):
    assert problems_in(code) == expected
