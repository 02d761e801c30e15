"""Per-group workload statistics from the aggregates of one or more logs.

Definitions (the scenario fields they fill in brackets):
- months: calendar months (UTC) with requests. A month's coverage is the share of its hours
  between the group's first and last logged hour (both included); its requests per month are
  its requests over its coverage, so a log starting mid-month is not read as a slow month.
- growth per year [growth_per_year]: least-squares line through ln(requests per month) against
  the month index, b its slope: growth = e^(12 b) - 1. Zero with one month.
- requests per month [requests_per_month]: the fitted line at the last month, e^(a + b m_last),
  divided by the sample rate (with one month: that month's requests per month).
- mean input and output tokens [input_tokens, output_tokens]: token sums over requests.
- p95 input and output tokens: nearest rank, the smallest count with at least 95% of requests
  at or below it (sorted[ceil(0.95 n) - 1]); exact, from the per-count histogram.
- cached share [cached_input_share]: cached input tokens over input tokens.
- peak to average [peak_to_average]: per month, the busiest hour's requests over the month's
  mean hour (its requests over its covered hours, empty hours included); the median over
  months, which a sampled log's noise moves less than the maximum would.
- model in use: the model with the most requests in the last month.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tco.profile.read import Aggregates

COLUMNS = ["workload", "requests", "months", "first_month", "last_month", "requests_per_month",
           "growth_per_year", "input_tokens", "output_tokens", "p95_input_tokens",
           "p95_output_tokens", "cached_input_share", "peak_to_average", "model"]


def combine(parts: list[Aggregates]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Hourly, input and output histograms of several logs summed by group."""
    hourly = pd.concat([p.hourly for p in parts], ignore_index=True)
    hourly = hourly.groupby(["grp", "hour", "model"], as_index=False)[
        ["requests", "input", "output", "cached"]].sum()
    inp = pd.concat([p.input_hist for p in parts]).groupby(["grp", "tokens"], as_index=False)[
        "requests"].sum()
    out = pd.concat([p.output_hist for p in parts]).groupby(["grp", "tokens"], as_index=False)[
        "requests"].sum()
    return hourly, inp, out


def p95(hist: pd.DataFrame) -> float:
    """Nearest-rank 95th percentile of a (tokens, requests) histogram."""
    h = hist.sort_values("tokens")
    n = int(h["requests"].sum())
    if n == 0:
        return 0.0
    rank = math.ceil(0.95 * n)
    cum = h["requests"].cumsum().to_numpy()
    return float(h["tokens"].to_numpy()[np.searchsorted(cum, rank)])


def _month_hours(month: pd.Period) -> tuple[int, int]:
    """First and one-past-last epoch hour of a calendar month."""
    start = int(month.start_time.tz_localize("UTC").timestamp()) // 3600
    end = int((month + 1).start_time.tz_localize("UTC").timestamp()) // 3600
    return start, end


def monthly(hourly: pd.DataFrame) -> pd.DataFrame:
    """Per group and month: requests, tokens, covered hours, requests per month, busiest hour."""
    h = hourly.groupby(["grp", "hour"], as_index=False)[
        ["requests", "input", "output", "cached"]].sum()
    h["month"] = pd.to_datetime(h["hour"] * 3600, unit="s").dt.to_period("M")
    span = h.groupby("grp")["hour"].agg(["min", "max"])
    rows = []
    for (grp, month), g in h.groupby(["grp", "month"], sort=True):
        start, end = _month_hours(month)
        first, last = span.loc[grp, "min"], span.loc[grp, "max"]
        covered = min(end, last + 1) - max(start, first)
        n = int(g["requests"].sum())
        rows.append(dict(grp=grp, month=str(month), requests=n,
                         input=float(g["input"].sum()), output=float(g["output"].sum()),
                         cached=float(g["cached"].sum()), covered_hours=covered,
                         coverage=covered / (end - start),
                         per_month=n / (covered / (end - start)),
                         peak_to_average=float(g["requests"].max()) / (n / covered)))
    return pd.DataFrame(rows)


def fit_growth(per_month: list[float], index: list[int] | None = None) -> tuple[float, float]:
    """(growth per year, fitted level at the last month) of monthly volumes, log-linear.

    `index` numbers the months by calendar position (a month missing from a log leaves a gap
    instead of squeezing the slope); default 0, 1, 2, ...
    """
    y = np.log(np.maximum(np.asarray(per_month, dtype=float), 1e-12))
    if len(y) < 2:
        return 0.0, float(per_month[-1]) if len(per_month) else 0.0
    m = np.asarray(index if index is not None else range(len(y)), dtype=float)
    b, a = np.polyfit(m, y, 1)
    return float(math.exp(12 * b) - 1), float(math.exp(a + b * m[-1]))


def profile_table(parts: list[Aggregates], sample_rate: float = 1.0) -> pd.DataFrame:
    """One row per group with the statistics above (columns: COLUMNS)."""
    hourly, inp, out = combine(parts)
    if hourly.empty:
        return pd.DataFrame(columns=COLUMNS)
    months = monthly(hourly)
    rows = []
    for grp, m in months.groupby("grp", sort=True):
        m = m.sort_values("month")
        pos = [pd.Period(x, "M").ordinal for x in m["month"]]
        growth, level = fit_growth(m["per_month"].tolist(), [p - pos[0] for p in pos])
        n = int(m["requests"].sum())
        last = m["month"].iat[-1]
        in_last = hourly[(hourly.grp == grp)
                         & (pd.to_datetime(hourly["hour"] * 3600, unit="s").dt.to_period("M")
                            .astype(str) == last)]
        model = in_last.groupby("model")["requests"].sum().sort_values(
            ascending=False, kind="stable").index[0]
        rows.append(dict(
            workload=grp, requests=n / sample_rate, months=len(m),
            first_month=m["month"].iat[0], last_month=last,
            requests_per_month=level / sample_rate, growth_per_year=growth,
            input_tokens=m["input"].sum() / n, output_tokens=m["output"].sum() / n,
            p95_input_tokens=p95(inp[inp.grp == grp]), p95_output_tokens=p95(out[out.grp == grp]),
            cached_input_share=m["cached"].sum() / m["input"].sum() if m["input"].sum() else 0.0,
            peak_to_average=float(m["peak_to_average"].median()), model=model))
    return pd.DataFrame(rows, columns=COLUMNS)


def monthly_actuals(parts: list[Aggregates], sample_rate: float = 1.0) -> pd.DataFrame:
    """Per month and group, the columns of an actuals file (tco review --actuals)."""
    hourly, _, _ = combine(parts)
    m = monthly(hourly)
    if m.empty:
        return pd.DataFrame(columns=["month", "workload", "requests", "input_tokens",
                                     "output_tokens", "cached_input_tokens"])
    scale = 1.0 / sample_rate
    return pd.DataFrame({"month": m["month"], "workload": m["grp"],
                         "requests": (m["requests"] * scale).round().astype("int64"),
                         "input_tokens": (m["input"] * scale).round().astype("int64"),
                         "output_tokens": (m["output"] * scale).round().astype("int64"),
                         "cached_input_tokens": (m["cached"] * scale).round().astype("int64")})
