"""Options: the feasible ways to serve each workload, their unit costs and GPU work.

An option gets a row only when it meets the workload's quality, latency and residency and when
the model's context window holds the request (input + output tokens). Kinds:

- `api`: a provider's realtime API (any latency).
- `api_batch`: the provider's batch API (only for `batch` latency).
- `self_hosted`: an open model on a GPU type. Interactive workloads use the model's interactive
  operating point; standard and batch workloads its batch (saturated) point.
- Each of these with a fine-tune where one applies (`fine_tune` column set).
- Service tiers a provider sells (scenario `tariffs` of kind service_tier): `flex:` lanes at the
  flex multiplier of the realtime prices for the latencies the tier allows; a workload that
  `needs_priority` is served through an API only at the provider's priority tier (`priority:`
  lanes at the priority multiplier), and not by providers without one. Column `tier`:
  standard, priority or flex.

Unit costs per period at a share of 1 (the whole workload), undiscounted:

    api cost  = requests x (input x (1 - cached) x p_in
                + input x cached x ((1 - w) x p_cached + w x p_write)
                + output x p_out) / 1e6 x (1 + price trend)^years
    work      = requests x (input x (1 - cached x (1 - w)) / prefill_tps + output / decode_tps)
                / 3600 x peak_to_average (not for batch latency)  [replica-hours]

w = 1 / cache_reuse is the share of requests that write the cached prefix (0 when the workload
leaves cache_reuse out): they pay the cache-write price, a self-hosted replica prefills it.
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

from tco.catalog.types import Resolved, ResolvedApi, ResolvedModel
from tco.demand import Demand, Periods
from tco.objective import objective_of
from tco.scenario.schema import FineTune, Scenario, Strategy, Workload

ALL_KINDS = ("api", "api_batch", "self_hosted", "fine_tuned")


@dataclass(frozen=True)
class Options:
    """Every option kept, as one table row each, with per-period arrays aligned to the rows."""

    table: pd.DataFrame
    """Columns: workload (index), workload_name, option (label), kind, fine_tune, api, provider,
    model, gpu, point, deployment (index into `deployments`, -1 for APIs), tier (standard,
    priority, flex; None for self-hosted), quality,
    input_tokens (after any fine-tune reduction), p_input, p_cached, p_output, p_cache_write
    (USD per 1M, before trend), price_trend."""
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
    stage_tokens: np.ndarray | None = None
    """Per row, None or ((provider, tokens per period at share 1), ...) for rows whose tokens
    several providers serve (cascades, tco.levers); None when no row has any."""
    stage_apis: np.ndarray | None = None
    """Per row, None or the cascade's API stages (tco.levers.ApiStage), whose spend counts
    toward their provider's tariffs; None when no row has any."""
    usable: frozenset[str] = frozenset()
    """API ids and open model names some workload could use (before pruning by cost)."""
    stage_deployment: np.ndarray | None = None
    """Rows x 2: further deployments a row loads besides `deployment` (a cascade's second and
    third self-hosted stages), -1 where none; None when no row has any."""
    stage_work: np.ndarray | None = None
    """Rows x 2 x periods: replica-hours at share 1 on those deployments."""


