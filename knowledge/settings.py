"""Tunable knobs of the knowledge engine, validated (this model sits under ``knowledge:`` in config.yaml).

Scores are the scorer's estimate that the entry is the right one (0..1).  The
defaults were tuned on tests/data/kb_cases.yaml with ``python -m knowledge.fit``:
0.45 answers about 90 % of those questions outright while refusing about 94 % of
the out-of-domain ones; below 0.1 a candidate is noise, not worth a button.
Change them only together with a fresh run of ``cadrebot kb eval``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_ANSWER_THRESHOLD = 0.45
DEFAULT_SUGGEST_THRESHOLD = 0.1
DEFAULT_MARGIN = 0.1
DEFAULT_MAX_QUERY_CHARS = 200


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """What the matcher needs to turn scores into an outcome (a plain, hashable value)."""

    answer_threshold: float = DEFAULT_ANSWER_THRESHOLD
    suggest_threshold: float = DEFAULT_SUGGEST_THRESHOLD
    margin: float = DEFAULT_MARGIN
    max_query_chars: int = DEFAULT_MAX_QUERY_CHARS


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

    @model_validator(mode="after")
    def _suggest_not_above_answer(self) -> KnowledgeSettings:
        if self.suggest_threshold > self.answer_threshold:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        return self

    @property
    def match_settings(self) -> MatchSettings:
        return MatchSettings(self.answer_threshold, self.suggest_threshold, self.margin, self.max_query_chars)
