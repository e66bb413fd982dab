"""What the authoring scripts share: the book's config, its notebooks and the Colab
conventions."""

from __future__ import annotations

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"

# Colab opens a notebook on a GPU runtime when its metadata asks for one. Only the
# chapters that use a GPU ask: the others would spend the learner's GPU quota for
# nothing.
GPU_NOTEBOOKS = {"09_convlstm", "10_forecasting", "11_nhanes", "12_fast_rnns"}
NOTEBOOK_METADATA = {
    "colab": {"provenance": []},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
GPU_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}


def notebook_metadata(notebook: pathlib.Path) -> dict:
    """The Colab metadata a notebook should carry: a GPU runtime only where it uses
    one."""
    if notebook.stem in GPU_NOTEBOOKS:
        return {**NOTEBOOK_METADATA, **GPU_METADATA}
    return dict(NOTEBOOK_METADATA)


def load_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_files() -> list[str]:
    """Every file named in _toc.yml (root first), as repo-relative paths without
    suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def notebooks() -> list[pathlib.Path]:
    """The book's notebooks, in table-of-contents order."""
    paths = [ROOT / f"{f}.ipynb" for f in toc_files()]
    return [p for p in paths if p.exists()]


def colab_url(notebook: pathlib.Path, config: dict | None = None) -> str:
    """The 'Open in Colab' URL for a notebook: its own path on the configured branch."""
    repo = (config or load_config())["repository"]
    owner_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    rel = notebook.resolve().relative_to(ROOT).as_posix()
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{repo['branch']}/{rel}"


def badge_markdown(notebook: pathlib.Path, config: dict | None = None) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook, config)})"
