"""The plan printed to the terminal with rich: status, NPV, choices, costs."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from tco.run import RunResult


def usd(x: float) -> str:
    """Dollars with thousands separators, no cents; never -$0."""
    return f"-${-x:,.0f}" if round(x) < 0 else f"${abs(x):,.0f}"


def print_summary(console: Console, run: RunResult) -> None:
    """Print what was decided and what it costs."""
    sol = run.solution
    r = sol.result
    note = "" if r.status == "optimal" else "  [bold red]NOT PROVEN OPTIMAL (time limit)[/]"
    gap = f"{r.gap:.2%}" if r.gap is not None else "n/a"
    console.print(f"[bold]{run.scenario.name}[/bold]: cash TCO NPV {usd(sol.cash_npv_usd)} over "
                  f"{sol.periods[0]}..{sol.periods[-1]}  (solver {r.solver}, {r.status}, "
                  f"gap {gap}, {r.seconds:.1f} s){note}")
    minimised = "cash TCO" if sol.meta.get("objective") == "cash" else "quality-adjusted cost"
    if sol.error_npv_usd or minimised != "cash TCO":
        console.print(f"Quality-adjusted cost NPV {usd(sol.npv_usd)} = cash + "
                      f"{usd(sol.error_npv_usd)} expected error cost (not cash).")
    console.print(f"The plan minimised the {minimised}: {sol.meta.get('objective_why', '')}.")
    committed = float(sol["committed"]["npv_usd"].sum())
    if committed:
        console.print(f"Committed costs of existing assets (not decided by the plan): "
                      f"NPV {usd(committed)}")
    alloc = sol["allocation"]
    t = Table(title="Plan: main option per workload (first and last period)")
    for col in ("workload", sol.periods[0], sol.periods[-1], "USD / 1M tokens"):
        # fold, never cut: the GPU is at the end of a self-hosted option's name
        t.add_column(col, overflow="fold")
    uc = sol["unit_costs"].set_index("workload")
    for w in run.scenario.workloads:
        a = alloc[alloc.workload == w.name]
        first = _main(a, sol.periods[0])
        last = _main(a, sol.periods[-1])
        u = uc.loc[w.name, "usd_per_mtok"]
        t.add_row(w.name, first, last, "no traffic" if u is None or pd.isna(u) else f"{u:,.2f}")
    console.print(t)
    c = sol["costs"].groupby("category")[["usd", "npv_usd"]].sum()
    c = c[c.usd.abs() > 0.005]
    ct = Table(title="Costs by category")
    for col in ("category", "total USD", "NPV USD"):
        ct.add_column(col, justify="right" if col != "category" else "left")
    for cat, row in c.iterrows():
        ct.add_row(cat, usd(row.usd), usd(row.npv_usd))
    console.print(ct)


def _main(a, period: str) -> str:
    rows = a[a.period == period].sort_values("share", ascending=False)
    if rows.empty:
        return "no traffic"
    top = rows.iloc[0]
    more = f" (+{len(rows) - 1})" if len(rows) > 1 else ""
    return f"{top.option} {top.share:.0%}{more}"
