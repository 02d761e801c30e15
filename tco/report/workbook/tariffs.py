"""The Tariffs sheet: each tariff's terms as inputs and its cost per period as formulas.

Restates tco.model.tariffs for the plan's decisions (tariff taken, units held, terms signed,
written as values): with S the provider's list spend in the period (Plan sheet API costs) less
the list spend its provisioned units serve,

    fee       = taken x fee per month x months per period
    discount  = taken x discount x S; tiered: taken x sum_j d_j x (S within tier j); tiers by
                tokens: taken x the discount of the tiers reached (as solved) x S
    shortfall = taken x MAX(0, commitment per month x months - (1 - discount) x S); a yearly
                commitment in the last period of each year of its term (as signed):
                MAX(0, commitment per month x months x periods - (1 - discount) x sum of S)
    units     = units x price per unit and term x hours per period / term hours
    served    = share of the API's standard list spend the units serve x that spend
    after the horizon = signed x payment per period x periods past the horizon, when the
                        end-of-horizon rule is conservative

A cascade's API stages on a provider with a tariff have a row each (the stage's list spend from
its Plan row: requests x reach x tokens x the Levers sheet's prices), counted in S like the
provider's own options and, on the units' API, in the spend the units serve.
A two-part tariff with per-API prices has its prices as inputs and one row per Plan row it
prices: that row's cost at the tariff's prices (the Plan row's requests and tokens, the
workload's cache-write share, the API's price trend, a response cache's misses) and the
saving on the share provisioned units do not serve; its discount is taken x (the sum of those
savings + discount x the provider's other list spend). Tariff costs are shared among workloads
by their list spend with the providers that have tariffs, as in tco.solution.
"""

from __future__ import annotations

from tco.report.workbook import levers
from tco.report.workbook.columns import ASSUMPTIONS as A
from tco.report.workbook.columns import PC, price_key
from tco.report.workbook.columns import PLAN as PL
from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, NUMBER, SHARE, USD, col, local, ref

SHEET = "Tariffs"
PERIOD_HEAD = ["Tariff", "Period", "t", "Taken (1/0)", "Units", "Signed this period",
               "Provider list spend (USD)", "Served share", "Served list spend (USD)",
               "Fee (USD)", "Units (USD)", "Discount (USD)", "Shortfall (USD)",
               "After the horizon (USD)", "Net (USD)", "Token tiers reached"]
TC = {name: i + 1 for i, name in enumerate(PERIOD_HEAD)}


