"""Options: the feasible ways to serve each workload, their unit costs and GPU work.

An option gets a row only when it meets the workload's quality, latency and residency and when
the model's context window holds the request (input + output tokens). Kinds:

- `api`: a provider's realtime API (any latency).
- `api_batch`: the provider's batch API (only for `batch` latency).
- `self_hosted`: an open model on a GPU type. Interactive workloads use the model's interactive
  operating point; standard and batch workloads its batch (saturated) point.
- Each of these with a fine-tune where one applies (`fine_tune` column set).

Unit costs per period at a share of 1 (the whole workload), undiscounted:

    api cost  = requests x (input x (1 - cached) x p_in + input x cached x p_cached
                + output x p_out) / 1e6 x (1 + price trend)^years
    work      = requests x (input x (1 - cached) / prefill_tps + output / decode_tps) / 3600
                x peak_to_average (not for batch latency)        [replica-hours]
    error     = requests x (1 - quality / 100) x error_cost_usd

Prefill and decode are counted as sequential uses of a replica (conservative: continuous
batching overlaps them). Peaks of workloads sharing a replica pool are assumed to coincide.
For batch APIs the provider's batch prices apply to every token kind, so cache and batch
discounts stack as the providers' price lists say, never twice.

Pruning: an API option is dropped when another API option for the same workload costs no more
in every period and is interchangeable under every coupling constraint (same fine-tune; same
provider when a provider share cap applies). Self-hosted options share GPU capacity and are
never pruned by cost alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tco.catalog.types import Resolved, ResolvedApi, ResolvedModel, TokenPrices
from tco.demand import Demand, Periods
from tco.scenario.schema import FineTune, Scenario, Strategy, Workload

ALL_KINDS = ("api", "api_batch", "self_hosted", "fine_tuned")


@dataclass(frozen=True)
class Options:
    """Every option kept, as one table row each, with per-period arrays aligned to the rows."""

    table: pd.DataFrame
    """Columns: workload (index), workload_name, option (label), kind, fine_tune, api, provider,
    model, gpu, point, deployment (index into `deployments`, -1 for APIs), quality,
    input_tokens (after any fine-tune reduction), p_input, p_cached, p_output (USD per 1M, before
    trend), price_trend."""
    api_cost: np.ndarray
    """USD per period at share 1 (options x periods); 0 for self-hosted."""
    error_cost: np.ndarray
    """Expected error cost, USD per period at share 1."""
    work: np.ndarray
    """Replica-hours per period at share 1; 0 for APIs."""
    tokens: np.ndarray
    """Tokens (input + output) per period at share 1, for provider share caps."""
    deployments: pd.DataFrame
    """One row per (served model, GPU, point): served, base_model, gpu, point, gpus_per_replica,
    needs_min_replicas (serves interactive or standard traffic), fine_tune."""
    rejected: dict[str, list[str]] = field(default_factory=dict)
    """Per workload name: why each candidate was not kept (for infeasibility messages)."""
    pruned: int = 0
    """Number of dominated API options dropped."""
    candidates: int = 0
    """Number of feasible options before pruning."""


@dataclass
class _Rows:
    rows: list[dict] = field(default_factory=list)
    api_cost: list[np.ndarray] = field(default_factory=list)
    error: list[np.ndarray] = field(default_factory=list)
    work: list[np.ndarray] = field(default_factory=list)
    tokens: list[np.ndarray] = field(default_factory=list)


def _allowed(strategy: Strategy | None, attr: str, value: str) -> bool:
    allowed = getattr(strategy, attr, None) if strategy else None
    return allowed is None or value in allowed


def _kind_allowed(strategy: Strategy | None, kind: str, fine_tune: FineTune | None) -> bool:
    kinds = strategy.option_kinds if strategy and strategy.option_kinds is not None else ALL_KINDS
    return kind in kinds and (fine_tune is None or "fine_tuned" in kinds)


def _residency_reason(w: Workload, provider: str | None) -> str | None:
    """Why residency forbids this option, or None when it is allowed."""
    if provider is None or w.residency == "any":
        return None
    if w.residency == "self_hosted":
        return "residency: self_hosted only"
    if provider not in w.residency:
        return f"residency: provider {provider} not in {list(w.residency)}"
    return None


def _quality(scores: dict[str, float], w: Workload, ft: FineTune | None) -> float | None:
    if w.task not in scores:
        return None
    return scores[w.task] + (ft.quality_uplift.get(w.task, 0.0) if ft else 0.0)


def enumerate_options(
    scenario: Scenario,
    resolved: Resolved,
    periods: Periods,
    demand: Demand,
    strategy: Strategy | None = None,
) -> Options:
    """All feasible options of every workload under `strategy`, dominated API options pruned."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():  # many small objects, no garbage: the collector only costs time
        return _enumerate(scenario, resolved, periods, demand, strategy)


