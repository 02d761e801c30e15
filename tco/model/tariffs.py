"""Tariffs: price plans (two-part tariffs, commitments) and provisioned capacity units per API
provider and period, over the options' pay-as-you-go lanes.

The options keep their list prices (cost[t, api | api_batch] += c[o,t] x[o,t]); this family adds
what a tariff changes as cost lines of its own, so list spend stays traceable and a tariff's
effect reads as fees, discounts, shortfalls and units:

Provisioned units q (serving API a of provider p; a term of L_q periods; price per unit and
period u_q = usd_per_unit_term x H / term hours; terms up to one period are bought per period):

    xp[q,o,t] <= x[o,t]                   share of a standard realtime option o of a served by q
    sum_o peak_tpm[o,t] xp[q,o,t] <= tpm_per_unit x n[q,t]
    n[q,t] = sum_{t-L<s<=t} start[q,s] = min_units on[q,t] + unit_step e[q,t],   e <= E on
    cost[t, tariff_units]    += u_q n[q,t]
    cost[t, tariff_discount] -= c[o,t] xp[q,o,t]          (tokens the units serve are not paid)

peak_tpm = requests / (60 H) x peak_to_average (1 for batch latency) x (uncached input + cached
input if the vendor counts it + output x output_token_weight): the units are sized at the peak
of the share routed to them and the rest of the traffic pays as it goes (conservative: real
spill-over sends only the peak above capacity to pay-as-you-go).

Price plans k of provider p (two_part, commit; a plan taken in s binds the L_k periods from s):

    y[k,t] = sum_{t-L<s<=t} start[k,s];   sum_k y[k,t] <= 1              (else pay-as-you-go)
    v[o,t] = x[o,t] - sum_q xp[q,o,t];    S[p,t] = sum_{o of p} c[o,t] v[o,t]     (list spend)
    disc[p,t] <= savings_k[p,t] + M (1 - y[k,t]) for each k;   |disc[p,t]| <= M sum_k y[k,t]
    cost[t, tariff_discount] -= disc[p,t]
    two_part: savings = sum_o (c - c_k)[o,t] v[o,t] (a discount, or per-API prices), or with
              volume tiers sum_j d_j band[k,j,t] with sum_j band = S, each band within its width
              (USD per month x months) and band j used only when band j-1 is full (binary
              z[k,j,t]: decreasing marginal prices make cost concave, beyond a convex trick);
              cost[t, tariff_fee] += fee x months x y[k,t]
    commit:   savings = d S;  short[k,t] >= C months y[k,t] - (1 - d) S,  short >= 0;
              cost[t, tariff_shortfall] += short[k,t]   (a period pays max(C, (1 - d) S))

M bounds the provider's spend in the period (each workload at its dearest option of p, at list
and at plan prices). A term running past the horizon follows the reservations' end-of-horizon
rule (tco.model.procurement): pro_rata charges the periods inside the horizon only;
conservative books the fees, commitments and unit payments of the periods after it in the last
period (`tariff_after_horizon`, outside budgets). A commitment per month is settled per period
(the rows above); a commitment per year (`commit_usd_per_year`, C = a twelfth of it) at the end
of each year of its term, over that year's spend (`_yearly_shortfall`).
"""

from __future__ import annotations

import math

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


def add(m: pyo.ConcreteModel, b) -> None:
    """Add tariff variables, rows and cost terms; nothing when no tariff applies."""
    data = b.data
    table = data.options.table
    if not len(table):
        return
    present = set(table["provider"].dropna())
    quoted = [t for t in data.tariffs if t.provider in present
              and t.kind in ("two_part", "commit", "provisioned")]
    if not quoted:
        return
    rows = Rows()
    served: dict[int, list] = {}
    for i, q in enumerate(t for t in quoted if t.kind == "provisioned"):
        _provisioned(m, b, rows, i, q, served)
    by_provider: dict[str, list] = {}
    for k in quoted:
        if k.kind in ("two_part", "commit"):
            by_provider.setdefault(k.provider, []).append(k)
    for i, (p, ks) in enumerate(by_provider.items()):
        _plans(m, b, rows, i, p, ks, served)
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


