"""The Summary sheet: the plan's NPV and saving (live), the orders and recommendation as solved.

Live (formulas): NPV, total cost, committed costs, the saving against the best single-mode
strategy (its NPV as solved minus this workbook's NPV), cost per year, and a check cell that
says in words whether any input differs from the value the plan was solved with (the
Sign-off sheet compares them one by one). As solved (a new run changes them): the
recommended strategy, the solver's status and the orders: what to buy, reserve, rent, hire,
train and sign, and when, with quantities that point at the Capacity and Plan sheets.
"""

from __future__ import annotations

from tco.report.headline import saving_vs_best_single
from tco.report.workbook.charts import category_chart
from tco.report.workbook.columns import CAPACITY as CA
from tco.report.workbook.columns import COSTS as CO
from tco.report.workbook.columns import FC
from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, SHARE, USD, ref

STALE = "Assumptions changed since the plan was solved: run tco again"
CURRENT = "Assumptions as solved: the plan is current"


def write(ctx: Context) -> None:
    """Headline, as-solved block, orders, cost per year and the category chart."""
    g = ctx.sheets["Summary"]
    run, sol = ctx.run, ctx.run.solution
    g.put(1, 1, run.scenario.name, kind="title")
    if run.scenario.description:
        g.put(2, 1, run.scenario.description, kind="note")
    g.put(3, 1, f"Horizon {sol.periods[0]} to {sol.periods[-1]} ({ctx.T} periods); all "
                f"amounts USD. Black figures are formulas, purple ones as solved on "
                f"{ctx.solved_on}, blue ones inputs.", kind="note")
    r = 5
    g.put(r, 1, "Plan check")
    g.f(r, 2, f'=IF(assumptions_changed>0,"{STALE}","{CURRENT}")', kind="total")
    ctx.name("plan_check", ref("Summary", r, 2))
    r += 2
    g.header(r, 1, ["Headline", "Value", "Note"], [46, 20, 80])
    saving = saving_vs_best_single(run)
    rows = [
        ("Cash TCO, NPV (USD)", "=cash_npv_usd", USD,
         "What finance pays: every cost category but expected errors (Costs sheet)."),
        ("Expected error cost, NPV (USD)", "=error_npv_usd", USD,
         "Not cash: requests x (1 - quality / 100) x cost of one bad answer."),
        ("NPV of the plan (USD)", "=npv_usd", USD,
         "Quality-adjusted cost: cash TCO + expected error cost; sum over periods of cost x "
         "discount factor (Costs sheet)."),
        ("Total cost, undiscounted (USD)", "=total_cost_usd", USD,
         "All periods, all categories (Costs sheet)."),
        ("Committed costs of existing assets, NPV (USD)", "=committed_npv_usd", USD,
         "Signed reservations, owned GPUs' running costs, employed engineers; not in the NPV."),
        ("Discount rate (per year)", "=discount_rate", SHARE, "Assumptions sheet."),
    ]
    if saving is not None:
        rows += [
            ("Saved against the best single-mode strategy (USD)",
             "=best_single_npv_usd-npv_usd", USD,
             f"Against {saving.against} (NPV as solved, Strategies sheet), the cheapest of "
             f"APIs only, APIs with batch and caching, and self-hosting only."),
            ("Saved against the best single-mode strategy",
             '=IF(best_single_npv_usd<>0,(best_single_npv_usd-npv_usd)/best_single_npv_usd,"")',
             SHARE, "Share of that strategy's NPV."),
        ]
    for label, formula, fmt, note in rows:
        r += 1
        g.put(r, 1, label)
        g.f(r, 2, formula, fmt)
        g.put(r, 3, note, kind="wrap")
    if saving is None:
        r += 1
        g.put(r, 1, "Saved against the best single-mode strategy")
        g.put(r, 2, "not claimed")
        g.put(r, 3, "No single-mode strategy was solved (run without --no-analysis) or none "
                    "is feasible.", kind="note")

    r += 2
    r = _as_solved(ctx, g, r)

    r += 2
    g.put(r, 1, "Cost per year", kind="section")
    r += 1
    g.header(r, 1, ["Year (first period)", "Cost (USD)", "Present value (USD)"])
    for yr in ctx.per_year_rows:
        r += 1
        g.f(r, 1, f'="Year "&{ref(CO, yr, 1)}&" ("&{ref(CO, yr, 2)}&")"')
        g.f(r, 2, f"={ref(CO, yr, 4)}", USD)
        g.f(r, 3, f"={ref(CO, yr, 5)}", USD)
    r += 1
    g.put(r, 1, "Total", kind="total")
    g.f(r, 2, "=total_cost_usd", USD, kind="total")
    g.f(r, 3, "=npv_usd", USD, kind="total")
    r = _orders(ctx, g, r + 2)
    chart = category_chart(ctx, "Cost by category per period (USD)")
    chart.width = 24
    g.chart_below(chart, r + 2)
    g.finish(freeze="A5", title_rows="")  # short sheet: no rows repeated


