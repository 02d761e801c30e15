"""Why candidates were not kept, grouped: one line per reason with a count and a few examples.

`tco.options` records one reason per workload and candidate ("label: reason"). A workload with
32 candidates removed reads as four lines ("20 have no quality score for task 'rag'"), not as a
two-screen list; the fix a person can make is said after them.
"""

from __future__ import annotations

import re
from collections import OrderedDict

_QUALITY = re.compile(r"^quality: ([\d.]+) below the minimum ([\d.]+)$")
_CONTEXT = re.compile(r"^request of ([\d,]+) tokens exceeds the context window of ([\d,]+)$")
EXAMPLES = 3


def _key(reason: str) -> tuple[str, float | None]:
    """The reason without the figure that varies between candidates, and that figure."""
    m = _QUALITY.match(reason)
    if m:
        return f"score below the minimum {m.group(2)}", float(m.group(1))
    m = _CONTEXT.match(reason)
    if m:
        return (f"context window too small for a request of {m.group(1)} tokens",
                float(m.group(2).replace(",", "")))
    return reason, None


def grouped(reasons: list[str]) -> list[str]:
    """Lines `N candidates: reason (best figure): a, b, c and k more`, largest group first."""
    groups: OrderedDict[str, list] = OrderedDict()
    for text in reasons:
        label, _, reason = text.partition(": ")
        key, figure = _key(reason)
        groups.setdefault(key, []).append((label, figure, text))
    lines = []
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(items) == 1:  # one candidate: its own words, nothing to group
            lines.append(items[0][2])
            continue
        labels = [lab for lab, _, _ in items]
        figures = [f for _, f, _ in items if f is not None]
        extra = ""
        if figures and key.startswith("score"):
            extra = f" (best {max(figures):g})"
        elif figures:
            extra = f" (largest window {max(figures):,.0f})"
        shown = ", ".join(labels[:EXAMPLES])
        more = f" and {len(labels) - EXAMPLES} more" if len(labels) > EXAMPLES else ""
        n = len(items)
        lines.append(f"{n} candidate{'s' if n != 1 else ''}: {key}{extra}: {shown}{more}")
    return lines


def remedy(task: str, residency, reasons: list[str]) -> str:
    """What a person can add or change so that the workload has an option."""
    keys = {_key(r.partition(": ")[2])[0] for r in reasons}
    hints = []
    hosted_only = residency == "self_hosted" or residency == []
    if any(k.startswith("quality: no score") for k in keys) or not reasons:
        where = "an open model under open_models" if hosted_only else (
            "an API under apis or an open model under open_models")
        hints.append(f"add a score for it (`quality: {{{task}: ...}}`) to {where}")
    if any(k.startswith("score below") for k in keys):
        hints.append("lower min_quality or add a better-scoring model")
    if any(k.startswith("context window") for k in keys):
        hints.append("shorten the requests or add a model with a larger context window")
    if any(k.startswith("residency") for k in keys) and not hosted_only:
        hints.append("allow more providers in residency")
    return "to fix: " + "; or ".join(hints) if hints else ""
