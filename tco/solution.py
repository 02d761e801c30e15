"""The solution as plain pandas tables, every derived number computed once, here.

Tables (columns in docs/results.md):
- allocation: workload x period x option with share, requests, tokens and option costs.
- fleet: GPU type x period by procurement mode, in use and utilization.
- replicas: deployment x period with replicas, GPUs and busy share.
- staffing: period with hosting switch and engineers.
- costs: period x category, usd, discount_factor, npv_usd, cash (every category but the
  expected error cost is cash); sums to the quality-adjusted cost.
- cost_views: per period, cash TCO, expected error cost and quality-adjusted cost (their sum),
  undiscounted and NPV.
- committed: costs of existing assets, not decided by the plan (sunk), same columns.
- api_operations: per API provider used and workload on an API, and period: in use (as
  solved) and its fixed cost (tco.model.api_operations).
- pnl: per period, the P&L view beside cash: opex as incurred, capex, straight-line
  depreciation over the tax life, P&L cost and cash spent (tco.pnl).
- unit_costs: per workload, levelised USD per 1M tokens and per 1k requests.
- marginal: per workload and period, the marginal cost of one more request.
- levers: per workload, lever (prompt variant or response cache) and period: in use, its cost.
- moves: each destination (API, or served model and GPU type) that starts serving a workload,
  with the migration cost paid (tco.model.switching).

Unit costs are levelised: the NPV of the costs a workload causes over the NPV of its tokens.
API and error costs belong to the workload that incurs them; each period's GPU, power and
staff costs are shared among workloads in proportion to the GPU-hours they use that period
(by tokens when nothing is self-hosted that period); fine-tuning costs are shared among the
workloads the fine-tune serves, by tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tco import ops_attribution, option_costs
from tco.model import api_operations, tariffs
from tco.model.build import Built
from tco.model.data import TERM_KEY, whole_periods
from tco.model.escalation import factor, running_usd
from tco.model.solve import SolveResult
from tco.model.terms import CATEGORIES, NOT_CASH
from tco.objective import objective_of
from tco.options import gpu_hours as option_gpu_hours
from tco.options import loads, replica_hours
from tco.pnl import pnl_table

TARIFF_CATEGORIES = ("tariff_fee", "tariff_units", "tariff_discount", "tariff_shortfall",
                     "tariff_after_horizon")
"""Attributed to workloads by their list spend with the providers that have tariffs."""
SHARED = ("gpu_on_demand", "gpu_reserved", "gpu_reserved_after_horizon", "gpu_capex",
          "gpu_residual", "power_facility", "staff", "gpu_support", "gpu_software",
          "gpu_network_storage")


@dataclass
class Solution:
    """A solved plan: its status, NPV and tables."""

    result: SolveResult
    npv_usd: float
    periods: list[str]
    tables: dict[str, pd.DataFrame]
    meta: dict = field(default_factory=dict)
    data: object = None
    """The `ModelData` the plan was solved from (options, prices, demand), for the reports."""
    x: np.ndarray | None = None
    """Shares per option row of `data.options.table` and period."""
    served: np.ndarray | None = None
    """Shares per option row and period served by provisioned tariff units (None: none)."""
    stage_served: np.ndarray | None = None
    """Per option row, cascade API stage and period, the share of the stage's traffic served
    by provisioned tariff units (None: none)."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def cash_npv_usd(self) -> float:
        """NPV of what finance pays (every category but expected errors)."""
        c = self.tables["costs"]
        return float(c.loc[c["cash"], "npv_usd"].sum())

    @property
    def error_npv_usd(self) -> float:
        """NPV of the expected cost of bad answers (not cash)."""
        c = self.tables["costs"]
        return float(c.loc[~c["cash"], "npv_usd"].sum())

    @property
    def objective_npv_usd(self) -> float:
        """NPV of what the plan minimised (`meta['objective']`)."""
        return self.cash_npv_usd if self.meta.get("objective") == "cash" else self.npv_usd


def _val(v) -> float:
    return float(v.value) if v is not None and v.value is not None else 0.0