def write(ctx: Context) -> None:
    """Write the sheet when the plan has tariffs; record where Costs and Unit economics look."""
    plan = ctx.run.solution.tables.get("tariffs")
    g = ctx.sheets[SHEET]
    g.put(1, 1, "Tariffs: fees, discounts, shortfalls and provisioned units", kind="title")
    if plan is None or not len(plan):
        g.put(2, 1, "The scenario has no tariff besides list prices.", kind="note")
        g.finish()
        return
    g.put(2, 1, "Blue cells are the tariffs' terms; taken, units and signed are the plan's "
                "decisions. Costs sheet columns Tariff ... sum this table.", kind="note")
    data = ctx.data
    tariffs = {k.name: k for k in data.tariffs}
    names = list(dict.fromkeys(plan["tariff"]))
    r = 4
    g.put(r, 1, "Terms", kind="section")
    g.header(r + 1, 1, ["Tariff", "Kind", "Provider", "API", "Term (hours)", "Term (periods)",
                        "Fee (USD/month)", "Discount", "Commitment (USD/month)",
                        "Unit price (USD/unit/term)", "Payment per period (USD)", "Source"],
             [30, 12, 10, 22, 10, 9, 12, 9, 12, 12, 14, 60])
    term_row = {}
    for i, name in enumerate(names):
        rr = r + 2 + i
        k = tariffs[name]
        term_row[name] = rr
        g.put(rr, 1, name)
        g.put(rr, 2, "commit (yearly)" if k.kind == "commit" and k.settled_yearly else k.kind)
        g.put(rr, 3, k.provider)
        g.put(rr, 4, k.api)
        src = f"tariff {name}: {k.source}"
        g.put(rr, 5, k.term_hours, NUMBER, is_input=True, source=src)
        g.f(rr, 6, f"=IF(E{rr}<=hours_per_period,1,ROUNDUP(E{rr}/hours_per_period,0))", COUNT)
        g.put(rr, 7, k.fee_usd_per_month, USD, is_input=True, source=src)
        g.put(rr, 8, k.discount, SHARE, is_input=True, source=src)
        g.put(rr, 9, k.commit_usd_per_month, USD, is_input=True, source=src)
        g.put(rr, 10, k.usd_per_unit_term, USD, is_input=True, source=src)
        pay = {"two_part": f"=G{rr}*months_per_period", "commit": f"=I{rr}*months_per_period",
               "provisioned": f"=J{rr}*hours_per_period/E{rr}"}[k.kind]
        g.f(rr, 11, pay, USD)
        g.put(rr, 12, k.source)
    r = r + 2 + len(names) + 1
    tier_rows: dict[str, list[int]] = {}
    if any(tariffs[n].tiers for n in names):
        g.put(r, 1, "Volume tiers (by spend, marginal: the discount applies to the spend above "
                    "the tier start; by tokens, a threshold: the highest tier reached discounts "
                    "all the spend)", kind="section")
        g.header(r + 1, 1, ["Tariff", "Above (per month)", "Discount", "Above is in"])
        r += 2
        for name in names:
            for above, disc in tariffs[name].tiers:
                g.put(r, 1, name)
                src = f"tariff {name}: {tariffs[name].source}"
                by_tokens = tariffs[name].tiers_by_tokens
                g.put(r, 2, above, NUMBER if by_tokens else USD, is_input=True, source=src)
                g.put(r, 3, disc, SHARE, is_input=True, source=src)
                g.put(r, 4, "M tokens" if by_tokens else "USD")
                tier_rows.setdefault(name, []).append(r)
                r += 1
        r += 1
    stages = _stage_rows(ctx, g, r)
    if stages:
        r = stages.pop("next")
    priced = _priced_rows(ctx, g, r, names, tariffs, stages)
    if priced:
        r = priced.pop("next")
    g.put(r, 1, "Per period", kind="section")
    g.header(r + 1, 1, PERIOD_HEAD, [30, 9, 5, 8, 8, 8, 14, 9, 14, 12, 12, 12, 12, 12, 12, 9])
    first = r + 2
    api_ids = _api_ids(ctx)
    plan_t, plan_api = ctx.plan_range("t"), ctx.plan_range("API or model")
    plan_cost, plan_opt = ctx.plan_range("API cost (USD)"), ctx.plan_range("Option")
    rows_of: dict[tuple[str, int], int] = {}
    for i, row in enumerate(plan.itertuples(index=False)):
        rows_of[(row.tariff, int(row.t))] = first + i
    last = first + len(plan) - 1
    provisioned = {n for n in names if tariffs[n].kind == "provisioned"}
    for i, row in enumerate(plan.itertuples(index=False)):
        rr = first + i
        k = tariffs[row.tariff]
        tr = term_row[row.tariff]
        t = int(row.t)
        g.put(rr, 1, row.tariff)
        g.put(rr, 2, row.period)
        g.put(rr, 3, t, COUNT, role="label")
        g.put(rr, 4, int(bool(row.taken)), COUNT, role="solved")
        g.put(rr, 5, None if row.units is None or row.units != row.units else int(row.units),
              COUNT, role="solved")
        g.put(rr, 6, int(row.started), COUNT, role="solved")
        spend = "+".join(f"SUMIFS({plan_cost},{plan_t},{t},{plan_api},\"{a}\")"
                         for a in api_ids.get(k.provider, [])) or "0"
        spend += stage_sum(ctx, t, provider=k.provider)
        served_here = [rows_of[(n, t)] for n in provisioned
                       if tariffs[n].provider == k.provider and (n, t) in rows_of]
        minus = "".join(f"-{local(x, TC['Served list spend (USD)'])}" for x in served_here)
        g.f(rr, 7, f"={spend}{minus}", USD)
        S = local(rr, 7)
        taken = local(rr, 4)
        if k.kind == "provisioned":
            std = (f"SUMIFS({plan_cost},{plan_t},{t},{plan_opt},\"api:{k.api}\")"
                   + stage_sum(ctx, t, api=k.api))
            share = _served_share(ctx, row, k)
            g.put(rr, 8, share, SHARE, role="solved")
            g.f(rr, 9, f"={local(rr, 8)}*({std})", USD)
            g.f(rr, 11, f"={local(rr, 5)}*{ref(SHEET, tr, 10)}*hours_per_period"
                        f"/{ref(SHEET, tr, 5)}", USD)
            g.f(rr, 12, f"={local(rr, 9)}", USD)
        else:
            g.put(rr, 9, 0.0, USD)
            g.f(rr, 10, f"={taken}*{ref(SHEET, tr, 7)}*months_per_period", USD)
            d = ref(SHEET, tr, 8)
            if k.kind == "two_part" and k.prices:
                name_t = (local(rr, 1), local(rr, 3))
                g.f(rr, 12, f"={taken}*({_priced_saving(priced, *name_t)}"
                            f"+{d}*({S}-{_priced_saving(priced, *name_t, 'list')}))", USD)
            elif k.kind == "two_part" and k.tiers and k.tiers_by_tokens:
                reached = row.tier_reached if row.tier_reached == row.tier_reached else None
                g.put(rr, TC["Token tiers reached"], int(reached or 0), COUNT, role="solved")
                rates = ",".join([d] + [ref(SHEET, x, 3) for x in tier_rows[row.tariff]])
                g.f(rr, 12, f"={taken}*CHOOSE({local(rr, TC['Token tiers reached'])}+1,"
                            f"{rates})*{S}", USD)
            elif k.kind == "two_part" and k.tiers:
                g.f(rr, 12, f"={taken}*({_tiered(S, d, tier_rows[row.tariff])})", USD)
            else:
                g.f(rr, 12, f"={taken}*{d}*{S}", USD)
            if k.kind == "commit" and k.settled_yearly:
                year = _year_ending(ctx, plan, row.tariff, t, k)
                if year is not None:
                    spends = "+".join(local(rows_of[(row.tariff, u)], 7) for u in year)
                    g.f(rr, 13, f"=MAX(0,{ref(SHEET, tr, 9)}*months_per_period*{len(year)}"
                                f"-(1-{d})*({spends}))", USD)
            elif k.kind == "commit":
                g.f(rr, 13, f"={taken}*MAX(0,{ref(SHEET, tr, 9)}*months_per_period"
                            f"-(1-{d})*{S})", USD)
        for c in (10, 11, 13):
            if (rr, c) not in g.ws._cells:
                g.put(rr, c, 0.0, USD)
        g.f(rr, 14, f"={local(rr, 6)}*{ref(SHEET, tr, 11)}*MAX(0,{local(rr, 3)}"
                    f"+{ref(SHEET, tr, 6)}-horizon_periods)*end_of_horizon_conservative", USD)
        g.f(rr, 15, f"={local(rr, 10)}+{local(rr, 11)}-{local(rr, 12)}+{local(rr, 13)}", USD)
    ctx.tariff_rows = (first, last)
    _attribution(ctx, g, last + 3, api_ids)
    g.finish(freeze="B4")


