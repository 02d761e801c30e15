"""The Strategies sheet: build versus buy, break-even volumes and cost-versus-volume curves."""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference

from tco.report.headline import saving_vs_best_single
from tco.report.workbook.charts import show_axes
from tco.report.workbook.columns import (
    STRATEGIES as ST,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    SHARE,
    USD,
    USD_CENTS,
    cell_value,
    name_column,
    readable,
    ref,
    write_frame,
)

SIDE_HEAD = [("Strategy", 22), ("Status", 12), ("NPV (USD)", 16), ("Cost per year (USD)", 16),
             ("USD per 1M tokens (levelised)", 14), ("Saved against best single mode (USD)", 16),
             ("Saved against best single mode", 12), ("Why (when not solved)", 20)]


def write(ctx: Context) -> None:
    """Strategies side by side, break-even volumes, cost-versus-volume curves."""
    g = ctx.sheets[ST]
    run = ctx.run
    g.put(1, 1, "Strategies: build versus buy", kind="title")
    g.put(2, 1, f"Each strategy is its own optimisation. Purple figures are as solved on "
                f"{ctx.solved_on}: only a new run of tco changes them. The recommended plan "
                f"(hybrid) and the savings are formulas over this workbook's live NPV.",
          kind="note")
    r = 4
    df = run.strategies
    if df is None or df.empty or "strategy" not in df.columns:
        g.put(r, 1, "Strategy comparison not computed for this run.", kind="note")
        r += 2
    else:
        r = _side_by_side(ctx, g, r, df.reset_index(drop=True))
    g.put(r, 1, "Break-even volumes", kind="section")
    r += 1
    if run.breakeven:
        table = _breakeven_table(run.breakeven).drop(columns="message", errors="ignore")
        main = [c for c in BREAKEVEN_COLUMNS if c in table.columns]
        r = write_frame(g, r, table[main])
        # the answer in words, a printed line a row under the table (as a 60-wide column it
        # took the sheet past one page width)
        for b in run.breakeven:
            if b.get("message"):
                r = g.note_lines(r, f"{b.get('a')} vs {b.get('b')}: {b['message']}")
        # the search's own figures (gaps, bracket, tolerances, NPVs at the ends) a row each:
        # as more columns they took the sheet to 30 columns, printed over 4 page widths
        r = _details(g, r + 1, table, [c for c in table.columns if c not in main]) + 1
        for b in run.breakeven:
            per_w = b.get("per_workload") or []
            if per_w:
                g.put(r, 1, f"Break-even volume per workload: {b.get('a')} against "
                            f"{b.get('b')} (first period, at the break-even scale)",
                      kind="note")
                r = write_frame(g, r + 1, pd.DataFrame(per_w)) + 1
    else:
        g.put(r, 1, "Break-even not computed for this run.", kind="note")
        r += 2
    if run.constraint_costs:
        # issue 18: what each rule of the scenario costs (tco.analysis.constraint_costs)
        g.put(r, 1, "What each constraint costs (plan with it minus plan without it, NPV; as "
                    f"solved on {ctx.solved_on})", kind="section")
        costs = pd.DataFrame(run.constraint_costs)
        first = r + 1
        r = write_frame(g, first, costs) + 1
        _wrap_column(g, first, costs, "what")  # the rule in words, the longest text
        # and its name ("residency of kyc-document-extraction" printed cut by the next column)
        _wrap_column(g, first, costs, "constraint")
    g.put(r, 1, "Cost versus volume (NPV per strategy and demand scale)", kind="section")
    r += 1
    curves = run.curves
    if curves is None or curves.empty:
        g.put(r, 1, "Cost-versus-volume curves not computed for this run.", kind="note")
    else:
        from tco.analysis.curves import curves_note
        from tco.analysis.points import analysis_gap

        r = g.note_lines(r, curves_note(curves, analysis_gap(run.scenario)))
        wide = _curves_wide(curves)
        first = r
        r = write_frame(g, r, wide)
        if len(wide) and len(wide.columns) > 1:
            chart = LineChart()
            chart.title = "Cost versus volume: NPV by demand scale (USD)"
            chart.x_axis.title = readable(str(wide.columns[0]))
            chart.y_axis.title = "NPV (USD)"
            chart.y_axis.numFmt = "#,##0"
            chart.add_data(Reference(g.ws, min_col=2, max_col=len(wide.columns),
                                     min_row=first, max_row=first + len(wide)),
                           titles_from_data=True)
            chart.set_categories(Reference(g.ws, min_col=1, min_row=first + 1,
                                           max_row=first + len(wide)))
            chart.height, chart.width = 9, 18
            show_axes(chart)
            # Below the table, never over it (a chart beside it would print on another page).
            g.chart_below(chart, r + 1)
    g.width(1, 24)
    g.finish(freeze="A2")