def extract(built: Built, result: SolveResult, duals: dict | None = None) -> Solution:
    """Read the solved model once into tables."""
    data = built.data
    T, labels = data.T, list(data.periods.labels)
    df = data.periods.discount
    opts = data.options
    n = len(opts.table)
    x = np.array([_val(v) for v in built.x], dtype=float).reshape(n, T) if n else np.zeros((0, T))
    x[np.abs(x) < 1e-9] = 0.0

    costs = _costs(built, labels, df)
    tables = {
        "costs": costs,
        "cost_views": cost_views(costs),
        "allocation": _allocation(data, x, labels),
        "replicas": _replicas(built, x, labels),
        "staffing": _staffing(built, labels),
        "committed": committed_costs(data, labels),
    }
    tables["fleet"] = _fleet(built, tables["replicas"], labels)
    tables["pnl"] = pnl_table(data, costs, tables["fleet"])
    tables["api_operations"] = api_operations.plan_table(built, labels)
    tables["levers"] = _levers(built, labels)
    tables["moves"] = moves(data, x, labels)
    fixed = ops_attribution.attributed(data, x, costs, tables["api_operations"],
                                       tables["moves"])
    tables["unit_costs"] = _unit_costs(data, x, costs, tables["replicas"], tables["levers"],
                                       fixed)
    tables["option_costs"] = option_costs.table(data, x, costs, tables["levers"], SHARED,
                                                TARIFF_CATEGORIES, fixed)
    tables["marginal"] = _marginal(data, duals, labels)
    tables["fine_tunes"] = _fine_tunes(built)
    tables["tariffs"] = tariffs.plan_table(built, x, labels)
    tables["tariff_providers"] = tariffs.provider_table(data, x, tables["tariffs"], labels)
    tables["tariff_breakeven"] = tariffs.breakeven_table(data, x)
    npv = float(costs["npv_usd"].sum())
    objective, why = objective_of(data.scenario)
    return Solution(result=result, npv_usd=npv, periods=labels, tables=tables, data=data, x=x,
                    served=tariffs.served_shares(built, n),
                    stage_served=tariffs.stage_served_shares(built, n),
                    meta={"options_candidates": opts.candidates, "options_pruned": opts.pruned,
                          "options_kept": n, "deployments": len(opts.deployments),
                          "objective": objective, "objective_why": why})


def expand(merged: Solution, data, groups: list[list[int]]) -> Solution:
    """The plan of a scenario whose identical workloads were merged (tco.aggregate), restated
    for the original workloads described by `data` (ModelData of the original scenario).

    Each original option takes the share its merged workload's same option has; fleet,
    replicas, staffing and costs are the merged plan's own. Per-workload tables are recomputed.
    """
    labels = merged.periods
    group_of = np.empty(sum(len(g) for g in groups), dtype=int)
    for gi, g in enumerate(groups):
        group_of[g] = gi
    tm, to = merged.data.options.table, data.options.table
    row_of = {(int(w), o): i for i, (w, o) in enumerate(zip(tm["workload"], tm["option"]))}
    rows = [row_of[(int(group_of[w]), o)] for w, o in zip(to["workload"], to["option"])]
    x = merged.x[rows] if len(rows) else np.zeros((0, len(labels)))
    tables = dict(merged.tables)
    tables["allocation"] = _allocation(data, x, labels)
    tables["moves"] = moves(data, x, labels)
    names = [w.name for w in data.scenario.workloads]
    members = {names[g[0]]: [names[i] for i in g] for g in groups}
    fixed = ops_attribution.attributed(data, x, tables["costs"], tables.get("api_operations"),
                                       tables["moves"], members)
    tables["unit_costs"] = _unit_costs(data, x, tables["costs"], tables["replicas"],
                                       tables["levers"], fixed)
    tables["option_costs"] = option_costs.table(data, x, tables["costs"], tables["levers"],
                                                SHARED, TARIFF_CATEGORIES, fixed)
    marginal = merged.tables["marginal"]
    if len(marginal):
        names = [w.name for w in merged.data.scenario.workloads]
        members = {names[gi]: [data.scenario.workloads[i].name for i in g]
                   for gi, g in enumerate(groups)}
        marginal = marginal.assign(workload=marginal["workload"].map(members)).explode("workload")
        order = {w.name: i for i, w in enumerate(data.scenario.workloads)}
        marginal = marginal.sort_values(["workload", "t"], key=lambda c: c.map(order)
                                        if c.name == "workload" else c, ignore_index=True)
    tables["marginal"] = marginal
    meta = {**merged.meta, "workloads": len(data.scenario.workloads),
            "workloads_merged": len(groups)}
    return Solution(result=merged.result, npv_usd=merged.npv_usd, periods=labels, tables=tables,
                    meta=meta, data=data, x=x,
                    served=None if merged.served is None else merged.served[rows],
                    stage_served=(None if merged.stage_served is None
                                  else merged.stage_served[rows]))


