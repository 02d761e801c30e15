"""Vendor sprawl: a workload served by an API provider gets at least a minimum share of it,
and at most so many providers serve one workload.

For each workload w with a choice between sources (two or more API providers, or one and
self-hosting), provider p of w's API options O_wp (realtime, batch, fine-tuned) and period t
with requests, a binary u[w,p,t] says p serves w in t:

    sum_{o in O_wp} x[o,t] <= u[w,p,t]                      (p serves w only if u = 1)
    sum_{o in O_wp} x[o,t] >= m x u[w,p,t]                  (m = min_share_when_used)
    sum_p u[w,p,t] <= K                                     (K = max_providers_per_workload)

so the share of p is 0 or in [m, 1] (semi-continuous). Without it a plan splits a workload
across vendors for pennies (a third contract for 3% of the traffic to save 0.3%). The cost of
the rule is the plan without it minus the plan with it (tco.analysis.constraint_costs).
Workloads with one source get no variable: their share is 0 or 1 anyway.

The rows are added lazily (tco.model.lazy): the plan is solved without them, and only the
workloads whose plan breaks the rule get them in the next solve, until none does. Each solve is
a relaxation of the full model, so a plan that keeps the rule is optimal for the full model too
(to the MIP gap); most plans never split a workload and need no binary at all.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import Rows


def _groups(data) -> tuple[dict[int, dict[str, list[int]]], set[int]]:
    """Per workload: its API options by provider; and the workloads that can self-host."""
    table = data.options.table
    groups: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    hosted = set()
    for o, (w, p, dep) in enumerate(zip(table["workload"].to_numpy(),
                                        table["provider"].tolist(),
                                        table["deployment"].to_numpy())):
        if isinstance(p, str):
            groups[int(w)][p].append(o)
        elif dep >= 0:
            hosted.add(int(w))
    return groups, hosted


def violators(data, x: np.ndarray, tol: float = 1e-6) -> set[int]:
    """Workloads whose shares `x` (options x periods) break the rule in some period."""
    cons = data.scenario.constraints
    share = cons.min_share_when_used or 0.0
    most = cons.max_providers_per_workload
    if (share <= 0 and most is None) or data.options.table.empty:
        return set()
    groups, _ = _groups(data)
    bad = set()
    for w, by in groups.items():
        per_provider = np.array([x[opts].sum(axis=0) for opts in by.values()])
        used = per_provider > tol
        if share > 0 and (used & (per_provider < share - tol)).any():
            bad.add(w)
        elif most is not None and (used.sum(axis=0) > most).any():
            bad.add(w)
    return bad


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the provider-use binaries and the minimum-share and provider-count rows."""
    data, T, x = b.data, b.data.T, b.x
    cons = data.scenario.constraints
    share = cons.min_share_when_used or 0.0
    most = cons.max_providers_per_workload
    if (share <= 0 and most is None) or data.options.table.empty:
        return
    groups, hosted = _groups(data)
    if b.sprawl_scope is not None:
        groups = {w: by for w, by in groups.items() if w in b.sprawl_scope}
    requests = data.demand.requests
    keys = [(w, p, t) for w, by in sorted(groups.items())
            if len(by) + (w in hosted) > 1 for p in by for t in range(T) if requests[w, t] > 0]
    if not keys:
        return
    m.sprawl_use = pyo.Var(range(len(keys)), domain=pyo.Binary)
    b.sprawl = {k: m.sprawl_use[i] for i, k in enumerate(keys)}
    upper, lower, count = Rows(), Rows(), Rows()
    per_wt: dict[tuple[int, int], list] = defaultdict(list)
    for (w, p, t), u in b.sprawl.items():
        opts = groups[w][p]
        xs = [x[o * T + t] for o in opts]
        upper.add((w, p, t), [1.0] * len(opts) + [-1.0], xs + [u], upper=0.0)
        if share > 0:
            lower.add((w, p, t), [1.0] * len(opts) + [-share], xs + [u], lower=0.0)
        per_wt[(w, t)].append(u)
    upper.attach(m, "sprawl_used")
    if share > 0:
        lower.attach(m, "sprawl_min_share")
    if most is not None:
        for (w, t), us in per_wt.items():
            if len(us) > most:
                count.add((w, t), list(np.ones(len(us))), us, upper=float(most))
        if count.keys:
            count.attach(m, "sprawl_providers")


