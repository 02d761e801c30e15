"""API prices from the genai-prices snapshot shipped inside that package, never from the network.

Only `genai_prices.data.providers` is read: the data bundled in the installed wheel. Nothing here
calls `UpdatePrices` or `get_snapshot()` (which could return a snapshot fetched at run time), so a
plan is reproducible from the package version alone, and that version and the snapshot's date
are recorded in the results.

Price semantics follow genai-prices: USD per 1M tokens; a context-length tier applies to every
token of a request whose input exceeds the tier's start; a price variant `{processing: batch}`
overrides, key by key, the standard prices of a model (keys it leaves out keep the standard
price). A price missing from the data is an error or, for cached input, the input price (no
cache discount) with a note in the source: never zero.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from tco.catalog.data import load
from tco.catalog.types import PriceTier, ResolvedApi, TokenPrices
from tco.errors import Problem
from tco.scenario.schema import Api, ApiPriceQuote

BATCH = {"processing": "batch"}
_OBSERVED = re.compile(
    r"(?:verified|checked|confirmed|launched|listed|as of|observed)[^.;]{0,40}?(\d{4}-\d{2}-\d{2})",
    re.IGNORECASE)


@cache
def providers() -> tuple[Any, ...]:
    """The providers of the snapshot bundled in the installed genai-prices (no network)."""
    from genai_prices.data import providers as bundled

    return tuple(bundled)


@cache
def snapshot_info() -> dict[str, str]:
    """`{source, version, date}` of the bundled price data, for results and reports.

    The wheel carries no build date, so the date is the latest day the snapshot's own notes say
    a price was verified, checked or launched: the freshest observation the data contains.
    """
    from genai_prices import __version__

    seen = [d for p in providers() for text in _comments(p) for d in _OBSERVED.findall(text)]
    return {"source": "genai-prices", "version": __version__,
            "date": max(seen) if seen else "unknown"}


def snapshot_date() -> date | None:
    """The snapshot's date as a `date` (None when the data states none)."""
    try:
        return date.fromisoformat(snapshot_info()["date"])
    except ValueError:
        return None


def _comments(provider: Any) -> list[str]:
    """The free-text notes of a provider and its models."""
    texts = [provider.price_comments] + [m.price_comments for m in provider.models]
    return [t for t in texts if t]


@cache
def known_ids() -> tuple[str, ...]:
    """Every `provider/model` id in the snapshot."""
    return tuple(f"{p.id}/{m.id}" for p in providers() for m in p.models)


def find(api_id: str) -> tuple[Any, Any] | None:
    """The snapshot's (provider, model) for `provider/model`, by model id or its match rule."""
    provider_id, sep, model_ref = api_id.partition("/")
    if not sep:
        return None
    provider = next((p for p in providers() if p.id.lower() == provider_id.lower()), None)
    if provider is None:
        return None
    for m in provider.models:
        if m.id == model_ref:
            return provider, m
    for m in provider.models:
        if m.is_match(model_ref):
            return provider, m
    return None


def did_you_mean(api_id: str) -> str:
    """` (did you mean a, b?)` with the closest known ids, or '' when none is close."""
    ids = known_ids()
    close = difflib.get_close_matches(api_id.lower(), ids, n=3, cutoff=0.6)
    if not close:  # the provider may be wrong: compare model parts too
        model = api_id.partition("/")[2] or api_id
        by_model = {i.partition("/")[2]: i for i in ids}
        close = [by_model[m] for m in difflib.get_close_matches(model, by_model, n=3, cutoff=0.75)]
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _active(constraint: Any, when: date) -> bool:
    """Whether a genai-prices constraint holds on `when`.

    Time-of-day constraints (off-peak discounts) are treated as inactive: a plan buys round the
    clock, so the standard price is the safe one.
    """
    if constraint is None:
        return True
    start = getattr(constraint, "start_date", None)
    return start is not None and when >= start


def standard_prices(model: Any, when: date) -> Any:
    """The model's standard `ModelPrice` in force on `when` (the last active conditional price)."""
    if not isinstance(model.prices, list):
        return model.prices
    chosen = model.prices[0].prices
    for conditional in reversed(model.prices):
        if _active(conditional.constraint, when):
            return conditional.prices
    return chosen


