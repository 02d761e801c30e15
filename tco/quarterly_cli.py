"""The commands of the quarterly loop over the run history: history, diff, review, roll
(registered in tco/cli.py; `tco profile` is in tco/profile/cli.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tco.history import DEFAULT

console = Console()
HISTORY_HELP = f"Run history database (default {DEFAULT})."


def _usd(x: float) -> str:
    from tco.report.summary import usd

    return usd(x)


def history(
    path: Path = typer.Option(DEFAULT, "--history", help=HISTORY_HELP),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Newest runs shown."),
) -> None:
    """List the runs kept in the history, newest first.

    Example: tco history --limit 5
    """
    from tco.history import list_runs

    runs = list_runs(path)
    t = Table(title=f"{len(runs)} run{'s' if len(runs) != 1 else ''} in {path}")
    for col in ("run id", "started (UTC)", "scenario", "file", "NPV", "status", "inputs"):
        t.add_column(col, justify="right" if col == "NPV" else "left",
                     no_wrap=col == "run id")
    for r in runs.head(limit).itertuples(index=False):
        t.add_row(r.run_id, f"{r.started:%Y-%m-%d %H:%M:%S}", r.scenario, r.main_file,
                  _usd(r.npv_usd), r.status, r.inputs)
    console.print(t)


def diff(
    run_a: str = typer.Argument(..., help="Run id (or unique prefix, or latest)."),
    run_b: str = typer.Argument(..., help="Run id to compare with (or unique prefix)."),
    path: Path = typer.Option(DEFAULT, "--history", help=HISTORY_HELP),
) -> None:
    """What changed between two runs: inputs, and the NPV change by category and workload.

    Example: tco diff 20270105T0912 latest
    """
    from tco.diff import diff as diff_runs
    from tco.history import load

    a, b = load(path, run_a), load(path, run_b)
    d = diff_runs(a, b)
    console.print(f"NPV {_usd(d.npv_a)} ({a.run_id}) -> {_usd(d.npv_b)} ({b.run_id}): "
                  f"change {_usd(d.npv_b - d.npv_a)}", markup=False, highlight=False)
    t = Table(title=f"Inputs changed ({len(d.inputs)})")
    for col in ("field", "A", "B"):
        t.add_column(col)
    for r in d.inputs.itertuples(index=False):
        t.add_row(r.field, str(r.a), str(r.b))
    console.print(t)
    for title, df, key in (("NPV change by category", d.by_category, "category"),
                           ("NPV change by workload", d.by_workload, "workload")):
        t = Table(title=title)
        for col in (key, "A", "B", "change"):
            t.add_column(col, justify="left" if col == key else "right")
        for r in df.itertuples(index=False):
            t.add_row(str(getattr(r, key)), _usd(r.npv_a), _usd(r.npv_b), _usd(r.change))
        t.add_row("total", _usd(df.npv_a.sum()), _usd(df.npv_b.sum()), _usd(df.change.sum()),
                  style="bold")
        console.print(t)
