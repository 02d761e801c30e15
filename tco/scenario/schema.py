"""The scenario format: pydantic models for every section of a scenario file.

This module is the truth about the format; `tco schema` prints it as JSON Schema. Units are
part of field names: `_usd`, `_usd_per_mtok` (USD per million tokens), `_usd_per_hour` (per GPU),
`_kw`, `_tokens`, `_per_month`, `_s` (seconds). Shares are fractions in [0, 1].

Open models and GPUs named here may be partial: fields left out are filled from the shipped
catalog by `tco.catalog` (a field given here wins). API prices left out come from the
genai-prices snapshot.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$")


def _finite(v: float) -> float:
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("must be a finite number (not NaN or infinity)")
    return v


Num = Annotated[float, AfterValidator(_finite)]
NonNeg = Annotated[float, Field(ge=0), AfterValidator(_finite)]
Positive = Annotated[float, Field(gt=0), AfterValidator(_finite)]
Share = Annotated[float, Field(ge=0, le=1), AfterValidator(_finite)]
Score = Annotated[float, Field(ge=0, le=100), AfterValidator(_finite)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Spec(BaseModel):
    """Base of every section: frozen, unknown keys refused, field docstrings in the schema."""

    # allow_inf_nan=False: `inf` or `nan` written as text would otherwise pass a bare `float`
    # field (gpus_per_engineer) or fail with a misleading range message.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)


def parse_period(label: str) -> tuple[int, int, str]:
    """`2027Q1` -> (2027, 1, 'quarter'); `2027-03` -> (2027, 3, 'month')."""
    m = PERIOD_RE.match(label)
    if not m:
        raise ValueError(f"'{label}' is not a period (expected like 2027Q1 or 2027-01)")
    year, q, mon = m.groups()
    return (int(year), int(q), "quarter") if q else (int(year), int(mon), "month")


class Horizon(Spec):
    start: str = "2027Q1"
    """First period, `YYYYQn` for quarters or `YYYY-MM` for months."""
    periods: int = Field(12, ge=1, le=120)
    """Number of periods planned."""
    period: Literal["quarter", "month"] = "quarter"
    """Length of one period. Hours per period are fixed: 2190 a quarter, 730 a month."""

    @model_validator(mode="after")
    def _start_matches_period(self) -> Horizon:
        _, _, kind = parse_period(self.start)
        if kind != self.period:
            raise ValueError(
                f"start '{self.start}' is a {kind} but period is '{self.period}'"
                f" (expected {'YYYYQn' if self.period == 'quarter' else 'YYYY-MM'})")
        return self


class Escalation(Spec):
    salaries: float = Field(0.0, gt=-0.5, le=1)
    """Yearly change of the cost of an engineer (0.04 = +4% a year). Default 0."""
    power: float = Field(0.0, gt=-0.5, le=1)
    """Yearly change of the electricity price (USD per kWh). Default 0."""
    facility: float = Field(0.0, gt=-0.5, le=1)
    """Yearly change of the facility price (USD per kW-month). Default 0."""


class Finance(Spec):
    currency: Literal["USD"] = "USD"
    """Currency of every amount. Prices in the catalogs are USD."""
    discount_rate: float = Field(0.10, ge=0, lt=1)
    """Annual discount rate for the NPV; each period's factor is (1 + rate)^(-years from start)."""
    end_of_horizon: Literal["pro_rata", "conservative"] = "pro_rata"
    """How commitments that outlive the horizon are charged. pro_rata: each only for the
    periods inside the horizon it serves (an owned GPU as an annuity over its life at the
    discount rate, i.e. its price less the value of the annuity payments after the horizon;
    a reservation for the periods inside the horizon). conservative: every commitment in
    full (whole reservation terms, purchase price) with no residual credit."""
    contingency_share: Share = 0.0
    """Reserve added on top of the cash spend in the workbook's Budget sheet (0.1 = 10%);
    not a cost: the plan and its NPV do not include it. Default 0."""
    escalation_per_year: Escalation = Escalation()
    """Yearly escalation of salaries, electricity and facility prices, compounded per period
    from the first period like the API price trend. Default 0 (today's prices throughout)."""
    tax_life_years: float | None = Field(None, gt=0, le=15)
    """Straight-line depreciation life of GPU purchases in the P&L view (capex spread over it
    from delivery); none = each GPU's own life (`purchase.life_years`). Reporting only: the plan
    minimises cash (or quality-adjusted) NPV, not P&L cost."""
    objective: Literal["cash", "quality_adjusted"] | None = None
    """What the plan minimises. cash: what finance pays (APIs, GPUs, power, staff,
    training); quality_adjusted: cash plus the expected cost of bad answers (not cash).
    Default: quality_adjusted when any workload gives error_cost_usd, else cash."""


