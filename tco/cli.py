"""The `tco` command line: typer commands over the pipeline stages.

Every error tco knows is turned into a message and an exit code here (2 bad input, 1 no plan);
only a bug in tco itself shows a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from tco.errors import TcoError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan the total cost of ownership of LLM deployments: APIs, self-hosting, fine-tunes.",
)
console = Console()
err_console = Console(stderr=True)


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
        s = prepared.scenario
        console.print(f"{f}: ok ({len(s.workloads)} workloads, {len(s.apis)} APIs, "
                      f"{len(s.open_models)} open models, {len(s.gpus)} GPU types)",
                      markup=False, highlight=False, soft_wrap=True)
    if code:
        # SystemExit rather than typer.Exit: it ends the process with `code` whether or not the
        # app runs in click's standalone mode (outside it, click returns typer.Exit's code).
        raise SystemExit(code)


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
) -> None:
    """Plan a scenario: choose per workload and period how to serve it at the lowest NPV.

    Writes results.json and one CSV per table into the output folder and prints a summary.

    Example: tco run scenarios/enterprise.yaml --out reports/enterprise
    """
    from tco.pipeline import run_scenario
    from tco.report.results_json import write_results
    from tco.report.summary import print_summary

    out = out or Path("reports") / file.stem
    result = run_scenario(file)
    written = write_results(result, out)
    from tco.report.workbook import write_workbook
    write_workbook(result, out / "plan.xlsx")
    from tco.report.html import write_html
    write_html(result, out / "report.html")
    print_summary(console, result)
    console.print(f"\nReports in [bold]{out}[/bold]: " + ", ".join(p.name for p in written[:1])
                  + f" and {len(written) - 1} CSV tables")


from tco.catalog.cli import catalog_app  # noqa: E402
from tco.catalog.cli import tokens as _tokens_command  # noqa: E402

app.add_typer(catalog_app, name="catalog")
app.command("tokens")(_tokens_command)


def main() -> None:
    """Entry point: run the app, turning tco's errors into messages and exit codes."""
    try:
        app(standalone_mode=False)
    except TcoError as e:
        err_console.print(str(e), markup=False, highlight=False)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(2)
        raise
