"""Roster files: the contract's columns, errors with row and column, idempotent re-import."""

from __future__ import annotations

import pytest

from db import people
from db.engine import Database
from db.migrate import upgrade
from db.roster import RosterError, parse_roster

CSV = """id,name,unit,roles,supervises,target,level
C01,张明,组织科,cadre,,,乡科级
S01,赵强,组织科,cadre;supervisor,组织科;干部科,120,县处级
A01,陈静,办公室,admin,,,
"""


def test_csv_roster_is_read_with_every_column() -> None:
    rows = {row.external_id: row for row in parse_roster("r.csv", CSV.encode("utf-8-sig"))}
    assert rows["S01"].roles == {"cadre", "supervisor"}
    assert rows["S01"].supervises == {"组织科", "干部科"}
    assert rows["S01"].target == 120 and rows["S01"].level == "县处级"
    assert rows["C01"].target is None and rows["A01"].roles == {"admin"}


def test_yaml_roster_accepts_lists_for_roles() -> None:
    rows = parse_roster("r.yaml", "- {id: X1, name: 甲, unit: 一科, roles: [cadre, admin]}\n".encode())
    assert rows[0].roles == {"cadre", "admin"}


def test_supervisor_without_supervises_supervises_own_unit() -> None:
    rows = parse_roster("r.csv", "id,name,unit,roles\nS9,乙,二科,supervisor\n".encode())
    assert rows[0].supervises == {"二科"}


@pytest.mark.parametrize(
    ("content", "row", "column", "code"),
    [
        ("id,name,unit,roles\nC1,甲,一科,boss\n", 2, "roles", "unknown_role"),
        ("id,name,unit,roles,colour\nC1,甲,一科,cadre,red\n", 1, "colour", "unknown_column"),
        ("id,name,unit\nC1,甲,一科\n", 1, "roles", "missing_column"),
        ("id,name,unit,roles\nC1,甲,一科,cadre\nC1,乙,一科,cadre\n", 3, "id", "duplicate_id"),
        ("id,name,unit,roles\nC1,,一科,cadre\n", 2, "name", "required"),
        ("id,name,unit,roles,target\nC1,甲,一科,cadre,1e9\n", 2, "target", "target_out_of_range"),
        ("id,name,unit,roles,target\nC1,甲,一科,cadre,nan\n", 2, "target", "target_out_of_range"),
        ("id,name,unit,roles,target\nC1,甲,一科,cadre,很多\n", 2, "target", "not_a_number"),
        ("id,name,unit,roles,supervises\nC1,甲,一科,cadre,一科\n", 2, "supervises", "supervises_without_role"),
    ],
)
def test_malformed_roster_names_row_and_column_of_first_error(content: str, row: int, column: str, code: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", content.encode())
    assert (caught.value.row, caught.value.column, caught.value.code) == (row, column, code)


def test_yaml_bomb_roster_is_refused_without_expanding() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b]\n'
    with pytest.raises(RosterError) as caught:
        parse_roster("r.yaml", bomb.encode())
    assert caught.value.code == "bad_yaml"


def test_non_utf8_and_unknown_formats_are_refused() -> None:
    with pytest.raises(RosterError, match="not_utf8"):
        parse_roster("r.csv", "id,name,unit,roles\n".encode("gbk") + "甲".encode("gbk"))
    with pytest.raises(RosterError, match="unknown_format"):
        parse_roster("r.xlsx", b"PK")


@pytest.fixture
async def db(database_url: str):  # type: ignore[no-untyped-def]
    upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_reimport_updates_people_without_losing_bindings(db: Database) -> None:
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
        await session.commit()
    async with db.session() as session:
        person = await people.by_external_id(session, "C01")
        code = person.invite_code
        await people.bind_telegram(session, code, 42, 42)
        await session.commit()
    renamed = CSV.replace("C01,张明,组织科,cadre", "C01,张明明,干部科,cadre;supervisor")
    async with db.session() as session:
        summary = await people.import_roster(session, parse_roster("r.csv", renamed.encode()))
        await session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    async with db.session() as session:
        person = await people.by_telegram_id(session, 42)
        assert person.name == "张明明" and person.unit == "干部科"
        assert person.roles == {"cadre", "supervisor"} and person.invite_code == code


async def test_people_missing_from_a_new_roster_are_deactivated_then_restored(db: Database) -> None:
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
        await session.commit()
    without_a01 = "\n".join(line for line in CSV.splitlines() if not line.startswith("A01"))
    async with db.session() as session:
        summary = await people.import_roster(session, parse_roster("r.csv", without_a01.encode()))
        await session.commit()
        assert summary.deactivated == 1
    async with db.session() as session:
        assert (await people.by_external_id(session, "A01")).active is False
        assert len(await people.all_people(session, active_only=False)) == 3
        summary = await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
        await session.commit()
        assert summary.reactivated == 1
        assert (await people.by_external_id(session, "A01")).active is True


async def test_importing_the_same_roster_twice_changes_nothing(db: Database) -> None:
    for expected_created in (3, 0):
        async with db.session() as session:
            summary = await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
            await session.commit()
        assert summary.created == expected_created
    assert summary.unchanged == 3 and summary.updated == 0


def test_roles_may_be_written_in_chinese_or_with_a_full_width_semicolon() -> None:
    rows = parse_roster("r.csv", "id,name,unit,roles,supervises\nS1,甲,一科,干部；分管领导,一科\nA1,乙,办公室,管理员,\n".encode())
    assert rows[0].roles == {"cadre", "supervisor"} and rows[1].roles == {"admin"}


async def test_a_few_thousand_people_are_found_by_id_in_one_go(db: Database) -> None:
    """More ids than SQLite once allowed binds (999): fan-out batches and unit digests ask for 2,000."""
    roster = "\n".join(f"- {{id: P{i:04d}, name: 干部{i}, unit: 一科, roles: cadre}}" for i in range(2500))
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.yaml", roster.encode()))
        await session.commit()
    async with db.session() as session:
        everyone = await people.facts(session)
        wanted = [p.id for p in everyone][::-1][:2100]
        found = await people.facts(session, wanted)
        none = await people.facts(session, [])
    assert [p.id for p in found] == sorted(wanted)
    assert {p.name for p in found} == {p.name for p in everyone if p.id in set(wanted)}
    assert none == []
