"""What `validate` says about options before any model: workloads nothing can serve (errors)
and APIs or open models no workload can use (warnings), each located at its entry.

Both come from the same option enumeration the plan uses (tco.options, every strategy
allowed), so validate and run never disagree about what is usable.
"""

from __future__ import annotations

from tco.catalog.types import Resolved
from tco.errors import Problem
from tco.scenario.schema import Scenario

SHOWN = 4


def _entry_of(label: str) -> str:
    """The API id or open model a candidate label names: api:ID, batch:ID, self:M@GPU/point."""
    kind, _, rest = label.partition(":")
    if kind == "self":
        return rest.split("@", 1)[0]
    if kind == "ft":
        return rest.split("@", 1)[1] if "@" in rest else rest
    return rest


def servability(scenario: Scenario, resolved: Resolved) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings): workloads with no option left, entries that serve no workload."""
    from tco.demand import expand_demand, make_periods
    from tco.model.explain import unservable_lines
    from tco.options import enumerate_options

    periods = make_periods(scenario.horizon, scenario.finance)
    demand = expand_demand(scenario, periods)
    options = enumerate_options(scenario, resolved, periods, demand)
    served = set(options.table["workload_name"])
    problems = []
    for i, w in enumerate(scenario.workloads):
        if w.name not in served:
            lines = unservable_lines(w, options.rejected.get(w.name, []))
            problems.append(Problem(("workloads", i), "\n".join(lines)))
    warnings = []
    why: dict[str, dict[str, set[str]]] = {}
    for w_name, reasons in options.rejected.items():
        for text in reasons:
            label, _, reason = text.partition(": ")
            why.setdefault(_entry_of(label), {}).setdefault(reason, set()).add(w_name)
    entries = [(("apis", i), a.id, "API") for i, a in enumerate(scenario.apis)]
    entries += [(("open_models", i), m.name, "open model")
                for i, m in enumerate(scenario.open_models)]
    for path, name, kind in entries:
        if name in options.usable:
            continue
        parts = [f"{r} ({', '.join(sorted(ws)[:SHOWN])}"
                 f"{f' and {len(ws) - SHOWN} more' if len(ws) > SHOWN else ''})"
                 for r, ws in sorted(why.get(name, {}).items(), key=lambda kv: -len(kv[1]))]
        tasks = sorted({w.task for w in scenario.workloads})
        hint = ""
        if any(r.startswith("quality: no score") for r in why.get(name, {})):
            hint = (f" (the workloads' tasks are {', '.join(tasks)}; a score under quality:"
                    " for one of them makes it a candidate)")
        warnings.append(Problem(path, f"warning: this {kind} '{name}' can serve no workload: "
                                + ("; ".join(parts) or "no candidate") + hint))
    return problems, warnings

