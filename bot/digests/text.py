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
from bot.digests.model import (
    AttentionReason,
    ReadingLine,
    OrgDigest,
    OrgRow,
    PendingSummary,
    PersonRow,
    QuizWrongLine,
    SessionLine,
    UnitDigest,
    attention_order,
    attention_reasons,
    attention_rest,
    needing_attention,
    org_order,
)

ATTENTION_COUNT = 3
DEFAULT_CREDIT_NAME = "学时"
_REASON_ORDER: tuple[AttentionReason, ...] = ("far_behind", "behind", "unreachable", "talk_overdue")


def unit_digest_pages(
    digest: UnitDigest, page_size: int = 6, *, credit_name: str = DEFAULT_CREDIT_NAME,
    attention_count: int = ATTENTION_COUNT,
) -> list[str]:
    """Page 1: header, totals, what waits for confirmation and who needs attention; then
    everyone, most in need first, each page ending with "第i/n页".

    A page is one phone screen (about 15 lines): `page_size` people of two lines each on the
    later pages, and on page 1 as many fewer as its head takes lines, so that page is no
    longer than the others.
    """
    _check_page_size(page_size)
    people = attention_order(digest.people)
    first_head = _unit_head(digest, credit_name, attention_count)
    continued_head = [texts.DIGEST_UNIT_TITLE_CONTINUED.format(unit=digest.unit), ""]
    first_size = max(1, page_size - (len(first_head) - len(continued_head) + 1) // 2)
    chunks = [people[:first_size], *_chunks(people[first_size:], page_size)] if len(people) > first_size else [people]
    quiz = any(p.quiz_answered for p in digest.people)  # a week without answers keeps the lines as they were
    pages = []
    for index, chunk in enumerate(chunks):
        head = first_head if index == 0 else continued_head
        body = [
            line for person in chunk
            for line in person_entry(
                person, digest.week_end, credit_name, sessions=bool(digest.sessions), quiz=quiz).split("\n")
        ]
        if not people:
            body = [texts.DIGEST_NO_PEOPLE]
        pages.append(_page(head, body, index, len(chunks)))
    return pages


def org_digest_pages(
    digest: OrgDigest, page_size: int = 6, *, credit_name: str = DEFAULT_CREDIT_NAME
) -> list[str]:
    """Admins' view: organisation totals and a legend on page 1, then one line per unit,
    the units with the largest share far behind first; page 1 holds as many fewer units as
    its head takes lines, so every page fits one phone screen.
    """
    _check_page_size(page_size)
    units = org_order(digest.units)
    first_head = _org_head(digest, credit_name)
    continued_head = [texts.ORG_DIGEST_TITLE_CONTINUED, ""]
    first_size = max(1, page_size - (len(first_head) - len(continued_head)))
    chunks = [units[:first_size], *_chunks(units[first_size:], page_size)] if len(units) > first_size else [units]
    pages = []
    for index, chunk in enumerate(chunks):
        head = first_head if index == 0 else continued_head
        body = [org_line(row, credit_name) for row in chunk] if units else [texts.ORG_DIGEST_NO_UNITS]
        pages.append(_page(head, body, index, len(chunks)))
    return pages


def person_entry(
    person: PersonRow, today: date, credit_name: str = DEFAULT_CREDIT_NAME, sessions: bool = False, quiz: bool = False,
) -> str:
    """Two lines: standing and totals, then last study and talk status (and, in a week with
    collective sessions, how many the person checked in to; in a week with quiz answers, the
    person's days, answers and accuracy)."""
    first = texts.DIGEST_PERSON_LINE.format(
        emoji=texts.DIGEST_STATUS_EMOJI[person.status],
        name=person.name,
        unreachable=texts.DIGEST_UNREACHABLE if not person.reachable else "",
        year=texts.num(person.year_credits),
        target=texts.num(person.target),
        week=texts.num(person.week_credits),
        credit=credit_name,
    )
    second = texts.DIGEST_PERSON_DETAIL.format(
        last_study=short_day(person.last_study, today) if person.last_study else texts.DIGEST_NEVER,
        talk=talk_status(person, today),
    )
    if sessions:
        second += texts.DIGEST_PERSON_SESSIONS.format(count=person.sessions_attended)
    if quiz:
        second += texts.DIGEST_PERSON_QUIZ.format(
            days=person.quiz_days, answered=person.quiz_answered, rate=quiz_rate(person.quiz_accuracy))
    return f"{first}\n{second}"


def quiz_rate(accuracy: float | None) -> str:
    """`80%`, `66.7%`; `—` when nothing was answered (no made-up 0%)."""
    return texts.QUIZ_RATE_NONE if accuracy is None else f"{texts.num(100 * accuracy)}%"


def quiz_wrong_block(lines: Sequence[QuizWrongLine], min_answers: int) -> list[str]:
    """The admins' 易错题: items answered wrong most often this week, with item and entry ids."""
    if not lines:
        return []
    return [
        texts.ORG_DIGEST_QUIZ_WRONG_HEADER.format(min=min_answers),
        *(texts.ORG_DIGEST_QUIZ_WRONG_LINE.format(
            rank=rank, stem=_short(line.stem or line.item_id, 20), item_id=line.item_id, entry_id=line.entry_id,
            rate=texts.num(100 * line.wrong_rate), wrong=line.wrong, answered=line.answered)
          for rank, line in enumerate(lines, start=1)),
        "",
    ]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def session_line(line: SessionLine) -> str:
    """签到 of one collective session: 周一例会学习（11月16日）签到12/15 · 80%."""
    return texts.DIGEST_SESSION_LINE.format(
        name=line.name, topic=texts.SESSION_INVITE_TOPIC.format(topic=line.topic) if line.topic else "",
        day=texts.day(line.day), attended=line.attended, expected=line.expected, rate=texts.num(100 * line.rate),
    )


def _session_block(lines: Sequence[SessionLine]) -> list[str]:
    return [texts.DIGEST_SESSIONS_HEADER, *(session_line(line) for line in lines), ""] if lines else []


# A unit digest names at most this many who have not read the week's reading, then counts the rest.
READING_NAMES_SHOWN = 8


def _reading_block(line: ReadingLine | None) -> list[str]:
    """每周一篇《…》：已读3/5, then 未读：张明、李华 (a unit digest); never a 心得."""
    if line is None:
        return []
    block = [texts.DIGEST_READING_LINE.format(title=line.title, read=line.read, total=line.total)]
    if line.unread:
        shown = "、".join(line.unread[:READING_NAMES_SHOWN])
        if len(line.unread) > READING_NAMES_SHOWN:
            shown = texts.DIGEST_READING_UNREAD_MORE.format(names=shown, count=len(line.unread))
        block.append(texts.DIGEST_READING_UNREAD.format(names=shown))
    return [*block, ""]


def talk_status(person: PersonRow, today: date) -> str:
    """The one talk fact that matters most: nobody to talk with, overdue, else when due, else
    when last held."""
    if not person.has_supervisor:
        return texts.DIGEST_TALK_NO_SUPERVISOR
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
    """`🔴 张三：严重落后，差40学时；📵 无法送达`: who, and why they are on the list."""
    gap = texts.figure(max(person.gap, 0.0), credit_name)
    reasons = texts.DIGEST_REASON_SEPARATOR.join(
        texts.DIGEST_REASONS[reason].format(gap=gap) for reason in attention_reasons(person)
    )
    return texts.DIGEST_ATTENTION_LINE.format(
        emoji=texts.DIGEST_STATUS_EMOJI[person.status], name=person.name, reasons=reasons
    )


def attention_more_line(people: Sequence[PersonRow], shown: int) -> str | None:
    """`另有11人严重落后、2人谈话逾期。`: everyone needing attention beyond the `shown` named,
    counted once each by their most serious reason; None when the list named them all."""
    rest = attention_rest(people, shown)
    if not rest:
        return None
    parts = texts.DIGEST_MORE_SEPARATOR.join(
        texts.DIGEST_MORE_REASONS[reason].format(count=rest[reason]) for reason in _REASON_ORDER if rest[reason]
    )
    return texts.DIGEST_ATTENTION_MORE.format(parts=parts)


def pending_line(pending: PendingSummary | None, template: str = texts.DIGEST_PENDING) -> str | None:
    """`⏳ 待确认3条，最早的#12已等待9天…`; None when nothing waits (or for an older week)."""
    if pending is None or not pending.count:
        return None
    waited = (texts.DIGEST_WAITED_DAYS.format(days=pending.oldest_waited_days)
              if pending.oldest_waited_days >= 1 else texts.DIGEST_WAITED_TODAY)
    return template.format(count=pending.count, id=pending.oldest_record_id, waited=waited)


def org_line(row: OrgRow, credit_name: str = DEFAULT_CREDIT_NAME) -> str:
    extras = ""
    if row.talks_overdue:
        extras += texts.ORG_DIGEST_OVERDUE.format(count=row.talks_overdue)
    if row.unreachable:
        extras += texts.ORG_DIGEST_UNREACHABLE.format(count=row.unreachable)
    if row.no_supervisor:
        extras += texts.ORG_DIGEST_NO_SUPERVISOR.format(count=row.no_supervisor)
    return texts.ORG_DIGEST_LINE.format(
        unit=row.unit, people=row.people_count, on_track=row.on_track, behind=row.behind,
        far_behind=row.far_behind, week=texts.num(row.week_total), year=texts.num(row.year_total),
        extras=extras, credit=credit_name,
    )


def short_day(value: date, today: date) -> str:
    """`11-18`; with the year only when it differs, so last December stays unambiguous."""
    return value.strftime("%m-%d") if value.year == today.year else value.isoformat()


def _unit_head(digest: UnitDigest, credit_name: str, attention_count: int) -> list[str]:
    attention = needing_attention(digest.people, attention_count)
    block = [attention_line(person, credit_name) for person in attention] or [texts.DIGEST_ATTENTION_NONE]
    more = attention_more_line(digest.people, attention_count)
    attention_block = [texts.DIGEST_ATTENTION_HEADER, *block, *([more] if more else []), ""] if digest.people else []
    pending = pending_line(digest.pending)
    return [
        texts.DIGEST_UNIT_TITLE.format(
            unit=digest.unit, start=texts.day(digest.week_start), end=texts.day(digest.week_end)
        ),
        texts.DIGEST_UNIT_TOTALS.format(
            week=texts.figure(digest.week_total, credit_name), year=digest.year,
            total=texts.figure(digest.year_total, credit_name), count=len(digest.people),
        ),
        *([pending] if pending else []),
        "",
        *_session_block(digest.sessions),
        *_reading_block(digest.reading),
        *attention_block,
    ]


def _org_head(digest: OrgDigest, credit_name: str) -> list[str]:
    units = digest.units
    return [
        texts.ORG_DIGEST_TITLE.format(start=texts.day(digest.week_start), end=texts.day(digest.week_end)),
        texts.ORG_DIGEST_TOTALS.format(
            units=len(units), people=sum(u.people_count for u in units),
            week=texts.figure(sum(u.week_total for u in units), credit_name), year=digest.year,
            total=texts.figure(sum(u.year_total for u in units), credit_name),
        ),
        texts.ORG_DIGEST_COUNTS.format(
            on_track=sum(u.on_track for u in units), behind=sum(u.behind for u in units),
            far_behind=sum(u.far_behind for u in units), overdue=sum(u.talks_overdue for u in units),
            unreachable=sum(u.unreachable for u in units),
        ),
        *([no_supervisor] if (no_supervisor := _no_supervisor_line(units)) else []),
        *([pending] if (pending := pending_line(digest.pending, texts.ORG_DIGEST_PENDING)) else []),
        texts.ORG_DIGEST_LEGEND,
        *([uncertain_line(digest.uncertain)] if digest.uncertain else []),
        "",
        *_session_block(digest.sessions),
        *_reading_block(digest.reading),
        *quiz_wrong_block(digest.quiz_wrong, digest.quiz_wrong_min),
    ]


def _no_supervisor_line(units: Sequence[OrgRow]) -> str | None:
    count = sum(u.no_supervisor for u in units)
    return texts.ORG_DIGEST_NO_SUPERVISOR_TOTAL.format(count=count) if count else None


def uncertain_line(names: Sequence[str], shown: int = 5) -> str:
    """`❔ 过去7天有2条定时消息未能确认送达…：张明、李华`: who may have missed one."""
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

