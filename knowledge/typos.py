"""Repair pinyin-input typos against the base's own vocabulary (三回一课 -> 三会一课).

People type Chinese by pinyin and pick the wrong character of the same sound
(回/会, 免/勉, 废/费, 积/绩).  Such a character forms bigrams the base has never
seen.  We swap it for a same-sound character that makes its neighbouring
bigrams known to the base, and only then: a character that already fits its
context, or has no same-sound replacement that fits, is left alone, so
genuinely foreign words (团费, 电费) stay foreign and still count against a match.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping
from functools import lru_cache

from knowledge.pinyin_table import TABLE


@lru_cache(maxsize=1)
def sound_of() -> Mapping[str, str]:
    """Character -> toneless pinyin of its most common reading (GB 2312 characters)."""
    sounds: dict[str, str] = {}
    for line in TABLE.splitlines():
        sound, chars = line.split(" ", 1)
        for char in chars:
            sounds.setdefault(char, sound)
    # Normalisation spells 零 as 〇 (knowledge.numerals), which the GB 2312 table lacks; without its
    # sound a mistyped 龄 (三零两历一身份) could never be repaired.
    sounds.setdefault("〇", sounds.get("零", "ling"))
    return sounds


class HomophoneFixer:
    """Built once per base from the set of bigrams the matcher indexes."""

    def __init__(self, known_grams: Mapping[str, int]) -> None:
        self._known = known_grams
        sounds = sound_of()
        base_chars = {c for gram in known_grams for c in gram}
        self._same_sound: dict[str, list[str]] = {}
        for char in base_chars:
            if char in sounds:
                self._same_sound.setdefault(sounds[char], []).append(char)

    def fix(self, text: str, keep: Container[int] = ()) -> str:
        """``text`` with each unfitting character replaced by its best-fitting homophone, if any;
        the positions in ``keep`` (words known to be right, such as the lexicon's 会议室) stay."""
        chars = list(text)
        for i, char in enumerate(chars):
            if i in keep:
                continue
            neighbours = _neighbour_grams(chars, i, char)
            if not neighbours or any(g in self._known for g in neighbours):
                continue
            replacement = self._best_homophone(chars, i, char)
            if replacement:
                chars[i] = replacement
        return "".join(chars)

    def _best_homophone(self, chars: list[str], i: int, char: str) -> str | None:
        """The same-sound base character whose bigrams with the neighbours are best known."""
        best, best_key = None, (0, 0)
        for alternative in self._same_sound.get(sound_of().get(char, ""), ()):
            if alternative == char:
                continue
            grams = _neighbour_grams(chars, i, alternative)
            if not all(g in self._known for g in grams + self._anchor(chars, i)):
                continue  # a swap must fit on both sides (or deeper at an edge), or it is a guess
            key = _fit(grams, self._known)
            if key > best_key:
                best, best_key = alternative, key
        return best


    @staticmethod
    def _anchor(chars: list[str], i: int) -> list[str]:
        """At either end a character has one neighbour only; then the next bigram inward must be known too."""
        if len(chars) < 3:
            return [""]  # never known: too little context to trust a swap
        if i == 0:
            return [chars[1] + chars[2]]
        if i == len(chars) - 1:
            return [chars[i - 2] + chars[i - 1]]
        return []


def _neighbour_grams(chars: list[str], i: int, char: str) -> list[str]:
    grams = []
    if i > 0:
        grams.append(chars[i - 1] + char)
    if i + 1 < len(chars):
        grams.append(char + chars[i + 1])
    return grams


def _fit(grams: Collection[str], known: Mapping[str, int]) -> tuple[int, int]:
    """How well bigrams fit the base: how many are known, then how common they are."""
    return (sum(1 for g in grams if g in known), sum(known.get(g, 0) for g in grams))
