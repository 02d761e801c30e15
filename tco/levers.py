"""Levers as options: prompt variants, model cascades and response caches (tokenomics guide
§4.2, §4.4, §5). Each lever adds option rows to a workload; the decisions to adopt a variant
or a cache are the constraint family `tco.model.levers`.

Prompt variants. A variant changes a workload's tokens per request and every option's quality
on its task by `quality_change` points. Its options are those of a copy of the workload with
the variant's tokens and `min_quality - quality_change` as bar (the same filter as
`quality + quality_change >= min_quality`), enumerated by the ordinary code and then folded
back onto the workload with the quality shifted, the error cost recomputed and the option
labelled `... [variant]`.

Cascades. A cascade of stages s = 1..S serves a request at stage 1; a share e_s of the
requests reaching stage s goes on to s + 1, so stage s sees reach_s = e_1 ... e_{s-1} of them.
Per request reaching it, a stage reads the workload's input plus its `extra_input_tokens`
(the workload's cached prefix stays cached) and writes its `output_tokens`:

    api cost  = requests x sum_{API stages} reach_s x (uncached_s x p_in + cached x ((1 - w)
                x p_cached + w x p_write) + out_s x p_out) / 1e6 x (1 + trend)^years
    work_s    = requests x reach_s x ((uncached_s + w x cached) / prefill + out_s / decode)
                / 3600
                x peak_to_average (not for batch latency)     [each self-hosted stage s]

with w = 1 / cache_reuse the share of requests writing the cached prefix (tco.options).
A batch-API stage makes the cascade batch-only (the slowest stage sets the latency). When one
stage's escalation is a range, the cascade is offered at the range's ends, at every quality
point inside it and where interpolated quality crosses the workload's bar: cost and quality
are both linear in e between those points, so shares mixing two neighbouring points are the
interpolation itself. The first self-hosted stage names the option's deployment (`work`);
a second and third self-hosted stage on other deployments load them through `stage_deployment`
and `stage_work` (tco.options), so each stage's replicas are sized on the share that reaches it
(two stages on the same deployment add their work).

Response caches. A cache with hit rate h duplicates every option of the workload as
`... +cache`: LLM spend, GPU work and provider tokens x (1 - h); quality minus h x the
semantic-hit penalty; expected error on every request at that quality. Its fixed and lookup
costs are the model's (`tco.model.levers`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from tco.catalog.types import Resolved
from tco.demand import Demand, Periods
from tco.scenario.schema import Cascade, EscalationRange, Scenario, Strategy

VARIANT_SEP = " ["


@dataclass(frozen=True)
class ApiStage:
    """One API stage of a cascade row, for the tariffs of its provider (tco.model.tariffs):
    its list spend per period at share 1 is requests x reach x list_usd x (1 + trend)^years."""

    api: str
    provider: str
    batch: bool
    reach: float
    """Share of the workload's requests reaching the stage (x a response cache's misses)."""
    uncached: float
    """Input tokens per request reaching the stage, not read from the provider's cache."""
    cached: float
    """Cached prefix tokens per request (0 when the strategy does not use prompt caching)."""
    write: float
    """Share of requests that write the cached prefix (1 / cache_reuse, else 0)."""
    output: float
    """Output tokens per request reaching the stage."""
    list_usd: float
    """USD per request reaching the stage at list prices, before the price trend."""
    trend: float
    """The API's price trend per year."""


