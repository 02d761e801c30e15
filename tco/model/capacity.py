"""Replica capacity: self-hosted work fits in the replicas running.

    sum_{o on d} work[o,t] x[o,t] <= H x utilization x rep[d,t]     for each deployment d, t

work is replica-hours (see tco.options); an option loads its own deployment and, for a
cascade with several self-hosted stages, each further stage's (`tco.options.loads`). When
min_replicas > 1, a deployment serving interactive or standard traffic keeps at least that
many replicas (availability):

    x[o,t] <= z[d,t]  (o non-batch on d),   rep[d,t] >= min_replicas x z[d,t]
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import Rows
from tco.options import loads


def add(m: pyo.ConcreteModel, b) -> None:
    """Add replica variables and the capacity (and min-replica) rows."""
    data, T, x = b.data, b.data.T, b.x
    deps = data.options.deployments
    if deps.empty:
        return
    keys = [(d, t) for d in range(len(deps)) for t in range(T)]
    m.rep = pyo.Var(range(len(keys)), domain=pyo.NonNegativeIntegers,
                    bounds=lambda _m, i: (0, float(data.rep_ub[keys[i]])))
    b.rep = {k: m.rep[i] for i, k in enumerate(keys)}
    # Each option's load on each deployment (a cascade's self-hosted stages load several).
    on_dep: dict[int, list[tuple[int, np.ndarray]]] = defaultdict(list)
    for o, d, work in zip(*loads(data.options)):
        on_dep[int(d)].append((int(o), work))
    cap = data.periods.hours * data.scenario.capacity.utilization_target
    rows = Rows()
    for d, opts in on_dep.items():
        for t in range(T):
            coefs = [work[t] for _, work in opts] + [-cap]
            rows.add((d, t), coefs, [x[o * T + t] for o, _ in opts] + [b.rep[(d, t)]],
                     upper=0.0)
    rows.attach(m, "capacity")
    _min_replicas(m, b, on_dep)


def _min_replicas(m: pyo.ConcreteModel, b, on_dep: dict[int, list]) -> None:
    data, T, x = b.data, b.data.T, b.x
    n_min = data.scenario.capacity.min_replicas
    deps = data.options.deployments
    needs = [d for d in range(len(deps)) if deps["needs_min_replicas"].iat[d]]
    if n_min <= 1 or not needs:
        return
    latency = {i: w.latency for i, w in enumerate(data.scenario.workloads)}
    workload_of = data.options.table["workload"].to_numpy()
    keys = [(d, t) for d in needs for t in range(T)]
    m.z = pyo.Var(range(len(keys)), domain=pyo.Binary)
    b.z = {k: m.z[i] for i, k in enumerate(keys)}
    link, floor = Rows(), Rows()
    for d in needs:
        for t in range(T):
            z = b.z[(d, t)]
            for o, _ in on_dep[d]:
                if latency[int(workload_of[o])] != "batch":
                    link.add((o, t), [1.0, -1.0], [x[o * T + t], z], upper=0.0)
            floor.add((d, t), [1.0, -float(n_min)], [b.rep[(d, t)], z], lower=0.0)
    link.attach(m, "serves_link")
    floor.attach(m, "min_replicas")
