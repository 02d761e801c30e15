"""Tariffs: the vendors' offers besides pay-as-you-go list prices, resolved for the engine.

A scenario tariff whose `name` matches a shipped reference tariff (tco/data/tariffs.yaml, `tco
catalog tariffs`) takes every field it leaves out from it; a field given wins. Each kind then
needs its own fields (and no other kind's):

- two_part: fee_usd_per_month, and a discount, per-API prices or volume tiers (or none: a fee
  for list prices, which the plan never takes unless it costs nothing).
- commit: commit_usd_per_month (settled each period) or commit_usd_per_year (settled at the end
  of each year of the term), and discount.
- provisioned: api, term, usd_per_unit_term, input_tokens_per_minute_per_unit (min_units and
  unit_step default 1, output_token_weight 1, cached tokens use no capacity).
- service_tier: tier (priority or flex) and price_multiplier.

Every problem is collected and located at the scenario field, like the rest of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tco.catalog.data import load
from tco.errors import Problem
from tco.scenario.schema import TERM_HOURS, Scenario

KIND_FIELDS = {
    "two_part": {"fee_usd_per_month", "discount", "prices", "tiers", "term"},
    "commit": {"commit_usd_per_month", "commit_usd_per_year", "discount", "term"},
    "provisioned": {"api", "term", "usd_per_unit_term", "min_units", "unit_step", "max_units",
                    "input_tokens_per_minute_per_unit", "output_token_weight",
                    "cached_tokens_count"},
    "service_tier": {"tier", "price_multiplier", "latencies"},
}
REQUIRED = {
    "two_part": ("fee_usd_per_month",),
    "commit": ("discount",),
    "provisioned": ("api", "term", "usd_per_unit_term", "input_tokens_per_minute_per_unit"),
    "service_tier": ("tier", "price_multiplier"),
}
COMMON = {"name", "kind", "provider", "source"}
DEFAULT_TERM = {"two_part": "1m", "commit": "1y"}
DEFAULT_LATENCIES = {"flex": ("standard", "batch"), "priority": ("interactive", "standard")}


@dataclass(frozen=True)
class PlanPrices:
    """Realtime token prices a two_part tariff sets for one API, USD per 1M."""

    input: float
    cached_input: float
    output: float


@dataclass(frozen=True)
class ResolvedTariff:
    """One tariff, complete. Money in USD; only the fields of its kind are meaningful."""

    name: str
    kind: str
    provider: str
    source: str
    term_hours: int = 730
    fee_usd_per_month: float = 0.0
    discount: float = 0.0
    prices: dict[str, PlanPrices] = field(default_factory=dict)
    tiers: tuple[tuple[float, float], ...] = ()
    """(above_usd_per_month, discount), ascending; (above_mtok_per_month, discount) when
    `tiers_by_tokens`."""
    tiers_by_tokens: bool = False
    """two_part: tiers are thresholds of monthly tokens (the highest reached discounts all the
    spend), not marginal bands of spend."""
    commit_usd_per_month: float = 0.0
    """A yearly commitment's twelfth when `settled_yearly`."""
    settled_yearly: bool = False
    """commit: the shortfall is settled over each year of the term, not each period."""
    api: str | None = None
    usd_per_unit_term: float = 0.0
    min_units: int = 1
    unit_step: int = 1
    max_units: int | None = None
    input_tokens_per_minute_per_unit: float = 0.0
    output_token_weight: float = 1.0
    cached_tokens_count: bool = False
    tier: str | None = None
    price_multiplier: float = 1.0
    latencies: tuple[str, ...] = ()


@cache
def reference() -> dict[str, dict[str, Any]]:
    """Shipped reference tariffs by name, each field's value with its source and date."""
    return {row["name"]: row for row in load("tariffs")["tariffs"]}


