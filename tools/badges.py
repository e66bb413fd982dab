"""Refresh the 'Open in Colab' badge, the Colab metadata and the folded setup cell of
every notebook.

Usage: python tools/badges.py [--check] The badge is the line of the first markdown cell
that starts with '[![Open In Colab]'; it is added after the title when missing. With
--check nothing is written and the exit code says whether any notebook was out of date.

The first code cell (backend, seeds, determinism, TF32) is the same boilerplate on every
page (tools/setup_cell.py writes it): on the site it is folded behind one line that says
what it does, while its printed versions and device stay visible.
"""

from __future__ import annotations

import sys

import nbformat
from bookmeta import badge_markdown, load_config, notebook_metadata, notebooks
from setup_cell import refresh_setup_cell

BADGE_PREFIX = "[![Open In Colab]"


def refresh(nb, path, config) -> bool:
    """Put the right badge and metadata into nb; return True when something changed."""
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    title, *rest = first_md.source.split("\n")
    body = [line for line in rest if not line.startswith(BADGE_PREFIX)]
    while body and not body[0].strip():
        body.pop(0)
    new_source = "\n".join(
        [title, "", badge_markdown(path, config), "", *body]
    ).rstrip()
    changed = new_source != first_md.source
    first_md.source = new_source
    wanted = notebook_metadata(path)
    if "accelerator" not in wanted and "accelerator" in nb.metadata:
        del nb.metadata["accelerator"]
        changed = True
    for key, value in wanted.items():
        if key == "language_info":
            if nb.metadata.get(key, {}).get("name") != "python":
                nb.metadata[key] = dict(nb.metadata.get(key, {}), name="python")
                changed = True
        elif nb.metadata.get(key) != value:
            nb.metadata[key] = value
            changed = True
    return refresh_setup_cell(nb) or changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    config = load_config()
    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        if refresh(nb, path, config):
            stale.append(path)
            if not check:
                nbformat.write(nb, path)
    for path in stale:
        print(
            ("out of date: " if check else "refreshed: ")
            + str(path.relative_to(path.parents[1]))
        )
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
