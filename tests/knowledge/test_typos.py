"""Pinyin typo repair uses the base's own bigrams, and knows the sound of every spelling normalisation makes."""

from __future__ import annotations

from knowledge.index import grams
from knowledge.normalize import normalize
from knowledge.typos import HomophoneFixer, sound_of


def fixer_for(*texts: str) -> HomophoneFixer:
    known: dict[str, int] = {}
    for text in texts:
        for gram in grams(normalize(text, None)):
            known[gram] = known.get(gram, 0) + 1
    return HomophoneFixer(known)


def test_零_spelt_as_〇_still_has_its_sound():
    assert sound_of()["〇"] == sound_of()["龄"] == "ling"


def test_a_mistyped_龄_that_normalisation_spelt_〇_is_repaired():
    fixer = fixer_for("党龄怎么计算", "党龄从转正之日算起")
    assert fixer.fix(normalize("党零怎么计算")) == "党龄怎么计算"


def test_a_character_that_fits_its_context_is_left_alone():
    fixer = fixer_for("三会一课是什么", "团费怎么交")
    assert fixer.fix("三回一课是什么") == "三会一课是什么"
    assert fixer.fix("电费怎么交") == "电费怎么交"  # 电 has no same-sound character that fits
