"""The loader reports every mistake an editor can make, with file, line and id, and never crashes."""

from __future__ import annotations

from pathlib import Path

from knowledge.loader import MAX_FILE_BYTES, load_base, validate_replacement
from knowledge.schema import KbIssue

GOOD_ENTRY = """\
entries:
  - id: p-good
    question: 党费怎么交
    answer: 按月交到党支部。
"""


def only_error(result) -> KbIssue:
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


def test_fixture_base_loads_without_errors_or_warnings(fixture_base: Path):
    result = load_base([fixture_base])
    assert result.ok, [str(e) for e in result.errors]
    assert result.warnings == []
    assert len(result.entries) == 13
    entry = next(e for e in result.entries if e.id == "p-dangfei-biaozhun")
    assert entry.related == ("p-dangfei-jiaona",)
    assert entry.updated is not None and entry.updated.isoformat() == "2024-01-15"
    assert entry.line == 2 and entry.file.endswith("party.yaml")


def test_kb_issue_prints_as_one_line_with_file_line_and_id():
    issue = KbIssue("knowledge/base/x.yaml", 12, "p-dangfei", "unknown key 'foo'")
    assert str(issue) == "knowledge/base/x.yaml:12 [p-dangfei] unknown key 'foo'"
    assert str(KbIssue("x.yaml", None, None, "bad")) == "x.yaml bad"


def test_unknown_key_error_names_file_line_and_id(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-dangfei
            question: 党费怎么交
            answer: 按月交。
            keyword: [党费]
        """,
    )
    error = only_error(load_base([path]))
    assert (error.file, error.line, error.entry_id) == (str(path), 5, "p-dangfei")
    assert "unknown key 'keyword'" in error.message and "keywords" in error.message


def test_duplicate_id_across_files_names_both_places(write_yaml):
    first = write_yaml("a.yaml", GOOD_ENTRY)
    second = write_yaml("b.yaml", "# moved here from a.yaml\n# by mistake\n" + GOOD_ENTRY)
    error = only_error(load_base([first, second]))
    assert (error.file, error.line, error.entry_id) == (str(second), 4, "p-good")
    assert f"{first}:2" in error.message


def test_empty_answer_is_an_error(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-empty
            question: 党费怎么交
            answer: "   "
        """,
    )
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (4, "p-empty") and "answer" in error.message


def test_missing_question_names_the_entry(write_yaml):
    path = write_yaml("x.yaml", "entries:\n  - id: p-noq\n    answer: 有答案\n")
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (2, "p-noq") and "'question'" in error.message


def test_dangling_related_names_the_missing_id(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-a
            question: 党费怎么交
            answer: 按月交。
            related: [p-nowhere]
        """,
    )
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (2, "p-a") and "p-nowhere" in error.message


def test_yaml_syntax_error_names_file_and_line(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-a
            question: "党费怎么交
            answer: 按月交。
        """,
    )
    error = only_error(load_base([path]))
    assert error.file == str(path) and error.line is not None and "YAML error" in error.message


def test_billion_laughs_alias_bomb_is_rejected_before_expanding(write_yaml):
    bomb = ["entries:", '  - id: p-bomb', '    question: "x"', '    a0: &a0 ["lol","lol","lol","lol","lol"]']
    bomb += [f"    a{i}: &a{i} [*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1}]" for i in range(1, 30)]
    path = write_yaml("bomb.yaml", "\n".join(bomb) + "\n    answer: boom\n")
    error = only_error(load_base([path]))
    assert "not allowed" in error.message and error.line == 4


def test_anchor_and_alias_reuse_is_refused_with_a_clear_message(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-a
            question: 党费怎么交
            answer: &shared 按月交。
          - id: p-b
            question: 党费交给谁
            answer: *shared
        """,
    )
    error = only_error(load_base([path]))
    assert error.line == 4 and "anchors (&shared) are not allowed" in error.message


def test_python_object_tags_are_refused_not_executed(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-a
            question: 甲
            answer: !!python/object/apply:os.system ["echo pwned"]
        """,
    )
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (4, "p-a") and "python/object" in error.message


def test_file_over_the_size_cap_is_refused_unread(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"entries: []\n" + b"#" * MAX_FILE_BYTES)
    error = only_error(load_base([path]))
    assert "limit" in error.message and error.file == str(path)