def variant_workloads(scenario: Scenario, demand: Demand):
    """(extended scenario, its demand, origin index per workload, variant name per workload).

    One extra workload per prompt variant, appended after the originals; identity (and
    `origin` = range) when no workload has variants.
    """
    ws = list(scenario.workloads)
    W = len(ws)
    origin = list(range(W))
    variant: list[str | None] = [None] * W
    extra = []
    for i, w in enumerate(scenario.workloads):
        for v in w.prompt_variants:
            extra.append(w.model_copy(update=dict(
                name=f"{w.name}{VARIANT_SEP}{v.name}]",
                input_tokens=v.input_tokens if v.input_tokens is not None else w.input_tokens,
                output_tokens=(v.output_tokens if v.output_tokens is not None
                               else w.output_tokens),
                min_quality=w.min_quality - v.quality_change,
                prompt_variants=[])))
            origin.append(i)
            variant.append(v.name)
    if not extra:
        return scenario, demand, np.arange(W), variant
    org = np.array(origin)
    every = ws + extra

    def also_variants(names: list[str]) -> list[str]:
        return [x.name for x, i in zip(every, org.tolist()) if ws[i].name in names]

    fine_tunes = [ft.model_copy(update={"workloads": also_variants(ft.workloads)})
                  for ft in scenario.fine_tunes]
    cascades = [c.model_copy(update={"workloads": also_variants(c.workloads)})
                for c in scenario.cascades]
    ext = scenario.model_copy(update=dict(workloads=every, fine_tunes=fine_tunes,
                                          cascades=cascades))
    ext_demand = Demand(
        requests=demand.requests[org],
        input_tokens=np.array([w.input_tokens for w in ext.workloads], dtype=float),
        output_tokens=np.array([w.output_tokens for w in ext.workloads], dtype=float),
        cached_share=demand.cached_share[org], peak_to_average=demand.peak_to_average[org])
    return ext, ext_demand, org, variant


def fold_variants(opts, scenario: Scenario, ext: Scenario, origin: np.ndarray,
                  variant: list[str | None], demand: Demand):
    """Options of variant workloads restated on their original workload (see module doc)."""
    t = opts.table.copy()
    w_ext = t["workload"].to_numpy().astype(int)
    var = np.array([variant[i] for i in w_ext], dtype=object)
    t["variant"] = var
    if len(scenario.workloads) == len(ext.workloads):
        return replace(opts, table=t)
    shift = np.zeros(len(t))
    for k, i in enumerate(w_ext.tolist()):
        if variant[i] is not None:
            w = scenario.workloads[origin[i]]
            shift[k] = next(v.quality_change for v in w.prompt_variants if v.name == variant[i])
    w_org = origin[w_ext]
    t["quality"] = t["quality"].to_numpy() + shift
    t["workload"] = w_org
    t["workload_name"] = [scenario.workloads[i].name for i in w_org.tolist()]
    t["option"] = [o if v is None else f"{o}{VARIANT_SEP}{v}]"
                   for o, v in zip(t["option"], var)]
    err = np.array([scenario.workloads[i].error_cost_usd for i in w_org.tolist()])
    error = demand.requests[w_ext] * ((1 - t["quality"].to_numpy() / 100.0) * err)[:, None]
    rejected: dict[str, list[str]] = {}
    for name, reasons in opts.rejected.items():
        i = next(k for k, w in enumerate(ext.workloads) if w.name == name)
        who = scenario.workloads[origin[i]].name
        tag = "" if variant[i] is None else f"[{variant[i]}] "
        rejected.setdefault(who, []).extend(tag + r for r in reasons)
    order = np.argsort(w_org, kind="stable")
    return _take(replace(opts, table=t, error_cost=error, rejected=rejected), order)