def cost_formulas(ctx: Context, tt: str) -> dict[str, str]:
    """Costs-sheet formulas of the tariff categories for the period in cell `tt`."""
    rows = getattr(ctx, "tariff_rows", None)
    if not rows:
        return {c: "=0" for c in ("tariff_fee", "tariff_units", "tariff_discount",
                                  "tariff_shortfall", "tariff_after_horizon")}
    first, last = rows

    def column(name: str) -> str:
        c = TC[name]
        return f"{ref(SHEET, first, c)}:{col(c)}${last}"

    t_col = column("t")

    def by_t(name: str) -> str:
        return f"SUMIFS({column(name)},{t_col},{tt})"

    return {"tariff_fee": f"={by_t('Fee (USD)')}",
            "tariff_units": f"={by_t('Units (USD)')}",
            "tariff_discount": f"=-{by_t('Discount (USD)')}",
            "tariff_shortfall": f"={by_t('Shortfall (USD)')}",
            "tariff_after_horizon": f"=IF({tt}=horizon_periods-1,"
                                    f"SUM({column('After the horizon (USD)')}),0)"}


def _year_ending(ctx: Context, plan, name: str, t: int, k) -> list[int] | None:
    """The periods of the year of a yearly commitment's term that ends in period t (the term
    signed as the plan signed it), or None when no year ends there."""
    from tco.model.tariffs import term_periods, year_windows

    T, periods = ctx.T, ctx.data.periods
    L = term_periods(k.term_hours, periods.hours)
    mine = plan[(plan.tariff == name) & (plan.started > 0)]
    for s in mine.t.astype(int).tolist():
        for y, end in year_windows(s, L, T, periods.per_year):
            if end - 1 == t:
                return list(range(y, end))
    return None


