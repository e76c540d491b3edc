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
        parse_roster("r.xls", b"\xd0\xcf\x11\xe0")
    with pytest.raises(RosterError, match="unknown_format"):
        parse_roster("r.docx", b"PK")
    # .xlsx is a roster format now: a file that is not a workbook is refused as broken.
    with pytest.raises(RosterError, match="bad_xlsx"):
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
    # C01, not A01: the only admin is never deactivated by a roster (see the test below).
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
        await session.commit()
    without_c01 = "\n".join(line for line in CSV.splitlines() if not line.startswith("C01"))
    async with db.session() as session:
        summary = await people.import_roster(session, parse_roster("r.csv", without_c01.encode()))
        await session.commit()
        assert summary.deactivated == 1
    async with db.session() as session:
        assert (await people.by_external_id(session, "C01")).active is False
        assert len(await people.all_people(session, active_only=False)) == 3
        summary = await people.import_roster(session, parse_roster("r.csv", CSV.encode()))
        await session.commit()
        assert summary.reactivated == 1
        assert (await people.by_external_id(session, "C01")).active is True


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


# --- every problem at once, Chinese headers, .xlsx ----------------------------------------------


def xlsx(rows: list[list[object]], merge: str | None = None) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if merge:
        book.active.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_every_problem_is_collected_with_row_column_and_cell() -> None:
    content = "id,name,unit,roles,target\nC1,,一科,boss,abc\nC2,乙,一科,cadre,\nC2,丙,一科,cadre,\n"
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", content.encode())
    found = [(p.row, p.column, p.code, p.cell) for p in caught.value.each()]
    assert found == [
        (2, "name", "required", "B2"), (2, "roles", "unknown_role", "D2"), (2, "target", "not_a_number", "E2"),
        (4, "id", "duplicate_id", "A4"),
    ]
    assert caught.value.total == 4 and (caught.value.row, caught.value.code) == (2, "required")


def test_twenty_problems_are_kept_and_the_rest_counted() -> None:
    content = "id,name,unit,roles\n" + "".join(f"C{i},,一科,cadre\n" for i in range(25))
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", content.encode())
    assert len(caught.value.each()) == 20 and caught.value.total == 25


def test_chinese_headers_mean_the_english_columns() -> None:
    content = "工号,姓名,部门,角色,分管单位,年度目标,职级\nS1,甲,一科,干部;分管领导,一科;二科,80,县处级\n"
    [row] = parse_roster("r.csv", content.encode())
    assert (row.external_id, row.name, row.unit, row.roles, row.supervises, row.target, row.level) == (
        "S1", "甲", "一科", {"cadre", "supervisor"}, {"一科", "二科"}, 80, "县处级")


def test_a_problem_names_the_column_as_the_file_writes_it() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", "编号,姓名,单位,角色\nC1,甲,一科,老板\n".encode())
    assert (caught.value.row, caught.value.column, caught.value.cell) == (2, "角色", "D2")
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", "编号,姓名,单位\nC1,甲,一科\n".encode())
    assert (caught.value.column, caught.value.code, caught.value.value) == ("roles", "missing_column", "角色")


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster("r.csv", "id,工号,name,roles\nC1,C1,甲,cadre\n".encode())
    assert (caught.value.row, caught.value.column, caught.value.code, caught.value.cell) == (
        1, "工号", "duplicate_column", "B1")


def test_xlsx_first_sheet_is_read_with_numbers_as_typed() -> None:
    rows = parse_roster("r.xlsx", xlsx([["工号", "姓名", "单位", "角色", "年度目标"], [1001, "甲", "一科", "干部", 60.0],
                                        [None] * 5, ["C2", "乙", "一科", "管理员", None]]))
    assert [(r.external_id, r.target) for r in rows] == [("1001", 60), ("C2", None)]


def test_xlsx_header_may_start_below_and_to_the_right() -> None:
    book = xlsx([[], [], [None, "id", "name", "roles"], [None, "C1", "甲", "boss"]])
    with pytest.raises(RosterError) as caught:
        parse_roster("r.xlsx", book)
    assert (caught.value.row, caught.value.column, caught.value.cell) == (4, "roles", "D4")


def test_xlsx_merged_header_cells_name_row_and_cell() -> None:
    content = xlsx([["名单", None, None], ["id", "name", "roles"], ["C1", "甲", "cadre"]], merge="A1:C1")
    with pytest.raises(RosterError) as caught:
        parse_roster("r.xlsx", content)
    assert [(p.row, p.code, p.value, p.cell) for p in caught.value.each()] == [(1, "merged_header", "A1:C1", "A1")]


