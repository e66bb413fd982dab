"""What publishing needs: valid GitHub workflows, a valid CITATION.cff that follows
repository.url, the licences, and a Makefile that refuses the wrong Python. Validated
offline with check-jsonschema's vendored schemas."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

CHECK_JSONSCHEMA = [sys.executable, "-m", "check_jsonschema"]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def validate(schema: str, *files) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CHECK_JSONSCHEMA, "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
    )


def test_workflows_validate_against_the_github_schema():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "deploy.yml"}
    result = validate("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n"
    )
    assert validate("vendor.github-workflows", broken).returncode != 0


def test_ci_workflow_runs_the_ci_script_and_keeps_screenshots():
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = ci["jobs"]["test"]["steps"]
    assert any(s.get("run") == "bash .ci/run" for s in steps)
    assert any(s.get("with", {}).get("path") == "_build/screenshots/" for s in steps)
    assert any(s.get("with", {}).get("cache") == "pip" for s in steps)


def test_deploy_workflow_publishes_the_built_site_from_main():
    deploy = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())
    on = (
        deploy[True] if True in deploy else deploy["on"]
    )  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    uses = [s.get("uses", "") for job in deploy["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    build = deploy["jobs"]["build"]["steps"]
    assert any(s.get("with", {}).get("path") == "_build/html" for s in build)


def test_citation_validates_and_follows_repository_url(config):
    result = validate("vendor.citation-file-format", ROOT / "CITATION.cff")
    assert result.returncode == 0, result.stdout + result.stderr
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    home = config["repository"]["url"]
    owner, name = home.removeprefix("https://github.com/").split("/")
    assert citation["repository-code"] == home, (
        "CITATION.cff must follow repository.url in _config.yml"
    )
    assert citation["url"] == f"https://{owner}.github.io/{name}/"


def test_licences_are_stated():
    licence = (ROOT / "LICENSE").read_text()
    assert "MIT License" in licence and "CC BY 4.0" in licence
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "CC BY 4.0" in readme


@pytest.mark.parametrize(
    "version, ok", [("3.11.7", True), ("3.11.2", False), ("3.12.1", False)]
)
def test_make_checks_the_python_version(tmp_path, version, ok):
    fake = tmp_path / "python"
    fake.write_text(
        f'#!/bin/sh\nexec {sys.executable} -c \'import sys; v = "{version}"; '
        'print("Python", v) if sys.argv[1:] == ["--version"] else '
        'sys.exit(not (3, 11, 5) <= tuple(map(int, v.split("."))) < (3, 12))\' "$@"\n'
    )
    fake.chmod(0o755)
    result = subprocess.run(
        ["make", "-s", "python-check", f"PYTHON={fake}", f"VENV={tmp_path / 'none'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    if not ok:
        assert "needs Python 3.11" in result.stdout
