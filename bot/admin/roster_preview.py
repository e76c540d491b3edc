"""A roster import's preview as the admin reads it: what each mode would do, in words, with the
buttons to choose. Pure rendering of two plans (db/people.plan_import); nothing is decided here.

Callback data: roster:full:<upload id>, roster:update:<upload id>, roster:cancel:<upload id>.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.chat.render import to_html
from db.people import ImportPlan, Named

PREFIX = "roster"
MAX_NAMES = 20
MAX_UNIT_WARNINGS = 10


def names(people: tuple[Named, ...], limit: int = MAX_NAMES) -> str:
    """张明（C01）、李华（C02）……另有 3 人: enough to recognise a mistake, short enough for a phone."""
    each = [texts.ROSTER_NAME.format(name=p.name, id=p.external_id) for p in people[:limit]]
    shown = texts.ROSTER_NAME_SEPARATOR.join(each)
    rest = len(people) - limit
    return shown + (texts.ROSTER_NAMES_MORE.format(count=rest) if rest > 0 else "")


def modes_differ(full: ImportPlan) -> bool:
    """Only a full list that deactivates someone is a different thing from additions only."""
    return bool(full.deactivated)


def preview_text(
    filename: str, count: int, full: ImportPlan, partial: ImportPlan, warn_share: float, hours: float
) -> str:
    """The preview as HTML (the share warning is bold: Telegram has no red)."""
    lines = [
        texts.ROSTER_PREVIEW_HEADER.format(filename=filename, count=count),
        texts.ROSTER_PREVIEW_COUNTS.format(
            created=len(full.created), updated=len(full.updated), unchanged=full.unchanged,
            reactivated=len(full.reactivated),
        ),
    ]
    lines += _mode_lines(full, partial, warn_share)
    lines += _warning_lines(full, partial)
    choose = texts.ROSTER_PREVIEW_CHOOSE if modes_differ(full) else texts.ROSTER_PREVIEW_CONFIRM
    lines.append(choose.format(hours=texts.num(hours)))
    return to_html("\n".join(lines))


def _mode_lines(full: ImportPlan, partial: ImportPlan, warn_share: float) -> list[str]:
    if not full.missing:
        return [texts.ROSTER_PREVIEW_SAME]
    if full.deactivated:
        lines = [texts.ROSTER_PREVIEW_FULL.format(count=len(full.deactivated), names=names(full.deactivated))]
    else:
        lines = [texts.ROSTER_PREVIEW_FULL_NONE]
    lines += [texts.ROSTER_PREVIEW_KEPT[why.value].format(name=p.name, id=p.external_id) for p, why in full.kept]
    if full.deactivated_share > warn_share:
        lines.append(texts.ROSTER_PREVIEW_SHARE_WARNING.format(
            count=len(full.deactivated), active=full.active_before,
            percent=round(full.deactivated_share * 100), limit=texts.num(warn_share * 100),
        ))
    lines.append(texts.ROSTER_PREVIEW_UPDATE.format(count=len(partial.missing)))
    return lines


def _warning_lines(full: ImportPlan, partial: ImportPlan) -> list[str]:
    lines = [
        texts.ROSTER_PREVIEW_EMPTY_UNIT.format(unit=unit, name=who.name, id=who.external_id)
        for unit, who in partial.empty_units
    ]
    lines += [
        texts.ROSTER_PREVIEW_EMPTY_UNIT_FULL.format(unit=unit, name=who.name, id=who.external_id)
        for unit, who in full.empty_units if (unit, who) not in partial.empty_units
    ]
    if len(lines) > MAX_UNIT_WARNINGS:
        lines = lines[:MAX_UNIT_WARNINGS] + [texts.ROSTER_WARNINGS_MORE.format(count=len(lines) - MAX_UNIT_WARNINGS)]
    if full.uploader_loses_admin:
        lines.append(texts.ROSTER_PREVIEW_UPLOADER_DEMOTED)
    return lines


def preview_keyboard(upload_id: int, full: ImportPlan) -> InlineKeyboardMarkup:
    cancel = InlineKeyboardButton(texts.ROSTER_BUTTON_CANCEL, callback_data=f"{PREFIX}:cancel:{upload_id}")
    if not modes_differ(full):
        return InlineKeyboardMarkup([
            [InlineKeyboardButton(texts.ROSTER_BUTTON_APPLY, callback_data=f"{PREFIX}:full:{upload_id}"), cancel]
        ])
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(
            texts.ROSTER_BUTTON_FULL.format(count=len(full.deactivated)), callback_data=f"{PREFIX}:full:{upload_id}"
        )],
        [InlineKeyboardButton(texts.ROSTER_BUTTON_UPDATE, callback_data=f"{PREFIX}:update:{upload_id}"), cancel],
    ])
