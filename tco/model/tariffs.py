"""Tariffs: price plans (two-part tariffs, commitments) and provisioned capacity units per API
provider and period, over the options' pay-as-you-go lanes.

The options keep their list prices (cost[t, api | api_batch] += c[o,t] x[o,t]); this family adds
what a tariff changes as cost lines of its own, so list spend stays traceable and a tariff's
effect reads as fees, discounts, shortfalls and units:

Tariffs price lanes (`Lane`): each plain API option o is one, and each API stage of a cascade
option is one more on the stage's provider (its list spend requests x reach x list USD per
request x trend; a cascade's lanes add up to its api_cost), so a cascade stage pays and counts
like its provider's own options. c[l,t] is a lane's list spend at share 1, o(l) its option.

Provisioned units q (serving API a of provider p; a term of L_q periods; price per unit and
period u_q = usd_per_unit_term x H / term hours; terms up to one period are bought per period):
the standard realtime lanes of a go to the units first and spill to pay-as-you-go above their
capacity. A workload's load has mean 1 and two levels: its peak-to-average P for its busy-hour
share b of the time, (1 - bP) / (1 - b) the rest (`profile`; batch latency flat; b = 1/P when
not given). The busy hours of every workload start together, so the period splits into
segments j of length ell_j at the distinct b, lane l at level lambda[l,j] in segment j:

    sigma[l,j,t] <= lambda[l,j] x[o(l),t]          share of lane l served in segment j
                                                   (summed over q when several serve a)
    sum_l A[l,t] sigma[l,j,t] <= tpm_per_unit x n[q,t]      (each segment j)
    n[q,t] = sum_{t-L<s<=t} start[q,s] = min_units on[q,t] + unit_step e[q,t],   e <= E on
    cost[t, tariff_units]    += u_q n[q,t]
    cost[t, tariff_discount] -= c[l,t] sum_j ell_j sigma[l,j,t]   (served tokens are not paid)

A[l,t] = mean tokens per minute of lane l at share 1 (uncached input + cached input if the
vendor counts it + output x output_token_weight). The volume the units serve, sum_j ell_j
min(load_j, C), is concave piecewise linear in the load and C, and serving is never dearer than
spilling, so the LP's maximum is exact: units are added while the load above the last one
is worth a unit's price, and the busy-hour excess may be left to pay-as-you-go.

Price plans k of provider p (two_part, commit; a plan taken in s binds the L_k periods from s):

    y[k,t] = sum_{t-L<s<=t} start[k,s];   sum_k y[k,t] <= 1              (else pay-as-you-go)
    v[l,t] = x[o(l),t] - sum_q,j ell_j sigma[q,l,j,t];   S[p,t] = sum_{l of p} c[l,t] v[l,t]
    disc[p,t] <= savings_k[p,t] + M (1 - y[k,t]) for each k;   |disc[p,t]| <= M sum_k y[k,t]
    cost[t, tariff_discount] -= disc[p,t]
    two_part: savings = sum_l (c - c_k)[l,t] v[l,t] (a discount, or per-API prices), or with
              volume tiers sum_j d_j band[k,j,t] with sum_j band = S, each band within its width
              (USD per month x months) and band j used only when band j-1 is full (binary
              z[k,j,t]: decreasing marginal prices make cost concave, beyond a convex trick);
              cost[t, tariff_fee] += fee x months x y[k,t]
    commit:   savings = d S;  short[k,t] >= C months y[k,t] - (1 - d) S,  short >= 0;
              cost[t, tariff_shortfall] += short[k,t]   (a period pays max(C, (1 - d) S))

M bounds the provider's spend in the period (each workload at its dearest option of p, a
cascade's lanes on p added, at list and at plan prices). A term running past the horizon
follows the reservations' end-of-horizon rule (tco.model.procurement): pro_rata charges the
periods inside the horizon only;
conservative books the fees, commitments and unit payments of the periods after it in the last
period (`tariff_after_horizon`, outside budgets). A commitment per month is settled per period
(the rows above); a commitment per year (`commit_usd_per_year`, C = a twelfth of it) at the end
of each year of its term, over that year's spend (`_yearly_shortfall`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import Rows

PRICE_PLANS = ("two_part", "commit")
"""Tariffs signed here and now: the robust plan's first stage (tco.model.extensive) and what a
plan held fixed keeps (tco.uncertainty.evaluate); provisioned units stay recourse."""


def price_plan_starts(b) -> dict[tuple, object]:
    """(price plan, t) -> the model's variable 'signed in period t'."""
    return {(name, t): v for name, h in getattr(b, "tariffs", {}).items()
            if h["tariff"].kind in PRICE_PLANS for t, v in enumerate(h["starts"])}


@dataclass(frozen=True)
class Lane:
    """A stream of list spend with one provider: a plain API option's, or one API stage of a
    cascade option (tco.levers.ApiStage). Tariffs price lanes, so a cascade's stage on a
    provider with a price plan or units pays and counts like that provider's own options."""

    o: int
    """Option row whose share x[o,t] carries the lane."""
    provider: str
    api: str
    standard: bool
    """Realtime standard tier, no fine-tune: per-API prices and provisioned units apply."""
    stage: object = None
    """The cascade's ApiStage; None for a plain API option."""
    pos: int = 0
    """Position of the stage among the option's API stages (Options.stage_apis)."""


