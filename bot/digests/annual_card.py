"""The /annual card: one person's study year as a portrait PNG read on a phone.

1080 px wide (a ~390 pt phone shows it at about a third: every text is at least 20 pt at
150 dpi, 42 px, so about 15 pt on the screen) and as tall as its rows need, about 1,900 px for
the shipped eight activity types with every section. Drawn in pixels on one axes that covers
the figure, with the digest chart's font and PNG setup (bot/digests/charts.py): the shipped
CJK font, never pyplot. Names and units too long for the width are shortened with "…" by
measuring the drawn text, and no bar is ever wider than its track (130% fills it, the
percentage says the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, Rectangle

from bot import texts
from bot.digests.annual import AnnualFigures
from bot.digests.annual_views import percent, span_days
from bot.digests.charts import DPI, WIDTH_PX, cjk_font_family, fallback_families, figure_png

MARGIN = 64
TITLE_PT = 30
NAME_PT = 26
FIGURE_PT = 32
BODY_PT = 20  # 42 px: the smallest text on the card

BAND_COLOUR = "#b3261e"  # the header band and the progress fill
BAND_TEXT = "#ffffff"
BAND_MUTED = "#f7dcda"
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#5f6b7a"
TRACK_COLOUR = "#eceef1"
ACTIVITY_COLOUR = "#d9645c"
REACHED_COLOUR = "#2e7d32"
RULE_COLOUR = "#d5d9de"

# Heights in px of what the card stacks, top to bottom.
BAND_PAD = 56
TITLE_H, NAME_H, LINE_H = 64, 56, 44
BAND_LINE = 50
HEADING_GAP = 22
PROGRESS_H = 40
ACTIVITY_ROW = 98  # a line of text, its bar, the gap to the next
ACTIVITY_BAR = 22
OTHER_ROW = 66
SECTION_GAP = 44


@dataclass(frozen=True)
class CardRow:
    label: str
    value: str


def other_rows(figures: AnnualFigures) -> list[CardRow]:
    """The figures under the bars; an optional section that is None has no row."""
    rows = [CardRow(texts.ANNUAL_CARD_SESSIONS, texts.ANNUAL_CARD_TIMES.format(count=figures.sessions_attended))]
    if figures.readings_read is not None:
        rows.append(CardRow(texts.ANNUAL_CARD_READINGS, texts.ANNUAL_CARD_PIECES.format(count=figures.readings_read)))
    if figures.quiz is not None:
        quiz = figures.quiz
        rows.append(CardRow(texts.ANNUAL_CARD_QUIZ_DAYS, texts.ANNUAL_CARD_DAYS.format(count=quiz.days)))
        rate = texts.ANNUAL_CARD_RATE.format(percent=percent(quiz.accuracy), right=quiz.right, answered=quiz.answered) if (
            quiz.accuracy is not None) else texts.ANNUAL_CARD_NO_ANSWERS
        rows.append(CardRow(texts.ANNUAL_CARD_QUIZ_ACCURACY, rate))
    rows.append(CardRow(texts.ANNUAL_CARD_TALKS, texts.ANNUAL_CARD_TIMES.format(count=figures.talks)))
    if figures.talks_led is not None:
        rows.append(CardRow(texts.ANNUAL_CARD_TALKS_LED, texts.ANNUAL_CARD_TIMES.format(count=figures.talks_led)))
    return rows


def _target_note(figures: AnnualFigures, credit: str = "") -> str:
    """Under the progress bar: what waits for confirmation, or that nothing was counted yet."""
    if figures.pending:
        return texts.ANNUAL_CARD_PENDING.format(pending=texts.num(figures.pending), credit=credit)
    return texts.ANNUAL_NONE if not figures.total else ""


def period_lines(figures: AnnualFigures) -> list[str]:
    """A calendar study year on one line (1月1日—12月31日 · 截至11月20日); one that straddles two
    years needs the years, and its 截至 gets a line of its own."""
    start, end, as_of = span_days(figures)
    period = texts.ANNUAL_CARD_PERIOD.format(start=start, end=end)
    if not figures.running:
        return [period]
    as_of_line = texts.ANNUAL_CARD_AS_OF.format(day=as_of)
    if figures.start.year == figures.end.year:
        return [period + texts.ANNUAL_CARD_AS_OF_SEPARATOR + as_of_line]
    return [period, as_of_line]


def _band_height(figures: AnnualFigures) -> int:
    lines = (1 if figures.unit else 0) + len(period_lines(figures))
    return BAND_PAD + TITLE_H + 14 + NAME_H + 12 + lines * BAND_LINE + BAND_PAD - 12


def card_height(figures: AnnualFigures) -> int:
    """The card's height in px: it grows with the activity types and the sections present."""
    target = LINE_H + HEADING_GAP + 68 + 20 + PROGRESS_H + (16 + LINE_H if _target_note(figures) else 0)
    activities = LINE_H + HEADING_GAP + len(figures.activities) * ACTIVITY_ROW
    others = LINE_H + HEADING_GAP + len(other_rows(figures)) * OTHER_ROW
    return _band_height(figures) + SECTION_GAP + target + SECTION_GAP + activities + SECTION_GAP // 2 + others + MARGIN


