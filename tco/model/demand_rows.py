"""Demand: every workload fully served in every period, and the option cost terms.

    sum_o x[w,o,t] = 1                                   for each workload w, period t
                                                         with requests (= 0 when it has none)
    cost[t, api | api_batch] += api_cost[o,t] x[o,t]     (realtime and batch API spend)
    cost[t, error]           += error_cost[o,t] x[o,t]   (expected cost of bad answers)

A workload-period with no requests is served by no option: its shares are all zero, so it
needs no replica, no minimum replicas (the availability link x <= z never binds), no fine-tune
and no staff; switching a workload off with `requests_per_month: 0` frees what it used.

Elastic mode adds unserved[w,t] >= 0 to the left side, penalised, to say which workload cannot
be served. A workload with no option at all is reported before the model is built.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the demand rows and the API and error cost terms."""
    from tco.model.build import share_penalty

    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    by_workload: dict[int, list[int]] = defaultdict(list)
    for o, w in enumerate(table["workload"].to_numpy()):
        by_workload[int(w)].append(o)
    rows = Rows()
    if b.elastic:
        keys = [(w, t) for w in range(len(data.scenario.workloads)) for t in range(T)]
        m.unserved = pyo.Var(range(len(keys)), bounds=(0.0, 1.0))
        penalty = share_penalty(b)
        for i, k in enumerate(keys):
            b.slacks[("demand", k)] = (m.unserved[i], penalty)
    requests = data.demand.requests
    for w in range(len(data.scenario.workloads)):
        opts = by_workload.get(w, [])
        for t in range(T):
            coefs = [1.0] * len(opts)
            variables = [x[o * T + t] for o in opts]
            if b.elastic:
                coefs.append(1.0)
                variables.append(b.slacks[("demand", (w, t))][0])
            need = 1.0 if requests[w, t] > 0 else 0.0
            rows.add((w, t), coefs, variables, need, need)
    index = rows.attach(m, "demand")
    b.demand_rows = {k: m.demand[i] for k, i in index.items()}

    # A cascade's API spend is booked as batch only when every API stage is batch.
    kinds = (table["api_category"] if "api_category" in table else table["kind"]).to_numpy()
    for t in range(T):
        for kind in ("api", "api_batch"):
            sel = np.flatnonzero(kinds == kind)
            if len(sel):
                b.costs.add(t, kind, data.options.api_cost[sel, t], [x[o * T + t] for o in sel])
        sel = np.flatnonzero(data.options.error_cost[:, t] > 0)
        if len(sel):
            b.costs.add(t, "error", data.options.error_cost[sel, t], [x[o * T + t] for o in sel])
