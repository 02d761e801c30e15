"""The Unit economics sheet: levelised cost per 1M tokens and per 1k requests for each workload."""

from __future__ import annotations

from tco.report.workbook import levers
from tco.report.workbook.columns import (
    ASSUMPTIONS as A,
)
from tco.report.workbook.columns import (
    CAPACITY as CA,
)
from tco.report.workbook.columns import (
    COSTS as CO,
)
from tco.report.workbook.columns import (
    LEVERS as LV,
)
from tco.report.workbook.columns import (
    PC,
)
from tco.report.workbook.columns import (
    PLAN as PL,
)
from tco.report.workbook.columns import (
    UNIT_ECONOMICS as UE,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    COUNT,
    USD,
    USD_CENTS,
    col,
    local,
    ref,
    rng,
)
from tco.report.workbook.tariffs import SHEET as TARIFFS


def write(ctx: Context) -> None:
    g = ctx.sheets[UE]
    T = ctx.T
    head = [("Workload", 28), ("Requests (horizon)", 16), ("Tokens (horizon)", 18),
            ("Requests PV", 16), ("Tokens PV", 18), ("Attributed cost PV (USD)", 16),
            ("USD per 1M tokens", 12), ("USD per 1k requests", 12)]
    g.header(1, 1, [h for h, _ in head], [w for _, w in head])
    r = 1
    tr = max(2, 1 + len(ctx.run.scenario.workloads)) + 1
    for r, w in enumerate(ctx.run.scenario.workloads, start=2):
        wr = ctx.wl_row[w.name]
        req_row = f"{ref(A, wr, ctx.pcol(0))}:{col(ctx.pcol(T - 1))}${wr}"
        tpr = ref(A, wr, 12)
        g.put(r, 1, w.name)
        g.f(r, 2, f"=SUM({req_row})", COUNT)
        g.f(r, 3, f"=B{r}*{tpr}", COUNT)
        g.f(r, 4, f"=SUMPRODUCT({req_row},discount_factors)", COUNT)
        g.f(r, 5, f"=D{r}*{tpr}", COUNT)
        rows = ctx.plan_rows.get(w.name)
        pc = PC["Attributed PV (USD)"]
        plan_pv = f"SUM({ref(PL, rows[0], pc)}:{col(pc)}${rows[1]})" if rows else "0"
        tariff = f"+{ctx.tariff_pv[w.name]}" if w.name in ctx.tariff_pv else ""
        fixed = _fixed_pv(ctx, r, tr)
        g.f(r, 6, f"={plan_pv}+{levers.workload_pv(ctx, local(r, 1))}{tariff}{fixed}", USD)
        g.f(r, 7, f'=IF(E{r}>0,F{r}/E{r}*1000000,"")', USD_CENTS)
        g.f(r, 8, f'=IF(D{r}>0,F{r}/D{r}*1000,"")', USD_CENTS)
    last = max(2, r)
    tr = last + 1
    g.put(tr, 1, "All workloads", kind="total")
    for c in range(2, 7):
        g.f(tr, c, f"=SUM({local(2, c)}:{local(last, c)})", USD if c == 6 else COUNT,
            kind="total")
    g.f(tr, 7, f'=IF(E{tr}>0,F{tr}/E{tr}*1000000,"")', USD_CENTS, kind="total")
    g.f(tr, 8, f'=IF(D{tr}>0,F{tr}/D{tr}*1000,"")', USD_CENTS, kind="total")
    g.put(tr + 2, 1, "Levelised: the present value of the costs a workload causes over the "
                     "present value of its tokens or requests. API and error costs belong to "
                     "the workload; each period's GPU, power and staff costs are shared by "
                     "GPU-hours used (by tokens when nothing is self-hosted); fine-tuning by "
                     "tokens sent to the fine-tune; levers (caches, prompt variants) to "
                     "their workload; tariffs by list API spend with the tariffed providers; "
                     "the API path's fixed costs (API engineering and operations) per provider "
                     "to the options calling it by their list API spend with it, per workload "
                     "to its API options by share; a migration to the options at the "
                     "destination that moved, by share (per-option block below).",
          kind="note")
    ctx.name("tokens_pv_total", ref(UE, tr, 5))
    ctx.name("unit_usd_per_mtok", rng(UE, 2, 7, last, 7))
    ctx.name("unit_usd_per_1k_requests", rng(UE, 2, 8, last, 8))
    _per_option(ctx, g, tr + 4)
    g.finish(freeze="B2", filter_ref=f"A1:H{last}")


