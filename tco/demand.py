"""Demand: each workload expanded over the horizon's periods.

Period hours are fixed so that every figure is reproducible by hand: a quarter is 8760/4 = 2190
hours, a month 8760/12 = 730 hours. Cash flows of a period are discounted from its start:
factor_t = (1 + annual rate)^(-t / periods per year), so the first period is undiscounted.
Requests grow by (1 + growth_per_year)^(t / periods per year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tco.scenario.schema import Finance, Horizon, Scenario, parse_period

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Periods:
    """The horizon's periods with their hours, timing and discount factors."""

    labels: tuple[str, ...]
    per_year: int
    hours: float
    """Hours in one period (2190 a quarter, 730 a month)."""
    months: float
    """Months in one period (3 or 1)."""
    years_from_start: np.ndarray
    discount: np.ndarray

    @property
    def count(self) -> int:
        """Number of periods."""
        return len(self.labels)

    def index_of(self, label: str) -> int:
        """Index of a period label relative to the start; negative before the horizon."""
        year, sub, _ = parse_period(label)
        y0, s0, _ = parse_period(self.labels[0])
        return (year - y0) * self.per_year + (sub - s0)


def period_label(year: int, sub: int, kind: str) -> str:
    """The label of a period: 2027Q3 or 2027-07."""
    return f"{year}Q{sub}" if kind == "quarter" else f"{year}-{sub:02d}"


def make_periods(horizon: Horizon, finance: Finance) -> Periods:
    """Periods of the horizon with hours and discount factors."""
    per_year = 4 if horizon.period == "quarter" else 12
    year, sub, kind = parse_period(horizon.start)
    labels = []
    for _ in range(horizon.periods):
        labels.append(period_label(year, sub, kind))
        sub += 1
        if sub > per_year:
            year, sub = year + 1, 1
    t = np.arange(horizon.periods, dtype=float)
    years = t / per_year
    return Periods(
        labels=tuple(labels),
        per_year=per_year,
        hours=HOURS_PER_YEAR / per_year,
        months=12 / per_year,
        years_from_start=years,
        discount=(1.0 + finance.discount_rate) ** (-years),
    )


@dataclass(frozen=True)
class Demand:
    """Per workload (rows, in scenario order) and period (columns)."""

    requests: np.ndarray
    """Requests in each period (not per month)."""
    input_tokens: np.ndarray
    """Mean input tokens per request, per workload."""
    output_tokens: np.ndarray
    cached_share: np.ndarray
    peak_to_average: np.ndarray

    @property
    def tokens(self) -> np.ndarray:
        """Total tokens (input and output) per workload and period."""
        return self.requests * (self.input_tokens + self.output_tokens)[:, None]


def expand_demand(scenario: Scenario, periods: Periods) -> Demand:
    """Requests per period for every workload: growth compounded per period, or the list given."""
    rows = []
    for w in scenario.workloads:
        if isinstance(w.requests_per_month, list):
            monthly = np.asarray(w.requests_per_month, dtype=float)
        else:
            monthly = w.requests_per_month * (1.0 + w.growth_per_year) ** periods.years_from_start
        rows.append(monthly * periods.months)
    ws = scenario.workloads
    return Demand(
        requests=np.vstack(rows),
        input_tokens=np.array([w.input_tokens for w in ws], dtype=float),
        output_tokens=np.array([w.output_tokens for w in ws], dtype=float),
        cached_share=np.array([w.cached_input_share for w in ws], dtype=float),
        peak_to_average=np.array([w.peak_to_average for w in ws], dtype=float),
    )