def batch_prices(model: Any, when: date) -> dict[str, Any] | None:
    """Price keys a batch variant overrides on `when` (first active variant wins per key)."""
    out: dict[str, Any] = {}
    for variant in model.price_variants or ():
        if variant.when == BATCH and _active(variant.constraint, when):
            for key, value in variant.prices.__dict__.items():
                if value is not None:
                    out.setdefault(key, value)
    return out or None


def _at(price: Any, min_input_tokens: int) -> float | None:
    """A (possibly tiered) price for requests of `min_input_tokens` input tokens and up."""
    if price is None:
        return None
    if isinstance(price, Decimal):
        return float(price)
    applied = price.base
    for tier in price.tiers:  # a tier applies above its start (genai-prices: input > start)
        if min_input_tokens > tier.start:
            applied = tier.price
    return float(applied)


def _tier_starts(*prices: Any) -> list[int]:
    """First input-token counts of each tier across all price keys: 0 and each start + 1."""
    starts = {0}
    for price in prices:
        for tier in getattr(price, "tiers", None) or ():
            starts.add(tier.start + 1)
    return sorted(starts)


@dataclass(frozen=True)
class _Raw:
    """Input, cached input and output of one tier before checks, with notes on their origin."""

    input: float | None
    cached: float | None
    output: float | None
    notes: tuple[str, ...] = ()
    write: float | None = None
    """Cache-write price (None: the input price)."""


def _apply_quote(raw: _Raw, quote: ApiPriceQuote | None) -> _Raw:
    """Each price the scenario quotes replaces the snapshot's."""
    if quote is None:
        return raw
    notes = list(raw.notes)
    given = {k: v for k, v in (("input", quote.input_usd_per_mtok),
                               ("cached input", quote.cached_input_usd_per_mtok),
                               ("output", quote.output_usd_per_mtok),
                               ("cache write", quote.cache_write_usd_per_mtok)) if v is not None}
    if given:
        notes.append(f"{', '.join(given)}: scenario quote")
    write = given.get("cache write", raw.write)
    if "input" in given and "cache write" not in given and write is not None:
        # The snapshot's write premium is relative to its list input price: keep the ratio.
        write = write * given["input"] / raw.input if raw.input else None
    return _Raw(given.get("input", raw.input), given.get("cached input", raw.cached),
                given.get("output", raw.output), tuple(notes), write)


def _finish(raw: _Raw, base_source: str) -> TokenPrices:
    """TokenPrices from a checked raw tier; cached input falls back to input, never to zero."""
    notes = list(raw.notes)
    cached = raw.cached
    if cached is None:
        cached = raw.input
        notes.append("cached input = input (no cache price in the data: no cache discount)")
    source = base_source + ("; " + "; ".join(notes) if notes else "")
    write = None if raw.write is None else float(raw.write)
    return TokenPrices(input=float(raw.input), cached_input=float(cached),
                       output=float(raw.output), source=source, cache_write=write)


def _discounted(prices: TokenPrices, discount: float, why: str) -> TokenPrices:
    """Batch prices as a discount on input, cached input and output alike."""
    keep = 1.0 - discount
    write = None if prices.cache_write is None else prices.cache_write * keep
    return TokenPrices(prices.input * keep, prices.cached_input * keep, prices.output * keep,
                       f"{prices.source}; batch: {discount:.0%} off all token prices ({why})",
                       write)


@cache
def batch_discount_table() -> dict[str, tuple[float, str]]:
    """Provider -> (batch discount, `source (date)`) from tco/data/apis.yaml."""
    return {row["provider"]: (float(row["discount"]), f"{row['source']} ({row['date']})")
            for row in load("apis")["batch_discounts"]}


@cache
def fine_tuned_table() -> dict[str, dict[str, Any]]:
    """API id -> fine-tuned inference price row from tco/data/apis.yaml."""
    return {row["api"]: row for row in load("apis")["fine_tuned"]}


def snapshot_source() -> str:
    """`genai-prices <version> (<date>)`: the source of every price read from the snapshot."""
    info = snapshot_info()
    return f"genai-prices {info['version']} ({info['date']})"