def moves(data, x: np.ndarray, labels) -> pd.DataFrame:
    """Per workload and period: each destination that starts serving it (its share from zero,
    or from before the horizon, to above zero) and the migration cost paid
    (tco.model.switching); `from` is empty in the first period."""
    from tco.model.switching import destination, migration_cost

    cols = ["workload", "period", "t", "to", "from", "share", "migration_cost_usd"]
    t_ = data.options.table
    if t_.empty:
        return pd.DataFrame(columns=cols)
    dest = [destination(r) for r in t_[["api", "model", "gpu", "fine_tune"]]
            .to_dict("records")]
    share: dict[tuple[int, tuple], np.ndarray] = {}
    for o, w in enumerate(t_["workload"].to_numpy()):
        key = (int(w), dest[o])
        share[key] = share.get(key, np.zeros(data.T)) + x[o]
    rows = []
    # Half the model's smallest share of a destination in use: a share below is float noise.
    eps = 5e-5
    for w, spec in enumerate(data.scenario.workloads):
        mine = {k: v for (ww, k), v in share.items() if ww == w}
        cost = migration_cost(data.scenario, w)
        for t in range(data.T):
            before = sorted(k for k, v in mine.items() if t and v[t - 1] > eps)
            for k in sorted(mine):
                if mine[k][t] > eps and (t == 0 or mine[k][t - 1] <= eps):
                    rows.append(dict(workload=spec.name, period=labels[t], t=t, to=_label(k),
                                     **{"from": ", ".join(_label(j) for j in before)},
                                     share=float(mine[k][t]), migration_cost_usd=cost))
    return pd.DataFrame(rows, columns=cols)


def _label(k: tuple) -> str:
    name, gpu, ft = k
    out = f"{name}@{gpu}" if gpu else name
    return f"{out} ({ft})" if ft else out


def _costs(built: Built, labels, df) -> pd.DataFrame:
    vals = built.costs.values()
    rows = []
    for t, label in enumerate(labels):
        for cat in CATEGORIES:
            usd = vals.get((t, cat), 0.0)
            rows.append((label, t, cat, usd, float(df[t]), usd * float(df[t]),
                         cat not in NOT_CASH))
    return pd.DataFrame(rows, columns=["period", "t", "category", "usd", "discount_factor",
                                       "npv_usd", "cash"])


def cost_views(costs: pd.DataFrame) -> pd.DataFrame:
    """Per period: cash TCO, expected error cost and quality-adjusted cost (cash + errors)."""
    rows = []
    for (t, label), part in costs.groupby(["t", "period"], sort=True):
        cash = float(part.loc[part["cash"], "usd"].sum())
        err = float(part.loc[~part["cash"], "usd"].sum())
        f = float(part["discount_factor"].iat[0])
        rows.append(dict(period=label, t=int(t), cash_usd=cash, expected_error_usd=err,
                         quality_adjusted_usd=cash + err, discount_factor=f,
                         cash_npv_usd=cash * f, expected_error_npv_usd=err * f,
                         quality_adjusted_npv_usd=(cash + err) * f))
    return pd.DataFrame(rows, columns=["period", "t", "cash_usd", "expected_error_usd",
                                       "quality_adjusted_usd", "discount_factor", "cash_npv_usd",
                                       "expected_error_npv_usd", "quality_adjusted_npv_usd"])


