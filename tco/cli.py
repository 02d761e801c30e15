"""The `tco` command line: typer commands over the pipeline stages.

Every error tco knows is turned into a message and an exit code here (2 bad input, 1 no plan);
only a bug in tco itself shows a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from tco.errors import TcoError
from tco.tabular import Format, write

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan the total cost of ownership of LLM deployments: APIs, self-hosting, fine-tunes.",
)
console = Console()
err_console = Console(stderr=True)

SET_HELP = ("What-if without editing the file: FIELD=VALUE, repeatable, e.g. "
            "--set 'apis[*].price_trend_per_year=-0.3' or "
            "--set workloads[support-chat].requests_per_month=0.")
SCALE_HELP = "Multiply every workload's requests by this factor (e.g. 0.5 or 2)."
FORMAT_HELP = "table (for people), csv or json (for spreadsheets and programs)."


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="Scenario YAML files to check."),
) -> None:
    """Check scenario files: YAML, schema, cross-references and catalog data.

    Prints every problem found, one a line, as
    FILE:LINE: path.to.field: message (expected ...)
    and exits with code 2 when any file has a problem, 0 when all are valid.

    \b
    Examples:
      tco validate scenarios/enterprise.yaml scenarios/bank.yaml
      tco validate scenarios/*.yaml
    """
    from tco.errors import ScenarioError
    from tco.pipeline import prepare

    code = 0
    for f in files:
        try:
            prepared = prepare(f)
        except ScenarioError as e:
            code = max(code, e.exit_code)
            for problem in e.problems:
                err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            n = len(e.problems)
            err_console.print(f"{f}: {n} problem{'s' if n != 1 else ''}", markup=False,
                              highlight=False, soft_wrap=True)
            continue
        except TcoError as e:
            code = max(code, e.exit_code)
            err_console.print(f"{f}: {e}", markup=False, highlight=False, soft_wrap=True)
            continue
        print_warnings(prepared.warnings)
        s = prepared.scenario
        console.print(f"{f}: ok ({len(s.workloads)} workloads, {len(s.apis)} APIs, "
                      f"{len(s.open_models)} open models, {len(s.gpus)} GPU types)",
                      markup=False, highlight=False, soft_wrap=True)
    if code:
        # SystemExit rather than typer.Exit: it ends the process with `code` whether or not the
        # app runs in click's standalone mode (outside it, click returns typer.Exit's code).
        raise SystemExit(code)


def print_warnings(warnings) -> None:
    """Located warnings on standard error, one a line (they do not change the exit code)."""
    for w in warnings:
        err_console.print(str(w), markup=False, highlight=False, soft_wrap=True)


@app.command()
def schema(
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the schema to this file instead of standard output."),
) -> None:
    """Print the JSON Schema of the scenario format, for editor completion and checks.

    Point an editor at it (VS Code with the YAML extension, or any editor using
    yaml-language-server) with a first line in the scenario file:
    # yaml-language-server: $schema=../tco-scenario.schema.json

    \b
    Examples:
      tco schema > tco-scenario.schema.json
      tco schema --out tco-scenario.schema.json
    """
    from tco.scenario.schema import Scenario

    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           **Scenario.model_json_schema(by_alias=True)}
    text = json.dumps(doc, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"JSON Schema written to {out}", markup=False, highlight=False)


@app.command()
def run(
    file: Path = typer.Argument(..., help="Scenario YAML file."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Output folder (default reports/<scenario file name>)."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1,
                             help="Parallel solver processes for the strategy analysis "
                                  "(default: the CPU count; 1 solves one at a time)."),
    analysis: bool = typer.Option(True, "--analysis/--no-analysis",
                                  help="Also compare strategies, find break-evens, draw curves."),
    solver: str = typer.Option(None, "--solver",
                               help="highs (shipped), or gurobi, cplex, cbc, glpk if installed."),
    time_limit: float = typer.Option(None, "--time-limit", min=0.001,
                                     help="Seconds of search; the best plan by then is returned, "
                                          "marked (a rounded plan may take as long again)."),
    mip_gap: float = typer.Option(None, "--mip-gap", min=0, max=1,
                                  help="Relative MIP gap at which the search stops (1e-4)."),
    threads: int = typer.Option(None, "--threads", min=1, help="Solver threads (1)."),
    history: Path = typer.Option(None, "--history",
                                 help="Record the run in this history (tco history, diff; "
                                      "default: history.duckdb beside the output folder, "
                                      "reports/history.duckdb for the default --out)."),
    no_history: bool = typer.Option(False, "--no-history", help="Do not record the run."),
    robust: bool = typer.Option(False, "--robust",
                                help="Also solve the robust plan over the uncertainty section's "
                                     "draws, with its VSS and EVPI (docs/uncertainty.md)."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler for the robust plan's draws, "
                                       "tcp://HOST:8786 (default $TCO_DASK_SCHEDULER)."),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    scale: float = typer.Option(1.0, "--scale", min=1e-9, help=SCALE_HELP),
) -> None:
    """Plan a scenario: choose per workload and period how to serve it at the lowest NPV.

    Writes results.json, one CSV per table, plan.xlsx, report.html and run.json (the manifest:
    run id and every file's sha256) into the output folder and prints a summary. The set is
    written beside the folder and swapped in whole: an interrupted or failed run keeps the
    previous reports. Solver options override the scenario's `solver:` section.

    \b
    Examples:
      tco run scenarios/enterprise.yaml --out reports/enterprise --time-limit 60
      tco run scenarios/startup.yaml --scale 0.5 --set 'apis[*].price_trend_per_year=-0.3'
    """
    import signal

    from tco.errors import Interrupted
    from tco.history import history_beside
    from tco.pipeline import prepare, run_scenario
    from tco.report import write_report_set
    from tco.report.run_folder import claimed
    from tco.report.summary import print_summary
    from tco.run import new_run_id

    out = out or Path("reports") / file.stem
    history = history or history_beside(out)
    run_id = new_run_id()

    def terminated(signum, frame):
        raise Interrupted(signum)

    signal.signal(signal.SIGTERM, terminated)  # like Ctrl-C: every cleanup runs
    folder = None

    def show_plan(result) -> None:
        # the plan's answer as soon as it is solved (run_scenario calls this before the
        # analysis, which takes tens of seconds); the comparison is printed after it
        print_warnings(result.warnings)
        print_summary(console, result)

    prepared = prepare(file, set_, scale)
    review = None
    if prepared.scenario.review is not None:  # the previous plan's variance, read before solving
        from tco.review import review_for

        review = review_for(prepared, file, history)
    try:
        # The folder is claimed (locked, checked) before the solve, so a wrong --out is said
        # at once; the reports are written beside it and swapped in whole at the end.
        with claimed(out, run_id) as folder:
            result = run_scenario(prepared, analysis=analysis, jobs=jobs, progress=True,
                                  solver={"name": solver, "time_limit_s": time_limit,
                                          "mip_rel_gap": mip_gap, "threads": threads},
                                  stage=lambda words: err_console.print(
                                      f"tco: {words}", markup=False, highlight=False,
                                      soft_wrap=True), on_plan=show_plan)
            result.run_id = run_id
            result.variance = review
            if robust:
                from tco.uncertainty.run import add_robust

                add_robust(result, jobs=jobs, scheduler=scheduler, progress=True)
            note = lambda words: err_console.print(  # noqa: E731
                f"tco: {words}", markup=False, highlight=False, soft_wrap=True)
            written = folder.publish(lambda d: write_report_set(result, d, warn=note),
                                     {"scenario": result.scenario.name,
                                      "scenario_files": list(result.files)})
    except KeyboardInterrupt as e:
        kept = (f"previous reports kept in {out}" if folder is not None and folder.had_previous
                else f"nothing written to {out}")
        err_console.print(f"interrupted, {kept}", markup=False, highlight=False, soft_wrap=True)
        # Everything of ours is cleaned up (temporary folder, lock, solver workers). Leave now,
        # without the interpreter's teardown: a solver interrupted mid-run may still have
        # threads of its own, and tearing down its objects under them can crash at exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(getattr(e, "exit_code", 130))
    if result.strategies is not None:
        from tco.analysis.terminal import print_breakeven, print_comparison, print_constraint_costs

        print_comparison(console, result.strategies)
        for be in result.breakeven:
            print_breakeven(console, be)
        print_constraint_costs(console, result.constraint_costs)
    if result.robust is not None:
        from tco.uncertainty.terminal import print_robust

        print_robust(console, result.robust)
    n_csv = sum(p.suffix == ".csv" for p in written)
    console.print(f"\nReports in [bold]{out}[/bold] (run {run_id}): report.html, plan.xlsx, "
                  f"results.json, run.json and {n_csv} CSV tables")
    from tco.orders import assets_of, orders, print_orders

    print_orders(console, orders(result.solution.tables, assets_of(result),
                                 result.solution.periods))
    if not no_history:
        from tco.history import record

        try:
            console.print(f"Recorded as run {record(result, history, out)} in {history}",
                          markup=False, highlight=False)
        except (OSError, TcoError) as e:  # the reports are written: say so, do not fail
            err_console.print(f"warning: run not recorded in {history}: {e}", markup=False,
                              highlight=False, soft_wrap=True)


JOBS_HELP = "Parallel solver processes (default: the CPU count; 1 solves one at a time)."




@app.command()
def compare(
    files: list[Path] = typer.Argument(..., help="Scenario YAML file, or two to put side by "
                                                 "side."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    scale: float = typer.Option(1.0, "--scale", min=1e-9, help=SCALE_HELP),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Build versus buy: solve every strategy and compare NPV, cost per year and USD per 1M tokens.

    Strategies: api_only, api_batch_cache, self_host_only, hybrid (the optimum) and the
    scenario's own. Savings are against the cheapest single-mode strategy; a strategy that
    cannot serve every workload says which and why. Workloads pinned by their own rules
    (residency self_hosted, pin, allow) keep their options in every strategy.

    With two files, each strategy's NPV in both and the difference (B - A), side by side.

    \b
    Examples:
      tco compare scenarios/enterprise.yaml --jobs 4
      tco compare today.yaml proposal.yaml
      tco compare scenarios/startup.yaml --scale 3 --format csv
    """
    from tco.analysis import compare as compare_strategies
    from tco.analysis.terminal import print_comparison, print_side_by_side, side_by_side
    from tco.errors import Problem, ScenarioError
    from tco.pipeline import prepare

    if len(files) > 2:
        raise ScenarioError([Problem(("files",), f"{len(files)} files given (expected one, or "
                                                 "two to compare side by side)")])
    tables = []
    for f in files:
        p = prepare(f, set_, scale)
        print_warnings(p.warnings)
        table = compare_strategies(p.scenario, p.resolved, jobs=jobs,
                                   progress=fmt == Format.table)
        tables.append((p.scenario.name, table))
    if len(tables) == 2:
        rows = side_by_side(tables[0], tables[1])
        if fmt == Format.table:
            print_side_by_side(console, rows, tables[0][0], tables[1][0])
        else:
            write(rows, fmt)
        return
    name, table = tables[0]
    if fmt == Format.table:
        print_comparison(console, table, title=f"{name}: strategies compared at today's demand")
    else:
        write(table.to_dict(orient="records"), fmt, list(table.columns))


@app.command()
def breakeven(
    file: Path = typer.Argument(..., help="Scenario YAML file."),
    a: str = typer.Option(None, "--a", help="First strategy (default: self_host_only and "
                                            "hybrid, each against the cheapest API strategy)."),
    b: str = typer.Option(None, "--b", help="Second strategy (default cheapest_api: api_only "
                                            "or api_batch_cache, whichever costs less today)."),
    rtol: float = typer.Option(0.01, "--rtol", min=1e-6, max=1.0,
                               help="Relative tolerance on the break-even scale."),
    min_scale: float = typer.Option(0.01, "--min-scale", min=1e-9,
                                    help="Smallest demand scale searched."),
    max_scale: float = typer.Option(1000.0, "--max-scale", min=1e-9,
                                    help="Largest demand scale searched."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
    scale: float = typer.Option(1.0, "--scale", min=1e-9, help=SCALE_HELP),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help=FORMAT_HELP),
) -> None:
    """The demand volume at which two strategies cost the same (requests and tokens a month).

    All workloads' requests are scaled by one factor, searched on a log scale from --min-scale
    to --max-scale and narrowed to --rtol; when there is no crossover inside that range, says
    which strategy is cheaper throughout. A strategy with no plan at today's demand is
    reported at once, with why, without a search.

    \b
    Examples:
      tco breakeven scenarios/enterprise.yaml
      tco breakeven scenarios/enterprise.yaml --a hybrid --b api_batch_cache
      tco breakeven scenarios/enterprise.yaml --format json
    """
    from tco.analysis import DEFAULT_PAIRS, breakeven_pairs
    from tco.analysis.terminal import print_breakeven
    from tco.pipeline import prepare

    p = prepare(file, set_, scale)
    print_warnings(p.warnings)
    pairs = DEFAULT_PAIRS if a is None and b is None else (
        (a or "self_host_only", b or "cheapest_api"),)
    results = breakeven_pairs(p.scenario, p.resolved, pairs, jobs=jobs,
                              progress=fmt == Format.table, rtol=rtol, min_scale=min_scale,
                              max_scale=max_scale)
    if fmt == Format.table:
        for r in results:
            print_breakeven(console, r)
        return
    if fmt == Format.json:
        write(results, fmt)
        return
    write(results, fmt, ["a", "b", "found", "kind", "scale", "scale_low", "scale_high",
                         "requests_per_month", "tokens_per_month", "cheaper_below",
                         "cheaper_above", "cheaper_throughout", "infeasible_today", "message"])


SCHEDULER_HELP = ("Dask scheduler address, tcp://HOST:8786 (default: $TCO_DASK_SCHEDULER, "
                  "else local processes).")


def _solver_options(solver, time_limit, mip_gap) -> dict:
    return {"name": solver, "time_limit_s": time_limit, "mip_rel_gap": mip_gap}


def _write_reports(result, out: Path) -> None:
    from tco.report.html import write_html
    from tco.report.results_json import write_results
    from tco.report.workbook import write_workbook

    write_results(result, out)
    write_workbook(result, out / "plan.xlsx")
    write_html(result, out / "report.html")


@app.command()
def sensitivity(
    file: Path = typer.Argument(..., help="Scenario YAML file with an uncertainty section."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Output folder (default reports/<scenario file name>)."),
    bounds: bool = typer.Option(False, "--bounds",
                                help="Low and high at each distribution's bounds where it has "
                                     "them, instead of P10 and P90."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    scheduler: str = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    solver: str = typer.Option(None, "--solver", help="Solver name (highs)."),
    time_limit: float = typer.Option(None, "--time-limit", min=0.001, help="Seconds per solve."),
    mip_gap: float = typer.Option(None, "--mip-gap", min=0, max=1, help="Relative MIP gap."),
) -> None:
    """Tornado: the NPV with each uncertain input at its low and high value, others as written.

    Two NPVs per value: the recommended plan held fixed (its GPUs, reservations, staff and
    fine-tunes kept; APIs and on-demand GPUs absorb the change) and the plan re-optimised.
    Sorted by swing. Writes results.json, plan.xlsx and report.html with the tornado.

    Example: tco sensitivity scenarios/enterprise-uncertain.yaml
    """
    from tco.uncertainty.run import run_sensitivity
    from tco.uncertainty.terminal import print_tornado

    out = out or Path("reports") / file.stem
    result = run_sensitivity(file, bounds=bounds, jobs=jobs, scheduler=scheduler,
                             progress=True, solver=_solver_options(solver, time_limit, mip_gap))
    _write_reports(result, out)
    print_tornado(console, result.sensitivity, title=f"{result.scenario.name}: sensitivity")
    console.print(f"\nReports in [bold]{out}[/bold]: report.html, plan.xlsx, results.json")


@app.command()
def montecarlo(
    file: Path = typer.Argument(..., help="Scenario YAML file with an uncertainty section."),
    n: int = typer.Option(None, "-n", "--draws", min=1,
                          help="Number of joint draws (default uncertainty.draws)."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Output folder (default reports/<scenario file name>)."),
    resume: bool = typer.Option(False, "--resume",
                                help="Keep the draws already in OUT/draws and solve the rest."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed (default uncertainty.seed)."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help=JOBS_HELP),
    scheduler: str = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    solver: str = typer.Option(None, "--solver", help="Solver name (highs)."),
    time_limit: float = typer.Option(None, "--time-limit", min=0.001, help="Seconds per solve."),
    mip_gap: float = typer.Option(None, "--mip-gap", min=0, max=1, help="Relative MIP gap."),
    strategies: str = typer.Option(None, "--strategies",
                                   help="Comma list of the strategies to re-optimise per draw "
                                        "(default: all; keep hybrid for regret)."),
) -> None:
    """What each strategy, and the recommended plan held fixed, costs over N joint draws.

    Mean (with its standard error), P10/P50/P90, CVaR90, probability of beating each other
    strategy and regret against the best plan had each draw been known. Draws stream to
    OUT/draws as Parquet, so an interrupted run continues with --resume.

    \b
    Examples:
      tco montecarlo scenarios/enterprise-uncertain.yaml -n 1000
      tco montecarlo scenarios/enterprise-uncertain.yaml -n 1000 --resume
      tco montecarlo scenarios/enterprise-uncertain.yaml --scheduler tcp://10.0.0.5:8786
    """
    from tco.uncertainty.run import run_montecarlo
    from tco.uncertainty.terminal import print_montecarlo

    out = out or Path("reports") / file.stem
    result = run_montecarlo(file, n, out=out, resume=resume, seed=seed, jobs=jobs,
                            scheduler=scheduler, progress=True,
                            solver=_solver_options(solver, time_limit, mip_gap),
                            strategies=[x.strip() for x in strategies.split(",") if x.strip()]
                            if strategies else None)
    _write_reports(result, out)
    print_montecarlo(console, result.montecarlo)
    console.print(f"\nReports in [bold]{out}[/bold]: report.html, plan.xlsx, results.json, "
                  "draws/ (Parquet)")


from tco.catalog.cli import catalog_app  # noqa: E402
from tco.catalog.cli import tokens as _tokens_command  # noqa: E402

app.add_typer(catalog_app, name="catalog")
app.command("tokens")(_tokens_command)

from tco.profile.cli import profile as _profile_command  # noqa: E402

app.command("profile")(_profile_command)

from tco import quarterly_cli as _loop  # noqa: E402

app.command("history")(_loop.history)
app.command("diff")(_loop.diff)
app.command("review")(_loop.review)
app.command("roll")(_loop.roll)


def main() -> None:
    """Entry point: run the app, turning tco's errors into messages and exit codes.

    typer's standalone mode already answers usage errors with exit code 2 and --help; what it
    lets through are tco's own errors, which are printed without a traceback.
    """
    try:
        app()
    except TcoError as e:
        # soft_wrap: FILE:LINE: messages stay one a line, whatever the terminal width.
        err_console.print(str(e), markup=False, highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
