"""The first code cell of every notebook: one idiom for picking the backend, seeding and
switching off TF32, so that every chapter runs unchanged on TensorFlow, JAX and PyTorch.

A chapter keeps only two things of its own in that cell: its imports (standard library
and packages other than Keras and the backends) and its seed. `make badges` rewrites the
cell from those two; tests/test_notebooks.py checks that every notebook's cell is
exactly what this module would write.
"""

from __future__ import annotations

import ast
import re
import sys

BACKEND_MODULES = {"os", "keras", "tensorflow", "jax", "torch"}
SEED = re.compile(r"keras\.utils\.set_random_seed\((\d+)\)")

BACKEND_BLOCK = """\
# Pick the backend before Keras is imported: "tensorflow" (default), "jax" or "torch".
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # no TensorFlow C++ start-up notices
import keras

keras.utils.set_random_seed(SEED)
BACKEND = keras.backend.backend()
# Full float32 matrix products on every backend (TF32 off on Ampere-or-newer GPUs,
# chapter 12) and deterministic kernels on CPU, so that exact checks hold everywhere.
if BACKEND == "tensorflow":
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)
    GPU = bool(tf.config.list_physical_devices("GPU"))
    if not GPU:
        tf.config.experimental.enable_op_determinism()
    FRAMEWORK = f"TensorFlow {tf.__version__}"
elif BACKEND == "jax":
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")
    GPU = jax.default_backend() == "gpu"  # JAX's CPU kernels are deterministic
    FRAMEWORK = f"JAX {jax.__version__}"
elif BACKEND == "torch":
    import torch

    if hasattr(torch.backends.cudnn, "fp32_precision"):  # PyTorch 2.9 or newer
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        torch.backends.cudnn.conv.fp32_precision = "ieee"  # each cuDNN operation has
        torch.backends.cudnn.rnn.fp32_precision = "ieee"  # its own, "tf32" by default
    else:  # the older switches, which newer PyTorch calls legacy
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    GPU = torch.cuda.is_available()
    if not GPU:
        torch.use_deterministic_algorithms(True, warn_only=True)
    FRAMEWORK = f"PyTorch {torch.__version__}"
else:
    raise ValueError(f"this book runs on tensorflow, jax or torch, not {BACKEND}")
print(f"Keras {keras.__version__} on {FRAMEWORK}, device: {'GPU' if GPU else 'CPU'}")"""

PRINTED = re.compile(r"Keras \S+ on (TensorFlow|JAX|PyTorch) \S+, device: (CPU|GPU)")
FOLD = {
    "code_prompt_show": "Setup: Keras backend, seeds, determinism, TF32 off",
    "code_prompt_hide": "Hide the setup code",
}


def chapter_imports(source: str) -> list[str]:
    """The cell's own import lines, other than os, Keras and the backends, in isort
    order."""
    lines = []
    head = source.split("# Pick the backend")[0]  # the imports come first
    for node in ast.parse(head).body:
        if isinstance(node, ast.Import):
            lines += [
                ast.unparse(ast.Import(names=[a]))
                for a in node.names
                if a.name.split(".")[0] not in BACKEND_MODULES
            ]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module.split(".")[0] not in BACKEND_MODULES
        ):
            lines.append(ast.unparse(node))
    return lines


def is_stdlib(line: str) -> bool:
    return line.split()[1].split(".")[0] in sys.stdlib_module_names


def setup_source(imports: list[str], seed: int) -> str:
    """The whole setup cell for a chapter with these imports and this seed."""

    def ordered(group):
        return sorted(
            set(group), key=lambda s: (s.startswith("from "), s.split()[1].lower())
        )

    stdlib = ordered(["import os"] + [i for i in imports if is_stdlib(i)])
    third_party = ordered([i for i in imports if not is_stdlib(i)])
    head = "\n".join(stdlib) + ("\n\n" + "\n".join(third_party) if third_party else "")
    return head + "\n\n" + BACKEND_BLOCK.replace("SEED", str(seed), 1)


def expected_setup(source: str) -> str:
    """What the setup cell should read, given the imports and seed it has now."""
    seeds = SEED.findall(source)
    return setup_source(chapter_imports(source), int(seeds[0]) if seeds else 7)


def is_setup_cell(source: str) -> bool:
    """Whether a cell is (an older or newer version of) the book's setup cell."""
    return "KERAS_BACKEND" in source and "set_random_seed" in source


def refresh_setup_cell(nb) -> bool:
    """Rewrite the setup cell and its fold; True when something changed. A notebook
    whose first code cell is its author's own (a new chapter) gets a setup cell
    inserted before it, and keeps that cell."""
    import nbformat

    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first is None or not is_setup_cell(first.source):
        setup = nbformat.v4.new_code_cell(setup_source([], 7))
        at = nb.cells.index(first) if first is not None else len(nb.cells)
        nb.cells.insert(at, setup)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    new = expected_setup(setup.source)
    tags = setup.metadata.setdefault("tags", [])
    changed = (
        new != setup.source
        or "hide-input" not in tags
        or setup.metadata.get("mystnb") != FOLD
    )
    setup.source = new
    if "hide-input" not in tags:
        tags.append("hide-input")
    setup.metadata["mystnb"] = dict(FOLD)
    return changed
