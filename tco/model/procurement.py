"""GPU pools: replicas run on GPUs that are owned, reserved or rented on demand.

For each GPU type g and period t:

    sum_{d on g} gpus_per_replica[d] rep[d,t]
        <= sum_{t-D-L < s <= t-D} buy[g,s] + existing owned[g,t]
         + sum_k sum_{t-D-K_k < s <= t-D} commit[g,k,s] + existing reserved[g,t] + od[g,t]
    (the right side) <= max_gpus[g]                               (when a cap is set)

D is the GPU's lead time (`lead_time_periods`): a GPU bought or reserved in s serves from
s + D. Orders that could not serve inside the horizon (s + D > T - 1) are bounded to zero.
Existing GPUs (`existing:`, e.g. written by `tco roll` at their delivery period) are there
already and have no lead time; on-demand GPUs neither.

Costs (USD, undiscounted, in the period they are paid):
- gpu_capex[s]              += price x buy[g,s]   (paid when ordered)
- power_facility[t]         += power_kw x (facility per kW-month x months x esc_facility(t)
                               + kWh price x pue x H x esc_power(t))  (tco.model.escalation)
                               x owned GPUs alive (bought by the plan, from delivery s + D)
- gpu_residual[T-1]         -= price x residual_share(s + D, L) x buy[g,s]: the end-of-horizon
                               rule (tco.model.data.residual_share). pro_rata (default): the
                               value in T-1 of the annuity payments after the horizon, so the
                               GPU costs, in NPV, an annuity over its life for the periods it
                               serves inside the horizon (straight-line book value at rate 0);
                               conservative: no credit. With purchase.resale the market
                               value (1 - decline)^(years from delivery to the horizon end)
                               replaces the annuity's (book) value.
- gpu_reserved[t]           += hourly price x H x commitments alive in t (from s + D)
- gpu_reserved_after_horizon[T-1] += hourly price x H x periods of the term past the horizon,
                               only under finance.end_of_horizon: conservative (pro_rata
                               charges a reservation for the periods inside the horizon only)
- gpu_on_demand[t]          += hourly price x H x od[g,t]

L is the life in periods, K_k the term in periods. Existing assets are not decided by the plan;
their costs are reported apart as committed (tco.solution).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from tco.model.data import TERM_KEY
from tco.model.escalation import running_usd
from tco.model.terms import Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add procurement variables, the pool rows and the GPU cost terms."""
    data, T = b.data, b.data.T
    H = data.periods.hours
    last = T - 1
    conservative = data.scenario.finance.end_of_horizon == "conservative"
    buy_keys, commit_keys, od_keys = [], [], []
    for g in data.gpus:
        modes = data.modes[g.name]
        ub = float(np.max(data.gpu_ub[g.name], initial=0.0))
        lead = g.lead_time_periods
        for t in range(T):
            # An order that would arrive after the horizon serves nothing in it.
            ub_t = ub if t + lead < T else 0.0
            if "owned" in modes:
                buy_keys.append(((g.name, t), ub_t))
            for mode in ("reserved_1y", "reserved_3y"):
                if mode in modes:
                    commit_keys.append(((g.name, mode, t), ub_t))
            if "on_demand" in modes:
                od_keys.append(((g.name, t), float(data.gpu_ub[g.name][t])))
    b.buy = _int_vars(m, "buy", buy_keys)
    b.commit = _int_vars(m, "commit", commit_keys)
    b.od = _int_vars(m, "od", od_keys)

    deps = data.options.deployments
    pool, cap = Rows(), Rows()
    dep_gpu = deps["gpu"].to_numpy()
    gpr = deps["gpus_per_replica"].to_numpy()
    for g in data.gpus:
        life = data.life_periods(g) if g.purchase else 0
        lead = g.lead_time_periods
        on_g = [int(d) for d in np.flatnonzero(dep_gpu == g.name)]
        for t in range(T):
            use_c = [float(gpr[d]) for d in on_g]
            use_v = [b.rep[(d, t)] for d in on_g]
            ordered = t - lead  # orders of this period or earlier serve in t
            sup_v = [b.buy[(g.name, s)] for s in range(max(0, ordered - life + 1), ordered + 1)
                     if (g.name, s) in b.buy]
            for mode in ("reserved_1y", "reserved_3y"):
                term = data.term_periods(mode)
                sup_v += [b.commit[(g.name, mode, s)]
                          for s in range(max(0, ordered - term + 1), ordered + 1)
                          if (g.name, mode, s) in b.commit]
            if (g.name, t) in b.od:
                sup_v.append(b.od[(g.name, t)])
            have = float(data.existing_owned.get(g.name, np.zeros(T))[t]
                         + data.existing_reserved.get(g.name, np.zeros(T))[t])
            if use_v:
                pool.add((g.name, t), use_c + [-1.0] * len(sup_v), use_v + sup_v, upper=have)
            if g.max_gpus is not None and sup_v:
                cap.add((g.name, t), [1.0] * len(sup_v), sup_v, upper=g.max_gpus - have)
    pool.attach(m, "gpu_pool")
    cap.attach(m, "gpu_cap")

    for g in data.gpus:
        lead = g.lead_time_periods
        if g.purchase is not None and "owned" in data.modes[g.name]:
            p = g.purchase
            life = data.life_periods(g)
            run = [running_usd(data.scenario, p, t, data.periods) for t in range(T)]
            for s in range(T - lead):
                v = b.buy[(g.name, s)]
                b.costs.add(s, "gpu_capex", [p.price_usd], [v])
                for t in range(s + lead, min(T, s + lead + life)):
                    b.costs.add(t, "power_facility", [run[t]], [v])
                book = p.price_usd * data.residual_share(s + lead, life,
                                                         p.resale_decline_per_year)
                if book > 0:
                    b.costs.add(last, "gpu_residual", [-book], [v])
        for mode in ("reserved_1y", "reserved_3y"):
            if mode not in data.modes[g.name]:
                continue
            rate = g.reserved_usd_per_hour[TERM_KEY[mode]] * H
            term = data.term_periods(mode)
            for s in range(T - lead):
                v = b.commit[(g.name, mode, s)]
                for t in range(s + lead, min(T, s + lead + term)):
                    b.costs.add(t, "gpu_reserved", [rate], [v])
                tail = s + lead + term - T
                if tail > 0 and conservative:
                    b.costs.add(last, "gpu_reserved_after_horizon", [rate * tail], [v])
        if "on_demand" in data.modes[g.name]:
            rate = g.on_demand_usd_per_hour * H
            for t in range(T):
                b.costs.add(t, "gpu_on_demand", [rate], [b.od[(g.name, t)]])


def _int_vars(m: pyo.ConcreteModel, name: str, keys: list[tuple[tuple, float]]) -> dict:
    bounds = [ub for _, ub in keys]
    var = pyo.Var(range(len(keys)), domain=pyo.NonNegativeIntegers,
                  bounds=lambda _m, i: (0, bounds[i]))
    setattr(m, name, var)
    return {k: var[i] for i, (k, _) in enumerate(keys)}