def _enumerate(scenario, resolved, periods, demand, strategy) -> Options:
    caching = strategy.prompt_caching if strategy else True
    out = _Rows()
    rejected: dict[str, list[str]] = defaultdict(list)
    deployments: dict[tuple[str, str, str], dict] = {}
    fts_by_workload: dict[str, list[FineTune]] = defaultdict(list)
    for ft in scenario.fine_tunes:
        for wname in ft.workloads:
            fts_by_workload[wname].append(ft)

    for wi, w in enumerate(scenario.workloads):
        variants: list[FineTune | None] = [None, *fts_by_workload.get(w.name, [])]
        for ft in variants:
            for api in resolved.apis:
                if ft is not None and ft.base != api.id:
                    continue
                _api_options(out, rejected, wi, w, api, ft, scenario, periods, demand,
                             strategy, caching)
            for model in resolved.models:
                if ft is not None and ft.base != model.name:
                    continue
                _self_options(out, rejected, deployments, wi, w, model, ft, periods, demand,
                              scenario, strategy)

    table = pd.DataFrame(out.rows, columns=_COLUMNS)
    n_t = periods.count
    arr = (lambda xs: np.vstack(xs) if xs else np.zeros((0, n_t)))
    opts = Options(
        table=table,
        api_cost=arr(out.api_cost),
        error_cost=arr(out.error),
        work=arr(out.work),
        tokens=arr(out.tokens),
        deployments=pd.DataFrame(list(deployments.values()), columns=_DEPLOY_COLUMNS),
        rejected=dict(rejected),
        candidates=len(table),
    )
    return prune_dominated(opts, provider_cap=scenario.constraints.max_share_per_provider)


_COLUMNS = ["workload", "workload_name", "option", "kind", "fine_tune", "api", "provider",
            "model", "gpu", "point", "deployment", "quality", "input_tokens", "p_input",
            "p_cached", "p_output", "price_trend"]
_DEPLOY_COLUMNS = ["served", "base_model", "gpu", "point", "gpus_per_replica",
                   "needs_min_replicas", "fine_tune"]


def _api_options(out, rejected, wi, w, api: ResolvedApi, ft, scenario, periods, demand,
                 strategy, caching) -> None:
    modes = ["realtime", "batch"] if w.latency == "batch" else ["realtime"]
    if ft is not None:
        modes = ["fine_tuned"]
    for mode in modes:
        kind = "api_batch" if mode == "batch" else "api"
        label = ("ft:" + ft.name + "@" if ft else ("batch:" if mode == "batch" else "api:")) + api.id
        reason = _api_reason(w, api, ft, mode, strategy, kind)
        if reason:
            rejected[w.name].append(f"{label}: {reason}")
            continue
        input_tokens = w.input_tokens * (1.0 - (ft.input_token_reduction if ft else 0.0))
        prices: TokenPrices | None = api.prices(input_tokens, mode)
        if prices is None:
            what = "fine-tuning" if mode == "fine_tuned" else "a batch API"
            rejected[w.name].append(f"{label}: the provider sells no {what}")
            continue
        if api.context_window_tokens and input_tokens + w.output_tokens > api.context_window_tokens:
            rejected[w.name].append(
                f"{label}: request of {input_tokens + w.output_tokens:,.0f} tokens exceeds the "
                f"context window of {api.context_window_tokens:,}")
            continue
        quality = _quality(api.quality, w, ft)
        if quality is None or quality < w.min_quality:
            rejected[w.name].append(f"{label}: {_quality_reason(quality, w)}")
            continue
        cached = w.cached_input_share if caching else 0.0
        p_cached = prices.cached_input if caching else prices.input
        per_request = (input_tokens * (1 - cached) * prices.input + input_tokens * cached * p_cached
                       + w.output_tokens * prices.output) / 1e6
        trend = (1.0 + api.price_trend_per_year) ** periods.years_from_start
        requests = demand.requests[wi]
        out.rows.append(dict(
            workload=wi, workload_name=w.name, option=label, kind=kind,
            fine_tune=ft.name if ft else None, api=api.id, provider=api.provider, model=None,
            gpu=None, point=None, deployment=-1, quality=quality, input_tokens=input_tokens,
            p_input=prices.input, p_cached=p_cached, p_output=prices.output,
            price_trend=api.price_trend_per_year))
        out.api_cost.append(requests * per_request * trend)
        out.error.append(requests * (1 - quality / 100.0) * w.error_cost_usd)
        out.work.append(np.zeros_like(requests))
        out.tokens.append(requests * (w.input_tokens + w.output_tokens))


def _api_reason(w, api, ft, mode, strategy, kind) -> str | None:
    if not _kind_allowed(strategy, kind, ft):
        return f"strategy {strategy.name} excludes {kind}{' fine-tunes' if ft else ''}"
    if not _allowed(strategy, "providers", api.provider):
        return f"strategy {strategy.name} excludes provider {api.provider}"
    return _residency_reason(w, api.provider)


