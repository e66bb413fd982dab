"""The contributor path: what the authoring tools do to a new chapter."""

from __future__ import annotations

import nbformat
from setup_cell import is_setup_cell, refresh_setup_cell


def test_a_new_chapter_keeps_its_first_cell_and_gets_the_setup_cell_before_it():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A new chapter"),
        nbformat.v4.new_code_cell("import numpy as np\n\nx = np.zeros((2, 3, 4))"),
    ]
    assert refresh_setup_cell(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 2 and is_setup_cell(code[0])
    assert code[1] == "import numpy as np\n\nx = np.zeros((2, 3, 4))"
    assert not refresh_setup_cell(nb), "a second refresh changes nothing"
    assert len(nb.cells) == 3


def test_an_existing_setup_cell_is_rewritten_in_place():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os\nimport numpy as np\n"
            'os.environ.setdefault("KERAS_BACKEND", "jax")\n'
            "keras.utils.set_random_seed(3)"
        ),
        nbformat.v4.new_code_cell("print(1)"),
    ]
    refresh_setup_cell(nb)
    assert len(nb.cells) == 2
    assert "keras.utils.set_random_seed(3)" in nb.cells[0].source
    assert "import numpy as np" in nb.cells[0].source


def definitions(source: str) -> dict[str, str]:
    """Top-level function and class name -> its source, from Python code."""
    import ast

    tree = ast.parse(source)
    return {
        node.name: ast.get_source_segment(source, node)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def test_the_sweeps_run_chapter_13s_layer_as_the_chapter_defines_it():
    """tools/recurrence_today.py copies the chapter's `compose` and `MinGRU` for the
    sweep scripts; a change to either side must reach the other."""
    import pathlib

    tools = pathlib.Path(__file__).parents[1] / "tools"
    mirror = (tools / "recurrence_today.py").read_text()
    nb = nbformat.read(tools.parent / "book" / "13_recurrence_today.ipynb", 4)
    chapter = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.startswith("%"):
            chapter.update(definitions(cell.source))
    copied = definitions(mirror)
    names = ("compose", "MinGRU")
    assert set(names) <= set(copied), "tools/recurrence_today.py lost a definition"
    for name in names:
        assert copied[name] == chapter.get(name), f"{name} differs from chapter 13's"
