"""An admin adds a wording to an entry: the file gains one line and keeps everything else as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.entryparse import parse_file
from knowledge.store import BACKUP_DIR, KnowledgeStore
from knowledge.yamledit import add_alternate_text

COMMENTED = """\
# 党费：本文件由党建办维护，修改前请先备份。
entries:
  - id: p-dangfei   # 最常问的一条
    question: 党费怎么交？
    alternates:
      - 党费交给谁   # 口语
      - '党费: 按月交吗'

    keywords: [党费]
    answer: 按月交到党支部。

  - id: p-bare
    question: |
      入党要写什么材料？
    keywords:
      - 入党申请书
    answer: 入党申请书。
"""


def alternates_of(text: str, entry_id: str) -> tuple[str, ...]:
    parsed = parse_file("x.yaml", text.encode())
    assert not parsed.errors, [str(e) for e in parsed.errors]
    return next(e.alternates for e in parsed.entries if e.id == entry_id)


def inserted_lines(before: str, after: str) -> list[str]:
    """The lines of ``after`` that are not in ``before``, when nothing else changed."""
    old, new = before.splitlines(), after.splitlines()
    extra = list(new)
    for line in old:
        extra.remove(line)
    return extra


def test_a_new_alternate_goes_under_the_last_one_and_nothing_else_changes():
    edited = add_alternate_text(COMMENTED, "p-dangfei", "党费每个月几号前交")
    assert edited is not None
    assert alternates_of(edited, "p-dangfei")[-1] == "党费每个月几号前交"
    assert inserted_lines(COMMENTED, edited) == ["      - 党费每个月几号前交"]
    assert edited.index("党费每个月几号前交") < edited.index("keywords: [党费]")


def test_an_entry_without_alternates_gets_the_key_in_the_files_list_style():
    edited = add_alternate_text(COMMENTED, "p-bare", "写入党申请书要注意什么")
    assert edited is not None
    assert alternates_of(edited, "p-bare") == ("写入党申请书要注意什么",)
    assert inserted_lines(COMMENTED, edited) == ["    alternates:", "      - 写入党申请书要注意什么"]


@pytest.mark.parametrize(("written", "expected"), [
    ("    alternates: [党费交给谁, 党费几号交]   # 旧的\n", ("党费交给谁", "党费几号交", "新: 问法")),
    ("    alternates: []\n", ("新: 问法",)),
    ("    alternates:   # 待补充\n", ("新: 问法",)),
])
def test_flow_and_empty_alternates_are_extended_in_place(written: str, expected: tuple[str, ...]):
    text = f"entries:\n  - id: p-a\n    question: 甲？\n{written}    answer: 乙。\n"
    edited = add_alternate_text(text, "p-a", "新: 问法")
    assert edited is not None and alternates_of(edited, "p-a") == expected
    assert len(edited.splitlines()) == len(text.splitlines())


def test_wordings_yaml_would_misread_are_quoted():
    for wording in ("123", "yes", "# 开头", "a, b", "- 开头", "null"):
        text = "entries:\n  - id: p-a\n    question: 甲？\n    alternates: [x]\n    answer: 乙。\n"
        edited = add_alternate_text(text, "p-a", wording)
        assert edited is not None and alternates_of(edited, "p-a") == ("x", wording), wording


def test_an_entry_that_is_not_in_the_file_gives_none():
    assert add_alternate_text(COMMENTED, "p-nope", "x") is None
    assert add_alternate_text("entries: [", "p-dangfei", "x") is None


def test_store_adds_backs_up_reloads_and_answers_the_new_wording(tmp_path: Path):
    (tmp_path / "party.yaml").write_text(COMMENTED, encoding="utf-8")
    store = KnowledgeStore([tmp_path])
    result = store.add_alternate("p-dangfei", "  党费每个月\n几号前交 ")
    assert result.ok, [str(e) for e in result.errors]
    assert store.get("p-dangfei").alternates[-1] == "党费每个月 几号前交"
    text = (tmp_path / "party.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 党费：本文件由党建办维护") and "# 口语" in text
    backups = list((tmp_path / BACKUP_DIR).glob("party.yaml.*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == COMMENTED


def test_store_refuses_a_wording_the_entry_already_has_and_writes_nothing(tmp_path: Path):
    (tmp_path / "party.yaml").write_text(COMMENTED, encoding="utf-8")
    store = KnowledgeStore([tmp_path])
    for wording, code in (("党费交给谁？", "alternate_exists"), ("党费怎么交", "alternate_exists"), ("？？", "alternate_empty")):
        result = store.add_alternate("p-dangfei", wording)
        assert not result.ok and result.errors[0].code == code, wording
    assert store.add_alternate("p-gone", "x").errors[0].code == "unknown_entry"
    assert (tmp_path / "party.yaml").read_text(encoding="utf-8") == COMMENTED
    assert not (tmp_path / BACKUP_DIR).exists()


def test_store_refuses_when_the_base_on_disk_has_become_invalid(tmp_path: Path):
    (tmp_path / "party.yaml").write_text(COMMENTED, encoding="utf-8")
    store = KnowledgeStore([tmp_path])
    (tmp_path / "other.yaml").write_text("entries:\n  - id: p-x\n    question: 甲\n    answer: ''\n", encoding="utf-8")
    result = store.add_alternate("p-dangfei", "党费每个月几号前交")
    assert not result.ok and any(e.file.endswith("other.yaml") for e in result.errors)
    assert (tmp_path / "party.yaml").read_text(encoding="utf-8") == COMMENTED
    assert "党费每个月几号前交" not in store.get("p-dangfei").alternates