def _provisioned(m, b, rows: Rows, i: int, q, served: dict) -> None:
    data, T, x = b.data, b.data.T, b.x
    table, dem = data.options.table, data.demand
    H = data.periods.hours
    sel = np.flatnonzero((table["api"] == q.api).to_numpy() & (table["kind"] == "api").to_numpy()
                         & table["fine_tune"].isna().to_numpy()
                         & (table["tier"] == "standard").to_numpy())
    if not len(sel):
        return
    w_of = table["workload"].to_numpy()
    ws = data.scenario.workloads
    tpm = np.zeros((len(sel), T))
    for k, o in enumerate(sel.tolist()):
        w = int(w_of[o])
        spec = ws[w]
        inp = float(table["input_tokens"].iat[o])
        cached = dem.cached_share[w]
        write = 1.0 / spec.cache_reuse if spec.cache_reuse else 0.0
        counted = inp * (1 - cached * (1 - write)) + (inp * cached * (1 - write)
                                                        if q.cached_tokens_count else 0.0)
        weight = counted + dem.output_tokens[w] * q.output_token_weight
        peak = dem.peak_to_average[w] if spec.latency != "batch" else 1.0
        tpm[k] = dem.requests[w] / (60.0 * H) * peak * weight
    L = term_periods(q.term_hours, H)
    # Most units ever useful: every workload's dearest peak, in the busiest period.
    per_t = np.zeros(T)
    for w in set(w_of[sel].tolist()):
        per_t += tpm[w_of[sel] == w].max(axis=0)
    need = float(per_t.max(initial=0.0))
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
    xp = pyo.Var(range(len(sel) * T), bounds=(0.0, 1.0))
    m.add_component(f"tariff_units_share_{i}", xp)
    b.tariff_ints.extend([on[t] for t in range(T)] + [extra[t] for t in range(T)])
    per_period = q.usd_per_unit_term * H / q.term_hours
    _pay_terms(b, "tariff_units", per_period, starts, L)
    handles = dict(tariff=q, starts=starts, active=active, on=[on[t] for t in range(T)],
                   options=sel.tolist(), share={})
    for t in range(T):
        n_vars = active[t]
        rows.add(("units", q.name, t), [1.0] * len(n_vars) + [-float(q.min_units),
                                                              -float(q.unit_step)],
                 n_vars + [on[t], extra[t]], 0.0, 0.0)
        rows.add(("units_on", q.name, t), [1.0, -float(e_max)], [extra[t], on[t]], upper=0.0)
        cap_c, cap_v = [], []
        for k, o in enumerate(sel.tolist()):
            v = xp[k * T + t]
            handles["share"][(o, t)] = v
            served.setdefault(o * T + t, []).append(v)
            rows.add(("units_share", q.name, o, t), [1.0, -1.0], [v, x[o * T + t]], upper=0.0)
            cap_c.append(float(tpm[k, t]))
            cap_v.append(v)
            b.costs.add(t, "tariff_discount", [-float(data.options.api_cost[o, t])], [v])
        rows.add(("units_capacity", q.name, t),
                 cap_c + [-q.input_tokens_per_minute_per_unit] * len(n_vars),
                 cap_v + n_vars, upper=0.0)
    b.tariffs[q.name] = handles


def _plan_cost(data, k, sel: np.ndarray) -> np.ndarray:
    """Cost c_k[o,t] of the provider's options under plan k's base prices (before tiers)."""
    c = data.options.api_cost[sel]
    if k.kind != "two_part" or not k.prices:
        return c * (1.0 - k.discount)
    table, dem = data.options.table, data.demand
    out = c * (1.0 - k.discount)
    years = data.periods.years_from_start
    for r, o in enumerate(sel.tolist()):
        pr = k.prices.get(table["api"].iat[o])
        standard = (table["kind"].iat[o] == "api" and table["tier"].iat[o] == "standard"
                    and not isinstance(table["fine_tune"].iat[o], str))
        if pr is None or not standard:
            continue
        w = int(table["workload"].iat[o])
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


