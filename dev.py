#!/usr/bin/env python3
"""The two commands a newcomer needs, with nothing but Python 3.11+ installed:

    python3 dev.py run     set up .venv and start the bot (offline console without a token)
    python3 dev.py test    set up .venv and run the whole test suite

Extra arguments are passed on (to `cadrebot run` or to pytest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
# Every dependency pinned with its hashes (deploy/lock.sh writes it from pyproject.toml).
LOCK = ROOT / "requirements-test.lock"


def ensure_environment() -> None:
    """Create the virtualenv and install the project once, again only when pyproject or the
    lock changes: first the locked versions (hash-checked), then the project itself."""
    if sys.version_info < (3, 11):
        sys.exit(f"cadrebot needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    inputs = [ROOT / "pyproject.toml", *([LOCK] if LOCK.exists() else [])]
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in inputs)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing cadrebot and its dependencies into .venv …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    if LOCK.exists():
        subprocess.run([*pip, "-r", str(LOCK)], check=True, cwd=ROOT)
    # Everything is already there when the lock is current; a dependency added to pyproject
    # and not yet locked is still installed (tests/test_packaging.py then asks for a new lock).
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def _workers(rest: list[str]) -> list[str]:
    """The suite spread over the machine's CPUs (pytest-xdist, one worker per test file, so a
    file's module fixtures are built once), unless the caller chose (-n, -p no:xdist) or there
    is one CPU only. A worker that dies ends the run, naming the test it was running: with
    --dist loadfile, xdist's replacement worker can wait forever (pytest-xdist#1378)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2 or any(arg.startswith("-n") or arg in ("-p", "--numprocesses") for arg in rest):
        return []
    return ["-n", str(min(cpus, 4)), "--dist", "loadfile", "--max-worker-restart", "0"]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "run":
        args = [str(BIN / "cadrebot"), "run", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", "-q", *_workers(rest), *rest]
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