def loads(opts: Options) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (row, deployment, replica-hours per period at share 1) the options put on a
    deployment: each row's own `deployment` and `work`, then its further stages'."""
    dep = opts.table["deployment"].to_numpy().astype(np.int64) if len(opts.table) else \
        np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(dep >= 0)
    out_r, out_d, out_w = [rows], [dep[rows]], [opts.work[rows]]
    if opts.stage_deployment is not None:
        r, k = np.nonzero(opts.stage_deployment >= 0)
        out_r.append(r)
        out_d.append(opts.stage_deployment[r, k])
        out_w.append(opts.stage_work[r, k])
    T = opts.work.shape[1] if opts.work.ndim == 2 else 0
    return (np.concatenate(out_r), np.concatenate(out_d),
            np.concatenate(out_w) if sum(len(w) for w in out_w) else np.zeros((0, T)))


def gpu_hours(opts: Options, x: np.ndarray) -> np.ndarray:
    """GPU-hours per row and period at shares x: each load's replica-hours x GPUs per replica
    of its deployment."""
    out = np.zeros_like(x, dtype=float)
    rows, deps, work = loads(opts)
    if len(rows):
        gpr = opts.deployments["gpus_per_replica"].to_numpy(dtype=float)[deps]
        np.add.at(out, rows, work * x[rows] * gpr[:, None])
    return out


def replica_hours(opts: Options, x: np.ndarray) -> np.ndarray:
    """Replica-hours per row and period at shares x, summed over the deployments it loads."""
    out = np.zeros_like(x, dtype=float)
    rows, _, work = loads(opts)
    if len(rows):
        np.add.at(out, rows, work * x[rows])
    return out


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


def enumerate_options(
    scenario: Scenario,
    resolved: Resolved,
    periods: Periods,
    demand: Demand,
    strategy: Strategy | None = None,
) -> Options:
    """All feasible options of every workload under `strategy`, dominated API options pruned."""
    from pyomo.common.gc_manager import PauseGC

    from tco import levers

    with PauseGC():  # many small objects, no garbage: the collector only costs time
        ext, ext_demand, origin, variant = levers.variant_workloads(scenario, demand)
        opts = _enumerate(ext, resolved, periods, ext_demand, strategy)
        opts = levers.cascade_options(opts, ext, resolved, periods, ext_demand, strategy)
        opts = levers.fold_variants(opts, scenario, ext, origin, variant, ext_demand)
        opts = levers.cache_options(opts, scenario, demand)
        opts = levers.with_lever_columns(opts)
        quoted = frozenset(t.provider for t in getattr(resolved, "tariffs", ())
                           if t.kind != "service_tier")
        return prune_dominated(opts, provider_cap=scenario.constraints.max_share_per_provider,
                               with_errors=objective_of(scenario)[0] != "cash", exempt=quoted)


class _Block:
    """Kept rows of one candidate (API mode or model on a GPU) for a set of workloads."""

    def __init__(self, service_tiers: dict | None = None):
        self.parts: list[dict] = []
        self.rejected: list[tuple[int, int, int, str]] = []
        self.service_tiers = service_tiers or {}
        """(provider, tier) -> the resolved service_tier tariff."""


def _enumerate(scenario, resolved, periods, demand, strategy) -> Options:
    """Vectorised over workloads: each candidate (API mode, model on a GPU, with or without a
    fine-tune) is checked and priced for all its workloads at once with numpy, then the rows
    are put in the order workload, variant (none, then fine-tunes in scenario order),
    candidate (APIs in catalog order, realtime before batch, then models and their GPUs)."""
    caching = strategy.prompt_caching if strategy else True
    ws = scenario.workloads
    W = len(ws)
    index_of = {w.name: i for i, w in enumerate(ws)}
    task = [w.task for w in ws]
    latency = np.array([w.latency for w in ws], dtype=object)
    min_q = np.array([w.min_quality for w in ws], dtype=float)
    err = np.array([w.error_cost_usd for w in ws], dtype=float)
    inp0, outp = demand.input_tokens, demand.output_tokens
    cached_share, peak = demand.cached_share, demand.peak_to_average
    req = demand.requests
    years = periods.years_from_start
    acc = _Block({(t.provider, t.tier): t for t in getattr(resolved, "tariffs", ())
                  if t.kind == "service_tier"})
    rules = _Rules.of(ws, strategy)

    variants: list[tuple[FineTune | None, np.ndarray, int]] = [(None, np.arange(W), 0)]
    for fi, ft in enumerate(scenario.fine_tunes):
        idx = np.array([index_of[n] for n in ft.workloads if n in index_of], dtype=np.int64)
        variants.append((ft, idx, 1 + fi))
    n_api = len(resolved.apis)
    model_rank, r = [], 3 * n_api
    for model in resolved.models:
        model_rank.append(r)
        r += len(model.serving)

    for ft, widx, vrank in variants:
        for ai, api in enumerate(resolved.apis):
            if ft is not None and ft.base != api.id:
                continue
            _api_block(acc, widx, vrank, 3 * ai, api, ft, strategy, caching, ws, task, latency,
                       min_q, err, inp0, outp, cached_share, req, years, rules)
        for mi, model in enumerate(resolved.models):
            if ft is not None and ft.base != model.name:
                continue
            _self_block(acc, widx, vrank, model_rank[mi], model, ft, strategy, ws, task,
                        latency, min_q, err, inp0, outp, cached_share, peak, req, rules)

    table, arrays, deployments = _assemble(acc, ws, latency, periods.count)
    rejected: dict[str, list[str]] = {}
    for w, _, _, text in sorted(acc.rejected, key=lambda x: x[:3]):
        rejected.setdefault(ws[w].name, []).append(text)
    usable = frozenset(table["api"].dropna()) | frozenset(deployments["base_model"].dropna())
    return Options(table=table, api_cost=arrays["api_cost"], error_cost=arrays["error"],
                   work=arrays["work"], tokens=arrays["tokens"], deployments=deployments,
                   rejected=rejected, candidates=len(table), usable=usable)


def _times(prices, multiplier: float):
    """Token prices times a service tier's multiplier (None stays None: not sold)."""
    if prices is None or multiplier == 1.0:
        return prices
    from dataclasses import replace

    return replace(prices, input=prices.input * multiplier,
                   cached_input=prices.cached_input * multiplier,
                   output=prices.output * multiplier,
                   cache_write=None if prices.cache_write is None
                   else prices.cache_write * multiplier,
                   source=f"{prices.source}; service tier x{multiplier:g}")


