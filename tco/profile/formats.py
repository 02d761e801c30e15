"""The log formats `tco profile` reads: where each keeps the fields of one request.

Every reader turns a log into the same table, one row per request:

    epoch_s   BIGINT   request time, seconds since 1970-01-01 UTC
    model     VARCHAR  model that served it
    input     BIGINT   input tokens, cached prefix included
    output    BIGINT   output tokens
    cached    BIGINT   input tokens read from a cache (0 when the format has none)
    grp       VARCHAR  the --group-by field (the file's name without extensions by default)

A format is the JSON paths it reads (each with its DuckDB type) and the SQL expressions that
turn them into those columns. JSON paths are tuples of keys: OpenTelemetry's attribute names
contain dots and are one key (`("attributes", "gen_ai.usage.input_tokens")`).

- openai: chat-completion objects as exported (`created` in epoch seconds, `model`,
  `usage.prompt_tokens` (cached included), `usage.completion_tokens`,
  `usage.prompt_tokens_details.cached_tokens`, optional).
- anthropic: Messages API responses as a gateway logs them, with `created_at` (ISO 8601) added;
  `usage.input_tokens` counts only uncached input, so input = input_tokens +
  cache_creation_input_tokens + cache_read_input_tokens, cached = cache_read_input_tokens.
- otel: OpenTelemetry GenAI spans as JSON lines (the SDK's span JSON): `start_time` (ISO 8601),
  `attributes` with `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
  `gen_ai.request.model`, and `gen_ai.usage.cache_read.input_tokens` when present.
- csv: a header line `timestamp,model,input_tokens,output_tokens,cached_input_tokens`
  (timestamp ISO 8601, cached_input_tokens may be empty; other columns are allowed and may be
  grouped by).
"""

from __future__ import annotations

from dataclasses import dataclass, field

JsonPath = tuple[str, ...]


@dataclass(frozen=True)
class Format:
    name: str
    required: dict[str, tuple[JsonPath, str]]
    """Logical name -> (path, DuckDB type) of fields every line must carry."""
    optional: dict[str, tuple[JsonPath, str]] = field(default_factory=dict)
    """Fields that may be missing (null counts as 0)."""
    exprs: dict[str, str] = field(default_factory=dict)
    """SQL over the logical names for epoch_s, model, input, output, cached."""


OPENAI = Format(
    "openai",
    required={"created": (("created",), "BIGINT"), "model": (("model",), "VARCHAR"),
              "prompt": (("usage", "prompt_tokens"), "BIGINT"),
              "completion": (("usage", "completion_tokens"), "BIGINT")},
    optional={"cached": (("usage", "prompt_tokens_details", "cached_tokens"), "BIGINT")},
    exprs={"epoch_s": "created", "model": "model", "input": "prompt", "output": "completion",
           "cached": "coalesce(cached, 0)"})

ANTHROPIC = Format(
    "anthropic",
    required={"created_at": (("created_at",), "TIMESTAMP"), "model": (("model",), "VARCHAR"),
              "input_tokens": (("usage", "input_tokens"), "BIGINT"),
              "output_tokens": (("usage", "output_tokens"), "BIGINT")},
    optional={"cache_read": (("usage", "cache_read_input_tokens"), "BIGINT"),
              "cache_write": (("usage", "cache_creation_input_tokens"), "BIGINT")},
    exprs={"epoch_s": "epoch(created_at)::BIGINT", "model": "model",
           "input": "input_tokens + coalesce(cache_read, 0) + coalesce(cache_write, 0)",
           "output": "output_tokens", "cached": "coalesce(cache_read, 0)"})

OTEL = Format(
    "otel",
    required={"start_time": (("start_time",), "TIMESTAMP"),
              "model": (("attributes", "gen_ai.request.model"), "VARCHAR"),
              "in_tok": (("attributes", "gen_ai.usage.input_tokens"), "BIGINT"),
              "out_tok": (("attributes", "gen_ai.usage.output_tokens"), "BIGINT")},
    optional={"cache_read": (("attributes", "gen_ai.usage.cache_read.input_tokens"), "BIGINT")},
    exprs={"epoch_s": "epoch(start_time)::BIGINT", "model": "model", "input": "in_tok",
           "output": "out_tok", "cached": "coalesce(cache_read, 0)"})

CSV = Format(
    "csv",
    required={"timestamp": (("timestamp",), "TIMESTAMP"), "model": (("model",), "VARCHAR"),
              "input_tokens": (("input_tokens",), "BIGINT"),
              "output_tokens": (("output_tokens",), "BIGINT")},
    optional={"cached_input_tokens": (("cached_input_tokens",), "BIGINT")},
    exprs={"epoch_s": "epoch(timestamp)::BIGINT", "model": "model", "input": "input_tokens",
           "output": "output_tokens", "cached": "coalesce(cached_input_tokens, 0)"})

FORMATS = {f.name: f for f in (OPENAI, ANTHROPIC, OTEL, CSV)}
CSV_COLUMNS = ("timestamp", "model", "input_tokens", "output_tokens", "cached_input_tokens")


def detect(first_line: str, is_csv: bool) -> Format | None:
    """The format of a log from its first non-blank line (None when no format fits)."""
    import json

    if is_csv:
        return CSV
    try:
        obj = json.loads(first_line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    if isinstance(usage, dict) and "prompt_tokens" in usage:
        return OPENAI
    if isinstance(usage, dict) and "input_tokens" in usage:
        return ANTHROPIC
    attrs = obj.get("attributes")
    if isinstance(attrs, dict) and "gen_ai.usage.input_tokens" in attrs:
        return OTEL
    return None
