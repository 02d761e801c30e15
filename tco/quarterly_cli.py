"""The commands of the quarterly loop over the run history: history, diff, review, roll
(registered in tco/cli.py; `tco profile` is in tco/profile/cli.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
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
    run_a: str = typer.Argument(..., help="Run id (or unique prefix, latest, previous)."),
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
        t.add_row(escape(r.field), escape(str(r.a)), escape(str(r.b)))
    console.print(t)
    for title, df, key in (("NPV change by category", d.by_category, "category"),
                           ("NPV change by workload", d.by_workload, "workload")):
        t = Table(title=title)
        for col in (key, "A", "B", "change"):
            t.add_column(col, justify="left" if col == key else "right")
        for r in df.itertuples(index=False):
            t.add_row(escape(str(getattr(r, key))), _usd(r.npv_a), _usd(r.npv_b), _usd(r.change))
        t.add_row("total", _usd(df.npv_a.sum()), _usd(df.npv_b.sum()), _usd(df.change.sum()),
                  style="bold")
        console.print(t)


def _tables(run) -> dict:
    return {n: run.table(n) for n in ("allocation", "fleet", "staffing", "costs")}


def review(
    run_id: str = typer.Argument(..., help="Run id (or unique prefix, latest, previous)."),
    actuals: Path = typer.Option(..., "--actuals", "-a",
                                 help="Actuals CSV (docs/quarterly.md), e.g. the --monthly "
                                      "output of tco profile with invoice lines added."),
    path: Path = typer.Option(DEFAULT, "--history", help=HISTORY_HELP),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Also write variance.csv, review.xlsx and review.html here."),
) -> None:
    """Plan against actuals: volume, tokens per request and spend by category, with the
    forecast error, for every plan period the actuals cover whole.

    Example: tco review latest --actuals actuals.csv --out reports/review-2027Q1
    """
    from tco.review import read_actuals, review_title, variance

    run = load_run(path, run_id)
    table = variance(run.scenario, _tables(run), run.results["periods"], read_actuals(actuals))
    title = review_title(run.scenario["name"], run.run_id, table)
    t = Table(title=title)
    for col in ("section", "item", "period", "metric", "plan", "actual", "variance", "error"):
        t.add_column(col, justify="right" if col in ("plan", "actual", "variance", "error")
                     else "left")
    for r in table.itertuples(index=False):
        money = r.section == "spend"

        def fmt(v, money=money):
            if v is None or v != v:
                return "-"
            return _usd(v) if money else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}")

        err = "-" if r.forecast_error is None or r.forecast_error != r.forecast_error \
            else f"{r.forecast_error:+.1%}"
        t.add_row(r.section, escape(str(r.item)), r.period, r.metric, fmt(r.plan), fmt(r.actual),
                  fmt(r.variance), err)
    console.print(t)
    if out is not None:
        from tco.report.variance import write_review

        write_review(table, title, out)
        console.print(f"Review in {out}: review.html, review.xlsx, variance.csv", markup=False,
                      highlight=False)


def roll(
    run_id: str = typer.Argument(..., help="Run id (or unique prefix, latest, previous)."),
    actuals: Path = typer.Option(..., "--actuals", "-a", help="Actuals CSV of the elapsed "
                                                              "periods."),
    out: Path = typer.Option(..., "--out", "-o", help="The next scenario (YAML) to write."),
    path: Path = typer.Option(DEFAULT, "--history", help=HISTORY_HELP),
) -> None:
    """The next period's scenario: horizon moved past the periods the actuals cover, demand
    re-based on them with growth refitted, `existing:` filled from the plan's decisions.

    Then `tco run NEXT.yaml` prints this period's orders.

    Example: tco roll latest --actuals actuals.csv --out scenarios/next.yaml
    """
    from tco.report.atomic import write_text_atomic
    from tco.review import read_actuals, roll_scenario, rolled_yaml

    run = load_run(path, run_id)
    rolled = roll_scenario(run.scenario, _tables(run), run.assets, run.results["periods"],
                           read_actuals(actuals))
    # The next run carries this plan's variance in its reports (docs/quarterly.md).
    rolled.scenario["review"] = review_section(run.run_id, actuals, path, out)
    write_text_atomic(out, rolled_yaml(rolled, run.run_id))
    ex = rolled.scenario["existing"]
    console.print(f"{out}: starts {rolled.start} after {', '.join(rolled.elapsed)}; existing: "
                  f"{sum(o['count'] for o in ex['owned_gpus'])} owned GPUs, "
                  f"{sum(r['count'] for r in ex['reservations'])} reserved, "
                  f"{ex['engineers']} engineers", markup=False, highlight=False)
    for note in rolled.notes:
        console.print(f"  {note}", markup=False, highlight=False)
    console.print(f"Next: tco run {out}", markup=False, highlight=False)


def load_run(path: Path, run_id: str):
    """A stored run (tco.history.load), imported late so the CLI starts fast."""
    from tco.history import load

    return load(path, run_id)


def review_section(run_id: str, actuals: Path, history: Path, scenario: Path) -> dict:
    """The rolled scenario's `review:` section, its paths relative to the scenario file."""
    import os

    def rel(p: Path) -> str:
        return os.path.relpath(Path(p).resolve(), Path(scenario).resolve().parent)

    return {"run": run_id, "actuals": rel(actuals), "history": rel(history)}
