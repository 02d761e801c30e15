"""The Risk sheet: the Monte Carlo's draws, its summary as formulas, the tornado, the robust plan.

Written only when the run has an uncertainty analysis. The draws are figures as solved
(purple): one row per draw with each source's value and each strategy's NPV (empty where a
strategy has no plan in that draw). Above them, in the same columns, the summary is formulas
over the draws, so it recomputes in any spreadsheet (LibreOffice, Excel) and a controller can
check it or drop draws:

    Mean            =AVERAGE(draws)           Standard error  =STDEV(draws)/SQRT(COUNT(draws))
    P10, P50, P90   =PERCENTILE(draws, p)      (linear interpolation, as tco computes them)
    CVaR90          =AVERAGEIF(draws, ">="&P90)
    Mean regret     =AVERAGE(regret column)    regret = NPV - the draw's cheapest strategy
    P(self-hosting pays) = AVERAGE of 1/0: the plan held fixed below the best API-only strategy
"""

from __future__ import annotations

from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, NUMBER, SHARE, USD, col, local

SHEET = "Risk"
STATS = ("Mean", "Standard error", "P10", "P50", "P90", "CVaR90", "Mean regret",
         "Draws with a plan")
API_ONLY = ("api_only", "api_batch_cache")


def wanted(run) -> bool:
    """Whether the run has anything for the Risk sheet."""
    return any(getattr(run, k, None) is not None for k in ("montecarlo", "sensitivity",
                                                           "robust"))


def write(ctx: Context) -> None:
    g = ctx.sheets[SHEET]
    run = ctx.run
    r = 1
    g.put(r, 1, "Risk: what the plan costs when the forecast is wrong", kind="title")
    r += 2
    if run.draws is not None and run.montecarlo is not None and len(run.draws):
        r = _montecarlo(g, run, r) + 2
    if run.sensitivity is not None:
        r = _tornado(g, run.sensitivity, r) + 2
    if run.robust is not None:
        r = _robust(g, run.robust, r)
    g.width(1, 34)
    g.finish()


def _montecarlo(g, run, r0: int) -> int:
    df = run.draws
    mc = run.montecarlo
    inputs = [c for c in df.columns if c.startswith("input:")]
    names = [c.split(":", 1)[1] for c in df.columns if c.startswith("npv:")]
    strategies = [n for n in names if n != "plan_held_fixed"]
    n = len(df)
    g.put(r0, 1, f"Monte Carlo: {n} draws, seed {mc.get('seed')}", kind="section")
    g.put(r0 + 1, 1, "Summary rows are formulas over the draws below (purple: as solved).",
          kind="note")
    head = g.note_lines(r0 + 2, mc.get("gap_note"), 150)  # how close to optimal the draws are
    # columns: A draw | inputs | NPV per name | best | regret per name | best API | pays
    c_in = 2
    c_npv = c_in + len(inputs)
    c_best = c_npv + len(names)
    c_reg = c_best + 1
    c_api = c_reg + len(names)
    c_pays = c_api + 1
    first = head + len(STATS) + 3      # first draw row
    last = first + n - 1
    labels = (["Draw"] + [c.split(":", 1)[1] for c in inputs]
              + [f"NPV {x} (USD)" for x in names] + ["Best strategy (perfect foresight)"]
              + [f"Regret {x} (USD)" for x in names] + ["Best API-only (USD)",
                                                        "Self-hosting pays (plan held fixed)"])
    g.header(head, 1, labels, [10] + [12] * (len(labels) - 1))
    g.width(1, 34)

    def col_range(c: int) -> str:
        return f"{local(first, c, True)}:{local(last, c, True)}"

    for i, (name, c) in enumerate(zip(names, range(c_npv, c_npv + len(names)))):
        rg = col_range(c)
        reg = col_range(c_reg + i)
        rows = {
            "Mean": f'=IF(COUNT({rg})>0,AVERAGE({rg}),"")',
            "Standard error": f'=IF(COUNT({rg})>1,STDEV({rg})/SQRT(COUNT({rg})),"")',
            "P10": f'=IF(COUNT({rg})>0,PERCENTILE({rg},0.1),"")',
            "P50": f'=IF(COUNT({rg})>0,PERCENTILE({rg},0.5),"")',
            "P90": f'=IF(COUNT({rg})>0,PERCENTILE({rg},0.9),"")',
            "CVaR90": None,
            "Mean regret": f'=IF(COUNT({reg})>0,AVERAGE({reg}),"")',
            "Draws with a plan": f"=COUNT({rg})",
        }
        p90 = local(head + 1 + STATS.index("P90"), c)
        rows["CVaR90"] = f'=IF(COUNT({rg})>0,AVERAGEIF({rg},">="&{p90}),"")'
        for k, stat in enumerate(STATS):
            fmt = COUNT if stat == "Draws with a plan" else USD
            g.f(head + 1 + k, c, rows[stat], fmt, kind="total" if stat == "Mean" else "plain")
    for k, stat in enumerate(STATS):
        g.put(head + 1 + k, 1, stat, kind="total" if stat == "Mean" else "plain")
    pays = head + 1 + len(STATS)
    if any(a in names for a in API_ONLY) and "plan_held_fixed" in names:
        g.put(pays, 1, "P(self-hosting pays): plan held fixed cheaper than the best API-only")
        g.f(pays, c_pays, f'=IF(COUNT({col_range(c_pays)})>0,AVERAGE({col_range(c_pays)}),"")',
            SHARE)
    g.put(first - 1, 1, "Draws", kind="section")
    strat_cols = [c_npv + names.index(s) for s in strategies]
    api_cols = [c_npv + names.index(a) for a in API_ONLY if a in names]
    plan_col = c_npv + names.index("plan_held_fixed") if "plan_held_fixed" in names else None
    for j, row in enumerate(df.itertuples(index=False, name=None)):
        r = first + j
        values = dict(zip(df.columns, row))
        g.put(r, 1, int(values["draw"]), role="label")
        for k, c in enumerate(inputs):
            g.put(r, c_in + k, float(values[c]), NUMBER, role="solved")
        for k, name in enumerate(names):
            v = values[f"npv:{name}"]
            g.put(r, c_npv + k, None if v is None or v != v else float(v), USD, role="solved")
        cells = ",".join(local(r, c) for c in strat_cols)
        g.f(r, c_best, f'=IF(COUNT({cells})>0,MIN({cells}),"")', USD)
        for k in range(len(names)):
            npv = local(r, c_npv + k)
            g.f(r, c_reg + k, f'=IF(AND(ISNUMBER({npv}),ISNUMBER({local(r, c_best)})),'
                              f'{npv}-{local(r, c_best)},"")', USD)
        if api_cols and plan_col is not None:
            a = ",".join(local(r, c) for c in api_cols)
            g.f(r, c_api, f'=IF(COUNT({a})>0,MIN({a}),"")', USD)
            p, b = local(r, plan_col), local(r, c_api)
            g.f(r, c_pays, f'=IF(AND(ISNUMBER({p}),ISNUMBER({b})),IF({p}<{b},1,0),"")', COUNT)
    g.ws.freeze_panes = f"B{first}"
    return last


