"""The Costs sheet: cost per category and period, NPV, cost per year, GPU and fine-tune detail,
committed costs.
"""

from __future__ import annotations

from tco.model.terms import CATEGORIES
from tco.report.workbook import levers
from tco.report.workbook import tariffs as tariff_sheet
from tco.report.workbook.charts import category_chart
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
    COSTS_COL,
    COSTS_HEAD,
    FC,
    PC,
    PERIOD_COL0,
)
from tco.report.workbook.columns import (
    PLAN as PL,
)
from tco.report.workbook.context import Context
from tco.report.workbook.horizon import reserved_after, residual_share
from tco.report.workbook.layout import (
    COUNT,
    FACTOR,
    NUMBER,
    USD,
    Grid,
    col,
    local,
    ref,
    rng,
)
from tco.report.workbook.moves import migration_formula, moves_block
from tco.solution import SHARED

GPU_DETAIL = ["GPU", "Period", "t", "Purchases (USD)", "On demand (USD)", "Reserved (USD)",
              "Reserved after horizon (USD, booked in the last period)",
              "Power and facility (USD)", "Residual credit (USD, booked in the last period)",
              "Support and maintenance (USD)", "Software licences (USD)",
              "Networking and storage (USD)"]


def write(ctx: Context) -> None:
    g = ctx.sheets[CO]
    T, first = ctx.T, ctx.costs_first
    last = first + T - 1
    g.header(1, 1, COSTS_HEAD, [10, 9, 13] + [13] * len(CATEGORIES) + [14, 10, 15, 2, 13, 13,
                                                                      12, 16])
    # Detail blocks below the main table are laid out first so the main formulas can refer
    # to them.
    r_year = last + 3
    years = sorted({t // ctx.data.periods.per_year + 1 for t in range(T)})
    r_detail = r_year + len(years) + 4
    gpu_first, gpu_last, r_next = _gpu_detail(ctx, g, r_detail)
    ft_first, ft_last, r_next = _ft_detail(ctx, g, r_next + 1)
    committed_first, r_next = _committed(ctx, g, r_next + 1)
    moves_first, moves_last, r_next = moves_block(ctx, g, r_next + 1)

    tcol, total_c, df_c, pv_c = 2, COSTS_COL["Total (USD)"], COSTS_COL["Discount factor"], \
        COSTS_COL["Present value (USD)"]
    plan_t = ctx.plan_range("t")
    plan_kind = ctx.plan_range("API spend category")
    for t, label in enumerate(ctx.run.solution.periods):
        r = first + t
        g.put(r, 1, label)
        g.put(r, 2, t, COUNT, role="label")
        g.f(r, 3, f"=INT(B{r}/periods_per_year)+1", COUNT)
        tt = local(r, tcol)
        f = {}
        for kind in ("api", "api_batch"):
            f[kind] = (f"=SUMIFS({ctx.plan_range('API cost (USD)')},{plan_t},{tt},"
                       f"{plan_kind},\"{kind}\")")
        f["levers"] = levers.costs_formula(ctx, tt)
        f["error"] = f"=SUMIFS({ctx.plan_range('Error cost (USD)')},{plan_t},{tt})"
        f["migration"] = migration_formula(moves_first, moves_last, tt)

        def gpu_sum(k: int) -> str:
            return (f"=SUMIFS({local(gpu_first, k, True)}:{local(gpu_last, k, True)},"
                    f"{local(gpu_first, 3, True)}:{local(gpu_last, 3, True)},{tt})")

        def at_end(k: int) -> str:
            return (f"=IF({tt}=horizon_periods-1,SUM({local(gpu_first, k, True)}:"
                    f"{local(gpu_last, k, True)}),0)")

        f["gpu_capex"] = gpu_sum(4)
        f["gpu_on_demand"] = gpu_sum(5)
        f["gpu_reserved"] = gpu_sum(6)
        f["gpu_reserved_after_horizon"] = at_end(7)
        f["power_facility"] = gpu_sum(8)
        f["gpu_residual"] = at_end(9)
        f["gpu_support"] = gpu_sum(10)
        f["gpu_software"] = gpu_sum(11)
        f["gpu_network_storage"] = gpu_sum(12)
        f["api_operations"] = api_ops_formula(ctx, t)
        sr = ctx.staff_row.get(t)
        f["staff"] = (f"={ref(CA, sr, 5)}*staff_cost_per_year/periods_per_year"
                      f"*{escalated('salary_escalation', tt)}" if sr else "=0")
        pc = PERIOD_COL0 + t  # fine-tune detail uses the same period columns as Assumptions
        f["fine_tuning"] = (f"=SUM({local(ft_first, pc, True)}:{local(ft_last, pc, True)})"
                            if ft_last >= ft_first else "=0")
        f.update(tariff_sheet.cost_formulas(ctx, tt))
        for k in CATEGORIES:
            g.f(r, COSTS_COL[k], f[k], USD)
        g.f(r, total_c, f"=SUM({local(r, 4)}:{local(r, 3 + len(CATEGORIES))})", USD)
        g.f(r, df_c, f"={ctx.df_ref(t)}", FACTOR)
        g.f(r, pv_c, f"={local(r, total_c)}*{local(r, df_c)}", USD)
        g.f(r, COSTS_COL["Shared (USD)"],
            "=" + "+".join(local(r, COSTS_COL[k]) for k in SHARED), USD)
        g.f(r, COSTS_COL["Shared PV (USD)"],
            f"={local(r, COSTS_COL['Shared (USD)'])}*{local(r, df_c)}", USD)
        g.f(r, COSTS_COL["GPU-hours"],
            f"=SUMIFS({ctx.plan_range('GPU-hours')},{plan_t},{tt})", NUMBER)
        g.f(r, COSTS_COL["Tokens"], f"=SUMIFS({ctx.plan_range('Tokens')},{plan_t},{tt})",
            COUNT)
    tr = last + 1
    g.put(tr, 1, "Total", kind="total")
    for c in list(range(4, total_c + 1)) + [pv_c]:
        g.f(tr, c, f"=SUM({local(first, c)}:{local(last, c)})", USD, kind="total")
    ctx.name("npv_usd", ref(CO, tr, pv_c))
    # Expected error cost is not cash: the cash TCO is the NPV without it.
    ec = COSTS_COL["error"]
    g.put(tr + 1, 1, "Expected error cost, NPV (not cash)", kind="note")
    g.f(tr + 1, pv_c, f"=SUMPRODUCT({local(first, ec)}:{local(last, ec)},"
                      f"{local(first, df_c)}:{local(last, df_c)})", USD)
    g.put(tr + 2, 1, "Cash TCO, NPV", kind="note")
    g.f(tr + 2, pv_c, f"=npv_usd-{local(tr + 1, pv_c)}", USD)
    ctx.name("error_npv_usd", ref(CO, tr + 1, pv_c))
    ctx.name("cash_npv_usd", ref(CO, tr + 2, pv_c))
    ctx.name("total_cost_usd", ref(CO, tr, total_c))
    ctx.name("error_total_usd", ref(CO, tr, ec))
    ctx.name("costs_table", rng(CO, first, 4, last, 3 + len(CATEGORIES)))
    ctx.name("cost_totals", rng(CO, first, total_c, last, total_c))

    # Per year.
    g.put(r_year - 1, 1, "Cost per year", kind="section")
    g.header(r_year, 1, ["Year", "First period", "Periods", "Cost (USD)",
                         "Present value (USD)"])
    per_year = ctx.data.periods.per_year
    for i, y in enumerate(years):
        r = r_year + 1 + i
        ctx.per_year_rows.append(r)
        g.put(r, 1, y, COUNT, role="label")
        g.put(r, 2, ctx.run.solution.periods[(y - 1) * per_year])
        g.f(r, 3, f"=COUNTIF($C${first}:$C${last},A{r})", COUNT)
        g.f(r, 4, f"=SUMIFS({local(first, total_c, True)}:{local(last, total_c, True)},"
                  f"$C${first}:$C${last},A{r})", USD)
        g.f(r, 5, f"=SUMIFS({local(first, pv_c, True)}:{local(last, pv_c, True)},"
                  f"$C${first}:$C${last},A{r})", USD)
    ctx.name("cost_per_year", rng(CO, r_year + 1, 4, r_year + len(years), 4))

    chart = category_chart(ctx, "Cost by category per period (USD)")
    # Below every block of the sheet: a chart never covers a table, on screen or on paper.
    g.chart_below(chart, r_next + 1)
    g.finish(freeze="B2", filter_ref=f"A1:{col(len(COSTS_HEAD))}{last}")
    _fill_ft_refs(ctx)


def _gpu_detail(ctx: Context, g: Grid, r: int) -> tuple[int, int, int]:
    """One row per GPU type and period with the Capacity sheet's counts priced."""
    g.put(r, 1, "GPU costs by type and period (formulas over Capacity and Assumptions)",
          kind="section")
    r += 1
    g.header(r, 1, GPU_DETAIL)
    first = r + 1
    fleet = ctx.run.solution.tables["fleet"]
    for i, row in enumerate(fleet.itertuples(index=False)):
        rr = first + i
        fr = ctx.fleet_row[(row.gpu, int(row.t))]
        ar = ctx.gpu_row[row.gpu]
        q = {k: ref(CA, fr, FC[k]) for k in FC}
        price, life, od, r1, r3 = (ref(A, ar, c) for c in (5, 7, 2, 3, 4))
        g.put(rr, 1, row.gpu)
        g.put(rr, 2, row.period)
        g.put(rr, 3, int(row.t), COUNT, role="label")
        t = local(rr, 3)
        g.f(rr, 4, f"={q['Bought (GPUs)']}*{price}", USD)
        g.f(rr, 5, f"={q['On demand (GPUs)']}*{od}*hours_per_period", USD)
        g.f(rr, 6, f"=({q['Reserved 1y alive (GPUs)']}*{r1}+{q['Reserved 3y alive (GPUs)']}"
                   f"*{r3})*hours_per_period", USD)
        served = f"({t}+{ref(A, ar, 13)})"  # the order serves from its delivery
        g.f(rr, 7, "=" + reserved_after(q['Reserved 1y signed (GPUs)'], r1,
                                        q['Reserved 3y signed (GPUs)'], r3, served), USD)
        g.f(rr, 8, f"={q['Owned alive (GPUs)']}*{running(ar, t)}", USD)
        share = residual_share(served, life, ref(A, ar, 14))
        g.f(rr, 9, f"=IF({life}>0,-{q['Bought (GPUs)']}*{price}*{share},0)", USD)
        # tco.model.gpu_overheads: support on owned GPUs alive, licences and networking and
        # storage on every GPU held.
        held = "+".join(q[k] for k in ("Owned alive (GPUs)", "Reserved 1y alive (GPUs)",
                                       "Reserved 3y alive (GPUs)", "On demand (GPUs)"))
        g.f(rr, 10, f"={q['Owned alive (GPUs)']}*N({price})*N({ref(A, ar, 15)})"
                    f"/periods_per_year", USD)
        g.f(rr, 11, f"=({held})*N({ref(A, ar, 16)})/periods_per_year", USD)
        g.f(rr, 12, f"=({held})*N({ref(A, ar, 17)})/periods_per_year", USD)
    last = first + len(fleet) - 1
    if fleet.empty:
        # A one-row empty block keeps every SUMIFS range valid.
        g.put(first, 1, "No GPUs.", kind="note")
        last = first
    return first, last, last + 2


def _ft_detail(ctx: Context, g: Grid, r: int) -> tuple[int, int, int]:
    """Training spend per fine-tune and period: trained x cost when t is a training period
    (the period adopted, then every retrain_every_periods)."""
    fts = ctx.run.scenario.fine_tunes
    T = ctx.T
    g.put(r, 1, "Fine-tuning costs by fine-tune and period", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Trained (1 = yes)", "Tokens served", "Spend PV (USD)"])
    for t, label in enumerate(ctx.run.solution.periods):
        g.put(r, PERIOD_COL0 + t, f"{label} (USD)", kind="header")
        g.put(r - 1, PERIOD_COL0 + t, t, COUNT, role="label")  # period index for the MOD test
    first = r + 1
    for i, ft in enumerate(fts):
        rr = first + i
        ctx.ft_cost_row[ft.name] = rr
        ar = ctx.ft_row[ft.name]
        tr = ctx.trained_row.get(ft.name)
        g.put(rr, 1, ft.name)
        if tr:
            g.f(rr, 2, f"={ref(CA, tr, 4)}", COUNT)
            adopted = ref(CA, tr, 5)
        else:
            g.put(rr, 2, 0, COUNT, role="solved")
            adopted = "0"
        g.f(rr, 3, f"=SUMIFS({ctx.plan_range('Tokens')},{ctx.plan_range('Fine-tune #')},"
                   f"{i + 1})", COUNT)
        for t in range(T):
            c = PERIOD_COL0 + t
            tt = local(r - 1, c, True)
            # Trained in the period adopted, then every retrain_every_periods from it.
            g.f(rr, c, f"=$B{rr}*IF(AND({tt}>={adopted},MOD({tt}-{adopted},{ref(A, ar, 4)})=0),"
                       f"{ref(A, ar, 3)},0)", USD)
        g.f(rr, 4, f"=SUMPRODUCT({local(rr, PERIOD_COL0)}:{local(rr, PERIOD_COL0 + T - 1)},"
                   f"discount_factors)", USD)
    last = first + len(fts) - 1
    if not fts:
        g.put(first, 1, "No fine-tunes.", kind="note")
    return first, last, max(first, last) + 2


def _committed(ctx: Context, g: Grid, r: int) -> tuple[int, int]:
    """Costs of existing assets per period, as formulas; reported apart from the plan's NPV."""
    T = ctx.T
    gpus = {gpu.name: gpu for gpu in ctx.data.gpus}
    g.put(r, 1, "Committed costs of existing assets (sunk or signed; not in the plan's NPV)",
          kind="section")
    r += 1
    head = ["Period", "t", "Power and facility (USD)", "GPU reserved (USD)",
            "GPU residual value (USD)", "Staff (USD)",
            "GPU reserved after horizon (USD, conservative rule)",
            "GPU support and maintenance (USD)", "GPU software licences (USD)",
            "GPU networking and storage (USD)", "Total (USD)",
            "Discount factor", "Present value (USD)"]
    g.header(r, 1, head)
    first = r + 1
    for t, label in enumerate(ctx.run.solution.periods):
        rr = first + t
        g.put(rr, 1, label)
        g.put(rr, 2, t, COUNT, role="label")
        tt = local(rr, 2)
        power, reserved, residual, after = [], [], [], []
        over: dict[int, list[str]] = {15: [], 16: [], 17: []}  # Assumptions GPU column
        for orow in ctx.owned_rows:
            gname = ctx.sheets[A].ws.cell(orow, 1).value
            ar = ctx.gpu_row.get(gname)
            start, life, count = (ref(A, orow, c) for c in (4, 7, 2))
            if ar is not None:
                alive = f"AND({tt}>={start},{tt}<{start}+{life})"
                # Support on the price paid; licences, networking and storage per GPU held.
                over[15].append(f"IF({alive},{count}*{ref(A, orow, 5)}*N({ref(A, ar, 15)}),0)")
                for c in (16, 17):
                    over[c].append(f"IF({alive},{count}*N({ref(A, ar, c)}),0)")
            if ar is not None and gpus[gname].purchase is not None:
                power.append(f"IF(AND({tt}>={start},{tt}<{start}+{life}),{count}*"
                             f"{running(ar, tt)},0)")
            decline = ref(A, ar, 14) if ar is not None else None
            residual.append(f"{count}*{ref(A, orow, 5)}*{residual_share(start, life, decline)}")
        for rrow in ctx.reservation_rows:
            ar = ctx.gpu_row.get(ctx.sheets[A].ws.cell(rrow, 1).value)
            if ar is not None:
                held = f"AND({tt}<={ref(A, rrow, 4)},{tt}>={ref(A, rrow, 6)})"
                for c in (16, 17):
                    over[c].append(f"IF({held},{ref(A, rrow, 2)}*N({ref(A, ar, c)}),0)")
            reserved.append(f"IF(AND({tt}<={ref(A, rrow, 4)},{tt}>={ref(A, rrow, 6)}),"
                            f"{ref(A, rrow, 2)}*{ref(A, rrow, 5)}*hours_per_period,0)")
            after.append(f"{ref(A, rrow, 2)}*{ref(A, rrow, 5)}*hours_per_period"
                         f"*MAX(0,{ref(A, rrow, 4)}+1-horizon_periods)")
        g.f(rr, 3, "=" + ("+".join(power) or "0"), USD)
        g.f(rr, 4, "=" + ("+".join(reserved) or "0"), USD)
        g.f(rr, 5, f"=IF({tt}=horizon_periods-1,-({'+'.join(residual) or '0'}),0)", USD)
        g.f(rr, 6, f"=existing_engineers*staff_cost_per_year/periods_per_year"
                   f"*{escalated('salary_escalation', tt)}", USD)
        g.f(rr, 7, f"=IF({tt}=horizon_periods-1,end_of_horizon_conservative*"
                   f"({'+'.join(after) or '0'}),0)", USD)
        for k, c in enumerate((15, 16, 17)):
            g.f(rr, 8 + k, "=(" + ("+".join(over[c]) or "0") + ")/periods_per_year", USD)
        g.f(rr, 11, f"=SUM(C{rr}:J{rr})", USD)
        g.f(rr, 12, f"={ctx.df_ref(t)}", FACTOR)
        g.f(rr, 13, f"=K{rr}*L{rr}", USD)
    tr = first + T
    g.put(tr, 1, "Total", kind="total")
    for c in range(3, 12):
        g.f(tr, c, f"=SUM({local(first, c)}:{local(tr - 1, c)})", USD, kind="total")
    g.f(tr, 13, f"=SUM(M{first}:M{tr - 1})", USD, kind="total")
    ctx.committed_total_row = tr
    ctx.name("committed_npv_usd", ref(CO, tr, 13))
    ctx.name("committed_table", rng(CO, first, 3, tr - 1, 10))
    return first, tr + 2


def _fill_ft_refs(ctx: Context) -> None:
    """Plan rows served by a fine-tune: their share of its training spend, by tokens."""
    g = ctx.sheets[PL]
    c = PC["Fine-tuning PV (USD)"]
    for r, ft in ctx.ft_plan_rows:
        fr = ctx.ft_cost_row[ft]
        tok = ref(CO, fr, 3)
        g.f(r, c, f"=IF({tok}>0,{local(r, PC['Tokens'])}/{tok}*{ref(CO, fr, 4)},0)", USD)


def escalated(name: str, t: str) -> str:
    """(1 + escalation)^(years from start) of period `t` (tco.model.escalation)."""
    return f"(1+{name})^({t}/periods_per_year)"


def running(ar: int, t: str) -> str:
    """Power and facility of one owned GPU (Assumptions row `ar`) in period `t`, escalated:
    power_kw x (facility x months x esc_facility + kWh price x PUE x hours x esc_power)."""
    kw, fac, kwh, pue = (ref(A, ar, c) for c in (8, 9, 10, 11))
    return (f"{kw}*({fac}*months_per_period*{escalated('facility_escalation', t)}"
            f"+{kwh}*{pue}*hours_per_period*{escalated('power_escalation', t)})")


def api_ops_formula(ctx: Context, t: int) -> str:
    """The API path's fixed cost of period t: paths in use (Capacity) x USD a year / periods
    per year (tco.model.api_operations)."""
    parts = []
    for kind, rate in (("provider", "api_ops_per_provider"), ("workload", "api_ops_per_workload")):
        rows = ctx.api_ops_rows.get(kind)
        if rows:
            c = ctx.api_ops_col0 + t
            parts.append(f"SUM({rng(CA, rows[0], c, rows[1], c)})*{rate}/periods_per_year")
    return "=" + ("+".join(parts) or "0")
