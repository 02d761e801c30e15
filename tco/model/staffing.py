"""Staffing: a platform team once anything is self-hosted, more engineers as the fleet grows.

    gpus_in_use[t] = sum_d gpus_per_replica[d] rep[d,t]
    rep[d,t] <= ub[d,t] hosting[t]               for each deployment d  (ub: rep's upper bound)
    sum_{o of w self-hosted} x[o,t] <= hosting[t]  for each workload w with a self-hosted option
    staff[t] + employed >= platform_engineers x hosting[t]
    staff[t] + employed >= gpus_in_use[t] / gpus_per_engineer
    cost[t, staff] += cost_usd_per_year / periods_per_year x esc_salaries(t) x staff[t]

DESIGN.md sketched the sum of the two needs; we take the larger instead, so that the platform
team itself runs the first platform_engineers x gpus_per_engineer GPUs (two engineers at 64
GPUs each run 128 GPUs) rather than a single GPU costing a whole extra engineer.
staff[t] counts engineers beyond those already employed (`existing.engineers`), whose cost is
reported as committed.

The hosting switch used to be one row per period, gpus_in_use[t] <= M_t hosting[t], with M_t
the most GPUs the whole plan could use: its LP relaxation let hosting[t] be a tiny fraction,
so the platform team cost almost nothing in the relaxation and HiGHS's bound stayed far below
the optimum (issue 16). The two families above admit the same integer plans (a self-hosted
share needs replicas, replicas need hosting[t] = 1) and are much tighter: in the relaxation
hosting[t] is at least the largest self-hosted share of any workload and the largest
rep[d,t] / ub[d,t].
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from tco.model.escalation import factor
from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the hosting switch, the staffing rows and the staff cost."""
    data, T = b.data, b.data.T
    s = data.scenario.staffing
    deps = data.options.deployments
    employed = float(data.scenario.existing.engineers)
    gpr = [float(g) for g in deps["gpus_per_replica"]]
    link, share, team, fleet = Rows(), Rows(), Rows(), Rows()
    self_hosted = _self_hosted_by_workload(data)
    for t in range(T):
        reps = [b.rep[(d, t)] for d in range(len(deps))]
        for d in range(len(deps)):
            link.add((d, t), [1.0, -float(data.rep_ub[d, t])], [reps[d], b.hosting[t]],
                     upper=0.0)
        for w, opts in self_hosted.items():
            share.add((w, t), [1.0] * len(opts) + [-1.0],
                      [b.x[o * T + t] for o in opts] + [b.hosting[t]], upper=0.0)
        if reps:
            fleet.add((t,), [1.0] + [-g / s.gpus_per_engineer for g in gpr],
                      [b.staff[t]] + reps, lower=-employed)
        team.add((t,), [1.0, -float(s.platform_engineers)], [b.staff[t], b.hosting[t]],
                 lower=-employed)
        b.costs.add(t, "staff", [s.cost_usd_per_year / data.periods.per_year
                                 * factor(data.scenario, "salaries", t, data.periods.per_year)],
                    [b.staff[t]])
    link.attach(m, "hosting_link")
    share.attach(m, "hosting_share")
    team.attach(m, "staff_team")
    fleet.attach(m, "staff_fleet")


def _self_hosted_by_workload(data) -> dict[int, list[int]]:
    """Workload -> its self-hosted options (those on a deployment), in option order."""
    table = data.options.table
    out: dict[int, list[int]] = {}
    if table.empty:
        return out
    dep = table["deployment"].to_numpy()
    wl = table["workload"].to_numpy()
    for o in np.flatnonzero(dep >= 0):
        out.setdefault(int(wl[o]), []).append(int(o))
    return out