def reference_fields(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A shipped tariff's fields as plain values, and its source text."""
    values = {k: v for k, v in row.items() if k not in ("source", "date", "assumption")}
    prefix = "assumption: " if row.get("assumption") else ""
    return values, f"tco catalog: {prefix}{row['source']} ({row['date']})"


def resolve_tariffs(scenario: Scenario) -> tuple[tuple[ResolvedTariff, ...], list[Problem]]:
    """Every tariff of the scenario, complete, and the problems that prevent any."""
    out, problems = [], []
    providers = {_provider(a.id) for a in scenario.apis}
    api_ids = {a.id: _provider(a.id) for a in scenario.apis}
    seen: set[str] = set()
    tiers_seen: set[tuple[str, str]] = set()
    for i, t in enumerate(scenario.tariffs):
        where = ("tariffs", i)
        if t.name in seen:
            problems.append(Problem(where + ("name",), f"tariff '{t.name}' is named twice"))
            continue
        seen.add(t.name)
        given = t.model_dump(exclude_none=True)
        source = given.pop("source", None)
        ref = reference().get(t.name)
        if ref is not None:
            values, ref_source = reference_fields(ref)
            given = {**values, **given}
            source = ref_source if source is None else f"{source}; other fields {ref_source}"
        tariff, errs = _complete(given, source, where, providers, api_ids)
        problems += errs
        if tariff is None:
            continue
        if tariff.kind == "service_tier":
            key = (tariff.provider, tariff.tier)
            if key in tiers_seen:
                problems.append(Problem(where + ("tier",), f"provider {tariff.provider} has two "
                                                          f"{tariff.tier} tiers"))
                continue
            tiers_seen.add(key)
        out.append(tariff)
    return tuple(out), problems


def _provider(api_id: str) -> str:
    return api_id.partition("/")[0] if "/" in api_id else api_id


def _complete(given: dict[str, Any], source: str | None, where: tuple, providers: set[str],
              api_ids: dict[str, str]) -> tuple[ResolvedTariff | None, list[Problem]]:
    problems: list[Problem] = []
    kind = given.get("kind")
    if kind is None:
        return None, [Problem(where + ("kind",), "a tariff needs kind: two_part, commit, "
                                                 "provisioned or service_tier (or the name of a "
                                                 "shipped tariff: tco catalog tariffs)")]
    provider = given.get("provider")
    if provider is None:
        problems.append(Problem(where + ("provider",), "a tariff needs the provider selling it"))
    elif provider not in providers:
        problems.append(Problem(where + ("provider",),
                                f"no API of provider '{provider}' is listed under apis "
                                f"(providers: {', '.join(sorted(providers)) or 'none'})"))
    fields = ", ".join(sorted(KIND_FIELDS[kind]))
    for name in sorted(set(given) - KIND_FIELDS[kind] - COMMON):
        problems.append(Problem(where + (name,), f"'{name}' does not apply to a {kind} tariff "
                                                 f"(fields: {fields})"))
    for name in REQUIRED[kind]:
        if given.get(name) is None:
            problems.append(Problem(where + (name,), f"a {kind} tariff needs {name}"))
    if kind == "two_part":
        problems += _check_two_part(given, where, provider, api_ids)
    if kind == "commit":
        both = [k for k in ("commit_usd_per_month", "commit_usd_per_year") if k in given]
        if len(both) != 1:
            problems.append(Problem(where + ("commit_usd_per_month",),
                                    "a commit tariff needs commit_usd_per_month or "
                                    "commit_usd_per_year" + (" (not both)" if both else "")))
    if kind == "provisioned" and given.get("api") is not None:
        api = given["api"]
        if api not in api_ids:
            problems.append(Problem(where + ("api",), f"'{api}' is not listed under apis"))
        elif provider is not None and api_ids[api] != provider:
            problems.append(Problem(where + ("api",), f"'{api}' is not sold by {provider}"))
    if kind == "provisioned":
        lo, hi = given.get("min_units") or 1, given.get("max_units")
        if hi is not None and hi < lo:
            problems.append(Problem(where + ("max_units",), f"max_units {hi} is below "
                                                            f"min_units {lo}"))
    if problems:
        return None, problems
    term = given.get("term") or DEFAULT_TERM.get(kind, "1m")
    by_tokens = any(x.get("above_mtok_per_month") is not None for x in given.get("tiers") or ())
    start = "above_mtok_per_month" if by_tokens else "above_usd_per_month"
    tiers = tuple(sorted((float(x[start]), float(x["discount"]))
                         for x in given.get("tiers") or ()))
    prices = {k: PlanPrices(float(v["input_usd_per_mtok"]),
                            float(v.get("cached_input_usd_per_mtok")
                                  if v.get("cached_input_usd_per_mtok") is not None
                                  else v["input_usd_per_mtok"]),
                            float(v["output_usd_per_mtok"]))
              for k, v in (given.get("prices") or {}).items()}
    tier = given.get("tier")
    return ResolvedTariff(
        name=given["name"], kind=kind, provider=provider,
        source=source or "scenario (no source given)", term_hours=TERM_HOURS[term],
        fee_usd_per_month=float(given.get("fee_usd_per_month") or 0.0),
        discount=float(given.get("discount") or 0.0), prices=prices, tiers=tiers,
        tiers_by_tokens=by_tokens,
        commit_usd_per_month=float(given.get("commit_usd_per_month")
                                   or (given.get("commit_usd_per_year") or 0.0) / 12.0),
        settled_yearly="commit_usd_per_year" in given,
        api=given.get("api"), usd_per_unit_term=float(given.get("usd_per_unit_term") or 0.0),
        min_units=int(given.get("min_units") or 1), unit_step=int(given.get("unit_step") or 1),
        max_units=given.get("max_units"),
        input_tokens_per_minute_per_unit=float(given.get("input_tokens_per_minute_per_unit")
                                               or 0.0),
        output_token_weight=float(given.get("output_token_weight") or 1.0),
        cached_tokens_count=bool(given.get("cached_tokens_count", False)),
        tier=tier, price_multiplier=float(given.get("price_multiplier") or 1.0),
        latencies=tuple(given.get("latencies") or DEFAULT_LATENCIES.get(tier, ())),
    ), []


def _check_two_part(given: dict, where: tuple, provider: str | None,
                    api_ids: dict[str, str]) -> list[Problem]:
    problems = []
    prices = given.get("prices") or {}
    if prices and given.get("tiers"):
        problems.append(Problem(where + ("tiers",), "volume tiers discount list prices: give "
                                                    "either prices or tiers, not both"))
    for api, q in prices.items():
        if api not in api_ids:
            problems.append(Problem(where + ("prices", api), f"'{api}' is not listed under apis"))
        elif provider is not None and api_ids[api] != provider:
            problems.append(Problem(where + ("prices", api), f"'{api}' is not sold by {provider}"))
        for k in ("input_usd_per_mtok", "output_usd_per_mtok"):
            if q.get(k) is None:
                problems.append(Problem(where + ("prices", api, k), f"a two_part price needs {k}"))
    tiers = given.get("tiers") or []
    by_tokens = [x.get("above_mtok_per_month") is not None for x in tiers]
    if any(by_tokens) and not all(by_tokens):
        problems.append(Problem(where + ("tiers",), "tiers start either at a spend or at a "
                                                    "volume of tokens (expected one kind for "
                                                    "every tier of a tariff)"))
        return problems
    key, unit = (("above_mtok_per_month", "M tokens") if any(by_tokens)
                 else ("above_usd_per_month", "USD"))
    starts = [x[key] for x in tiers]
    if len(set(starts)) != len(starts):
        problems.append(Problem(where + ("tiers",), "two tiers start at the same "
                                                    + ("volume" if any(by_tokens) else "spend")))
    if any(s <= 0 for s in starts):
        problems.append(Problem(where + ("tiers",), f"a tier starts above 0 {unit} per month "
                                                    "(the volume below the first tier gets "
                                                    "`discount`)"))
    if any(by_tokens):
        ordered = [given.get("discount") or 0.0] + [x["discount"] for x in
                                                    sorted(tiers, key=lambda x: x[key])]
        if any(b < a for a, b in zip(ordered, ordered[1:])):
            problems.append(Problem(where + ("tiers",), "a tier by tokens discounts all the "
                                                        "month's spend: its discount must not "
                                                        "fall as the volume rises (expected "
                                                        "discounts rising with "
                                                        "above_mtok_per_month)"))
    return problems


def listing(provider: str | None = None) -> list[dict[str, Any]]:
    """Rows for `tco catalog tariffs`: each shipped tariff, its terms in one line, its source."""
    rows = []
    for name, row in reference().items():
        if provider and row["provider"].lower() != provider.lower():
            continue
        values, source = reference_fields(row)
        if row["kind"] == "provisioned":
            terms = (f"${values['usd_per_unit_term']:,g} per unit per {values['term']}; min "
                     f"{values.get('min_units', 1)} step {values.get('unit_step', 1)}; "
                     f"{values['input_tokens_per_minute_per_unit']:,g} input tokens/min per unit, "
                     f"output x{values.get('output_token_weight', 1):g}, cached tokens "
                     f"{'count' if values.get('cached_tokens_count') else 'free'}")
        elif row["kind"] == "service_tier":
            terms = f"{values['tier']}: x{values['price_multiplier']:g} standard prices"
        else:
            terms = ", ".join(f"{k} {v}" for k, v in values.items()
                              if k not in ("name", "kind", "provider"))
        rows.append(dict(name=name, kind=row["kind"], provider=row["provider"],
                         api=row.get("api"), term=row.get("term"), terms=terms,
                         source=source.removeprefix("tco catalog: ")))
    return rows
