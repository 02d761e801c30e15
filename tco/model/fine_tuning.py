"""Fine-tunes: an option that needs fine-tune f serves only if f is trained.

    sum_{o of workload w needing f} x[o,t] <= tuned[f]          for each (w, f, t) with options
    cost[t, fine_tuning] += training_cost x tuned[f]  at t = 0 and every retrain_every_periods

A fine-tune is trained at the start of the horizon and retrained on schedule; its quality uplift
and shorter prompts are already in the options it makes feasible (tco.options).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add tuned[f] for fine-tunes some option needs, the link rows and training costs."""
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for o, (w, f) in enumerate(zip(table["workload"], table["fine_tune"])):
        if isinstance(f, str):
            groups[(int(w), f)].append(o)
    names = sorted({f for _, f in groups})
    if not names:
        return
    m.tuned = pyo.Var(range(len(names)), domain=pyo.Binary)
    b.tuned = {f: m.tuned[i] for i, f in enumerate(names)}
    rows = Rows()
    for (w, f), opts in groups.items():
        for t in range(T):
            rows.add((w, f, t), [1.0] * len(opts) + [-1.0],
                     [x[o * T + t] for o in opts] + [b.tuned[f]], upper=0.0)
    rows.attach(m, "tuned_link")
    specs = {ft.name: ft for ft in data.scenario.fine_tunes}
    for f in names:
        ft = specs[f]
        every = ft.retrain_every_periods or T
        for t in range(0, T, every):
            b.costs.add(t, "fine_tuning", [ft.training_cost_usd], [b.tuned[f]])
