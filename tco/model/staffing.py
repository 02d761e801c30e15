"""Staffing: a platform team once anything is self-hosted, more engineers as the fleet grows.

    gpus_in_use[t] = sum_d gpus_per_replica[d] rep[d,t]
    gpus_in_use[t] <= M_t hosting[t]                       (M_t: most GPUs the plan could use)
    staff[t] + employed >= platform_engineers x hosting[t]
    staff[t] + employed >= gpus_in_use[t] / gpus_per_engineer
    cost[t, staff] += cost_usd_per_year / periods_per_year x staff[t]

DESIGN.md sketched the sum of the two needs; we take the larger instead, so that the platform
team itself runs the first platform_engineers x gpus_per_engineer GPUs (two engineers at 64
GPUs each run 128 GPUs) rather than a single GPU costing a whole extra engineer.
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
    gpr = [float(g) for g in deps["gpus_per_replica"]]
    switch, team, fleet = Rows(), Rows(), Rows()
    for t in range(T):
        reps = [b.rep[(d, t)] for d in range(len(deps))]
        big_m = float(sum(ub[t] for ub in data.gpu_ub.values()))
        if reps:
            switch.add((t,), gpr + [-max(big_m, 1.0)], reps + [b.hosting[t]], upper=0.0)
            fleet.add((t,), [1.0] + [-g / s.gpus_per_engineer for g in gpr],
                      [b.staff[t]] + reps, lower=-employed)
        team.add((t,), [1.0, -float(s.platform_engineers)], [b.staff[t], b.hosting[t]],
                 lower=-employed)
        b.costs.add(t, "staff", [s.cost_usd_per_year / data.periods.per_year], [b.staff[t]])
    switch.attach(m, "hosting_switch")
    team.attach(m, "staff_team")
    fleet.attach(m, "staff_fleet")