def _snapshot_tiers(model: Any, when: date) -> list[tuple[int, _Raw, _Raw | None]]:
    """Per context tier: (min input tokens, realtime raw prices, batch-variant raw prices)."""
    std = standard_prices(model, when)
    batch = batch_prices(model, when)
    keys = ("input_mtok", "cache_read_mtok", "output_mtok", "cache_write_mtok")
    std_values = [getattr(std, k, None) for k in keys]
    batch_values = [batch.get(k, v) if batch else None for k, v in zip(keys, std_values)]
    out = []
    for start in _tier_starts(*std_values, *batch_values):
        r_in, r_cached, r_out, r_write = (_at(v, start) for v in std_values)
        rt = _Raw(r_in, r_cached, r_out, (), r_write)
        bt = None
        if batch:
            notes = ()
            b_in, b_cached, b_out, b_write = (_at(v, start) for v in batch_values)
            if "cache_write_mtok" not in batch and b_write is not None and b_in and r_in:
                b_write *= b_in / r_in  # the variant's discount on input applies to writes too
            if "cache_read_mtok" not in batch and b_cached is not None:
                notes = ("batch cached input: the standard cache price "
                         "(the batch variant gives none)",)
                if b_in is not None and b_cached > b_in:
                    b_cached = b_in
            bt = _Raw(b_in, b_cached, b_out, ("batch price variant",) + notes, b_write)
        out.append((start, rt, bt))
    return out


def _missing(raw: _Raw) -> list[str]:
    """Names of the prices a tier cannot do without."""
    return [name for name, v in (("input", raw.input), ("output", raw.output)) if v is None]


def resolve_api(api: Api, index: int, when: date) -> tuple[ResolvedApi | None, list[Problem]]:
    """One scenario API resolved against the snapshot, or the problems that prevent it."""
    where = ("apis", index, "id")
    found = find(api.id)
    quote = api.price
    if found is None:
        full = quote is not None and None not in (quote.input_usd_per_mtok,
                                                  quote.output_usd_per_mtok)
        if not full:
            return None, [Problem(where, f"unknown API '{api.id}' in {snapshot_source()}"
                                         f"{did_you_mean(api.id)}; a private API needs "
                                         "price.input_usd_per_mtok and price.output_usd_per_mtok")]
        return _private(api), []
    provider, model = found
    problems: list[Problem] = []
    tiers = []
    for start, rt_raw, bt_raw in _snapshot_tiers(model, when):
        missing = _missing(_apply_quote(rt_raw, quote))
        if missing:
            note = f" ({model.price_comments})" if model.price_comments else ""
            problems.append(Problem(where, f"{api.id} has no {' or '.join(missing)} price in "
                                           f"{snapshot_source()}{note}; give it under price:"))
            break
        list_input = _at(getattr(standard_prices(model, when), "input_mtok", None), start)
        realtime = _finish(_apply_quote(rt_raw, quote), snapshot_source())
        tiers.append(PriceTier(start, realtime,
                               _batch(api, provider.id, realtime, bt_raw, list_input)))
    if problems:
        return None, problems
    ft, ft_problems = _fine_tuned(api, index, f"{provider.id}/{model.id}", provider, when)
    return ResolvedApi(
        id=api.id, provider=provider.id, quality=dict(api.quality),
        context_window_tokens=api.context_window_tokens or model.context_window,
        price_trend_per_year=api.price_trend_per_year, tiers=tuple(tiers), fine_tuned=ft,
    ), ft_problems


def _batch(api: Api, provider_id: str, realtime: TokenPrices, variant: _Raw | None,
           list_input: float | None) -> TokenPrices | None:
    """Batch prices: scenario discount, else the snapshot's variant, else the provider table.

    With a negotiated quote, the variant's list prices no longer fit: its discount on the list
    input price is applied to the quoted prices instead.
    """
    if api.batch_discount is not None:
        return _discounted(realtime, api.batch_discount, "scenario batch_discount")
    if variant is not None and not _missing(variant):
        quoted = api.price is not None and any(
            v is not None for v in (api.price.input_usd_per_mtok, api.price.output_usd_per_mtok,
                                    api.price.cached_input_usd_per_mtok))
        if not quoted:
            raw = _Raw(variant.input, variant.cached if variant.cached is not None
                       else realtime.cached_input, variant.output, variant.notes, variant.write)
            return _finish(raw, snapshot_source())
        if list_input:
            return _discounted(realtime, 1.0 - variant.input / list_input,
                               "the snapshot batch variant's discount applied to the quote")
    table = batch_discount_table().get(provider_id)
    if table is None:
        return None
    return _discounted(realtime, table[0], table[1])