def _allocation(data, x: np.ndarray, labels) -> pd.DataFrame:
    t_ = data.options.table
    o_idx, t_idx = np.nonzero(x > 0)
    share = x[o_idx, t_idx]
    w = t_["workload"].to_numpy()[o_idx].astype(int) if len(o_idx) else np.zeros(0, dtype=int)
    requests = data.demand.requests[w, t_idx] * share
    opts = data.options
    sel = t_.iloc[o_idx]
    out = pd.DataFrame({
        "workload": sel["workload_name"].to_numpy(),
        "period": np.asarray(labels, dtype=object)[t_idx] if len(t_idx) else [],
        "t": t_idx.astype(int), "option": sel["option"].to_numpy(),
        "kind": sel["kind"].to_numpy(), "provider": sel["provider"].to_numpy(),
        "api": sel["api"].to_numpy(), "model": sel["model"].to_numpy(),
        "gpu": sel["gpu"].to_numpy(), "point": sel["point"].to_numpy(),
        "fine_tune": sel["fine_tune"].to_numpy(),
        **{c: sel[c].to_numpy() for c in ("variant", "cache", "cascade", "escalation")
           if c in sel},
        "share": share, "requests": requests,
        "input_tokens": requests * sel["input_tokens"].to_numpy(dtype=float),
        "output_tokens": requests * data.demand.output_tokens[w],
        "api_cost_usd": opts.api_cost[o_idx, t_idx] * share,
        "error_cost_usd": opts.error_cost[o_idx, t_idx] * share,
        "gpu_replica_hours": replica_hours(opts, x)[o_idx, t_idx]})
    return out.sort_values(["workload", "t", "option"], ignore_index=True)


def _replicas(built: Built, x: np.ndarray, labels) -> pd.DataFrame:
    data = built.data
    deps = data.options.deployments
    o_of, dep_of, works = loads(data.options)
    cap = data.periods.hours * data.scenario.capacity.utilization_target
    rows = []
    for d in range(len(deps)):
        sel = dep_of == d
        work = (works[sel] * x[o_of[sel]]).sum(axis=0)
        for t, label in enumerate(labels):
            reps = round(_val(built.rep.get((d, t))))
            if reps == 0 and work[t] == 0:
                continue
            gpr = int(deps["gpus_per_replica"].iat[d])
            rows.append(dict(served=deps["served"].iat[d], base_model=deps["base_model"].iat[d],
                             gpu=deps["gpu"].iat[d], point=deps["point"].iat[d], period=label,
                             t=t, replicas=reps, gpus=reps * gpr, replica_hours_needed=work[t],
                             busy_share=work[t] / (reps * data.periods.hours) if reps else 0.0,
                             headroom_ok=bool(work[t] <= reps * cap + 1e-6)))
    cols = ["served", "base_model", "gpu", "point", "period", "t", "replicas", "gpus",
            "replica_hours_needed", "busy_share", "headroom_ok"]
    return pd.DataFrame(rows, columns=cols)


def _fleet(built: Built, replicas: pd.DataFrame, labels) -> pd.DataFrame:
    data = built.data
    T = data.T
    rows = []
    for g in data.gpus:
        life = data.life_periods(g) if g.purchase else 0
        buys = [round(_val(built.buy.get((g.name, s)))) for s in range(T)]
        commits = {mode: [round(_val(built.commit.get((g.name, mode, s)))) for s in range(T)]
                   for mode in TERM_KEY}
        lead = g.lead_time_periods
        for t, label in enumerate(labels):
            # Bought and signed count in the period ordered; alive from lead periods later.
            o = t - lead
            owned = sum(buys[s] for s in range(max(0, o - life + 1), o + 1))
            res = {mode: sum(c[s] for s in range(max(0, o - data.term_periods(mode) + 1), o + 1))
                   for mode, c in commits.items()}
            od = round(_val(built.od.get((g.name, t))))
            ex_o = int(data.existing_owned.get(g.name, np.zeros(T))[t])
            ex_r = int(data.existing_reserved.get(g.name, np.zeros(T))[t])
            in_use = int(replicas.loc[(replicas.gpu == g.name) & (replicas.t == t), "gpus"].sum())
            total = owned + res["reserved_1y"] + res["reserved_3y"] + od + ex_o + ex_r
            ordered = buys[t] + commits["reserved_1y"][t] + commits["reserved_3y"][t]
            if total == 0 and in_use == 0 and ordered == 0:
                continue
            rows.append(dict(gpu=g.name, period=label, t=t, bought=buys[t],
                             reserved_1y_new=commits["reserved_1y"][t],
                             reserved_3y_new=commits["reserved_3y"][t], owned=owned,
                             reserved_1y=res["reserved_1y"], reserved_3y=res["reserved_3y"],
                             on_demand=od, existing_owned=ex_o, existing_reserved=ex_r,
                             total=total, in_use=in_use,
                             utilization=in_use / total if total else 0.0))
    cols = ["gpu", "period", "t", "bought", "reserved_1y_new", "reserved_3y_new", "owned",
            "reserved_1y", "reserved_3y", "on_demand",
            "existing_owned", "existing_reserved", "total", "in_use", "utilization"]
    return pd.DataFrame(rows, columns=cols)


