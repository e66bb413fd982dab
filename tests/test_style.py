"""ruff format and ruff check (ruff.toml: 88 columns, pycodestyle, pyflakes, import
order) on the notebooks, tools and tests: code fits the site's code column and Colab."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

RUFF = [sys.executable, "-m", "ruff"]


def test_ruff_format_leaves_everything_as_it_is():
    done = subprocess.run(
        RUFF + ["format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_check_finds_nothing():
    done = subprocess.run(
        RUFF + ["check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
