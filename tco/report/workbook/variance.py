"""The Variance sheet: plan against actuals per period (tco review), the variance and forecast
error as formulas over the plan and actual cells, so a controller can correct an actual and see
both move. Written into review.xlsx by `tco review --out` (`write_review_workbook`), and into
plan.xlsx when the run's scenario reviews a previous plan (`review:`, written by `tco roll`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from tco.report.atomic import write_atomic
from tco.report.workbook.layout import COUNT, NUMBER, SHARE, USD, Grid, Styles

SHEET = "Variance"
HEAD = [("Section", 18), ("Item", 24), ("Period", 10), ("Metric", 26), ("Plan", 16),
        ("Actual", 16), ("Variance (actual - plan)", 18), ("Forecast error (plan - actual) / "
                                                           "actual", 18), ("Note", 24)]


def run_note(review) -> str:
    """Where a run's Variance sheet comes from (tco.review.PlanReview)."""
    return (f"The previous plan (run {review.run_id} in {review.history}) against the actuals "
            f"in {review.actuals}; this workbook's plan starts after those periods. Actuals "
            "are inputs (blue); variance = actual - plan and forecast error = (plan - actual) "
            "/ actual are formulas.")


def write_sheet(g: Grid, table: pd.DataFrame, title: str, note: str = "") -> None:
    """The variance rows under a title; variance and error are formulas."""
    g.put(1, 1, title, kind="title")
    if note:
        g.put(2, 1, note, kind="note")
    g.header(3, 1, [h for h, _ in HEAD], [w for _, w in HEAD])
    r = 3
    for r, row in enumerate(table.itertuples(index=False), start=4):
        fmt = USD if row.section == "spend" else (COUNT if row.metric == "requests"
                                                  else NUMBER)
        g.put(r, 1, row.section)
        g.put(r, 2, row.item)
        g.put(r, 3, row.period)
        g.put(r, 4, row.metric)
        g.put(r, 5, row.plan, fmt)
        if row.actual is None or pd.isna(row.actual):
            g.put(r, 9, row.note)
            continue
        g.put(r, 6, row.actual, fmt, is_input=True)
        g.f(r, 7, f"=F{r}-E{r}", fmt)
        g.f(r, 8, f'=IF(F{r}<>0,(E{r}-F{r})/F{r},"")', SHARE)
        g.put(r, 9, row.note)
    g.finish(freeze="A4", filter_ref=f"A3:I{max(r, 4)}")


def write_review_workbook(table: pd.DataFrame, title: str, path: str | Path) -> Path:
    """review.xlsx: the Variance sheet alone, written atomically."""
    wb = Workbook()
    scratch = wb.active
    scratch.title = "_styles"
    styles = Styles(scratch)
    write_sheet(Grid(wb.create_sheet(SHEET), styles), table, title)
    wb.remove(scratch)
    wb.calculation.fullCalcOnLoad = True
    return write_atomic(path, lambda tmp: wb.save(tmp))
