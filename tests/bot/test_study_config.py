"""The study section of config.yaml: shipped defaults are sane, and a mistake names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONFIG, UNIT_MAX_AMOUNT, ConfigError, load_config

ACTIVITY = "study:\n  activities:\n    - {key: jiangzuo, name: 专题讲座, unit: hour, credits_per_unit: 1%s}\n"


def test_shipped_activities_cover_the_issues_examples_within_sane_limits() -> None:
    study = load_config(DEFAULT_CONFIG, env={}).study
    names = {a.name for a in study.activities}
    assert {"脱产培训", "集中学习", "周一例会学习", "专题讲座", "网络学院课程", "读书笔记", "调研报告", "业务讲课"} <= names
    assert study.activity("diaoyan").needs_confirmation and study.activity("dushu").note_required
    assert study.targets.yearly == 90 and study.targets.by_level["县处级"] == 110
    assert (study.undo_hours, study.backdate_days, study.year_start_month) == (24, 30, 1)
    for activity in study.activities:
        cap = activity.daily_cap or UNIT_MAX_AMOUNT[activity.unit]
        assert all(0 < amount <= cap for amount in activity.button_amounts), activity.key


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (ACTIVITY % ", colour: red", "study.activities.0.colour: unknown key"),
        (ACTIVITY % ", unit: minute", "study.activities.0.unit:"),
        (ACTIVITY.replace("jiangzuo", "专题"), "study.activities.0.key:"),
        (ACTIVITY % ", daily_cap: 30", "daily_cap of jiangzuo must not exceed 24"),
        (ACTIVITY % ", amounts: [1, 9], daily_cap: 8", "amounts of jiangzuo must be above 0 and at most 8"),
        (ACTIVITY % ", credits_per_unit: 0", "study.activities.0.credits_per_unit:"),
        (ACTIVITY % "" + "    - {key: other, name: 讲座, unit: hour, credits_per_unit: 1, aliases: [专题讲座]}\n",
         "'专题讲座' names both jiangzuo and other"),
        (ACTIVITY % "" + "    - {key: jiangzuo, name: 别的, unit: hour, credits_per_unit: 1}\n", "every key must be unique"),
        ("study:\n  year_start_month: 13\n", "study.year_start_month:"),
        ("study:\n  year_starts: 01-01\n", "study.year_starts: unknown key"),
        ("study:\n  targets:\n    by_role: {boss: 10}\n", "unknown role 'boss'"),
        ("study:\n  targets:\n    by_level: {县处级: 0}\n", "study.targets.by_level:"),
        ("study:\n  backdate_days: -1\n", "study.backdate_days:"),
    ],
)
def test_a_bad_study_setting_names_its_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "\n" not in str(caught.value) and fragment in str(caught.value)


def test_a_config_without_a_study_section_still_loads_with_no_activities(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    study = load_config(path, env={}).study
    assert study.activities == () and study.targets.yearly == 90
