"""The GPU catalog (tco/data/gpus.yaml) and the resolution of a scenario's `gpus:` entries.

A scenario GPU named like a catalog entry takes every field it leaves out from the catalog,
nested purchase fields one by one (overriding only `purchase.price_usd` keeps the catalog's
life and power). An unknown name is a custom GPU and must give what the engine needs.
Reserved prices are derived from on-demand by the site's commitment discounts (assumptions,
stated as such in the sources).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from tco.catalog.data import Sourced, load, sourced
from tco.catalog.types import ResolvedGpu, ResolvedPurchase
from tco.errors import Problem
from tco.scenario.schema import Gpu

PURCHASE_FIELDS = ("price_usd", "life_years", "power_kw", "facility_usd_per_kw_month",
                   "electricity_usd_per_kwh", "pue")
SITE_FIELDS = ("life_years", "facility_usd_per_kw_month", "electricity_usd_per_kwh", "pue")


@dataclass(frozen=True)
class CatalogGpu:
    """One catalog GPU with every figure sourced."""

    name: str
    description: str
    fields: dict[str, Sourced]
    """memory_gb, memory_bandwidth_tb_s, bf16_tflops, fp8_tflops, nvlink, on_demand_usd_per_hour,
    reserved_1y, reserved_3y and the purchase fields (price_usd, life_years, ...)."""

    def value(self, key: str) -> Any:
        """The value of a field (None when the catalog lacks it)."""
        item = self.fields.get(key)
        return None if item is None else item.value


@cache
def site() -> dict[str, Sourced]:
    """Site-level figures shared by every owned GPU: facility, electricity, PUE, life, discounts."""
    return {k: sourced(v) for k, v in load("gpus")["site"].items()}


def _reserved(on_demand: Sourced, term: str) -> Sourced:
    """A reserved price as on-demand less the site's commitment discount for `term`."""
    d = site()[f"reserved_{term}_discount"]
    return Sourced(round(on_demand.value * (1 - d.value), 4),
                   f"on-demand {on_demand.value} x (1 - {d.value}) [{d.source}]",
                   d.date, assumption=True)


@cache
def catalog() -> dict[str, CatalogGpu]:
    """Every catalog GPU by name, reserved and site-level purchase fields filled in."""
    out = {}
    for name, raw in load("gpus")["gpus"].items():
        fields = {k: sourced(v) for k, v in raw.items() if isinstance(v, dict)}
        fields["price_usd"] = fields.pop("purchase_price_usd")
        for term in ("1y", "3y"):
            fields[f"reserved_{term}"] = _reserved(fields["on_demand_usd_per_hour"], term)
        for key in SITE_FIELDS:
            fields[key] = site()[key]
        out[name] = CatalogGpu(name, raw.get("description", name), fields)
    return out


def did_you_mean(name: str, known: list[str]) -> str:
    """` (did you mean x?)` with the closest catalog names, or ''."""
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _pick(given: Any, cat: CatalogGpu | None, key: str, sources: dict[str, str],
          label: str) -> Any:
    """The scenario's value if given, else the catalog's; records where it came from."""
    if given is not None:
        sources[label] = "scenario"
        return given
    if cat is not None and key in cat.fields:
        sources[label] = cat.fields[key].cite()
        return cat.value(key)
    return None


def _purchase(gpu: Gpu, cat: CatalogGpu | None, sources: dict[str, str],
              missing: list[str]) -> ResolvedPurchase | None:
    """Owning costs merged field by field; site figures fill a custom GPU's site fields."""
    given = gpu.purchase
    if given is None and cat is None:
        return None
    values = {}
    for f in PURCHASE_FIELDS:
        v = _pick(getattr(given, f, None) if given else None, cat, f, sources, f"purchase.{f}")
        if v is None and f in SITE_FIELDS:
            sources[f"purchase.{f}"] = site()[f].cite()
            v = site()[f].value
        values[f] = v
    lacking = [f"purchase.{f}" for f, v in values.items() if v is None]
    if lacking:
        missing.extend(lacking)
        return None
    decline = None
    if given is not None and given.resale is not None:
        decline = given.resale.decline_per_year
        if decline is None:
            fig = site()["resale_decline_per_year"]
            decline = fig.value
            sources["purchase.resale.decline_per_year"] = fig.cite()
        else:
            sources["purchase.resale.decline_per_year"] = "scenario"
    return ResolvedPurchase(**{k: float(v) for k, v in values.items()},
                            resale_decline_per_year=None if decline is None else float(decline))


