"""How long each page of the built site is, in screens, as a learner sees it.

Usage: python tools/screens.py [_build/html] [page ...]   (pages as book/04_h_vs_c)

Serves the built site on localhost, opens every page of the table of contents in
headless Chromium (Debian's chromium and chromium-driver) at 1366x900 with every fold
closed, and prints its height in desktop screens (page height / 900), the same at a
390x844 phone, and what a reader should never see: a fold labelled "Show code cell
...", a visible `NBVAL_` directive, or an equation wider than its column at 390 px.
tests/test_browser.py runs the same measurements against the budgets of CONTRIBUTING.md.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import pathlib
import shutil
import sys
import threading
import urllib.parse

from bookmeta import ROOT, toc_files

DESKTOP = (1366, 900)
PHONE = (390, 844)
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
BROWSER = (shutil.which("chromium"), shutil.which("chromedriver"))

# Run in the page: wait for MathJax (if any), then report what the budgets read.
MEASURE = """
const done = arguments[arguments.length - 1];
const measure = () => {
    const article = document.querySelector('article.bd-article') || document.body;
    const column = article.getBoundingClientRect();
    const wide = Array.from(document.querySelectorAll('mjx-container'))
        .filter(m => {
            const r = m.getBoundingClientRect();
            const display = m.getAttribute('display') === 'true';
            const out = r.right > column.right + 1 || r.left < column.left - 1;
            const clipped = display && m.scrollWidth > m.clientWidth + 1;
            return r.width > 0 && (out || clipped);
        })
        .map(m => (m.textContent || '').slice(0, 60));
    const text = article.innerText || '';
    const prompts = Array.from(document.querySelectorAll('details summary'))
        .map(s => (s.innerText || s.textContent || '').trim())
        .filter(s => /Show code cell/i.test(s));
    done({
        height: document.documentElement.scrollHeight,
        wideMaths: wide,
        unlabelledFolds: prompts.length,
        nbval: (text.match(/NBVAL_\\w+/g) || []),
    });
};
// The page is measured once its height has stopped changing (fonts, images, maths).
const settle = (last, same, tries) => {
    const h = document.documentElement.scrollHeight;
    if ((h === last && same >= 2) || tries > 40) { measure(); return; }
    setTimeout(() => settle(h, h === last ? same + 1 : 0, tries + 1), 100);
};
const start = () => settle(-1, 0, 0);
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(start, start);
} else { start(); }
"""


@contextlib.contextmanager
def serve(html: pathlib.Path):
    """The built site on a free localhost port; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def chromium(width: int = 1280, height: int = 900):
    """A headless Chromium driven by Selenium (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER[0]
    for flag in (*CHROME_FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(BROWSER[1]), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def emulate(driver, width: int, height: int, mobile: bool = False):
    """Set the viewport through DevTools (a window cannot be narrower than ~500 px)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 2 if mobile else 1,
            "mobile": mobile,
        },
    )


def open_page(driver, url: str, timeout: float = 30) -> None:
    """Load `url` and wait until its document is complete and its article is in the DOM
    (on a loaded 2-core machine `get` returned before a page's body was readable)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def state(d):
        return d.execute_script(
            "return [document.readyState, location.pathname,"
            " !!document.querySelector('article, main')];"
        )

    driver.get(url)
    want = ["complete", urllib.parse.urlparse(url).path, True]
    try:
        WebDriverWait(driver, timeout).until(lambda d: state(d) == want)
    except TimeoutException:
        raise TimeoutException(f"{url}: after {timeout} s {state(driver)}") from None


def measure(driver, url: str, size: tuple[int, int]) -> dict:
    """The page at `url` in a viewport of `size`, folds closed: its height in screens,
    equations wider than their column, unlabelled folds and visible nbval directives."""
    width, height = size
    emulate(driver, width, height, mobile=width < 500)
    open_page(driver, url)
    seen = driver.execute_async_script(MEASURE)
    seen["screens"] = round(seen["height"] / height, 1)
    return seen


def measure_site(html: pathlib.Path, pages: list[str]) -> dict[str, dict]:
    """page -> {"desktop": ..., "phone": ...} for every page, on one browser."""
    found = {}
    driver = chromium()
    try:
        with serve(html) as site:
            for page in pages:
                url = f"{site}/{page}.html"
                found[page] = {
                    "desktop": measure(driver, url, DESKTOP),
                    "phone": measure(driver, url, PHONE),
                }
    finally:
        driver.quit()
    return found


def main(argv: list[str]) -> int:
    html = pathlib.Path(argv[0]) if argv else ROOT / "_build" / "html"
    pages = argv[1:] or toc_files()
    if not all(BROWSER):
        print("needs Debian's chromium and chromium-driver (apt-get install ...)")
        return 2
    print(f"{'page':36} {'desktop':>8} {'phone':>6}  problems")
    for page, seen in measure_site(html, pages).items():
        d, p = seen["desktop"], seen["phone"]
        problems = []
        if d["unlabelledFolds"]:
            problems.append(f"{d['unlabelledFolds']} folds say 'Show code cell'")
        if d["nbval"]:
            problems.append(f"visible {sorted(set(d['nbval']))}")
        if p["wideMaths"]:
            problems.append(f"{len(p['wideMaths'])} equations too wide at 390 px")
        print(f"{page:36} {d['screens']:>8} {p['screens']:>6}  {'; '.join(problems)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