class PromptVariant(Spec):
    name: Name
    """Unique among the workload's variants (zero-shot, concise-cot, rag, compressed, ...)."""
    input_tokens: Positive | None = None
    """Mean input tokens per request with this prompt; default the workload's."""
    output_tokens: NonNeg | None = None
    """Mean output tokens per request with this prompt; default the workload's."""
    quality_change: float = Field(0.0, ge=-100, le=100)
    """Points added to every option's quality score on the workload's task (negative: worse)."""
    engineering_cost_usd: NonNeg = 0.0
    """One-time cost of building and evaluating the prompt, paid when it is adopted."""
    running_cost_usd_per_month: NonNeg = 0.0
    """Monthly cost while adopted (a retrieval service, an index, a compression step)."""


class ResponseCache(Spec):
    kind: Literal["exact", "semantic"] = "exact"
    """exact: identical requests; semantic: similar requests (embedding lookup)."""
    hit_rate: Share
    """Share of requests answered from the cache; hits bypass every LLM cost."""
    quality_penalty: float = Field(0.0, ge=0, le=100)
    """Points lost on a semantic hit (the cached answer fits less well); exact hits lose none."""
    fixed_cost_usd_per_month: NonNeg = 0.0
    """Cost of the cache while adopted (vector store, infrastructure)."""
    lookup_cost_usd_per_1k_requests: NonNeg = 0.0
    """Cost of looking up every request (embedding, query), hit or miss."""

    @model_validator(mode="after")
    def _exact_loses_nothing(self) -> ResponseCache:
        if self.kind == "exact" and self.quality_penalty:
            raise ValueError("an exact cache replays the same answer: quality_penalty must be 0"
                             " (expected kind: semantic for a penalty)")
        return self


class Workload(Spec):
    name: Name
    """Unique name of the workload."""
    task: Name
    """The quality scale it is judged on (chat, summarize, code, extract, ...)."""
    requests_per_month: NonNeg | list[NonNeg]
    """Requests per month in the first period, or one figure per period (then no growth applies)."""
    growth_per_year: float = Field(0.0, gt=-1, le=100)
    """Annual growth of requests, compounded per period (0.6 = +60% a year)."""
    input_tokens: Positive
    """Mean input (prompt) tokens per request, cached prefix included."""
    output_tokens: NonNeg
    """Mean output tokens per request."""
    cached_input_share: Share = 0.0
    """Share of input tokens that is a reusable prefix (provider cache reads, prefix caching)."""
    cache_reuse: float | None = Field(None, ge=1, le=1e9)
    """Requests served per write of the cached prefix (a provider cache entry lives minutes to an
    hour: at 20 requests per cache lifetime this is 20). One request in `cache_reuse` writes the
    prefix, paid at the provider's cache-write price (e.g. 1.25x input for Anthropic's 5-minute
    cache; the input price where the provider charges no premium), and a self-hosted replica
    prefills it. None = writes not priced (the prefix is reused without end)."""
    peak_to_average: float = Field(1.0, ge=1, le=1000)
    """Busiest hour's traffic over the mean; self-hosted capacity for non-batch traffic is
    sized to it."""
    busy_hour_share: Share | None = None
    """Share of the time the traffic runs at its peak (peak_to_average x the mean); the other
    hours run at the level that keeps the mean. Provisioned API units (tariffs) serve this
    profile up to their capacity and the traffic above it spills to pay-as-you-go (0.25 with
    peak_to_average 2: six busy hours a day at twice the mean, the rest at 2/3 of it). None =
    the most conservative profile: all traffic in busy hours, 1 / peak_to_average of the time.
    At most 1 / peak_to_average."""
    latency: Literal["interactive", "standard", "batch"] = "interactive"
    """interactive: a person waits; standard: seconds are fine; batch: may wait 24 h
    (batch APIs)."""
    min_quality: Score = 0.0
    """Lowest acceptable quality score on the workload's task (0-100)."""
    error_cost_usd: NonNeg = 0.0
    """Cost of one bad answer; expected cost = requests x (1 - quality/100) x this."""
    residency: Literal["any", "self_hosted"] | list[Name] = "any"
    """any; self_hosted (never leaves our GPUs); or the API providers allowed besides our own
    GPUs (self-hosting is always allowed; an empty list allows no API, like self_hosted)."""
    value_per_success_usd: NonNeg = 0.0
    """What one successful answer is worth (reported as value and cost per successful
    interaction; never part of the cost minimised)."""
    prompt_variants: list[PromptVariant] = Field(default_factory=list)
    """Other ways of prompting the workload; the plan adopts at most one, from some period on."""
    response_cache: ResponseCache | None = None
    """An exact or semantic response cache the plan may adopt, period by period."""
    pin: Name | None = None
    """Serve this workload only with what matches: an API id (openai/gpt-4.1), a provider
    (openai), an open model (llama-3.3-70b), `model@gpu`, a fine-tune, an option label
    (api:..., batch:..., self:...@gpu/point) or a kind (api, api_batch, self_hosted,
    fine_tuned). A pinned workload keeps its options in every strategy compared."""
    allow: list[Name] | None = Field(None, min_length=1)
    """Like pin, with several entries: only options matching one of them."""
    cost_centre: Name | None = None
    """Cost centre that carries the workload's spend in the workbook's Budget sheet (reporting
    only; the plan does not depend on it). None = "(none)"."""
    migration_cost_usd: NonNeg | None = None
    """Cost of moving this workload to another option (integration, evaluation, rollout);
    None = switching.migration_cost_usd."""
    needs_priority: bool = False
    """The standard API tier's latency is not good enough: served through an API only at a
    provider's priority tier (tariffs of kind service_tier), at its prices."""

    @model_validator(mode="after")
    def _pin_or_allow(self) -> Workload:
        if self.pin is not None and self.allow is not None:
            raise ValueError("give pin or allow, not both (pin: X is allow: [X])")
        if (self.busy_hour_share is not None
                and self.busy_hour_share * self.peak_to_average > 1 + 1e-9):
            raise ValueError(
                f"busy_hour_share {self.busy_hour_share:g} x peak_to_average "
                f"{self.peak_to_average:g} = {self.busy_hour_share * self.peak_to_average:g}:"
                " the busy hours alone would carry more than all the traffic (expected"
                f" busy_hour_share <= 1 / peak_to_average = {1 / self.peak_to_average:.4g})")
        return self


