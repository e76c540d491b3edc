"""What a user notices when asking: right answers, helpful suggestions, and no confident nonsense."""

from __future__ import annotations

from pathlib import Path

import dataclasses

import pytest

from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.settings import KnowledgeSettings, MatchSettings


@pytest.fixture(scope="module")
def matcher(lexicon) -> Matcher:
    result = load_base([Path(__file__).parent / "fixtures" / "base"])
    assert result.ok
    return Matcher.build(result.entries, KnowledgeSettings(), lexicon)


def answered(matcher: Matcher, query: str) -> str | None:
    result = matcher.match(query)
    return result.best.id if result.outcome == "answer" else None


def test_exact_question_is_answered_with_full_confidence_ranking_first(matcher):
    result = matcher.match("党费怎么交？")
    assert result.outcome == "answer" and result.best.id == "p-dangfei-jiaona"
    assert result.candidates[0].entry.id == "p-dangfei-jiaona"
    assert 0.0 <= result.score <= 1.0 and result.score == result.candidates[0].score


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("3会1课是什么", "p-sanhui-yike"),
        ("三會一課是什麼", "p-sanhui-yike"),
        ("请问，党费怎么交呢？", "p-dangfei-jiaona"),
        ("试用期多久", "c-shiyongqi"),
        ("任前公示几天", "c-renqian-gongshi"),
        ("干部每年培训多少学时", "c-peixun-xueshi"),
        ("我想问一下预备党员怎么转正", "p-yubei-zhuanzheng"),
    ],
)
def test_paraphrases_digits_traditional_and_fillers_find_the_entry(matcher, query, entry_id):
    assert answered(matcher, query) == entry_id


def test_typo_三回一课_finds_sanhui_yike(matcher):
    assert answered(matcher, "三回一课是什么") == "p-sanhui-yike"


def test_typo_谈心谈化_finds_tanxin(matcher):
    assert answered(matcher, "谈心谈化一年几次") == "c-tanhua-tixing"


@pytest.mark.parametrize(
    "query",
    ["工会会费怎么交", "团费怎么交", "电费怎么交", "医保怎么报销", "公积金怎么提取", "会议室预约", "今天天气怎么样"],
)
def test_near_domain_traps_never_get_a_confident_answer(matcher, query):
    assert matcher.match(query).outcome != "answer"


def test_far_off_questions_get_nothing(matcher):
    for query in ("医保怎么报销", "今天天气怎么样", "hello world"):
        result = matcher.match(query)
        assert result.outcome == "none" and result.best is None and result.suggestions == ()


@pytest.mark.parametrize("query", ["", "   ", "😀😀😀", "？！。，", "\u200b\u200b"])
def test_empty_emoji_or_punctuation_only_input_gets_nothing(matcher, query):
    result = matcher.match(query)
    assert (result.outcome, result.best, result.score, result.candidates) == ("none", None, 0.0, ())


def test_a_bare_topic_word_offers_suggestions_instead_of_guessing(matcher):
    result = matcher.match("党费")
    assert result.outcome == "suggest" and result.best is None
    assert {c.entry.id for c in result.suggestions} <= {"p-dangfei-jiaona", "p-dangfei-biaozhun"}
    assert result.suggestions, "the user should see at least one button"


def test_candidates_are_ranked_scored_and_capped_at_top(matcher):
    result = matcher.match("党费标准", top=2)
    assert len(result.candidates) <= 2
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)


def test_answer_needs_a_clear_lead_over_the_runner_up(fixture_base):
    entries = load_base([fixture_base]).entries
    strict = Matcher.build(entries, MatchSettings(answer_threshold=0.0, suggest_threshold=0.0, margin=1.0))
    result = strict.match("怎么交党费")
    assert result.candidates and result.outcome == "suggest" and result.best is None


def test_a_question_asked_exactly_as_the_entry_writes_it_settles_a_near_tie(fixture_base):
    """党费怎么交 is the first clause of p-dangfei-jiaona's question: no lead is needed then, but
    only while no other entry was written that way too."""
    entries = load_base([fixture_base]).entries
    strict = Matcher.build(entries, MatchSettings(answer_threshold=0.0, suggest_threshold=0.0, margin=1.0))
    result = strict.match("党费怎么交")
    assert result.outcome == "answer" and result.best is not None and result.best.id == "p-dangfei-jiaona"
    twin = next(e for e in entries if e.id != "p-dangfei-jiaona")
    twin = dataclasses.replace(twin, alternates=(*twin.alternates, "党费怎么交"))
    tied = Matcher.build([twin if e.id == twin.id else e for e in entries], strict.settings)
    assert tied.match("党费怎么交").outcome != "answer"


def test_a_very_long_message_is_cut_and_still_matched(matcher):
    result = matcher.match("党费怎么交" + "，" * 10 + "啊" * 5000)
    assert result.candidates and result.candidates[0].entry.id == "p-dangfei-jiaona"


def test_matching_is_deterministic(matcher):
    first = matcher.match("预备党员转正条件")
    assert all(matcher.match("预备党员转正条件") == first for _ in range(3))


def test_an_empty_base_answers_nothing():
    result = Matcher.build([], MatchSettings()).match("党费怎么交")
    assert (result.outcome, result.candidates) == ("none", ())


def test_each_candidate_carries_the_evidence_behind_its_score(matcher):
    best = matcher.match("党费怎么交").candidates[0]
    assert best.entry.id == "p-dangfei-jiaona" and best.evidence is not None
    assert best.evidence.coverage == 1.0 and best.score == round(best.evidence.score, 4)
