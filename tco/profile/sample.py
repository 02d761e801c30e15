"""Deterministic example request logs in the four formats `tco profile` reads, and an actuals file.

    python -m tco.profile.sample OUT_DIR [--lines N] [--malformed K]

writes into OUT_DIR/logs/ one gzipped log per example workload (OpenAI-style, Anthropic-style,
OpenTelemetry GenAI spans, plain CSV), each a 1% sample of its traffic over 2026-07 to 2026-12,
and OUT_DIR/actuals.csv: what the example plan's first quarter (2027Q1) then really did, per
workload and month, with spend by category. The same arguments give byte-identical files (a
seeded generator, gzip without a timestamp), so nothing large needs to be committed.

The figures are invented for the example (an assumption, not a measurement): growth, diurnal
shape and token distributions chosen to look like a support platform's traffic.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

START = (2026, 7)
MONTHS = 6
SAMPLE_RATE = 0.01
"""Share of requests logged: the docs run `tco profile --sample-rate 0.01`."""


@dataclass(frozen=True)
class Example:
    name: str
    fmt: str
    model: str
    requests_per_month: float
    """Requests logged in the first month (already sampled)."""
    growth_per_year: float
    input_mean: float
    output_mean: float
    cached_share: float
    peak: float
    """Amplitude of the daily cycle: hourly rate ~ 1 + peak x sin(...)."""


EXAMPLES = (
    Example("support-chat", "openai", "gpt-4o-2024-08-06", 30000, 0.6, 1800, 350, 0.6, 0.8),
    Example("meeting-summaries", "anthropic", "claude-sonnet-4-5", 6000, 0.3, 9000, 600, 0.2,
            0.5),
    Example("rag-assistant", "otel", "llama-3.3-70b", 8000, 0.4, 3500, 450, 0.3, 0.9),
    Example("ticket-routing", "csv", "gpt-4o-mini", 20000, 0.2, 700, 20, 0.5, 0.6),
)


def _months(start: tuple[int, int], n: int) -> list[tuple[int, int]]:
    y, m = start
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _timestamps(rng: np.random.Generator, ex: Example, scale: float) -> np.ndarray:
    """Sorted epoch seconds: monthly volume growing at the yearly rate, a daily cycle."""
    out = []
    hour_w = 1.0 + ex.peak * np.sin(2 * np.pi * (np.arange(24) - 8) / 24)
    hour_w /= hour_w.sum()
    for i, (y, m) in enumerate(_months(START, MONTHS)):
        n = int(round(ex.requests_per_month * scale * (1 + ex.growth_per_year) ** (i / 12)))
        days = calendar.monthrange(y, m)[1]
        t0 = int(datetime(y, m, 1, tzinfo=UTC).timestamp())
        day = rng.integers(0, days, n)
        hour = rng.choice(24, n, p=hour_w)
        sec = rng.integers(0, 3600, n)
        out.append(t0 + day * 86400 + hour * 3600 + sec)
    return np.sort(np.concatenate(out))


def _tokens(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    sigma = 0.5
    mu = np.log(mean) - sigma ** 2 / 2
    return np.maximum(1, np.round(rng.lognormal(mu, sigma, n))).astype(np.int64)


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


CHUNK = 500_000


def _lines(ex: Example, ts, inp, out, cached, first_id: int = 0) -> list[str]:
    if ex.fmt == "openai":
        return [f'{{"id":"chatcmpl-{i:09d}","object":"chat.completion","created":{t},'
                f'"model":"{ex.model}","usage":{{"prompt_tokens":{a},"completion_tokens":{b},'
                f'"total_tokens":{a + b},"prompt_tokens_details":{{"cached_tokens":{c}}}}}}}'
                for i, (t, a, b, c) in enumerate(zip(ts, inp, out, cached), first_id)]
    if ex.fmt == "anthropic":
        # input_tokens excludes cache reads and writes in Anthropic's usage object.
        return [f'{{"id":"msg_{i:09d}","type":"message","model":"{ex.model}",'
                f'"created_at":"{_iso(t)}","usage":{{"input_tokens":{a - c - (a - c) // 10},'
                f'"cache_creation_input_tokens":{(a - c) // 10},"cache_read_input_tokens":{c},'
                f'"output_tokens":{b}}}}}'
                for i, (t, a, b, c) in enumerate(zip(ts, inp, out, cached), first_id)]
    if ex.fmt == "otel":
        return [f'{{"name":"chat {ex.model}","context":{{"span_id":"0x{i:016x}"}},'
                f'"start_time":"{_iso(t)}","attributes":{{"gen_ai.operation.name":"chat",'
                f'"gen_ai.request.model":"{ex.model}","gen_ai.usage.input_tokens":{a},'
                f'"gen_ai.usage.output_tokens":{b},"gen_ai.usage.cache_read.input_tokens":{c}}}}}'
                for i, (t, a, b, c) in enumerate(zip(ts, inp, out, cached), first_id)]
    return [f"{_iso(t)},{ex.model},{a},{b},{c}" for t, a, b, c in zip(ts, inp, out, cached)]


CSV_HEADER = "timestamp,model,input_tokens,output_tokens,cached_input_tokens"


def write_log(path: Path, ex: Example, seed: int, scale: float = 1.0,
              malformed: int = 0) -> int:
    """Write one example log (gzipped when the name ends in .gz); returns its line count.

    `malformed` lines (truncated JSON, or `n/a` for the input tokens in CSV) replace lines
    spread evenly through the file, so tests know where: every (n // (k + 1))-th data line.
    """
    rng = np.random.default_rng(seed)
    ts = _timestamps(rng, ex, scale)
    n = len(ts)
    inp = _tokens(rng, ex.input_mean, n)
    out = _tokens(rng, ex.output_mean, n)
    is_cached = rng.random(n) < 0.8
    cached = np.where(is_cached, np.floor(inp * np.minimum(1.0, ex.cached_share / 0.8)), 0)
    cached = cached.astype(np.int64)
    bad = set()
    if malformed:
        step = n // (malformed + 1)
        bad = {k * step for k in range(1, malformed + 1)}
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = open(path, "wb")
    # No name, mtime=0: the same arguments give the same bytes.
    f = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6) \
        if path.suffix == ".gz" else raw
    with raw, f:
        if ex.fmt == "csv":
            f.write((CSV_HEADER + "\n").encode())
        for lo in range(0, n, CHUNK):  # in chunks: a 10-million-line log in bounded memory
            hi = min(n, lo + CHUNK)
            lines = _lines(ex, ts[lo:hi], inp[lo:hi], out[lo:hi], cached[lo:hi], first_id=lo)
            for i in sorted(b for b in bad if lo <= b < hi):
                line = lines[i - lo]
                lines[i - lo] = line[: len(line) // 2] if ex.fmt != "csv" else ",".join(
                    [*line.split(",")[:2], "n/a", *line.split(",")[3:]])
            f.write(("\n".join(lines) + "\n").encode())
    return n


def log_name(ex: Example, gz: bool = True) -> str:
    """File name of an example's log: <workload>.jsonl.gz or <workload>.csv.gz."""
    ext = ".csv" if ex.fmt == "csv" else ".jsonl"
    return ex.name + ext + (".gz" if gz else "")


ACTUALS_HEADER = ("month,workload,requests,input_tokens,output_tokens,cached_input_tokens,"
                  "category,spend_usd")


def write_actuals(path: Path) -> None:
    """What the example plan's first quarter really did: 2027-01 to 2027-03, per workload and
    month, and the invoices by category (workload left empty for spend not per workload).

    Invented figures (an assumption, not a measurement): volumes a few percent off the
    profiled trend, each workload growing at its own monthly rate.
    """
    rows = [ACTUALS_HEADER]
    volumes = {"support-chat": (3_150_000, 0.035, 1830, 340, 0.61),
               "meeting-summaries": (640_000, 0.01, 9100, 610, 0.2),
               "rag-assistant": (900_000, 0.045, 3400, 455, 0.3),
               "ticket-routing": (2_050_000, 0.015, 705, 20, 0.5)}
    for i, month in enumerate(("2027-01", "2027-02", "2027-03")):
        for name, (req, monthly_growth, inp, out, share) in volumes.items():
            r = int(req * (1 + monthly_growth) ** i)
            rows.append(f"{month},{name},{r},{r * inp},{r * out},{int(r * inp * share)},,")
        # Invoices close to what examples/quarterly.yaml's plan orders for 2027Q1 with the
        # shipped catalog (three A100s bought, two engineers, ticket routing on an API).
        rows.append(f"{month},,,,,,api,{[150, 160, 175][i]}")
        rows.append(f"{month},,,,,,power_facility,{[790, 810, 830][i]}")
        rows.append(f"{month},,,,,,staff,{[41667, 41667, 41666][i]}")
        if i == 0:
            rows.append(f"{month},,,,,,gpu_capex,64350")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: write the example logs and actuals."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--lines", type=int, default=None,
                   help="Scale the first workload's log to about this many lines (benchmarks).")
    p.add_argument("--malformed", type=int, default=0, help="Malformed lines per log.")
    p.add_argument("--only", default=None, help="Write only this example workload's log.")
    p.add_argument("--plain", action="store_true", help="Do not gzip the logs.")
    a = p.parse_args(argv)
    for seed, ex in enumerate(EXAMPLES):
        if a.only and ex.name != a.only:
            continue
        scale = 1.0
        if a.lines:
            per_scale = sum(ex.requests_per_month * (1 + ex.growth_per_year) ** (i / 12)
                            for i in range(MONTHS))
            scale = a.lines / per_scale
        n = write_log(a.out / "logs" / log_name(ex, gz=not a.plain), ex, seed, scale,
                      a.malformed)
        print(f"{a.out / 'logs' / log_name(ex, gz=not a.plain)}: {n} lines")
    write_actuals(a.out / "actuals.csv")
    print(f"{a.out / 'actuals.csv'}")


if __name__ == "__main__":
    main()