OPTION_HEAD = ["Workload", "Option", "Requests PV", "Successful answers PV",
               "Plan rows attributed PV (USD)", "Tariffs PV (USD)", "Levers PV (USD)",
               "Attributed cost PV (USD)", "USD per 1k requests", "USD per 1k successful answers",
               "API engineering and operations PV (USD)", "Migration PV (USD)"]


def _option_rows(ctx: Context, tr: int) -> tuple[int, int]:
    """First and last row of the per-option block (it starts 4 rows below the total row)."""
    oc = ctx.run.solution.tables.get("option_costs")
    n = 0 if oc is None else len(oc)
    return tr + 6, tr + 5 + n


def _fixed_pv(ctx: Context, r: int, tr: int) -> str:
    """+ the workload's options' API operations and migration PV (per-option block)."""
    first, last = _option_rows(ctx, tr)
    if last < first:
        return ""
    names = f"{local(first, 1, True)}:{local(last, 1, True)}"
    return (f"+SUMPRODUCT(({names}={local(r, 1)})*({local(first, 11, True)}:{local(last, 11, True)}"
            f"+{local(first, 12, True)}:{local(last, 12, True)}))")


def _per_option(ctx: Context, g, r: int) -> None:
    """Cost per successful answer per option (tco.option_costs): each option's Plan rows
    (attributed PV, requests, requests x quality / 100, discounted), its share of the tariffs'
    net cost by its list spend with tariffed providers, and of its workload's lever costs (a
    variant's to that variant's options, a cache's to the cache options, by share of
    requests; to every option when none of them serves in the period)."""
    oc = ctx.run.solution.tables.get("option_costs")
    if oc is None or not len(oc):
        return
    g.put(r, 1, "Per option: cost per successful answer", kind="section")
    g.header(r + 1, 1, OPTION_HEAD)
    P = ctx.plan_range
    opts = ctx.data.options.table
    api_of = {(w, o): (a if isinstance(a, str) else m) for w, o, a, m in zip(
        opts["workload_name"], opts["option"], opts["api"], opts["model"])}
    for i, row in enumerate(oc.itertuples(index=False)):
        rr = r + 2 + i
        g.put(rr, 1, row.workload)
        g.put(rr, 2, row.option)
        A_, B_ = local(rr, 1, True), local(rr, 2, True)
        mine = f"({P('Workload')}={A_})*({P('Option')}={B_})"
        g.f(rr, 3, f"=SUMPRODUCT({mine}*{P('Requests')}*{P('Discount factor')})", COUNT)
        g.f(rr, 4, f"=SUMPRODUCT({mine}*{P('Requests')}*{P('Quality (0-100)')}/100"
                   f"*{P('Discount factor')})", COUNT)
        # SUMPRODUCT, not SUMIFS: a criterion cell is read as a pattern ('=...', '*', '?').
        g.f(rr, 5, f"=SUMPRODUCT({mine}*{P('Attributed PV (USD)')})", USD)
        g.f(rr, 6, _tariffs_pv(ctx, A_, B_, api_of.get((row.workload, row.option))), USD)
        g.f(rr, 7, _levers_pv(ctx, row, A_, B_), USD)
        g.f(rr, 8, f"={local(rr, 5)}+{local(rr, 6)}+{local(rr, 7)}+{local(rr, 11)}"
                   f"+{local(rr, 12)}", USD)
        g.f(rr, 9, f'=IF({local(rr, 3)}>0,{local(rr, 8)}/{local(rr, 3)}*1000,"")', USD_CENTS)
        g.f(rr, 10, f'=IF({local(rr, 4)}>0,{local(rr, 8)}/{local(rr, 4)}*1000,"")', USD_CENTS)
    ctx.name("option_usd_per_1k_successes", rng(UE, r + 2, 10, r + 1 + len(oc), 10))
    _fixed_block(ctx, g, oc, r + 2, r + 3 + len(oc))


