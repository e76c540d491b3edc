"""Tunable knobs of the knowledge engine, validated (this model sits under ``knowledge:`` in config.yaml).

The matcher decides on evidence that means the same on any base (see knowledge/matcher.py):
``answer_threshold`` is the score (0..1, knowledge/evidence.py) the best entry needs to be
answered outright, ``margin`` the lead it needs over the runner-up's, ``suggest_threshold``
the score a candidate needs to be offered as a button.  The defaults were chosen on the regression set
(tests/data/kb_cases.yaml) and checked, never tuned, on the protocols of ``cadrebot kb eval
--protocol`` and the held-out set; change them only together with a fresh run of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_ANSWER_THRESHOLD = 0.4
DEFAULT_SUGGEST_THRESHOLD = 0.3
DEFAULT_MARGIN = 0.1
DEFAULT_MAX_QUERY_CHARS = 200
#: The vocabulary shipped with the package (found as a package resource, so an installed wheel
#: has it wherever it runs): a config that names none still gets it.
DEFAULT_SYNONYMS = (str(resources.files("knowledge") / "synonyms"),)


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
    synonyms: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SYNONYMS),
        description="files or folders of synonym groups and named terms (knowledge/lexicon.py)",
    )
    quiz: list[str] = Field(
        default_factory=lambda: ["knowledge/quiz"],
        description="files or folders of quiz items (knowledge/quiz.py), each naming the entry it is written from",
    )
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
        default_factory=list,
        description="more named terms, beside the synonym files': an entry that never mentions one a"
        " question names is suggested, never answered outright",
    )
    sync_seconds: float = Field(
        5.0, ge=1.0, le=3600.0,
        description="how often an instance looks for a knowledge change published by another one"
        " (one indexed query) and reloads its base",
    )

    @field_validator("out_of_scope")
    @classmethod
    def _terms_are_words(cls, terms: list[str]) -> list[str]:
        for term in terms:
            if len(term.strip()) < 2:
                raise ValueError(f"out_of_scope terms need at least 2 characters: {term!r}")
        return terms

    @property
    def match_settings(self) -> MatchSettings:
        return MatchSettings(self.answer_threshold, self.suggest_threshold, self.margin, self.max_query_chars)