def _quality_reason(quality: float | None, w: Workload) -> str:
    if quality is None:
        return f"quality: no score for task '{w.task}'"
    return f"quality: {quality:g} below the minimum {w.min_quality:g}"


def _self_options(out, rejected, deployments, wi, w, model: ResolvedModel, ft, periods, demand,
                  scenario, strategy) -> None:
    point = "interactive" if w.latency == "interactive" else "batch"
    served = ft.name if ft else model.name
    for gpu, serving in model.serving.items():
        label = f"{'ft' if ft else 'self'}:{served}@{gpu}/{point}"
        reason = None
        if not _kind_allowed(strategy, "self_hosted", ft):
            reason = f"strategy {strategy.name} excludes self_hosted{' fine-tunes' if ft else ''}"
        elif not _allowed(strategy, "models", model.name):
            reason = f"strategy {strategy.name} excludes model {model.name}"
        elif not _allowed(strategy, "gpus", gpu):
            reason = f"strategy {strategy.name} excludes GPU {gpu}"
        if reason:
            rejected[w.name].append(f"{label}: {reason}")
            continue
        input_tokens = w.input_tokens * (1.0 - (ft.input_token_reduction if ft else 0.0))
        if input_tokens + w.output_tokens > model.context_window_tokens:
            rejected[w.name].append(
                f"{label}: request of {input_tokens + w.output_tokens:,.0f} tokens exceeds the "
                f"context window of {model.context_window_tokens:,}")
            continue
        quality = _quality(model.quality, w, ft)
        if quality is None or quality < w.min_quality:
            rejected[w.name].append(f"{label}: {_quality_reason(quality, w)}")
            continue
        op = serving.interactive if point == "interactive" else serving.batch
        key = (served, gpu, point)
        dep = deployments.setdefault(key, dict(
            served=served, base_model=model.name, gpu=gpu, point=point,
            gpus_per_replica=serving.gpus_per_replica, needs_min_replicas=False,
            fine_tune=ft.name if ft else None, index=len(deployments)))
        if w.latency != "batch":
            dep["needs_min_replicas"] = True
        seconds = (input_tokens * (1 - w.cached_input_share) / op.prefill_tokens_per_s
                   + w.output_tokens / op.decode_tokens_per_s)
        peak = w.peak_to_average if w.latency != "batch" else 1.0
        requests = demand.requests[wi]
        out.rows.append(dict(
            workload=wi, workload_name=w.name, option=label, kind="self_hosted",
            fine_tune=ft.name if ft else None, api=None, provider=None, model=served, gpu=gpu,
            point=point, deployment=dep["index"], quality=quality, input_tokens=input_tokens,
            p_input=0.0, p_cached=0.0, p_output=0.0, price_trend=0.0))
        out.api_cost.append(np.zeros_like(requests))
        out.error.append(requests * (1 - quality / 100.0) * w.error_cost_usd)
        out.work.append(requests * seconds / 3600.0 * peak)
        out.tokens.append(requests * (w.input_tokens + w.output_tokens))


def prune_dominated(opts: Options, provider_cap: float | None) -> Options:
    """Drop API options another API option of the same workload dominates in every period.

    Two options are comparable only when interchangeable under every coupling constraint:
    the same fine-tune (or none), and the same provider when a provider share cap applies.
    Ties keep the first option in scenario order, so the result is deterministic.
    """
    t = opts.table
    if t.empty:
        return opts
    cost = opts.api_cost + opts.error_cost
    is_api = t["kind"].isin(["api", "api_batch"]).to_numpy()
    group_provider = t["provider"] if provider_cap is not None else pd.Series("", index=t.index)
    groups = defaultdict(list)
    for i, (w, ft, prov, api) in enumerate(zip(t["workload"], t["fine_tune"].fillna(""),
                                               group_provider.fillna(""), is_api)):
        if api:
            groups[(w, ft, prov)].append(i)
    keep = np.ones(len(t), dtype=bool)
    for members in groups.values():
        if len(members) < 2:
            continue
        order = sorted(members, key=lambda i: (cost[i].sum(), i))
        kept: list[int] = []
        for i in order:
            if any(np.all(cost[k] <= cost[i] + 1e-9 * np.abs(cost[i])) for k in kept):
                keep[i] = False
            else:
                kept.append(i)
    idx = np.flatnonzero(keep)
    table = t.iloc[idx].reset_index(drop=True)
    return Options(
        table=table, api_cost=opts.api_cost[idx], error_cost=opts.error_cost[idx],
        work=opts.work[idx], tokens=opts.tokens[idx], deployments=opts.deployments,
        rejected=opts.rejected, pruned=int(len(t) - len(idx)), candidates=opts.candidates)