class ApiPriceQuote(Spec):
    input_usd_per_mtok: NonNeg | None = None
    """Price of uncached input tokens, USD per 1M."""
    cached_input_usd_per_mtok: NonNeg | None = None
    """Price of input tokens read from the provider's prompt cache, USD per 1M."""
    cache_write_usd_per_mtok: NonNeg | None = None
    """Price of input tokens written to the provider's prompt cache, USD per 1M (default: the
    snapshot's cache-write price, else the input price)."""
    output_usd_per_mtok: NonNeg | None = None
    """Price of output tokens, USD per 1M."""


class Api(Spec):
    id: Name
    """`provider/model` as in the genai-prices snapshot, or a private API's id."""
    price: ApiPriceQuote | None = None
    """A negotiated or private quote; each price given overrides the snapshot's."""
    quality: dict[str, Score] = Field(default_factory=dict)
    """Quality score (0-100) per task; an API can serve only tasks it has a score for."""
    batch_discount: Share | None = None
    """Discount of the batch API (0.5 = half price). Default: the snapshot's batch prices,
    else the provider's published discount from the catalog; none means no batch API."""
    price_trend_per_year: float = Field(0.0, gt=-1, le=10)
    """Expected yearly price change (-0.3 = 30% cheaper each year), compounded per period."""
    context_window_tokens: int | None = Field(None, gt=0)
    """Largest request (input + output tokens); default from the snapshot."""
    fine_tuned_price: ApiPriceQuote | None = None
    """Inference prices of a fine-tune of this API; default from the catalog."""


class OperatingPoint(Spec):
    prefill_tokens_per_s: Positive
    """Input tokens one replica processes per second at this operating point."""
    decode_tokens_per_s: Positive
    """Output tokens one replica generates per second (all concurrent streams together)."""


class Serving(Spec):
    gpus_per_replica: int | None = Field(None, ge=1, le=64)
    """GPUs one replica of the model needs on this GPU type (memory and tensor parallelism)."""
    interactive: OperatingPoint | None = None
    """Throughput at a concurrency whose latency suits people waiting."""
    batch: OperatingPoint | None = None
    """Throughput at saturation, for standard and batch latency."""


class OpenModel(Spec):
    name: Name
    """Catalog name (fills every field left out) or the name of your own model."""
    quality: dict[str, Score] = Field(default_factory=dict)
    """Quality score (0-100) per task."""
    context_window_tokens: int | None = Field(None, gt=0)
    """Largest request (input + output tokens) served."""
    serving: dict[str, Serving] = Field(default_factory=dict)
    """Per GPU type name: GPUs per replica and throughput per replica."""


class Reserved(Spec):
    one_year: NonNeg | None = Field(None, alias="1y")
    """USD per GPU-hour for a 1-year commitment; none = not offered."""
    three_year: NonNeg | None = Field(None, alias="3y")
    """USD per GPU-hour for a 3-year commitment; none = not offered."""

    model_config = ConfigDict(populate_by_name=True)


class Resale(Spec):
    decline_per_year: Share | None = None
    """Share of its market value a used GPU loses each year, compounded from delivery
    (0.3 = worth 70% after one year, 49% after two). Default: the catalog's figure (an
    assumption, `tco catalog gpus` cites it)."""