def card_png(figures: AnnualFigures, *, credit_name: str = "学时") -> bytes:
    return figure_png(card_figure(figures, credit_name=credit_name))


def card_figure(figures: AnnualFigures, *, credit_name: str = "学时") -> Figure:
    height = card_height(figures)
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, WIDTH_PX)
    axes.set_ylim(height, 0)  # y grows downwards, in pixels
    axes.set_axis_off()
    card = _Card(figure, axes)
    y = card.header(figures)
    y = card.target(figures, y + SECTION_GAP, credit_name)
    y = card.activities(figures, y + SECTION_GAP, credit_name)
    card.others(figures, y + SECTION_GAP // 2)
    return figure


class _Card:
    def __init__(self, figure: Figure, axes) -> None:  # type: ignore[no-untyped-def]
        self.axes = axes
        self.renderer = FigureCanvasAgg(figure).get_renderer()
        self.families = [cjk_font_family(), *fallback_families()]
        self.right = WIDTH_PX - MARGIN

    def font(self, size: float) -> FontProperties:
        return FontProperties(family=self.families, size=size)

    def text(self, x: float, y: float, value: str, size: float, colour: str, *, ha: str = "left",
             width: float | None = None):  # type: ignore[no-untyped-def]
        """Text with its top at y; shortened with "…" until it is at most `width` px wide."""
        artist = self.axes.text(x, y, value, ha=ha, va="top", color=colour, fontproperties=self.font(size))
        limit = width if width is not None else self.right - x if ha == "left" else x - MARGIN
        shown = value
        while len(shown) > 1 and self.width_of(artist) > limit:
            shown = shown[:-1]
            artist.set_text(shown.rstrip() + "…")
        return artist

    def width_of(self, artist) -> float:  # type: ignore[no-untyped-def]
        return artist.get_window_extent(self.renderer).width

    def bar(self, y: float, height: float, fraction: float, colour: str, track: str = TRACK_COLOUR) -> None:
        width = self.right - MARGIN
        self.axes.add_patch(_rounded(MARGIN, y, width, height, track))
        filled = width * min(1.0, max(0.0, fraction))
        if filled >= 1:
            self.axes.add_patch(_rounded(MARGIN, y, filled, height, colour))

    def rule(self, y: float) -> None:
        self.axes.plot([MARGIN, self.right], [y, y], color=RULE_COLOUR, linewidth=1.2)

    def header(self, figures: AnnualFigures) -> float:
        band = _band_height(figures)
        self.axes.add_patch(Rectangle((0, 0), WIDTH_PX, band, color=BAND_COLOUR, linewidth=0))
        y = BAND_PAD
        self.text(MARGIN, y, texts.ANNUAL_CARD_TITLE.format(year=figures.year), TITLE_PT, BAND_TEXT)
        y += TITLE_H + 14
        self.text(MARGIN, y, figures.name, NAME_PT, BAND_TEXT)
        y += NAME_H + 12
        if figures.unit:
            self.text(MARGIN, y, figures.unit, BODY_PT, BAND_MUTED)
            y += BAND_LINE
        for line in period_lines(figures):
            self.text(MARGIN, y, line, BODY_PT, BAND_MUTED)
            y += BAND_LINE
        return band

    def target(self, figures: AnnualFigures, y: float, credit: str) -> float:
        label = texts.ANNUAL_CARD_TARGET if figures.running else texts.ANNUAL_CARD_TARGET_PAST
        self.text(MARGIN, y, label, BODY_PT, MUTED_COLOUR)
        y += LINE_H + HEADING_GAP
        reached = figures.fraction >= 1
        colour = REACHED_COLOUR if reached else BAND_COLOUR
        share = self.text(self.right, y, texts.ANNUAL_CARD_PERCENT.format(percent=percent(figures.fraction)),
                          FIGURE_PT, colour, ha="right")
        total = texts.ANNUAL_CARD_TOTAL.format(total=texts.num(figures.total), target=texts.num(figures.target),
                                               credit=credit)
        self.text(MARGIN, y, total, FIGURE_PT, TEXT_COLOUR, width=self.right - MARGIN - self.width_of(share) - 32)
        y += 68 + 20
        self.bar(y, PROGRESS_H, figures.fraction, colour)
        y += PROGRESS_H
        note = _target_note(figures, credit)
        if note:
            y += 16
            self.text(MARGIN, y, note, BODY_PT, MUTED_COLOUR)
            y += LINE_H
        return y

    def activities(self, figures: AnnualFigures, y: float, credit: str) -> float:
        self.rule(y - SECTION_GAP / 2)
        self.text(MARGIN, y, texts.ANNUAL_CARD_ACTIVITIES.format(credit=credit), BODY_PT, MUTED_COLOUR)
        y += LINE_H + HEADING_GAP
        # Each bar is its type's share of the yearly target, so the bars add up to the progress
        # bar above: scaled to the largest type, a lone 0.2 学时 drew a full bar beside 0%.
        scale = figures.target or max((line.credits for line in figures.activities), default=0) or 1
        for line in figures.activities:
            value = self.text(self.right, y, texts.ANNUAL_CARD_ACTIVITY_VALUE.format(
                credits=texts.exact(line.credits), credit=credit), BODY_PT, TEXT_COLOUR if line.credits else MUTED_COLOUR,
                ha="right")
            self.text(MARGIN, y, line.name, BODY_PT, TEXT_COLOUR, width=self.right - MARGIN - self.width_of(value) - 28)
            self.bar(y + LINE_H + 6, ACTIVITY_BAR, line.credits / scale, ACTIVITY_COLOUR)
            y += ACTIVITY_ROW
        return y

    def others(self, figures: AnnualFigures, y: float) -> float:
        self.rule(y - SECTION_GAP / 4)
        self.text(MARGIN, y, texts.ANNUAL_CARD_OTHER, BODY_PT, MUTED_COLOUR)
        y += LINE_H + HEADING_GAP
        for row in other_rows(figures):
            value = self.text(self.right, y, row.value, BODY_PT, TEXT_COLOUR, ha="right")
            self.text(MARGIN, y, row.label, BODY_PT, TEXT_COLOUR, width=self.right - MARGIN - self.width_of(value) - 28)
            y += OTHER_ROW
        return y


def _rounded(x: float, y: float, width: float, height: float, colour: str) -> FancyBboxPatch:
    radius = min(height / 2, width / 2)
    return FancyBboxPatch((x, y), width, height, boxstyle=f"round,pad=0,rounding_size={radius}",
                          facecolor=colour, edgecolor="none", linewidth=0)
