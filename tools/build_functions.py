"""``make build``: assemble build/<function>/ for Function Compute.

Each function directory gets its thin ``index.py``, the ``shared`` library and the pinned
runtime dependencies (``[project.dependencies]`` of pyproject.toml) in ``python/``. They
are installed and byte-compiled by a Python 3.10 interpreter on x86_64 Linux, as FC's
python3.10 runtime is: some Aliyun SDK packages ship only as source, so pip's
cross-platform ``--platform`` mode cannot be used, and FC's code directory is read-only,
so modules compiled here save every cold start from compiling them. They are compiled as
unchecked-hash ``.pyc`` (PEP 552), valid whatever the files' times: a zip's own file times
are 2-second DOS times, and a timestamp ``.pyc`` whose source comes back from the deploy zip
with another time would be compiled again at every cold start (and never written: /code is
read-only). The code of a deployment never changes, so nothing needs checking. Tests, the emulator,
benchmarks and caches are never copied. ``--skip-deps`` leaves ``python/`` out.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def runtime_dependencies() -> list[str]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # Python 3.10: pip carries a copy of tomli
        from pip._vendor import tomli as tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def python310() -> str:
    """A Python 3.10 interpreter: FC's runtime version, for installing and compiling."""
    pyenv = map(str, Path("/root/.pyenv/versions").glob("3.10*/bin/python3.10"))
    candidates = [sys.executable, shutil.which("python3.10"), *pyenv]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
                               capture_output=True, text=True)
        if probe.stdout.strip() == "True":
            return candidate
    raise SystemExit("make build needs a Python 3.10 interpreter (FC's python3.10 runtime); none was found")


LOCK = ROOT / "requirements.lock"


def install_dependencies(python: str, target: Path, *, locked: bool = True) -> None:
    """Runtime dependencies, every version pinned by requirements.lock, as FC's python3.10 needs them."""
    command = [python, "-m", "pip", "install", "--quiet", "--no-compile", "--use-pep517", "--target", str(target),
               *runtime_dependencies()]
    if locked:
        command += ["--constraint", str(LOCK)]
    subprocess.run(command, check=True)


def write_lock() -> None:
    """``make lock``: resolve the runtime dependencies afresh and pin every version."""
    import tempfile

    python = python310()
    with tempfile.TemporaryDirectory() as tmp:
        install_dependencies(python, Path(tmp), locked=False)
        frozen = subprocess.run([python, "-m", "pip", "freeze", "--path", tmp], capture_output=True, text=True,
                                check=True).stdout
    header = "# Every runtime dependency, pinned for `make build`. Regenerate with `make lock`.\n"
    LOCK.write_text(header + frozen, encoding="utf-8")


def functions() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/index.py"))


def build(out: Path, *, with_deps: bool = True) -> list[Path]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    deps = out / ".deps"
    python = python310()
    if with_deps:
        install_dependencies(python, deps)
    built = []
    for name in functions():
        target = out / name
        shutil.copytree(ROOT / "functions" / name, target, ignore=IGNORED)
        shutil.copytree(ROOT / "shared", target / "shared", ignore=IGNORED)
        if with_deps:
            shutil.copytree(deps, target / "python")
        built.append(target)
    shutil.rmtree(deps, ignore_errors=True)
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return built


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make build", description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "build"))
    parser.add_argument("--skip-deps", action="store_true", help="leave the dependencies out")
    parser.add_argument("--lock", action="store_true", help="rewrite requirements.lock and stop")
    args = parser.parse_args(argv)
    if args.lock:
        write_lock()
        print(f"wrote {LOCK.relative_to(ROOT)}")
        return 0
    for path in build(Path(args.out), with_deps=not args.skip_deps):
        print(f"built {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
