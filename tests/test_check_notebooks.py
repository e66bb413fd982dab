"""tools/check_notebooks.py (make test-oldest): what it counts as a failure, and the
skip for newer features."""

from __future__ import annotations

import nbformat
from check_notebooks import check, unmet_need


def notebook(title: str, *code: str, tags=()):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(title)]
    nb.cells += [
        nbformat.v4.new_code_cell(c, metadata={"tags": list(tags)}) for c in code
    ]
    return nb


def test_a_chapter_can_ask_for_a_newer_keras():
    assert (
        unmet_need(notebook("# T\n\n**Needs Keras 99.0 or newer** (for X)"))
        == "needs Keras 99.0"
    )
    assert unmet_need(notebook("# T\n\n**Needs Keras 3.0 or newer**")) is None
    assert unmet_need(notebook("# T")) is None


def test_failures_are_failing_asserts_and_tagged_cells_that_do_not_raise(tmp_path):
    cases = {
        "ok.ipynb": notebook(
            "# ok", "x = 1\nassert x == 1", "raise ValueError('on purpose')", tags=()
        ),
        "assert.ipynb": notebook("# a", "assert 1 == 2, 'claim broken'"),
        "silent.ipynb": notebook("# s", "y = 2", tags=("raises-exception",)),
    }
    cases["ok.ipynb"].cells[2].metadata["tags"] = ["raises-exception"]
    results = {}
    for name, nb in cases.items():
        nbformat.write(nb, tmp_path / name)
        results[name] = check(tmp_path / name)[0]
    assert results["ok.ipynb"] == "ok"
    assert (
        results["assert.ipynb"].startswith("FAILED")
        and "claim broken" in results["assert.ipynb"]
    )
    assert (
        results["silent.ipynb"]
        == "FAILED: cells [1] are tagged raises-exception but did not raise"
    )
