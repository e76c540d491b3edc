"""Normalisation folds away what varies without changing meaning, and nothing else."""

from __future__ import annotations

import pytest

from knowledge.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("请问，3会1课是什么？", "三会一课是什么"),
        ("90学时", "九十学时"),
        ("九十学时", "九十学时"),
        ("2学1做", "二学一做"),
        ("两学一做", "二学一做"),
        ("105条", "一百〇五条"),
        ("2024年度考核", "二〇二四年度考核"),
        ("二零二四年度考核", "二〇二四年度考核"),
    ],
)
def test_digits_and_chinese_numerals_get_one_spelling(raw: str, expected: str):
    assert normalize(raw) == expected


def test_traditional_characters_become_simplified():
    assert normalize("請問黨費怎麼繳納？") == normalize("请问党费怎么缴纳？") == "党费怎么缴纳"


def test_full_width_forms_case_spaces_and_zero_width_characters_are_folded():
    assert normalize("　ＰＰＴ\u200b 模板\u200d Ｄownload") == "ppt模板download"


def test_emoji_and_punctuation_only_input_normalises_to_nothing():
    for text in ("😀😀", "？？！…", "   ", "\u200b\u200c", "【】《》——", ""):
        assert normalize(text) == ""


@pytest.mark.parametrize(
    "raw",
    [
        "请问党费怎么交",
        "我想知道党费怎么交",
        "想问一下党费怎么交呢？",
        "麻烦问下，党费怎么交啊",
        "您好！党费怎么交吗😊",
    ],
)
def test_polite_fillers_are_removed(raw: str):
    assert normalize(raw) == "党费怎么交"


def test_filler_removal_leaves_content_words_alone():
    assert normalize("统一下发的文件") == "统一下发的文件"
    assert normalize("介绍一下党小组") == "介绍党小组"
    assert normalize("吗啡") == "吗啡"  # particles go only at the end
    assert normalize("好吗") == "好"
    assert normalize("吗") == "吗"  # never reduced to nothing


def test_long_input_is_capped_after_normalisation():
    assert len(normalize("党费" * 500)) == 200
    assert len(normalize("党费" * 500, 50)) == 50
    assert normalize("，" * 300 + "党费") == "党费"  # punctuation does not count toward the cap


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("老婆开公司要报吗", "配偶开公司要报"),
        ("我爱人经商要报告吗", "我配偶经商要报告"),
        ("两口子能在一个单位吗", "夫妻能在一个单位"),  # before 两 -> 二
        ("儿子出国留学要报吗", "子女出国留学要报"),
        ("月薪6000交多少党费", "月工资六〇〇〇交多少党费"),
        ("忘交党费咋办", "忘交党费怎么办"),
        ("支委会啥时候开", "支委会什么时候开"),
        ("预备期多长时间", "预备期多久"),
        ("支委会开会频率", "支委会开会频次"),
    ],
)
def test_everyday_words_take_the_spelling_of_the_regulations(raw: str, expected: str):
    assert normalize(raw) == expected


def test_everyday_words_inside_other_words_are_left_alone():
    assert normalize("老公务员怎么考核") == "老公务员怎么考核"
    assert normalize("关爱人才") == "关爱人才"
