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
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _num(x, fmt: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return format(x, fmt)


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


def print_breakeven(console: Console, result: dict) -> None:
    """The break-even of one pair: the answer in words, then the volumes per workload."""
    console.print(f"[bold]Break-even {result['a']} vs {result['b']}[/bold]")
    console.print(result["message"], markup=False, highlight=False, soft_wrap=True)
    if not result.get("found") or not result.get("per_workload"):
        return
    t = Table(title=f"Volumes at the break-even ({result['scale']:.3g}x today's demand, "
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