class Purchase(Spec):
    price_usd: NonNeg | None = None
    """Price of one GPU, its share of the server and network included."""
    life_years: float | None = Field(None, gt=0, le=15)
    """Straight-line depreciation life; the GPU is usable for this long."""
    power_kw: NonNeg | None = None
    """Power drawn per GPU, its share of the server included."""
    facility_usd_per_kw_month: NonNeg | None = None
    """Colocation (space, cooling, power capacity) per kW per month."""
    electricity_usd_per_kwh: NonNeg | None = None
    """Energy price, paid on power_kw x pue around the clock."""
    pue: float | None = Field(None, ge=1, le=3)
    """Power usage effectiveness of the site."""
    resale: Resale | None = None
    """Credit GPUs still alive at the horizon end at their market value (price x (1 - decline)
    ^ years since delivery) instead of the end-of-horizon rule's annuity (straight-line book
    value at rate 0); `resale: {}` takes the catalog's decline. None: book value. Nothing is
    credited under finance.end_of_horizon: conservative, nor for a GPU whose life has ended."""


class Gpu(Spec):
    name: Name
    """Catalog name (fills every field left out) or your own GPU type."""
    memory_gb: Positive | None = None
    """Memory per GPU."""
    on_demand_usd_per_hour: NonNeg | None = None
    """On-demand price per GPU-hour; none = not rented on demand."""
    reserved_usd_per_hour: Reserved | None = None
    """Reserved prices per GPU-hour by term, paid for the whole term whether used or not."""
    purchase: Purchase | None = None
    """Owning: price, life, power and facility; none = not bought."""
    max_gpus: int | None = Field(None, ge=0)
    """Most GPUs of this type obtainable in any period (all procurement modes together)."""
    support_share_per_year: Share | None = None
    """Hardware support and maintenance of an owned GPU, as a share of its purchase price a
    year, while alive; none = the catalog's (an assumption)."""
    software_usd_per_gpu_year: NonNeg | None = None
    """Software licences per GPU held (owned, reserved or on demand) a year, e.g. an enterprise
    inference stack; none = the catalog's."""
    network_storage_usd_per_gpu_year: NonNeg | None = None
    """Networking and storage per GPU held a year (weights, logs, transit); none = the
    catalog's (an assumption)."""
    lead_time_periods: int = Field(0, ge=0, le=40)
    """Periods between ordering a GPU (buying or reserving) and its serving: a GPU ordered in
    period t serves from t + lead_time_periods (and is paid from then if reserved; a purchase
    is paid when ordered). On-demand GPUs have no lead time. Default 0, an assumption: delivered
    and racked within the period ordered (quarters of lead time were common for H100s in
    2023-24)."""


class Switching(Spec):
    migration_cost_usd: NonNeg = 0.0
    """Cost of each move of a workload to another API, model or GPU type (engineering and
    evaluation), paid in the period it starts there; realtime versus batch and operating points
    of the same model are not moves. 0 = moves are free (an assumption to override: a move
    typically takes engineer-weeks of integration and evaluation)."""


class ApiOperations(Spec):
    usd_per_provider_per_year: NonNeg | None = None
    """The API path's own engineering and operations per API provider in use (integration,
    gateway, security review, vendor management), a year; none = the catalog's (an
    assumption)."""
    usd_per_workload_per_year: NonNeg | None = None
    """Evaluation and prompt maintenance per workload served (in part) through an API, a year;
    none = the catalog's (an assumption)."""


class Staffing(Spec):
    platform_engineers: int = Field(2, ge=0, le=1000)
    """Engineers needed as soon as anything is self-hosted (on-call, upgrades, security)."""
    cost_usd_per_year: NonNeg = 250_000
    """Fully loaded cost of one engineer per year."""
    gpus_per_engineer: float = Field(64, gt=0)
    """GPUs in use per additional engineer (an assumption: no public ratio exists)."""
    hiring_lead_periods: int = Field(0, ge=0, le=40)
    """Periods before they are needed that engineers must be hired (and paid): the engineers a
    period needs are on the payroll from this many periods earlier, so nothing is self-hosted
    in the first periods unless engineers already employed (`existing.engineers`) cover it.
    Default 0, an assumption (hiring takes a quarter or more in practice: set it)."""


class Capacity(Spec):
    utilization_target: float = Field(0.7, gt=0, le=1)
    """Largest share of a replica's throughput the plan counts on (headroom for variance)."""
    min_replicas: int = Field(1, ge=1, le=100)
    """Replicas kept for any model serving interactive or standard traffic (2 = redundancy)."""


class FineTune(Spec):
    name: Name
    """Unique name of the fine-tune."""
    base: Name
    """An open model's name or an API's id that sells fine-tuning."""
    workloads: list[Name] = Field(min_length=1)
    """Workloads the fine-tune may serve."""
    training_cost_usd: NonNeg
    """Cost of one training run (data preparation and compute)."""
    retrain_every_periods: int | None = Field(None, ge=1)
    """Retrain after this many periods (fresh data, new base); none = train once."""
    quality_uplift: dict[str, Num] = Field(default_factory=dict)
    """Points added to the base's quality score per task."""
    input_token_reduction: Share = 0.0
    """Share of input tokens no longer needed once the behaviour is trained in."""


