"""The API path's own engineering and operations: a fixed cost per provider used and per
workload served through an API, in each period it is (tco.catalog: scenario `api_operations`,
else the catalog's assumptions).

With A(p) the options that send tokens to provider p (its realtime, batch and fine-tuned APIs,
and cascades with a stage there) and A the options that send tokens to any provider:

    sum_{o of w in A(p)} x[o,t] <= used[p,t]     for each workload w, provider p, period t
    sum_{o of w in A} x[o,t]    <= on_api[w,t]   for each workload w, period t
    api_operations[t] += usd_per_provider_per_year / n x used[p,t]
                       + usd_per_workload_per_year / n x on_api[w,t]

used and on_api are binary (n periods a year). Nothing is added when both rates are 0.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pyomo.environ as pyo

from tco.model.terms import Rows

if TYPE_CHECKING:
    import pandas as pd


def providers_of(data) -> list[frozenset[str]]:
    """Per option row: the API providers its tokens go to (empty for self-hosted)."""
    table = data.options.table
    stages = data.options.stage_tokens
    out = []
    for o, p in enumerate(table["provider"]):
        ps = {p} if isinstance(p, str) and p else set()
        if stages is not None and stages[o] is not None:
            ps |= {q for q, _ in stages[o]}
        out.append(frozenset(ps))
    return out


def add(m: pyo.ConcreteModel, b) -> None:
    """Add used[p,t] and on_api[w,t], their link rows and costs (when a rate is set)."""
    data, T = b.data, b.data.T
    per_provider, per_workload = data.api_operations
    if not (per_provider or per_workload) or data.options.table.empty:
        return
    n = data.periods.per_year
    provs = providers_of(data)
    by_wp: dict[tuple[int, str], list[int]] = defaultdict(list)
    by_w: dict[int, list[int]] = defaultdict(list)
    for o, w in enumerate(data.options.table["workload"]):
        for p in provs[o]:
            by_wp[(int(w), p)].append(o)
        if provs[o]:
            by_w[int(w)].append(o)
    names = sorted({p for _, p in by_wp})
    keys = [("provider", p, t) for p in names for t in range(T)] if per_provider else []
    keys += [("workload", w, t) for w in sorted(by_w) for t in range(T)] if per_workload else []
    if not keys:
        return
    m.api_ops = pyo.Var(range(len(keys)), domain=pyo.Binary)
    var = {k: m.api_ops[i] for i, k in enumerate(keys)}
    b.api_ops = var
    rows = Rows()
    x = b.x
    if per_provider:
        for (w, p), opts in by_wp.items():
            for t in range(T):
                rows.add((w, p, t), [1.0] * len(opts) + [-1.0],
                         [x[o * T + t] for o in opts] + [var[("provider", p, t)]], upper=0.0)
        for p in names:
            for t in range(T):
                b.costs.add(t, "api_operations", [per_provider / n], [var[("provider", p, t)]])
    if per_workload:
        for w, opts in by_w.items():
            for t in range(T):
                rows.add((w, "*", t), [1.0] * len(opts) + [-1.0],
                         [x[o * T + t] for o in opts] + [var[("workload", w, t)]], upper=0.0)
                b.costs.add(t, "api_operations", [per_workload / n], [var[("workload", w, t)]])
    rows.attach(m, "api_ops_link")


def plan_table(b, labels) -> pd.DataFrame:
    """Per provider and workload on the API path and period: in use (as solved) and its cost."""
    import pandas as pd

    per_provider, per_workload = b.data.api_operations
    n = b.data.periods.per_year
    names = [w.name for w in b.data.scenario.workloads]
    rows = []
    for (kind, key, t), v in b.api_ops.items():
        on = int(round(v.value or 0.0))
        rate = per_provider if kind == "provider" else per_workload
        rows.append(dict(kind=kind, name=key if kind == "provider" else names[key],
                         period=labels[t], t=t, in_use=on, usd=on * rate / n))
    return pd.DataFrame(rows, columns=["kind", "name", "period", "t", "in_use", "usd"])
