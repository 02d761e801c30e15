"""`tco profile`: the command over tco.profile (registered in tco/cli.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def profile(
    logs: list[Path] = typer.Argument(..., help="Request logs: JSON lines or CSV, .gz accepted."),
    group_by: str = typer.Option(None, "--group-by", "-g",
                                 help="Field naming the workload (dotted for nested JSON, e.g. "
                                      "metadata.workload; a column for CSV). Default: one "
                                      "workload per file, named after it."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the workload blocks (YAML) a scenario can extend."),
    monthly: Path = typer.Option(None, "--monthly",
                                 help="Also write requests and tokens per workload and month "
                                      "(CSV in the actuals format of tco review)."),
    fmt: str = typer.Option(None, "--format",
                            help="openai, anthropic, otel or csv (default: detected per file)."),
    sample_rate: float = typer.Option(1.0, "--sample-rate", min=1e-9, max=1.0,
                                      help="Share of requests the logs hold (0.01 = 1% sample)."),
    allow_malformed: float = typer.Option(0.0, "--allow-malformed", min=0.0, max=1.0,
                                          help="Largest share of malformed lines profiled "
                                               "without (default 0: any stops with exit 2)."),
    threads: int = typer.Option(None, "--threads", min=1,
                                help="DuckDB threads (default: every core)."),
) -> None:
    """Measure workloads from request logs: volume, growth, tokens, cache share, peak.

    Formats (docs/quarterly.md): OpenAI-style exports, Anthropic-style messages,
    OpenTelemetry GenAI spans (JSON lines) and CSV with the header
    timestamp,model,input_tokens,output_tokens,cached_input_tokens. Malformed lines are counted
    and the first 10 located (FILE:LINE: why); any stops the profile with exit 2 unless
    --allow-malformed allows their share.

    \b
    Examples:
      tco profile logs/*.jsonl.gz --sample-rate 0.01 --out workloads.yaml
      tco profile gateway.jsonl --group-by metadata.workload --monthly actuals.csv
    """
    from tco.profile import malformed_report, profile_logs
    from tco.profile.formats import FORMATS
    from tco.profile.workloads import workloads_yaml
    from tco.report.atomic import write_atomic, write_text_atomic

    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(
            f"'{fmt}' (expected one of {', '.join(FORMATS)})", param_hint="--format")
    p = profile_logs(logs, group_by=group_by, fmt=fmt, sample_rate=sample_rate,
                     allow_malformed=allow_malformed, threads=threads)
    if p.malformed:
        err_console.print(malformed_report(p.parts), markup=False, highlight=False,
                          soft_wrap=True)
        err_console.print(f"{p.malformed} malformed lines left out (allowed by "
                          f"--allow-malformed {allow_malformed:g})", markup=False)
    t = Table(title=f"Workloads measured from {len(logs)} log{'s' if len(logs) != 1 else ''} "
                    f"({p.lines:,} lines, sample rate {sample_rate:g})")
    for col in ("workload", "requests/month", "growth/yr", "input", "p95", "output", "p95",
                "cached", "peak/avg", "model in use"):
        t.add_column(col, justify="left" if col in ("workload", "model in use") else "right",
                     no_wrap=col == "workload")
    for r in p.table.itertuples(index=False):
        t.add_row(str(r.workload), f"{r.requests_per_month:,.0f}", f"{r.growth_per_year:+.1%}",
                  f"{r.input_tokens:,.0f}", f"{r.p95_input_tokens:,.0f}",
                  f"{r.output_tokens:,.0f}", f"{r.p95_output_tokens:,.0f}",
                  f"{r.cached_input_share:.0%}", f"{r.peak_to_average:.2f}", str(r.model))
    console.print(t)
    if out is not None:
        write_text_atomic(out, workloads_yaml(p.table, [str(x) for x in logs], p.lines,
                                              p.malformed, sample_rate, group_by))
        console.print(f"Workload blocks written to {out}", markup=False, highlight=False)
    if monthly is not None:
        write_atomic(monthly, lambda f: p.monthly.to_csv(f, index=False))
        console.print(f"Monthly actuals written to {monthly}", markup=False, highlight=False)