class EscalationRange(Spec):
    min: Share
    """Lowest share of requests the stage may pass on."""
    max: Share
    """Highest share; the plan chooses within [min, max] (quality follows the points given)."""

    @model_validator(mode="after")
    def _ordered(self) -> EscalationRange:
        if self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g} (expected min <= max)")
        return self


class CascadeStage(Spec):
    api: Name | None = None
    """An API id of `apis:` (realtime unless `batch`)."""
    batch: bool = False
    """Use the API's batch mode (the cascade then serves only batch workloads)."""
    model: Name | None = None
    """An open model of `open_models:` served on our GPUs (with `gpu`)."""
    gpu: Name | None = None
    """The GPU type the open model runs on."""
    extra_input_tokens: NonNeg = 0.0
    """Input tokens this stage adds to the request (router prompt, context carried forward)."""
    output_tokens: NonNeg | None = None
    """Output tokens per request reaching this stage; default the workload's."""
    escalate: Share | EscalationRange | None = None
    """Share of the requests reaching this stage that go on to the next (every stage but the
    last): a number, or a range the plan chooses within."""

    @model_validator(mode="after")
    def _one_kind(self) -> CascadeStage:
        if (self.api is None) == (self.model is None):
            raise ValueError("a stage is either `api` or `model` (expected exactly one)")
        if self.model is not None and self.gpu is None:
            raise ValueError("a self-hosted stage needs `gpu` (expected a GPU type name)")
        if self.api is not None and self.gpu is not None:
            raise ValueError("`gpu` is for self-hosted stages (expected no gpu with api)")
        if self.model is not None and self.batch:
            raise ValueError("`batch` is for API stages (expected no batch with model)")
        return self


class Cascade(Spec):
    name: Name
    """Unique name of the cascade."""
    workloads: list[Name] = Field(min_length=1)
    """Workloads the cascade may serve."""
    stages: list[CascadeStage] = Field(min_length=2, max_length=3)
    """Two or three stages, cheapest first; each later stage sees only escalated requests."""
    quality: dict[str, Score | list[tuple[Share, Score]]] = Field(default_factory=dict)
    """Quality of the whole cascade per task: a score, or (escalation share, score) points,
    interpolated linearly, when a stage's escalation is a range."""


class OwnedGpus(Spec):
    gpu: Name
    """GPU type."""
    count: int = Field(ge=1)
    """Number of GPUs."""
    bought: str
    """Period bought, like 2025Q3."""
    price_usd: NonNeg
    """Price paid per GPU (sunk)."""
    life_years: float = Field(gt=0, le=15)
    """Depreciation life."""
    serves_from: str | None = None
    """First period the GPUs serve, when ordered but not yet delivered (a lead time; `tco roll`
    writes it); their life runs from then. Default: the period bought."""


class SignedReservation(Spec):
    gpu: Name
    """GPU type."""
    count: int = Field(ge=1)
    """Number of GPUs reserved."""
    ends: str
    """Last period covered, like 2027Q4."""
    usd_per_hour: NonNeg
    """Price per GPU-hour (committed, sunk)."""
    starts: str | None = None
    """First period covered, when signed but not yet serving (a lead time; `tco roll` writes
    it). Default: already serving at the horizon start."""


class Existing(Spec):
    owned_gpus: list[OwnedGpus] = Field(default_factory=list)
    """GPUs already owned; usable while within their life."""
    reservations: list[SignedReservation] = Field(default_factory=list)
    """Reservations already signed; usable until they end."""
    engineers: int = Field(0, ge=0)
    """Platform engineers already employed (their cost is reported as committed)."""


class Review(Spec):
    run: str = Field(min_length=1)
    """Run id (or unique prefix) of the previous plan in the run history."""
    actuals: str = Field(min_length=1)
    """Actuals CSV of its elapsed periods (docs/quarterly.md), relative to this file."""
    history: str | None = None
    """Run history holding that plan, relative to this file (default: the history this run
    is recorded in)."""


class Constraints(Spec):
    max_share_per_provider: Share | None = None
    """Largest share of each period's tokens any one API provider may serve."""
    budget_usd_per_period: NonNeg | None = None
    """Most the plan may spend in any one period (undiscounted)."""
    min_share_when_used: Share | None = 0.1
    """Smallest share of a workload's requests in a period that an API provider serves when
    it serves any (0 or at least this): no third contract for 3% of the traffic. Applies to
    workloads with a choice of sources; null or 0 switches it off."""
    max_providers_per_workload: int | None = Field(None, ge=1)
    """Most API providers serving one workload in one period; none = no limit."""