def _api_ids(ctx: Context) -> dict[str, list[str]]:
    """API ids per provider with a tariff, among the plan's options."""
    table = ctx.data.options.table
    out: dict[str, list[str]] = {}
    quoted = {k.provider for k in ctx.data.tariffs if k.kind != "service_tier"}
    for api, prov in zip(table["api"], table["provider"]):
        if isinstance(api, str) and prov in quoted and api not in out.get(prov, []):
            out.setdefault(prov, []).append(api)
    return out


def _served_share(ctx: Context, row, k) -> float:
    """Share of the API's standard realtime list spend in the period (cascade stages on it
    included) the units serve."""
    from tco.model.tariffs import spend_lanes

    sol = ctx.run.solution
    t = int(row.t)
    lanes, cost = spend_lanes(ctx.data)
    total = sum(float(cost[i, t] * sol.x[ln.o, t]) for i, ln in enumerate(lanes)
                if ln.api == k.api and ln.standard)
    return float(row.served_list_usd) / total if total > 0 else 0.0


STAGE_HEAD = ["Provider", "API", "Lane", "Workload", "Period", "t", "Option", "Stage",
              "List cost (USD)"]
SC = {name: i + 1 for i, name in enumerate(STAGE_HEAD)}


def _stage_plan_rows(ctx: Context):
    """(Plan row, allocation row, option row, its index, API stage position, cascade stage
    index, ApiStage)
    of every cascade stage on a provider with a tariff, in Plan order."""
    sol, data = ctx.run.solution, ctx.data
    stages = data.options.stage_apis
    if stages is None:
        return []
    quoted = {k.provider for k in data.tariffs if k.kind != "service_tier"}
    opts = data.options.table
    index = {(w, o): i for i, (w, o) in enumerate(zip(opts["workload_name"], opts["option"]))}
    specs = {c.name: c for c in ctx.run.scenario.cascades}
    out = []
    for i, a in enumerate(sol.tables["allocation"].itertuples(index=False)):
        o = index[(a.workload, a.option)]
        if stages[o] is None:
            continue
        row = opts.iloc[o]
        api_k = [k for k, st in enumerate(specs[row["cascade"]].stages) if st.api is not None]
        for pos, st in enumerate(stages[o]):
            if st.provider in quoted:
                out.append((i + 2, a, row, o, pos, api_k[pos], st))
    return out


