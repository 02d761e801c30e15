"""Recurring GPU costs beyond power: support and maintenance, software licences, networking
and storage (per GPU type; the scenario's or the catalog's, tco.catalog.hardware).

For GPU type g and period t, with P its purchase price, n the periods per year and the GPUs
alive counted as in tco.model.procurement (orders serving from their delivery):

    gpu_support[t]         += support_share_per_year x P / n x owned GPUs alive (bought by the plan)
    gpu_software[t]        += software_usd_per_gpu_year / n x GPUs held
    gpu_network_storage[t] += network_storage_usd_per_gpu_year / n x GPUs held

GPUs held = owned alive + reserved alive + on demand. No variables or rows of their own: cost
terms on procurement's buy, commit and od. Existing GPUs pay the same, reported as committed
(tco.solution.committed_costs).
"""

from __future__ import annotations

import pyomo.environ as pyo

ALIVE_MODES = ("reserved_1y", "reserved_3y")


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the support, software and networking-and-storage cost terms."""
    data, T = b.data, b.data.T
    n = data.periods.per_year
    for g in data.gpus:
        held = (g.software_usd_per_gpu_year + g.network_storage_usd_per_gpu_year) / n
        lead = g.lead_time_periods
        support = (g.support_share_per_year * g.purchase.price_usd / n
                   if g.purchase is not None else 0.0)
        if held == 0 and support == 0:
            continue
        per_held = {"gpu_software": g.software_usd_per_gpu_year / n,
                    "gpu_network_storage": g.network_storage_usd_per_gpu_year / n}
        owned = {"gpu_support": support, **per_held}
        if g.purchase is not None and "owned" in data.modes[g.name]:
            life = data.life_periods(g)
            for s in range(T - lead):
                v = b.buy[(g.name, s)]
                for t in range(s + lead, min(T, s + lead + life)):
                    for cat, rate in owned.items():
                        if rate:
                            b.costs.add(t, cat, [rate], [v])
        for mode in ALIVE_MODES:
            if mode not in data.modes[g.name]:
                continue
            term = data.term_periods(mode)
            for s in range(T - lead):
                v = b.commit[(g.name, mode, s)]
                for t in range(s + lead, min(T, s + lead + term)):
                    for cat, rate in per_held.items():
                        if rate:
                            b.costs.add(t, cat, [rate], [v])
        if "on_demand" in data.modes[g.name]:
            for t in range(T):
                for cat, rate in per_held.items():
                    if rate:
                        b.costs.add(t, cat, [rate], [b.od[(g.name, t)]])
