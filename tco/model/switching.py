"""Switching: moving a workload to another option costs engineering and evaluation.

A workload's options are grouped by destination k = (API, or served model and GPU type, and
fine-tune): realtime and batch calls of one API, and the operating points of one deployment,
are the same destination. For each workload w with a migration cost m_w > 0, with
X[w,k,t] = sum_{o of w at k} x[o,t] the share k serves:

    MIN_SHARE on[w,k,t] <= X[w,k,t] <= on[w,k,t]       (on binary: k serves w in t)
    start[w,k,t] >= on[w,k,t] - on[w,k,t-1]            (t >= 1; start in [0, 1])
    cost[t, migration] += m_w x start[w,k,t],   cost[0, migration] += m_w x on[w,k,0]

A move is a destination that starts serving w: the whole migration cost is paid in the period
it starts, whatever share it takes. Shifting share between destinations already serving w,
or growing one, is not a move. The destinations of the first period pay too: the plan does
not know where a workload runs today, and were they free, a plan would start a trickle on
every destination it means to use later and never pay a move. start is continuous: minimised
against binaries, it is 0 or 1 at any optimum. MIN_SHARE keeps on[w,k,t] from staying 1
while k serves nothing (which would make every later return free): a destination in use
carries at least 0.01% of the workload's requests, a restriction no plan notices. No variable
is added for workloads whose migration cost is 0 (the default).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from tco.model.terms import Rows

MIN_SHARE = 1e-4


def migration_cost(scenario, w: int) -> float:
    """The migration cost of workload w (its own, else the scenario's default)."""
    own = scenario.workloads[w].migration_cost_usd
    return float(own if own is not None else scenario.switching.migration_cost_usd)


def destination(row) -> tuple:
    """Where an option row sends a workload: (API or served model, GPU type, fine-tune)."""
    def s(v) -> str:
        return v if isinstance(v, str) else ""

    return (s(row["api"]) or s(row["model"]), s(row["gpu"]), s(row["fine_tune"]))


def add(m: pyo.ConcreteModel, b) -> None:
    """Add on/start variables, their rows and the migration cost of each move."""
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    if table.empty:
        return
    groups: dict[tuple[int, tuple], list[int]] = defaultdict(list)
    for o, row in enumerate(table[["workload", "api", "model", "gpu", "fine_tune"]]
                            .to_dict("records")):
        w = int(row["workload"])
        if migration_cost(data.scenario, w) > 0:
            groups[(w, destination(row))].append(o)
    keys = sorted(groups)
    if not keys:
        return
    on_keys = [(w, k, t) for (w, k) in keys for t in range(T)]
    m.dest_on = pyo.Var(range(len(on_keys)), domain=pyo.Binary)
    b.dest_on = {key: m.dest_on[i] for i, key in enumerate(on_keys)}
    start_keys = [(w, k, t) for (w, k) in keys for t in range(1, T)]
    m.dest_start = pyo.Var(range(len(start_keys)), bounds=(0.0, 1.0))
    starts = {key: m.dest_start[i] for i, key in enumerate(start_keys)}
    link, floor, start = Rows(), Rows(), Rows()
    for w, k in keys:
        opts = groups[(w, k)]
        cost = migration_cost(data.scenario, w)
        for t in range(T):
            on = b.dest_on[(w, k, t)]
            share = [x[o * T + t] for o in opts]
            link.add((w, k, t), [1.0] * len(opts) + [-1.0], share + [on], upper=0.0)
            floor.add((w, k, t), [1.0] * len(opts) + [-MIN_SHARE], share + [on], lower=0.0)
            if not t:
                b.costs.add(0, "migration", [cost], [on])
            else:
                st = starts[(w, k, t)]
                start.add((w, k, t), [1.0, -1.0, 1.0], [st, on, b.dest_on[(w, k, t - 1)]],
                          lower=0.0)
                b.costs.add(t, "migration", [cost], [st])
    link.attach(m, "destination_link")
    floor.attach(m, "destination_floor")
    start.attach(m, "destination_start")
