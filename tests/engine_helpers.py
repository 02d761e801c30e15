"""Tiny fully specified scenarios for engine tests, resolved without the shipped catalogs.

Engine tests must not move when catalog data changes, so every price here is given in the test.
"""

from __future__ import annotations

import copy

from tco.catalog.tariffs import resolve_tariffs
from tco.catalog.types import (
    OperatingPoint,
    PriceTier,
    Resolved,
    ResolvedApi,
    ResolvedGpu,
    ResolvedModel,
    ResolvedPurchase,
    ResolvedServing,
    TokenPrices,
)
from tco.scenario.schema import Scenario

BASE = {
    "name": "test",
    "horizon": {"start": "2027Q1", "periods": 4, "period": "quarter"},
    "finance": {"discount_rate": 0.0},
    "staffing": {"platform_engineers": 0, "cost_usd_per_year": 0, "gpus_per_engineer": 1000},
}


def scenario(**sections) -> Scenario:
    """A scenario from BASE with sections replaced (deep-copied)."""
    d = copy.deepcopy(BASE)
    for k, v in sections.items():
        if isinstance(v, dict) and isinstance(d.get(k), dict):
            d[k] = {**d[k], **v}
        else:
            d[k] = v
    return Scenario.model_validate(d)


def resolve_plain(s: Scenario) -> Resolved:
    """Resolve a scenario whose every API, GPU and model is given in full."""
    apis = []
    for a in s.apis:
        p = a.price
        rt = TokenPrices(p.input_usd_per_mtok,
                         p.cached_input_usd_per_mtok if p.cached_input_usd_per_mtok is not None
                         else p.input_usd_per_mtok, p.output_usd_per_mtok, "test",
                         p.cache_write_usd_per_mtok)
        batch = None
        if a.batch_discount is not None:
            k = 1 - a.batch_discount
            batch = TokenPrices(rt.input * k, rt.cached_input * k, rt.output * k, "test",
                                None if rt.cache_write is None else rt.cache_write * k)
        ft = None
        if a.fine_tuned_price is not None:
            q = a.fine_tuned_price
            ft = TokenPrices(q.input_usd_per_mtok, q.cached_input_usd_per_mtok
                             or q.input_usd_per_mtok, q.output_usd_per_mtok, "test")
        apis.append(ResolvedApi(id=a.id, provider=a.id.split("/")[0], quality=dict(a.quality),
                                context_window_tokens=a.context_window_tokens,
                                price_trend_per_year=a.price_trend_per_year,
                                tiers=(PriceTier(0, rt, batch),), fine_tuned=ft))
    gpus = []
    for g in s.gpus:
        pur = None
        if g.purchase is not None:
            p = g.purchase
            decline = p.resale.decline_per_year if p.resale is not None else None
            pur = ResolvedPurchase(p.price_usd, p.life_years, p.power_kw or 0.0,
                                   p.facility_usd_per_kw_month or 0.0,
                                   p.electricity_usd_per_kwh or 0.0, p.pue or 1.0, decline)
        res = {}
        if g.reserved_usd_per_hour is not None:
            r = g.reserved_usd_per_hour
            res = {k: v for k, v in (("1y", r.one_year), ("3y", r.three_year)) if v is not None}
        gpus.append(ResolvedGpu(g.name, g.memory_gb or 80, g.on_demand_usd_per_hour, res, pur,
                                g.max_gpus, lead_time_periods=g.lead_time_periods,
                                # Recurring GPU costs only where the test gives them (no
                                # catalog defaults here).
                                support_share_per_year=g.support_share_per_year or 0.0,
                                software_usd_per_gpu_year=g.software_usd_per_gpu_year or 0.0,
                                network_storage_usd_per_gpu_year=(
                                    g.network_storage_usd_per_gpu_year or 0.0)))
    models = []
    for m in s.open_models:
        serving = {}
        for gname, sv in m.serving.items():
            serving[gname] = ResolvedServing(
                sv.gpus_per_replica,
                OperatingPoint(sv.interactive.prefill_tokens_per_s,
                               sv.interactive.decode_tokens_per_s),
                OperatingPoint(sv.batch.prefill_tokens_per_s, sv.batch.decode_tokens_per_s))
        models.append(ResolvedModel(m.name, dict(m.quality), m.context_window_tokens or 128000,
                                    serving))
    tariffs, problems = resolve_tariffs(s)
    assert not problems, problems
    ops = s.api_operations
    return Resolved(tuple(apis), tuple(models), tuple(gpus),
                    {"source": "test", "version": "-", "date": "-"}, tariffs,
                    (ops.usd_per_provider_per_year or 0.0, ops.usd_per_workload_per_year or 0.0))


def api(id: str, inp: float, out: float, cached: float | None = None, quality: float = 80,
        **extra) -> dict:
    """An API entry with a full quote and a chat quality score."""
    price = {"input_usd_per_mtok": inp, "output_usd_per_mtok": out}
    if cached is not None:
        price["cached_input_usd_per_mtok"] = cached
    return {"id": id, "price": price, "quality": {"chat": quality}, **extra}


def workload(name: str = "w", rpm: float = 1e6, inp: float = 1000, out: float = 100,
             **extra) -> dict:
    """A chat workload with round numbers."""
    return {"name": name, "task": "chat", "requests_per_month": rpm, "input_tokens": inp,
            "output_tokens": out, **extra}


def model(name: str = "m", gpu: str = "g", gpus: int = 1, prefill: float = 1e4,
          decode: float = 1e3, quality: float = 80) -> dict:
    """An open model with the same throughput at both operating points."""
    point = {"prefill_tokens_per_s": prefill, "decode_tokens_per_s": decode}
    return {"name": name, "quality": {"chat": quality}, "context_window_tokens": 128000,
            "serving": {gpu: {"gpus_per_replica": gpus, "interactive": point, "batch": point}}}
