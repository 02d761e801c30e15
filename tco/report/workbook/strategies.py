"""The Strategies sheet: build versus buy, break-even volumes and cost-versus-volume curves."""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference

from tco.report.workbook.charts import show_axes
from tco.report.workbook.columns import (
    STRATEGIES as ST,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    col,
    name_column,
    write_frame,
)


def write(ctx: Context) -> None:
    g = ctx.sheets[ST]
    run = ctx.run
    g.put(1, 1, "Strategies: build versus buy (values from the strategy analysis, each "
                "strategy solved as its own plan)", kind="title")
    r = 3
    df = run.strategies
    if df is None or df.empty:
        g.put(r, 1, "Strategy comparison not computed for this run.", kind="note")
        r += 2
    else:
        g.put(r, 1, "Side by side", kind="section")
        first = r + 1
        r = write_frame(g, first, df.reset_index(drop=True))
        name_c = name_column(df)
        if name_c is not None:
            nc = list(df.columns).index(name_c) + 1
            for i in range(len(df)):
                ctx.strategy_rows[str(df[name_c].iat[i])] = first + 1 + i
            if "npv_usd" in df.columns:
                ctx.strategy_npv_col = list(df.columns).index("npv_usd") + 1
                chart = BarChart()
                chart.type = "bar"
                chart.title = "NPV by strategy (USD)"
                chart.y_axis.numFmt = "#,##0"
                chart.add_data(Reference(g.ws, min_col=ctx.strategy_npv_col, min_row=first,
                                         max_row=first + len(df)), titles_from_data=True)
                chart.set_categories(Reference(g.ws, min_col=nc, min_row=first + 1,
                                               max_row=first + len(df)))
                chart.height, chart.width = 7, 16
                show_axes(chart)
                g.ws.add_chart(chart, f"{col(len(df.columns) + 2)}3")
        r += 1
    g.put(r, 1, "Break-even volumes", kind="section")
    r += 1
    if run.breakeven:
        r = write_frame(g, r, _breakeven_table(run.breakeven)) + 1
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
    g.put(r, 1, "Cost versus volume (NPV per strategy and demand scale)", kind="section")
    r += 1
    curves = run.curves
    if curves is None or curves.empty:
        g.put(r, 1, "Cost-versus-volume curves not computed for this run.", kind="note")
    else:
        wide = _curves_wide(curves)
        first = r
        r = write_frame(g, r, wide)
        if len(wide) and len(wide.columns) > 1:
            chart = LineChart()
            chart.title = "Cost versus volume: NPV by demand scale (USD)"
            chart.x_axis.title = str(wide.columns[0])
            chart.y_axis.title = "NPV (USD)"
            chart.y_axis.numFmt = "#,##0"
            chart.add_data(Reference(g.ws, min_col=2, max_col=len(wide.columns),
                                     min_row=first, max_row=first + len(wide)),
                           titles_from_data=True)
            chart.set_categories(Reference(g.ws, min_col=1, min_row=first + 1,
                                           max_row=first + len(wide)))
            chart.height, chart.width = 9, 18
            show_axes(chart)
            g.ws.add_chart(chart, f"{col(len(wide.columns) + 2)}{first}")
    g.width(1, 24)
    g.finish(freeze="A2")


BREAKEVEN_COLUMNS = ["a", "b", "found", "kind", "scale", "requests_per_month",
                     "tokens_per_month", "cheaper_below", "cheaper_above", "message"]


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
                    row[f"{k}.{k2}"] = v2 if not isinstance(v2, dict | list) else str(v2)
            elif isinstance(v, list):
                row[k] = ", ".join(map(str, v)) if v else None
            else:
                row[k] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    first = [c for c in BREAKEVEN_COLUMNS if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


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
