"""`tco review --out DIR`: variance.csv, review.xlsx (the Variance sheet) and review.html (the
variance section), each written atomically."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from tco.report.atomic import write_atomic, write_text_atomic


def _cell(v, kind: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if kind == "usd":
        return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"
    if kind == "share":
        return f"{v:+.1%}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def variance_html(table: pd.DataFrame, title: str) -> str:
    """A self-contained page with the variance section (no script, prints as it shows)."""
    rows = []
    for r in table.itertuples(index=False):
        kind = "usd" if r.section == "spend" else "n"
        err = r.forecast_error
        flag = ' class="off"' if err is not None and not pd.isna(err) and abs(err) > 0.1 else ""
        rows.append(f"<tr{flag}><td>{html.escape(r.section)}</td><td>{html.escape(str(r.item))}"
                    f"</td><td>{r.period}</td><td>{html.escape(r.metric)}</td>"
                    f"<td class=n>{_cell(r.plan, kind)}</td><td class=n>{_cell(r.actual, kind)}"
                    f"</td><td class=n>{_cell(r.variance, kind)}</td>"
                    f"<td class=n>{_cell(err, 'share')}</td><td>{html.escape(r.note)}</td></tr>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:.25em .6em;border-bottom:1px solid #ddd}}
th{{background:#dde5f0;text-align:left}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}
tr.off td{{background:#fff3e0}}</style></head><body>
<section id="variance"><h1>{html.escape(title)}</h1>
<p>Plan against actuals for the elapsed periods. Variance = actual - plan; forecast error =
(plan - actual) / actual, positive when the plan was high. Rows off by more than 10% are
shaded. Definitions: docs/quarterly.md.</p>
<table><thead><tr><th>Section</th><th>Item</th><th>Period</th><th>Metric</th><th>Plan</th>
<th>Actual</th><th>Variance</th><th>Forecast error</th><th>Note</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></section></body></html>
"""


def variance_context(run) -> dict | None:
    """report.html's Variance section (the previous plan against actuals) as text rows, or None
    when the run reviews no plan."""
    review = getattr(run, "variance", None)
    if review is None:
        return None
    rows, off = [], 0
    for r in review.table.itertuples(index=False):
        kind = "usd" if r.section == "spend" else "n"
        err = r.forecast_error
        if err is not None and not pd.isna(err) and abs(err) > 0.1:
            off += 1
        rows.append([r.section, str(r.item), r.period, r.metric, _cell(r.plan, kind),
                     _cell(r.actual, kind), _cell(r.variance, kind), _cell(err, "share"),
                     r.note])
    return {"title": review.title, "run_id": review.run_id, "actuals": review.actuals,
            "off": off,
            "table": {"header": ["Section", "Item", "Period", "Metric", "Plan", "Actual",
                                 "Variance", "Forecast error", "Note"], "rows": rows,
                      "cut": 0}}


def write_review(table: pd.DataFrame, title: str, out: Path) -> list[Path]:
    """Write the three review files into `out`."""
    from tco.report.workbook.variance import write_review_workbook

    return [write_atomic(out / "variance.csv", lambda p: table.to_csv(p, index=False)),
            write_review_workbook(table, title, out / "review.xlsx"),
            write_text_atomic(out / "review.html", variance_html(table, title))]
