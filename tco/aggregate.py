"""Workloads identical for the model are merged before it is built, exactly.

Two workloads that differ only in name and volume (same task, tokens, cache share, peak,
latency, quality bar, error cost, residency, growth, and the same fine-tunes and cascades) have
the same
options, and every cost, capacity use and cap of an option is proportional to requests. So any
plan for the pair maps to a plan for their sum with the request-weighted shares, and a plan
for the sum maps back by giving both members its shares: same cost either way. The merged
model has the same optimum and is smaller; portfolios built from a few use-case templates
shrink the most. Workloads with a prompt variant or a response cache are never merged: those
levers carry fixed costs per workload, which a merged workload would pay once; nor are
workloads when a move costs something (`migration_cost_usd`) or the API path charges a fixed
cost per workload (`api_operations.usd_per_workload_per_year`, tco.model.api_operations), for
the same reason. The per-provider API cost does not prevent merging: a provider is in use in
the merged plan exactly when some member uses it in the original.

`merge_identical` returns the merged scenario and the groups; `tco.pipeline.plan` solves the
merged one and maps the shares back to every original workload (`tco.solution.expand`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from tco.catalog import api_operations
from tco.scenario.schema import Scenario, Workload


def _key(w: Workload, fine_tunes: tuple[str, ...], rules: tuple = (),
         migration: float = 0.0) -> tuple:
    if w.prompt_variants or w.response_cache:
        return ("unmerged", w.name)
    if migration > 0:
        # A move costs a fixed amount per workload, not in proportion to requests: merged
        # workloads would pay it once for all. Such workloads are kept apart.
        return ("unmerged", w.name)
    spec = w.model_dump(exclude={"name", "requests_per_month", "prompt_variants",
                                 "response_cache"})
    spec["residency"] = (tuple(sorted(w.residency)) if isinstance(w.residency, list)
                         else w.residency)
    spec["allow"] = tuple(sorted(w.allow)) if w.allow is not None else None
    per_period = isinstance(w.requests_per_month, list)
    return (tuple(sorted(spec.items())), per_period, fine_tunes, rules)


def _strategy_rules(scenario: Scenario, name: str) -> tuple:
    """The pins and allows strategies set for this workload (workloads differing there differ)."""
    return tuple((s.name, s.pin.get(name), tuple(s.allow.get(name, ())))
                 for s in scenario.strategies if name in s.pin or name in s.allow)


def _summed(members: list[Workload]):
    first = members[0].requests_per_month
    if isinstance(first, list):
        return np.sum([m.requests_per_month for m in members], axis=0).tolist()
    return float(sum(m.requests_per_month for m in members))


def merge_identical(scenario: Scenario,
                    keep_apart: set[str] | frozenset[str] = frozenset()
                    ) -> tuple[Scenario, list[list[int]]]:
    """The scenario with identical workloads merged, and per merged workload its members'
    indices in the original (in order; the first member's name is kept). Workloads named in
    `keep_apart` are never merged (the vendor-sprawl rule binds them: tco.pipeline.plan)."""
    fts: dict[str, list[str]] = defaultdict(list)
    for ft in scenario.fine_tunes:
        for name in ft.workloads:
            fts[name].append(ft.name)
    for c in scenario.cascades:
        for name in c.workloads:
            fts[name].append("cascade:" + c.name)
    groups: dict[tuple, list[int]] = {}
    per_workload = api_operations(scenario)[0][1]
    for i, w in enumerate(scenario.workloads):
        migration = (w.migration_cost_usd if w.migration_cost_usd is not None
                     else scenario.switching.migration_cost_usd)
        # A fixed cost per workload on the API path is, like a move, not proportional.
        migration += per_workload
        key = _key(w, tuple(sorted(fts[w.name])), _strategy_rules(scenario, w.name), migration)
        if w.name in keep_apart:
            key = ("apart", w.name)
        groups.setdefault(key, []).append(i)
    members = list(groups.values())
    if len(members) == len(scenario.workloads):
        return scenario, [[i] for i in range(len(scenario.workloads))]
    ws = scenario.workloads
    merged = [ws[g[0]].model_copy(update={"requests_per_month": _summed([ws[i] for i in g])})
              for g in members]
    rep = {ws[i].name: ws[g[0]].name for g in members for i in g}
    fine_tunes = [ft.model_copy(update={"workloads": list(dict.fromkeys(rep[n]
                                                                        for n in ft.workloads))})
                  for ft in scenario.fine_tunes]
    cascades = [c.model_copy(update={"workloads": list(dict.fromkeys(rep[n]
                                                                     for n in c.workloads))})
                for c in scenario.cascades]
    return scenario.model_copy(update={"workloads": merged, "fine_tunes": fine_tunes,
                                       "cascades": cascades}), members