TariffTerm = Literal["1h", "1w", "1m", "3m", "6m", "1y", "3y"]
TERM_HOURS = {"1h": 1, "1w": 168, "1m": 730, "3m": 2190, "6m": 4380, "1y": 8760, "3y": 26280}
"""Hours of each tariff term (a month is 730 hours, as a period is)."""


class TariffTier(Spec):
    above_usd_per_month: NonNeg | None = None
    """Monthly spend at list prices from which this tier's discount applies to the spend above
    it (marginal: the spend below keeps the lower tiers' prices)."""
    above_mtok_per_month: NonNeg | None = None
    """Or: monthly tokens with the provider (millions, input + output, those provisioned units
    serve not counted) from which this tier's discount applies to the whole month's spend (a
    threshold: tokens of different models have different prices, so a band of tokens has no
    single price to discount marginally)."""
    discount: Share
    """Discount on list prices of the spend in this tier (0.2 = 20% off)."""

    @model_validator(mode="after")
    def _one_start(self) -> TariffTier:
        if (self.above_usd_per_month is None) == (self.above_mtok_per_month is None):
            raise ValueError("a tier starts at a spend or at a volume: give above_usd_per_month"
                             " or above_mtok_per_month (expected exactly one)")
        return self


class Tariff(Spec):
    """A vendor's offer besides pay-as-you-go list prices; the plan picks per period whether to
    take it. Fields apply by `kind`; a `name` matching a shipped reference tariff (`tco catalog
    tariffs`) fills every field left out."""

    name: Name
    """Unique name of the tariff (or a shipped reference tariff's name)."""
    kind: Literal["two_part", "commit", "provisioned", "service_tier"] | None = None
    """two_part: fee + discounted token prices; commit: committed spend at a discount;
    provisioned: capacity units; service_tier: priority or flex prices per token."""
    provider: Name | None = None
    """The API provider the tariff is sold by (the part of an API id before the slash)."""
    term: TariffTerm | None = None
    """Length of the commitment: 1h, 1w, 1m, 3m, 6m, 1y, 3y. A term longer than a period
    binds every period it covers (default 1m for two_part, 1y for commit)."""
    fee_usd_per_month: NonNeg | None = None
    """two_part: fixed fee per month while on the tariff."""
    discount: Share | None = None
    """two_part, commit: discount on the provider's list token prices (0.15 = 15% off)."""
    prices: dict[Name, ApiPriceQuote] | None = None
    """two_part: per API id, realtime token prices that replace the list prices."""
    tiers: list[TariffTier] | None = None
    """two_part: volume tiers by monthly list spend with their marginal discounts, or by
    monthly tokens (thresholds: the discount of the highest tier reached on all the spend)."""
    commit_usd_per_month: NonNeg | None = None
    """commit: spend committed per month; spend below it is paid all the same (shortfall),
    settled each period."""
    commit_usd_per_year: NonNeg | None = None
    """commit: spend committed per year instead, settled at the end of each year of the term
    (a quiet quarter is made up by a busy one); give this or commit_usd_per_month."""
    api: Name | None = None
    """provisioned: the API id (model) the capacity units serve."""
    usd_per_unit_term: NonNeg | None = None
    """provisioned: price of one unit for one term."""
    min_units: int | None = Field(None, ge=1)
    """provisioned: fewest units a deployment may have."""
    unit_step: int | None = Field(None, ge=1)
    """provisioned: units are added in steps of this many above the minimum."""
    max_units: int | None = Field(None, ge=1)
    """provisioned: most units obtainable (none = as many as needed)."""
    input_tokens_per_minute_per_unit: Positive | None = None
    """provisioned: throughput of one unit in input tokens per minute."""
    output_token_weight: Positive | None = None
    """provisioned: input tokens of capacity one output token uses (gpt-4.1 on Azure: 4)."""
    cached_tokens_count: bool | None = None
    """provisioned: whether cached input tokens use capacity (Azure: no)."""
    tier: Literal["priority", "flex"] | None = None
    """service_tier: which tier."""
    price_multiplier: Positive | None = None
    """service_tier: the tier's token prices over the standard realtime prices (1.75, 0.5)."""
    latencies: list[Literal["interactive", "standard", "batch"]] | None = None
    """service_tier: workload latencies that may use the tier (default: flex standard and
    batch; priority interactive and standard, used only by workloads that need priority)."""
    source: str | None = None
    """Where the figures come from (a quote and its date, a price page), or `assumption: ...`."""


OptionKind = Literal["api", "api_batch", "self_hosted", "fine_tuned"]
Procurement = Literal["owned", "reserved_1y", "reserved_3y", "on_demand"]


