"""Family-facing rule-set wording (what_plain, why) in the reader's language.

Rule sets are clinical data written in English; their plain-language texts reach families on the
follow-ups page and, if they opt in, in calendar titles. rulesets/wording/<lang>.yaml maps each
exact English text to its translation. Display only: a text without a translation (a centre's own
rule set, or wording changed since) is shown in English, and the rules themselves never change.
Pure Python (PyYAML, no Django).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

WORDING_DIR = Path(__file__).parent / "rulesets" / "wording"


@cache
def catalogue(language: str) -> dict[str, str]:
    """English text → translation for a language code such as "es" (empty if none ships)."""
    base = language.split("-")[0].lower()
    path = WORDING_DIR / f"{base}.yaml"
    if not base.isalpha() or not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k).strip(): str(v).strip() for k, v in data.items()}


def localise(text: str, language: str) -> str:
    """The translation of a rule-set text, or the text itself when there is none."""
    if not text or not language:
        return text
    return catalogue(language).get(text.strip(), text)
