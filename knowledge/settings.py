"""Tunable knobs of the knowledge engine, validated (this model sits under ``knowledge:`` in config.yaml).

Scores are the scorer's estimate that the entry is the right one (0..1), from a
fit that weighs out-of-domain questions 8 times as much as in-domain ones (a wrong
answer is worse than none), so they run low.  The defaults were tuned on
tests/data/kb_cases.yaml with ``python -m knowledge.fit``: 0.25 answers about 94 %
of those questions outright (about 90 % in the fit's half/half split) with no
out-of-domain question answered; below 0.05 a candidate is noise, not worth a
button, unless it contains the whole question (a bare topic such as 党费).
Change them only together with a fresh run of ``cadrebot kb eval``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_ANSWER_THRESHOLD = 0.25
DEFAULT_SUGGEST_THRESHOLD = 0.05
DEFAULT_MARGIN = 0.1
DEFAULT_MAX_QUERY_CHARS = 200
#: Organisations and systems the base does not cover, which questions put in front of phrases the base
#: does know (团组织关系 ≠ 党组织关系, 工会会员的权利 ≠ 党员的权利, 社保补交 ≠ 党费补交).  An entry
#: that never mentions such a term may be suggested for a question naming it, never answered outright.
#: Same list as ``knowledge.out_of_scope`` in config.yaml (tests/knowledge/test_scope.py checks).
DEFAULT_OUT_OF_SCOPE: tuple[str, ...] = (
    # other organisations: 共青团 and 少先队, trade unions, women's federations, democratic parties,
    # people's organisations, villagers' and residents' self-government, people's congresses
    "共青团", "团委", "团支部", "团组织", "团员", "团费", "入团", "团课", "团日", "离团", "少先队",
    "工会", "妇联", "妇委会", "民主党派", "民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟",
    "工商联", "侨联", "科协", "文联", "残联", "红十字会", "村委会", "村民委员会", "居委会", "居民委员会",
    "业委会", "业主委员会", "人大代表", "政协委员",
    # personnel-office and citizen matters the base has no entries for
    "医保", "医疗保险", "社保", "社会保险", "养老保险", "公积金", "个税", "个人所得税",
    "年休假", "年假", "婚假", "产假", "病假", "探亲假", "职称", "驾照", "驾驶证", "身份证", "户口", "居住证",
)


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """What the matcher needs to turn scores into an outcome (a plain, hashable value)."""

    answer_threshold: float = DEFAULT_ANSWER_THRESHOLD
    suggest_threshold: float = DEFAULT_SUGGEST_THRESHOLD
    margin: float = DEFAULT_MARGIN
    max_query_chars: int = DEFAULT_MAX_QUERY_CHARS
    out_of_scope: tuple[str, ...] = DEFAULT_OUT_OF_SCOPE


class KnowledgeSettings(BaseModel):
    """Where the base lives and how confident the matcher must be before it answers."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(default_factory=lambda: ["knowledge/base"], min_length=1)
    answer_threshold: float = Field(
        DEFAULT_ANSWER_THRESHOLD, ge=0.0, le=1.0, description="score needed to answer outright"
    )
    suggest_threshold: float = Field(
        DEFAULT_SUGGEST_THRESHOLD, ge=0.0, le=1.0, description="score needed to offer '您是不是想问' buttons"
    )
    margin: float = Field(
        DEFAULT_MARGIN, ge=0.0, le=1.0, description="lead over the runner-up needed to answer outright"
    )
    max_query_chars: int = Field(
        DEFAULT_MAX_QUERY_CHARS, ge=10, le=4096, description="normalised queries are cut to this length"
    )
    out_of_scope: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUT_OF_SCOPE),
        description="organisations and topics the base does not cover; an entry that never mentions one"
        " a question names is suggested, not answered",
    )

    @field_validator("out_of_scope")
    @classmethod
    def _terms_are_words(cls, terms: list[str]) -> list[str]:
        for term in terms:
            if len(term.strip()) < 2:
                raise ValueError(f"out_of_scope terms need at least 2 characters: {term!r}")
        return terms

    @model_validator(mode="after")
    def _suggest_not_above_answer(self) -> KnowledgeSettings:
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        return self

    @property
    def match_settings(self) -> MatchSettings:
        return MatchSettings(
            self.answer_threshold, self.suggest_threshold, self.margin, self.max_query_chars, tuple(self.out_of_scope)
        )
