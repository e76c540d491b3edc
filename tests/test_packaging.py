"""cadrebot as an operator installs it: a wheel built from the checkout, installed with the locked
dependencies into a fresh virtualenv, and run from folders that have nothing to do with the
checkout. The shipped config, knowledge base, synonyms, migrations and chart font must all
come with the wheel; and the lock must pin what pyproject.toml asks for.

The wheel and the venv are built once for the module (about a minute, mostly pip installing
the locked dependencies, from pip's cache when it is warm). Nothing here is skipped: a
machine that cannot build the wheel fails these tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.e2e.harness import run_bounded as bounded

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCK = PROJECT_ROOT / "requirements.lock"
TEST_LOCK = PROJECT_ROOT / "requirements-test.lock"
# What a build never needs, and what a stale build/ would wrongly put back into the wheel.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "data", "node_modules", "*.egg-info", "__pycache__", ".pytest_cache"
)


class Installed:
    """A fresh virtualenv holding the wheel; runs its `cadrebot` with a clean environment."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "venv" / ("Scripts" if os.name == "nt" else "bin")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CADREBOT_", "TELEGRAM_", "PYTHON")) and k != "DATABASE_URL"}

    def run(self, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return bounded([str(self.bin / args[0]), *args[1:]], cwd=cwd, env=self.env, timeout=timeout)

    def cadrebot(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(cwd, "cadrebot", *args)

    def python(self, cwd: Path, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(cwd, "python", "-c", code)


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


# The module fixture builds a wheel and a fresh venv from the lock (15 s here with pip's cache
# warm; its steps have their own timeouts): more than the suite's 300 s a test on a cold mirror.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_SOURCES)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _checked(bounded([*pip, "wheel", str(source), "--no-deps", "-q", "-w", str(root / "wheel")], timeout=300))
    wheel = next((root / "wheel").glob("cadrebot-*.whl"))
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    box = Installed(root)
    # As the Docker image installs: the locked dependencies hash-checked, then the wheel alone
    # (no bytecode compiled: quicker, and nothing here depends on it).
    install = ["python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile", "--no-deps"]
    _checked(box.run(root, *install, "--require-hashes", "-r", str(LOCK), timeout=400))
    _checked(box.run(root, *install, str(wheel)))
    _checked(box.run(root, "python", "-m", "pip", "check"))  # the lock is complete: nothing missing
    return box


def test_the_wheel_is_what_runs_not_the_checkout(installed: Installed, tmp_path: Path) -> None:
    where = _checked(installed.python(tmp_path, "import bot, knowledge; print(bot.__file__, knowledge.__file__)"))
    assert str(PROJECT_ROOT) not in where.stdout and str(installed.root / "venv") in where.stdout


def test_init_writes_a_folder_whose_config_and_knowledge_base_check_clean(installed: Installed, tmp_path: Path) -> None:
    instance = tmp_path / "x"
    made = _checked(installed.cadrebot(tmp_path, "init", str(instance)))
    assert "wrote" in made.stdout
    config = (instance / "config.yaml").read_text(encoding="utf-8")
    assert config.startswith("# Written by `cadrebot init`") and "answer_threshold:" in config  # the comments came along
    assert sorted(p.name for p in (instance / "knowledge" / "base").glob("*.yaml")) == sorted(
        p.name for p in (PROJECT_ROOT / "knowledge" / "base").glob("*.yaml"))

    checked = _checked(installed.cadrebot(instance, "kb", "check"))
    entries = re.search(r"(\d+) entries in (\d+) files: 0 errors", checked.stdout)
    assert entries and int(entries[1]) > 100, checked.stdout
    assert re.search(r"[1-9]\d* synonym groups and \d+ named terms: 0 errors", checked.stdout), checked.stdout
    assert (instance / "knowledge" / "quiz").is_dir()  # the quiz bank came along, and checks against the base
    assert re.search(r"[1-9]\d{2,} quiz items in \d+ files: 0 errors", checked.stdout), checked.stdout

    upgraded = _checked(installed.cadrebot(instance, "db", "upgrade"))  # the migrations came along
    assert "database is up to date" in upgraded.stdout and (instance / "data" / "cadrebot.db").is_file()


def test_a_config_naming_no_knowledge_folder_gets_the_packaged_base_and_synonyms(installed: Installed, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    checked = _checked(installed.cadrebot(tmp_path, "kb", "check"))
    assert re.search(r"[1-9]\d+ entries in \d+ files: 0 errors", checked.stdout), checked.stdout
    assert re.search(r"[1-9]\d* synonym groups", checked.stdout), checked.stdout


def test_without_a_config_the_installed_command_says_how_to_write_one(installed: Installed, tmp_path: Path) -> None:
    result = installed.cadrebot(tmp_path, "kb", "check")
    assert result.returncode == 2
    assert "config file not found" in result.stderr and "cadrebot init" in result.stderr
    assert not (tmp_path / "data").exists()


CHART_FONT_CHECK = """
import warnings
from datetime import date
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from bot.digests import charts
from bot.digests.model import PersonRow, UnitDigest

people = tuple(
    PersonRow(person_id=i, name=name, week_credits=2.0, year_credits=20.0 * i, target=90.0, expected_to_date=60.0,
              status="behind", last_study=None, last_talk=None, talk_due=None, talk_overdue=False, reachable=True)
    for i, name in enumerate(["张明", "欧阳昇", "王堃"], 1))
digest = UnitDigest(unit="组织科", week_start=date(2026, 11, 16), week_end=date(2026, 11, 22), year=2026,
                    people=people, week_total=6.0, year_total=120.0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    figure = charts.unit_progress_figure(digest)
    png = charts.figure_png(figure)
assert png.startswith(b"\\x89PNG"), "not a PNG"
assert not caught, [str(w.message) for w in caught]
labels = [t for t in (*figure.axes[0].get_yticklabels(), *figure.texts) if t.get_text()]
assert any("欧阳昇" in t.get_text() for t in labels) and any("组织科" in t.get_text() for t in labels)
for label in labels:
    used = font_manager.findfont(label.get_fontproperties())
    font = FT2Font(used)
    lacking = [c for c in label.get_text() if not c.isspace() and font.get_char_index(ord(c)) == 0]
    assert not lacking, (label.get_text(), used, lacking)
    print(used)
"""


def test_charts_render_chinese_with_the_packaged_cjk_font(installed: Installed, tmp_path: Path) -> None:
    """matplotlib's font_manager.findfont for every label is the font inside the installed
    package, and that font has a glyph for every character drawn (no box, no warning)."""
    result = _checked(installed.python(tmp_path, CHART_FONT_CHECK))
    used = set(result.stdout.split())
    assert len(used) == 1, used
    font = Path(used.pop())
    assert font.name == "CadrebotSansSC-Regular.otf" and str(installed.root / "venv") in str(font)


def test_the_locks_pin_every_dependency_pyproject_declares() -> None:
    """A dependency added to pyproject.toml (or a bound moved) needs `deploy/lock.sh` run."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    test = [Requirement(r) for r in project["optional-dependencies"]["test"]]
    for lock, wanted in ((LOCK, runtime), (TEST_LOCK, runtime + test)):
        pins = locked(lock)
        for requirement in wanted:
            versions = pins.get(canonicalize_name(requirement.name), [])
            assert versions, f"{requirement.name} is not in {lock.name}: run deploy/lock.sh"
            assert all(requirement.specifier.contains(v, prereleases=True) for v in versions), (
                f"{lock.name} pins {requirement.name} at {versions}, outside {requirement.specifier}: run deploy/lock.sh")
        assert "mplfonts" not in pins
    runtime_pins, test_pins = locked(LOCK), locked(TEST_LOCK)
    assert {name: test_pins.get(name) for name in runtime_pins} == runtime_pins, "the two locks disagree"


def locked(lock: Path) -> dict[str, list[str]]:
    """name -> the versions pinned (one per Python-version marker), from a requirements lock."""
    pins: dict[str, list[str]] = {}
    for match in re.finditer(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", lock.read_text(encoding="utf-8"), re.M):
        pins.setdefault(canonicalize_name(match[1]), []).append(match[2])
    assert pins, f"{lock} pins nothing"
    return pins
