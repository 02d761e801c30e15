"""Read logs with DuckDB into aggregates small enough to hold: streaming, in bounded memory.

One pass over each file computes, with GROUPING SETS, three aggregate tables whose size
depends on the distinct values, never on the number of lines:

- hourly: per group, hour (epoch hours) and model: requests, input, output, cached tokens;
- input_hist / output_hist: per group and token count: requests (exact percentiles from it).

A line DuckDB cannot parse, or whose required fields are missing, of the wrong type or
negative (or with more cached than input tokens), becomes a row with a NULL key and is counted
as malformed; a second, line-by-line pass (Python, stops after the first 10) finds their line
numbers only when there are some. Blank lines are skipped, as DuckDB does.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from tco.errors import TcoError
from tco.profile.formats import CSV, CSV_COLUMNS, Format, JsonPath, detect

FIRST_BAD = 10


class LogError(TcoError):
    """A log that cannot be profiled: unreadable, of no known format, or with malformed lines."""

    exit_code = 2


@dataclass
class Aggregates:
    """What one pass over a log leaves: small tables and the malformed-line count."""

    file: str
    format: str
    hourly: pd.DataFrame
    """grp, hour, model, requests, input, output, cached."""
    input_hist: pd.DataFrame
    """grp, tokens, requests."""
    output_hist: pd.DataFrame
    rows: int = 0
    malformed: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    """(line number, why) of the first malformed lines."""


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8", errors="replace") \
        if path.name.endswith(".gz") else open(path, encoding="utf-8", errors="replace")


def is_csv(path: Path) -> bool:
    """Whether a log is CSV by its name (`.csv` or `.csv.gz`)."""
    name = path.name.lower()
    return name.endswith(".csv") or name.endswith(".csv.gz")


def default_group(path: Path) -> str:
    """The group of a log without --group-by: its file name without extensions."""
    name = path.name
    for ext in (".gz", ".jsonl", ".json", ".ndjson", ".csv", ".log"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name


def sniff(path: Path, forced: str | None = None) -> Format:
    """The log's format: forced, or detected from its first non-blank line."""
    from tco.profile.formats import FORMATS

    if forced:
        return FORMATS[forced]
    try:
        with _open_text(path) as f:
            first = next((line for line in f if line.strip()), None)
    except (OSError, EOFError) as e:
        raise LogError(f"{path}: cannot read ({e})") from None
    if first is None:
        raise LogError(f"{path}: the log is empty (expected JSON lines or a CSV with a header)")
    fmt = detect(first, is_csv(path))
    if fmt is None:
        raise LogError(f"{path}:1: no known log format (expected an OpenAI export with "
                       "usage.prompt_tokens, an Anthropic message with usage.input_tokens, an "
                       "OpenTelemetry span with attributes.gen_ai.usage.input_tokens, or a "
                       f"CSV named *.csv with the header {','.join(CSV_COLUMNS)}); "
                       "or pass --format")
    return fmt


def _sql_type_tree(paths: list[tuple[JsonPath, str]]) -> dict[str, str]:
    """Top-level columns with nested STRUCT types covering every path."""
    tree: dict = {}
    for path, typ in paths:
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ValueError(f"path {path} crosses a leaf")
        node.setdefault(path[-1], typ)

    def render(node) -> str:
        if isinstance(node, str):
            return node
        inner = ", ".join(f'"{k}" {render(v)}' for k, v in node.items())
        return f"STRUCT({inner})"

    return {k: render(v) for k, v in tree.items()}


