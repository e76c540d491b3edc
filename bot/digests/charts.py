"""The digest chart: one PNG per unit, each person's year-to-date credits against the
pro-rata figure and the yearly target, laid out to be read on a phone.

Two choices carry the rest:
- Matplotlib's object-oriented API on an Agg canvas (`Figure`, never `pyplot`): pyplot keeps
  global figure state that leaks and is not thread-safe, and the bot renders charts in
  worker threads (`asyncio.to_thread`) so the event loop keeps answering.
- The Chinese font ships inside the package (bot/digests/fonts/: a 5 MB OFL subset of Noto Sans CJK SC
  with every ideograph of U+4E00-U+9FFF), registered with matplotlib's font manager once.
  Servers rarely have CJK system fonts, and without one every name would render as a row of
  boxes; we neither rely on the system nor download anything. A CJK font the system does have
  stands behind it for the rare character it lacks (an extension-A name). The font is set per
  text (not through global rcParams), so rendering has no global side effects.

The image is 1080 px wide and grows 44 px a person; a unit of 50 stays under 2560 px high,
the largest size Telegram keeps for photos, so names are not scaled down on delivery.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot import texts
from bot.digests.model import PersonRow, UnitDigest, attention_order

DPI = 150
WIDTH_PX = 1080
ROW_PX = 44
TOP_PX = 215  # title, subtitle and a two-row legend
BOTTOM_PX = 105  # x tick labels and the axis label
RIGHT_PX = 28
MIN_ROWS = 4  # small units keep bars the same thickness instead of stretching them
NAME_LIMIT = 7  # characters; longer names are shortened to six and "…"

TITLE_PT = 18
SUBTITLE_PT = 12
NAME_PT = 14
SMALL_PT = 12  # the smallest text on the chart: ticks, legend, value labels

STATUS_COLOURS = {"on_track": "#2e7d32", "behind": "#f0a30a", "far_behind": "#d32f2f"}
# Value labels are text on white: amber is darkened there so the figure stays legible.
VALUE_COLOURS = {"on_track": "#5f6b7a", "behind": "#a86a00", "far_behind": "#c62828"}
TARGET_COLOUR = "#e3e6ea"
EXPECTED_COLOUR = "#1f2933"
GRID_COLOUR = "#d5d9de"
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#5f6b7a"
BAR_HEIGHT = 0.62

FONT_FILE = "CadrebotSansSC-Regular.otf"  # bot/digests/fonts/make_subset.py made it
# System CJK fonts that, when installed, cover what the shipped subset lacks; only those the
# font manager knows are named, so an absent one logs no "font family not found".
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "PingFang SC", "SimHei",
)
_FONT_LOCK = threading.Lock()


class FontUnavailable(RuntimeError):
    """The package was installed without its font file (bot/digests/fonts/ missing from the wheel)."""


@cache
def cjk_font_path() -> Path:
    """The CJK font file shipped inside the package."""
    path = Path(str(resources.files("bot.digests") / "fonts" / FONT_FILE))
    if not path.is_file():
        raise FontUnavailable(f"{path}: the chart font is missing; reinstall cadrebot (pip install .)")
    return path


def cjk_font_family() -> str:
    """Register the shipped CJK font with matplotlib (once per process) and return its family."""
    with _FONT_LOCK:
        return _register_font()


@cache
def _register_font() -> str:
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return FontProperties(fname=str(path)).get_name()


@cache
def fallback_families() -> tuple[str, ...]:
    """The system CJK fonts present (for characters the subset lacks), then DejaVu Sans."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return (*(family for family in SYSTEM_CJK_FAMILIES if family in known), "DejaVu Sans")


def chart_height_px(people_count: int) -> int:
    return TOP_PX + max(people_count, MIN_ROWS) * ROW_PX + BOTTOM_PX


def unit_progress_chart(digest: UnitDigest, *, credit_name: str = "学时") -> bytes:
    """The unit's progress chart as PNG bytes, ready for `send_photo`."""
    return figure_png(unit_progress_figure(digest, credit_name=credit_name))


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def unit_progress_figure(digest: UnitDigest, *, credit_name: str = "学时") -> Figure:
    """Horizontal bars, most in need of attention at the top: the coloured bar is the year so
    far (colour = status), the pale bar behind it the yearly target, and the dark tick where
    the person should be by now.
    """
    fonts = _Fonts(cjk_font_family())
    people = attention_order(digest.people)
    height = chart_height_px(len(people))
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor="white")
    _draw_titles(figure, digest, fonts, height)
    if not people:
        figure.text(0.5, 0.45, texts.CHART_EMPTY, ha="center", va="center", color=MUTED_COLOUR,
                    fontproperties=fonts.at(NAME_PT))
        return figure
    names = [_short_name(person.name) for person in people]
    axes = figure.add_axes(_axes_box(names, height))
    _draw_bars(axes, people)
    _style_axes(axes, names, len(people), fonts, credit_name)
    _draw_values(axes, people, fonts)
    _draw_legend(figure, fonts, height)
    return figure


