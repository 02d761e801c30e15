"""The API path's fixed costs and migrations attributed to the options (and so the workloads)
that cause them, per period (tco.solution's unit_costs, tco.option_costs).

    api_operations, provider p in use in t: to each option o sending tokens to p, in
        proportion to its list API spend api_cost[o,t] x x[o,t] (a cascade's whole list spend
        counts towards each provider it calls); to every option sending p tokens by share
        x[o,t] when none has list spend
    api_operations, workload w on an API in t: to w's options sending tokens to an API, by
        share x[o,t]
    migration, destination k starting to serve w in t (tco.solution.moves): to w's options at k,
        by share x[o,t]

Each period's attributed total is then scaled to the costs table's api_operations and
migration of that period (they differ only by the solver's tolerance on the binaries), so the
workloads' attributed costs add up to the plan's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tco.model.api_operations import providers_of
from tco.model.switching import destination

EPS = 5e-5
"""Half the smallest share of a destination in use (tco.solution.moves)."""


def attributed(data, x: np.ndarray, costs: pd.DataFrame, api_ops: pd.DataFrame | None,
               moves: pd.DataFrame | None,
               members: dict[str, list[str]] | None = None) -> np.ndarray:
    """USD of api_operations and migration per option row and period, undiscounted.
    `members`: for a plan of merged workloads (tco.aggregate), the workloads each merged name
    in `api_ops` stands for."""
    t_, T = data.options.table, data.T
    out = np.zeros((len(t_), T))
    if not len(t_):
        return out
    by = costs.pivot_table(index="t", columns="category", values="usd", aggfunc="sum")
    by = by.reindex(range(T), fill_value=0.0)
    if api_ops is not None and len(api_ops):
        out += _scaled(_api_ops(data, x, api_ops, members or {}), by, "api_operations")
    if moves is not None and len(moves):
        out += _scaled(_migration(data, x, moves), by, "migration")
    return out


def _scaled(part: np.ndarray, by: pd.DataFrame, category: str) -> np.ndarray:
    target = (by[category] if category in by.columns else pd.Series(0.0, index=by.index))
    total = part.sum(axis=0)
    f = np.divide(target.to_numpy(dtype=float), total, out=np.zeros_like(total),
                  where=np.abs(total) > 0)
    return part * f[None, :]


def _api_ops(data, x: np.ndarray, table: pd.DataFrame,
             members: dict[str, list[str]]) -> np.ndarray:
    t_ = data.options.table
    provs = providers_of(data)
    widx = t_["workload"].to_numpy().astype(int)
    names = [w.name for w in data.scenario.workloads]
    spend = data.options.api_cost * x
    out = np.zeros_like(x)
    for r in table.itertuples(index=False):
        if not r.usd:
            continue
        t = int(r.t)
        if r.kind == "provider":
            sel = np.array([r.name in p for p in provs])
            basis = spend[:, t] * sel
            if basis.sum() <= 0:
                basis = x[:, t] * sel
        else:
            mine = [names.index(n) for n in members.get(r.name, [r.name])]
            sel = np.array([bool(p) for p in provs]) & np.isin(widx, mine)
            basis = x[:, t] * sel
        if basis.sum() > 0:
            out[:, t] += r.usd * basis / basis.sum()
    return out


def _migration(data, x: np.ndarray, moves: pd.DataFrame) -> np.ndarray:
    from tco.solution import _label

    t_ = data.options.table
    widx = t_["workload"].to_numpy().astype(int)
    names = [w.name for w in data.scenario.workloads]
    label = np.array([_label(destination(r)) for r in t_[["api", "model", "gpu", "fine_tune"]]
                      .to_dict("records")], dtype=object)
    out = np.zeros_like(x)
    for r in moves.itertuples(index=False):
        t = int(r.t)
        basis = x[:, t] * (widx == names.index(r.workload)) * (label == r.to)
        if basis.sum() > 0:
            out[:, t] += r.migration_cost_usd * basis / basis.sum()
    return out
