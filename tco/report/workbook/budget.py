"""The Budget sheet: nominal cash spend as finance keeps it, every figure a formula.

- By year and workload: each workload's API cost (Plan) plus its share of the period's shared
  GPU, power and staff costs (the Plan's attribution, undiscounted: shared PV / discount
  factor of the same period); fine-tuning and levers on their own rows (not attributed by
  period). The rows add up to the cash spend of each year (Costs sheet, expected errors left
  out: they are not cash).
- By cost centre: the workload rows summed by the workload's `cost_centre` (scenario field;
  "(none)" when not given).
- Capex and opex: GPU purchases and the residual value credit are capex; everything else
  cash is opex.
- Contingency: `finance.contingency_share` (default 0) of the cash spend, added on top: the
  budget to approve. It is a reserve, not a cost: the plan's NPV does not include it.
"""

from __future__ import annotations

from tco.model.terms import CATEGORIES, NOT_CASH
from tco.report.workbook.columns import CATEGORY_LABELS, COSTS_COL
from tco.report.workbook.columns import COSTS as CO
from tco.report.workbook.context import Context
from tco.report.workbook.layout import SHARE, USD, col, local, ref, rng
from tco.solution import SHARED

BUDGET = "Budget"
CAPEX = ("gpu_capex", "gpu_residual")
NONE = "(none)"


