"""The built site (make book writes _build/html; make test builds it first)."""

from __future__ import annotations

import pathlib
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="module")
def pages(toc):
    if not (HTML / "index.html").exists():
        pytest.fail("_build/html is missing: run `make book` (make test does it first)")
    return {f: HTML / f"{f}.html" for f in toc}


def test_every_toc_entry_has_a_page(pages):
    missing = [f for f, page in pages.items() if not page.exists()]
    assert not missing, f"no HTML page for {missing}"


def test_every_local_image_is_present(pages):
    for f, page in pages.items():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for img in soup.find_all("img"):
            src = img.get("src", "")
            if urllib.parse.urlparse(src).scheme in ("http", "https", "data"):
                continue
            target = (page.parent / urllib.parse.unquote(src)).resolve()
            assert target.exists(), f"{f}: image {src} is missing"


def test_notebook_pages_have_launch_and_download_links(pages, config):
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    for f, page in pages.items():
        if not (ROOT / f"{f}.ipynb").exists():
            continue
        links = {
            a.get("href", "")
            for a in BeautifulSoup(page.read_text(), "html.parser").find_all("a")
        }
        colab = (
            f"https://colab.research.google.com/github/{owner_repo}/blob/main/{f}.ipynb"
        )
        binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=tree/{f}.ipynb"
        assert colab in links, f"{f}: no Colab launch link {colab}"
        assert binder in links, f"{f}: no Binder launch link {binder}"
        assert any(
            h.endswith(f"{pathlib.Path(f).name}.ipynb") and "_sources" in h
            for h in links
        ), f"{f}: no .ipynb download"


def page_weight(page: pathlib.Path) -> int:
    """Bytes a reader downloads for a page's own content: the HTML and the local images
    it shows."""
    total = page.stat().st_size
    for img in BeautifulSoup(page.read_text(), "html.parser").find_all("img"):
        src = img.get("src", "")
        if urllib.parse.urlparse(src).scheme in ("http", "https", "data"):
            continue
        total += (page.parent / urllib.parse.unquote(src)).resolve().stat().st_size
    return total


def test_pages_stay_light(pages, book_report):
    weights = {f: page_weight(page) for f, page in pages.items()}
    site = sum(p.stat().st_size for p in HTML.rglob("*") if p.is_file())
    heaviest = max(weights, key=weights.get)
    book_report.lines.append(
        f"site weight: {site / 1e6:.1f} MB in _build/html; heaviest page {heaviest} "
        f"{weights[heaviest] / 1e6:.2f} MB (HTML and its images)"
    )
    too_heavy = {f: round(w / 1e6, 2) for f, w in weights.items() if w > 3_000_000}
    assert not too_heavy, f"pages over 3 MB: {too_heavy}"
