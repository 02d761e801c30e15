"""Levers: adopting prompt variants and response caches (the options are tco.levers').

Prompt variants. variant[w,k,t] binary says workload w uses its prompt variant k in period t:

    sum_{o of w with variant k} x[o,t] <= variant[w,k,t]
    sum_{o of w without a variant} x[o,t] <= 1 - sum_k variant[w,k,t]      (one way of prompting)
    variant[w,k,t] >= variant[w,k,t-1]                      (adopted once, kept: at most one switch)
    cost[t, levers] += engineering_cost x (variant[w,k,t] - variant[w,k,t-1])    (at adoption)
                     + running_cost_per_month x months x variant[w,k,t]

Response caches. cache[w,t] binary says workload w's cache runs in period t:

    sum_{o of w with cache} x[o,t] <= cache[w,t]
    cost[t, levers] += fixed_cost_per_month x months x cache[w,t]
                     + lookup_cost_per_1k / 1000 x requests[w,t] x sum_{o of w with cache} x[o,t]

Every lever cost is cash (category `levers`), so the budget and the cash TCO see it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add adoption variables, their link rows and lever costs (nothing without levers)."""
    table = b.data.options.table
    if "variant" not in table or table.empty:
        return
    _variants(m, b)
    _caches(m, b)


def _variants(m: pyo.ConcreteModel, b) -> None:
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    groups: dict[tuple[int, str | None], list[int]] = defaultdict(list)
    for o, (w, v) in enumerate(zip(table["workload"].tolist(), table["variant"].tolist())):
        groups[(int(w), v if isinstance(v, str) else None)].append(o)
    keys = sorted({(w, v) for w, v in groups if v is not None})
    if not keys:
        return
    m.variant = pyo.Var(range(len(keys) * T), domain=pyo.Binary)
    b.variant = {(w, v, t): m.variant[i * T + t] for i, (w, v) in enumerate(keys)
                 for t in range(T)}
    months = data.periods.months
    link, base, keep = Rows(), Rows(), Rows()
    for w, v in keys:
        spec = next(p for p in data.scenario.workloads[w].prompt_variants if p.name == v)
        for t in range(T):
            y = b.variant[(w, v, t)]
            link.add((w, v, t), [1.0] * len(groups[(w, v)]) + [-1.0],
                     [x[o * T + t] for o in groups[(w, v)]] + [y], upper=0.0)
            if t:
                keep.add((w, v, t), [1.0, -1.0], [y, b.variant[(w, v, t - 1)]], lower=0.0)
                b.costs.add(t, "levers", [spec.engineering_cost_usd,
                                          -spec.engineering_cost_usd],
                            [y, b.variant[(w, v, t - 1)]])
            else:
                b.costs.add(t, "levers", [spec.engineering_cost_usd], [y])
            b.costs.add(t, "levers", [spec.running_cost_usd_per_month * months], [y])
    for w in sorted({w for w, _ in keys}):
        mine = [v for ww, v in keys if ww == w]
        for t in range(T):
            plain = groups.get((w, None), [])
            base.add((w, t), [1.0] * (len(plain) + len(mine)),
                     [x[o * T + t] for o in plain] + [b.variant[(w, v, t)] for v in mine],
                     upper=1.0)
    link.attach(m, "variant_link")
    base.attach(m, "variant_one")
    keep.attach(m, "variant_kept")


def _caches(m: pyo.ConcreteModel, b) -> None:
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    cached = table["cache"].to_numpy(dtype=bool)
    by_w: dict[int, list[int]] = defaultdict(list)
    for o in np.flatnonzero(cached):
        by_w[int(table["workload"].iat[o])].append(int(o))
    if not by_w:
        return
    ws = sorted(by_w)
    m.cache = pyo.Var(range(len(ws) * T), domain=pyo.Binary)
    b.cache = {(w, t): m.cache[i * T + t] for i, w in enumerate(ws) for t in range(T)}
    months = data.periods.months
    rows = Rows()
    for w in ws:
        spec = data.scenario.workloads[w].response_cache
        opts = by_w[w]
        for t in range(T):
            y = b.cache[(w, t)]
            rows.add((w, t), [1.0] * len(opts) + [-1.0], [x[o * T + t] for o in opts] + [y],
                     upper=0.0)
            b.costs.add(t, "levers", [spec.fixed_cost_usd_per_month * months], [y])
            lookup = spec.lookup_cost_usd_per_1k_requests / 1000.0 * data.demand.requests[w, t]
            if lookup:
                b.costs.add(t, "levers", [lookup] * len(opts), [x[o * T + t] for o in opts])
    rows.attach(m, "cache_link")