def test_xlsx_merged_cells_below_the_header_are_listed_with_the_rows() -> None:
    content = xlsx([["id", "name", "roles"], ["C1", "甲", "cadre"], ["C2", "乙", None]], merge="B2:B3")
    with pytest.raises(RosterError) as caught:
        parse_roster("r.xlsx", content)
    found = [(p.row, p.code, p.cell) for p in caught.value.each()]
    assert (2, "merged_cells", "B2") in found and (3, "required", "B3") in found


def test_xlsx_empty_sheet_names_row_and_cell() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster("r.xlsx", xlsx([]))
    assert (caught.value.row, caught.value.code, caught.value.cell) == (1, "empty_sheet", "A1")


def test_xlsx_that_unpacks_to_too_much_is_refused_unread() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (70 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(RosterError, match="too_large"):
        parse_roster("r.xlsx", buffer.getvalue())


# --- plans: what an import would do, and the admins it never removes ------------------------------


async def _import(db: Database, text: str, mode: people.ImportMode = people.ImportMode.FULL) -> people.ImportSummary:
    async with db.session() as session:
        summary = await people.import_roster(session, parse_roster("r.csv", text.encode()), mode=mode)
        await session.commit()
        return summary


async def test_a_plan_changes_nothing_and_names_who_would_go(db: Database) -> None:
    await _import(db, CSV)
    async with db.session() as session:
        rows = parse_roster("r.csv", "id,name,unit,roles\nN1,新人,组织科,cadre\nA01,陈静,办公室,admin\n".encode())
        full = await people.plan_import(session, rows, people.ImportMode.FULL)
        partial = await people.plan_import(session, rows, people.ImportMode.UPDATE)
        assert [p.external_id for p in full.created] == ["N1"] and full.unchanged == 1
        assert [p.external_id for p in full.deactivated] == ["C01", "S01"] and full.deactivated_share == 2 / 3
        assert partial.deactivated == () and [p.external_id for p in partial.missing] == ["C01", "S01"]
        assert await people.by_external_id(session, "N1") is None


async def test_additions_only_deactivates_nobody(db: Database) -> None:
    await _import(db, CSV)
    summary = await _import(db, "id,name,unit,roles\nN1,新人,组织科,cadre\n", people.ImportMode.UPDATE)
    assert (summary.created, summary.deactivated) == (1, 0)
    async with db.session() as session:
        assert len(await people.all_people(session)) == 4


async def test_the_only_admin_missing_from_a_full_list_stays_active(db: Database) -> None:
    await _import(db, CSV)
    without_admin = "\n".join(line for line in CSV.splitlines() if not line.startswith("A01"))
    summary = await _import(db, without_admin)
    assert summary.deactivated == 0
    async with db.session() as session:
        assert (await people.by_external_id(session, "A01")).active is True


async def test_the_uploader_missing_from_a_full_list_stays_active(db: Database) -> None:
    await _import(db, CSV + "A02,周正,办公室,admin,,,\n")
    async with db.session() as session:
        uploader = await people.by_external_id(session, "A02")
        rows = parse_roster("r.csv", CSV.encode())
        plan = await people.plan_import(session, rows, people.ImportMode.FULL, uploader.id)
    assert plan.deactivated == () and [(p.external_id, why.value) for p, why in plan.kept] == [("A02", "uploader")]


async def test_a_file_demoting_every_admin_is_refused(db: Database) -> None:
    await _import(db, CSV)
    demoted = CSV.replace("A01,陈静,办公室,admin", "A01,陈静,办公室,cadre")
    async with db.session() as session:
        rows = parse_roster("r.csv", demoted.encode())
        plan = await people.plan_import(session, rows, people.ImportMode.UPDATE)
        assert plan.no_admin_left
        with pytest.raises(ValueError):
            await people.apply_plan(session, rows, plan)


async def test_a_first_roster_without_admins_is_fine(db: Database) -> None:
    summary = await _import(db, "id,name,unit,roles\nC1,甲,一科,cadre\n")
    assert summary.created == 1


async def test_a_supervised_unit_nobody_belongs_to_is_reported(db: Database) -> None:
    async with db.session() as session:
        rows = parse_roster("r.csv", "id,name,unit,roles,supervises\nS1,甲,一科,supervisor,一科;宣传科\n".encode())
        plan = await people.plan_import(session, rows)
    assert [(unit, who.external_id) for unit, who in plan.empty_units] == [("宣传科", "S1")]
