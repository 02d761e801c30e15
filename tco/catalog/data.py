"""Reading the shipped catalog files (tco/data/*.yaml) and the sourced values they hold.

Every number in those files is written `{value, source, date}` (plus `assumption: true` where no
public source gives it directly), so a figure can never lose its provenance on the way to a
report. This module only reads; the meaning of each file lives in the module that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""tco/data: the shipped catalog files (packaged with the wheel)."""


@dataclass(frozen=True)
class Sourced:
    """One catalog number with where it comes from."""

    value: Any
    source: str
    date: str
    assumption: bool = False

    def cite(self) -> str:
        """`source (date)`, prefixed `assumption:` when it is one: the text reports show."""
        prefix = "assumption: " if self.assumption else ""
        return f"{prefix}{self.source} ({self.date})"


def sourced(raw: dict[str, Any]) -> Sourced:
    """A `{value, source, date[, assumption]}` mapping from a catalog file as a `Sourced`."""
    return Sourced(raw["value"], str(raw["source"]), str(raw["date"]),
                   bool(raw.get("assumption", False)))


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed shipped file `tco/data/<name>.yaml` (read once per process)."""
    text = (DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def unsourced(node: Any, path: tuple = (), covered: bool = False) -> list[tuple]:
    """Paths of numbers in a catalog file with no `source` and `date` on them or a parent.

    The tests assert this is empty for every shipped file: no number without provenance.
    """
    if isinstance(node, dict):
        has = "source" in node
        out = [path] if has and "date" not in node else []
        for key, child in node.items():
            out += unsourced(child, path + (key,), covered or has)
        return out
    if isinstance(node, list):
        return [p for i, child in enumerate(node) for p in unsourced(child, path + (i,), covered)]
    if isinstance(node, (int, float)) and not isinstance(node, bool) and not covered:
        return [path]
    return []