def cascade_options(opts, scenario: Scenario, resolved: Resolved, periods: Periods,
                    demand: Demand, strategy: Strategy | None):
    """The options with one row per (cascade, workload it may serve, escalation point)."""
    if not scenario.cascades:
        return opts
    apis = {a.id: a for a in resolved.apis}
    models = {m.name: m for m in resolved.models}
    caching = strategy.prompt_caching if strategy else True
    rows, rejected = [], {k: list(v) for k, v in opts.rejected.items()}
    deployments = opts.deployments.copy()
    for c in scenario.cascades:
        for wi, w in enumerate(scenario.workloads):
            if w.name not in c.workloads:
                continue
            why = _cascade_refusal(c, w, apis, models, strategy)
            if why:
                rejected.setdefault(w.name, []).append(f"cascade:{c.name}: {why}")
                continue
            for e, q in _escalation_points(c, w):
                label = f"cascade:{c.name}" + ("" if e is None else f"@{e:.4g}")
                if q < w.min_quality:
                    rejected.setdefault(w.name, []).append(
                        f"{label}: quality: {q:g} below the minimum {w.min_quality:g}")
                    continue
                rows.append(_cascade_row(c, wi, w, e, q, label, apis, models, periods, demand,
                                         caching, deployments))
    if not rows:
        return replace(opts, rejected=rejected)
    table = pd.concat([opts.table, pd.DataFrame([r["row"] for r in rows])], ignore_index=True)

    def stack(key: str, base: np.ndarray) -> np.ndarray:
        return np.vstack([base] + [r[key][None, :] for r in rows])

    stage_tokens = np.concatenate([_stage_tokens(opts),
                                   np.array([r["stage_tokens"] for r in rows] + [None],
                                            dtype=object)[:-1]])
    stage_apis = np.concatenate([_stage_apis(opts),
                                 np.array([r["stage_apis"] for r in rows] + [None],
                                          dtype=object)[:-1]])
    out = replace(opts, table=table, api_cost=stack("api_cost", opts.api_cost),
                  error_cost=stack("error", opts.error_cost), work=stack("work", opts.work),
                  tokens=stack("tokens", opts.tokens), deployments=deployments, rejected=rejected,
                  candidates=opts.candidates + len(rows), stage_tokens=stage_tokens,
                  stage_apis=stage_apis,
                  **_further_stages(opts, rows, periods.count))
    order = np.argsort(table["workload"].to_numpy(), kind="stable")
    return _take(out, order)


FURTHER = 2
"""Most self-hosted stages of a cascade beyond the one that names its deployment."""


def _further_stages(opts, rows: list[dict], T: int) -> dict:
    """`stage_deployment` and `stage_work` of the options with the cascade rows appended:
    the deployments a cascade's second and third self-hosted stages load (tco.options)."""
    if not any(r["further"] for r in rows):
        return {}
    n = len(opts.table) + len(rows)
    dep = np.full((n, FURTHER), -1, dtype=np.int64)
    work = np.zeros((n, FURTHER, T))
    base = len(opts.table)
    if opts.stage_deployment is not None:
        dep[:base], work[:base] = opts.stage_deployment, opts.stage_work
    for i, r in enumerate(rows):
        for k, (d, v) in enumerate(r["further"]):
            dep[base + i, k], work[base + i, k] = d, v
    return dict(stage_deployment=dep, stage_work=work)


def _cascade_refusal(c: Cascade, w, apis, models, strategy: Strategy | None) -> str | None:
    """Why the cascade cannot serve workload w (latency, residency, strategy, window), or None."""
    from tco.options import _allowed, _kind_allowed, _residency_reason

    for k, st in enumerate(c.stages):
        where = f"stage {k + 1}"
        tokens = w.input_tokens + st.extra_input_tokens + (
            st.output_tokens if st.output_tokens is not None else w.output_tokens)
        if st.api is not None:
            api = apis[st.api]
            kind = "api_batch" if st.batch else "api"
            if st.batch and w.latency != "batch":
                return f"{where} is a batch API (expected a batch-latency workload)"
            if st.batch and api.prices(w.input_tokens, "batch") is None:
                return f"{where}: {st.api} sells no batch API"
            if w.needs_priority:
                # Cascade stages run on the standard tier; such a workload takes an API only
                # at a priority tier (tco.options).
                return (f"{where} is an API at its standard tier (the workload needs priority;"
                        " expected self-hosted stages only)")
            if not _kind_allowed(strategy, kind, None):
                return f"strategy {strategy.name} excludes {kind}"
            if not _allowed(strategy, "providers", api.provider):
                return f"strategy {strategy.name} excludes provider {api.provider}"
            reason = _residency_reason(w, api.provider)
            if reason:
                return f"{where}: {reason}"
            window = api.context_window_tokens
        else:
            model = models[st.model]
            if st.gpu not in model.serving:
                return f"{where}: {st.model} is not served on {st.gpu} in this scenario"
            if not _kind_allowed(strategy, "self_hosted", None):
                return f"strategy {strategy.name} excludes self_hosted"
            if not _allowed(strategy, "models", st.model) or not _allowed(strategy, "gpus",
                                                                           st.gpu):
                return f"strategy {strategy.name} excludes {st.model} on {st.gpu}"
            window = model.context_window_tokens
        if window and tokens > window:
            return (f"{where}: request of {tokens:,.0f} tokens exceeds the context window of"
                    f" {window:,}")
    if w.task not in c.quality:
        return f"quality: no score for task '{w.task}'"
    return None