DETAIL_LABELS = {
    "mip_rel_gap": "Gap every NPV holds to",
    "target_gap": "Target MIP gap",
    "equal_rtol": "Costs count as equal within",
    "rtol": "Break-even found to within",
    "scale_low": "Break-even scale, low end",
    "scale_high": "Break-even scale, high end",
    "min_scale": "Smallest scale searched",
    "max_scale": "Largest scale searched",
}
"""The search's own figures in a controller's words (the field names read "Mip rel gap",
"Equal rtol", "Rtol"); the rest are made readable from their names."""


def _details(g, r: int, table: pd.DataFrame, fields: list[str]) -> int:
    """The break-evens' other fields, one row each, a column per pair; the next row."""
    if not fields:
        return r
    g.header(r, 1, ["Search detail", *[f"{a} vs {b}" for a, b in zip(table["a"], table["b"])]])
    for field in fields:
        r += 1
        g.put(r, 1, DETAIL_LABELS.get(field, readable(field)))
        for c, v in enumerate(table[field], start=2):
            v, fmt = cell_value(field, v)
            g.put(r, c, v, fmt, role="solved" if fmt else None,
                  kind="wrap" if isinstance(v, str) and len(v) > 12 else "plain")
    return r + 1


def _wrap_column(g, header_row: int, df: pd.DataFrame, column: str) -> None:
    """Rewrite a text column `write_frame` put at `header_row` as wrapped cells, so a long
    text is printed whole, not cut by the next column."""
    if column not in df.columns:
        return
    c = list(df.columns).index(column) + 1
    for i, text in enumerate(df[column], start=header_row + 1):
        g.put(i, c, text, kind="wrap")


BREAKEVEN_COLUMNS = ["a", "b", "found", "kind", "scale", "requests_per_month",
                     "tokens_per_month", "cheaper_below", "cheaper_above"]
"""The answers a row per pair (the message goes under the table, the rest a row each)."""


