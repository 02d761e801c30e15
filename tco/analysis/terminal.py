"""The comparison and the break-evens printed to the terminal with rich (formatting only)."""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table


def _usd(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"-${-x:,.0f}" if round(x) < 0 else f"${abs(x):,.0f}"


def _num(x, fmt: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    text = format(x, fmt)
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def print_comparison(console: Console, table: pd.DataFrame, title: str = "") -> None:
    """One row per strategy: status, NPV, cost per year, USD per 1M tokens, savings."""
    best = table.attrs.get("best_single")
    t = Table(title=title or "Build versus buy: strategies compared at today's demand",
              caption=(f"Savings against the cheapest single-mode strategy ({best})" if best
                       else "No single-mode strategy is feasible: no savings to compare"),
              box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for col, right in (("strategy", False), ("status", False), ("NPV", True),
                       ("per year", True), ("$/1M tok", True), ("savings", True),
                       ("%", True)):
        t.add_column(col, justify="right" if right else "left", no_wrap=True)
    for r in table.itertuples(index=False):
        t.add_row(r.strategy, r.status, _usd(r.npv_usd), _usd(r.cost_per_year_usd),
                  _num(r.usd_per_mtok, ",.3f"), _usd(r.savings_vs_best_single_usd),
                  _num(r.savings_vs_best_single_pct, ".1f"))
    console.print(t)
    pinned = table.attrs.get("pinned") or []
    if pinned:
        console.print("Kept as they are in every strategy (pinned): " + ", ".join(pinned),
                      markup=False, highlight=False, soft_wrap=True)
    for r in table.itertuples(index=False):
        if r.status != "ok" and r.reason:
            console.print(f"[bold]{r.strategy}[/bold] ({r.status}):")
            console.print(shorten_reason(r.reason), markup=False, highlight=False,
                          soft_wrap=True)


def shorten_reason(text: str, per_block: int = 4) -> str:
    """At most `per_block` candidate lines (`  - ...`) under each heading line; the rest
    counted (results.json keeps the full text)."""
    out, shown, hidden = [], 0, 0
    for line in text.splitlines() + [""]:
        if line.startswith("  - "):
            if shown >= per_block:
                hidden += 1
            else:
                shown += 1
                out.append(line)
            continue
        if hidden:
            out.append(f"  ... and {hidden} more")
        shown = hidden = 0
        out.append(line)
    return "\n".join(out).rstrip("\n")


def side_by_side(a: tuple[str, pd.DataFrame], b: tuple[str, pd.DataFrame]) -> list[dict]:
    """Per strategy (in A's order, then B's own): status and NPV in A and B, and B - A."""
    (_, ta), (_, tb) = a, b
    by_b = {r["strategy"]: r for r in tb.to_dict(orient="records")}
    rows = []
    names = list(ta["strategy"]) + [n for n in tb["strategy"] if n not in set(ta["strategy"])]
    by_a = {r["strategy"]: r for r in ta.to_dict(orient="records")}
    for n in names:
        ra, rb = by_a.get(n, {}), by_b.get(n, {})
        va, vb = ra.get("npv_usd"), rb.get("npv_usd")
        ok = all(v is not None and not (isinstance(v, float) and math.isnan(v))
                 for v in (va, vb))
        rows.append({"strategy": n, "status_a": ra.get("status", "absent"),
                     "npv_a_usd": va, "status_b": rb.get("status", "absent"),
                     "npv_b_usd": vb, "difference_usd": (vb - va) if ok else None,
                     "usd_per_mtok_a": ra.get("usd_per_mtok"),
                     "usd_per_mtok_b": rb.get("usd_per_mtok")})
    return rows


def print_side_by_side(console: Console, rows: list[dict], name_a: str, name_b: str) -> None:
    """Two scenarios' strategies side by side, with the difference B - A."""
    t = Table(title=f"A: {name_a}  |  B: {name_b}", box=box.SIMPLE_HEAD, show_edge=False,
              caption="difference = B - A (negative: B costs less)")
    for col, right in (("strategy", False), ("NPV A", True), ("NPV B", True),
                       ("difference", True), ("$/1M tok A", True), ("$/1M tok B", True)):
        t.add_column(col, justify="right" if right else "left", no_wrap=True)
    for r in rows:
        t.add_row(r["strategy"],
                  _usd(r["npv_a_usd"]) if r["status_a"] != "infeasible" else "infeasible",
                  _usd(r["npv_b_usd"]) if r["status_b"] != "infeasible" else "infeasible",
                  _usd(r["difference_usd"]), _num(r["usd_per_mtok_a"], ",.3f"),
                  _num(r["usd_per_mtok_b"], ",.3f"))
    console.print(t)


def print_constraint_costs(console: Console, rows: list[dict]) -> None:
    """What each rule of the scenario costs: the plan without it minus the plan with it."""
    if not rows:
        return
    t = Table(title="What each constraint costs (plan with it minus plan without it, NPV)",
              box=box.SIMPLE_HEAD, show_edge=False)
    for col, right in (("constraint", False), ("rule", False), ("costs", True),
                       ("NPV without", True)):
        t.add_column(col, justify="right" if right else "left", overflow="fold")
    for r in rows:
        cost = _usd(r["cost_usd"]) if r["status"] == "ok" else r["status"]
        t.add_row(r["constraint"], r["what"], cost, _usd(r["npv_without_usd"]))
    console.print(t)


def print_breakeven(console: Console, result: dict) -> None:
    """The break-even of one pair: the answer in words, then the volumes per workload."""
    console.print(f"[bold]Break-even {result['a']} vs {result['b']}[/bold]")
    console.print(result["message"], markup=False, highlight=False, soft_wrap=True)
    if not result.get("found") or not result.get("per_workload"):
        return
    from tco.analysis.breakeven import fmt_scale

    t = Table(title=f"Volumes at the break-even ({fmt_scale(result['scale'])} today's demand, "
                    "first period)")
    t.add_column("workload")
    t.add_column("requests / month", justify="right")
    t.add_column("tokens / month", justify="right")
    for w in result["per_workload"]:
        t.add_row(w["workload"], f"{w['requests_per_month']:,.0f}",
                  f"{w['tokens_per_month']:,.0f}")
    t.add_row("total", f"{result['requests_per_month']:,.0f}",
              f"{result['tokens_per_month']:,.0f}", style="bold")
    console.print(t)
