"""The Unit economics sheet: levelised cost per 1M tokens and per 1k requests for each workload."""

from __future__ import annotations

from tco.report.workbook import levers
from tco.report.workbook.columns import (
    ASSUMPTIONS as A,
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
        g.f(r, 6, f"={plan_pv}+{levers.workload_pv(ctx, local(r, 1))}{tariff}", USD)
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
                     "their workload.", kind="note")
    ctx.name("tokens_pv_total", ref(UE, tr, 5))
    ctx.name("unit_usd_per_mtok", rng(UE, 2, 7, last, 7))
    ctx.name("unit_usd_per_1k_requests", rng(UE, 2, 8, last, 8))
    _per_option(ctx, g, tr + 4)
    g.finish(freeze="B2", filter_ref=f"A1:H{last}")


OPTION_HEAD = ["Workload", "Option", "Requests PV", "Successful answers PV",
               "Plan rows attributed PV (USD)", "Tariffs PV (USD)", "Levers PV (USD)",
               "Attributed cost PV (USD)", "USD per 1k requests", "USD per 1k successful answers"]


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
        g.f(rr, 8, f"={local(rr, 5)}+{local(rr, 6)}+{local(rr, 7)}", USD)
        g.f(rr, 9, f'=IF({local(rr, 3)}>0,{local(rr, 8)}/{local(rr, 3)}*1000,"")', USD_CENTS)
        g.f(rr, 10, f'=IF({local(rr, 4)}>0,{local(rr, 8)}/{local(rr, 4)}*1000,"")', USD_CENTS)
    ctx.name("option_usd_per_1k_successes", rng(UE, r + 2, 10, r + 1 + len(oc), 10))


def _tariffs_pv(ctx: Context, w: str, o: str, api: str | None) -> str:
    """Sum over periods of the option's list spend with tariffed providers x the tariffs' net
    cost per USD of that spend x the discount factor (Tariffs sheet, shared by list spend)."""
    if not ctx.tariff_spend_row or api not in ctx.tariff_api_ids:
        return "=0"
    P = ctx.plan_range
    terms = []
    for t in range(ctx.T):
        total = ref(TARIFFS, ctx.tariff_spend_row, 2 + t)
        net = ref(TARIFFS, ctx.tariff_spend_row + 1, 2 + t)
        spend = (f"SUMPRODUCT(({P('Workload')}={w})*({P('Option')}={o})*({P('t')}={t})"
                 f"*{P('API cost (USD)')})")
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