def _breakeven_table(results: list[dict]) -> pd.DataFrame:
    """One row per strategy pair: the scalar answers, the known columns first."""
    rows = []
    for b in results:
        row = {}
        for k, v in b.items():
            if k == "per_workload":
                continue
            if isinstance(v, dict):
                for k2, v2 in v.items():
                    row[f"{k}.{k2}"] = (_listed(v2) if isinstance(v2, list)
                                        else str(v2) if isinstance(v2, dict) else v2)
            elif isinstance(v, list):
                row[k] = _listed(v)
            else:
                row[k] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    first = [c for c in BREAKEVEN_COLUMNS if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def _listed(v: list) -> str:
    """A list as a reader writes it ("0.01, 0.0178"; "none"), not as Python prints it."""
    return ", ".join(map(str, v)) if v else "none"


def _curves_wide(curves: pd.DataFrame) -> pd.DataFrame:
    """Long curves (strategy, scale, npv_usd) as one column per strategy; else as given."""
    name_c = name_column(curves)
    scale_c = next((c for c in ("scale", "demand_scale", "factor") if c in curves.columns), None)
    if name_c and scale_c and "npv_usd" in curves.columns:
        wide = curves.pivot_table(index=scale_c, columns=name_c, values="npv_usd",
                                  aggfunc="first", dropna=False).sort_index()
        order = list(dict.fromkeys(curves[name_c]))
        wide = wide[[c for c in order if c in wide.columns]]
        wide.columns = [f"{c} NPV (USD)" for c in wide.columns]
        return wide.reset_index()
    return curves.reset_index(drop=True)


def _side_by_side(ctx: Context, g, r: int, df: pd.DataFrame) -> int:
    """One row per strategy; the plan's row live, the others as solved, savings as formulas."""
    g.put(r, 1, "Side by side", kind="section")
    head = r + 1
    g.header(head, 1, [h for h, _ in SIDE_HEAD], [w for _, w in SIDE_HEAD])
    first = head + 1
    last = first + len(df) - 1
    best_r = last + 2
    best = saving_vs_best_single(ctx.run)
    ctx.strategy_npv_col = 3
    reasons: list[tuple[str, str]] = []
    for i, row in enumerate(df.itertuples(index=False)):
        rr = first + i
        name = str(row.strategy)
        ctx.strategy_rows[name] = rr
        status = str(getattr(row, "status", "") or "")
        g.put(rr, 1, name)
        g.put(rr, 2, status)
        npv = getattr(row, "npv_usd", None)
        solved = npv is not None and not pd.isna(npv)
        if name == "hybrid" and solved:
            # The figure the plan minimised, as every other strategy's row (the cash TCO under
            # finance.objective: cash, else the quality-adjusted cost).
            npv_name, total = (("cash_npv_usd", "(total_cost_usd-error_total_usd)")
                               if ctx.run.solution.meta.get("objective") == "cash"
                               else ("npv_usd", "total_cost_usd"))
            g.f(rr, 3, f"={npv_name}", USD)
            g.f(rr, 4, f"={total}/(horizon_periods/periods_per_year)", USD)
            g.f(rr, 5, f'=IF(tokens_pv_total>0,{npv_name}/tokens_pv_total*1000000,"")',
                USD_CENTS)
        elif solved:
            g.put(rr, 3, float(npv), USD, role="solved")
            g.put(rr, 4, getattr(row, "cost_per_year_usd", None), USD, role="solved")
            g.put(rr, 5, getattr(row, "usd_per_mtok", None), USD_CENTS, role="solved")
        if solved and best is not None:
            g.f(rr, 6, f"=best_single_npv_usd-C{rr}", USD)
            g.f(rr, 7, f'=IF(best_single_npv_usd<>0,F{rr}/best_single_npv_usd,"")', SHARE)
        reason = getattr(row, "reason", None)
        if isinstance(reason, str) and reason.strip():
            # the why (several lines: the workload, the candidates removed, what to fix) is
            # printed under the table, a line a row: in this column it made the row pages
            # tall and printed on a page of its own, away from its strategy
            reasons.append((name, reason))
            g.put(rr, 8, "see below the table")
    g.put(best_r, 1, "Best single-mode strategy", kind="total")
    if best is not None:
        g.put(best_r, 2, best.against, kind="total")
        g.f(best_r, 3, f"=C{ctx.strategy_rows[best.against]}", USD, kind="total")
        ctx.name("best_single_npv_usd", ref(ST, best_r, 3))
        g.put(best_r + 1, 1, "Single mode = api_only, api_batch_cache or self_host_only: the "
                             "cheapest feasible one is the yardstick, so batch endpoints and "
                             "prompt caching, which need no hybrid plan, are not counted as "
                             "the plan's saving.", kind="note")
    else:
        g.put(best_r, 2, "none feasible: no saving is claimed")
    r = best_r + 2
    gap = df.attrs.get("mip_rel_gap")
    if gap is not None:
        from tco.analysis.strategies import ranking_note

        g.put(r, 1, ranking_note(gap), kind="note")
    r += 1
    for name, reason in reasons:
        r = g.note_lines(r, f"Why {name} has no plan:")
        for line in reason.splitlines():
            r = g.note_lines(r, line.strip())
    if len(df) > 1:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "NPV by strategy (USD)"
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(Reference(g.ws, min_col=3, min_row=head, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(g.ws, min_col=1, min_row=first, max_row=last))
        chart.height, chart.width = 7, 16
        chart.legend = None
        show_axes(chart)
        chart.y_axis.scaling.min = 0  # bars from zero: a cut axis exaggerates differences
        g.chart_below(chart, r)
        return r + 15
    return r
