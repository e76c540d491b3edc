"""The year on one page as words: the /annual text, and the annual sheet of /export (one row a
person, the 学习积分制度 record). The card is bot/digests/annual_card.py; the figures, and which
optional sections exist, bot/digests/annual.py. A section that is None is left out, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from bot import texts
from bot.digests.annual import AnnualFigures
from bot.digests.workbooks import PERCENT_FORMAT, Cell, Sheet, export_headers
from bot.study.progress import progress_bar


def full_day(value: date) -> str:
    return texts.ANNUAL_DATE.format(year=value.year, month=value.month, day=value.day)


def span_days(figures: AnnualFigures) -> tuple[str, str, str]:
    """Start, end and as-of day as the card's period line shows them: without the year when
    the study year is a calendar year (the title names it), with it when it straddles two."""
    if figures.start.year == figures.end.year == figures.as_of.year:
        return texts.day(figures.start), texts.day(figures.end), texts.day(figures.as_of)
    return full_day(figures.start), full_day(figures.end), full_day(figures.as_of)


def percent(fraction: float) -> str:
    """Whole percent, over 100 once the target is passed; never 100 before it is reached
    (99.6% reads 99%), so the figure and the colour of the bar agree."""
    value = max(0.0, fraction) * 100
    return str(math.floor(value)) if 99 < value < 100 else f"{value:.0f}"


def annual_text(figures: AnnualFigures, credit: str) -> str:
    """The /annual reply: the same figures as the card, for reading aloud, copying, searching."""
    lines = [texts.ANNUAL_HEADER.format(name=figures.name, year=figures.year)]
    if figures.unit:
        lines.append(texts.ANNUAL_UNIT.format(unit=figures.unit))
    as_of = texts.ANNUAL_AS_OF.format(day=full_day(figures.as_of)) if figures.running else ""
    lines.append(texts.ANNUAL_RANGE.format(start=full_day(figures.start), end=full_day(figures.end)) + as_of)
    total = texts.ANNUAL_TOTAL if figures.running else texts.ANNUAL_TOTAL_PAST
    lines += ["", progress_bar(figures.fraction), total.format(
        total=texts.num(figures.total), target=texts.num(figures.target), credit=credit)]
    if figures.pending:
        lines.append(texts.ANNUAL_PENDING.format(pending=texts.num(figures.pending), credit=credit))
    studied = [line for line in figures.activities if line.credits]
    lines += ["", texts.ANNUAL_BY_ACTIVITY]
    if not studied:
        lines.append(texts.ANNUAL_NONE)
    for line in studied:
        amount = texts.ANNUAL_ACTIVITY_AMOUNT.format(amount=texts.amount(line.amount, line.unit)) if line.amount else ""
        lines.append(texts.ANNUAL_ACTIVITY_LINE.format(
            name=line.name, amount=amount, credits=texts.credits(line.credits, credit)))
    idle = [line.name for line in figures.activities if not line.credits]
    if studied and idle:
        lines.append(texts.ANNUAL_ACTIVITY_NONE.format(names="、".join(idle)))
    lines += ["", texts.ANNUAL_OTHER, texts.ANNUAL_SESSIONS.format(count=figures.sessions_attended)]
    if figures.readings_read is not None:
        lines.append(texts.ANNUAL_READINGS.format(count=figures.readings_read))
    if figures.quiz is not None:
        quiz = figures.quiz
        accuracy = texts.ANNUAL_QUIZ_ACCURACY.format(percent=percent(quiz.accuracy)) if quiz.accuracy is not None else ""
        lines.append(texts.ANNUAL_QUIZ.format(days=quiz.days, answered=quiz.answered, right=quiz.right, accuracy=accuracy))
    lines.append(texts.ANNUAL_TALKS.format(count=figures.talks))
    if figures.talks_led is not None:
        lines.append(texts.ANNUAL_TALKS_LED.format(count=figures.talks_led))
    return "\n".join(lines)


def annual_sheet(rows: Sequence[AnnualFigures], *, year: int, credit_name: str) -> Sheet:
    """One row a person, grouped by unit: credits by activity type, total, target, 完成率,
    what waits, sessions, and the optional sections' columns only when a section exists.
    Talks are counts; nothing a talk's notes or a request's topic say is in AnnualFigures."""
    ordered = sorted(rows, key=lambda row: row.unit)  # stable: the callers' order within a unit
    # Every row lists the configured types; one no longer configured appears only where it has records.
    columns = list(dict.fromkeys((line.key, line.name) for row in ordered for line in row.activities))
    credits = [{line.key: line.credits for line in row.activities} for row in ordered]
    readings = any(row.readings_read is not None for row in ordered)
    quiz = any(row.quiz is not None for row in ordered)
    led = any(row.talks_led is not None for row in ordered)
    headers = [texts.ANNUAL_SHEET_NAME, texts.ANNUAL_SHEET_UNIT]
    headers += [texts.ANNUAL_SHEET_ACTIVITY.format(name=name, credit=credit_name) for _, name in columns]
    totals = list(texts.ANNUAL_SHEET_TOTALS)
    if ordered and not ordered[0].running:  # a finished year, against today's targets: say so
        totals[1] = texts.ANNUAL_SHEET_TARGET_PAST
    headers += export_headers(totals, credit_name)
    headers += [texts.ANNUAL_SHEET_READINGS] if readings else []
    headers += list(texts.ANNUAL_SHEET_QUIZ) if quiz else []
    headers += [texts.ANNUAL_SHEET_TALKS] + ([texts.ANNUAL_SHEET_TALKS_LED] if led else [])

    def cells(row: AnnualFigures, by_key: dict[str, float]) -> list[Cell]:
        values: list[Cell] = [row.name, row.unit]
        values += [by_key.get(key, 0.0) for key, _ in columns]
        values += [row.total, row.target, row.total / row.target if row.target else None, row.pending,
                   row.sessions_attended]
        if readings:
            values.append(row.readings_read)
        if quiz:
            values += [row.quiz.days, row.quiz.accuracy] if row.quiz is not None else [None, None]
        values.append(row.talks)
        if led:
            values.append(row.talks_led)
        return values

    total = sum(row.total for row in ordered)
    target = sum(row.target for row in ordered)
    footer: list[Cell] = [texts.ANNUAL_SHEET_TOTAL_ROW, None]
    footer += [round(sum(by_key.get(key, 0.0) for by_key in credits), 2) for key, _ in columns]
    footer += [round(total, 2), round(target, 2), total / target if target else None,
               round(sum(row.pending for row in ordered), 2), sum(row.sessions_attended for row in ordered)]
    footer += [sum(row.readings_read or 0 for row in ordered)] if readings else []
    footer += [None, None] if quiz else []
    footer += [sum(row.talks for row in ordered)] + ([sum(row.talks_led or 0 for row in ordered)] if led else [])
    ratios = [texts.ANNUAL_SHEET_TOTALS[2]] + ([texts.ANNUAL_SHEET_QUIZ[1]] if quiz else [])
    return Sheet(
        texts.ANNUAL_SHEET.format(year=year), headers, [cells(row, by_key) for row, by_key in zip(ordered, credits)],
        number_formats={header: PERCENT_FORMAT for header in ratios}, footer=[footer],
    )
