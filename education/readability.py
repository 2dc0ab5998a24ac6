"""Readability grades for editors, computed here rather than with textstat.

textstat 0.7 counts English syllables with NLTK's cmudict, which it downloads on first use; a
portal without internet must not do that. A vowel-group heuristic is close enough to tell an
editor whether a family page sits near the grade 6–8 target.

English: Flesch–Kincaid grade level. Spanish: Fernández-Huerta reading ease (Flesch's scale
adapted to Spanish), mapped to an approximate school grade with Flesch's own bands.
No Django imports: plain text in, numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ']+")
# Sentence ends, and line breaks: a list item or a heading is a unit of its own.
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)|\n")
_EN_VOWELS = re.compile(r"[aeiouy]+")
_ES_VOWELS = re.compile(r"[aeiouáéíóúü]+")
# Spanish diphthongs count once; a strong-strong pair (ae, eo, oa...) is two syllables.
_ES_HIATUS = re.compile(r"[aeoáéó](?=[aeoáéó])|[íú](?=[aeo])|(?<=[aeo])[íú]")

TARGET_FAMILY_GRADE = (6, 8)


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int
    grade: float  # approximate US school grade
    ease: float  # Flesch reading ease (en) / Fernández-Huerta (es): higher is easier
    formula: str

    @property
    def too_hard(self) -> bool:
        return self.grade > TARGET_FAMILY_GRADE[1]


def english_syllables(word: str) -> int:
    word = word.lower().strip("'")
    if not word:
        return 0
    if len(word) <= 3:
        return 1
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        word = word[:-1]
    elif word.endswith(("es", "ed")) and not word.endswith(("ted", "ded", "ses", "zes", "ches", "shes")):
        word = word[:-2]
    return max(1, len(_EN_VOWELS.findall(word)))


def spanish_syllables(word: str) -> int:
    word = word.lower()
    groups = len(_ES_VOWELS.findall(word))
    return max(1, groups + len(_ES_HIATUS.findall(word)))


def _counts(text: str, syllables) -> tuple[int, int, int]:
    words = _WORD.findall(text)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s or "")]))
    return len(words), sentences, sum(syllables(w) for w in words)


def _grade_from_ease(ease: float) -> float:
    """Flesch's table: 90–100 ≈ grade 5, 80–90 ≈ 6, 70–80 ≈ 7, 60–70 ≈ 8–9, 50–60 ≈ 10–12, below: college."""
    bands = [(90, 5.0), (80, 6.0), (70, 7.0), (60, 8.5), (50, 11.0), (30, 14.0)]
    for floor, grade in bands:
        if ease >= floor:
            return grade
    return 16.0


def score(text: str, language: str = "en") -> Readability | None:
    """None for text too short to score."""
    if language == "es":
        words, sentences, syllables = _counts(text, spanish_syllables)
        if words < 10:
            return None
        ease = 206.84 - 60 * (syllables / words) - 102 * (sentences / words)  # Fernández-Huerta (corrected)
        return Readability(words, sentences, syllables, _grade_from_ease(ease), round(ease, 1), "Fernández-Huerta")
    words, sentences, syllables = _counts(text, english_syllables)
    if words < 10:
        return None
    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
    ease = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)
    return Readability(words, sentences, syllables, round(max(grade, 0.0), 1), round(ease, 1), "Flesch–Kincaid")
