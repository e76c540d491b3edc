"""The credits query module on its own: exact sums, idempotent logging, the daily cap under
concurrency, corrections, and the figures reminders and digests will read."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from db import credits, fixes, people
from db.engine import Database
from db.migrate import upgrade
from db.periods import Period, period_containing, period_labelled, pro_rata
from db.roster import parse_roster

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 20)
YEAR = period_labelled(2026, 1)

ROSTER = """\
- {id: C01, name: 张明, unit: 组织科, roles: cadre}
- {id: C02, name: 李华, unit: 组织科, roles: cadre}
- {id: S01, name: 赵强, unit: 组织科, roles: cadre;supervisor, supervises: 组织科}
- {id: S02, name: 孙丽, unit: 干部科, roles: supervisor, supervises: 干部科}
"""


@dataclass(frozen=True)
class Kind:
    """An activity as the config would give it."""

    key: str
    unit: str = "hour"
    credits_per_unit: float = 1.0
    daily_cap: float | None = None
    needs_confirmation: bool = False


_tokens = itertools.count(1)

LECTURE = Kind("jiangzuo", daily_cap=8)
TRAINING = Kind("tuochan", unit="day", credits_per_unit=7.5)
REPORT = Kind("diaoyan", unit="piece", credits_per_unit=8, needs_confirmation=True)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    async with database.session() as session:
        await people.import_roster(session, parse_roster("r.yaml", ROSTER.encode()))
        await session.commit()
    try:
        yield database
    finally:
        await database.dispose()


async def person_id(db: Database, external_id: str) -> int:
    async with db.session() as session:
        person = await people.by_external_id(session, external_id)
        assert person is not None
        return person.id


async def log(db: Database, who: int, kind: Kind, amount: str, day: date = TODAY, token: str | None = None,
              now: datetime = NOW) -> credits.LogResult:
    async with db.session() as session:
        result = await credits.log_study(
            session, person_id=who, activity=kind, amount=Decimal(amount), study_date=day, note="",
            client_token=token or f"t{next(_tokens)}", now=now,
        )
        await session.commit()
        return result


async def test_credits_are_amount_times_rate_and_sums_are_exact(db: Database) -> None:
    who = await person_id(db, "C01")
    await log(db, who, TRAINING, "1.5")  # 11.25
    for _ in range(10):
        await log(db, who, Kind("wangxue"), "0.1")
    async with db.session() as session:
        progress = await credits.year_progress(session, who, YEAR, 90, TODAY)
    assert progress.total == 12.25  # 0.1 ten times is exactly 1, not 0.9999999
    assert [(a.activity, a.unit, a.amount, a.credits, a.count) for a in progress.by_activity] == [
        ("tuochan", "day", 1.5, 11.25, 1), ("wangxue", "hour", 1.0, 1.0, 10)]


async def test_the_same_token_records_once(db: Database) -> None:
    who = await person_id(db, "C01")
    first = await log(db, who, LECTURE, "2", token="draft-1")
    second = await log(db, who, LECTURE, "2", token="draft-1")
    assert first.outcome is credits.LogOutcome.SAVED and second.outcome is credits.LogOutcome.DUPLICATE
    assert second.record is not None and second.record.id == first.record.id


async def test_the_cap_counts_live_records_of_that_activity_and_day_only(db: Database) -> None:
    who = await person_id(db, "C01")
    await log(db, who, LECTURE, "6")
    await log(db, who, LECTURE, "8", day=TODAY - timedelta(days=1))
    await log(db, who, Kind("wangxue"), "4")
    refused = await log(db, who, LECTURE, "2.5")
    assert refused.outcome is credits.LogOutcome.OVER_CAP and refused.logged_that_day == 6
    assert (await log(db, who, LECTURE, "2")).outcome is credits.LogOutcome.SAVED


async def test_a_voided_record_frees_its_share_of_the_cap(db: Database) -> None:
    who = await person_id(db, "C01")
    saved = await log(db, who, LECTURE, "8")
    async with db.session() as session:
        await credits.undo_own(session, saved.record.id, who, NOW, timedelta(hours=24))
        await session.commit()
    assert (await log(db, who, LECTURE, "8")).outcome is credits.LogOutcome.SAVED


async def test_concurrent_logs_by_one_person_never_pass_the_cap(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite takes one writer at a time")
    who = await person_id(db, "C01")
    results = await asyncio.gather(*(log(db, who, LECTURE, "1", token=f"c{i}") for i in range(20)))
    assert sum(r.outcome is credits.LogOutcome.SAVED for r in results) == 8
    async with db.session() as session:
        assert await credits.amount_on_day(session, who, LECTURE.key, TODAY) == 8


async def test_concurrent_retries_of_one_draft_record_once(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter")
    who = await person_id(db, "C01")
    results = await asyncio.gather(*(log(db, who, LECTURE, "1", token="same") for _ in range(10)))
    assert sorted(r.outcome.value for r in results) == ["duplicate"] * 9 + ["saved"]


async def test_pending_records_wait_and_only_confirmed_count(db: Database) -> None:
    who = await person_id(db, "C01")
    await log(db, who, LECTURE, "2")
    pending = await log(db, who, REPORT, "1")
    assert pending.record.status == "pending"
    async with db.session() as session:
        progress = await credits.year_progress(session, who, YEAR, 90, TODAY)
        totals = await credits.totals_for_people(session, [who], YEAR.start, YEAR.end)
    assert (progress.total, progress.pending, totals[who]) == (2, 8, 2)


async def test_only_a_supervisor_of_the_unit_decides_and_only_once(db: Database) -> None:
    who = await person_id(db, "C01")
    record_id = (await log(db, who, REPORT, "1")).record.id
    async with db.session() as session:
        other = await people.by_external_id(session, "S02")
        owner_self = await people.by_id(session, who)
        supervisor = await people.by_external_id(session, "S01")
        assert (await credits.decide(session, record_id, other, True, NOW)).outcome is credits.Change.NOT_FOUND
        assert (await credits.decide(session, record_id, owner_self, True, NOW)).outcome is credits.Change.NOT_FOUND
        done = await credits.decide(session, record_id, supervisor, True, NOW)
        assert done.outcome is credits.Change.DONE and done.record.decided_by == supervisor.id
        assert (await credits.decide(session, record_id, supervisor, False, NOW)).outcome is credits.Change.ALREADY
        assert (await people.confirmers_of(session, owner_self)).people == []  # S01 not bound, no admin
        await session.commit()


async def test_通过_and_退回_at_once_one_wins_and_the_other_learns_who(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter")
    async with db.session() as session:  # a second supervisor of 组织科
        await people.import_roster(session, parse_roster("r.yaml", (
            ROSTER + "- {id: S03, name: 钱进, unit: 组织科, roles: supervisor, supervises: 组织科}\n").encode()))
        await session.commit()
    record_id = (await log(db, await person_id(db, "C01"), REPORT, "1")).record.id

    async def press(external_id: str, approve: bool) -> credits.ChangeResult:
        async with db.session() as session:
            confirmer = await people.by_external_id(session, external_id)
            result = await credits.decide(session, record_id, confirmer, approve, NOW, None if approve else "材料不全")
            await session.commit()
            return result

    confirmed = 0
    for round_ in range(1, 6):
        results = await asyncio.gather(press("S01", True), press("S03", False))
        assert sorted(r.outcome.value for r in results) == ["already", "done"], results
        winner = next(r for r in results if r.outcome is credits.Change.DONE)
        loser = next(r for r in results if r.outcome is credits.Change.ALREADY)
        assert loser.by == ("赵强" if winner.record.status == "confirmed" else "钱进")
        confirmed += winner.record.status == "confirmed"
        record_id = (await log(db, await person_id(db, "C01"), REPORT, "1", day=TODAY - timedelta(days=round_))).record.id
    async with db.session() as session:  # the running totals moved once per record, never twice
        progress = await credits.year_progress(session, await person_id(db, "C01"), YEAR, 90, TODAY)
    assert (progress.total, progress.pending) == (8 * confirmed, 8)


async def test_confirmers_are_bound_active_supervisors_of_the_unit_but_not_oneself(db: Database) -> None:
    async with db.session() as session:
        await people.bind_telegram(session, (await people.by_external_id(session, "S01")).invite_code, 1, 1, NOW)
        await people.bind_telegram(session, (await people.by_external_id(session, "S02")).invite_code, 2, 2, NOW)
        cadre = await people.by_external_id(session, "C01")
        supervisor = await people.by_external_id(session, "S01")
        assert [p.external_id for p in (await people.confirmers_of(session, cadre)).people] == ["S01"]
        assert (await people.confirmers_of(session, supervisor)).people == []  # never oneself; no admin here
        supervisor.active = False
        assert (await people.confirmers_of(session, cadre)).people == []


async def test_undo_only_own_within_the_window_and_void_by_admin_any_time(db: Database) -> None:
    who, other = await person_id(db, "C01"), await person_id(db, "C02")
    record_id = (await log(db, who, LECTURE, "2")).record.id
    window = timedelta(hours=24)
    async with db.session() as session:
        assert (await credits.undo_own(session, record_id, other, NOW, window)).outcome is credits.Change.NOT_FOUND
        late = await credits.undo_own(session, record_id, who, NOW + timedelta(hours=25), window)
        assert late.outcome is credits.Change.TOO_LATE
        voided = await credits.void_record(session, record_id, other, "重复", NOW + timedelta(days=5))
        assert voided.outcome is credits.Change.DONE and voided.owner.id == who
        assert (voided.record.status, voided.record.void_reason, voided.record.voided_by) == ("voided", "重复", other)
        assert (await credits.void_record(session, record_id, other, "再", NOW)).outcome is credits.Change.ALREADY
        assert (await credits.void_record(session, 987654, other, "无", NOW)).outcome is credits.Change.NOT_FOUND
        await session.commit()
    async with db.session() as session:
        [kept] = await credits.records_of(session, who)  # voided, never deleted
        assert kept.status == "voided" and kept.voided_at.tzinfo is not None


async def test_progress_lists_the_latest_records_of_the_period_newest_day_first(db: Database) -> None:
    who = await person_id(db, "C01")
    for days_ago in (3, 0, 10, 1):
        await log(db, who, LECTURE, "1", day=TODAY - timedelta(days=days_ago))
    await log(db, who, LECTURE, "1", day=date(2025, 12, 31))  # last year
    async with db.session() as session:
        progress = await credits.year_progress(session, who, YEAR, 90, TODAY, latest=3)
    assert [r.study_date for r in progress.latest] == [TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=3)]
    assert progress.total == 4 and progress.expected == 79.89 and progress.ahead == -75.89


async def test_totals_and_last_study_dates_for_many_people(db: Database) -> None:
    first, second, third = await person_id(db, "C01"), await person_id(db, "C02"), await person_id(db, "S01")
    await log(db, first, LECTURE, "2", day=date(2026, 11, 16))
    await log(db, first, LECTURE, "3", day=date(2026, 11, 19))
    await log(db, second, REPORT, "1", day=date(2026, 11, 18))  # pending: studied, not counted
    week = (date(2026, 11, 16), date(2026, 11, 23))
    async with db.session() as session:
        assert await credits.totals_for_people(session, [first, second, third], *week) == {first: 5, second: 0, third: 0}
        assert await credits.totals_for_people(session, [first], date(2026, 11, 17), date(2026, 11, 23)) == {first: 3}
        assert await credits.last_study_dates(session, [first, second, third]) == {
            first: date(2026, 11, 19), second: date(2026, 11, 18)}
        assert await credits.totals_for_people(session, [], *week) == {}


# --- periods -----------------------------------------------------------------------------------


def test_a_calendar_year_period_and_its_pro_rata() -> None:
    period = period_containing(date(2026, 11, 20), 1)
    assert period == Period(date(2026, 1, 1), date(2027, 1, 1)) and period.label == 2026
    assert period.days_elapsed(date(2026, 11, 20)) == 324
    assert pro_rata(90, period, date(2026, 11, 20)) == 79.89
    assert pro_rata(90, period, date(2026, 1, 1)) == round(90 / 365, 2)
    assert pro_rata(90, period, date(2025, 12, 31)) == 0 and pro_rata(90, period, date(2027, 3, 1)) == 90


def test_a_study_year_starting_in_july_is_named_by_the_year_it_starts() -> None:
    assert period_containing(date(2026, 3, 1), 7) == Period(date(2025, 7, 1), date(2026, 7, 1))
    assert period_containing(date(2026, 7, 1), 7).label == 2026
    assert period_labelled(2024, 7).days == 365


async def test_progress_refuses_a_period_that_is_not_whole_months(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(ValueError):
            await credits.year_progress(session, 1, Period(date(2026, 1, 15), date(2027, 1, 15)), 90, TODAY)


async def month_totals(db: Database, who: int) -> set[tuple[object, ...]]:
    from sqlalchemy import select

    from db.models import StudyMonthTotal as T

    async with db.session() as session:
        rows = await session.execute(
            select(T.month, T.activity, T.unit, T.status, T.amount_hundredths, T.credits_hundredths, T.records)
            .where(T.person_id == who, T.records != 0)
        )
        return set(rows.all())


async def test_running_totals_always_equal_a_recount_from_the_records(db: Database) -> None:
    who, admin = await person_id(db, "C01"), await person_id(db, "C02")
    kept = await log(db, who, LECTURE, "2", day=date(2026, 10, 30))
    undone = await log(db, who, LECTURE, "1.5")
    voided = await log(db, who, TRAINING, "2", day=date(2026, 11, 2))
    confirmed = await log(db, who, REPORT, "1")
    rejected = await log(db, who, REPORT, "1", day=date(2026, 10, 31))
    waiting = await log(db, who, REPORT, "1", day=date(2026, 11, 3))
    async with db.session() as session:
        supervisor = await people.by_external_id(session, "S01")
        await credits.undo_own(session, undone.record.id, who, NOW, timedelta(hours=24))
        await credits.void_record(session, voided.record.id, admin, "重复", NOW)
        await credits.decide(session, confirmed.record.id, supervisor, True, NOW)
        await credits.decide(session, rejected.record.id, supervisor, False, NOW)
        await session.commit()
    maintained = await month_totals(db, who)
    async with db.session() as session:
        await credits.rebuild_month_totals(session, who)
        await session.commit()
    assert maintained == await month_totals(db, who)
    assert (date(2026, 11, 1), "diaoyan", "piece", "confirmed", 100, 800, 1) in maintained
    assert kept.record and waiting.record
    async with db.session() as session:
        progress = await credits.year_progress(session, who, YEAR, 90, TODAY)
    assert (progress.total, progress.pending) == (10, 8)  # lecture 2 + confirmed report 8; one report waits


async def test_totals_over_ranges_mixing_whole_months_and_edge_days_agree_with_the_records(db: Database) -> None:
    who = await person_id(db, "C01")
    days = [date(2026, 9, 10), date(2026, 9, 20), date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 1),
            date(2026, 11, 17), date(2026, 11, 18)]
    for index, day in enumerate(days, start=1):
        await log(db, who, LECTURE, str(index), day=day, now=datetime.combine(day, datetime.min.time(), timezone.utc))
    cases = [
        (date(2026, 9, 15), date(2026, 11, 18)),  # edge days, all of October, edge days
        (date(2026, 10, 1), date(2026, 11, 1)),  # exactly one month
        (date(2026, 11, 16), date(2026, 11, 23)),  # a week
        (date(2026, 1, 1), date(2027, 1, 1)),  # the year
        (date(2026, 11, 18), date(2026, 11, 18)),  # empty
    ]
    async with db.session() as session:
        for start, end in cases:
            expected = sum(i for i, day in enumerate(days, start=1) if start <= day < end)
            assert await credits.totals_for_people(session, [who], start, end) == {who: expected}, (start, end)


async def test_pending_overview_counts_waiting_records_and_fix_requests_per_unit_with_the_oldest(db: Database) -> None:
    cadre, colleague = await person_id(db, "C01"), await person_id(db, "C02")
    waiting = (await log(db, cadre, REPORT, "1", now=NOW)).record
    counted = (await log(db, colleague, LECTURE, "2", now=NOW)).record
    async with db.session() as session:
        asked = await fixes.request_fix(session, counted.id, colleague, "应为3小时", NOW + timedelta(days=2), timedelta(hours=24))
        assert asked.refusal is None
        await session.commit()
        overview = await credits.pending_overview(session, ["组织科"])
        assert (overview.count, overview.oldest_since, overview.oldest_record_id) == (2, NOW, waiting.id)
        assert (await credits.pending_overview(session, ["干部科"])).count == 0
        supervisor = await people.by_external_id(session, "S01")
        await credits.decide(session, waiting.id, supervisor, True, NOW + timedelta(days=3))
        await session.commit()
        overview = await credits.pending_overview(session)
        assert (overview.count, overview.oldest_record_id) == (1, counted.id)