def _fixed_block(ctx: Context, g, oc, first: int, r: int) -> None:
    """Per option and period: its share of requests and list API spend (Plan), and the API
    path's fixed costs and migrations it carries (tco.ops_attribution), in four stacked
    blocks (one row per option, same order; one column per period, so the sheet still prints
    on one page width); their PVs are columns 11 and 12 of the per-option rows `first`.."""
    from tco.model.api_operations import providers_of
    from tco.model.switching import destination
    from tco.solution import _label

    T, P = ctx.T, ctx.plan_range
    last = first + len(oc) - 1
    ops = ctx.api_ops_row
    if not ops and not ctx.move_rows:
        for rr in range(first, last + 1):
            g.f(rr, 11, "=0", USD)
            g.f(rr, 12, "=0", USD)
        return
    t_ = ctx.data.options.table
    provs = dict(zip(zip(t_["workload_name"], t_["option"]), providers_of(ctx.data)))
    label = {(w, o): _label(destination(d)) for w, o, d in zip(
        t_["workload_name"], t_["option"],
        t_[["api", "model", "gpu", "fine_tune"]].to_dict("records"))}
    keys = [(row.workload, row.option) for row in oc.itertuples(index=False)]
    n, c0 = len(keys), 3
    periods = ctx.run.solution.periods
    titles = ["Share of requests, by option and period (Plan)",
              "List API spend by option and period (USD, Plan)",
              "API engineering and operations by option and period (USD): a provider's fee by "
              "list API spend with it (by share if none), a workload's by share",
              "Migration by option and period (USD): each move (Costs) to the options at its "
              "destination, by share"]
    base = []
    for q, title in enumerate(titles):
        top = r + q * (n + 3)
        g.put(top, 1, title, kind="section")
        g.header(top + 1, 1, ["Workload", "Option"] + list(periods))
        base.append(top + 2)
    SH, SP, OP, MG = base
    row_of = {k: i for i, k in enumerate(keys)}

    def cells(b: int, t: int, ks) -> str:
        return "+".join(local(b + row_of[k], c0 + t) for k in ks) or "0"

    rate = {"provider": "api_ops_per_provider", "workload": "api_ops_per_workload"}
    # the move rows of each (workload, period, destination), and the options on each
    # provider: looked up per option and period (a scan of every key there was quadratic:
    # 3.6 s of a 1,000-workload workbook)
    moves: dict[tuple, list] = {}
    for m, mw, mt, to in ctx.move_rows:
        moves.setdefault((mw, mt, to), []).append(m)
    peers_of: dict[str, list] = {}
    for k in keys:
        for p in provs[k]:
            peers_of.setdefault(p, []).append(k)
    for i, (w, o) in enumerate(keys):
        for b in base:
            g.put(b + i, 1, w)
            g.put(b + i, 2, o)
        A_, B_ = local(first + i, 1, True), local(first + i, 2, True)
        for t in range(T):
            c = c0 + t
            when = f"({P('Workload')}={A_})*({P('Option')}={B_})*({P('t')}={t})"
            g.f(SH + i, c, f"=SUMPRODUCT({when}*{P('Share of requests')})")
            g.f(SP + i, c, f"=SUMPRODUCT({when}*{P('API cost (USD)')})", USD)
            terms = []
            for p in sorted(provs[(w, o)]):
                if ("provider", p) not in ops:
                    continue
                fee = (f"{ref(CA, ops[('provider', p)], ctx.api_ops_col0 + t)}"
                       f"*{rate['provider']}/periods_per_year")
                peers = peers_of[p]
                spend, share = cells(SP, t, peers), cells(SH, t, peers)
                terms.append(f"{fee}*IF({spend}>0,{local(SP + i, c)}/({spend}),"
                             f"IF({share}>0,{local(SH + i, c)}/({share}),0))")
            if provs[(w, o)] and ("workload", w) in ops:
                fee = (f"{ref(CA, ops[('workload', w)], ctx.api_ops_col0 + t)}"
                       f"*{rate['workload']}/periods_per_year")
                share = cells(SH, t, [k for k in keys if k[0] == w and provs[k]])
                terms.append(f"{fee}*IF({share}>0,{local(SH + i, c)}/({share}),0)")
            g.f(OP + i, c, "=" + ("+".join(terms) or "0"), USD)
            moved = moves.get((w, t, label[(w, o)]), [])
            if moved:
                share = cells(SH, t, [k for k in keys if k[0] == w
                                      and label[k] == label[(w, o)]])
                cost = "+".join(ref(CO, m, 8) for m in moved)
                mig = f"=({cost})*IF({share}>0,{local(SH + i, c)}/({share}),0)"
            else:
                mig = "=0"
            g.f(MG + i, c, mig, USD)
        rr = first + i
        g.f(rr, 11, f"=SUMPRODUCT({local(OP + i, c0)}:{local(OP + i, c0 + T - 1)},"
                    f"discount_factors)", USD)
        g.f(rr, 12, f"=SUMPRODUCT({local(MG + i, c0)}:{local(MG + i, c0 + T - 1)},"
                    f"discount_factors)", USD)


