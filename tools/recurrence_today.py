"""Chapter 13's minGRU layer, for the scripts that sweep the chapter's measurements
(tools/copy_sweep.py, tools/scan_timing.py): a notebook cannot import tools/, nor a tool
a notebook, so `compose` and `MinGRU` are copied here from the chapter's cells
(book/13_recurrence_today.ipynb); tests/test_authoring.py checks that they stay the
same, line for line.
"""

from __future__ import annotations

import keras


def compose(first, second):
    """One step (a1, b1), then (a2, b2): the step (a1 * a2, a2 * b1 + b2)."""
    a1, b1 = first
    a2, b2 = second
    return a1 * a2, a2 * b1 + b2


class MinGRU(keras.layers.Layer):
    """minGRU (Feng et al. 2024): gates read x(t) only; returns every step (B, T, H)."""

    def __init__(self, units, parallel=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.parallel = units, parallel
        init = keras.initializers.GlorotUniform(seed)
        keep = keras.initializers.Constant(-3.0)  # z = 0.05: start by keeping h(t-1)
        self.gate = keras.layers.Dense(
            units, "sigmoid", kernel_initializer=init, bias_initializer=keep
        )
        self.candidate = keras.layers.Dense(units, kernel_initializer=init)

    def build(self, input_shape):
        self.gate.build(input_shape)
        self.candidate.build(input_shape)

    def call(self, x):
        z = self.gate(x)
        a, b = 1.0 - z, z * self.candidate(x)  # h(t) = a(t) * h(t-1) + b(t), h(0) = 0
        if self.parallel:
            _, h = keras.ops.associative_scan(compose, (a, b), axis=1)
            return keras.ops.reshape(h, keras.ops.shape(b))  # static shape for TF
        a, b = keras.ops.moveaxis(a, 1, 0), keras.ops.moveaxis(b, 1, 0)  # time first

        def step(h, ab):
            h = ab[0] * h + ab[1]
            return h, h  # the new carry, and this step's output

        _, h = keras.ops.scan(step, keras.ops.zeros_like(b[0]), (a, b))
        return keras.ops.moveaxis(h, 0, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)