def _as_solved(ctx: Context, g, r: int) -> int:
    run, sol = ctx.run, ctx.run.solution
    res = sol.result
    g.put(r, 1, f"As solved on {ctx.solved_on} (only a new run of tco changes these)",
          kind="section")
    r += 1
    best = _recommendation(ctx)
    g.put(r, 1, "Recommended strategy")
    if best is None:
        g.put(r, 2, sol.meta.get("strategy", "hybrid"))
        g.put(r, 3, "The optimum over every option; strategies were not compared.",
              kind="note")
    else:
        g.put(r, 2, best)
        g.put(r, 3, "Lowest NPV among the strategies compared (Strategies sheet).",
              kind="note")
    r += 1
    g.put(r, 1, "Solver status")
    g.put(r, 2, res.status if res.status == "optimal"
          else f"{res.status}: NOT PROVEN OPTIMAL")
    gap = f"MIP gap {res.gap:.4%}" if res.gap is not None else "MIP gap n/a"
    g.put(r, 3, f"{res.solver}, {gap}, {res.seconds:.1f} s", kind="note")
    r += 1
    g.put(r, 1, "The plan minimised")
    g.put(r, 2, "cash TCO" if sol.meta.get("objective") == "cash"
          else "quality-adjusted cost (NPV of the plan)", kind="wrap")
    g.put(r, 3, str(sol.meta.get("objective_why", "")), kind="note")
    run_id = getattr(run, "run_id", None)
    if run_id:
        r += 1
        g.put(r, 1, "Run id")
        g.put(r, 2, str(run_id))
    return r


def _recommendation(ctx: Context) -> str | None:
    """The lowest-NPV feasible strategy (hybrid on a tie), or None when none was compared."""
    from tco.report.headline import feasible_strategies

    ok = feasible_strategies(ctx.run)
    if ok is None or ok.empty:
        return None
    ok = ok.assign(_tie=(ok["strategy"] != "hybrid"), _npv=ok["npv_usd"].astype(float))
    return str(ok.sort_values(["_npv", "_tie"])["strategy"].iat[0])


VERBS = {"buy": "Buy {what} GPUs ({note})", "reserve_1y": "Reserve {what} GPUs for 1 year (sign "
         "the commitment; ends {ends})", "reserve_3y": "Reserve {what} GPUs for 3 years (sign "
         "the commitment; ends {ends})", "rent": "Rent {what} GPUs on demand this period",
         "hire": "Hire platform engineers", "release": "Release platform engineers (no longer "
         "needed)", "train": "Train fine-tune {what} ({note})", "route": "Route {what}: {note}",
         "move": "Move {what} to {note}", "sign": "Sign {what} ({note}; ends {ends})"}
FLEET_SOURCE = {"bought": "Bought (GPUs)", "reserved_1y_new": "Reserved 1y signed (GPUs)",
                "reserved_3y_new": "Reserved 3y signed (GPUs)", "on_demand": "On demand (GPUs)"}


def orders(ctx: Context) -> list[tuple[int, str, str | None, float]]:
    """(t, order, quantity formula, cost as solved) for every period: tco.orders' list (the one
    `tco run` prints), each count a formula over the Capacity cell it is read from."""
    from tco.orders import assets_of
    from tco.orders import orders as plan_orders

    sol = ctx.run.solution
    table = plan_orders(sol.tables, assets_of(ctx.run), sol.periods, t=None)
    out = []
    for o in table.itertuples(index=False):
        t, qty = int(o.t), None
        if o.source in FLEET_SOURCE:
            qty = f"={ref(CA, ctx.fleet_row[(o.what, t)], FC[FLEET_SOURCE[o.source]])}"
        elif o.source == "engineers_hired":  # the change in engineers hired over the period
            now = ref(CA, ctx.staff_row[t], 5)
            qty = f"={now}-{ref(CA, ctx.staff_row[t - 1], 5)}" if t > 0 else f"={now}"
            if o.order == "release":
                qty = f"=-({qty[1:]})"
        text = VERBS[o.order].format(what=o.what, note=o.note, ends=o.ends)
        out.append((t, text, qty, float(o.cost_usd)))
    return out


def _orders(ctx: Context, g, r: int) -> int:
    g.put(r, 1, f"Orders: what to buy, reserve, rent, hire, train and route, when, with its cost "
                f"(as solved on {ctx.solved_on}; the list tco run prints, every period)",
          kind="section")
    r += 1
    g.header(r, 1, ["Order", "Quantity", "Cost (USD)", "Period"])
    items = orders(ctx)
    labels = ctx.run.solution.periods
    for t, what, qty, cost in items:
        r += 1
        g.put(r, 1, what, kind="wrap")
        if qty:
            g.f(r, 2, qty, COUNT)
        g.put(r, 3, cost, USD, role="solved")
        g.put(r, 4, labels[t], kind="indent")
    if not items:
        r += 1
        g.put(r, 1, "No orders: nothing to buy, reserve, rent, hire, train or route.",
              kind="note")
    return r
