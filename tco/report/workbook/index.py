"""The workbook's table of contents: each sheet written by its own module, in order.

Sheets that refer to another sheet's rows are written after it (Assumptions first, the
Summary once Costs and Strategies exist); the tab order is `SHEETS`. To add a sheet: a module
with `write(ctx)`, its name in `SHEETS`, one call below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from tco.report.atomic import write_atomic
from tco.report.workbook import (
    assumptions,
    budget,
    cached,
    capacity,
    costs,
    levers,
    method,
    plan,
    pnl,
    risk,
    signoff,
    strategies,
    summary,
    tariffs,
    unit_economics,
    variance,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import Grid, Styles
from tco.run import RunResult

SHEETS = ("Summary", "Sign-off", "Assumptions", "Levers", "Plan", "Capacity", "Tariffs",
          "Costs", "Budget", "P&L", "Strategies", "Unit economics", "Method")
"""Tab order."""


def write_workbook(run: RunResult, path: str | Path, cached_values: bool = False) -> Path:
    """Write the finance workbook for `run` to `path` atomically; returns the path.

    With `cached_values`, every formula cell also carries its computed result (see
    `cached.py`: computed in Python, or by LibreOffice where that cannot), so readers that do
    not calculate see numbers.
    """
    wb = build_workbook(run)

    def save(tmp: Path) -> None:
        wb.save(tmp)
        if cached_values:
            cached.add_cached_values(Path(tmp), wb)

    return write_atomic(path, save)


def build_workbook(run: RunResult, solved_on: str | None = None) -> Workbook:
    """The workbook in memory (openpyxl), every sheet filled."""
    wb = Workbook()
    scratch = wb.active
    scratch.title = "_styles"
    styles = Styles(scratch)
    sheets = {name: Grid(wb.create_sheet(name), styles) for name in SHEETS}
    if risk.wanted(run):  # only when the run has an uncertainty analysis
        sheets[risk.SHEET] = Grid(wb.create_sheet(risk.SHEET), styles)
    review = getattr(run, "variance", None)  # only when the scenario reviews a previous plan
    if review is not None:
        sheets[variance.SHEET] = Grid(wb.create_sheet(variance.SHEET), styles)
    ctx = Context(run, wb, sheets, solved_on=solved_on or date.today().isoformat())
    assumptions.write(ctx)
    levers.write_inputs(ctx)
    plan.write(ctx)
    levers.write_costs(ctx)
    capacity.write(ctx)
    tariffs.write(ctx)
    costs.write(ctx)
    unit_economics.write(ctx)
    budget.write(ctx)
    pnl.write(ctx)
    strategies.write(ctx)
    summary.write(ctx)
    method.write(ctx)
    if risk.SHEET in sheets:
        risk.write(ctx)
    if review is not None:
        variance.write_sheet(sheets[variance.SHEET], review.table, review.title,
                             note=variance.run_note(review))
        # Actuals are what happened, not assumptions this plan was solved with: they stay
        # editable inputs on their sheet but out of the Sign-off's assumption log.
        sheets[variance.SHEET].inputs.clear()
    signoff.write(ctx)  # last: it logs every input the other sheets wrote
    headers_and_footers(ctx)
    wb.remove(scratch)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    return wb


def headers_and_footers(ctx: Context) -> None:
    """Every printed page names the scenario, the sheet, the run and its date, and its number."""
    run = ctx.run
    run_id = getattr(run, "run_id", None)
    right = (f"run {run_id}, solved {ctx.solved_on}" if run_id
             else f"solved {ctx.solved_on}")
    for name, grid in ctx.sheets.items():
        ws = grid.ws
        for hf in (ws.oddHeader, ws.evenHeader):
            hf.left.text = _hf(run.scenario.name)
            hf.center.text = _hf(name)
            hf.right.text = _hf(right)
        for hf in (ws.oddFooter, ws.evenFooter):
            hf.left.text = "tco plan.xlsx"
            hf.right.text = "Page &P of &N"


def _hf(text: str) -> str:
    """Header text with '&' escaped (it starts a control code) and a sane length."""
    return str(text).replace("&", "&&")[:80]