def _fine_tunes(built: Built) -> pd.DataFrame:
    from tco.model.fine_tuning import adoption

    adopted = adoption(built)
    labels = built.data.periods.labels
    rows = []
    for ft in built.data.scenario.fine_tunes:
        s = adopted.get(ft.name)
        rows.append(dict(fine_tune=ft.name, base=ft.base, candidate=ft.name in adopted,
                         trained=s is not None, adopted_t=s,
                         adopted_period=labels[s] if s is not None else None,
                         training_cost_usd=ft.training_cost_usd,
                         retrain_every_periods=ft.retrain_every_periods))
    return pd.DataFrame(rows, columns=["fine_tune", "base", "candidate", "trained", "adopted_t",
                                       "adopted_period", "training_cost_usd",
                                       "retrain_every_periods"])


def _staffing(built: Built, labels) -> pd.DataFrame:
    data = built.data
    s = data.scenario.staffing
    employed = data.scenario.existing.engineers
    rows = []
    for t, label in enumerate(labels):
        hired = round(_val(built.staff[t]))
        rows.append(dict(period=label, t=t, hosting=bool(round(_val(built.hosting[t]))),
                         engineers_employed=employed, engineers_hired=hired,
                         engineers_total=employed + hired,
                         hired_cost_usd=hired * s.cost_usd_per_year / data.periods.per_year
                         * factor(data.scenario, "salaries", t, data.periods.per_year)))
    return pd.DataFrame(rows)


def committed_costs(data, labels) -> pd.DataFrame:
    """Costs of assets the plan starts from (sunk or signed): reported apart from the plan's."""
    s = data.scenario
    T, H = data.T, data.periods.hours
    df = data.periods.discount
    usd = {}
    gpus = {g.name: g for g in data.gpus}
    n = data.periods.per_year

    def overheads(g, t: int, count: int, price: float | None) -> None:
        # Support on owned GPUs (share of the price paid), licences, networking and storage on
        # every GPU held (tco.model.gpu_overheads).
        if g is None:
            return
        for cat, rate in (("gpu_support", g.support_share_per_year * (price or 0.0)),
                          ("gpu_software", g.software_usd_per_gpu_year),
                          ("gpu_network_storage", g.network_storage_usd_per_gpu_year)):
            if rate:
                usd[(t, cat)] = usd.get((t, cat), 0.0) + rate / n * count

    for o in s.existing.owned_gpus:
        g = gpus.get(o.gpu)
        start = data.periods.index_of(o.serves_from or o.bought)
        life = whole_periods(o.life_years, data.periods.per_year)
        for t in range(max(0, start), min(T, start + life)):
            overheads(g, t, o.count, o.price_usd)
        if g is not None and g.purchase is not None:
            p = g.purchase
            for t in range(max(0, start), min(T, start + life)):
                run = running_usd(s, p, t, data.periods)
                usd[(t, "power_facility")] = usd.get((t, "power_facility"), 0.0) + run * o.count
        decline = g.purchase.resale_decline_per_year if g is not None and g.purchase else None
        book = o.price_usd * data.residual_share(start, life, decline) * o.count
        if book > 0:
            usd[(T - 1, "gpu_residual")] = usd.get((T - 1, "gpu_residual"), 0.0) - book
    for r in s.existing.reservations:
        end = data.periods.index_of(r.ends)
        first = data.periods.index_of(r.starts) if r.starts else 0
        for t in range(max(0, first), min(T, end + 1)):
            overheads(gpus.get(r.gpu), t, r.count, None)
            paid = r.count * r.usd_per_hour * H
            usd[(t, "gpu_reserved")] = usd.get((t, "gpu_reserved"), 0.0) + paid
        tail = end + 1 - T
        if tail > 0 and s.finance.end_of_horizon == "conservative":
            key = (T - 1, "gpu_reserved_after_horizon")
            usd[key] = usd.get(key, 0.0) + r.count * r.usd_per_hour * H * tail
    if s.existing.engineers:
        for t in range(T):
            usd[(t, "staff")] = (s.existing.engineers * s.staffing.cost_usd_per_year
                                 / data.periods.per_year
                                 * factor(s, "salaries", t, data.periods.per_year))
    rows = [(labels[t], t, cat, v, float(df[t]), v * float(df[t]), True)
            for (t, cat), v in sorted(usd.items())]
    return pd.DataFrame(rows, columns=["period", "t", "category", "usd", "discount_factor",
                                       "npv_usd", "cash"])


