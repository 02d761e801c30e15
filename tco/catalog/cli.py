"""`tco catalog ...` and `tco tokens`: list what the catalogs ship, count tokens of samples."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

catalog_app = typer.Typer(no_args_is_help=True,
                          help="List the shipped catalogs: API prices, GPUs, open models.")
console = Console()


def _money(v: float | None) -> str:
    """A price cell: blank-free, `-` when not sold."""
    return "-" if v is None else f"{v:g}"


def _tokens(v: int | None) -> str:
    """A context window compactly: 128k, 1M."""
    if v is None:
        return "-"
    return f"{v / 1e6:g}M" if v >= 1_000_000 else f"{v / 1e3:g}k" if v >= 1000 else str(v)


FORMAT_OPTION = typer.Option("table", "--format", "-f",
                             help="table (for people), csv or json (for programs).")


def _emit(rows: list[dict], fmt: str) -> bool:
    """Write rows as CSV or JSON and say so; False for the table format."""
    from tco.tabular import Format, write

    try:
        f = Format(fmt)
    except ValueError:
        raise typer.BadParameter(f"'{fmt}' (expected table, csv or json)",
                                 param_hint="--format") from None
    if f == Format.table:
        return False
    write(rows, f)
    return True


@catalog_app.command("apis")
def apis(provider: str = typer.Option(None, "--provider", "-p", help="Only this provider."),
         search: str = typer.Option(None, "--search", "-s", help="Substring of the id or name."),
         wide: bool = typer.Option(False, "--wide", "-w",
                                   help="Also tiers, fine-tuning prices and each row's source."),
         fmt: str = FORMAT_OPTION) -> None:
    """API prices per 1M tokens from the genai-prices snapshot (first context tier).

    Fits 80 columns: id, input, cached input, output, batch input and output, context window;
    --wide adds tiers, fine-tuned prices and sources; --format csv/json gives every field.

    \b
    Examples:
      tco catalog apis --provider openai --search gpt-4.1
      tco catalog apis --format csv > prices.csv
    """
    from rich import box

    from tco.catalog.apis import listing, snapshot_source

    rows = listing(provider, search)
    if _emit(rows, fmt):
        return
    source = snapshot_source()
    table = Table(title="API prices, USD per 1M tokens", box=box.SIMPLE_HEAD, show_edge=False,
                  caption=f"Source: {source}; --wide for tiers, fine-tuning and notes")
    table.add_column("id", overflow="fold", ratio=None)
    for col in ("in", "cached", "out", "batch in", "batch out", "context"):
        table.add_column(col, justify="right", no_wrap=True)
    if wide:
        for col in ("tiers", "fine-tuned in/out", "source"):
            table.add_column(col, overflow="fold")
    for r in rows:
        cells = [r["id"], _money(r["input"]), _money(r["cached_input"]),
                 _money(r["output"]), _money(r["batch_input"]), _money(r["batch_output"]),
                 _tokens(r["context_window_tokens"])]
        if wide:
            cells += [str(r["tiers"]), r["fine_tuned"] or "-", r["source"]]
        table.add_row(*cells)
    console.print(table)


@catalog_app.command("gpus")
def gpus(fmt: str = FORMAT_OPTION) -> None:
    """GPU types with rental, reserved and purchase prices, power and sources.

    Example: tco catalog gpus --format csv
    """
    from tco.catalog.hardware import listing

    if _emit(listing(), fmt):
        return
    table = Table(title="GPU catalog (USD per GPU-hour; purchase per GPU incl. server share)")
    for col in ("name", "memory GB", "on-demand", "1y", "3y", "purchase", "kW", "source"):
        table.add_column(col, overflow="fold")
    for r in listing():
        table.add_row(r["name"], _money(r["memory_gb"]), _money(r["on_demand"]),
                      _money(r["reserved_1y"]), _money(r["reserved_3y"]),
                      _money(r["price_usd"]), _money(r["power_kw"]), r["source"])
    console.print(table)
    from tco.catalog.hardware import site_overheads

    console.print("Recurring costs per GPU at this site (every type; override per GPU in the "
                  "scenario's gpus: entries):")
    for field, value, cite in site_overheads():
        console.print(f"  {field}: {value:g} ({cite})", markup=False)


@catalog_app.command("models")
def models(fmt: str = FORMAT_OPTION) -> None:
    """Open models per GPU type: GPUs per replica, throughput, quality and sources.

    Example: tco catalog models --format json
    """
    from dataclasses import asdict, is_dataclass

    from tco.catalog.models import listing

    def plain(v):
        return asdict(v) if is_dataclass(v) else v.model_dump() if hasattr(v, "model_dump") else v

    if _emit([{k: plain(v) for k, v in r.items()} for r in listing()], fmt):
        return
    table = Table(title="Open models (tokens/s per replica: prefill / decode)")
    for col in ("model", "gpu", "GPUs", "interactive", "batch", "context", "quality",
                "source"):
        table.add_column(col, overflow="fold")
    for r in listing():
        q = ", ".join(f"{t} {s:g}" for t, s in r["quality"].items())
        i, b = r["interactive"], r["batch"]
        table.add_row(r["model"], r["gpu"], str(r["gpus"]),
                      f"{i.prefill_tokens_per_s:g} / {i.decode_tokens_per_s:g}",
                      f"{b.prefill_tokens_per_s:g} / {b.decode_tokens_per_s:g}",
                      str(r["context"]), q, r["source"])
    console.print(table)


@catalog_app.command("tariffs")
def tariffs(provider: str = typer.Option(None, "--provider", "-p", help="Only this provider.")
            ) -> None:
    """Shipped reference tariffs: provisioned units and service tiers, with sources.

    A scenario takes one by name under `tariffs:` and overrides any field with its own quote.
    Example: tco catalog tariffs --provider azure
    """
    from tco.catalog.tariffs import listing

    table = Table(title="Reference tariffs (USD; a scenario names one and may override fields)")
    for col in ("name", "kind", "provider", "api", "term", "terms", "source"):
        table.add_column(col, overflow="fold")
    for r in listing(provider):
        table.add_row(r["name"], r["kind"], r["provider"], r["api"] or "-", r["term"] or "-",
                      r["terms"], r["source"])
    console.print(table)


def tokens(files: list[Path] = typer.Argument(..., help="Text files or JSONL of samples."),
           encoding: str = typer.Option("o200k_base", "--encoding", "-e",
                                        help="tiktoken encoding: o200k_base or cl100k_base.")
           ) -> None:
    """Mean input and output tokens per request of sample prompts and answers, as YAML.

    JSONL lines are {"messages": [{"role": .., "content": ..}]} (the last assistant message is
    the output) or {"prompt": .., "completion": ..}; a plain text file is one prompt.
    Example: tco tokens logs/support.jsonl >> workload-snippet.yaml
    """
    from tco.errors import Problem, ScenarioError
    from tco.tokens import measure

    try:
        stats = measure(files, encoding)
    except (ValueError, OSError) as e:
        raise ScenarioError([Problem(("tokens",), str(e))]) from e
    typer.echo(stats.yaml(), nl=False)