def _escalation_points(c: Cascade, w) -> list[tuple[float | None, float]]:
    """(escalation share of the ranged stage or None, quality) at which the cascade is offered."""
    q = c.quality[w.task]
    ranged = [st.escalate for st in c.stages if isinstance(st.escalate, EscalationRange)]
    if not ranged:
        return [(None, float(q))]
    lo, hi = ranged[0].min, ranged[0].max
    xs = np.array([p[0] for p in q], dtype=float)
    ys = np.array([p[1] for p in q], dtype=float)
    points = {lo, hi} | {float(x) for x in xs if lo < x < hi}
    for a, b, qa, qb in zip(xs[:-1], xs[1:], ys[:-1], ys[1:]):
        # Where the interpolated quality meets the bar: the cheapest share that still passes.
        if (qa - w.min_quality) * (qb - w.min_quality) < 0:
            e = a + (w.min_quality - qa) * (b - a) / (qb - qa)
            if lo < e < hi:
                points.add(float(e))
    return [(e, float(np.interp(e, xs, ys))) for e in sorted(points)]


def _cascade_row(c: Cascade, wi: int, w, e, q, label, apis, models, periods: Periods,
                 demand: Demand, caching: bool, deployments: pd.DataFrame) -> dict:
    T = periods.count
    req = demand.requests[wi]
    inp, cached_share = demand.input_tokens[wi], demand.cached_share[wi]
    cached = inp * cached_share
    w_share = 1.0 / w.cache_reuse if w.cache_reuse else 0.0
    reach, api_cost = 1.0, np.zeros(T)
    providers: dict[str, np.ndarray] = {}
    stages: list[ApiStage] = []
    loads: dict[int, float] = {}  # deployment -> replica-hours per period at share 1
    dep, model_name, gpu, point, batch_only = -1, None, None, None, True
    for st in c.stages:
        s_in = inp + st.extra_input_tokens
        s_out = st.output_tokens if st.output_tokens is not None else demand.output_tokens[wi]
        if st.api is not None:
            api = apis[st.api]
            p = api.prices(s_in, "batch" if st.batch else "realtime")
            p_cached, p_write = (p.cached_input, p.write) if caching else (p.input, p.input)
            c_tok = cached if caching else 0.0
            per = ((s_in - c_tok) * p.input + c_tok * ((1 - w_share) * p_cached
                                                       + w_share * p_write)
                   + s_out * p.output) / 1e6
            api_cost += reach * req * per * (1 + api.price_trend_per_year) ** (
                periods.years_from_start)
            providers[api.provider] = providers.get(api.provider, 0) + reach * req * (
                s_in + s_out)
            stages.append(ApiStage(api.id, api.provider, bool(st.batch), float(reach),
                                   float(s_in - c_tok), float(c_tok), float(w_share),
                                   float(s_out), float(per), float(api.price_trend_per_year)))
            batch_only &= st.batch
        else:
            model = models[st.model]
            serving = model.serving[st.gpu]
            point = "interactive" if w.latency == "interactive" else "batch"
            op = serving.interactive if point == "interactive" else serving.batch
            seconds = ((s_in - cached * (1 - w_share)) / op.prefill_tokens_per_s
                       + s_out / op.decode_tokens_per_s)
            pk = demand.peak_to_average[wi] if w.latency != "batch" else 1.0
            d = _deployment(deployments, st.model, st.gpu, point,
                            serving.gpus_per_replica, w.latency != "batch")
            loads[d] = loads.get(d, 0.0) + reach * req * seconds / 3600.0 * pk
            if dep < 0:  # the first self-hosted stage names the option's deployment
                dep, model_name, gpu = d, st.model, st.gpu
        if st.escalate is not None:
            reach *= e if isinstance(st.escalate, EscalationRange) else st.escalate
    error = req * (1 - q / 100.0) * w.error_cost_usd
    row = dict(workload=wi, workload_name=w.name, option=label, kind="cascade", fine_tune=None,
               api=None, provider=None, model=model_name, gpu=gpu, point=point,
               deployment=dep, quality=q, input_tokens=inp, p_input=0.0, p_cached=0.0,
               p_output=0.0, p_cache_write=0.0, price_trend=0.0, cascade=c.name,
               escalation=np.nan if e is None else e,
               api_category="api_batch" if batch_only and providers else "api")
    further = [(d, np.asarray(v, dtype=float) * np.ones(T)) for d, v in loads.items()
               if d != dep]
    return dict(row=row, api_cost=api_cost, error=error,
                work=np.asarray(loads.get(dep, 0.0), dtype=float) * np.ones(T),
                further=further, tokens=req * (inp + demand.output_tokens[wi]),
                stage_tokens=tuple(providers.items()) or None,
                stage_apis=tuple(stages) or None)


