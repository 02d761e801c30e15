"""The Summary sheet: NPV, recommendation, savings and cost per year."""

from __future__ import annotations

from tco.report.workbook.charts import category_chart
from tco.report.workbook.columns import (
    COSTS as CO,
)
from tco.report.workbook.columns import (
    STRATEGIES as ST,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    SHARE,
    USD,
    name_column,
    ref,
)


def write(ctx: Context) -> None:
    g = ctx.sheets["Summary"]
    run, sol = ctx.run, ctx.run.solution
    res = sol.result
    g.put(1, 1, run.scenario.name, kind="title")
    if run.scenario.description:
        g.put(2, 1, run.scenario.description, kind="note")
    g.put(3, 1, f"Horizon {sol.periods[0]} to {sol.periods[-1]} ({ctx.T} periods); all "
                f"amounts USD.", kind="note")
    r = 5
    g.header(r, 1, ["Headline", "Value", "Note"], [44, 18, 70])
    rows = [
        ("NPV of the plan (USD)", "=npv_usd", USD,
         "Sum over periods of cost x discount factor (Costs sheet)."),
        ("Total cost, undiscounted (USD)", "=total_cost_usd", USD, "All periods, all categories."),
        ("Committed costs of existing assets, NPV (USD)", "=committed_npv_usd", USD,
         "Signed reservations, owned GPUs' running costs, employed engineers; not in the NPV."),
        ("Discount rate (per year)", "=discount_rate", SHARE, "Assumptions sheet."),
    ]
    for label, formula, fmt, note in rows:
        r += 1
        g.put(r, 1, label)
        g.f(r, 2, formula, fmt)
        g.put(r, 3, note, kind="note")
    r += 1
    g.put(r, 1, "Solver status")
    status = res.status if res.status == "optimal" else f"{res.status}: NOT PROVEN OPTIMAL"
    g.put(r, 2, status)
    gap = f"MIP gap {res.gap:.4%}" if res.gap is not None else "MIP gap n/a"
    g.put(r, 3, f"{res.solver}, {gap}, {res.seconds:.1f} s", kind="note")

    r += 1
    g.put(r, 1, "Recommended strategy")
    rec = _recommendation(ctx)
    if rec is None:
        g.put(r, 2, sol.meta.get("strategy", "hybrid"))
        g.put(r, 3, "Strategy comparison not computed: the plan is the optimum over every "
                    "option (hybrid).", kind="note")
        r += 1
        g.put(r, 1, "Savings against the best single-mode strategy (USD)")
        g.put(r, 2, "not computed")
    else:
        best, other = rec
        g.put(r, 2, best)
        g.put(r, 3, "Lowest NPV among the strategies compared (Strategies sheet).",
              kind="note")
        r += 1
        g.put(r, 1, "Savings against the best single-mode strategy (USD)")
        if other is not None:
            npv = lambda name: ref(ST, ctx.strategy_rows[name], ctx.strategy_npv_col)  # noqa: E731
            g.f(r, 2, f"={npv(other)}-{npv(best)}", USD)
            g.put(r, 3, f"Against {other}.", kind="note")
        else:
            g.put(r, 2, "no other strategy is feasible")

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
    chart = category_chart(ctx, "Cost by category per period (USD)")
    g.ws.add_chart(chart, f"A{r + 2}")
    g.finish(freeze="A5")


SINGLE_MODE = ("api_only", "api_batch_cache", "self_host_only")
"""Savings are measured against the cheapest feasible of these (as tco.analysis does)."""


def _recommendation(ctx: Context) -> tuple[str, str | None] | None:
    """(lowest-NPV strategy, best single-mode strategy to compare with) when analysed."""
    df = ctx.run.strategies
    if df is None or df.empty or not ctx.strategy_rows or not ctx.strategy_npv_col:
        return None
    name_c = name_column(df)
    ok = df[df["npv_usd"].notna()]
    if "status" in ok.columns:
        ok = ok[ok["status"].isin(["ok", "optimal", "time_limit"])]
    if "feasible" in ok.columns:
        ok = ok[ok["feasible"].fillna(False).astype(bool)]
    if ok.empty:
        return None
    # Lowest NPV; on a tie the hybrid plan (the one this workbook details) is named.
    ok = ok.assign(_tie=(ok[name_c] != "hybrid")).sort_values(["npv_usd", "_tie"])
    best = str(ok[name_c].iat[0])
    others = ok[ok[name_c].astype(str) != best]
    single = others[others[name_c].isin(SINGLE_MODE)]
    pool = single if not single.empty else others
    return best, (str(pool[name_c].iat[0]) if not pool.empty else None)