def highs_rows(data, x_cols: np.ndarray, workloads: set[int], first_col: int):
    """The rule's binaries and rows for `workloads`, as arrays for a live HiGHS model.

    For a model handed to HiGHS without the rule (the analysis' Replanner): `x_cols[o*T + t]`
    is share x[o,t]'s column, and the binaries u[w,p,t] become columns first_col,
    first_col + 1, ... The rows are those of `add` (used, minimum share, provider count).
    Returns (number of binaries, row lower, row upper, row starts, column indices, values);
    no binaries when no workload in `workloads` has a choice of source.
    """
    cons = data.scenario.constraints
    share = cons.min_share_when_used or 0.0
    most = cons.max_providers_per_workload
    T, inf = data.T, float("inf")
    groups, hosted = _groups(data)
    requests = data.demand.requests
    keys = [(w, p, t) for w, by in sorted(groups.items()) if w in workloads
            and len(by) + (w in hosted) > 1 for p in by for t in range(T) if requests[w, t] > 0]
    lo, hi, starts, index, value = [], [], [], [], []

    def row(cols: list[int], vals: list[float], lower: float, upper: float) -> None:
        starts.append(len(index))
        index.extend(cols)
        value.extend(vals)
        lo.append(lower)
        hi.append(upper)

    per_wt: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (w, p, t) in enumerate(keys):
        u = first_col + i
        xs = [int(x_cols[o * T + t]) for o in groups[w][p]]
        row(xs + [u], [1.0] * len(xs) + [-1.0], -inf, 0.0)
        if share > 0:
            row(xs + [u], [1.0] * len(xs) + [-share], 0.0, inf)
        per_wt[(w, t)].append(u)
    if most is not None:
        for us in per_wt.values():
            if len(us) > most:
                row(us, [1.0] * len(us), -inf, float(most))
    return (len(keys), np.asarray(lo, float), np.asarray(hi, float),
            np.asarray(starts, np.int32), np.asarray(index, np.int32),
            np.asarray(value, float))


def applies(data) -> bool:
    """Whether the rule can bind: it is on and some workload has an API option."""
    cons = data.scenario.constraints
    return bool(((cons.min_share_when_used or 0) > 0
                 or cons.max_providers_per_workload is not None)
                and data.options.table["provider"].map(lambda p: isinstance(p, str)).any())


def rounding_checks(data, x_cols: np.ndarray):
    """(accept, rule_rows) for `tco.model.bracket.lp_bound_and_rounded_plan` on a model whose
    share columns are `x_cols`: whether a plan's column values keep the rule, and the rule's
    rows for the workloads a plan breaks it on; for the LP's plan (`lp`), for every workload
    the rule can bind on. (Rows only where the LP's plan broke or split a workload let each
    small MIP move the break to another workload: at 17.8x the enterprise demand `hybrid`'s
    rounding found no plan keeping the rule in three rounds, and its point came back 24% above
    its LP bound; with every workload's rows from the start, 0.32%.) (None, None) where the
    rule cannot bind."""
    if not applies(data):
        return None, None
    n, T = len(data.options.table), data.T
    every = set(_groups(data)[0])

    def shares(col_values: np.ndarray) -> np.ndarray:
        return np.asarray(col_values)[x_cols].reshape(n, T)

    def accept(col_values: np.ndarray) -> bool:
        return not violators(data, shares(col_values))

    def rule_rows(col_values: np.ndarray, first_col: int, lp: bool):
        bad = every if lp else violators(data, shares(col_values))
        return highs_rows(data, x_cols, bad, first_col) if bad else None

    return accept, rule_rows
