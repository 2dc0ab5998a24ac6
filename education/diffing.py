"""Line diffs between two revisions of a page, for the editors' history. Pure: no Django imports."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "ctx" or "hunk"
    text: str


def diff_text(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    out: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("del", line[1:]))
        else:
            out.append(DiffLine("ctx", line[1:]))
    return out


def diff_fields(old: dict[str, str], new: dict[str, str]) -> dict[str, list[DiffLine]]:
    """Per field, only the fields that changed."""
    return {name: diff_text(old.get(name, ""), new.get(name, "")) for name in new if old.get(name, "") != new[name]}
