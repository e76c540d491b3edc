"""Questions about an organisation or system the base does not cover are never answered outright."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.schema import Entry
from knowledge.settings import DEFAULT_OUT_OF_SCOPE, KnowledgeSettings, MatchSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    result = load_base([ROOT / "knowledge" / "base"])
    assert result.ok
    return Matcher.build(result.entries, KnowledgeSettings())


def entry(entry_id: str, question: str, answer: str, alternates: tuple[str, ...] = ()) -> Entry:
    return Entry(entry_id, question, alternates, (), answer, None, None, None, (), "t.yaml", 1)


@pytest.mark.parametrize(
    ("query", "look_alike"),
    [
        ("团组织关系怎么转", "p-guanxi-zhuanjie"),  # 团 in front of a phrase the 党员 entry knows
        ("工会会员有哪些权利", "p-quanli"),
        ("社保断缴了可以补交吗", "p-dangfei-bujiao"),
    ],
)
def test_a_look_alike_entry_is_offered_but_not_answered(shipped, query, look_alike):
    result = shipped.match(query)
    assert result.outcome != "answer" and result.best is None
    top = result.candidates[0]
    assert top.entry.id == look_alike and top.foreign, "the look-alike still ranks, flagged as foreign"


def test_the_same_question_about_the_party_is_answered(shipped):
    result = shipped.match("党组织关系怎么转")
    assert result.outcome == "answer" and result.best.id == "p-guanxi-zhuanjie"
    assert not result.candidates[0].foreign


def test_an_entry_that_mentions_the_term_is_not_barred():
    entries = [
        entry("x-tuan", "团员组织关系怎么转？", "团员组织关系由团组织办理转接。", ("团组织关系怎么转接",)),
        entry("x-dang", "党员组织关系怎么转？", "党员组织关系由党组织办理转接。", ("党组织关系怎么转接",)),
    ]
    matcher = Matcher.build(entries, MatchSettings(answer_threshold=0.0, suggest_threshold=0.0, margin=0.0))
    result = matcher.match("团员组织关系怎么转")
    assert result.outcome == "answer" and result.best.id == "x-tuan"
    assert matcher.foreign_terms("团员组织关系怎么转", entries[1]) == ("团员",)


def test_an_empty_list_turns_the_rule_off():
    entries = [entry("x-dang", "党员组织关系怎么转？", "由党组织办理转接。")]
    lenient = MatchSettings(answer_threshold=0.0, suggest_threshold=0.0, margin=0.0)
    barred = Matcher.build(entries, lenient).match("团员组织关系怎么转")
    assert barred.outcome == "suggest"
    unbarred = Matcher.build(entries, MatchSettings(0.0, 0.0, 0.0, 200, ())).match("团员组织关系怎么转")
    assert unbarred.outcome == "answer"


def test_config_yaml_keeps_the_knowledge_defaults():
    """The bot reads config.yaml; the eval gate, the bench and the CLI without a config use the defaults."""
    configured = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["knowledge"]
    defaults = KnowledgeSettings()
    for key in ("answer_threshold", "suggest_threshold", "margin", "max_query_chars"):
        assert configured[key] == getattr(defaults, key), key
    assert tuple(configured["out_of_scope"]) == DEFAULT_OUT_OF_SCOPE
    assert KnowledgeSettings(**configured).match_settings == defaults.match_settings


def test_one_character_terms_are_refused():
    with pytest.raises(ValueError, match="out_of_scope"):
        KnowledgeSettings(out_of_scope=["团"])