class Strategy(Spec):
    name: Name
    """Name shown in comparisons."""
    option_kinds: list[OptionKind] | None = None
    """Allowed kinds of option; none = all."""
    providers: list[Name] | None = None
    """Allowed API providers; none = all."""
    models: list[Name] | None = None
    """Allowed open models; none = all."""
    gpus: list[Name] | None = None
    """Allowed GPU types; none = all."""
    procurement: list[Procurement] | None = None
    """Allowed procurement modes; none = all."""
    prompt_caching: bool = True
    """Whether cached input is priced at the cache price (false = every input token full price)."""
    pin: dict[Name, Name] = Field(default_factory=dict)
    """Per workload name, what it is served with in this strategy (as a workload's `pin:`);
    a strategy pinning every workload prices "what we run now"."""
    allow: dict[Name, list[Name]] = Field(default_factory=dict)
    """Per workload name, the options it may use in this strategy (as a workload's `allow:`)."""


class SolverSettings(Spec):
    name: Literal["highs", "appsi_highs", "gurobi", "cplex", "cbc", "glpk"] = "highs"
    """Solver; highs ships with tco, the others must be installed."""
    time_limit_s: Positive = 300
    """Wall-clock limit of HiGHS's search; the best plan found by then is returned and said to
    be so (a plan left short of the gap gets a rounded plan in up to as long again)."""
    mip_rel_gap: float = Field(1e-4, ge=0, le=1)
    """Relative MIP gap at which the search stops."""
    threads: int = Field(1, ge=1, le=256)
    """Solver threads (HiGHS's MIP search is essentially serial)."""


Driver = Literal["volume", "growth", "tokens", "api_price", "api_price_trend", "gpu_price",
                 "salary", "throughput", "quality"]


class Distribution(Spec):
    """One uncertain number: its distribution and the parameters that distribution takes.

    uniform: low, high. triangular: low, mode, high. normal: mean, sd (truncated to low/high
    when given, and always to the driver's valid range). lognormal: median, sigma (of the
    logarithm). discrete: values with probabilities summing to 1.
    """

    dist: Literal["uniform", "triangular", "normal", "lognormal", "discrete"]
    """Kind of distribution."""
    low: Num | None = None
    """Smallest value (uniform, triangular; optional truncation of normal)."""
    high: Num | None = None
    """Largest value (uniform, triangular; optional truncation of normal)."""
    mode: Num | None = None
    """Most likely value (triangular)."""
    mean: Num | None = None
    """Mean before truncation (normal)."""
    sd: Positive | None = None
    """Standard deviation before truncation (normal)."""
    median: Positive | None = None
    """Median (lognormal): exp of the logarithm's mean."""
    sigma: Positive | None = None
    """Standard deviation of the logarithm (lognormal)."""
    values: list[Num] | None = Field(None, min_length=1, max_length=1000)
    """Possible values (discrete)."""
    probabilities: list[Share] | None = None
    """Probability of each value, summing to 1 (discrete)."""

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        need = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
                "discrete": ("values", "probabilities")}[self.dist]
        allowed = set(need) | ({"low", "high"} if self.dist == "normal" else set())
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(missing)}"
                             f" (expected {', '.join(need)})")
        extra = [k for k in ("low", "high", "mode", "mean", "sd", "median", "sigma", "values",
                             "probabilities") if getattr(self, k) is not None and k not in allowed]
        if extra:
            raise ValueError(f"{', '.join(extra)} does not apply to a {self.dist} distribution"
                             f" (expected only {', '.join(sorted(allowed))})")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g} (expected low <= high)")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode {self.mode:g} is outside [{self.low:g}, {self.high:g}]"
                             " (expected low <= mode <= high)")
        if self.dist == "discrete":
            if len(self.probabilities) != len(self.values):
                raise ValueError(f"{len(self.values)} values but {len(self.probabilities)}"
                                 " probabilities (expected one probability per value)")
            if abs(sum(self.probabilities) - 1.0) > 1e-6:
                raise ValueError(f"probabilities sum to {sum(self.probabilities):g}"
                                 " (expected 1)")
        return self


class UncertainInput(Distribution):
    """A driver of the scenario made uncertain: its own distribution, or a shared factor's.

    What a drawn value v does (a factor multiplies, a shift adds):
    volume: requests per month x v; growth: growth_per_year + v; tokens: input and output
    tokens per request x v; api_price: every price of the API x v; api_price_trend:
    price_trend_per_year + v; gpu_price: on-demand, reserved and purchase prices x v;
    salary: engineer cost x v; throughput: every serving throughput x v; quality: quality
    scores + v points (kept within 0-100).
    """

    dist: Literal["uniform", "triangular", "normal", "lognormal", "discrete"] | None = None
    """Kind of distribution; leave out when `factor` names a shared factor instead."""
    name: Name | None = None
    """Label in the tornado and the reports (default: driver and what it applies to)."""
    driver: Driver
    """What the value changes (see the section's description)."""
    of: Name = "all"
    """What it applies to: `all`, or one workload (volume, growth, tokens), API provider
    (api_price, api_price_trend), GPU type (gpu_price), open model (throughput), API id or
    open model (quality). Salary applies to all."""
    factor: Name | None = None
    """A shared factor (under `factors`) whose draw this input takes: inputs on one factor
    move together (correlation)."""

    @model_validator(mode="after")
    def _parameters(self) -> UncertainInput:
        if self.factor is not None:
            if self.dist is not None:
                raise ValueError("give either a distribution (dist) or a shared factor"
                                 " (factor), not both")
            return self
        if self.dist is None:
            raise ValueError("no distribution (expected dist: uniform | triangular | normal |"
                             " lognormal | discrete, or factor: a shared factor's name)")
        return Distribution._parameters(self)


