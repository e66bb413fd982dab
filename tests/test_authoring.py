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