def _write_share(ws, widx) -> np.ndarray:
    """1 / cache_reuse of each workload in `widx`: the share of requests writing the prefix."""
    return np.array([1.0 / ws[w].cache_reuse if ws[w].cache_reuse else 0.0
                     for w in widx.tolist()], dtype=float)


@dataclass(frozen=True)
class _Rules:
    """Per workload: the pin/allow patterns in force (None = any) and whether the strategy's
    own restrictions are waived for it (a pinned workload keeps its forced options in every
    strategy: residency self_hosted, a workload's pin/allow, or the strategy's pin/allow)."""

    patterns: list
    exempt: np.ndarray
    source: list

    @classmethod
    def of(cls, ws, strategy: Strategy | None) -> _Rules:
        patterns, exempt, source = [], [], []
        for w in ws:
            if strategy is not None and w.name in strategy.pin:
                pats, src = [strategy.pin[w.name]], f"strategy {strategy.name} pins"
            elif strategy is not None and w.name in strategy.allow:
                pats, src = list(strategy.allow[w.name]), f"strategy {strategy.name} allows"
            elif w.pin is not None:
                pats, src = [w.pin], "pin"
            else:
                pats, src = w.allow, "allow"
            patterns.append(pats)
            source.append(src)
            exempt.append(pats is not None or w.residency in ("self_hosted", []))
        return cls(patterns, np.array(exempt, dtype=bool), source)

    def keep(self, acc, sub, vrank: int, crank: int, labels: list[str], names: list[str]):
        """The rows of `sub` whose pin/allow patterns match one of `names` (others rejected)."""
        ok = []
        for k, w in enumerate(sub.tolist()):
            pats = self.patterns[w]
            if pats is None or any(p in names for p in pats):
                ok.append(k)
            else:
                shown = pats[0] if len(pats) == 1 else pats
                acc.rejected.append((w, vrank, crank,
                                     f"{labels[k]}: not {self.source[w]} {shown}"))
        return sub[ok]


def _reject(acc: _Block, widx, vrank: int, crank: int, label: str, reason) -> None:
    for k, w in enumerate(widx.tolist()):
        text = reason if isinstance(reason, str) else reason[k]
        acc.rejected.append((w, vrank, crank, f"{label}: {text}"))