def _plans(m, b, rows: Rows, i: int, provider: str, plans: list, served: dict) -> None:
    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    H = data.periods.hours
    months = float(np.asarray(data.periods.months).reshape(-1)[0])
    sel = np.flatnonzero((table["provider"] == provider).to_numpy())
    if not len(sel):
        return
    c = data.options.api_cost[sel]
    w_of = table["workload"].to_numpy()[sel]
    costs = {k.name: _plan_cost(data, k, sel) for k in plans}
    worst = np.maximum.reduce([c] + list(costs.values()))
    big_m = np.zeros(T)
    for w in set(w_of.tolist()):
        big_m += worst[w_of == w].max(axis=0)
    # Savings of two plans differ by at most twice the largest spend.
    big_m = np.maximum(2.0 * big_m * 1.01, 1.0)

    def payg(t):
        """Per option of p: the variables of v[o,t] = x[o,t] - sum_q xp[q,o,t], and their signs."""
        vs, sign = [], []
        for o in sel.tolist():
            vs.append([x[o * T + t]] + served.get(o * T + t, []))
            sign.append([1.0] + [-1.0] * len(served.get(o * T + t, [])))
        return vs, sign

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
            if k.kind == "two_part" and k.tiers:
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


def served_shares(b, n: int) -> np.ndarray | None:
    """Per option row and period, the share provisioned units serve (sum over q of xp[q,o,t]);
    None when the plan has no provisioned units."""
    out = None
    for h in b.tariffs.values():
        if h["tariff"].kind != "provisioned":
            continue
        if out is None:
            out = np.zeros((n, b.data.T))
        for (o, t), v in h["share"].items():
            out[o, t] += _val(v)
    return out


def plan_table(b, x: np.ndarray, labels: list[str]):
    """One row per tariff and period: taken or not (units for provisioned), what it cost.

    Columns: tariff, kind, provider, api, period, t, taken, units, started (plans or units
    signed in the period), term_periods, fee_usd, units_usd, discount_usd (below list,
    positive), shortfall_usd, after_horizon_usd (booked in the last period), served_list_usd
    (provisioned: list spend of the traffic the units serve), usd_per_period (the fee, the
    commitment or one unit's price for a period of the term), source.
    """
    import pandas as pd

    rows = []
    data, T = b.data, b.data.T
    H = data.periods.hours
    months = float(np.asarray(data.periods.months).reshape(-1)[0])
    cost = data.options.api_cost
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
                       usd_per_period=per_period, source=k.source)
            if k.kind == "provisioned":
                row["units"] = int(round(active))
                row["units_usd"] = active * per_period
                row["served_list_usd"] = row["discount_usd"] = sum(
                    cost[o, tt] * _val(v) for (o, tt), v in h["share"].items() if tt == t)
            elif row["taken"]:
                row["discount_usd"] = _val(h["discount"][t])
                if k.kind == "two_part":
                    row["fee_usd"] = per_period
                else:
                    row["shortfall_usd"] = sum(_val(v) for v in h.get("short", {}).get(t, ()))
            rows.append(row)
    cols = ["tariff", "kind", "provider", "api", "period", "t", "taken", "units", "started",
            "term_periods", "fee_usd", "units_usd", "discount_usd", "shortfall_usd",
            "after_horizon_usd", "served_list_usd", "usd_per_period", "source"]
    return pd.DataFrame(rows, columns=cols)


def provider_table(data, x: np.ndarray, plan, labels: list[str]):
    """Per provider with a tariff and period: the price plan it is on (or pay-as-you-go),
    provisioned units, list spend, what it pays, tokens and the effective USD per 1M tokens."""
    import pandas as pd

    rows = []
    providers = sorted({k.provider for k in data.tariffs if k.kind != "service_tier"})
    table = data.options.table
    for p in providers:
        sel = np.flatnonzero((table["provider"] == p).to_numpy()) if len(table) else []
        mine = plan[plan.provider == p] if len(plan) else plan
        for t in range(data.T):
            list_usd = float((data.options.api_cost[sel, t] * x[sel, t]).sum()) if len(sel) \
                else 0.0
            tokens = float((data.options.tokens[sel, t] * x[sel, t]).sum()) if len(sel) else 0.0
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