def _tariffs_pv(ctx: Context, w: str, o: str, api: str | None) -> str:
    """Sum over periods of the option's list spend with tariffed providers x the tariffs' net
    cost per USD of that spend x the discount factor (Tariffs sheet, shared by list spend)."""
    from tco.report.workbook.tariffs import stage_sum

    staged = bool(ctx.tariff_stage_rows)  # some cascade's stages are on tariffed providers
    if not ctx.tariff_spend_row or (api not in ctx.tariff_api_ids and not staged):
        return "=0"
    P = ctx.plan_range
    terms = []
    for t in range(ctx.T):
        total = ref(TARIFFS, ctx.tariff_spend_row, 2 + t)
        net = ref(TARIFFS, ctx.tariff_spend_row + 1, 2 + t)
        if api in ctx.tariff_api_ids:
            spend = (f"SUMPRODUCT(({P('Workload')}={w})*({P('Option')}={o})*({P('t')}={t})"
                     f"*{P('API cost (USD)')})")
        else:  # a cascade: its stages on tariffed providers
            spend = stage_sum(ctx, t, workload=w, option=o)[1:]
        terms.append(f"IF({total}>0,{spend}/{total}*{net},0)*{ctx.df_ref(t)}")
    return "=" + "+".join(terms)


def _levers_pv(ctx: Context, row, w: str, o: str) -> str:
    """The option's share of its workload's lever costs, discounted."""
    P = ctx.plan_range
    terms = []
    for (wname, lever), cr in ctx.lever_cost_row.items():
        if wname != row.workload:
            continue
        kind, name = lever.split(":", 1)
        carry = (f"({P('Prompt variant')}=\"{_quoted(name)}\")" if kind == "variant"
                 else f"({P('Cache')}=\"yes\")")
        share = P('Share of requests')
        for t in range(ctx.T):
            when = f"({P('Workload')}={w})*({P('t')}={t})"
            den = f"SUMPRODUCT({when}*{carry}*{share})"
            carries = f"SUMPRODUCT({when}*({P('Option')}={o})*{carry}*{share})"
            mine = f"SUMPRODUCT({when}*({P('Option')}={o})*{share})"
            terms.append(f"{ref(LV, cr, 4 + t)}*{ctx.df_ref(t)}*IF({den}>0,{carries}/{den},"
                         f"{mine})")
    return "=" + ("+".join(terms) or "0")


def _quoted(text: str) -> str:
    return text.replace('"', '""')