def _tornado(g, sens: dict, r0: int) -> int:
    g.put(r0, 1, "Sensitivity: NPV with one input at its low and high value", kind="section")
    g.put(r0 + 1, 1, f"Base NPV (recommended plan): {sens['base_fixed_usd']:,.0f} USD. Fixed = "
          "the plan's GPUs, reservations, staff and fine-tunes held; swing = |high - low|.",
          kind="note")
    head = r0 + 2
    labels = ["Input", "Range", "Low", "High", "NPV at low, fixed (USD)",
              "NPV at high, fixed (USD)", "Swing, fixed (USD)", "NPV at low, re-optimised (USD)",
              "NPV at high, re-optimised (USD)", "Swing, re-optimised (USD)"]
    g.header(head, 1, labels, [34, 10, 10, 10] + [16] * 6)
    r = head
    for r, b in enumerate(sens["bars"], start=head + 1):
        g.put(r, 1, b["source"])
        g.put(r, 2, b["range"])
        g.put(r, 3, b["low"], NUMBER, role="solved")
        g.put(r, 4, b["high"], NUMBER, role="solved")
        g.put(r, 5, b["fixed_low_usd"], USD, role="solved")
        g.put(r, 6, b["fixed_high_usd"], USD, role="solved")
        g.f(r, 7, f'=IF(COUNT(E{r}:F{r})=2,ABS(F{r}-E{r}),"")', USD)
        g.put(r, 8, b["reoptimised_low_usd"], USD, role="solved")
        g.put(r, 9, b["reoptimised_high_usd"], USD, role="solved")
        g.f(r, 10, f'=IF(COUNT(H{r}:I{r})=2,ABS(I{r}-H{r}),"")', USD)
    return r


def _robust(g, rb: dict, r0: int) -> int:
    g.put(r0, 1, f"Robust plan over {rb['draws']} draws", kind="section")
    head = r0 + 1
    g.header(head, 1, ["Draw", "Probability", "NPV robust plan (USD)",
                       "NPV plan for the forecast (USD)", "NPV perfect foresight (USD)"],
             [34, 12, 18, 18, 18])
    first = head + 1
    for r, d in enumerate(rb["per_draw"], start=first):
        g.put(r, 1, d["draw"], role="label")
        g.put(r, 2, d["probability"], SHARE, role="solved")
        for c, k in ((3, "robust_npv_usd"), (4, "deterministic_npv_usd"),
                     (5, "wait_and_see_npv_usd")):
            g.put(r, c, d[k], USD, role="solved")
    last = first + len(rb["per_draw"]) - 1
    r = last + 1
    g.put(r, 1, "Expected (probability-weighted)", kind="total")
    for c in (3, 4, 5):
        g.f(r, c, f"=SUMPRODUCT({local(first, 2, True)}:{local(last, 2, True)},"
                  f"{local(first, c)}:{local(last, c)})", USD, kind="total")
    g.put(r + 1, 1, "Value of the stochastic solution (VSS)")
    g.f(r + 1, 3, f"={col(4)}{r}-{col(3)}{r}", USD)
    g.put(r + 2, 1, "Expected value of perfect information (EVPI)")
    g.f(r + 2, 3, f"={col(3)}{r}-{col(5)}{r}", USD)
    return g.note_lines(r + 3, rb.get("evaluation_note"), 150) - 1