def test_bad_utf8_is_an_error_naming_the_line_not_a_crash(tmp_path: Path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("entries:\n  - id: p-a\n    question: 党费\n".encode("gbk"))
    error = only_error(load_base([path]))
    assert error.line == 3 and "UTF-8" in error.message


def test_deeply_nested_yaml_is_an_error_not_a_crash(tmp_path: Path):
    path = tmp_path / "deep.yaml"
    path.write_text("entries: " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    assert not load_base([path]).ok


def test_repeated_key_in_an_entry_is_an_error_not_silently_overwritten(write_yaml):
    path = write_yaml("x.yaml", "entries:\n  - id: p-a\n    question: 甲\n    question: 乙\n    answer: 丙\n")
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (4, "p-a") and "twice" in error.message


def test_id_with_capitals_or_chinese_is_an_error(write_yaml):
    path = write_yaml("x.yaml", "entries:\n  - id: P_党费\n    question: 甲\n    answer: 丙\n")
    assert "a-z, 0-9" in only_error(load_base([path])).message


def test_updated_must_be_a_real_date(write_yaml):
    path = write_yaml("x.yaml", "entries:\n  - id: p-a\n    question: 甲\n    answer: 丙\n    updated: 上个月\n")
    error = only_error(load_base([path]))
    assert (error.line, error.entry_id) == (5, "p-a") and "date" in error.message


def test_keywords_must_be_a_list(write_yaml):
    path = write_yaml("x.yaml", "entries:\n  - id: p-a\n    question: 甲\n    answer: 丙\n    keywords: 党费\n")
    assert "list" in only_error(load_base([path])).message


def test_file_without_entries_list_is_an_error(write_yaml):
    path = write_yaml("x.yaml", "- id: p-a\n")
    assert "entries" in only_error(load_base([path])).message


def test_missing_path_is_an_error(tmp_path: Path):
    assert "no such file" in only_error(load_base([tmp_path / "nope.yaml"])).message


def test_near_duplicate_questions_across_entries_are_warnings_not_errors(write_yaml):
    path = write_yaml(
        "x.yaml",
        """
        entries:
          - id: p-a
            question: 党费的缴纳标准是多少？
            answer: 甲
          - id: p-b
            question: 党费缴纳标准是多少
            answer: 乙
        """,
    )
    result = load_base([path])
    assert result.ok and len(result.warnings) == 1
    warning = result.warnings[0]
    assert warning.entry_id == "p-b" and warning.line == 5 and "p-a" in warning.message


def test_folder_loads_only_yaml_files_and_skips_backups(base_copy: Path):
    (base_copy / "notes.txt").write_text("not yaml", encoding="utf-8")
    (base_copy / ".backup").mkdir()
    (base_copy / ".backup" / "party.yaml.20240101T000000Z").write_text("broken: [", encoding="utf-8")
    assert load_base([base_copy]).ok


def test_upload_validation_names_the_uploaded_file_line_and_id(base_copy: Path):
    content = b"entries:\n  - id: c-new\n    question: q\n    answer: a\n    colour: red\n"
    result = validate_replacement([base_copy], "new.yaml", content)
    error = only_error(result)
    assert (error.file, error.line, error.entry_id) == (str(base_copy / "new.yaml"), 5, "c-new")


def test_upload_replacing_a_file_is_checked_against_the_rest_of_the_base(base_copy: Path):
    # party.yaml declares p-dangfei-jiaona; an upload of cadre.yaml may not declare it again.
    content = GOOD_ENTRY.replace("p-good", "p-dangfei-jiaona").encode()
    error = only_error(validate_replacement([base_copy], "cadre.yaml", content))
    assert "duplicate id" in error.message and error.file == str(base_copy / "cadre.yaml")
    # Replacing party.yaml itself with the same ids is fine, as long as nothing points at removed ids.
    party = (base_copy / "party.yaml").read_bytes()
    assert validate_replacement([base_copy], "party.yaml", party).ok


def test_upload_removing_an_entry_others_link_to_is_an_error(base_copy: Path):
    result = validate_replacement([base_copy], "party.yaml", GOOD_ENTRY.encode())
    assert result.ok  # the fixture's cadre entries do not link into party.yaml
    result = validate_replacement([base_copy], "cadre.yaml", b"entries:\n  - id: c-a\n    question: q\n"
                                  b"    answer: a\n    related: [c-shiyongqi]\n")
    assert "c-shiyongqi" in only_error(result).message


def test_upload_with_bad_utf8_is_an_error_not_a_crash(base_copy: Path):
    result = validate_replacement([base_copy], "new.yaml", b"entries:\n  - id: p-a\n    question: \xff\xfe\n")
    error = only_error(result)
    assert error.file == str(base_copy / "new.yaml") and error.line == 3


def test_upload_file_name_that_escapes_the_folder_is_refused(base_copy: Path):
    for name in ("../x.yaml", "sub/x.yaml", ".hidden.yaml", "x.yml", "x.yaml/..", "..yaml"):
        assert not validate_replacement([base_copy], name, GOOD_ENTRY.encode()).ok, name