def spend_lanes(data) -> tuple[list[Lane], np.ndarray]:
    """(lanes, list USD per lane and period at share 1) of every API option and cascade stage.

    A cascade stage's spend is requests x reach x list USD per request x (1 + trend)^years;
    its stages' lanes add up to the cascade row's api_cost."""
    table = data.options.table
    T = data.T
    lanes: list[Lane] = []
    costs: list[np.ndarray] = []
    if not len(table):
        return lanes, np.zeros((0, T))
    prov = table["provider"].to_numpy()
    kind = table["kind"].to_numpy()
    tier = table["tier"].to_numpy() if "tier" in table else np.full(len(table), "standard")
    ft = table["fine_tune"].to_numpy()
    api = table["api"].to_numpy()
    stages = data.options.stage_apis
    years = np.asarray(data.periods.years_from_start, dtype=float)
    for o in range(len(table)):
        if isinstance(prov[o], str) and kind[o] != "cascade":
            lanes.append(Lane(o, prov[o], api[o], kind[o] == "api" and tier[o] == "standard"
                              and not isinstance(ft[o], str)))
            costs.append(data.options.api_cost[o])
        elif stages is not None and stages[o] is not None:
            w = int(table["workload"].iat[o])
            for pos, st in enumerate(stages[o]):
                lanes.append(Lane(o, st.provider, st.api, not st.batch, st, pos))
                costs.append(data.demand.requests[w] * st.reach * st.list_usd
                             * (1.0 + st.trend) ** years)
    return lanes, (np.vstack(costs) if costs else np.zeros((0, T)))


def add(m: pyo.ConcreteModel, b) -> None:
    """Add tariff variables, rows and cost terms; nothing when no tariff applies."""
    data = b.data
    if not any(t.kind in ("two_part", "commit", "provisioned") for t in data.tariffs):
        return
    lanes, costs = spend_lanes(data)
    if not lanes:
        return
    present = {ln.provider for ln in lanes}
    quoted = [t for t in data.tariffs if t.provider in present
              and t.kind in ("two_part", "commit", "provisioned")]
    if not quoted:
        return
    rows = Rows()
    served: dict[tuple[int, int], list] = {}
    segment_use: dict[tuple, list] = {}
    for i, q in enumerate(t for t in quoted if t.kind == "provisioned"):
        _provisioned(m, b, rows, i, q, served, lanes, costs, segment_use)
    for (k, lo, hi, t), (level, vs) in segment_use.items():
        if len(vs) > 1:
            # Several unit tariffs on one API (a month and a year term) serve the same traffic
            # once: together at most what arrives in the segment.
            rows.add(("units_share_all", k, lo, hi, t), [1.0] * len(vs) + [-level],
                     vs + [b.x[lanes[k].o * b.data.T + t]], upper=0.0)
    by_provider: dict[str, list] = {}
    for k in quoted:
        if k.kind in ("two_part", "commit"):
            by_provider.setdefault(k.provider, []).append(k)
    for i, (p, ks) in enumerate(by_provider.items()):
        _plans(m, b, rows, i, p, ks, served, lanes, costs)
    rows.attach(m, "tariff_rows")


def term_periods(term_hours: float, hours: float) -> int:
    """Periods a term binds: 1 up to one period, else the term in whole periods."""
    return 1 if term_hours <= hours + 1e-9 else int(math.ceil(term_hours / hours - 1e-9))


def _conservative(data) -> bool:
    return getattr(data.scenario.finance, "end_of_horizon", "conservative") == "conservative"


def _starts(m, b, name: str, L: int, ub: float, integer: bool):
    """Start variables of a term of L periods and the expressions of what is active per t."""
    T = b.data.T
    dom = pyo.NonNegativeIntegers if integer else pyo.Binary
    var = pyo.Var(range(T), domain=dom, bounds=(0, ub))
    m.add_component(name, var)
    starts = [var[s] for s in range(T)]
    b.tariff_ints.extend(starts)
    active = [[starts[s] for s in range(max(0, t - L + 1), t + 1)] for t in range(T)]
    return starts, active


def _pay_terms(b, category: str, per_period: float, starts: list, L: int) -> None:
    """Each start pays `per_period` in every period its term covers; the periods past the
    horizon in the last period under the conservative end-of-horizon rule."""
    T = b.data.T
    if per_period == 0:
        return
    for s, v in enumerate(starts):
        for t in range(s, min(T, s + L)):
            b.costs.add(t, category, [per_period], [v])
        tail = s + L - T
        if tail > 0 and _conservative(b.data):
            b.costs.add(T - 1, "tariff_after_horizon", [per_period * tail], [v])


def profile(peak: float, busy: float | None) -> tuple[float, float, float]:
    """(busy-hour share b, level in the busy hours, level in the others) of a load whose mean
    is 1: the busy hours run at `peak` (peak-to-average), the rest at (1 - b peak) / (1 - b)
    so the mean is kept. No busy share given: b = 1 / peak (all traffic in the busy hours,
    none in the others: the most conservative profile for units). Flat at 1 when peak is 1."""
    if peak <= 1.0 + 1e-12:
        return 1.0, 1.0, 1.0
    b = 1.0 / peak if busy is None else min(float(busy), 1.0 / peak)
    low = (1.0 - b * peak) / (1.0 - b) if b < 1.0 else 0.0
    return b, peak, max(0.0, low)