def _quality_vec(scores: dict[str, float], task, widx, ft: FineTune | None):
    q = np.array([scores.get(task[w], np.nan) for w in widx.tolist()], dtype=float)
    if ft is not None:
        q = q + np.array([ft.quality_uplift.get(task[w], 0.0) for w in widx.tolist()])
    else:
        q = q + 0.0
    return q


def _checks(acc, widx, vrank, crank, label, ws, task, min_q, q, total, window):
    """Keep mask after the context window and quality checks; reasons recorded.

    `label` is the option's label, or one label per row of `widx`.
    """
    def name(k: int) -> str:
        return label if isinstance(label, str) else label[k]

    keep = np.ones(len(widx), dtype=bool)
    if window:
        over = total > window
        for k in np.flatnonzero(over):
            acc.rejected.append((int(widx[k]), vrank, crank,
                                 f"{name(k)}: request of {total[k]:,.0f} tokens exceeds the "
                                 f"context window of {window:,}"))
        keep &= ~over
    bad = keep & (np.isnan(q) | (q < min_q[widx]))
    for k in np.flatnonzero(bad):
        w = int(widx[k])
        qq = None if np.isnan(q[k]) else float(q[k])
        acc.rejected.append((w, vrank, crank, f"{name(k)}: {_quality_reason(qq, ws[w])}"))
    return keep & ~bad