def _stage_rows(ctx: Context, g, r: int) -> dict:
    """One row per cascade stage on a provider with a tariff and Plan row: its list spend."""
    found = _stage_plan_rows(ctx)
    if not found:
        return {}
    g.put(r, 1, "Cascade stages on these providers (list spend of each API stage of a Plan "
                "row: requests x reach x tokens x prices, Levers sheet)", kind="section")
    g.header(r + 1, 1, STAGE_HEAD, [10, 22, 9, 20, 9, 5, 30, 6, 14])
    first = r + 2
    r = first
    for plan_r, a, row, _, pos, k, st in found:
        t = int(a.t)
        J, K, L, M = (ref(PL, plan_r, PC[c]) for c in (
            "Requests", "Input tokens per request", "Cached input share",
            "Output tokens per request"))
        term = levers.stage_terms(ctx, row, a, plan_r, t, J, K, L, M,
                                  cell=lambda rr, c: ref(PL, rr, c))[k]
        g.put(r, 1, st.provider)
        g.put(r, 2, st.api)
        g.put(r, 3, "batch" if st.batch else "standard")
        g.put(r, 4, a.workload)
        g.put(r, 5, a.period)
        g.put(r, 6, t, COUNT, role="label")
        g.put(r, 7, a.option)
        g.put(r, 8, k + 1, COUNT, role="label")
        g.f(r, 9, f"={J}*{term}{levers.cache_factor(ctx, row, a)}", USD)
        ctx.tariff_stage_cell[(plan_r, pos)] = r
        r += 1
    ctx.tariff_stage_rows = (first, r - 1)
    return {"next": r + 1}


def stage_sum(ctx: Context, t, provider: str | None = None, api: str | None = None,
               workload: str | None = None, option: str | None = None) -> str:
    """`+SUMIFS(...)` of the cascade stages' list spend in period t (a cell or a number) on a
    provider, or on an API's standard lane, or of a workload's (option's) rows; '' if none."""
    rows = getattr(ctx, "tariff_stage_rows", None)
    if not rows:
        return ""
    first, last = rows

    def column(name: str) -> str:
        c = SC[name]
        return f"{ref(SHEET, first, c)}:{col(c)}${last}"

    crit = [(column("t"), str(t))]
    if provider is not None:
        crit.append((column("Provider"), f'"{provider}"'))
    if api is not None:
        crit += [(column("API"), f'"{api}"'), (column("Lane"), '"standard"')]
    if workload is not None:
        crit.append((column("Workload"), workload))
    if option is not None:
        crit.append((column("Option"), option))
    return (f"+SUMIFS({column('List cost (USD)')},"
            + ",".join(f"{c},{v}" for c, v in crit) + ")")


PRICED_HEAD = ["Tariff", "Workload", "Period", "t", "Option", "List cost (USD)",
               "At the tariff's prices (USD)", "Served by units (share)",
               "List cost not served (USD)", "Saving (USD)"]
PR = {name: i + 1 for i, name in enumerate(PRICED_HEAD)}


