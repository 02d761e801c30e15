"""The Unit economics sheet: levelised cost per 1M tokens and per 1k requests for each workload."""

from __future__ import annotations

from tco.report.workbook import levers
from tco.report.workbook.columns import (
    ASSUMPTIONS as A,
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
    g.finish(freeze="B2", filter_ref=f"A1:H{last}")
