"""The P&L sheet: the plan's cash flow beside its income-statement effect (tco.pnl), as formulas.

Per period, over the Costs sheet's row of that period and the Capacity sheet's GPUs bought:

- Opex: every cash category budget caps count except GPU purchases (the end-of-horizon credits
  and charges are not spending inside the horizon).
- Capex: GPU purchases (cash, paid when ordered).
- Depreciation: per GPU type, price / N x the GPUs bought in (t - D - N, t - D], with D its lead
  time and N its tax life in periods, round(tax life x periods per year); the tax life is this
  sheet's input (blank: each GPU's own life).
- P&L cost = opex + depreciation; cash spent = opex + capex.
Existing assets are committed, not the plan's: they are left out, as in the cash TCO.
"""

from __future__ import annotations

from tco.pnl import CAPEX, OPEX
from tco.report.workbook.columns import ASSUMPTIONS as A
from tco.report.workbook.columns import CAPACITY as CA
from tco.report.workbook.columns import COSTS as CO
from tco.report.workbook.columns import COSTS_COL, FC
from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, NUMBER, USD, col, local, ref, rng

SHEET = "P&L"
HEAD = ["Period", "t", "Opex (USD)", "Capex (USD)", "Depreciation (USD)", "P&L cost (USD)",
        "Cash spent (USD)", "P&L minus cash (USD)"]


def write(ctx: Context) -> None:
    """Tax life input, depreciation life per GPU type, then one row per period and totals."""
    g = ctx.sheets[SHEET]
    g.put(1, 1, "Cash flow and P&L by period (USD)", kind="title")
    g.put(2, 1, "Cash: opex and GPU purchases when paid. P&L: opex as incurred, GPU purchases "
                "as straight-line depreciation from delivery over the tax life. The plan's own "
                "costs only (existing assets are committed); undiscounted.", kind="note")
    for c, w in enumerate((24, 14, 16, 16, 18, 16, 16, 18), start=1):
        g.width(c, w)
    tax = ctx.run.scenario.finance.tax_life_years
    g.put(4, 1, "Tax life (years; blank = each GPU's own life)")
    g.put(4, 3, tax, NUMBER, is_input=True,
          source="scenario (finance.tax_life_years; default each GPU's purchase.life_years)")
    ctx.name("tax_life_years", ref(SHEET, 4, 3))

    r = 6
    g.put(r, 1, "Depreciation life per GPU type bought", kind="section")
    g.header(r + 1, 1, ["GPU", "Price (USD/GPU)", "Life (years)", "Lead time (periods)",
                        "Tax life (periods)"])
    r += 1
    gpu_rows: dict[str, int] = {}
    for gpu in ctx.data.gpus:
        if gpu.purchase is None or gpu.name not in ctx.gpu_row:
            continue
        r += 1
        ar = ctx.gpu_row[gpu.name]
        gpu_rows[gpu.name] = r
        g.put(r, 1, gpu.name)
        g.f(r, 2, f"={ref(A, ar, 5)}", USD)
        g.f(r, 3, f"={ref(A, ar, 6)}", NUMBER)
        g.f(r, 4, f"={ref(A, ar, 13)}", COUNT)
        g.f(r, 5, f'=MAX(1,ROUND(IF(tax_life_years="",C{r},tax_life_years)*periods_per_year,0))',
            COUNT)
    if not gpu_rows:
        r += 1
        g.put(r, 1, "No GPU is bought: no depreciation.", kind="note")

    r += 2
    g.put(r, 1, "By period", kind="section")
    head = r + 1
    g.header(head, 1, HEAD)
    first = head + 1
    fleet_last = max(2, len(ctx.run.solution.tables["fleet"]) + 1)
    gcol, tcol, bcol = (f"{rng(CA, 2, FC[k], fleet_last, FC[k])}"
                        for k in ("GPU", "t", "Bought (GPUs)"))
    for t, label in enumerate(ctx.run.solution.periods):
        rr = first + t
        cr = ctx.cost_row(t)
        g.put(rr, 1, label)
        g.put(rr, 2, t, COUNT, role="label")
        g.f(rr, 3, "=" + "+".join(ref(CO, cr, COSTS_COL[k]) for k in OPEX), USD)
        g.f(rr, 4, f"={ref(CO, cr, COSTS_COL[CAPEX])}", USD)
        terms = []
        for name, gr in gpu_rows.items():
            lead, n = local(gr, 4, True), local(gr, 5, True)
            terms.append(f"SUMIFS({bcol},{gcol},{local(gr, 1, True)},{tcol},\">\"&({local(rr, 2)}"
                         f"-{lead}-{n}),{tcol},\"<=\"&({local(rr, 2)}-{lead}))"
                         f"*{local(gr, 2, True)}/{n}")
        g.f(rr, 5, "=" + ("+".join(terms) or "0"), USD)
        g.f(rr, 6, f"=C{rr}+E{rr}", USD)
        g.f(rr, 7, f"=C{rr}+D{rr}", USD)
        g.f(rr, 8, f"=F{rr}-G{rr}", USD)
    last = first + len(ctx.run.solution.periods) - 1
    tr = last + 1
    g.put(tr, 1, "Total", kind="total")
    for c in range(3, 9):
        g.f(tr, c, f"=SUM({local(first, c)}:{local(last, c)})", USD, kind="total")
    g.put(tr + 1, 1, "Book value of the plan's GPUs left at the end", kind="note")
    g.f(tr + 1, 5, f"=D{tr}-E{tr}", USD)
    ctx.name("pnl_table", rng(SHEET, first, 3, last, 7))
    ctx.name("pnl_cost_total_usd", ref(SHEET, tr, 6))
    ctx.name("book_value_end_usd", ref(SHEET, tr + 1, 5))
    g.finish(freeze=f"C{first}", filter_ref=f"A{head}:{col(len(HEAD))}{last}")
