"""What a confirmer is shown for a record waiting for them or a /fix request, and the one
re-send of those left waiting too long.

The first prompt (handlers/study_review.py, handlers/fixes.py), /pending and the re-send all
build their text and buttons here, so they say the same thing. A re-send is a delivery row
(kind review:rec:<record id> or review:fix:<fix id>, period "resend"), planned once a workday
with the talk prompts and sent by the DeliveryEngine, so it goes out exactly once however
often the scheduler ticks; a FanOut marker per record makes it once per record, not once per
confirmer who appears later. It is rendered at send time and dropped if the record was
decided meanwhile or the recipient may no longer decide on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.config import Config
from bot.scheduling.delivery import Outgoing
from bot.scheduling.reminders import deliver_at
from bot.services import Services
from db import credits, deliveries, fixes, people, reminders
from db.deliveries import Claimed, Planned
from db.models import Person, StudyFix, StudyRecord
from db.people import PersonFacts

RECORD_PREFIX = "rv"  # rv:ok|no:<record id>[:<page of /pending>]  (handlers/study_review.py)
FIX_PREFIX = "fx"  # fx:ok|no:<fix id>[:<page of /pending>]  (handlers/fixes.py)
KIND = "review"
RESEND = "resend"
SCAN = "reviewscan"  # the once-a-day marker of the re-send scan


def _figures(config: Config, record: StudyRecord) -> dict[str, str]:
    study = config.study
    return {
        "name": study.activity_name(record.activity), "amount": texts.amount(record.amount, record.unit),
        "credits": texts.credits(record.credits, study.credit_name), "day": texts.day(record.study_date),
    }


def by_admins_note(owner: Person | PersonFacts) -> str:
    return texts.REVIEW_BY_ADMINS.format(unit=owner.unit or "—")


def record_prompt(config: Config, record: StudyRecord, owner: Person | PersonFacts, by_admins: bool) -> str:
    """The 请确认 message for one pending record; admins are told why it came to them."""
    text = texts.REVIEW_PROMPT.format(
        id=record.id, person=owner.name, unit=owner.unit or "—", note=record.note or texts.STUDY_NOTE_NONE,
        **_figures(config, record),
    )
    return text + (by_admins_note(owner) if by_admins else "")


def record_buttons(record_id: int, page: int | None = None) -> InlineKeyboardMarkup:
    """通过 / 退回; on a /pending page the labels name the record and the data the page."""
    labels = (
        (texts.PENDING_APPROVE.format(id=record_id), texts.PENDING_REJECT.format(id=record_id))
        if page is not None else (texts.REVIEW_APPROVE, texts.REVIEW_REJECT)
    )
    return _yes_no(RECORD_PREFIX, record_id, labels, page)


def fix_prompt(config: Config, fix: StudyFix, record: StudyRecord, owner: Person | PersonFacts, by_admins: bool) -> str:
    """The 更正申请 message: the record as it stands, and what the cadre says is wrong."""
    text = texts.FIX_PROMPT.format(
        id=record.id, person=owner.name, unit=owner.unit or "—", status=texts.STATUS_NAMES[record.status],
        note=fix.note, **_figures(config, record),
    )
    return text + (by_admins_note(owner) if by_admins else "")


def fix_buttons(fix: StudyFix, record_id: int, page: int | None = None) -> InlineKeyboardMarkup:
    labels = (
        (texts.PENDING_FIX_ACCEPT.format(id=record_id), texts.PENDING_FIX_DECLINE.format(id=record_id))
        if page is not None else (texts.FIX_ACCEPT, texts.FIX_DECLINE)
    )
    return _yes_no(FIX_PREFIX, fix.id, labels, page)


def _yes_no(prefix: str, target: int, labels: tuple[str, str], page: int | None) -> InlineKeyboardMarkup:
    """The decision pair (`<prefix>:ok|no:<id>[:page]`): on a /pending page the data names the page,
    so the list can be redrawn after the decision."""
    tail = f":{page}" if page is not None else ""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(labels[0], callback_data=f"{prefix}:ok:{target}{tail}"),
        InlineKeyboardButton(labels[1], callback_data=f"{prefix}:no:{target}{tail}"),
    ]])


# --- the re-send ---------------------------------------------------------------------------


async def plan_review_resends(session: AsyncSession, services: Services, now: datetime) -> int:
    """Once a workday, from talks.prompt_time: every record and /fix request waiting longer
    than study.confirm_resend_days gets one more prompt to each of its confirmers. A record
    nobody can confirm yet is left for a later day (the admins were told when it was logged)."""
    config = services.config
    local = now.astimezone(config.tz)
    if local.time() < config.talks.prompt_time or not config.reminders.holidays.calendar.is_workday(local.date()):
        return 0
    if not await deliveries.claim_fanout(session, SCAN, local.date().isoformat(), now):
        return 0
    cutoff = now - timedelta(days=config.study.confirm_resend_days)
    waiting: list[tuple[str, Person]] = [
        (f"{KIND}:rec:{record.id}", owner) for record, owner in await credits.pending_older_than(session, cutoff)
    ]
    waiting += [(f"{KIND}:fix:{fix.id}", owner) for fix, _, owner in await fixes.open_older_than(session, cutoff)]
    planned = 0
    for kind, owner in waiting:
        confirmers = await people.confirmers_of(session, owner)
        if confirmers.nobody or not await deliveries.claim_fanout(session, kind, RESEND, now):
            continue
        prefs = await reminders.prefs_for(session, [p.id for p in confirmers.people])
        await deliveries.add_deliveries(session, kind, RESEND, [
            Planned(p.id, deliver_at(prefs.get(p.id), services, now)) for p in confirmers.people
        ], now)
        planned += 1
    return planned


async def render_review_resends(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """The prompt again, saying how long it has waited; None when there is nothing left to do."""
    return {delivery.id: await _render(session, services, delivery, confirmer) for delivery, confirmer in batch}


async def _render(session: AsyncSession, services: Services, delivery: Claimed, confirmer: PersonFacts) -> Outgoing | None:
    parts = delivery.kind.split(":")
    what, wanted = (parts[1], int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else ("", 0)
    now, config = services.now(), services.config
    if what == "rec":
        found = await credits.record_with_owner(session, wanted)
        if found is None or found[0].status != "pending":
            return None
        record, owner = found
        since, fix = record.created_at, None
    elif what == "fix":
        fixed = await fixes.fix_by_id(session, wanted)
        if fixed is None or fixed[0].status != "open" or fixed[1].status not in credits.LIVE:
            return None
        fix, record, owner = fixed
        since = fix.asked_at
    else:
        return None
    if not owner.active or not await people.may_confirm(session, confirmer, owner):
        return None
    by_admins = not people.supervises(confirmer, owner)
    lead = texts.REVIEW_RESENT.format(days=max(1, (now - since).days))
    if fix is None:
        return Outgoing(lead + record_prompt(config, record, owner, by_admins), record_buttons(record.id))
    return Outgoing(lead + fix_prompt(config, fix, record, owner, by_admins), fix_buttons(fix, record.id))
