"""The end-of-horizon rule as spreadsheet formulas (tco.model.data.residual_share).

Named assumptions: end_of_horizon_conservative (1: every commitment in full, no credit),
period_discount (one period's discount factor v), horizon_periods, discount_rate.
"""

from __future__ import annotations


def residual_share(bought: str, life: str, decline: str | None = None) -> str:
    """Share of a price credited in the last period for a GPU bought in period `bought` with a
    life of `life` periods: the annuity payments of the n = min(L, max(0, s + L - T)) periods
    of life left after the horizon, valued in the last period, v (1 - v^n) / (1 - v^L)
    (n / L at rate 0); none under the conservative rule. With `decline` (a cell: the yearly
    fall of the market value, blank when the GPU is credited at book value) the market value
    (1 - decline)^((T - s) / periods per year) while life is left."""
    n = f"MIN({life},MAX(0,{bought}+{life}-horizon_periods))"
    book = (f"IF(discount_rate=0,{n}/{life},"
            f"period_discount*(1-period_discount^{n})/(1-period_discount^{life}))")
    if decline is not None:
        market = (f"IF({n}=0,0,(1-{decline})^(MAX(0,horizon_periods-{bought})"
                  f"/periods_per_year))")
        book = f'IF({decline}="",{book},{market})'
    return f"IF(end_of_horizon_conservative=1,0,{book})"


def reserved_after(signed_1y: str, rate_1y: str, signed_3y: str, rate_3y: str, t: str) -> str:
    """Reservation payments after the horizon for terms signed in period t, charged only
    under the conservative rule (booked in the last period)."""
    return (f"end_of_horizon_conservative*({signed_1y}*{rate_1y}*MAX(0,{t}+term_1y_periods"
            f"-horizon_periods)+{signed_3y}*{rate_3y}*MAX(0,{t}+term_3y_periods"
            f"-horizon_periods))*hours_per_period")
