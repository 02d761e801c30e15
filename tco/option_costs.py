"""Cost per successful answer per option: the workload's levelised costs split among the
options that serve it (the tokenomics guide's KPI, per workload in `unit_costs`).

Each option row o of workload w with shares x[o,t] is attributed, per period t, exactly what
`tco.solution._unit_costs` attributes to w, split so that the options of w sum to w's figure:

    own       = (api_cost + error_cost)[o,t] x[o,t]
    shared    = shared costs of t (GPUs, power, staff) x basis[o,t] / sum of basis over all
                options, basis = GPU-hours of o (work x GPUs per replica x x) when anything is
                self-hosted in t (every self-hosted stage of a cascade), else the workload's
                tokens x x[o,t]
    tuning    = a fine-tune's training spend x tokens o sends it / all tokens sent to it
    tariffs   = the tariff cost lines of t x o's list spend with providers that have tariffs (a
                cascade's stages on those providers included) / all of it
    fixed     = the API path's fixed costs (api_operations) and migrations
                (tco.ops_attribution)
    levers    = a prompt variant's cost to the options of that variant, a response cache's to
                the cache options, each in proportion to x[o,t] (to every option of w when none
                of them serves in t)

successes[o,t] = requests[w,t] x x[o,t] x quality[o] / 100; then per option over the horizon
npv = sum_t attributed x discount factor and usd_per_1k_successes = npv / sum_t successes x
discount factor x 1000 (levelised, like unit_costs). Only options that serve some share of
their workload get a row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tco.options import gpu_hours as option_gpu_hours

COLUMNS = ["workload", "option", "kind", "quality", "requests", "successes", "npv_usd",
           "usd_per_1k_requests", "usd_per_1k_successes"]


def attributed(data, x: np.ndarray, costs: pd.DataFrame, levers: pd.DataFrame | None,
               shared_categories: tuple[str, ...],
               tariff_categories: tuple[str, ...],
               fixed: np.ndarray | None = None) -> np.ndarray:
    """USD attributed to each option row and period (options x periods), undiscounted.
    `fixed`: the API path's fixed costs and migrations per option (tco.ops_attribution)."""
    opts, T = data.options, data.T
    t_ = opts.table
    out = (opts.api_cost + opts.error_cost) * x
    if fixed is not None:
        out = out + fixed
    if not len(t_):
        return out
    widx = t_["workload"].to_numpy().astype(int)
    by = costs.pivot_table(index="t", columns="category", values="usd", aggfunc="sum")
    by = by.reindex(range(T), fill_value=0.0)
    tokens = data.demand.tokens[widx] * x
    gpu_hours = option_gpu_hours(opts, x)
    shared = by.reindex(columns=list(shared_categories), fill_value=0.0).sum(axis=1)
    for t in range(T):
        basis = gpu_hours[:, t] if gpu_hours[:, t].sum() > 0 else tokens[:, t]
        if basis.sum() > 0:
            out[:, t] += shared.iat[t] * basis / basis.sum()
    _fine_tunes(data, x, out)
    cats = [c for c in tariff_categories if c in by.columns]
    if cats:
        from tco.model.tariffs import quoted_spend

        spend = quoted_spend(data, x)
        total = by[cats].sum(axis=1)
        for t in range(T):
            if spend[:, t].sum() > 0:
                out[:, t] += total.iat[t] * spend[:, t] / spend[:, t].sum()
    if levers is not None and len(levers):
        _levers(data, x, levers, out, widx)
    return out


def _fine_tunes(data, x: np.ndarray, out: np.ndarray) -> None:
    t_ = data.options.table
    T = data.T
    ft_of = t_["fine_tune"].fillna("").to_numpy()
    widx = t_["workload"].to_numpy().astype(int)
    for ft in data.scenario.fine_tunes:
        sel = ft_of == ft.name
        use = np.where(sel[:, None], x * data.demand.tokens[widx], 0.0)
        if use.sum() == 0:
            continue
        every = ft.retrain_every_periods or T
        spend = np.zeros(T)
        spend[list(range(0, T, every))] = ft.training_cost_usd
        out += np.outer(use.sum(axis=1) / use.sum(), spend)


def _levers(data, x: np.ndarray, levers: pd.DataFrame, out: np.ndarray,
            widx: np.ndarray) -> None:
    t_ = data.options.table
    index = {w.name: i for i, w in enumerate(data.scenario.workloads)}
    variant = t_["variant"].to_numpy() if "variant" in t_ else np.full(len(t_), None)
    cache = t_["cache"].to_numpy(dtype=bool) if "cache" in t_ else np.zeros(len(t_), bool)
    for r in levers.itertuples(index=False):
        if not r.cost_usd:
            continue
        mine = widx == index[r.workload]
        kind, name = r.lever.split(":", 1)
        carries = mine & (variant == name if kind == "variant" else cache)
        share = x[:, r.t] * carries
        if share.sum() <= 0:
            share = x[:, r.t] * mine
        if share.sum() > 0:
            out[:, r.t] += r.cost_usd * share / share.sum()


def table(data, x: np.ndarray, costs: pd.DataFrame, levers: pd.DataFrame | None,
          shared_categories: tuple[str, ...], tariff_categories: tuple[str, ...],
          fixed: np.ndarray | None = None) -> pd.DataFrame:
    """One row per (workload, option) serving some share: its attributed NPV, the requests and
    successful answers it serves, and its levelised cost per 1k requests and per 1k successes."""
    t_ = data.options.table
    if not len(t_):
        return pd.DataFrame(columns=COLUMNS)
    usd = attributed(data, x, costs, levers, shared_categories, tariff_categories, fixed)
    df = data.periods.discount
    widx = t_["workload"].to_numpy().astype(int)
    req = data.demand.requests[widx] * x
    ok = req * (t_["quality"].to_numpy(dtype=float) / 100.0)[:, None]
    rows = []
    for o in np.flatnonzero((x > 0).any(axis=1)).tolist():
        npv = float((usd[o] * df).sum())
        r_pv, ok_pv = float((req[o] * df).sum()), float((ok[o] * df).sum())
        rows.append(dict(workload=t_["workload_name"].iat[o], option=t_["option"].iat[o],
                         kind=t_["kind"].iat[o], quality=float(t_["quality"].iat[o]),
                         requests=float(req[o].sum()), successes=float(ok[o].sum()),
                         npv_usd=npv,
                         usd_per_1k_requests=npv / r_pv * 1e3 if r_pv else None,
                         usd_per_1k_successes=npv / ok_pv * 1e3 if ok_pv else None))
    return pd.DataFrame(rows, columns=COLUMNS)