def _ref(path: JsonPath) -> str:
    """SQL reference to a nested field: "a"."b"."c" (struct field access)."""
    head, *rest = path
    out = f'"{head}"'
    for key in rest:
        out = f"struct_extract({out}, '{key}')"
    return out


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _source(path: Path, fmt: Format, group: JsonPath | None) -> str:
    fields = [*fmt.required.values(), *fmt.optional.values()]
    if group is not None:
        fields.append((group, "VARCHAR"))
    if fmt is CSV:
        cols = {p[0]: t for p, t in fields}
        # Read every column as text and cast in SQL (TRY_CAST: a bad value is NULL, counted as
        # malformed). The types are spelled out: DuckDB would otherwise push the cast into the
        # reader, which then stops at the first bad value.
        types = ", ".join(f"{_lit(k)}: 'VARCHAR'" for k in cols)
        return (f"read_csv({_lit(str(path))}, header=true, all_varchar=true, "
                f"types={{{types}}}, null_padding=true, strict_mode=false)"), cols
    columns = _sql_type_tree(fields)
    spec = ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in columns.items())
    return (f"read_json({_lit(str(path))}, format='newline_delimited', columns={{{spec}}}, "
            f"ignore_errors=true, maximum_object_size=16777216)"), None


def _query(path: Path, fmt: Format, group: JsonPath | None) -> str:
    src, csv_types = _source(path, fmt, group)
    named = {**fmt.required, **fmt.optional}
    if csv_types is not None:
        # nullif: an empty cell is NULL; it also keeps DuckDB from pushing the cast into the
        # reader (which would stop at the first bad value instead of giving NULL).
        sel = [f'TRY_CAST(nullif(trim("{p[0]}"), \'\') AS {t}) AS "{n}"'
               for n, (p, t) in named.items()]
        grp = f'"{group[0]}"' if group else "NULL"
    else:
        sel = [f'{_ref(p)} AS "{n}"' for n, (p, _) in named.items()]
        grp = _ref(group) if group else "NULL"
    e = fmt.exprs
    ok = " AND ".join(f'"{n}" IS NOT NULL' for n in fmt.required)
    norm = (f"SELECT CASE WHEN {ok} AND ({e['input']}) >= 0 AND ({e['output']}) >= 0 "
            f"AND ({e['cached']}) >= 0 AND ({e['cached']}) <= ({e['input']}) "
            f"THEN 1 ELSE 0 END AS ok, "
            f"({e['epoch_s']}) // 3600 AS hour, {e['model']} AS model, "
            f"({e['input']}) AS inp, ({e['output']}) AS outp, ({e['cached']}) AS cached, "
            f"coalesce(CAST(g AS VARCHAR), '') AS grp "
            f"FROM (SELECT {', '.join(sel)}, {grp} AS g FROM {src})")
    return (f"SELECT grp, hour, model, inp AS in_tok, outp AS out_tok, ok, "
            f"GROUPING(hour, model, inp, outp, ok) AS gid, count(*) AS requests, "
            f"sum(inp) AS input, sum(outp) AS output, sum(cached) AS cached "
            f"FROM ({norm}) GROUP BY GROUPING SETS ((ok, grp, hour, model), "
            f"(ok, grp, inp), (ok, grp, outp))")


