"""The finance workbook `plan.xlsx`: the plan's costs restated as live Excel formulas.

The optimizer's decisions are written as values (shares of each workload per option and
period, GPUs bought, committed and rented, replicas, engineers hired, fine-tunes trained).
Every amount of money is a formula over the Assumptions sheet and those quantities, so a
reviewer who changes a price, a salary or the discount rate sees every dependent figure move
for the same plan. The formulas restate the engine's cost terms one for one:

- API (Plan sheet, one row per workload, period and option):
  requests x (input x (1 - cached) x p_in + input x cached x ((1 - w) x p_cached + w x p_write)
  + output x p_out) / 1e6, w = 1 / cache_reuse
  x (1 + price trend)^years, with requests = share x the workload's requests in the period.
- Error: requests x (1 - quality / 100) x cost of one bad answer.
- GPUs (Costs sheet, one row per GPU type and period, over the Capacity sheet's counts):
  on demand and reserved = GPUs x USD per GPU-hour x hours per period; a commitment running
  past the horizon books its remaining periods in the last period; owned = price at purchase,
  power and facility while alive, the end-of-horizon credit (book or market value) in the
  last period; lead times shift when GPUs serve.
- Staff: engineers hired x cost per year / periods per year.
- Fine-tunes: training cost in the period adopted and every `retrain_every_periods` after it.
- P&L sheet: opex as incurred, GPU purchases as straight-line depreciation (tco.pnl).
- NPV: sum over periods of the period total x (1 + rate)^(-t / periods per year).

Modules: `index` writes the sheets in order (one module per sheet: `assumptions`, `plan`,
`capacity`, `costs`, `budget`, `pnl`, `unit_economics`, `strategies`, `summary`, `method`) over
`layout` (cells,
styles, formats, print setup), `columns` (sheet names and shared column layouts), `context`
(where each sheet put what) and `charts`; `recalc` recalculates a file with LibreOffice.
"""

from tco.report.workbook.index import SHEETS, build_workbook, write_workbook

__all__ = ["SHEETS", "build_workbook", "write_workbook"]
