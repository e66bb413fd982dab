"""Sphinx extension: emit each <script> once per page.

With Jupyter Book 1.0.4 (Sphinx 7.4, sphinx-thebe 0.3.1) the thebe configuration script
`const THEBE_JS_URL = ...` is added twice to every page, and the browser reports
"Identifier 'THEBE_JS_URL' has already been declared". tests/test_browser.py catches it.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # the duplicate differs only in filename None versus '' (an inline script either
        # way)
        key = (
            getattr(script, "filename", script) or "",
            tuple(sorted(getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
