"""Resolved catalog entries: complete, validated data the engine prices options from.

`tco.catalog.resolve(scenario)` turns the scenario's partial entries (an API id, a GPU or model
name with overrides) into these. Every field is filled; a missing price is an error, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TokenPrices:
    """USD per 1M tokens for one way of buying an API (realtime, batch or fine-tuned)."""

    input: float
    cached_input: float
    output: float
    source: str
    """Where the prices come from: `genai-prices <version> (<date>)`, `scenario quote`, or a
    catalog row."""
    cache_write: float | None = None
    """Price of writing the cached prefix; None = the input price (no write premium)."""

    @property
    def write(self) -> float:
        """USD per 1M tokens written to the prompt cache."""
        return self.input if self.cache_write is None else self.cache_write


@dataclass(frozen=True)
class PriceTier:
    """Prices that apply from `min_input_tokens` input tokens per request upward."""

    min_input_tokens: int
    realtime: TokenPrices
    batch: TokenPrices | None


@dataclass(frozen=True)
class ResolvedApi:
    id: str
    provider: str
    quality: dict[str, float]
    context_window_tokens: int | None
    """None when neither the scenario nor the snapshot knows it (no limit is applied)."""
    price_trend_per_year: float
    tiers: tuple[PriceTier, ...]
    """Sorted by min_input_tokens; the first starts at 0."""
    fine_tuned: TokenPrices | None = None
    """Inference prices of a fine-tune of this API; None = the provider sells none."""

    def prices(self, input_tokens: float, mode: str = "realtime") -> TokenPrices | None:
        """Prices for a request of `input_tokens`; mode is realtime, batch or fine_tuned.

        None when that mode is not sold (no batch API, no fine-tuning).
        """
        if mode == "fine_tuned":
            return self.fine_tuned
        tier = self.tiers[0]
        for t in self.tiers:
            if input_tokens >= t.min_input_tokens:
                tier = t
        return tier.batch if mode == "batch" else tier.realtime


@dataclass(frozen=True)
class ResolvedPurchase:
    price_usd: float
    life_years: float
    power_kw: float
    facility_usd_per_kw_month: float
    electricity_usd_per_kwh: float
    pue: float
    resale_decline_per_year: float | None = None
    """Yearly decline of the market value when the scenario asks for resale (`purchase.resale`);
    None: credited at book value (tco.model.data.residual_share)."""


@dataclass(frozen=True)
class ResolvedGpu:
    name: str
    memory_gb: float
    on_demand_usd_per_hour: float | None
    reserved_usd_per_hour: dict[str, float]
    """Keys `1y`, `3y`; only the terms offered."""
    purchase: ResolvedPurchase | None
    max_gpus: int | None
    sources: dict[str, str] = field(default_factory=dict)
    """Field name -> source and date of the value used."""
    lead_time_periods: int = 0
    """Periods from an order (purchase or reservation) to the GPU serving."""
    support_share_per_year: float = 0.0
    """Hardware support and maintenance of an owned GPU, share of its price a year."""
    software_usd_per_gpu_year: float = 0.0
    """Software licences per GPU held a year."""
    network_storage_usd_per_gpu_year: float = 0.0
    """Networking and storage per GPU held a year."""


@dataclass(frozen=True)
class OperatingPoint:
    prefill_tokens_per_s: float
    decode_tokens_per_s: float


@dataclass(frozen=True)
class ResolvedServing:
    gpus_per_replica: int
    interactive: OperatingPoint
    batch: OperatingPoint


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    quality: dict[str, float]
    context_window_tokens: int
    serving: dict[str, ResolvedServing]
    """Only GPU types present in the scenario."""
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """Everything the engine needs beyond the scenario itself."""

    apis: tuple[ResolvedApi, ...]
    models: tuple[ResolvedModel, ...]
    gpus: tuple[ResolvedGpu, ...]
    prices_snapshot: dict[str, str]
    """`source`, `version` and `date` of the API price data."""
    tariffs: tuple = ()
    """Resolved tariffs (tco.catalog.tariffs.ResolvedTariff), in scenario order."""
    api_operations: tuple[float, float] = (0.0, 0.0)
    """The API path's fixed costs a year: (per provider used, per workload on an API)."""
    api_operations_sources: dict[str, str] = field(default_factory=dict)
    """Field -> where its value came from (scenario, or the catalog's cited assumption)."""
