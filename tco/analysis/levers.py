"""What each lever is worth: the plan re-solved without it.

- Waterfall: the plan with no lever at all, then with prompt variants, then with response
  caches too, then with cascades too (the recommended plan): each step's saving is the NPV it
  removes. Only the kinds the scenario offers are steps.
- Per lever in use (a variant or cache adopted, a cascade serving a workload): the NPV of the
  plan without that one lever minus the recommended NPV, so positive is what it saves. A plan
  that cannot meet the requirements without it says so (`required`).

Each figure is a separate solve of the whole plan (`tco.pipeline.plan`) at the scenario's gap.
A waterfall step before the last is at most the step before it (whose plan it can run); the
last step is the recommended plan's own NPV, so its saving may be negative by up to the gap.
"""

from __future__ import annotations

import pandas as pd

from tco.catalog.types import Resolved
from tco.errors import InfeasibleError
from tco.scenario.schema import Scenario

STEPS = (("prompt variants", "variants"), ("response caches", "caches"),
         ("cascades", "cascades"))


def has_levers(s: Scenario) -> bool:
    """Whether the scenario offers any lever."""
    return bool(s.cascades) or any(w.prompt_variants or w.response_cache for w in s.workloads)


def without(s: Scenario, kinds: set[str], workload: str | None = None,
            name: str | None = None) -> Scenario:
    """The scenario without the lever kinds in `kinds` (variants, caches, cascades), for every
    workload or only `workload` (and then only the variant or cascade called `name`)."""
    def mine(w) -> bool:
        return workload is None or w.name == workload

    ws = []
    for w in s.workloads:
        update = {}
        if "variants" in kinds and mine(w):
            update["prompt_variants"] = [v for v in w.prompt_variants
                                         if name is not None and v.name != name]
        if "caches" in kinds and mine(w):
            update["response_cache"] = None
        ws.append(w.model_copy(update=update) if update else w)
    cascades = list(s.cascades)
    if "cascades" in kinds and workload is None:
        cascades = []
    elif "cascades" in kinds:
        cascades = [c.model_copy(update={"workloads": [n for n in c.workloads
                                                       if n != workload]})
                    if name is None or c.name == name else c for c in cascades]
        cascades = [c for c in cascades if c.workloads]
    return s.model_copy(update={"workloads": ws, "cascades": cascades})


def _npv(s: Scenario, resolved: Resolved) -> float | None:
    from tco.pipeline import plan

    try:
        return plan(s, resolved).objective_npv_usd
    except InfeasibleError:
        return None


def lever_values(scenario: Scenario, resolved: Resolved, solution) -> dict:
    """{"waterfall": [...], "levers": DataFrame}: see the module docstring."""
    offered = {key for _, key in STEPS if _offers(scenario, key)}
    waterfall, removed = [], set(offered)
    start = _npv(without(scenario, removed), resolved)
    waterfall.append(dict(step="no levers", npv_usd=start, saving_usd=None))
    prev = start
    for label, key in STEPS:
        if key not in offered:
            continue
        removed.discard(key)
        if not removed:
            npv = solution.objective_npv_usd
        else:
            npv = _npv(without(scenario, removed), resolved)
            # the step before offered fewer levers, so its plan is one of this step's: a
            # re-solve proven only to its gap cannot show this step dearer than that
            if npv is not None and prev is not None:
                npv = min(npv, prev)
        waterfall.append(dict(step=f"+ {label}", npv_usd=npv,
                              saving_usd=None if prev is None or npv is None else prev - npv))
        prev = npv
    rows = []
    for workload, lever, kind, name in in_use(solution):
        npv = _npv(without(scenario, {kind}, workload, name), resolved)
        rows.append(dict(workload=workload, lever=lever,
                         npv_without_usd=npv,
                         saving_usd=None if npv is None else npv - solution.objective_npv_usd,
                         required=npv is None))
    cols = ["workload", "lever", "npv_without_usd", "saving_usd", "required"]
    return {"waterfall": waterfall, "levers": pd.DataFrame(rows, columns=cols)}


def _offers(s: Scenario, key: str) -> bool:
    if key == "cascades":
        return bool(s.cascades)
    field = "prompt_variants" if key == "variants" else "response_cache"
    return any(getattr(w, field) for w in s.workloads)


def in_use(solution) -> list[tuple[str, str, str, str | None]]:
    """(workload, lever label, kind, name) of every lever the plan uses."""
    out = []
    lv = solution.tables.get("levers")
    if lv is not None and len(lv):
        for (w, lever), rows in lv.groupby(["workload", "lever"], sort=False):
            if rows["adopted"].any():
                kind, name = lever.split(":", 1)
                out.append((w, lever, "variants" if kind == "variant" else "caches",
                            name if kind == "variant" else None))
    a = solution.tables["allocation"]
    if "cascade" in a:
        for w, c in sorted({(w, c) for w, c in zip(a["workload"], a["cascade"])
                            if isinstance(c, str)}):
            out.append((w, f"cascade:{c}", "cascades", c))
    return out
