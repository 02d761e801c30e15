"""The Plan sheet: one row per workload, period and option, its API, error and attributed costs as
formulas.
"""

from __future__ import annotations

from tco.report.workbook import levers
from tco.report.workbook.assumptions import quality_key
from tco.report.workbook.columns import (
    ASSUMPTIONS as A,
)
from tco.report.workbook.columns import (
    COSTS as CO,
)
from tco.report.workbook.columns import (
    COSTS_COL,
    PC,
    PLAN_COLUMNS,
    price_key,
)
from tco.report.workbook.columns import (
    PLAN as PL,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    COUNT,
    FACTOR,
    NUMBER,
    SHARE,
    USD,
    col,
    local,
    ref,
    rng,
)


def write(ctx: Context) -> None:
    g = ctx.sheets[PL]
    sol, data = ctx.run.solution, ctx.data
    alloc = sol.tables["allocation"]
    opts = data.options.table
    # Plain tuples: a pandas row lookup per allocation row costs more than writing it.
    by_key = {(o.workload_name, o.option): o for o in opts.itertuples(index=False)}
    task = {i: w.task for i, w in enumerate(ctx.run.scenario.workloads)}
    ft_index = {ft.name: i + 1 for i, ft in enumerate(ctx.run.scenario.fine_tunes)}
    g.header(1, 1, [n for n, _ in PLAN_COLUMNS], [w for _, w in PLAN_COLUMNS])
    c = PC
    r = 1
    for r, a in enumerate(alloc.itertuples(index=False), start=2):
        o = by_key[(a.workload, a.option)]
        t = int(a.t)
        wr = ctx.wl_row[a.workload]
        first, _ = ctx.plan_rows.get(a.workload, (r, r))
        ctx.plan_rows[a.workload] = (first, r)
        ft = o.fine_tune if isinstance(o.fine_tune, str) else None
        g.put(r, c["Workload"], a.workload)
        g.put(r, c["Period"], a.period)
        g.put(r, c["t"], t, COUNT, role="label")
        g.put(r, c["Option"], a.option)
        g.put(r, c["Kind"], a.kind)
        g.put(r, c["API or model"], o.api if isinstance(o.api, str) else o.model)
        g.put(r, c["GPU"], o.gpu if isinstance(o.gpu, str) else None)
        g.put(r, c["Fine-tune"], ft)
        g.put(r, c["Fine-tune #"], ft_index.get(ft, 0) if ft else 0, COUNT, role="label")
        g.put(r, c["Share of requests"], float(a.share), SHARE, role="solved")
        req = ref(A, wr, ctx.pcol(t))
        g.f(r, c["Requests"], f"={local(r, c['Share of requests'])}*{req}", COUNT)
        inp = f"={ref(A, wr, 6)}"
        if ft:
            inp += f"*(1-{ref(A, ctx.ft_row[ft], 5)})"
        g.f(r, c["Input tokens per request"], inp, NUMBER)
        g.f(r, c["Cached input share"], f"={ref(A, wr, 8)}", SHARE)
        g.f(r, c["Output tokens per request"], f"={ref(A, wr, 7)}", NUMBER)
        qr = ctx.quality_row[quality_key(o, task[int(o.workload)], ctx.run.scenario)]
        g.f(r, c["Quality (0-100)"], f"={ref(A, qr, 4)}{levers.quality_adjust(ctx, o, a)}",
            NUMBER)
        over = levers.plan_overrides(ctx, o, a, r, t)
        J, K, L, M, N = (local(r, c[k]) for k in ("Requests", "Input tokens per request",
                                                   "Cached input share",
                                                   "Output tokens per request",
                                                   "Quality (0-100)"))
        for key in ("Input tokens per request", "Output tokens per request"):
            if key in over:
                g.f(r, c[key], over[key], NUMBER)
        g.put(r, c["Prompt variant"], getattr(o, "variant", None))
        g.put(r, c["Cache"], "yes" if getattr(o, "cache", False) else None)
        g.put(r, c["Cascade"], getattr(o, "cascade", None))
        g.put(r, c["API spend category"], getattr(o, "api_category", None))
        esc = getattr(o, "escalation", None)
        g.put(r, c["Escalation"], esc if esc is not None and esc == esc else None, SHARE)
        if "API cost (USD)" in over:
            g.f(r, c["API cost (USD)"], over["API cost (USD)"] + levers.cache_factor(ctx, o, a),
                USD)
        elif a.kind in ("api", "api_batch"):
            pr = ctx.price_row[price_key(o)]
            g.put(r, c["Price row"], ctx.price_label[pr])
            p_in, p_ca, p_out, p_wr = (ref(A, pr, k) for k in (5, 6, 7, 11))
            trend = ref(A, pr, ctx.pcol(t))
            wr_share = ref(A, wr, 13)  # one request in cache_reuse writes the prefix
            g.f(r, c["API cost (USD)"],
                f"={J}*({K}*(1-{L})*{p_in}+{K}*{L}*((1-{wr_share})*{p_ca}+{wr_share}*{p_wr})"
                f"+{M}*{p_out})/1000000*{trend}{levers.cache_factor(ctx, o, a)}", USD)
        g.f(r, c["Error cost (USD)"], f"={J}*(1-{N}/100)*{ref(A, wr, 10)}", USD)
        d = int(o.deployment)
        g.put(r, c["Deployment #"], d + 1 if d >= 0 else 0, COUNT, role="label")
        if d >= 0:
            sr = ctx.serving_row[d]
            pk = f"IF({ref(A, wr, 3)}=\"batch\",1,{ref(A, wr, 9)})"
            # Cached prefixes are not prefilled again, except by the requests that write them.
            ws_ = ref(A, wr, 13)
            hours = over.get("Replica-hours", f"={J}*({K}*(1-{L}*(1-{ws_}))/{ref(A, sr, 6)}"
                                                  f"+{M}/{ref(A, sr, 7)})/3600*{pk}")
            g.f(r, c["Replica-hours"], hours + levers.cache_factor(ctx, o, a), NUMBER)
            g.f(r, c["GPU-hours"], f"={local(r, c['Replica-hours'])}*{ref(A, sr, 5)}", NUMBER)
        else:
            g.put(r, c["Replica-hours"], None)
            g.put(r, c["GPU-hours"], None)
        g.f(r, c["Tokens"], f"={J}*{ref(A, wr, 12)}", COUNT)
        g.f(r, c["Discount factor"], f"={ctx.df_ref(t)}", FACTOR)
        df_ = local(r, c["Discount factor"])
        api_c, err_c = local(r, c["API cost (USD)"]), local(r, c["Error cost (USD)"])
        g.f(r, c["Direct cost PV (USD)"], f"=({api_c}+{err_c})*{df_}", USD)
        cr = ctx.costs_first + t
        gh, tok, shared = (ref(CO, cr, COSTS_COL[k]) for k in
                           ("GPU-hours", "Tokens", "Shared PV (USD)"))
        R, S = local(r, c["GPU-hours"]), local(r, c["Tokens"])
        g.f(r, c["Shared GPU and staff PV (USD)"],
            f"=IF({gh}>0,{R}/{gh},IF({tok}>0,{S}/{tok},0))*{shared}", USD)
        if ft:
            # Filled once the Costs sheet knows where each fine-tune's row is.
            ctx.ft_plan_rows.append((r, ft))
        g.f(r, c["Attributed PV (USD)"],
            "=" + "+".join(local(r, c[k]) for k in ("Direct cost PV (USD)",
                                                    "Shared GPU and staff PV (USD)",
                                                    "Fine-tuning PV (USD)")), USD)
    ctx.plan_last = max(2, r)
    ncol = len(PLAN_COLUMNS)
    g.finish(freeze="B2", filter_ref=f"A1:{col(ncol)}{ctx.plan_last}")
    for name, key in (("plan_share", "Share of requests"), ("plan_requests", "Requests"),
                      ("plan_api_cost_usd", "API cost (USD)"),
                      ("plan_error_cost_usd", "Error cost (USD)")):
        ctx.name(name, rng(PL, 2, c[key], ctx.plan_last, c[key]))
