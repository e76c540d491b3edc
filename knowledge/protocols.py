"""Evaluation protocols that share nothing with the tuning: the cases are made from the base itself.

A labelled question set written beside the tuning says little about a base nobody tuned for.
These two protocols ask the base questions it has never seen, taken from its own entries:

* ``loo`` (leave one phrasing out): each alternate in turn is removed from its entry and asked;
  the matcher is rebuilt without it, so the question is new to it, and the right answer is known.
* ``sparse``: every entry is cut to its question and keywords (answer, category and source
  kept); all the alternates become the questions.
* ``small``: bases the size and shape of one organisation's first base (40 entries drawn from
  the shipped one, each keeping 0-3 of its alternates); the alternates left out are asked.

Both are scored as ``knowledge.evaluate.evaluate`` scores a cases file.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator, Sequence

from knowledge.evaluate import Case, EvalReport, score_case
from knowledge.evidence import Profile
from knowledge.lexicon import EMPTY, Lexicon
from knowledge.matcher import Matcher
from knowledge.schema import Entry
from knowledge.settings import MatchSettings

PROTOCOLS = ("loo", "sparse", "small")
#: The "small" protocol: bases the size of one organisation's first base, drawn from the shipped one.
SMALL_BASE_ENTRIES = 40
SMALL_BASE_DRAWS = 5
SMALL_BASE_SEED = 20261201

MatcherFactory = Callable[[Sequence[Entry]], Matcher]


def matcher_factory(settings: MatchSettings, lexicon: Lexicon = EMPTY) -> MatcherFactory:
    """Matchers for many variants of one base: each entry's profile is computed once, so the
    leave-one-out protocol rebuilds only what one left-out phrasing changes."""
    profiles: dict[Entry, Profile] = {}

    def profile_of(entry: Entry) -> Profile:
        if entry not in profiles:
            profiles[entry] = Profile.of(entry, lexicon)
        return profiles[entry]

    return lambda entries: Matcher(entries, settings, lexicon, profile_of)


def leave_one_out(entries: Sequence[Entry]) -> Iterator[tuple[list[Entry], Case]]:
    """Per alternate of every entry: the base without that alternate, and the alternate as a case."""
    for position, entry in enumerate(entries):
        for skipped, alternate in enumerate(entry.alternates):
            rest = entry.alternates[:skipped] + entry.alternates[skipped + 1 :]
            reduced = [*entries[:position], dataclasses.replace(entry, alternates=rest), *entries[position + 1 :]]
            yield reduced, Case(alternate, entry.id)


def sparse_variant(entries: Sequence[Entry]) -> tuple[list[Entry], list[Case]]:
    """The base with every entry cut to its question and keywords, and its alternates as cases."""
    cut = [dataclasses.replace(e, alternates=()) for e in entries]
    cases = [Case(alternate, e.id) for e in entries for alternate in e.alternates]
    return cut, cases


def small_bases(entries: Sequence[Entry]) -> Iterator[tuple[list[Entry], list[Case]]]:
    """Bases like a new admin's: 40 entries, each with its question, keywords and answer and 0-3 of its
    alternates; the alternates left out are the questions.  Several fixed draws, so it repeats."""
    rng = random.Random(SMALL_BASE_SEED)
    for _ in range(SMALL_BASE_DRAWS):
        chosen = rng.sample(list(entries), min(SMALL_BASE_ENTRIES, len(entries)))
        base, cases = [], []
        for entry in chosen:
            alternates = list(entry.alternates)
            rng.shuffle(alternates)
            kept = rng.randint(0, min(3, len(alternates)))
            base.append(dataclasses.replace(entry, alternates=tuple(alternates[:kept])))
            cases += [Case(q, entry.id) for q in alternates[kept:]]
        yield base, cases


def run_protocol(name: str, entries: Sequence[Entry], build: MatcherFactory) -> EvalReport:
    """Score one protocol on ``entries`` with matchers made by ``build``."""
    report = EvalReport()
    if name == "loo":
        for reduced, case in leave_one_out(entries):
            score_case(report, case, build(reduced).match(case.q, top=3))
    elif name == "sparse":
        cut, cases = sparse_variant(entries)
        matcher = build(cut)
        for case in cases:
            score_case(report, case, matcher.match(case.q, top=3))
    elif name == "small":
        for base, cases in small_bases(entries):
            matcher = build(base)
            for case in cases:
                score_case(report, case, matcher.match(case.q, top=3))
    else:
        raise ValueError(f"unknown protocol {name!r}; known: {', '.join(PROTOCOLS)}")
    return report