def _api_block(acc, widx, vrank, crank0, api: ResolvedApi, ft, strategy, caching, ws, task,
               latency, min_q, err, inp0, outp, cached_share, req, years, rules) -> None:
    prio = np.array([ws[w].needs_priority for w in widx.tolist()], dtype=bool)
    priority = acc.service_tiers.get((api.provider, "priority"))
    flex = acc.service_tiers.get((api.provider, "flex"))
    if ft is not None:
        modes = [("fine_tuned", widx[~prio], "standard", 0), ("fine_tuned", widx[prio],
                                                                "priority", 0)]
    else:
        flexible = np.isin(latency[widx], list(flex.latencies)) if flex else np.zeros(
            len(widx), dtype=bool)
        modes = [("realtime", widx[~prio], "standard", 0), ("realtime", widx[prio], "priority", 0),
                 ("batch", widx[(latency[widx] == "batch") & ~prio], "standard", 1),
                 ("flex", widx[flexible & ~prio], "flex", 2)]
    for mode, sub, tier, mi in modes:
        if not len(sub):
            continue
        crank = crank0 + mi
        kind = "api_batch" if mode == "batch" else "api"
        prefix = "ft:" + ft.name + "@" if ft else ("batch:" if mode == "batch" else "api:")
        if tier != "standard":
            prefix = tier + ":" + (prefix if ft else "")
        label = prefix + api.id
        multiplier = 1.0
        if tier == "priority":
            allowed = priority is not None and np.isin(latency[sub], list(priority.latencies))
            if priority is None:
                _reject(acc, sub, vrank, crank, label, "the workload needs priority processing "
                                                       f"and {api.provider} sells no priority "
                                                       "tier (tariffs: kind service_tier)")
                continue
            if not allowed.all():
                _reject(acc, sub[~allowed], vrank, crank, label,
                        f"the {api.provider} priority tier serves only "
                        f"{', '.join(priority.latencies)} latency")
                sub = sub[allowed]
                if not len(sub):
                    continue
            multiplier = priority.price_multiplier
        elif tier == "flex":
            multiplier = flex.price_multiplier
        free = ~rules.exempt[sub]
        why = None
        if not _kind_allowed(strategy, kind, ft):
            why = f"strategy {strategy.name} excludes {kind}{' fine-tunes' if ft else ''}"
        elif not _allowed(strategy, "providers", api.provider):
            why = f"strategy {strategy.name} excludes provider {api.provider}"
        if why:
            _reject(acc, sub[free], vrank, crank, label, why)
            sub = sub[~free]
        sub = rules.keep(acc, sub, vrank, crank, [label] * len(sub),
                         [label, api.id, api.provider, kind] + ([ft.name] if ft else []))
        if not len(sub):
            continue
        res = [_residency_reason(ws[w], api.provider) for w in sub.tolist()]
        ok = np.array([x is None for x in res], dtype=bool)
        for k in np.flatnonzero(~ok):
            acc.rejected.append((int(sub[k]), vrank, crank, f"{label}: {res[k]}"))
        sub = sub[ok]
        if not len(sub):
            continue
        red = ft.input_token_reduction if ft else 0.0
        input_tokens = inp0[sub] * (1.0 - red)
        prices = [_times(api.prices(x, "realtime" if mode == "flex" else mode), multiplier)
                  for x in input_tokens.tolist()]
        has = np.array([p is not None for p in prices], dtype=bool)
        if not has.all():
            what = "fine-tuning" if mode == "fine_tuned" else "batch API"
            _reject(acc, sub[~has], vrank, crank, label, f"the provider sells no {what}")
            sub, input_tokens = sub[has], input_tokens[has]
            prices = [p for p in prices if p is not None]
            if not len(sub):
                continue
        q = _quality_vec(api.quality, task, sub, ft)
        keep = _checks(acc, sub, vrank, crank, label, ws, task, min_q, q,
                       input_tokens + outp[sub], api.context_window_tokens)
        if not keep.any():
            continue
        sub, input_tokens, q = sub[keep], input_tokens[keep], q[keep]
        prices = [p for p, k in zip(prices, keep.tolist()) if k]
        p_in = np.array([p.input for p in prices], dtype=float)
        use_cache = np.full(len(sub), caching) | rules.exempt[sub]
        p_cached = np.where(use_cache, np.array([p.cached_input for p in prices], dtype=float),
                            p_in)
        p_out = np.array([p.output for p in prices], dtype=float)
        p_write = np.where(use_cache, np.array([p.write for p in prices], dtype=float), p_in)
        cached = np.where(use_cache, cached_share[sub], 0.0)
        w = _write_share(ws, sub)
        per_request = (input_tokens * (1 - cached) * p_in
                       + input_tokens * cached * ((1 - w) * p_cached + w * p_write)
                       + outp[sub] * p_out) / 1e6
        trend = (1.0 + api.price_trend_per_year) ** years
        r = req[sub]
        n = len(sub)
        acc.parts.append(dict(
            w=sub, vrank=vrank, crank=crank, option=[label] * n, kind=[kind] * n,
            fine_tune=[ft.name if ft else None] * n, api=[api.id] * n,
            provider=[api.provider] * n, model=[None] * n, gpu=[None] * n, point=[None] * n,
            tier=[tier] * n, dep_key=None, quality=q, input_tokens=input_tokens, p_input=p_in,
            p_cached=p_cached, p_output=p_out, p_cache_write=p_write,
            price_trend=np.full(n, api.price_trend_per_year),
            api_cost=r * per_request[:, None] * trend[None, :],
            error=r * (1 - q / 100.0)[:, None] * err[sub][:, None],
            work=np.zeros_like(r), tokens=r * (inp0[sub] + outp[sub])[:, None]))


