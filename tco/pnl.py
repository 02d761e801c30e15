"""The P&L view beside the cash view: capex turned into depreciation, opex as incurred.

Per period t of the plan (existing assets are committed and left out, as in the cash TCO):

    capex[t]        = gpu_capex[t]                     (cash paid for GPUs ordered in t)
    opex[t]         = every other cash category of t, except the end-of-horizon adjustments
                      (gpu_residual, gpu_reserved_after_horizon, tariff_after_horizon: not
                      spent inside the horizon) = the categories budget caps count, less capex
    depreciation[t] = sum over GPU types g and orders s of price_g x buy[g,s] / N_g
                      for t in [s + D_g, s + D_g + N_g): straight line from delivery over the
                      tax life N_g = round(tax_life_years x periods per year) periods, tax life
                      `finance.tax_life_years` (default: the GPU's own life)
    pnl_cost[t]     = opex[t] + depreciation[t]        (the income-statement effect)
    cash_spent[t]   = opex[t] + capex[t]               (the cash-flow effect)

The book value left at the horizon end is sum(capex) - sum(depreciation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tco.model.data import whole_periods
from tco.model.terms import CATEGORIES, NOT_IN_BUDGET

CAPEX = "gpu_capex"
OPEX = tuple(c for c in CATEGORIES if c not in NOT_IN_BUDGET and c != CAPEX)
"""Cash categories expensed as incurred."""
COLUMNS = ["period", "t", "opex_usd", "capex_usd", "depreciation_usd", "pnl_cost_usd",
           "cash_spent_usd"]


def tax_life_periods(data, gpu) -> int:
    """Periods over which a GPU's price is depreciated (whole periods, at least one)."""
    years = data.scenario.finance.tax_life_years or gpu.purchase.life_years
    return whole_periods(years, data.periods.per_year)


def depreciation(data, fleet: pd.DataFrame) -> np.ndarray:
    """Straight-line depreciation per period of the GPUs the plan buys (`fleet.bought`)."""
    T = data.T
    out = np.zeros(T)
    gpus = {g.name: g for g in data.gpus}
    for row in fleet[fleet["bought"] > 0].itertuples(index=False):
        g = gpus[row.gpu]
        n = tax_life_periods(data, g)
        start = int(row.t) + g.lead_time_periods
        out[start:min(T, start + n)] += g.purchase.price_usd * row.bought / n
    return out


def pnl_table(data, costs: pd.DataFrame, fleet: pd.DataFrame) -> pd.DataFrame:
    """One row per period: opex, capex, depreciation, P&L cost and cash spent (USD)."""
    by = costs.pivot_table(index="t", columns="category", values="usd", aggfunc="sum")
    by = by.reindex(index=range(data.T), columns=list(CATEGORIES), fill_value=0.0).fillna(0.0)
    opex = by[list(OPEX)].sum(axis=1).to_numpy()
    capex = by[CAPEX].to_numpy()
    dep = depreciation(data, fleet)
    return pd.DataFrame({"period": list(data.periods.labels), "t": range(data.T),
                         "opex_usd": opex, "capex_usd": capex, "depreciation_usd": dep,
                         "pnl_cost_usd": opex + dep, "cash_spent_usd": opex + capex},
                        columns=COLUMNS)