def read_log(path: Path, *, fmt: Format, group: JsonPath | None, threads: int | None = None,
             memory_limit: str = "512MB") -> Aggregates:
    """One streaming pass over a log into aggregates; malformed lines counted and located."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit={_lit(memory_limit)}")
    con.execute("SET preserve_insertion_order=false")
    if threads:
        con.execute(f"SET threads={int(threads)}")
    try:
        df = con.sql(_query(path, fmt, group)).df()
    except duckdb.Error as e:
        raise LogError(f"{path}: cannot read as {fmt.name} ({str(e).splitlines()[0]})") from None
    finally:
        con.close()
    # GROUPING(hour, model, inp, outp, ok): a bit is set for each column not grouped on
    # (hour 16, model 8, inp 4, outp 2, ok 1).
    totals = df[df.gid == 0b00110]  # every line is in exactly one (ok, grp, hour, model) row
    good = df[df.ok == 1]
    hourly = good[good.gid == 0b00110][["grp", "hour", "model", "requests", "input", "output",
                                       "cached"]].reset_index(drop=True)
    inp = good[good.gid == 0b11010][["grp", "in_tok", "requests"]].rename(
        columns={"in_tok": "tokens"}).reset_index(drop=True)
    out = good[good.gid == 0b11100][["grp", "out_tok", "requests"]].rename(
        columns={"out_tok": "tokens"}).reset_index(drop=True)
    rows = int(totals.requests.sum())
    malformed = int(totals.loc[totals.ok == 0, "requests"].sum())
    if group is None:
        name = default_group(path)
        for t in (hourly, inp, out):
            t["grp"] = name
    agg = Aggregates(str(path), fmt.name, hourly.astype({"hour": "int64", "requests": "int64"}),
                     inp.astype({"tokens": "int64", "requests": "int64"}),
                     out.astype({"tokens": "int64", "requests": "int64"}), rows, malformed)
    if malformed:
        agg.bad_lines = list(find_bad_lines(path, fmt, FIRST_BAD))
    return agg


def _int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _time_ok(v) -> bool:
    if not isinstance(v, str) or not v.strip():
        return False
    try:
        datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _why(record: dict, fmt: Format) -> str | None:
    """Why a parsed record is malformed for its format, or None."""
    vals = {}
    for name, (path, typ) in {**fmt.required, **fmt.optional}.items():
        node = record
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        required = name in fmt.required
        if node is None or (fmt is CSV and node == ""):
            if required:
                return f"missing {'.'.join(path)}"
            vals[name] = 0
            continue
        if typ == "BIGINT":
            v = _int(node)
            if v is None:
                return f"{'.'.join(path)} is not a whole number ({node!r:.40})"
            if v < 0:
                return f"{'.'.join(path)} is negative ({v})"
            vals[name] = v
        elif typ == "TIMESTAMP" and not _time_ok(node):
            return f"{'.'.join(path)} is not an ISO 8601 time ({node!r:.40})"
    return None


def _records(path: Path, fmt: Format) -> Iterator[tuple[int, dict | None, str]]:
    """(line number, record or None, raw text) for each non-blank line."""
    import csv

    with _open_text(path) as f:
        if fmt is CSV:
            reader = csv.reader(f)
            header = next(reader, [])
            for row in reader:
                n = reader.line_num
                if not row or not any(c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    yield n, None, f"{len(row)} fields, the header has {len(header)}"
                    continue
                yield n, dict(zip(header, row)), ""
            return
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                yield n, None, f"not valid JSON: {e.msg} (column {e.colno})"
                continue
            if not isinstance(rec, dict):
                yield n, None, "not a JSON object"
                continue
            yield n, rec, ""


def find_bad_lines(path: Path, fmt: Format, first: int) -> Iterator[tuple[int, str]]:
    """Line numbers (1-based, as an editor counts) and reasons of the first malformed lines."""
    found = 0
    for n, rec, why in _records(path, fmt):
        if rec is not None:
            why = _why(rec, fmt) or ""
            if not why:
                inp = _cached_input(rec, fmt)
                if inp is not None:
                    why = inp
        if why:
            yield n, why
            found += 1
            if found >= first:
                return


def _cached_input(rec: dict, fmt: Format) -> str | None:
    """More cached than input tokens is malformed (only checkable once fields are numbers)."""
    def get(name):
        path = {**fmt.required, **fmt.optional}[name][0]
        node = rec
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return _int(node) or 0

    if fmt.name == "openai":
        inp, cached = get("prompt"), get("cached")
    elif fmt.name == "otel":
        inp, cached = get("in_tok"), get("cache_read")
    elif fmt is CSV:
        inp, cached = get("input_tokens"), get("cached_input_tokens")
    else:
        return None  # Anthropic's input excludes cache reads: any count is consistent
    return f"cached tokens ({cached}) exceed input tokens ({inp})" if cached > inp else None
