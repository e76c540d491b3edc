"""`cadrebot init DIR`: a folder to run an installed cadrebot from.

It holds the commented config (the shipped one, under a header saying what was written), a
copy of the shipped knowledge base, synonyms and quiz bank that admins edit in place (uploads, /gaps and
/reload work on it), and data/ for the SQLite database and the bot's local files. Every path in
the shipped config is relative, and relative paths resolve against the config's folder, so the
copy needs no path rewritten: knowledge/base, knowledge/synonyms, knowledge/quiz and data/ all land in DIR.
A knowledge folder that already exists is never touched: it holds admins' edits.
"""

from __future__ import annotations

from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.config import DEFAULT_CONFIG

KNOWLEDGE_FOLDERS = ("base", "synonyms", "quiz", "readings")

HEADER = """\
# Written by `cadrebot init` (cadrebot {version}) from the configuration the package ships.
# Relative paths below are relative to this file's folder:
#   knowledge/base, knowledge/synonyms  the knowledge base and synonyms, copied from the package
#   knowledge/quiz                      for admins to edit (the bot's uploads and /reload use them),
#                                       and the quiz bank written from the base
#   data/                               the SQLite database (unless DATABASE_URL names another)
#                                       and the bot's local files
# Secrets come from the environment, never from this file: TELEGRAM_BOT_TOKEN,
# TELEGRAM_WEBHOOK_SECRET (webhook mode), CADREBOT_NOTES_KEY. See docs/operations.md.

"""


class InitError(Exception):
    """The folder cannot be set up as asked (one line for the operator)."""


def init_instance(target: Path, *, force: bool = False) -> list[str]:
    """Set up `target`; return one line per thing done, for the operator."""
    config = target / "config.yaml"
    if config.exists() and not force:
        raise InitError(f"{config} exists: not overwritten (--force replaces it; the knowledge folders are never replaced)")
    target.mkdir(parents=True, exist_ok=True)
    done = []
    config.write_text(HEADER.format(version=_version()) + DEFAULT_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    done.append(f"wrote {config}")
    shipped = resources.files("knowledge")
    for name in KNOWLEDGE_FOLDERS:
        folder = target / "knowledge" / name
        if folder.exists():
            done.append(f"kept {folder} (already there)")
            continue
        count = _copy_yaml(shipped / name, folder)
        done.append(f"copied {count} file{'' if count == 1 else 's'} to {folder}")
    data = target / "data"
    done.append(f"kept {data}" if data.exists() else f"made {data}")
    data.mkdir(mode=0o700, exist_ok=True)
    return done


def _copy_yaml(source: Traversable, folder: Path) -> int:
    folder.mkdir(parents=True)
    files = sorted((item for item in source.iterdir() if item.is_file() and item.name.endswith(".yaml")),
                   key=lambda item: item.name)
    for item in files:
        (folder / item.name).write_bytes(item.read_bytes())
    return len(files)


def _version() -> str:
    try:
        return metadata.version("cadrebot")
    except metadata.PackageNotFoundError:
        return "from a checkout"