def resolve_gpu(gpu: Gpu, index: int) -> tuple[ResolvedGpu | None, list[Problem]]:
    """One scenario GPU: catalog fields under the scenario's, or the problems found."""
    cat = catalog().get(gpu.name)
    sources: dict[str, str] = {}
    missing: list[str] = []
    memory = _pick(gpu.memory_gb, cat, "memory_gb", sources, "memory_gb")
    if memory is None:
        missing.append("memory_gb")
    on_demand = _pick(gpu.on_demand_usd_per_hour, cat, "on_demand_usd_per_hour", sources,
                      "on_demand_usd_per_hour")
    reserved = {}
    given = gpu.reserved_usd_per_hour
    for term, attr in (("1y", "one_year"), ("3y", "three_year")):
        v = _pick(getattr(given, attr) if given else None, cat, f"reserved_{term}", sources,
                  f"reserved_usd_per_hour.{term}")
        if v is not None:
            reserved[term] = float(v)
    purchase = _purchase(gpu, cat, sources, missing)
    where = ("gpus", index, "name")
    if missing:
        head = (f"unknown GPU '{gpu.name}'{did_you_mean(gpu.name, list(catalog()))}: a custom GPU"
                if cat is None else f"GPU '{gpu.name}'")
        return None, [Problem(where, f"{head} lacks {', '.join(missing)}")]
    if on_demand is None and not reserved and purchase is None:
        return None, [Problem(where, f"GPU '{gpu.name}' has no way to get it: give "
                                     "on_demand_usd_per_hour, reserved_usd_per_hour or purchase")]
    return ResolvedGpu(
        name=gpu.name, memory_gb=float(memory),
        on_demand_usd_per_hour=None if on_demand is None else float(on_demand),
        reserved_usd_per_hour=reserved, purchase=purchase, max_gpus=gpu.max_gpus,
        sources=sources, lead_time_periods=gpu.lead_time_periods,
        **{f: float(_overhead(gpu, f, sources)) for f in OVERHEAD_FIELDS}), []


OVERHEAD_FIELDS = ("support_share_per_year", "software_usd_per_gpu_year",
                   "network_storage_usd_per_gpu_year")
"""Recurring GPU costs beyond power: the scenario's per GPU, else the site's (catalog)."""


def _overhead(gpu: Gpu, field: str, sources: dict[str, str]) -> float:
    given = getattr(gpu, field)
    if given is not None:
        sources[field] = "scenario"
        return given
    fig = site()[field]
    sources[field] = fig.cite()
    return fig.value


def listing() -> list[dict[str, Any]]:
    """Rows for `tco catalog gpus`."""
    rows = []
    for g in catalog().values():
        rows.append({
            "name": g.name, "description": g.description, "memory_gb": g.value("memory_gb"),
            "on_demand": g.value("on_demand_usd_per_hour"), "reserved_1y": g.value("reserved_1y"),
            "reserved_3y": g.value("reserved_3y"), "price_usd": g.value("price_usd"),
            "power_kw": g.value("power_kw"),
            "source": "; ".join(f"{k}: {g.fields[k].cite()}"
                                for k in ("on_demand_usd_per_hour", "price_usd", "power_kw")),
            # the site's recurring costs per GPU (issue 17), the same for every type
            **{f: site()[f].value for f in OVERHEAD_FIELDS},
        })
    return rows


def site_overheads() -> list[tuple[str, float, str]]:
    """(field, value, citation) of the site's recurring costs per GPU, for `tco catalog gpus`."""
    return [(f, site()[f].value, site()[f].cite()) for f in OVERHEAD_FIELDS]
