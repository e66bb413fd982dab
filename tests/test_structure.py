"""The repository's layout, configuration and commands."""

from __future__ import annotations

import re
import subprocess

from conftest import ALL_NOTEBOOKS, BOOK, ROOT


def test_toc_and_book_notebooks_are_one_to_one(toc):
    listed = {f for f in toc if (ROOT / f"{f}.ipynb").exists()}
    present = {p.relative_to(ROOT).with_suffix("").as_posix() for p in ALL_NOTEBOOKS}
    assert present == listed, (
        f"in book/ but not in _toc.yml: {present - listed}; listed but missing: "
        f"{listed - present}"
    )
    missing = [
        f
        for f in toc
        if not any((ROOT / f"{f}{ext}").exists() for ext in (".ipynb", ".md"))
    ]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"
    assert all(f.startswith("book/") for f in toc), "every page lives in book/"


def test_config_serves_stored_outputs_and_launch_links(config):
    assert (
        config["execute"]["execute_notebooks"] == "off"
    )  # the string, not YAML's false
    assert config["only_build_toc_files"] is True
    repo = config["repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"])
    assert repo["branch"] == "main"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["html"]["use_repository_button"] is True


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^\s*(make \w+)\s*$", readme, flags=re.M)
    assert "make book" in commands and "make test" in commands, (
        "README must show `make book` and `make test`"
    )
    ci_lines = [
        ln.strip()
        for ln in (ROOT / ".ci/run").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert "make test" in ci_lines, (
        ".ci/run must call exactly the README's test command"
    )


def test_no_build_outputs_or_environments_are_tracked():
    result = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        return  # not a git checkout (e.g. an unpacked archive): nothing is tracked
    bad = [
        f
        for f in result.stdout.splitlines()
        if re.match(r"(_build|\.venv|.*__pycache__|.*\.ipynb_checkpoints)/", f)
    ]
    assert not bad, f"build outputs or environments are committed: {bad[:5]}"


def test_book_stays_within_size_budget():
    total = sum(p.stat().st_size for p in BOOK.rglob("*") if p.is_file())
    assert total < 15_000_000, f"book/ is {total / 1e6:.1f} MB (budget 15 MB)"


def test_repository_files_the_book_names_exist():
    """A record or script the prose points a reader to (`benchmarks/...`,
    `tools/...`) is in the repository."""
    import json

    named = set()
    for path in ALL_NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                named |= set(re.findall(r"`((?:benchmarks|tools)/[\w./-]+)`", text))
    # written by `make gpu-run` on a GPU; tests/test_backends.py skips until then
    to_come = {"benchmarks/gpu.md"}
    missing = sorted(n for n in named - to_come if not (ROOT / n).exists())
    assert named and not missing, (
        f"named in the book but not in the repository: {missing}"
    )