def _lane_tpm(data, q, lane: Lane) -> np.ndarray:
    """Mean capacity tokens per minute of a lane at share 1 per period (output weighted,
    cached reads counted if the vendor counts them)."""
    H = data.periods.hours
    w = int(data.options.table["workload"].iat[lane.o])
    spec = data.scenario.workloads[w]
    reqs = data.demand.requests[w] / (60.0 * H)
    st = lane.stage
    if st is not None:
        reads = st.cached * (1 - st.write)
        weight = (st.uncached + st.cached * st.write + (reads if q.cached_tokens_count else 0.0)
                  + st.output * q.output_token_weight)
        return reqs * st.reach * weight
    o = lane.o
    inp = float(data.options.table["input_tokens"].iat[o])
    cached = data.demand.cached_share[w]
    write = 1.0 / spec.cache_reuse if spec.cache_reuse else 0.0
    counted = inp * (1 - cached * (1 - write)) + (inp * cached * (1 - write)
                                                    if q.cached_tokens_count else 0.0)
    weight = counted + _output_tokens(data, o) * q.output_token_weight
    return reqs * weight * _cache_keep(data, o)


def _provisioned(m, b, rows: Rows, i: int, q, served: dict, lanes: list[Lane],
                 costs: np.ndarray, segment_use: dict) -> None:
    """Units of q serve its API's standard realtime lanes first; the load above their
    capacity spills to pay-as-you-go (module doc)."""
    data, T, x = b.data, b.data.T, b.x
    H = data.periods.hours
    sel = [k for k, ln in enumerate(lanes) if ln.api == q.api and ln.standard]
    if not sel:
        return
    ws = data.scenario.workloads
    w_of = data.options.table["workload"].to_numpy()
    tpm = np.array([_lane_tpm(data, q, lanes[k]) for k in sel])        # mean, share 1
    prof = []
    for k in sel:
        w = int(w_of[lanes[k].o])
        spec = ws[w]
        peak = float(data.demand.peak_to_average[w]) if spec.latency != "batch" else 1.0
        prof.append(profile(peak, getattr(spec, "busy_hour_share", None)))
    # Time segments: the busy hours of every workload start together (their peaks coincide,
    # the conservative reading); a segment ends where some workload's busy hours end.
    edges = sorted({0.0, 1.0} | {round(p[0], 12) for p in prof if 0.0 < p[0] < 1.0})
    segs = list(zip(edges, edges[1:]))
    level = np.array([[p[1] if hi <= p[0] + 1e-12 else p[2] for lo, hi in segs] for p in prof])
    L = term_periods(q.term_hours, H)
    # Most units ever useful: per workload its dearest row's peak (a row's lanes add up).
    peak_tpm = tpm * level.max(axis=1)[:, None]
    per_row: dict[int, np.ndarray] = {}
    for r, k in enumerate(sel):
        per_row[lanes[k].o] = per_row.get(lanes[k].o, 0.0) + peak_tpm[r]
    per_w: dict[int, np.ndarray] = {}
    for o, v in per_row.items():
        w = int(w_of[o])
        per_w[w] = np.maximum(per_w.get(w, 0.0), v)
    need = float(np.sum(list(per_w.values()), axis=0).max(initial=0.0))
    ub_units = q.min_units + q.unit_step * math.ceil(
        max(0.0, need / q.input_tokens_per_minute_per_unit - q.min_units) / q.unit_step)
    if q.max_units is not None:
        ub_units = min(ub_units, q.max_units)
    starts, active = _starts(m, b, f"tariff_units_start_{i}", L, float(ub_units), True)
    on = pyo.Var(range(T), domain=pyo.Binary)
    m.add_component(f"tariff_units_on_{i}", on)
    e_max = max(0, (ub_units - q.min_units) // q.unit_step)
    extra = pyo.Var(range(T), domain=pyo.NonNegativeIntegers, bounds=(0, e_max))
    m.add_component(f"tariff_units_extra_{i}", extra)
    # sigma[r, j, t]: share-of-lane units served in segment j, <= level x x[o,t].
    keys = [(r, j, t) for t in range(T) for r in range(len(sel)) for j in range(len(segs))
            if level[r, j] > 0 and tpm[r, t] > 0]
    sigma = pyo.Var(range(len(keys)), bounds=(0.0, None))
    m.add_component(f"tariff_units_served_{i}", sigma)
    b.tariff_ints.extend([on[t] for t in range(T)] + [extra[t] for t in range(T)])
    per_period = q.usd_per_unit_term * H / q.term_hours
    _pay_terms(b, "tariff_units", per_period, starts, L)
    handles = dict(tariff=q, starts=starts, active=active, on=[on[t] for t in range(T)],
                   lanes=sel, share={})
    cap: dict[tuple[int, int], tuple[list, list]] = {}
    for n, (r, j, t) in enumerate(keys):
        v = sigma[n]
        k = sel[r]
        o = lanes[k].o
        ell = segs[j][1] - segs[j][0]
        rows.add(("units_share", q.name, k, j, t), [1.0, -float(level[r, j])],
                 [v, x[o * T + t]], upper=0.0)
        handles["share"].setdefault((k, t), []).append((ell, v))
        served.setdefault((k, t), []).append((ell, v))
        key = (k, round(segs[j][0], 12), round(segs[j][1], 12), t)
        segment_use.setdefault(key, (float(level[r, j]), []))[1].append(v)
        cc, vv = cap.setdefault((j, t), ([], []))
        cc.append(float(tpm[r, t]))
        vv.append(v)
        b.costs.add(t, "tariff_discount", [-float(costs[k, t]) * ell], [v])
    for t in range(T):
        n_vars = active[t]
        rows.add(("units", q.name, t), [1.0] * len(n_vars) + [-float(q.min_units),
                                                              -float(q.unit_step)],
                 n_vars + [on[t], extra[t]], 0.0, 0.0)
        rows.add(("units_on", q.name, t), [1.0, -float(e_max)], [extra[t], on[t]], upper=0.0)
        for j in range(len(segs)):
            cc, vv = cap.get((j, t), ([], []))
            if cc:
                rows.add(("units_capacity", q.name, j, t),
                         cc + [-q.input_tokens_per_minute_per_unit] * len(n_vars),
                         vv + n_vars, upper=0.0)
    b.tariffs[q.name] = handles


def _plan_cost(data, k, lanes: list[Lane], costs: np.ndarray) -> np.ndarray:
    """Cost c_k[l,t] of the provider's lanes under plan k's base prices (before tiers)."""
    out = costs * (1.0 - k.discount)
    if k.kind != "two_part" or not k.prices:
        return out
    table, dem = data.options.table, data.demand
    years = np.asarray(data.periods.years_from_start, dtype=float)
    for r, lane in enumerate(lanes):
        pr = k.prices.get(lane.api)
        if pr is None or not lane.standard:
            continue
        o = lane.o
        w = int(table["workload"].iat[o])
        st = lane.stage
        if st is not None:
            per_req = (st.uncached * pr.input
                       + st.cached * ((1 - st.write) * pr.cached_input + st.write * pr.input)
                       + st.output * pr.output) / 1e6
            out[r] = dem.requests[w] * st.reach * per_req * (1.0 + st.trend) ** years
            continue
        spec = data.scenario.workloads[w]
        inp = float(table["input_tokens"].iat[o])
        # A lane priced without a cache discount (strategy without prompt caching) keeps none.
        no_cache = float(table["p_cached"].iat[o]) == float(table["p_input"].iat[o])
        cached = 0.0 if no_cache else float(dem.cached_share[w])
        write = 1.0 / spec.cache_reuse if spec.cache_reuse else 0.0
        per_req = (inp * (1 - cached) * pr.input
                   + inp * cached * ((1 - write) * pr.cached_input + write * pr.input)
                   + _output_tokens(data, o) * pr.output) / 1e6
        trend = (1.0 + float(table["price_trend"].iat[o])) ** years
        out[r] = dem.requests[w] * per_req * trend * _cache_keep(data, o)
    return out


def _output_tokens(data, o: int) -> float:
    """Output tokens per request of option row o: its prompt variant's, else its workload's."""
    table = data.options.table
    w = int(table["workload"].iat[o])
    name = table["variant"].iat[o] if "variant" in table else None
    if isinstance(name, str):
        v = next(p for p in data.scenario.workloads[w].prompt_variants if p.name == name)
        if v.output_tokens is not None:
            return float(v.output_tokens)
    return float(data.demand.output_tokens[w])


def _cache_keep(data, o: int) -> float:
    """Share of requests of option row o that reach the API: 1 - hit rate behind a response
    cache (tco.levers), else 1."""
    table = data.options.table
    if "cache" in table and bool(table["cache"].iat[o]):
        return 1.0 - data.scenario.workloads[int(table["workload"].iat[o])].response_cache.hit_rate
    return 1.0


def _plans(m, b, rows: Rows, i: int, provider: str, plans: list, served: dict,
           lanes: list[Lane], all_costs: np.ndarray) -> None:
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    H = data.periods.hours
    months = float(np.asarray(data.periods.months).reshape(-1)[0])
    sel = [k for k, ln in enumerate(lanes) if ln.provider == provider]
    if not sel:
        return
    mine = [lanes[k] for k in sel]
    c = all_costs[sel]
    costs = {k.name: _plan_cost(data, k, mine, c) for k in plans}
    worst = np.maximum.reduce([c] + list(costs.values()))
    # Most the provider can bill in a period: per workload its dearest row (a cascade row's
    # lanes on this provider add up).
    per_row: dict[int, np.ndarray] = {}
    for r, ln in enumerate(mine):
        per_row[ln.o] = per_row.get(ln.o, 0.0) + worst[r]
    w_of = table["workload"].to_numpy()
    per_w: dict[int, np.ndarray] = {}
    for o, v in per_row.items():
        per_w[int(w_of[o])] = np.maximum(per_w.get(int(w_of[o]), 0.0), v)
    big_m = np.sum(list(per_w.values()), axis=0) * np.ones(T)
    # Savings of two plans differ by at most twice the largest spend.
    big_m = np.maximum(2.0 * big_m * 1.01, 1.0)

    def payg(t):
        """Per lane of p: the variables of v[l,t] = x[o,t] - (share units serve), with their
        coefficients."""
        vs, sign = [], []
        for k in sel:
            got = served.get((k, t), [])
            vs.append([x[lanes[k].o * T + t]] + [v for _, v in got])
            sign.append([1.0] + [-ell for ell, _ in got])
        return vs, sign

    tok = _lane_tokens(data, mine) if any(k.tiers_by_tokens for k in plans) else None
    disc = pyo.Var(range(T), bounds=(None, None))
    m.add_component(f"tariff_discount_{i}", disc)
    actives: dict[str, list] = {}
    handles = {}
    for j, k in enumerate(plans):
        L = term_periods(k.term_hours, H)
        starts, active = _starts(m, b, f"tariff_plan_start_{i}_{j}", L, 1.0, False)
        actives[k.name] = active
        fee = k.fee_usd_per_month * months if k.kind == "two_part" else 0.0
        _pay_terms(b, "tariff_fee", fee, starts, L)
        if k.kind == "commit" and _conservative(data):
            # The commitment of periods past the horizon is owed whatever is spent then.
            for s, v in enumerate(starts):
                tail = s + L - T
                if tail > 0:
                    b.costs.add(T - 1, "tariff_after_horizon",
                                [k.commit_usd_per_month * months * tail], [v])
        handles[k.name] = dict(tariff=k, starts=starts, active=active, provider=provider)
    for t in range(T):
        vs, sign = payg(t)
        all_active = [v for k in plans for v in actives[k.name][t]]
        rows.add(("plan_one", provider, t), [1.0] * len(all_active), all_active, upper=1.0)
        M = float(big_m[t])
        rows.add(("plan_disc_hi", provider, t), [1.0] + [-M] * len(all_active),
                 [disc[t]] + all_active, upper=0.0)
        rows.add(("plan_disc_lo", provider, t), [1.0] + [M] * len(all_active),
                 [disc[t]] + all_active, lower=0.0)
        for j, k in enumerate(plans):
            act = actives[k.name][t]
            coefs, variables = [1.0], [disc[t]]
            if k.kind == "two_part" and k.tiers and k.tiers_by_tokens:
                cc, vv = _token_tiers(m, b, rows, i, j, k, t, c[:, t], tok[:, t], vs, sign,
                                      months, M, handles[k.name])
                coefs += cc
                variables += vv
            elif k.kind == "two_part" and k.tiers:
                bands = _bands(m, b, rows, i, j, k, t, c[:, t], vs, sign, months, M,
                               handles[k.name])
                d = [k.discount] + [tier[1] for tier in k.tiers]
                coefs += [-dd for dd in d]
                variables += bands
            else:
                save = c[:, t] - costs[k.name][:, t]
                for r in range(len(sel)):
                    if save[r]:
                        coefs += [-save[r] * s for s in sign[r]]
                        variables += vs[r]
            coefs += [M] * len(act)
            variables += act
            rows.add(("plan_disc", k.name, t), coefs, variables, upper=M)
            if k.kind == "commit" and not k.settled_yearly:
                short = pyo.Var(bounds=(0.0, None))
                m.add_component(f"tariff_short_{i}_{j}_{t}", short)
                cc, vv = [1.0], [short]
                cc += [-k.commit_usd_per_month * months] * len(act)
                vv += act
                for r in range(len(sel)):
                    f = (1.0 - k.discount) * c[r, t]
                    if f:
                        cc += [f * s for s in sign[r]]
                        vv += vs[r]
                rows.add(("plan_short", k.name, t), cc, vv, lower=0.0)
                b.costs.add(t, "tariff_shortfall", [1.0], [short])
                handles[k.name].setdefault("short", {}).setdefault(t, []).append(short)
        b.costs.add(t, "tariff_discount", [-1.0], [disc[t]])
    for j, k in enumerate(plans):
        if k.kind == "commit" and k.settled_yearly:
            _yearly_shortfall(m, b, rows, i, j, k, handles[k.name], c, payg, months)
    for name, h in handles.items():
        h["discount"] = [disc[t] for t in range(T)]
        b.tariffs[name] = h


def year_windows(s: int, L: int, T: int, per_year: int) -> list[tuple[int, int]]:
    """(first, end) periods of each year of a term of L periods signed in s, cut at the
    horizon's end T (end exclusive)."""
    return [(y, min(y + per_year, s + L, T)) for y in range(s, min(s + L, T), per_year)]


def _yearly_shortfall(m, b, rows: Rows, i: int, j: int, k, handle: dict, c, payg,
                      months: float) -> None:
    """A yearly commitment settled at the end of each year of a term signed in s:

        short[s,y] >= C x months x n_y x start[s] - (1 - d) sum_{t in year y} S[p,t]

    n_y the periods of year y inside the horizon (a year cut by the horizon's end owes its
    share). A start that is 0 leaves short at 0; a start that is 1 makes k the provider's only
    active plan in those periods, so S is spent under k. Booked in the year's last period."""
    data = b.data
    T = data.T
    L = term_periods(k.term_hours, data.periods.hours)
    for s, start in enumerate(handle["starts"]):
        for y, end in year_windows(s, L, T, data.periods.per_year):
            short = pyo.Var(bounds=(0.0, None))
            m.add_component(f"tariff_short_{i}_{j}_{s}_{y}", short)
            cc = [1.0, -k.commit_usd_per_month * months * (end - y)]
            vv = [short, start]
            for t in range(y, end):
                vs, sign = payg(t)
                for r in range(c.shape[0]):
                    f = (1.0 - k.discount) * c[r, t]
                    if f:
                        cc += [f * g for g in sign[r]]
                        vv += vs[r]
            rows.add(("plan_short_year", k.name, s, y), cc, vv, lower=0.0)
            b.costs.add(end - 1, "tariff_shortfall", [1.0], [short])
            handle.setdefault("short", {}).setdefault(end - 1, []).append(short)


def _token_tiers(m, b, rows, i, j, k, t, c_t, tok_t, vs, sign, months, M,
                 handle: dict) -> tuple[list, list]:
    """Savings of a two_part plan whose tiers are thresholds of monthly tokens, as the
    (coefficients, variables) of -savings: with S the list spend and N the tokens not served
    by units, tier r reached (z_r = 1) only when N >= its threshold x months, tiers reached in
    order, and w_r = S when z_r (w_r <= S, w_r <= M z_r):

        savings = d_0 S + sum_r (d_r - d_{r-1}) w_r       (discounts rise with the volume)
    """
    n = len(k.tiers)
    z = pyo.Var(range(n), domain=pyo.Binary)
    m.add_component(f"tariff_tier_{i}_{j}_{t}", z)
    w = pyo.Var(range(n), bounds=(0.0, None))
    m.add_component(f"tariff_tier_spend_{i}_{j}_{t}", w)
    b.tariff_ints.extend(z[r] for r in range(n))
    spend_c, spend_v, tok_c, tok_v = [], [], [], []
    for r in range(len(c_t)):
        if c_t[r]:
            spend_c += [c_t[r] * g for g in sign[r]]
            spend_v += vs[r]
        if tok_t[r]:
            tok_c += [tok_t[r] * g for g in sign[r]]
            tok_v += vs[r]
    coefs = [-k.discount * x for x in spend_c]
    variables = list(spend_v)
    prev = k.discount
    for r, (above, d) in enumerate(k.tiers):
        rows.add(("tier_tokens", k.name, t, r), tok_c + [-above * 1e6 * months],
                 tok_v + [z[r]], lower=0.0)
        if r:
            rows.add(("tier_order", k.name, t, r), [1.0, -1.0], [z[r], z[r - 1]], upper=0.0)
        rows.add(("tier_spend", k.name, t, r), [1.0] + [-x for x in spend_c], [w[r]] + spend_v,
                 upper=0.0)
        rows.add(("tier_gate", k.name, t, r), [1.0, -M], [w[r], z[r]], upper=0.0)
        coefs.append(-(d - prev))
        variables.append(w[r])
        prev = d
    handle.setdefault("tiers", {})[t] = [z[r] for r in range(n)]
    return coefs, variables


def _bands(m, b, rows, i, j, k, t, c_t, vs, sign, months, M, handle: dict) -> list:
    """Spend bands of a tiered two_part plan in period t: sum = list spend, filled in order."""
    edges = [0.0] + [tier[0] * months for tier in k.tiers]
    n = len(edges)
    band = pyo.Var(range(n), bounds=(0.0, None))
    m.add_component(f"tariff_band_{i}_{j}_{t}", band)
    z = pyo.Var(range(1, n), domain=pyo.Binary)
    m.add_component(f"tariff_tier_{i}_{j}_{t}", z)
    b.tariff_ints.extend(z[r] for r in range(1, n))
    coefs, variables = [1.0] * n, [band[r] for r in range(n)]
    for r in range(len(c_t)):
        if c_t[r]:
            coefs += [-c_t[r] * s for s in sign[r]]
            variables += vs[r]
    rows.add(("band_sum", k.name, t), coefs, variables, 0.0, 0.0)
    for r in range(n):
        width = edges[r + 1] - edges[r] if r + 1 < n else M
        if r + 1 < n:
            # band r+1 in use only when band r is full
            rows.add(("band_full", k.name, t, r), [1.0, -width], [band[r], z[r + 1]], lower=0.0)
        gate = [z[r]] if r > 0 else []
        rows.add(("band_cap", k.name, t, r), [1.0] + [-width] * len(gate),
                 [band[r]] + gate, upper=0.0 if gate else width)
    handle.setdefault("tiers", {})[t] = [z[r] for r in range(1, n)]
    return [band[r] for r in range(n)]


# ---------------------------------------------------------------- results

def _val(v) -> float:
    return float(v.value) if v.value is not None else 0.0


def _served(h: dict, key: tuple[int, int]) -> float:
    """Share of lane key[0]'s traffic in period key[1] that units h serve."""
    return sum(ell * _val(v) for ell, v in h["share"].get(key, ()))


def _provisioned_shares(b):
    """(lane, period, share of the lane's traffic served) for every lane and period that
    provisioned units serve in the plan `b`."""
    lanes = None
    for h in b.tariffs.values():
        if h["tariff"].kind != "provisioned":
            continue
        if lanes is None:
            lanes, _ = spend_lanes(b.data)
        for (k, t) in h["share"]:
            yield lanes[k], t, _served(h, (k, t))


def served_shares(b, n: int) -> np.ndarray | None:
    """Per option row and period, the share of its plain API traffic provisioned units serve;
    None when the plan has no provisioned units."""
    if not any(h["tariff"].kind == "provisioned" for h in b.tariffs.values()):
        return None
    out = np.zeros((n, b.data.T))
    for ln, t, share in _provisioned_shares(b):
        if ln.stage is None:
            out[ln.o, t] += share
    return out


def stage_served_shares(b, n: int) -> np.ndarray | None:
    """Per option row, API stage (position in Options.stage_apis) and period, the share of the
    stage's traffic provisioned units serve; None when no units serve a cascade stage."""
    out = None
    for ln, t, share in _provisioned_shares(b):
        if ln.stage is None:
            continue
        if out is None:
            most = max(len(x) for x in b.data.options.stage_apis if x is not None)
            out = np.zeros((n, most, b.data.T))
        out[ln.o, ln.pos, t] += share
    return out


def plan_table(b, x: np.ndarray, labels: list[str]):
    """One row per tariff and period: taken or not (units for provisioned), what it cost.

    Columns: tariff, kind, provider, api, period, t, taken, units, started (plans or units
    signed in the period), term_periods, fee_usd, units_usd, discount_usd (below list,
    positive), shortfall_usd, after_horizon_usd (booked in the last period), served_list_usd
    (provisioned: list spend of the traffic the units serve), usd_per_period (the fee, the
    commitment or one unit's price for a period of the term), source, tier_reached (tiers by
    tokens: how many thresholds the period's tokens reached, when taken).
    """
    import pandas as pd

    rows = []
    data, T = b.data, b.data.T
    H = data.periods.hours
    months = float(np.asarray(data.periods.months).reshape(-1)[0])
    cost = spend_lanes(data)[1] if b.tariffs else None
    for name, h in b.tariffs.items():
        k = h["tariff"]
        L = term_periods(k.term_hours, H)
        if k.kind == "provisioned":
            per_period = k.usd_per_unit_term * H / k.term_hours
        elif k.kind == "two_part":
            per_period = k.fee_usd_per_month * months
        else:
            per_period = k.commit_usd_per_month * months
        for t in range(T):
            active = sum(_val(v) for v in h["active"][t])
            started = _val(h["starts"][t])
            tail = max(0, t + L - T) if _conservative(data) else 0
            row = dict(tariff=name, kind=k.kind, provider=k.provider, api=k.api,
                       period=labels[t], t=t, taken=bool(active > 0.5), units=None,
                       started=int(round(started)), term_periods=L, fee_usd=0.0,
                       units_usd=0.0, discount_usd=0.0, shortfall_usd=0.0,
                       after_horizon_usd=per_period * started * tail + 0.0, served_list_usd=0.0,
                       usd_per_period=per_period, source=k.source, tier_reached=None)
            if k.kind == "provisioned":
                row["units"] = int(round(active))
                row["units_usd"] = active * per_period
                row["served_list_usd"] = row["discount_usd"] = sum(
                    cost[k_, tt] * _served(h, (k_, tt)) for (k_, tt) in h["share"] if tt == t)
            elif row["taken"]:
                row["discount_usd"] = _val(h["discount"][t])
                if k.kind == "two_part":
                    row["fee_usd"] = per_period
                    if k.tiers_by_tokens:
                        row["tier_reached"] = int(round(sum(
                            _val(z) for z in h.get("tiers", {}).get(t, ()))))
                else:
                    row["shortfall_usd"] = sum(_val(v) for v in h.get("short", {}).get(t, ()))
            rows.append(row)
    cols = ["tariff", "kind", "provider", "api", "period", "t", "taken", "units", "started",
            "term_periods", "fee_usd", "units_usd", "discount_usd", "shortfall_usd",
            "after_horizon_usd", "served_list_usd", "usd_per_period", "source", "tier_reached"]
    return pd.DataFrame(rows, columns=cols)


def provider_table(data, x: np.ndarray, plan, labels: list[str]):
    """Per provider with a tariff and period: the price plan it is on (or pay-as-you-go),
    provisioned units, list spend, what it pays, tokens and the effective USD per 1M tokens."""
    import pandas as pd

    rows = []
    providers = sorted({k.provider for k in data.tariffs if k.kind != "service_tier"})
    lanes, cost = spend_lanes(data) if providers else ([], None)
    tok = _lane_tokens(data, lanes) if lanes else None
    share = x[[ln.o for ln in lanes]] if lanes else np.zeros((0, data.T))
    for p in providers:
        sel = [k for k, ln in enumerate(lanes) if ln.provider == p]
        mine = plan[plan.provider == p] if len(plan) else plan
        for t in range(data.T):
            list_usd = float((cost[sel, t] * share[sel, t]).sum()) if sel else 0.0
            tokens = float((tok[sel, t] * share[sel, t]).sum()) if sel else 0.0
            now = mine[mine.t == t] if len(mine) else mine
            on = [r.tariff for r in now.itertuples() if r.taken and r.kind != "provisioned"]
            units = ", ".join(f"{int(r.units)} x {r.tariff}" for r in now.itertuples()
                              if r.kind == "provisioned" and r.units)
            paid = list_usd
            if len(now):
                paid += float((now.fee_usd + now.units_usd - now.discount_usd
                               + now.shortfall_usd).sum())
            rows.append(dict(provider=p, period=labels[t], t=t,
                             plan=on[0] if on else "pay-as-you-go", units=units or None,
                             list_usd=list_usd, paid_usd=paid, tokens=tokens,
                             usd_per_mtok=paid / tokens * 1e6 if tokens else None))
    cols = ["provider", "period", "t", "plan", "units", "list_usd", "paid_usd", "tokens",
            "usd_per_mtok"]
    return pd.DataFrame(rows, columns=cols)


def _savings_at(k, spend: float, usd_per_mtok: float | None = None) -> float | None:
    """Savings below list of a discount or tiered plan at a monthly list spend (tiers by
    tokens: thresholds at the spend their tokens cost at `usd_per_mtok`; None if unknown)."""
    if k.tiers_by_tokens and k.tiers:
        if not usd_per_mtok:
            return None
        d = k.discount
        for above, rate in k.tiers:
            if spend >= above * usd_per_mtok - 1e-9:
                d = rate
        return d * spend
    edges = [0.0] + [tier[0] for tier in k.tiers] + [math.inf]
    rates = [k.discount] + [tier[1] for tier in k.tiers]
    return sum(d * max(0.0, min(spend, hi) - lo) for d, lo, hi in zip(rates, edges, edges[1:]))


def monthly_cost(k, spend: float, mix_saving: float | None = None,
                 usd_per_mtok: float | None = None) -> float | None:
    """What a month on plan k costs at a monthly list spend (pay-as-you-go costs `spend`).

    Per-API prices save `mix_saving` (a share of list spend at the plan's mix); None when that
    is unknown. Tiers by tokens reach their thresholds at the provider's list price per 1M
    tokens `usd_per_mtok` (None when unknown). Provisioned units are not a function of spend
    alone (None).
    """
    if k.kind == "two_part":
        if k.prices:
            return None if mix_saving is None else k.fee_usd_per_month + spend * (1 - mix_saving)
        saved = _savings_at(k, spend, usd_per_mtok)
        return None if saved is None else k.fee_usd_per_month + spend - saved
    if k.kind == "commit":
        return max(k.commit_usd_per_month, (1 - k.discount) * spend)
    return None


def breakeven_spend(k, mix_saving: float | None = None,
                    usd_per_mtok: float | None = None) -> float | None:
    """Monthly list spend from which plan k costs less than pay-as-you-go; None if never (or,
    for tiers by tokens, when the list price per 1M tokens is unknown)."""
    if k.kind == "commit":
        return k.commit_usd_per_month if k.discount > 0 else None
    if k.kind == "provisioned":
        # The smallest deployment for a month: the list spend it must displace to pay.
        return k.min_units * k.usd_per_unit_term * 730.0 / k.term_hours
    if k.kind != "two_part":
        return None
    fee = k.fee_usd_per_month
    if k.prices:
        if mix_saving is None or mix_saving <= 0:
            return None
        return fee / mix_saving
    if k.tiers_by_tokens and k.tiers:
        # Thresholds: past tier r's start the discount is at least d_r (discounts rise), so
        # the plan pays from the first spend where d_r x spend covers the fee.
        if not usd_per_mtok:
            return None
        starts = [0.0] + [above * usd_per_mtok for above, _ in k.tiers]
        rates = [k.discount] + [d for _, d in k.tiers]
        found = [max(e, fee / d) for e, d in zip(starts, rates) if d > 0]
        return min(found) if found else None
    edges = [0.0] + [tier[0] for tier in k.tiers] + [math.inf]
    rates = [k.discount] + [tier[1] for tier in k.tiers]
    saved = 0.0
    for d, lo, hi in zip(rates, edges, edges[1:]):
        if d > 0 and saved + d * (hi - lo) >= fee:
            return lo + (fee - saved) / d
        saved += d * (hi - lo) if hi < math.inf else 0.0
    return None


def quoted_spend(data, x: np.ndarray) -> np.ndarray:
    """Per option row and period, its list spend with providers that have a tariff (a
    cascade's with its stages' providers): the basis on which tariff costs are shared."""
    quoted = {k.provider for k in data.tariffs}
    out = np.zeros((len(data.options.table), data.T))
    lanes, cost = spend_lanes(data)
    for k, ln in enumerate(lanes):
        if ln.provider in quoted:
            out[ln.o] += cost[k] * x[ln.o]
    return out


def _lane_tokens(data, lanes: list[Lane]) -> np.ndarray:
    """Tokens (input + output) per lane and period at share 1."""
    T = data.T
    out = np.zeros((len(lanes), T))
    w_of = data.options.table["workload"].to_numpy() if lanes else None
    for k, ln in enumerate(lanes):
        st = ln.stage
        if st is None:
            out[k] = data.options.tokens[ln.o]
        else:
            out[k] = data.demand.requests[int(w_of[ln.o])] * st.reach * (
                st.uncached + st.cached + st.output)
    return out


def _provider_mix(data, x: np.ndarray, provider: str):
    """(list spend, tokens, its lanes, their list costs, their shares) of a provider's
    options and cascade stages under the plan, over the horizon."""
    lanes, cost = spend_lanes(data)
    sel = [k for k, ln in enumerate(lanes) if ln.provider == provider]
    mine = [lanes[k] for k in sel]
    share = x[[ln.o for ln in mine]] if mine else np.zeros((0, data.T))
    spend = float((cost[sel] * share).sum()) if sel else 0.0
    tokens = float((_lane_tokens(data, mine) * share).sum()) if sel else 0.0
    return spend, tokens, mine, cost[sel], share


def breakeven_table(data, x: np.ndarray):
    """Per tariff: the monthly list spend (and tokens, at the plan's list price of that
    provider) from which it costs less than pay-as-you-go, and the plan's own volume."""
    import pandas as pd

    rows = []
    months = float(np.asarray(data.periods.months).reshape(-1)[0]) * data.T
    for k in data.tariffs:
        if k.kind == "service_tier":
            continue
        spend, tokens, mine, cost, share = _provider_mix(data, x, k.provider)
        mix = None
        if k.kind == "two_part" and k.prices and spend > 0:
            plan = (_plan_cost(data, k, mine, cost) * share).sum()
            mix = 1.0 - float(plan) / spend
        price = spend / tokens * 1e6 if tokens > 0 else None
        s_star = breakeven_spend(k, mix, price)
        rows.append(dict(
            tariff=k.name, kind=k.kind, provider=k.provider,
            breakeven_list_usd_per_month=s_star,
            breakeven_mtok_per_month=(s_star / price if s_star is not None and price else None),
            plan_list_usd_per_month=spend / months if months else 0.0,
            list_usd_per_mtok=price))
    cols = ["tariff", "kind", "provider", "breakeven_list_usd_per_month",
            "breakeven_mtok_per_month", "plan_list_usd_per_month", "list_usd_per_mtok"]
    return pd.DataFrame(rows, columns=cols)
