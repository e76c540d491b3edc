"""Make CadrebotSansSC-Regular.otf, the CJK font the digest charts use (bot/digests/charts.py).

It is Noto Sans CJK SC Regular (SIL Open Font License 1.1, see OFL.txt) cut down to what a
chart needs: every CJK Unified Ideograph of U+4E00-U+9FFF the font has (all of GBK's 20,902,
so rare characters in people's names are covered, not only GB2312's 6,763), Latin, CJK
punctuation and full-width forms, and a few symbol blocks. Hinting and layout tables are
dropped: matplotlib renders with FreeType's auto-hinter and reads no GSUB/GPOS. The family is
renamed (a modified font should not carry the original's name) so matplotlib never confuses it
with a full Noto Sans CJK SC installed on the system. About 5 MB, against 16 MB for the full
face and 85 MB for the mplfonts wheel it replaces.

Source used: Debian bookworm's fonts-noto-cjk 1:20220127+repack1-1,
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc (face 2, "Noto Sans CJK SC", version
2.004). To rebuild (fontTools comes with matplotlib):

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    .venv/bin/python bot/digests/fonts/make_subset.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

FAMILY = "Cadrebot Sans SC"
POSTSCRIPT = "CadrebotSansSC-Regular"
OUTPUT = Path(__file__).with_name(f"{POSTSCRIPT}.otf")

RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 (·, ×, °)
    (0x2000, 0x206F),  # General Punctuation (—, …, ‰)
    (0x2100, 0x214F),  # Letterlike (℃, №)
    (0x2150, 0x218F),  # Number Forms (Ⅰ-Ⅻ)
    (0x2190, 0x21FF),  # Arrows
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (①)
    (0x25A0, 0x25FF),  # Geometric Shapes (■, ▲, ○)
    (0x2600, 0x26FF),  # Miscellaneous Symbols (★)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (、。《》【】)
    (0x3200, 0x32FF),  # Enclosed CJK (㈠)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (，：（）)
)


def main(argv: list[str]) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if len(argv) != 1:
        print(__doc__)
        return 2
    source = Path(argv[0])
    if source.suffix.lower() == ".ttc":
        font = next(f for f in TTCollection(str(source)).fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    else:
        font = TTFont(str(source))
    wanted = {code for first, last in RANGES for code in range(first, last + 1)}
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
    options.name_languages = [0x409]  # English names only; the Chinese ones name the original
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted & set(font.getBestCmap()))
    subsetter.subset(font)
    _rename(font)
    font.save(str(OUTPUT))
    print(f"{OUTPUT}: {OUTPUT.stat().st_size / 1e6:.1f} MB, {len(font.getBestCmap())} characters")
    return 0


def _rename(font) -> None:  # type: ignore[no-untyped-def]
    version = font["name"].getDebugName(5) or ""
    names = font["name"]
    names.names = [n for n in names.names if n.nameID not in (1, 2, 3, 4, 6, 16, 17)]
    for name_id, value in {
        1: FAMILY, 2: "Regular", 4: f"{FAMILY} Regular", 6: POSTSCRIPT,
        3: f"{POSTSCRIPT}; subset of Noto Sans CJK SC {version.split(';')[0]} for cadrebot",
    }.items():
        names.setName(value, name_id, 3, 1, 0x409)
    top = font["CFF "].cff.topDictIndex[0]
    font["CFF "].cff.fontNames = [POSTSCRIPT]
    top.FullName, top.FamilyName = f"{FAMILY} Regular", FAMILY


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
