"""The built site in a real browser: headless Chromium (Debian's chromium +
chromium-driver) via Selenium.

The site is served from _build/html on localhost. Outside CI the tests skip, saying so,
when Chromium is not installed (`apt-get install chromium chromium-driver`); in CI
(CI=true) a missing browser is a failure, and .ci/run installs it first. Full-page
screenshots of a few pages are saved under _build/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import urllib.parse

import pytest
from conftest import ROOT

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "index.html").exists():
        pytest.fail("_build/html is missing: run `make book` (make test does it first)")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(HTML)
    )

    class QuietHandler(handler.func):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        message = (
            "Chromium is not installed: apt-get install chromium "
            "chromium-driver (.ci/run does this in CI)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def is_external(url: str, site: str) -> bool:
    return not url.startswith(site) and urllib.parse.urlparse(url).scheme in (
        "http",
        "https",
    )


def is_failed_external_load(message: str, site: str) -> bool:
    """A network load of an external resource that failed (this network reaches no other
    host)."""
    source_url = message.split(" ")[0]
    network_failure = "Failed to load resource" in message or "net::ERR_" in message
    return network_failure and is_external(source_url, site)


def page_errors(driver, site: str) -> list[str]:
    """Console errors, except failed network loads of external resources. A script error
    counts wherever the script came from."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
        and not is_failed_external_load(entry["message"], site)
    ]


def test_only_failed_external_loads_are_forgiven():
    site = "http://127.0.0.1:8000"
    assert is_failed_external_load(
        "https://x.org/a.png - Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
        site,
    )
    assert not is_failed_external_load(
        "https://cdn.x.org/a.js 12:3 Uncaught TypeError: y is undefined", site
    )
    assert not is_failed_external_load(
        f"{site}/b.png - Failed to load resource: 404 (File not found)", site
    )


def test_every_page_loads_cleanly_with_its_images(browser, site_url, toc):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for f in toc:
        browser.get(f"{site_url}/{f}.html")
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.currentSrc || i.src, "
            "i.complete, i.naturalWidth]);"
        )
        local = [img for img in images if not is_external(img[0], site_url)]
        broken = [src for src, complete, width in local if not (complete and width > 0)]
        assert not broken, f"{f}: images that did not load: {broken}"
        errors = page_errors(browser, site_url)
        assert not errors, f"{f}: console errors: {errors}"
    for f in (toc[0], toc[1]):
        browser.get(f"{site_url}/{f}.html")
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, min(max(height, 900), 12000))
        browser.save_screenshot(str(SHOTS / (f.replace("/", "_") + ".png")))
    browser.set_window_size(1280, 900)


def test_sidebar_lists_every_page(browser, site_url, toc):
    browser.get(f"{site_url}/{toc[0]}.html")
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('nav.bd-docs-nav a, "
        ".bd-sidebar-primary a'))"
        ".map(a => a.getAttribute('href'));"
    )
    listed = {
        urllib.parse.urlparse(h).path.lstrip("./").removesuffix(".html").split("/")[-1]
        for h in hrefs
        if h
    }
    missing = [f for f in toc[1:] if f.split("/")[-1] not in listed]
    assert not missing, f"sidebar lacks {missing}"


def markdown_mentions(page: str, word: str) -> bool:
    """Whether the prose (markdown cells or a .md page) of a toc page mentions word."""
    md = ROOT / f"{page}.md"
    if md.exists():
        return word in md.read_text()
    cells = json.loads((ROOT / f"{page}.ipynb").read_text())["cells"]
    return any(
        word in "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )


def test_search_finds_return_sequences(browser, site_url, toc):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site_url}/search.html?q=return_sequences")
    # Sphinx lists results one by one, then writes a summary ("Search finished, found N
    # pages ...").
    WebDriverWait(browser, 30).until(
        lambda d: (
            "found"
            in d.execute_script(
                "const s = document.querySelector('#search-results .search-summary'); "
                "return s ? s.textContent : '';"
            )
        )
    )
    results = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results li a')).map(a "
        "=> a.getAttribute('href'));"
    )
    found = {r.split("#")[0].removesuffix(".html") for r in results}
    expected = {f for f in toc if markdown_mentions(f, "return_sequences")}
    assert "book/glossary" in expected, "the glossary defines return_sequences"
    assert expected <= found, f"search for return_sequences misses {expected - found}"