def _priced_rows(ctx: Context, g, r: int, names: list[str], tariffs: dict,
                 stages: dict | None = None) -> dict:
    """Two-part tariffs with per-API prices: the prices as inputs and, per Plan row of a
    standard realtime option of a priced API, its cost at those prices (the Plan row's tokens,
    write share, price trend and cache misses) and the saving on the share not served by
    provisioned units. Returns the rows' first and last row, and the next free row; {} when no
    tariff sets prices."""
    ks = [tariffs[n] for n in names if tariffs[n].kind == "two_part" and tariffs[n].prices]
    if not ks:
        return {}
    g.put(r, 1, "Per-API prices (USD per 1M tokens, replacing the list prices while the tariff "
                "is taken)", kind="section")
    g.header(r + 1, 1, ["Tariff", "API", "Input", "Cached input", "Output"])
    r += 2
    price_row = {}
    for k in ks:
        src = f"tariff {k.name}: {k.source}"
        for api_id, p in k.prices.items():
            g.put(r, 1, k.name)
            g.put(r, 2, api_id)
            for c, v in ((3, p.input), (4, p.cached_input), (5, p.output)):
                g.put(r, c, v, USD, is_input=True, source=src)
            price_row[(k.name, api_id)] = r
            r += 1
    r += 1
    g.put(r, 1, "Plan rows at the tariff's prices (saving = (list - tariff prices) x share not "
                "served by provisioned units)", kind="section")
    g.header(r + 1, 1, PRICED_HEAD, [30, 20, 9, 5, 30, 14, 14, 10, 14, 14])
    first = r + 2
    r = first
    sol, data = ctx.run.solution, ctx.data
    opts = data.options.table
    index = {(w, o): i for i, (w, o) in enumerate(zip(opts["workload_name"], opts["option"]))}
    alloc = sol.tables["allocation"]
    served = sol.served
    rows = list(opts.itertuples(index=False))
    plan_cell = {k: PC[k] for k in ("Requests", "Input tokens per request",
                                    "Cached input share", "Output tokens per request",
                                    "API cost (USD)")}
    for k in ks:
        for i, a in enumerate(alloc.itertuples(index=False)):
            o = index[(a.workload, a.option)]
            row = rows[o]
            api_id = row.api
            standard = (row.kind == "api" and row.tier == "standard"
                        and not isinstance(row.fine_tune, str))
            if not standard or api_id not in k.prices or row.provider != k.provider:
                continue
            pr_row = price_row[(k.name, api_id)]
            t = int(a.t)
            plan_r = i + 2
            J, K, L, M, list_cost = (ref(PL, plan_r, c) for c in plan_cell.values())
            # A lane priced without a cache discount (no prompt caching) keeps none.
            if float(row.p_cached) == float(row.p_input):
                L = "0"
            p_in, p_ca, p_out = (ref(SHEET, pr_row, c) for c in (3, 4, 5))
            w_share = ref(A, ctx.wl_row[a.workload], 13)
            trend = ref(A, ctx.price_row[price_key(row)], ctx.pcol(t))
            g.put(r, 1, k.name)
            g.put(r, 2, a.workload)
            g.put(r, 3, a.period)
            g.put(r, 4, t, COUNT, role="label")
            g.put(r, 5, a.option)
            g.f(r, 6, f"={list_cost}", USD)
            g.f(r, 7, f"={J}*({K}*(1-{L})*{p_in}+{K}*{L}*((1-{w_share})*{p_ca}"
                      f"+{w_share}*{p_in})+{M}*{p_out})/1000000*{trend}"
                      f"{levers.cache_factor(ctx, row, a)}", USD)
            share = 0.0
            if served is not None and a.share > 0:
                share = float(served[o, t]) / float(a.share)
            g.put(r, 8, share, SHARE, role="solved")
            g.f(r, 9, f"={local(r, 6)}*(1-{local(r, 8)})", USD)
            g.f(r, 10, f"=({local(r, 6)}-{local(r, 7)})*(1-{local(r, 8)})", USD)
            r += 1
        r = _priced_stages(ctx, g, r, k, price_row)
    return {"rows": (first, max(first, r - 1)), "next": r + 1}


def _priced_stages(ctx: Context, g, r: int, k, price_row: dict) -> int:
    """Rows of the priced section for the cascade stages tariff k prices (standard lane, an
    API it prices): the stage's list spend (from its stage row) and its cost at k's prices."""
    sol = ctx.run.solution
    for plan_r, a, row, o, pos, sk, st in _stage_plan_rows(ctx):
        if st.provider != k.provider or st.batch or st.api not in k.prices:
            continue
        t = int(a.t)
        pr_row = price_row[(k.name, st.api)]
        J, K, L, M = (ref(PL, plan_r, PC[c]) for c in (
            "Requests", "Input tokens per request", "Cached input share",
            "Output tokens per request"))
        if st.cached == 0:
            L = "0"  # no prompt caching: every input token at the input price
        prices = {sk: tuple(ref(SHEET, pr_row, c) for c in (3, 4, 5))}
        term = levers.stage_terms(ctx, row, a, plan_r, t, J, K, L, M,
                                  cell=lambda rr, c: ref(PL, rr, c), prices=prices)[sk]
        g.put(r, 1, k.name)
        g.put(r, 2, a.workload)
        g.put(r, 3, a.period)
        g.put(r, 4, t, COUNT, role="label")
        g.put(r, 5, f"{a.option} stage {sk + 1}")
        g.f(r, 6, f"={ref(SHEET, ctx.tariff_stage_cell[(plan_r, pos)], SC['List cost (USD)'])}",
            USD)
        g.f(r, 7, f"={J}*{term}{levers.cache_factor(ctx, row, a)}", USD)
        share = 0.0
        if sol.stage_served is not None and a.share > 0:
            share = float(sol.stage_served[o, pos, t]) / float(a.share)
        g.put(r, 8, share, SHARE, role="solved")
        g.f(r, 9, f"={local(r, 6)}*(1-{local(r, 8)})", USD)
        g.f(r, 10, f"=({local(r, 6)}-{local(r, 7)})*(1-{local(r, 8)})", USD)
        r += 1
    return r