class Risk(Spec):
    cvar_alpha: float = Field(0.9, gt=0, lt=1)
    """The robust plan's tail: CVaR is the mean NPV over the worst 1 - alpha of the draws."""
    weight: Share = 0.0
    """Weight of CVaR in the robust objective: (1 - weight) x mean + weight x CVaR."""


class Uncertainty(Spec):
    seed: int = Field(0, ge=0)
    """Seed of every sample: the same seed gives the same draws, whatever the machine."""
    draws: int = Field(200, ge=1, le=1_000_000)
    """Monte Carlo draws when `tco montecarlo` is not given -n."""
    robust_draws: int = Field(20, ge=1, le=1000)
    """Draws of the robust plan's two-stage program (all joint discrete scenarios instead
    when every input is discrete and there are no more of them than this)."""
    factors: dict[Name, Distribution] = Field(default_factory=dict)
    """Shared factors by name: one draw each, taken by every input that names it."""
    inputs: list[UncertainInput] = Field(min_length=1)
    """The uncertain drivers."""
    risk: Risk = Risk()
    """Risk aversion of the robust plan (mean-CVaR); weight 0 = expected NPV only."""


class Scenario(Spec):
    name: Name
    """Title of the scenario."""
    description: str = ""
    """Free text shown in the reports."""
    extends: str | list[str] | None = None
    """Scenario file(s) this one builds on (resolved by the loader)."""
    horizon: Horizon = Horizon()
    """Planning horizon."""
    finance: Finance = Finance()
    """Currency and discounting."""
    workloads: list[Workload] = Field(min_length=1)
    """The LLM workloads to serve."""
    apis: list[Api] = Field(default_factory=list)
    """APIs that may be bought."""
    open_models: list[OpenModel] = Field(default_factory=list)
    """Open models that may be self-hosted."""
    gpus: list[Gpu] = Field(default_factory=list)
    """GPU types that may be used."""
    staffing: Staffing = Staffing()
    """People needed to self-host."""
    api_operations: ApiOperations = ApiOperations()
    """Fixed costs of the API path: per provider used and per workload on an API, a year."""
    switching: Switching = Switching()
    """What moving a workload between options costs."""
    capacity: Capacity = Capacity()
    """Serving headroom and redundancy."""
    fine_tunes: list[FineTune] = Field(default_factory=list)
    """Fine-tunes that may be trained."""
    cascades: list[Cascade] = Field(default_factory=list)
    """Model cascades: a cheap stage answers, escalating a share of requests to the next."""
    existing: Existing = Existing()
    """Assets already owned or signed, for re-planning."""
    constraints: Constraints = Constraints()
    """Policy caps."""
    tariffs: list[Tariff] = Field(default_factory=list)
    """Vendor offers besides list prices: two-part tariffs, commitments, provisioned units,
    service tiers (`tco catalog tariffs` lists the shipped ones)."""
    strategies: list[Strategy] = Field(default_factory=list)
    """Extra strategies to compare, besides the four built in."""
    api_price_trend_per_year: float | None = Field(None, gt=-1, le=10)
    """Default yearly price change of every API that sets no price_trend_per_year of its own
    (-0.3 = 30% cheaper each year); none = prices stay as they are."""
    solver: SolverSettings = SolverSettings()
    """Solver control."""
    uncertainty: Uncertainty | None = None
    """Uncertain inputs for `tco sensitivity`, `tco montecarlo` and `tco run --robust`."""
    review: Review | None = None
    """The previous plan to review against actuals in this run's reports (`tco roll` writes
    it): a Variance section in report.html and a Variance sheet in plan.xlsx."""

    @model_validator(mode="after")
    def _default_price_trend(self) -> Scenario:
        """Every API without its own price_trend_per_year takes api_price_trend_per_year."""
        trend = self.api_price_trend_per_year
        if trend is None or not any("price_trend_per_year" not in a.model_fields_set
                                    for a in self.apis):
            return self
        apis = [a if "price_trend_per_year" in a.model_fields_set
                else a.model_copy(update={"price_trend_per_year": trend}) for a in self.apis]
        return self.model_copy(update={"apis": apis})