def _self_block(acc, widx, vrank, crank0, model: ResolvedModel, ft, strategy, ws, task, latency,
                min_q, err, inp0, outp, cached_share, peak, req, rules) -> None:
    served = ft.name if ft else model.name
    interactive = latency[widx] == "interactive"
    for gi, (gpu, serving) in enumerate(model.serving.items()):
        crank = crank0 + gi
        labels = np.where(interactive, f"{'ft' if ft else 'self'}:{served}@{gpu}/interactive",
                          f"{'ft' if ft else 'self'}:{served}@{gpu}/batch")
        reason = None
        if not _kind_allowed(strategy, "self_hosted", ft):
            reason = f"strategy {strategy.name} excludes self_hosted{' fine-tunes' if ft else ''}"
        elif not _allowed(strategy, "models", model.name):
            reason = f"strategy {strategy.name} excludes model {model.name}"
        elif not _allowed(strategy, "gpus", gpu):
            reason = f"strategy {strategy.name} excludes GPU {gpu}"
        free = ~rules.exempt[widx] if reason else np.zeros(len(widx), dtype=bool)
        for k in np.flatnonzero(free):
            acc.rejected.append((int(widx[k]), vrank, crank, f"{labels[k]}: {reason}"))
        names = [served, model.name, gpu, f"{model.name}@{gpu}", "self_hosted"] + (
            [ft.name, "fine_tuned"] if ft else [])
        kept = rules.keep(acc, widx[~free], vrank, crank, labels[~free].tolist(), names)
        mask = np.isin(widx, kept)
        w_sub, labels, inter_sub = widx[mask], labels[mask], interactive[mask]
        if not len(w_sub):
            continue
        red = ft.input_token_reduction if ft else 0.0
        input_tokens = inp0[w_sub] * (1.0 - red)
        q = _quality_vec(model.quality, task, w_sub, ft)
        keep = _checks(acc, w_sub, vrank, crank, labels, ws, task, min_q, q,
                       input_tokens + outp[w_sub], model.context_window_tokens)
        if not keep.any():
            continue
        sub, it, q, inter = w_sub[keep], input_tokens[keep], q[keep], inter_sub[keep]
        pre = np.where(inter, serving.interactive.prefill_tokens_per_s,
                       serving.batch.prefill_tokens_per_s)
        dec = np.where(inter, serving.interactive.decode_tokens_per_s,
                       serving.batch.decode_tokens_per_s)
        seconds = it * (1 - cached_share[sub] * (1 - _write_share(ws, sub))) / pre + outp[sub] / dec
        pk = np.where(latency[sub] != "batch", peak[sub], 1.0)
        points = np.where(inter, "interactive", "batch").tolist()
        r = req[sub]
        n = len(sub)
        acc.parts.append(dict(
            w=sub, vrank=vrank, crank=crank, option=labels[keep].tolist(),
            kind=["self_hosted"] * n, fine_tune=[ft.name if ft else None] * n, api=[None] * n,
            provider=[None] * n, model=[served] * n, gpu=[gpu] * n, point=points, tier=[None] * n,
            dep_key=(served, model.name, gpu, serving.gpus_per_replica,
                     ft.name if ft else None),
            quality=q, input_tokens=it, p_input=np.zeros(n), p_cached=np.zeros(n),
            p_output=np.zeros(n), p_cache_write=np.zeros(n), price_trend=np.zeros(n),
            api_cost=np.zeros_like(r), error=r * (1 - q / 100.0)[:, None] * err[sub][:, None],
            work=r * seconds[:, None] / 3600.0 * pk[:, None],
            tokens=r * (inp0[sub] + outp[sub])[:, None]))


def _assemble(acc: _Block, ws, latency, n_t: int):
    """Rows of every block in (workload, variant, candidate) order; deployments numbered in
    order of first use."""
    parts = acc.parts
    obj_cols = ["option", "kind", "fine_tune", "api", "provider", "model", "gpu", "point", "tier"]
    num_cols = ["quality", "input_tokens", "p_input", "p_cached", "p_output", "p_cache_write",
                "price_trend"]
    mat_cols = ["api_cost", "error", "work", "tokens"]
    if not parts:
        table = pd.DataFrame([], columns=_COLUMNS)
        arrays = {c: np.zeros((0, n_t)) for c in mat_cols}
        return table, arrays, pd.DataFrame([], columns=_DEPLOY_COLUMNS)
    w = np.concatenate([p["w"] for p in parts]).astype(np.int64)
    vr = np.concatenate([np.full(len(p["w"]), p["vrank"]) for p in parts])
    cr = np.concatenate([np.full(len(p["w"]), p["crank"]) for p in parts])
    order = np.lexsort((cr, vr, w))
    part_of = np.concatenate([np.full(len(p["w"]), i) for i, p in enumerate(parts)])[order]
    cols = {}
    for c in obj_cols:
        flat = [x for p in parts for x in p[c]]
        cols[c] = [flat[i] for i in order.tolist()]
    points = cols["point"]
    deployments: dict[tuple, dict] = {}
    dep = np.full(len(order), -1, dtype=np.int64)
    for k, (pi, wk) in enumerate(zip(part_of.tolist(), w[order].tolist())):
        key = parts[pi]["dep_key"]
        if key is None:
            continue
        served, base, gpu, gpr, ft = key
        d = deployments.get((served, gpu, points[k]))
        if d is None:
            d = dict(served=served, base_model=base, gpu=gpu, point=points[k],
                     gpus_per_replica=gpr, needs_min_replicas=False, fine_tune=ft,
                     index=len(deployments))
            deployments[(served, gpu, points[k])] = d
        if latency[wk] != "batch":
            d["needs_min_replicas"] = True
        dep[k] = d["index"]
    names = [ws[i].name for i in w[order].tolist()]
    data = {"workload": w[order], "workload_name": names, **cols, "deployment": dep}
    for c in num_cols:
        data[c] = np.concatenate([p[c] for p in parts])[order]
    table = pd.DataFrame(data)[_COLUMNS]
    arrays = {c: np.concatenate([p[c] for p in parts])[order] for c in mat_cols}
    deps = pd.DataFrame(list(deployments.values()), columns=_DEPLOY_COLUMNS)
    return table, arrays, deps


