"""Fine-tunes: adopted in the period they start to pay, retrained on schedule from adoption.

With adopt[f,s] binary (fine-tune f first trained in period s):

    sum_s adopt[f,s] <= 1                                        (trained once, then retrained)
    sum_{o of workload w needing f} x[o,t] <= sum_{s <= t} adopt[f,s]   for each (w, f, t)
    cost[t, fine_tuning] += training_cost x adopt[f,s]  at t = s, s + k, s + 2k, ... < T
                            (k = retrain_every_periods; none: trained once)

So a fine-tune that pays only once volume has grown is trained then, not at the horizon start,
and its retraining is counted from its adoption. Its quality uplift and shorter prompts are
already in the options it makes feasible (tco.options).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add adopt[f,s] for fine-tunes some option needs, the link rows and training costs."""
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for o, (w, f) in enumerate(zip(table["workload"], table["fine_tune"])):
        if isinstance(f, str):
            groups[(int(w), f)].append(o)
    names = sorted({f for _, f in groups})
    if not names:
        return
    keys = [(f, s) for f in names for s in range(T)]
    m.tuned = pyo.Var(range(len(keys)), domain=pyo.Binary)
    b.tuned = {k: m.tuned[i] for i, k in enumerate(keys)}
    once, rows = Rows(), Rows()
    for f in names:
        once.add((f,), [1.0] * T, [b.tuned[(f, s)] for s in range(T)], upper=1.0)
    for (w, f), opts in groups.items():
        for t in range(T):
            rows.add((w, f, t), [1.0] * len(opts) + [-1.0] * (t + 1),
                     [x[o * T + t] for o in opts] + [b.tuned[(f, s)] for s in range(t + 1)],
                     upper=0.0)
    once.attach(m, "tuned_once")
    rows.attach(m, "tuned_link")
    specs = {ft.name: ft for ft in data.scenario.fine_tunes}
    for f in names:
        ft = specs[f]
        every = ft.retrain_every_periods or T
        for s in range(T):
            for t in range(s, T, every):
                b.costs.add(t, "fine_tuning", [ft.training_cost_usd], [b.tuned[(f, s)]])


def adoption(b) -> dict[str, int | None]:
    """Fine-tune name -> the period it is first trained in the solved model (None: never)."""
    out: dict[str, int | None] = {}
    for (f, s), v in b.tuned.items():
        if v.value is not None and round(v.value) == 1:
            out[f] = s
        else:
            out.setdefault(f, None)
    return out
