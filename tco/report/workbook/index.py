"""The workbook's table of contents: each sheet written by its own module, in order.

Sheets that refer to another sheet's rows are written after it (Assumptions first, the
Summary once Costs and Strategies exist); the tab order is `SHEETS`. To add a sheet: a module
with `write(ctx)`, its name in `SHEETS`, one call below.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from tco.report.atomic import write_atomic
from tco.report.workbook import (
    assumptions,
    capacity,
    costs,
    method,
    plan,
    strategies,
    summary,
    unit_economics,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import Grid, Styles
from tco.run import RunResult

SHEETS = ("Summary", "Assumptions", "Plan", "Capacity", "Costs", "Strategies",
          "Unit economics", "Method")
"""Tab order."""


def write_workbook(run: RunResult, path: str | Path) -> Path:
    """Write the finance workbook for `run` to `path` atomically; returns the path."""
    wb = build_workbook(run)
    return write_atomic(path, lambda tmp: wb.save(tmp))


def build_workbook(run: RunResult) -> Workbook:
    """The workbook in memory (openpyxl), every sheet filled."""
    wb = Workbook()
    scratch = wb.active
    scratch.title = "_styles"
    styles = Styles(scratch)
    sheets = {name: Grid(wb.create_sheet(name), styles) for name in SHEETS}
    ctx = Context(run, wb, sheets)
    assumptions.write(ctx)
    plan.write(ctx)
    capacity.write(ctx)
    costs.write(ctx)
    unit_economics.write(ctx)
    strategies.write(ctx)
    summary.write(ctx)
    method.write(ctx)
    wb.remove(scratch)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    return wb