def _deployment(deps: pd.DataFrame, model: str, gpu: str, point: str, gpr: int,
                needs_min: bool) -> int:
    """Index of the (model, GPU, point) deployment, added when no other option uses it."""
    hit = deps.index[(deps["served"] == model) & (deps["gpu"] == gpu) & (deps["point"] == point)]
    if len(hit):
        d = int(hit[0])
        if needs_min:
            deps.loc[d, "needs_min_replicas"] = True
        return d
    deps.loc[len(deps)] = dict(served=model, base_model=model, gpu=gpu, point=point,
                               gpus_per_replica=gpr, needs_min_replicas=needs_min,
                               fine_tune=None)
    return len(deps) - 1


def cache_options(opts, scenario: Scenario, demand: Demand):
    """Every option of a workload with a response cache, again as `... +cache` (module doc)."""
    t = opts.table
    t = t.assign(cache=False) if "cache" not in t else t
    # A cache that never hits saves nothing: it is not offered.
    hits = {i: w.response_cache for i, w in enumerate(scenario.workloads)
            if w.response_cache and w.response_cache.hit_rate > 0}
    if not hits or t.empty:
        return replace(opts, table=t)
    w_of = t["workload"].to_numpy().astype(int)
    src = np.flatnonzero(np.isin(w_of, list(hits)))
    h = np.array([hits[w].hit_rate for w in w_of[src]])
    pen = np.array([hits[w].quality_penalty for w in w_of[src]])
    q = t["quality"].to_numpy()[src] - h * pen
    min_q = np.array([scenario.workloads[w].min_quality for w in w_of[src]])
    rejected = {k: list(v) for k, v in opts.rejected.items()}
    for k in np.flatnonzero(q < min_q):
        w = scenario.workloads[w_of[src[k]]]
        rejected.setdefault(w.name, []).append(
            f"{t['option'].iat[src[k]]} +cache: quality: {q[k]:g} below the minimum"
            f" {w.min_quality:g}")
    ok = q >= min_q
    src, h, q = src[ok], h[ok], q[ok]
    if not len(src):
        return replace(opts, table=t, rejected=rejected)
    add = t.iloc[src].copy()
    add["option"] = add["option"] + " +cache"
    add["quality"] = q
    add["cache"] = True
    err = np.array([scenario.workloads[w].error_cost_usd for w in w_of[src]])
    keep = (1 - h)[:, None]
    st = _stage_tokens(opts)
    scaled = np.array([None if x is None else tuple((p, v * (1 - hh)) for p, v in x)
                       for x, hh in zip(st[src], h)] + [None], dtype=object)[:-1]
    apis_ = _stage_apis(opts)
    kept = np.array([None if x is None else tuple(replace(a, reach=a.reach * (1 - hh))
                                                  for a in x)
                     for x, hh in zip(apis_[src], h)] + [None], dtype=object)[:-1]
    out = replace(
        opts, table=pd.concat([t, add], ignore_index=True),
        api_cost=np.vstack([opts.api_cost, opts.api_cost[src] * keep]),
        error_cost=np.vstack([opts.error_cost,
                              demand.requests[w_of[src]] * ((1 - q / 100.0) * err)[:, None]]),
        work=np.vstack([opts.work, opts.work[src] * keep]),
        tokens=np.vstack([opts.tokens, opts.tokens[src] * keep]),
        stage_tokens=np.concatenate([st, scaled]), stage_apis=np.concatenate([apis_, kept]),
        rejected=rejected,
        candidates=opts.candidates + len(src))
    if opts.stage_deployment is not None:
        out = replace(out, stage_deployment=np.vstack([opts.stage_deployment,
                                                       opts.stage_deployment[src]]),
                      stage_work=np.concatenate([opts.stage_work,
                                                 opts.stage_work[src] * keep[:, :, None]]))
    order = np.argsort(out.table["workload"].to_numpy(), kind="stable")
    return _take(out, order)


