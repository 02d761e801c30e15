"""`--set FIELD=VALUE`: what-ifs from the command line, applied to the scenario's data after
`extends:` is merged and before validation, so an override is checked like a written value.

FIELD is a dotted path as `validate` prints it: `constraints.budget_usd_per_period`,
`workloads[0].requests_per_month`, an item of a named list by its name or id
(`workloads[support-chat].requests_per_month`, `apis[openai/gpt-4.1].price_trend_per_year`),
or every item (`apis[*].price_trend_per_year`). VALUE is read as one YAML scalar or flow value
(`0.5`, `null`, `[openai]`, `self_hosted`). Missing mapping keys are created (setting a default
the file left out); a list index or name that does not exist is refused.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tco.errors import Problem, ScenarioError

_PART = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def parse(text: str) -> tuple[list[str | int], Any]:
    """`a.b[2].c=1` -> (['a', 'b', 2, 'c'], 1); ScenarioError when it is not FIELD=VALUE."""
    field, sep, raw = text.partition("=")
    if not sep or not field.strip():
        raise ScenarioError([Problem(("--set",), f"'{text}' is not FIELD=VALUE (expected like"
                                     " constraints.budget_usd_per_period=50000)")])
    parts: list[str | int] = []
    pos = 0
    field = field.strip()
    for m in _PART.finditer(field):
        if m.start() != pos and field[pos:m.start()] != ".":
            break
        pos = m.end()
        key, index = m.groups()
        parts.append(key if key is not None else (int(index) if index.isdigit() else index))
    if pos != len(field):
        raise ScenarioError([Problem(("--set",), f"'{field}' is not a field path (expected like"
                                     " workloads[0].requests_per_month or apis[*].price_trend"
                                     "_per_year)")])
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError([Problem(("--set",), f"value of {field} is not YAML: '{raw}'"
                                     " (expected a number, a word, null or [a, b])")]) from None
    return parts, value


def _items(node: list, key: str | int, field: str) -> list[int]:
    if key == "*":
        return list(range(len(node)))
    if isinstance(key, int):
        if key >= len(node):
            raise ScenarioError([Problem(("--set",), f"{field}: index {key} out of range (the"
                                         f" list has {len(node)} items)")])
        return [key]
    found = [i for i, item in enumerate(node)
             if isinstance(item, dict) and key in (item.get("name"), item.get("id"))]
    if not found:
        names = [str(item.get("name", item.get("id"))) for item in node if isinstance(item, dict)]
        raise ScenarioError([Problem(("--set",), f"{field}: no item named '{key}' (expected one"
                                     f" of: {', '.join(names)})")])
    return found


def _assign(node: Any, parts: list, value: Any, field: str) -> None:
    key, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for i in _items(node, key, field):
            if rest:
                _assign(node[i], rest, value, field)
            else:
                node[i] = value
        return
    if not isinstance(node, dict) or isinstance(key, int):
        raise ScenarioError([Problem(("--set",), f"{field}: '{key}' is not a field there")])
    if not rest:
        node[key] = value
        return
    if node.get(key) is None:
        node[key] = [] if isinstance(rest[0], int) else {}
    _assign(node[key], rest, value, field)


def apply(data: Any, overrides: list[str] | tuple[str, ...]) -> Any:
    """The plain scenario data with every `FIELD=VALUE` applied in order (in place)."""
    for text in overrides:
        parts, value = parse(text)
        _assign(data, parts, value, text.partition("=")[0].strip())
    return data