class _Fonts:
    """FontProperties in the CJK family (system CJK fonts, then DejaVu Sans, behind it for any
    glyph it lacks: matplotlib falls back glyph by glyph along the list)."""

    def __init__(self, family: str) -> None:
        self.families = [family, *fallback_families()]

    def at(self, size: float) -> FontProperties:
        return FontProperties(family=self.families, size=size)


def _draw_titles(figure: Figure, digest: UnitDigest, fonts: _Fonts, height: int) -> None:
    left = 24 / WIDTH_PX
    figure.text(left, 1 - 22 / height, texts.CHART_TITLE.format(unit=digest.unit, year=digest.year),
                ha="left", va="top", color=TEXT_COLOUR, fontproperties=fonts.at(TITLE_PT))
    subtitle = texts.CHART_SUBTITLE.format(day=texts.day(digest.as_of or digest.week_end), count=len(digest.people))
    figure.text(left, 1 - 72 / height, subtitle, ha="left", va="top", color=MUTED_COLOUR,
                fontproperties=fonts.at(SUBTITLE_PT))


def _draw_legend(figure: Figure, fonts: _Fonts, height: int) -> None:
    status = [Patch(facecolor=STATUS_COLOURS[s], label=texts.CHART_LEGEND_STATUS[s])
              for s in ("on_track", "behind", "far_behind")]
    target = Patch(facecolor=TARGET_COLOUR, label=texts.CHART_LEGEND_TARGET)
    expected = Line2D([], [], color=EXPECTED_COLOUR, marker="|", linestyle="none", markersize=14,
                      markeredgewidth=2.5, label=texts.CHART_LEGEND_EXPECTED)
    # The legend fills column by column: this order reads as the statuses on the first row
    # and the two reference marks on the second.
    handles = [status[0], target, status[1], expected, status[2]]
    figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(12 / WIDTH_PX, 1 - 108 / height),
                  ncols=3, frameon=False, prop=fonts.at(SMALL_PT), handlelength=1.4,
                  columnspacing=1.4, labelcolor=TEXT_COLOUR)


def _axes_box(names: Sequence[str], height: int) -> tuple[float, float, float, float]:
    """Axes position in figure fractions, leaving exactly enough room on the left for names."""
    name_px = max(_display_width(name) for name in names) * NAME_PT / 2 * DPI / 72
    left = (name_px + 34) / WIDTH_PX
    bottom = BOTTOM_PX / height
    return left, bottom, 1 - left - RIGHT_PX / WIDTH_PX, 1 - bottom - TOP_PX / height


def _draw_bars(axes, people: Sequence[PersonRow]) -> None:
    rows = range(len(people))
    axes.barh(rows, [p.target for p in people], height=BAR_HEIGHT, color=TARGET_COLOUR, zorder=1)
    axes.barh(rows, [p.year_credits for p in people], height=BAR_HEIGHT,
              color=[STATUS_COLOURS[p.status] for p in people], zorder=2)
    half = BAR_HEIGHT / 2 + 0.08
    ticks = [((p.expected_to_date, row - half), (p.expected_to_date, row + half))
             for row, p in enumerate(people)]
    axes.add_collection(LineCollection(ticks, colors=EXPECTED_COLOUR, linewidths=2.5, zorder=3),
                        autolim=False)


def _style_axes(axes, names: Sequence[str], count: int, fonts: _Fonts, credit_name: str) -> None:
    axes.set_ylim(max(count, MIN_ROWS) - 0.5, -0.5)  # first person at the top
    axes.set_yticks(range(count), labels=names, fontproperties=fonts.at(NAME_PT), color=TEXT_COLOUR)
    axes.tick_params(axis="y", length=0, pad=8)
    # labelfontfamily also reaches ticks matplotlib creates later, at draw time.
    axes.tick_params(axis="x", colors=MUTED_COLOUR, labelsize=SMALL_PT, labelfontfamily=fonts.families)
    axes.set_xlabel(texts.CHART_XLABEL.format(credit=credit_name), fontproperties=fonts.at(SMALL_PT),
                    color=MUTED_COLOUR)
    axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.8, linestyle="--")
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID_COLOUR)


def _draw_values(axes, people: Sequence[PersonRow], fonts: _Fonts) -> None:
    """`12/90` in a right-hand column; the x range leaves room so it never covers a bar."""
    top = max(max(p.target, p.year_credits, p.expected_to_date) for p in people) or 1.0
    axes.set_xlim(0, top * 1.24)
    transform = axes.get_yaxis_transform()  # x in axes fractions, y in rows
    for row, person in enumerate(people):
        label = texts.CHART_VALUE.format(year=texts.num(person.year_credits), target=texts.num(person.target))
        axes.text(0.995, row, label, transform=transform, ha="right", va="center",
                  color=VALUE_COLOURS[person.status],
                  fontproperties=fonts.at(SMALL_PT))


def _short_name(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"


def _display_width(text: str) -> int:
    """Half-width columns: anything beyond ASCII takes two, since the CJK font draws "·" and
    "…" full width too; overestimating costs a little margin, underestimating clips a name.
    """
    return sum(2 if ord(char) > 0x7F else 1 for char in text)
