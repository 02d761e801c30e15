"""Hiring lead: engineers a period needs are on the payroll `hiring_lead_periods` earlier.

With Lh = staffing.hiring_lead_periods, for each period t and each k = 1..Lh (s = t - k):

    staff[s] + employed >= platform_engineers x hosting[t]
    staff[s] + employed >= gpus_in_use[t] / gpus_per_engineer

with staff[s] = 0 before the horizon (s < 0): nothing is self-hosted in the first Lh periods
beyond what the engineers already employed (`existing.engineers`) can run. Together with
tco.model.staffing's rows (k = 0) the payroll of period s covers every need of s..s+Lh, and is
paid (the staff cost of tco.model.staffing) from hiring, not from when the engineers are needed.
No variable and no cost term of its own: it only moves when staff must be paid.
"""

from __future__ import annotations

import pyomo.environ as pyo

from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the hiring-lead rows (none when the lead is 0)."""
    data, T = b.data, b.data.T
    s = data.scenario.staffing
    lead = s.hiring_lead_periods
    if not lead:
        return
    employed = float(data.scenario.existing.engineers)
    gpr = [float(g) for g in data.options.deployments["gpus_per_replica"]]
    team, fleet = Rows(), Rows()
    for t in range(T):
        reps = [b.rep[(d, t)] for d in range(len(gpr))]
        for k in range(1, lead + 1):
            early = [b.staff[t - k]] if t - k >= 0 else []
            one = [1.0] * len(early)
            team.add((t, k), one + [-float(s.platform_engineers)], early + [b.hosting[t]],
                     lower=-employed)
            if reps:
                fleet.add((t, k), one + [-g / s.gpus_per_engineer for g in gpr], early + reps,
                          lower=-employed)
    team.attach(m, "hiring_lead_team")
    fleet.attach(m, "hiring_lead_fleet")