_COLUMNS = ["workload", "workload_name", "option", "kind", "fine_tune", "api", "provider",
            "model", "gpu", "point", "deployment", "tier", "quality", "input_tokens", "p_input",
            "p_cached", "p_output", "p_cache_write", "price_trend"]
_DEPLOY_COLUMNS = ["served", "base_model", "gpu", "point", "gpus_per_replica",
                   "needs_min_replicas", "fine_tune"]


def _quality_reason(quality: float | None, w: Workload) -> str:
    if quality is None:
        return f"quality: no score for task '{w.task}'"
    return f"quality: {quality:g} below the minimum {w.min_quality:g}"


def prune_dominated(opts: Options, provider_cap: float | None,
                    with_errors: bool = True,
                    exempt: frozenset[str] = frozenset()) -> Options:
    """Drop API options another API option of the same workload dominates in every period.

    Two options are comparable only when interchangeable under every coupling constraint:
    the same fine-tune (or none), and the same provider when a provider share cap applies.
    Options of `exempt` providers (those with price plans or provisioned units, whose prices
    the plan decides) are neither pruned nor used to prune.
    Ties keep the first option in scenario order, so the result is deterministic. Costs are
    what the plan minimises: API spend, plus expected error cost unless the objective is cash.
    """
    t = opts.table
    if t.empty:
        return opts
    cost = opts.api_cost + opts.error_cost if with_errors else opts.api_cost
    is_api = t["kind"].isin(["api", "api_batch"]).to_numpy() & ~t["provider"].isin(
        list(exempt)).to_numpy()
    group_provider = t["provider"] if provider_cap is not None else pd.Series("", index=t.index)
    # Rows of another prompt variant or with a cache are gated by other adoption decisions
    # (tco.model.levers), so they are interchangeable only among themselves.
    lever = (t["variant"].fillna("") + "|" + t["cache"].astype(str) if "variant" in t
             else pd.Series("", index=t.index))
    groups = defaultdict(list)
    for i, (w, ft, prov, lv, api) in enumerate(zip(t["workload"].tolist(),
                                                   t["fine_tune"].fillna("").tolist(),
                                                   group_provider.fillna("").tolist(),
                                                   lever.tolist(), is_api.tolist())):
        if api:
            groups[(w, ft, prov, lv)].append(i)
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
        rejected=opts.rejected, pruned=int(len(t) - len(idx)), candidates=opts.candidates,
        stage_tokens=None if opts.stage_tokens is None else opts.stage_tokens[idx],
        stage_apis=None if opts.stage_apis is None else opts.stage_apis[idx],
        usable=opts.usable,
        stage_deployment=None if opts.stage_deployment is None else opts.stage_deployment[idx],
        stage_work=None if opts.stage_work is None else opts.stage_work[idx])