def with_lever_columns(opts):
    """The table with every lever column filled (also for scenarios without levers), and
    `stage_tokens` None when no row has any."""
    t = opts.table
    kind = t["kind"]
    defaults = {"variant": None, "cache": False, "cascade": None, "escalation": np.nan,
                "api_category": None}
    for col, value in defaults.items():
        t = t.assign(**{col: value}) if col not in t else t
    t["workload"] = t["workload"].astype(np.int64)
    t["deployment"] = t["deployment"].astype(np.int64)
    t["cache"] = t["cache"].fillna(False).astype(bool)
    t["variant"] = t["variant"].astype(object).where(t["variant"].notna(), None)
    t["cascade"] = t["cascade"].astype(object).where(t["cascade"].notna(), None)
    cat = np.where(kind == "api_batch", "api_batch", np.where(kind == "api", "api", None))
    t["api_category"] = t["api_category"].astype(object).where(t["api_category"].notna(),
                                                               pd.Series(cat, index=t.index))
    st = opts.stage_tokens
    if st is not None and all(x is None for x in st):
        st = None
    sa = opts.stage_apis
    if sa is not None and all(x is None for x in sa):
        sa = None
    return replace(opts, table=t, stage_tokens=st, stage_apis=sa)


def _stage_tokens(opts) -> np.ndarray:
    """Per option, the tokens each API provider serves when a row spans several (cascades)."""
    if opts.stage_tokens is not None:
        return opts.stage_tokens
    return np.array([None] * len(opts.table) + [None], dtype=object)[:-1]


def _stage_apis(opts) -> np.ndarray:
    """Per option, None or the cascade's API stages (ApiStage)."""
    if opts.stage_apis is not None:
        return opts.stage_apis
    return np.array([None] * len(opts.table) + [None], dtype=object)[:-1]


def _take(opts, idx: np.ndarray):
    """The options restricted to (and ordered as) rows `idx`."""
    return replace(opts, table=opts.table.iloc[idx].reset_index(drop=True),
                   api_cost=opts.api_cost[idx], error_cost=opts.error_cost[idx],
                   work=opts.work[idx], tokens=opts.tokens[idx],
                   stage_tokens=_stage_tokens(opts)[idx], stage_apis=_stage_apis(opts)[idx],
                   stage_deployment=(None if opts.stage_deployment is None
                                     else opts.stage_deployment[idx]),
                   stage_work=None if opts.stage_work is None else opts.stage_work[idx])
