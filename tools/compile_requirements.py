"""Compile the exact pins from the short hand-written lists (make requirements).

requirements.in      -> requirements.txt      what a reader needs to run the notebooks
                                              (Binder uses only this)
requirements-dev.in  -> requirements-dev.txt  what building the site and the tests add:
                                              `-r requirements.txt` plus the rest of
                                              their joint closure, so versions agree
requirements-book.in -> requirements-book.txt what `make book` alone needs (no
                                              TensorFlow), at the versions of the above

Usage: python tools/compile_requirements.py [--upgrade] Without --upgrade, versions
already pinned stay where they are (the current files are the constraints); with it, uv
picks the newest versions the registry offers.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADERS = {
    "requirements.txt": "# Exact pins for running the notebooks (Binder uses this "
    "file). Generated from requirements.in\n"
    "# by `make requirements`; edit the .in file, not this one.\n",
    "requirements-dev.txt": "# Exact pins for building the book and running its "
    "tests, on top of requirements.txt. Generated\n"
    "# from requirements-dev.in by `make requirements`; edit the .in file, not this "
    "one.\n"
    "-r requirements.txt\n",
    "requirements-book.txt": "# Exact pins for `make book` alone (builds the site, "
    "executes nothing), at the versions of\n"
    "# requirements-dev.txt. Generated from requirements-book.in by "
    "`make requirements`.\n",
}


def compile_pins(
    inputs: list[pathlib.Path], constraints: list[pathlib.Path]
) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "out.txt"
        command = [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "compile",
            *map(str, inputs),
            "--python-version",
            "3.11.5",
            "--no-header",
            "--no-annotate",
            "--quiet",
            "-o",
            str(out),
        ]
        for c in constraints:
            command += ["-c", str(c)]
        subprocess.run(command, check=True, cwd=ROOT)
        return [
            ln for ln in out.read_text().splitlines() if re.match(r"^[A-Za-z0-9]", ln)
        ]


def name(pin: str) -> str:
    return re.split(r"[=<>!~ ]", pin, maxsplit=1)[0].lower().replace("_", "-")


def main(argv: list[str]) -> int:
    current = [
        p
        for p in (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
        if p.exists()
    ]
    constraints = [] if "--upgrade" in argv else current
    with (
        tempfile.TemporaryDirectory() as tmp
    ):  # the -r line would make uv read the old file twice
        flat = []
        for c in constraints:
            path = pathlib.Path(tmp) / c.name
            path.write_text(
                "\n".join(
                    ln for ln in c.read_text().splitlines() if not ln.startswith("-r")
                )
            )
            flat.append(path)
        reader = compile_pins([ROOT / "requirements.in"], flat)
        everything = compile_pins(
            [ROOT / "requirements.in", ROOT / "requirements-dev.in"], flat
        )
        # the site alone, at the versions just chosen for the whole
        pinned = pathlib.Path(tmp) / "everything.txt"
        pinned.write_text("\n".join(everything) + "\n")
        book = compile_pins([ROOT / "requirements-book.in"], [pinned])
    reader_names = {name(p) for p in reader}
    dev = [p for p in everything if name(p) not in reader_names]
    (ROOT / "requirements.txt").write_text(
        HEADERS["requirements.txt"] + "\n".join(reader) + "\n"
    )
    (ROOT / "requirements-dev.txt").write_text(
        HEADERS["requirements-dev.txt"] + "\n".join(dev) + "\n"
    )
    (ROOT / "requirements-book.txt").write_text(
        HEADERS["requirements-book.txt"] + "\n".join(book) + "\n"
    )
    print(
        f"requirements.txt: {len(reader)} pins; requirements-dev.txt: {len(dev)} more; "
        f"requirements-book.txt: {len(book)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