def _private(api: Api) -> ResolvedApi:
    """An API absent from the snapshot, priced entirely by the scenario's quote."""
    q = api.price
    raw = _Raw(q.input_usd_per_mtok, q.cached_input_usd_per_mtok, q.output_usd_per_mtok, (),
               q.cache_write_usd_per_mtok)
    realtime = _finish(raw, "scenario quote (private API, not in genai-prices)")
    batch = (_discounted(realtime, api.batch_discount, "scenario batch_discount")
             if api.batch_discount is not None else None)
    ft = _quote_prices(api.fine_tuned_price, None, "scenario fine_tuned_price")
    return ResolvedApi(
        id=api.id, provider=api.id.partition("/")[0] if "/" in api.id else api.id,
        quality=dict(api.quality), context_window_tokens=api.context_window_tokens,
        price_trend_per_year=api.price_trend_per_year,
        tiers=(PriceTier(0, realtime, batch),), fine_tuned=ft)


def _quote_prices(quote: ApiPriceQuote | None, base: _Raw | None,
                  source: str) -> TokenPrices | None:
    """TokenPrices from a quote filled from `base`; None when input or output stays unknown."""
    raw = base or _Raw(None, None, None)
    if quote is not None:
        raw = _apply_quote(raw, quote)
    if _missing(raw):
        return None
    return _finish(raw, source)


def _fine_tuned(api: Api, index: int, canonical: str, provider: Any,
                when: date) -> tuple[TokenPrices | None, list[Problem]]:
    """Fine-tuned inference prices: scenario quote over snapshot over tco/data/apis.yaml."""
    row = fine_tuned_table().get(api.id) or fine_tuned_table().get(canonical)
    base, source = None, "scenario fine_tuned_price"
    if row is not None:
        base, source = _fine_tuned_row(row, provider, when)
    prices = _quote_prices(api.fine_tuned_price, base, source)
    if api.fine_tuned_price is not None and prices is None:
        return None, [Problem(("apis", index, "fine_tuned_price"),
                              f"{api.id} sells no fine-tuning in the catalog: give both "
                              "input_usd_per_mtok and output_usd_per_mtok")]
    return prices, []


def _fine_tuned_row(row: dict[str, Any], provider: Any, when: date) -> tuple[_Raw, str]:
    """A fine-tuned price row, taking the snapshot's figures when its model is there."""
    snap = next((m for m in provider.models if m.id == row.get("snapshot_model")), None)
    if snap is not None:
        std = standard_prices(snap, when)
        raw = _Raw(_at(std.input_mtok, 0), _at(std.cache_read_mtok, 0), _at(std.output_mtok, 0))
        if not _missing(raw):
            return raw, f"{snapshot_source()} {provider.id}/{snap.id}"
    raw = _Raw(row.get("input"), row.get("cached_input"), row.get("output"))
    return raw, f"tco catalog: {row['source']} ({row['date']})"


def listing(provider: str | None = None, search: str | None = None,
            when: date | None = None) -> list[dict[str, Any]]:
    """Rows for `tco catalog apis`: realtime and batch prices of the first tier per model."""
    when = when or snapshot_date() or date.today()
    rows = []
    for p in providers():
        if provider and p.id.lower() != provider.lower():
            continue
        for m in p.models:
            api_id = f"{p.id}/{m.id}"
            if search and search.lower() not in api_id.lower() and search.lower() not in (
                    m.name or "").lower():
                continue
            resolved, problems = resolve_api(Api(id=api_id), 0, when)
            rows.append(_listing_row(api_id, m, resolved))
    return rows


def _listing_row(api_id: str, model: Any, resolved: ResolvedApi | None) -> dict[str, Any]:
    """One listing row; prices None when the snapshot cannot price the model."""
    row: dict[str, Any] = {"id": api_id, "context_window_tokens": model.context_window,
                           "input": None, "cached_input": None, "output": None,
                           "batch_input": None, "batch_output": None, "tiers": 0,
                           "fine_tuned": None, "source": snapshot_source()}
    if resolved is None:
        row["source"] = "not priced: " + (model.price_comments or "no input/output price")
        return row
    first = resolved.tiers[0]
    row.update(input=first.realtime.input, cached_input=first.realtime.cached_input,
               output=first.realtime.output, tiers=len(resolved.tiers),
               source=first.realtime.source)
    if first.batch is not None:
        row.update(batch_input=first.batch.input, batch_output=first.batch.output)
    if resolved.fine_tuned is not None:
        row["fine_tuned"] = f"{resolved.fine_tuned.input:g}/{resolved.fine_tuned.output:g}"
    return row