def _years(ctx: Context) -> list[int]:
    return sorted({t // ctx.data.periods.per_year + 1 for t in range(ctx.T)})


def write(ctx: Context) -> None:
    """Workloads by year, cost centres by year, capex/opex, contingency and the budget."""
    g = ctx.sheets[BUDGET]
    s = ctx.run.scenario
    years = _years(ctx)
    ny = len(years)
    g.put(1, 1, "Budget: nominal cash spend by year (USD)", kind="title")
    g.put(2, 1, "Formulas over Plan and Costs; undiscounted; expected error cost is not cash "
                "and not in the budget. Escalation of prices over time is in the costs "
                "themselves (Assumptions).", kind="note")
    g.width(1, 34)
    g.width(2, 16)
    for i in range(ny + 1):
        g.width(3 + i, 16)
    # Contingency first: the budget's one input of its own.
    r = 4
    g.put(r, 1, "Contingency (share of cash spend)")
    g.put(r, 3, s.finance.contingency_share, SHARE, is_input=True,
          source="scenario (finance.contingency_share; default 0)")
    ctx.name("contingency_share", ref(BUDGET, r, 3))
    ppy = "periods_per_year"
    plan_t, plan_w = ctx.plan_range("t"), ctx.plan_range("Workload")
    api, shared_pv, dfs = (ctx.plan_range(k) for k in ("API cost (USD)",
                                                       "Shared GPU and staff PV (USD)",
                                                       "Discount factor"))
    r += 2
    g.put(r, 1, "By workload", kind="section")
    r += 1
    head = r
    g.header(r, 1, ["Workload", "Cost centre"] + [f"Year {y} (USD)" for y in years]
             + ["Total (USD)"])
    first = r + 1
    for w in s.workloads:
        r += 1
        g.put(r, 1, w.name)
        g.put(r, 2, w.cost_centre or NONE)
        for i, y in enumerate(years):
            lo, hi = f"({y}-1)*{ppy}", f"{y}*{ppy}"
            g.f(r, 3 + i,
                f"=SUMPRODUCT(({plan_w}={local(r, 1)})*({plan_t}>={lo})*({plan_t}<{hi}),"
                f"{api}+{shared_pv}/{dfs})", USD)
        g.f(r, 3 + ny, f"=SUM({local(r, 3)}:{local(r, 2 + ny)})", USD)
    last_w = r
    # The workload rows carry API spend and the shared GPU and staff costs (Plan sheet); every
    # other cash category (fine-tuning, levers, migrations, tariffs, ...) is a row of its own.
    attributed = {"api", "api_batch", *SHARED}
    for cat in [k for k in CATEGORIES if k not in NOT_CASH and k not in attributed]:
        r += 1
        g.put(r, 1, f"{CATEGORY_LABELS[cat]} (not attributed)")
        for i, y in enumerate(years):
            g.f(r, 3 + i, _by_year(ctx, [cat], y), USD)
        g.f(r, 3 + ny, f"=SUM({local(r, 3)}:{local(r, 2 + ny)})", USD)
    r += 1
    sub = r
    g.put(r, 1, "Cash spend", kind="total")
    for i in range(ny + 1):
        c = 3 + i
        g.f(r, c, f"=SUM({local(first, c)}:{local(r - 1, c)})", USD, kind="total")
    cash = [k for k in CATEGORIES if k not in NOT_CASH]
    r += 1
    g.put(r, 1, "Check: cash spend on the Costs sheet", kind="note")
    for i, y in enumerate(years):
        g.f(r, 3 + i, _by_year(ctx, cash, y), USD)
    g.f(r, 3 + ny, f"=SUM({local(r, 3)}:{local(r, 2 + ny)})", USD)
    ctx.name("budget_cash_by_year", f"'{BUDGET}'!${col(3)}${sub}:${col(2 + ny)}${sub}")
    r += 1
    g.put(r, 1, "Contingency")
    for i in range(ny + 1):
        g.f(r, 3 + i, f"={local(sub, 3 + i)}*contingency_share", USD)
    r += 1
    g.put(r, 1, "Budget (cash spend + contingency)", kind="total")
    for i in range(ny + 1):
        g.f(r, 3 + i, f"={local(sub, 3 + i)}+{local(r - 1, 3 + i)}", USD, kind="total")
    ctx.name("budget_total_usd", ref(BUDGET, r, 3 + ny))

    r += 2
    g.put(r, 1, "By cost centre", kind="section")
    r += 1
    g.header(r, 1, ["Cost centre", ""] + [f"Year {y} (USD)" for y in years] + ["Total (USD)"])
    centres = sorted({w.cost_centre or NONE for w in s.workloads})
    for cc in centres:
        r += 1
        g.put(r, 1, cc)
        for i in range(ny + 1):
            c = col(3 + i)
            g.f(r, 3 + i, f"=SUMIFS(${c}${first}:${c}${last_w},$B${first}:$B${last_w},"
                          f"{local(r, 1)})", USD)

    r += 2
    g.put(r, 1, "Capex and opex", kind="section")
    r += 1
    g.header(r, 1, ["", ""] + [f"Year {y} (USD)" for y in years] + ["Total (USD)"])
    for label, cats in (("Capex: GPU purchases less residual value", list(CAPEX)),
                        ("Opex: everything else cash", [k for k in cash if k not in CAPEX])):
        r += 1
        g.put(r, 1, label)
        for i, y in enumerate(years):
            g.f(r, 3 + i, _by_year(ctx, cats, y), USD)
        g.f(r, 3 + ny, f"=SUM({local(r, 3)}:{local(r, 2 + ny)})", USD)
    r += 1
    g.put(r, 1, "Cash spend", kind="total")
    for i in range(ny + 1):
        g.f(r, 3 + i, f"={local(r - 2, 3 + i)}+{local(r - 1, 3 + i)}", USD, kind="total")
    g.finish(freeze=f"A{head + 1}", title_rows="1:2")


def _by_year(ctx: Context, cats: list[str], y: int) -> str:
    """Sum of the Costs sheet's categories over the periods of year y."""
    first, last = ctx.costs_first, ctx.costs_first + ctx.T - 1
    year = rng(CO, first, 3, last, 3)
    parts = [f"SUMIFS({rng(CO, first, COSTS_COL[k], last, COSTS_COL[k])},{year},{y})"
             for k in cats]
    return "=" + "+".join(parts) if parts else "=0"