def _priced_saving(priced: dict, name: str, t: str, what: str = "saving") -> str:
    """Sum over the priced Plan rows of tariff `name` in period `t` of the saving (or of the
    list cost not served)."""
    first, last = priced["rows"]
    c = PR["Saving (USD)"] if what == "saving" else PR["List cost not served (USD)"]

    def column(k: int) -> str:
        return f"{ref(SHEET, first, k)}:{col(k)}${last}"

    return f"SUMIFS({column(c)},{column(PR['Tariff'])},{name},{column(PR['t'])},{t})"


def _tiered(S: str, d0: str, rows: list[int]) -> str:
    """Savings of marginal volume tiers at list spend S (per period)."""
    edges = [f"{ref(SHEET, r, 2)}*months_per_period" for r in rows]
    parts = [f"{d0}*MIN({S},{edges[0]})"]
    for i, r in enumerate(rows):
        hi = f"MIN({S},{edges[i + 1]})" if i + 1 < len(rows) else S
        parts.append(f"{ref(SHEET, r, 3)}*MAX(0,{hi}-{edges[i]})")
    return "+".join(parts)


def _attribution(ctx: Context, g, r: int, api_ids: dict[str, list[str]]) -> None:
    """Each workload's share of the tariffs' net cost per period (by its list spend with the
    providers that have tariffs), and its present value for Unit economics."""
    first, last = ctx.tariff_rows
    T = ctx.T
    g.put(r, 1, "Shared among workloads by their list spend with these providers", kind="section")
    g.header(r + 1, 1, ["Workload"] + [f"t={t}" for t in range(T)] + ["Present value (USD)"])
    ids = [a for v in api_ids.values() for a in v]
    ws = ctx.run.scenario.workloads
    w0 = r + 2
    total_row = w0 + len(ws)
    plan_w, plan_t = ctx.plan_range("Workload"), ctx.plan_range("t")
    plan_api, plan_cost = ctx.plan_range("API or model"), ctx.plan_range("API cost (USD)")
    net_c, t_c, after_c = TC["Net (USD)"], TC["t"], TC["After the horizon (USD)"]
    ctx.tariff_spend_row, ctx.tariff_api_ids = total_row, tuple(ids)
    g.put(total_row, 1, "List spend, all workloads", kind="total")
    g.put(total_row + 1, 1, "Net tariff cost", kind="total")
    for t in range(T):
        c = 2 + t
        every = ("+".join(f"SUMIFS({plan_cost},{plan_t},{t},{plan_api},\"{a}\")"
                          for a in ids) or "0") + stage_sum(ctx, t)
        g.f(total_row, c, f"={every}", USD, kind="total")
        net = (f"SUMIFS({ref(SHEET, first, net_c)}:{col(net_c)}${last},"
               f"{ref(SHEET, first, t_c)}:{col(t_c)}${last},{t})")
        if t == T - 1:
            net += f"+SUM({ref(SHEET, first, after_c)}:{col(after_c)}${last})"
        g.f(total_row + 1, c, f"={net}", USD, kind="total")
    for i, w in enumerate(ws):
        rr = w0 + i
        g.put(rr, 1, w.name)
        for t in range(T):
            c = 2 + t
            spend = ("+".join(f"SUMIFS({plan_cost},{plan_w},{local(rr, 1, True)},{plan_t},{t},"
                              f"{plan_api},\"{a}\")" for a in ids) or "0") + stage_sum(
                ctx, t, workload=local(rr, 1, True))
            g.f(rr, c, f"=IF({local(total_row, c)}>0,({spend})/{local(total_row, c)}"
                       f"*{local(total_row + 1, c)},0)", USD)
        pv = 2 + T
        g.f(rr, pv, f"=SUMPRODUCT({local(rr, 2)}:{local(rr, 1 + T)},discount_factors)", USD)
        ctx.tariff_pv[w.name] = ref(SHEET, rr, pv)
