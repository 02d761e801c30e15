"""Staffing: a platform team once anything is self-hosted, plus engineers per GPU in use.

    gpus_in_use[t] = sum_d gpus_per_replica[d] rep[d,t]
    gpus_in_use[t] <= M_t hosting[t]                       (M_t: most GPUs the plan could use)
    staff[t] + employed >= platform_engineers hosting[t] + gpus_in_use[t] / gpus_per_engineer
    cost[t, staff] += cost_usd_per_year / periods_per_year x staff[t]

staff[t] counts engineers beyond those already employed (`existing.engineers`), whose cost is
reported as committed.
"""

from __future__ import annotations

import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the hosting switch, the staffing rows and the staff cost."""
    data, T = b.data, b.data.T
    s = data.scenario.staffing
    deps = data.options.deployments
    employed = float(data.scenario.existing.engineers)
    switch, need = Rows(), Rows()
    for t in range(T):
        gpr = [float(deps["gpus_per_replica"].iat[d]) for d in range(len(deps))]
        reps = [b.rep[(d, t)] for d in range(len(deps))]
        big_m = float(sum(ub[t] for ub in data.gpu_ub.values()))
        if reps:
            switch.add(("hosting", t), gpr + [-max(big_m, 1.0)], reps + [b.hosting[t]], upper=0.0)
        need.add(("staff", t),
                 [1.0, -float(s.platform_engineers)] + [-g / s.gpus_per_engineer for g in gpr],
                 [b.staff[t], b.hosting[t]] + reps, lower=-employed)
        b.costs.add(t, "staff", [s.cost_usd_per_year / data.periods.per_year], [b.staff[t]])
    switch.attach(m, "hosting_switch")
    need.attach(m, "staff_need")