def _levers(built: Built, labels) -> pd.DataFrame:
    """Adoption of each prompt variant and response cache per period, with its cash cost."""
    data = built.data
    months = data.periods.months
    t_ = data.options.table
    rows = []
    for (w, v, t), var in sorted(built.variant.items(), key=lambda kv: kv[0]):
        spec = next(p for p in data.scenario.workloads[w].prompt_variants if p.name == v)
        on = bool(round(_val(var)))
        before = bool(round(_val(built.variant.get((w, v, t - 1))))) if t else False
        usd = (spec.engineering_cost_usd if on and not before else 0.0) + (
            spec.running_cost_usd_per_month * months if on else 0.0)
        rows.append(dict(workload=data.scenario.workloads[w].name, lever=f"variant:{v}",
                         period=labels[t], t=t, adopted=on, cost_usd=usd))
    if built.cache:
        x = np.array([_val(v) for v in built.x], dtype=float).reshape(len(t_), data.T)
        cached = t_["cache"].to_numpy(dtype=bool)
        w_of = t_["workload"].to_numpy()
        for (w, t), var in sorted(built.cache.items(), key=lambda kv: kv[0]):
            spec = data.scenario.workloads[w].response_cache
            on = bool(round(_val(var)))
            share = x[cached & (w_of == w), t].sum()
            usd = (spec.fixed_cost_usd_per_month * months if on else 0.0) + (
                spec.lookup_cost_usd_per_1k_requests / 1000.0 * data.demand.requests[w, t]
                * share)
            rows.append(dict(workload=data.scenario.workloads[w].name,
                             lever=f"cache:{spec.kind}", period=labels[t], t=t, adopted=on,
                             cost_usd=usd))
    return pd.DataFrame(rows, columns=["workload", "lever", "period", "t", "adopted",
                                       "cost_usd"])


