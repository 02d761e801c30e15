"""Escalation of salaries, electricity and facility prices over the horizon.

    factor(kind, t) = (1 + finance.escalation_per_year.<kind>)^(t / periods per year)

compounded per period from the first period (factor 1), like the API price trend. Applied to
the staff cost (`staffing.py`, committed engineers in `tco.solution`) and to the power and
facility cost of owned GPUs (`procurement.py`, existing GPUs in `tco.solution`); the workbook
restates the same factors over its Assumptions.
"""

from __future__ import annotations


def factor(scenario, kind: str, t: int, per_year: int) -> float:
    """Escalation factor of `kind` (salaries, power, facility) in period t."""
    rate = getattr(scenario.finance.escalation_per_year, kind)
    return (1.0 + rate) ** (t / per_year) if rate else 1.0


def running_usd(scenario, p, t: int, periods) -> float:
    """Power and facility cost of one owned GPU in period t (USD), escalated."""
    return p.power_kw * (p.facility_usd_per_kw_month * periods.months
                         * factor(scenario, "facility", t, periods.per_year)
                         + p.electricity_usd_per_kwh * p.pue * periods.hours
                         * factor(scenario, "power", t, periods.per_year))