def test_colab_links_open_each_notebook_on_main(browser, site_url, toc, config):
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    for f in toc:
        if not (ROOT / f"{f}.ipynb").exists():
            continue
        browser.get(f"{site_url}/{f}.html")
        hrefs = browser.execute_script(
            "return Array.from(document.querySelectorAll('a')).map(a => a.href);"
        )
        expected = (
            f"https://colab.research.google.com/github/{owner_repo}/blob/main/{f}.ipynb"
        )
        assert expected in hrefs, f"{f}: no link to {expected}"


MATHS_PAGES = [
    "book/02_why_rnns_struggle",
    "book/03_lstm_gru_gates",
    "book/04_h_vs_c",
    "book/09_convlstm",
]


def typeset_maths(driver) -> dict:
    """Wait for MathJax (served from the build) to finish, then count typeset equations
    and errors."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const count = () => done({
            loaded: !!window.MathJax && !!window.MathJax.startup,
            typeset: document.querySelectorAll('mjx-container').length,
            errors: document.querySelectorAll('mjx-merror, .mjx-merror').length,
            source: Array.from(document.scripts).map(s => s.src)
                .filter(s => /mathjax/i.test(s)),
        });
        if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
            MathJax.startup.promise.then(count, count);
        } else { setTimeout(count, 3000); }
    """)


def test_maths_is_typeset_from_the_build_without_errors(browser, site_url):
    browser.set_script_timeout(60)
    for page in MATHS_PAGES:
        browser.get(f"{site_url}/{page}.html")
        maths = typeset_maths(browser)
        assert maths["source"] and all(
            src.startswith(site_url) for src in maths["source"]
        ), maths["source"]
        assert maths["loaded"], f"{page}: MathJax did not load"
        assert maths["typeset"] >= 1, (
            f"{page}: only {maths['typeset']} typeset equations"
        )
        assert maths["errors"] == 0, f"{page}: {maths['errors']} MathJax errors"
        if page == "book/03_lstm_gru_gates":
            SHOTS.mkdir(parents=True, exist_ok=True)
            first = browser.find_element(
                "css selector", "mjx-container[display='true'], mjx-container"
            )
            browser.execute_script(
                "arguments[0].scrollIntoView({block: 'center'});", first
            )
            browser.save_screenshot(str(SHOTS / "03_equations.png"))


PHONE = (390, 844)


def emulate_width(driver, width: int, height: int = 900, mobile: bool = False):
    """Set the viewport through DevTools: a window cannot be made narrower than Chrome's
    minimum (~500 px)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 2 if mobile else 1,
            "mobile": mobile,
        },
    )


def reset_width(driver):
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def layout(driver) -> dict:
    return driver.execute_script("""
        const vw = document.documentElement.clientWidth;
        const wide = Array.from(document.images)
            .filter(i => i.getBoundingClientRect().width > vw + 1)
            .map(i => i.currentSrc || i.src);
        return {vw: vw, page: document.documentElement.scrollWidth, wideImages: wide,
                tables: document.querySelectorAll('article table').length};
    """)


def test_every_page_fits_a_phone(browser, site_url, toc):
    emulate_width(browser, *PHONE, mobile=True)
    try:
        for f in toc:
            browser.get(f"{site_url}/{f}.html")
            seen = layout(browser)
            assert seen["page"] <= seen["vw"] + 1, (
                f"{f}: the page scrolls sideways at 390 px ({seen})"
            )
            assert not seen["wideImages"], (
                f"{f}: figures wider than the screen: {seen['wideImages']}"
            )
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.get(f"{site_url}/book/05_return_sequences_state.html")
        browser.save_screenshot(str(SHOTS / "05_at_390px.png"))
    finally:
        reset_width(browser)


@pytest.mark.parametrize("width", [390, 1366])
def test_cheat_sheet_reads_as_a_table(browser, site_url, width):
    emulate_width(browser, width, mobile=width < 500)
    try:
        browser.get(f"{site_url}/book/shape_cheatsheet.html")
        seen = layout(browser)
        assert seen["tables"] >= 1, "the cheat sheet is rendered as an HTML table"
        assert seen["page"] <= seen["vw"] + 1, (
            f"the cheat sheet page scrolls sideways at {width} px"
        )
        height = browser.execute_script("return document.documentElement.scrollHeight")
        emulate_width(browser, width, min(max(height, 900), 12000), mobile=width < 500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SHOTS / f"shape_cheatsheet_{width}px.png"))
    finally:
        reset_width(browser)
