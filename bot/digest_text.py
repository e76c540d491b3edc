"""The weekly digest as Telegram message pages: plain text, one page per message.

A unit can have fifty people; one long message would be cut by Telegram at 4096 characters
and would not fit a phone anyway, so the digest is split into pages of whole people that
the handler shows one at a time behind 上一页/下一页 buttons. Nothing here knows about the
database or Telegram; the pages are plain text (send them without a parse mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot import texts
from bot.digest_model import (
    OrgDigest,
    OrgRow,
    PersonRow,
    UnitDigest,
    attention_order,
    attention_reasons,
    needing_attention,
    org_order,
)

ATTENTION_COUNT = 3
DEFAULT_CREDIT_NAME = "学时"


def unit_digest_pages(
    digest: UnitDigest, page_size: int = 10, *, credit_name: str = DEFAULT_CREDIT_NAME
) -> list[str]:
    """Page 1: header, totals and who needs attention; then everyone, most in need first,
    `page_size` people a page, each page ending with "第 i/n 页".

    With two lines a person, the default of 10 keeps every page within about 30 lines.
    """
    _check_page_size(page_size)
    people = attention_order(digest.people)
    chunks = _chunks(people, page_size)
    pages = []
    for index, chunk in enumerate(chunks):
        head = _unit_head(digest, credit_name) if index == 0 else [
            texts.DIGEST_UNIT_TITLE_CONTINUED.format(unit=digest.unit), ""
        ]
        body = [line for person in chunk for line in person_entry(person, digest.week_end).split("\n")]
        if not people:
            body = [texts.DIGEST_NO_PEOPLE]
        pages.append(_page(head, body, index, len(chunks)))
    return pages


def org_digest_pages(
    digest: OrgDigest, page_size: int = 15, *, credit_name: str = DEFAULT_CREDIT_NAME
) -> list[str]:
    """Admins' view: organisation totals and a legend on page 1, then one line per unit,
    the units with the largest share far behind first.
    """
    _check_page_size(page_size)
    units = org_order(digest.units)
    chunks = _chunks(units, page_size)
    pages = []
    for index, chunk in enumerate(chunks):
        head = _org_head(digest, credit_name) if index == 0 else [texts.ORG_DIGEST_TITLE_CONTINUED, ""]
        body = [org_line(row) for row in chunk] if units else [texts.ORG_DIGEST_NO_UNITS]
        pages.append(_page(head, body, index, len(chunks)))
    return pages


def person_entry(person: PersonRow, today: date) -> str:
    """Two lines: standing and totals, then last study and talk status."""
    first = texts.DIGEST_PERSON_LINE.format(
        emoji=texts.DIGEST_STATUS_EMOJI[person.status],
        name=person.name,
        unreachable=f" {texts.DIGEST_UNREACHABLE}" if not person.reachable else "",
        year=texts.num(person.year_credits),
        target=texts.num(person.target),
        percent=_percent(person.year_credits, person.target),
        week=texts.num(person.week_credits),
    )
    second = texts.DIGEST_PERSON_DETAIL.format(
        last_study=short_day(person.last_study, today) if person.last_study else texts.DIGEST_NEVER,
        talk=talk_status(person, today),
    )
    return f"{first}\n{second}"


def talk_status(person: PersonRow, today: date) -> str:
    """The one talk fact that matters most: overdue, else when due, else when last held."""
    if person.talk_overdue:
        if person.talk_due:
            return texts.DIGEST_TALK_OVERDUE_SINCE.format(due=short_day(person.talk_due, today))
        return texts.DIGEST_TALK_OVERDUE
    if person.talk_due:
        return texts.DIGEST_TALK_DUE.format(due=short_day(person.talk_due, today))
    if person.last_talk:
        return texts.DIGEST_TALK_LAST.format(last=short_day(person.last_talk, today))
    return texts.DIGEST_TALK_NONE


def attention_line(person: PersonRow, credit_name: str = DEFAULT_CREDIT_NAME) -> str:
    """`🔴 张三：严重落后，差 40学时；📵 助手联系不上`: who, and why they are on the list."""
    gap = texts.credits(max(person.gap, 0.0), credit_name)
    reasons = texts.DIGEST_REASON_SEPARATOR.join(
        texts.DIGEST_REASONS[reason].format(gap=gap) for reason in attention_reasons(person)
    )
    return texts.DIGEST_ATTENTION_LINE.format(
        emoji=texts.DIGEST_STATUS_EMOJI[person.status], name=person.name, reasons=reasons
    )


def org_line(row: OrgRow) -> str:
    extras = ""
    if row.talks_overdue:
        extras += texts.ORG_DIGEST_OVERDUE.format(count=row.talks_overdue)
    if row.unreachable:
        extras += texts.ORG_DIGEST_UNREACHABLE.format(count=row.unreachable)
    return texts.ORG_DIGEST_LINE.format(
        unit=row.unit, people=row.people_count, on_track=row.on_track, behind=row.behind,
        far_behind=row.far_behind, week=texts.num(row.week_total), year=texts.num(row.year_total),
        extras=extras,
    )


def short_day(value: date, today: date) -> str:
    """`11-18`; with the year only when it differs, so last December stays unambiguous."""
    return value.strftime("%m-%d") if value.year == today.year else value.isoformat()


def _unit_head(digest: UnitDigest, credit_name: str) -> list[str]:
    attention = needing_attention(digest.people, ATTENTION_COUNT)
    block = [attention_line(person, credit_name) for person in attention] or [texts.DIGEST_ATTENTION_NONE]
    attention_block = [texts.DIGEST_ATTENTION_HEADER, *block, ""] if digest.people else []
    return [
        texts.DIGEST_UNIT_TITLE.format(
            unit=digest.unit, start=texts.day(digest.week_start), end=texts.day(digest.week_end)
        ),
        texts.DIGEST_UNIT_TOTALS.format(
            week=texts.credits(digest.week_total, credit_name), year=digest.year,
            total=texts.credits(digest.year_total, credit_name), count=len(digest.people),
        ),
        "",
        *attention_block,
    ]


def _org_head(digest: OrgDigest, credit_name: str) -> list[str]:
    units = digest.units
    return [
        texts.ORG_DIGEST_TITLE.format(start=texts.day(digest.week_start), end=texts.day(digest.week_end)),
        texts.ORG_DIGEST_TOTALS.format(
            units=len(units), people=sum(u.people_count for u in units),
            week=texts.credits(sum(u.week_total for u in units), credit_name), year=digest.year,
            total=texts.credits(sum(u.year_total for u in units), credit_name),
        ),
        texts.ORG_DIGEST_COUNTS.format(
            on_track=sum(u.on_track for u in units), behind=sum(u.behind for u in units),
            far_behind=sum(u.far_behind for u in units), overdue=sum(u.talks_overdue for u in units),
            unreachable=sum(u.unreachable for u in units),
        ),
        texts.ORG_DIGEST_LEGEND,
        *([uncertain_line(digest.uncertain)] if digest.uncertain else []),
        "",
    ]


def uncertain_line(names: Sequence[str], shown: int = 5) -> str:
    """`❔ 过去 7 天有 2 条定时消息未能确认送达…：张明、李华`: who may have missed one."""
    unique = list(dict.fromkeys(names))
    listed = texts.ORG_DIGEST_NAME_SEPARATOR.join(unique[:shown])
    if len(unique) > shown:
        listed += texts.ORG_DIGEST_MORE_PEOPLE.format(count=len(unique))
    return texts.ORG_DIGEST_UNCERTAIN.format(count=len(names), names=listed)


def _page(head: list[str], body: list[str], index: int, count: int) -> str:
    footer = texts.DIGEST_PAGE.format(page=index + 1, pages=count)
    return "\n".join([*head, *body, "", footer])


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    """Whole items per page; an empty list still makes one page (it says there is nobody)."""
    return [items[start:start + size] for start in range(0, len(items), size)] or [items]


def _check_page_size(page_size: int) -> None:
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")


def _percent(done: float, target: float) -> str:
    return f"{done / target * 100:.0f}%" if target > 0 else texts.DIGEST_PERCENT_NONE