def _unit_costs(data, x: np.ndarray, costs: pd.DataFrame, replicas: pd.DataFrame,
                levers: pd.DataFrame | None = None,
                fixed: np.ndarray | None = None) -> pd.DataFrame:
    W, T = len(data.scenario.workloads), data.T
    df = data.periods.discount
    opts = data.options
    t_ = opts.table
    attributed = np.zeros((W, T))
    widx = t_["workload"].to_numpy() if len(t_) else np.zeros(0, dtype=int)
    tokens = data.demand.tokens
    if len(t_):
        np.add.at(attributed, widx, (opts.api_cost + opts.error_cost) * x)
        if fixed is not None:  # the API path's fixed costs and migrations (tco.ops_attribution)
            np.add.at(attributed, widx, fixed)
    gpu_hours = np.zeros((W, T))
    if len(t_):
        np.add.at(gpu_hours, widx, option_gpu_hours(opts, x))
    by = costs.pivot_table(index="t", columns="category", values="usd", aggfunc="sum")
    shared = by.reindex(columns=list(SHARED), fill_value=0.0).sum(axis=1).reindex(range(T),
                                                                                  fill_value=0.0)
    for t in range(T):
        basis = gpu_hours[:, t] if gpu_hours[:, t].sum() > 0 else tokens[:, t]
        if basis.sum() > 0:
            attributed[:, t] += shared.iat[t] * basis / basis.sum()
    _attribute_fine_tunes(data, x, attributed, widx)
    _attribute_tariffs(data, x, by, attributed, widx)
    index = {w.name: i for i, w in enumerate(data.scenario.workloads)}
    if levers is not None:
        for r in levers.itertuples(index=False):
            attributed[index[r.workload], r.t] += r.cost_usd
    # Successful answers: requests x the quality (0-100) of the option serving them.
    successes = np.zeros((W, T))
    if len(t_):
        np.add.at(successes, widx, x * data.demand.requests[widx]
                  * (t_["quality"].to_numpy(dtype=float) / 100.0)[:, None])
    rows = []
    for w, spec in enumerate(data.scenario.workloads):
        npv = float((attributed[w] * df).sum())
        tok = float((tokens[w] * df).sum())
        req = float((data.demand.requests[w] * df).sum())
        ok = float((successes[w] * df).sum())
        rows.append(dict(workload=spec.name, npv_usd=npv,
                         usd_per_mtok=npv / tok * 1e6 if tok else None,
                         usd_per_1k_requests=npv / req * 1e3 if req else None,
                         usd_per_1k_successes=npv / ok * 1e3 if ok else None,
                         value_npv_usd=ok * spec.value_per_success_usd,
                         requests=float(data.demand.requests[w].sum()),
                         tokens=float(tokens[w].sum())))
    return pd.DataFrame(rows)


def _attribute_tariffs(data, x, by: pd.DataFrame, attributed, widx) -> None:
    """Tariff fees, discounts, shortfalls and units shared among the workloads in proportion to
    their list API spend with providers that have a tariff, per period."""
    cats = [c for c in TARIFF_CATEGORIES if c in by.columns]
    if not cats or not len(data.options.table):
        return
    spend = np.zeros_like(attributed)
    np.add.at(spend, widx, tariffs.quoted_spend(data, x))
    total = by[cats].sum(axis=1).reindex(range(data.T), fill_value=0.0)
    for t in range(data.T):
        if spend[:, t].sum() > 0:
            attributed[:, t] += total.iat[t] * spend[:, t] / spend[:, t].sum()


def _attribute_fine_tunes(data, x, attributed, widx) -> None:
    """Each fine-tune's training costs shared among the workloads it serves, by tokens."""
    t_ = data.options.table
    T = data.T
    ft_of = t_["fine_tune"].fillna("").to_numpy()
    tokens = data.demand.tokens
    for ft in data.scenario.fine_tunes:
        sel = ft_of == ft.name
        if not sel.any():
            continue
        use = np.zeros(attributed.shape)
        np.add.at(use, widx[sel], x[sel] * tokens[widx[sel]])
        if use.sum() == 0:
            continue
        every = ft.retrain_every_periods or T
        spend = np.zeros(T)
        spend[list(range(0, T, every))] = ft.training_cost_usd
        # Training is paid at its period; share it by the tokens each workload sends the
        # fine-tune over the horizon.
        weights = use.sum(axis=1) / use.sum()
        attributed += np.outer(weights, spend)


def _marginal(data, duals: dict | None, labels) -> pd.DataFrame:
    cols = ["workload", "period", "t", "usd_per_1k_requests", "usd_per_mtok"]
    if not duals:
        return pd.DataFrame(columns=cols)
    rows = []
    df = data.periods.discount
    for (w, t), dual in sorted(duals.items()):
        req = data.demand.requests[w, t]
        tok = data.demand.tokens[w, t]
        nominal = dual / df[t]  # in the period's own money, not discounted
        rows.append(dict(workload=data.scenario.workloads[w].name, period=labels[t], t=t,
                         usd_per_1k_requests=nominal / req * 1e3 if req else None,
                         usd_per_mtok=nominal / tok * 1e6 if tok else None))
    return pd.DataFrame(rows, columns=cols)
