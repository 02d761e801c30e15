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


@catalog_app.command("apis")
def apis(provider: str = typer.Option(None, "--provider", "-p", help="Only this provider."),
         search: str = typer.Option(None, "--search", "-s", help="Substring of the id or name.")
         ) -> None:
    """API prices per 1M tokens from the genai-prices snapshot (first context tier).

    Example: tco catalog apis --provider openai --search gpt-4.1
    """
    from tco.catalog.apis import listing, snapshot_source

    table = Table(title=f"API prices, USD per 1M tokens ({snapshot_source()})")
    for col in ("id", "input", "cached in", "output", "batch in", "batch out", "tiers",
                "context", "fine-tuned in/out", "source"):
        table.add_column(col, overflow="fold")
    for r in listing(provider, search):
        table.add_row(r["id"], _money(r["input"]), _money(r["cached_input"]),
                      _money(r["output"]), _money(r["batch_input"]), _money(r["batch_output"]),
                      str(r["tiers"]), _money(r["context_window_tokens"]),
                      r["fine_tuned"] or "-", r["source"])
    console.print(table)


@catalog_app.command("gpus")
def gpus() -> None:
    """GPU types with rental, reserved and purchase prices, power and sources.

    Example: tco catalog gpus
    """
    from tco.catalog.hardware import listing

    table = Table(title="GPU catalog (USD per GPU-hour; purchase per GPU incl. server share)")
    for col in ("name", "memory GB", "on-demand", "1y", "3y", "purchase", "kW", "source"):
        table.add_column(col, overflow="fold")
    for r in listing():
        table.add_row(r["name"], _money(r["memory_gb"]), _money(r["on_demand"]),
                      _money(r["reserved_1y"]), _money(r["reserved_3y"]),
                      _money(r["price_usd"]), _money(r["power_kw"]), r["source"])
    console.print(table)


@catalog_app.command("models")
def models() -> None:
    """Open models per GPU type: GPUs per replica, throughput, quality and sources.

    Example: tco catalog models
    """
    from tco.catalog.models import listing

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