def _savings_at(k, spend: float) -> float:
    """Savings below list of a discount or tiered plan at a monthly list spend."""
    edges = [0.0] + [tier[0] for tier in k.tiers] + [math.inf]
    rates = [k.discount] + [tier[1] for tier in k.tiers]
    return sum(d * max(0.0, min(spend, hi) - lo) for d, lo, hi in zip(rates, edges, edges[1:]))


def monthly_cost(k, spend: float, mix_saving: float | None = None) -> float | None:
    """What a month on plan k costs at a monthly list spend (pay-as-you-go costs `spend`).

    Per-API prices save `mix_saving` (a share of list spend at the plan's mix); None when that
    is unknown. Provisioned units are not a function of spend alone (None).
    """
    if k.kind == "two_part":
        if k.prices:
            return None if mix_saving is None else k.fee_usd_per_month + spend * (1 - mix_saving)
        return k.fee_usd_per_month + spend - _savings_at(k, spend)
    if k.kind == "commit":
        return max(k.commit_usd_per_month, (1 - k.discount) * spend)
    return None


def breakeven_spend(k, mix_saving: float | None = None) -> float | None:
    """Monthly list spend from which plan k costs less than pay-as-you-go; None if never."""
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
    edges = [0.0] + [tier[0] for tier in k.tiers] + [math.inf]
    rates = [k.discount] + [tier[1] for tier in k.tiers]
    saved = 0.0
    for d, lo, hi in zip(rates, edges, edges[1:]):
        if d > 0 and saved + d * (hi - lo) >= fee:
            return lo + (fee - saved) / d
        saved += d * (hi - lo) if hi < math.inf else 0.0
    return None


def _provider_mix(data, x: np.ndarray, provider: str):
    """(list spend, tokens, selected rows) of a provider's options under the plan, over the
    horizon."""
    table = data.options.table
    sel = np.flatnonzero((table["provider"] == provider).to_numpy()) if len(table) else \
        np.zeros(0, dtype=int)
    spend = float((data.options.api_cost[sel] * x[sel]).sum()) if len(sel) else 0.0
    tokens = float((data.options.tokens[sel] * x[sel]).sum()) if len(sel) else 0.0
    return spend, tokens, sel


def breakeven_table(data, x: np.ndarray):
    """Per tariff: the monthly list spend (and tokens, at the plan's list price of that
    provider) from which it costs less than pay-as-you-go, and the plan's own volume."""
    import pandas as pd

    rows = []
    months = float(np.asarray(data.periods.months).reshape(-1)[0]) * data.T
    for k in data.tariffs:
        if k.kind == "service_tier":
            continue
        spend, tokens, sel = _provider_mix(data, x, k.provider)
        mix = None
        if k.kind == "two_part" and k.prices and spend > 0:
            plan = (_plan_cost(data, k, sel) * x[sel]).sum()
            mix = 1.0 - float(plan) / spend
        s_star = breakeven_spend(k, mix)
        price = spend / tokens * 1e6 if tokens > 0 else None
        rows.append(dict(
            tariff=k.name, kind=k.kind, provider=k.provider,
            breakeven_list_usd_per_month=s_star,
            breakeven_mtok_per_month=(s_star / price if s_star is not None and price else None),
            plan_list_usd_per_month=spend / months if months else 0.0,
            list_usd_per_mtok=price))
    cols = ["tariff", "kind", "provider", "breakeven_list_usd_per_month",
            "breakeven_mtok_per_month", "plan_list_usd_per_month", "list_usd_per_mtok"]
    return pd.DataFrame(rows, columns=cols)
