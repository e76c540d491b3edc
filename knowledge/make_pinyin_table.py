"""Regenerate knowledge/pinyin_table.py (a developer tool; pypinyin is not a runtime dependency).

    .venv/bin/pip install pypinyin && .venv/bin/python -m knowledge.make_pinyin_table

For the 6,763 characters of GB 2312 it writes one line per toneless syllable
(``hui 回会汇…``) using each character's most common reading only (pypinyin
lists it first): rare readings would make unrelated characters look alike.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

HEADER = '''"""Toneless pinyin of the GB 2312 characters, one syllable a line (generated; do not edit).

Made by knowledge/make_pinyin_table.py from pypinyin's character readings (MIT licence).
"""

TABLE = """\\
'''


def gb2312_chars() -> list[str]:
    chars = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.replace("ü", "v"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def main() -> None:
    from pypinyin.pinyin_dict import pinyin_dict  # type: ignore[import-not-found]

    by_sound: dict[str, list[str]] = {}
    for char in gb2312_chars():
        readings = pinyin_dict.get(ord(char))
        if readings:
            by_sound.setdefault(toneless(readings.split(",")[0]), []).append(char)
    lines = [f"{sound} {''.join(chars)}" for sound, chars in sorted(by_sound.items())]
    target = Path(__file__).with_name("pinyin_table.py")
    target.write_text(HEADER + "\n".join(lines) + '\n"""\n', encoding="utf-8")
    print(f"wrote {target}: {len(lines)} syllables, {sum(map(len, by_sound.values()))} characters")


if __name__ == "__main__":
    main()
