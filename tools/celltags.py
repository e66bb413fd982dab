"""What a cell's metadata says to the tools and tests: one reader for every tag the book
uses, so that no directive needs a visible comment in the code a learner reads.

- `nbval-ignore-output`: nbval does not compare the output (noisy numbers); an `assert`
  in the cell or the next one states the claim (tests/test_notebooks.py).
- `raises-exception`: the cell must raise (nbval, Colab and every runner honour it).
- `cudnn-not-eligible`, with the reason in `metadata.cudnn_not_eligible`: the cell
  builds or calls an LSTM/GRU off the cuDNN path on purpose (tests/test_gpu_readiness.py
  and the GPU dress rehearsal read it).
- `record`: what the cell prints is kept in the benchmark records (chapter 12).
- `hide-input`, `hide-cell`, `hide-output`: folded on the site; `metadata.mystnb`
  `code_prompt_show` is the fold's label.

No tag changes what runs: every runner executes every cell under every backend, as
Colab's Run all does.
"""

from __future__ import annotations

IGNORE_OUTPUT = "nbval-ignore-output"
RAISES = "raises-exception"
CUDNN_OFF = "cudnn-not-eligible"
CUDNN_WHY = "cudnn_not_eligible"
RECORD = "record"
FOLDS = ("hide-input", "hide-cell", "hide-output")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def cudnn_reason(cell) -> str:
    """Why the cell is off the cuDNN path on purpose ('' when it does not say)."""
    if CUDNN_OFF not in tags(cell):
        return ""
    return str(cell.get("metadata", {}).get(CUDNN_WHY, "")).strip()


def fold_label(cell) -> str:
    """The label of a folded cell on the site ('' when not folded, or unlabelled)."""
    if not set(FOLDS) & set(tags(cell)):
        return ""
    return str(cell.get("metadata", {}).get("mystnb", {}).get("code_prompt_show", ""))
