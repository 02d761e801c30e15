"""The finance workbook `plan.xlsx`: the plan's costs restated as live Excel formulas.

The optimizer's decisions are written as values (shares of each workload per option and
period, GPUs bought, committed and rented, replicas, engineers hired, fine-tunes trained).
Every amount of money is a formula over the Assumptions sheet and those quantities, so a
reviewer who changes a price, a salary or the discount rate sees every dependent figure move
for the same plan. The formulas restate the engine's cost terms one for one:

- API (Plan sheet, one row per workload, period and option):
  requests x (input x (1 - cached) x p_in + input x cached x p_cached + output x p_out) / 1e6
  x (1 + price trend)^years, with requests = share x the workload's requests in the period.
- Error: requests x (1 - quality / 100) x cost of one bad answer.
- GPUs (Costs sheet, one row per GPU type and period, over the Capacity sheet's counts):
  on demand and reserved = GPUs x USD per GPU-hour x hours per period; a commitment running
  past the horizon books its remaining periods in the last period; owned = price at purchase,
  power and facility while alive, straight-line book value credited in the last period.
- Staff: engineers hired x cost per year / periods per year.
- Fine-tunes: training cost at t = 0 and every `retrain_every_periods` when trained.
- NPV: sum over periods of the period total x (1 + rate)^(-t / periods per year).

Sheets: Summary, Assumptions, Plan, Capacity, Costs, Strategies, Unit economics, Method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference

from tco.model.terms import CATEGORIES
from tco.report.atomic import write_atomic
from tco.report.workbook_layout import (
    COUNT,
    FACTOR,
    NUMBER,
    PRICE,
    SHARE,
    USD,
    USD_CENTS,
    Grid,
    Styles,
    col,
    define,
    local,
    name_token,
    ref,
    rng,
    unique_name,
)
from tco.run import RunResult
from tco.solution import SHARED

SHEETS = ("Summary", "Assumptions", "Plan", "Capacity", "Costs", "Strategies",
          "Unit economics", "Method")

CATEGORY_LABELS = {
    "api": "API realtime",
    "api_batch": "API batch",
    "gpu_on_demand": "GPU on demand",
    "gpu_reserved": "GPU reserved",
    "gpu_reserved_after_horizon": "GPU reserved after horizon",
    "gpu_capex": "GPU purchases",
    "gpu_residual": "GPU residual value",
    "power_facility": "Power and facility",
    "staff": "Staff",
    "fine_tuning": "Fine-tuning",
    "error": "Expected errors",
}

A, P, PL, CA, CO, ST, UE = ("Assumptions", "Plan", "Plan", "Capacity", "Costs", "Strategies",
                            "Unit economics")
PERIOD_COL0 = 15
"""First column of per-period values on the Assumptions sheet (O)."""


def write_workbook(run: RunResult, path: str | Path) -> Path:
    """Write the finance workbook for `run` to `path` atomically; returns the path."""
    wb = build_workbook(run)
    return write_atomic(path, lambda tmp: wb.save(tmp))


def build_workbook(run: RunResult) -> Workbook:
    """The workbook in memory (openpyxl), every sheet filled."""
    wb = Workbook()
    scratch = wb.active
    scratch.title = "_styles"
    styles = Styles(scratch)
    sheets = {name: Grid(wb.create_sheet(name), styles) for name in SHEETS}
    ctx = _Context(run, wb, sheets)
    _assumptions(ctx)
    _plan(ctx)
    _capacity(ctx)
    _costs(ctx)
    _unit_economics(ctx)
    _strategies(ctx)
    _summary(ctx)
    _method(ctx)
    wb.remove(scratch)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True
    return wb


@dataclass
class _Context:
    """What one sheet needs to know about where another sheet put things."""

    run: RunResult
    wb: Workbook
    sheets: dict[str, Grid]
    names: set[str] = field(default_factory=set)
    # Assumptions
    row_years: int = 0
    row_df: int = 0
    wl_row: dict[str, int] = field(default_factory=dict)
    price_row: dict[tuple, int] = field(default_factory=dict)
    price_label: dict[int, str] = field(default_factory=dict)
    gpu_row: dict[str, int] = field(default_factory=dict)
    ft_row: dict[str, int] = field(default_factory=dict)
    owned_rows: list[int] = field(default_factory=list)
    reservation_rows: list[int] = field(default_factory=list)
    # Plan
    plan_last: int = 1
    plan_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    ft_plan_rows: list[tuple[int, str]] = field(default_factory=list)
    # Capacity
    fleet_row: dict[tuple[str, int], int] = field(default_factory=dict)
    staff_row: dict[int, int] = field(default_factory=dict)
    trained_row: dict[str, int] = field(default_factory=dict)
    # Costs
    costs_first: int = 2
    per_year_rows: list[int] = field(default_factory=list)
    ft_cost_row: dict[str, int] = field(default_factory=dict)
    committed_total_row: int = 0
    strategy_rows: dict[str, int] = field(default_factory=dict)
    strategy_npv_col: int = 0

    @property
    def data(self):
        return self.run.solution.data

    @property
    def T(self) -> int:
        return len(self.run.solution.periods)

    def pcol(self, t: int) -> int:
        """Assumptions column of period t."""
        return PERIOD_COL0 + t

    def df_ref(self, t: int) -> str:
        """The discount factor of period t (Assumptions)."""
        return ref(A, self.row_df, self.pcol(t))

    def name(self, base: str, target: str) -> str:
        return define(self.wb, unique_name(self.names, base), target)

    def cost_row(self, t: int) -> int:
        return self.costs_first + t


# ---------------------------------------------------------------- Assumptions

def _price_key(row) -> tuple:
    """The price row an API option is priced from: API, mode and the prices themselves."""
    if row.kind == "api_batch":
        mode = "batch"
    elif isinstance(row.fine_tune, str):
        mode = "fine-tuned"
    else:
        mode = "realtime"
    return (row.api, mode, float(row.p_input), float(row.p_cached), float(row.p_output),
            float(row.price_trend))


def _assumptions(ctx: _Context) -> None:
    g = ctx.sheets[A]
    run, data = ctx.run, ctx.data
    s = run.scenario
    periods = data.periods
    T = ctx.T
    g.put(1, 1, "Assumptions: every input that prices the plan", kind="title")
    g.put(2, 1, "Blue cells are inputs. Change one and every cost, the NPV and the unit "
                "economics recompute for the same plan (the optimizer's decisions stay fixed).",
          kind="note")
    g.width(1, 34)
    for c in range(2, PERIOD_COL0 + T):
        g.width(c, 14)

    r = 4
    g.put(r, 1, "General", kind="section")
    g.header(r + 1, 1, ["Input", "Value", "Unit", "Defined name"])
    general = [
        ("Discount rate", s.finance.discount_rate, "per year", "discount_rate", SHARE, True),
        ("Periods per year", periods.per_year, "periods", "periods_per_year", COUNT, False),
        ("Hours per period", periods.hours, "hours (8760 / periods per year)",
         "hours_per_period", NUMBER, False),
        ("Months per period", periods.months, "months", "months_per_period", NUMBER, False),
        ("Periods in the horizon", T, "periods", "horizon_periods", COUNT, False),
        ("Currency", s.finance.currency, "", None, None, False),
    ]
    r += 2
    for label, value, unit, name, fmt, is_input in general:
        g.put(r, 1, label)
        g.put(r, 2, value, fmt, is_input=is_input)
        g.put(r, 3, unit)
        if name:
            g.put(r, 4, name)
            ctx.name(name, ref(A, r, 2))
        r += 1
    for label, years, name in (("Reserved 1-year term", 1, "term_1y_periods"),
                               ("Reserved 3-year term", 3, "term_3y_periods")):
        g.put(r, 1, label)
        g.f(r, 2, f"={years}*periods_per_year", COUNT)
        g.put(r, 3, "periods")
        g.put(r, 4, name)
        ctx.name(name, ref(A, r, 2))
        r += 1

    # Periods: labels, index, years from start, discount factor (horizontal, aligned with the
    # per-period columns of the workloads and API prices below).
    r += 1
    g.put(r, 1, "Periods", kind="section")
    r += 1
    first, last = ctx.pcol(0), ctx.pcol(T - 1)
    rows = {"Period": r, "Index t": r + 1, "Years from start": r + 2,
            "Discount factor (1 + rate)^(-years)": r + 3}
    for label, rr in rows.items():
        g.put(rr, 1, label, kind="header" if rr == r else "plain")
    for t, label in enumerate(ctx.run.solution.periods):
        c = ctx.pcol(t)
        g.put(r, c, label, kind="header")
        g.put(r + 1, c, t, COUNT)
        g.f(r + 2, c, f"={local(r + 1, c)}/periods_per_year", NUMBER)
        g.f(r + 3, c, f"=(1+discount_rate)^(-{local(r + 2, c)})", FACTOR)
    ctx.row_years, ctx.row_df = r + 2, r + 3
    ctx.name("period_labels", rng(A, r, first, r, last))
    ctx.name("period_index", rng(A, r + 1, first, r + 1, last))
    ctx.name("years_from_start", rng(A, r + 2, first, r + 2, last))
    ctx.name("discount_factors", rng(A, r + 3, first, r + 3, last))
    r += 5

    r = _assumptions_workloads(ctx, g, r)
    r = _assumptions_prices(ctx, g, r)
    r = _assumptions_gpus(ctx, g, r)
    r = _assumptions_staff(ctx, g, r)
    r = _assumptions_fine_tunes(ctx, g, r)
    r = _assumptions_existing(ctx, g, r)
    g.finish(freeze="B4")


def _assumptions_workloads(ctx: _Context, g: Grid, r: int) -> int:
    s, data, T = ctx.run.scenario, ctx.data, ctx.T
    g.put(r, 1, "Workloads", kind="section")
    g.put(r, 4, "Requests per period = requests per month x (1 + growth)^years x months per "
                "period (or the per-period list given in the scenario).", kind="note")
    r += 1
    labels = ["Workload", "Task", "Latency", "Requests per month (first period)",
              "Growth per year", "Input tokens per request", "Output tokens per request",
              "Cached input share", "Peak to average", "Error cost (USD per bad answer)",
              "Minimum quality (0-100)", "Tokens per request"]
    g.header(r, 1, labels)
    g.put(r, 13, None)
    for t, label in enumerate(ctx.run.solution.periods):
        g.put(r, ctx.pcol(t), f"Requests {label}", kind="header")
    first = r + 1
    for i, w in enumerate(s.workloads):
        rr = first + i
        ctx.wl_row[w.name] = rr
        listed = isinstance(w.requests_per_month, list)
        g.put(rr, 1, w.name)
        g.put(rr, 2, w.task)
        g.put(rr, 3, w.latency)
        g.put(rr, 4, w.requests_per_month[0] if listed else w.requests_per_month, COUNT,
              is_input=not listed)
        g.put(rr, 5, 0.0 if listed else w.growth_per_year, SHARE, is_input=not listed)
        g.put(rr, 6, w.input_tokens, COUNT, is_input=True)
        g.put(rr, 7, w.output_tokens, COUNT, is_input=True)
        g.put(rr, 8, w.cached_input_share, SHARE, is_input=True)
        g.put(rr, 9, w.peak_to_average, NUMBER)
        g.put(rr, 10, w.error_cost_usd, USD_CENTS, is_input=True)
        g.put(rr, 11, w.min_quality, NUMBER)
        g.f(rr, 12, f"={local(rr, 6)}+{local(rr, 7)}", COUNT)
        for t in range(T):
            c = ctx.pcol(t)
            if listed:
                g.put(rr, c, float(data.demand.requests[i, t]), COUNT, is_input=True)
            else:
                g.f(rr, c, f"=$D{rr}*(1+$E{rr})^{col(c)}${ctx.row_years}*months_per_period",
                    COUNT)
    last = max(first, first + len(s.workloads) - 1)
    for c, name in ((1, "wl_names"), (4, "wl_requests_per_month"), (5, "wl_growth_per_year"),
                    (6, "wl_input_tokens"), (7, "wl_output_tokens"), (8, "wl_cached_share"),
                    (10, "wl_error_cost_usd")):
        ctx.name(name, rng(A, first, c, last, c))
    ctx.name("wl_requests", rng(A, first, ctx.pcol(0), last, ctx.pcol(T - 1)))
    g.width(4, 16)
    return last + 2


def _assumptions_prices(ctx: _Context, g: Grid, r: int) -> int:
    table = ctx.data.options.table
    apis = {a.id: a for a in ctx.run.resolved.apis}
    keys: dict[tuple, None] = {}
    for row in table.itertuples(index=False):
        if row.kind in ("api", "api_batch"):
            keys.setdefault(_price_key(row), None)
    g.put(r, 1, "API prices (USD per 1M tokens)", kind="section")
    g.put(r, 4, "Per option used by the plan's candidates. Period columns: price trend factor "
                "(1 + trend)^years.", kind="note")
    r += 1
    g.header(r, 1, ["Price row", "API", "Provider", "Mode", "Input (USD/1M)",
                    "Cached input (USD/1M)", "Output (USD/1M)", "Price trend per year",
                    "Source", "Defined name (output)"])
    for t, label in enumerate(ctx.run.solution.periods):
        g.put(r, ctx.pcol(t), f"Trend {label}", kind="header")
    first = r + 1
    count: dict[tuple, int] = {}
    for k in keys:
        count[k[:2]] = count.get(k[:2], 0) + 1
    seen: dict[tuple, int] = {}
    for i, k in enumerate(keys):
        rr = first + i
        ctx.price_row[k] = rr
        api_id, mode, p_in, p_cached, p_out, trend = k
        seen[k[:2]] = seen.get(k[:2], 0) + 1
        label = f"{api_id} {mode}" + (f" #{seen[k[:2]]}" if count[k[:2]] > 1 else "")
        api = apis.get(api_id)
        source = ""
        if api is not None:
            tp = api.fine_tuned if mode == "fine-tuned" else api.tiers[0].realtime
            if mode == "batch" and api.tiers[0].batch is not None:
                tp = api.tiers[0].batch
            source = tp.source if tp is not None else ""
        g.put(rr, 1, label)
        ctx.price_label[rr] = label
        g.put(rr, 2, api_id)
        g.put(rr, 3, api.provider if api is not None else "")
        g.put(rr, 4, mode)
        g.put(rr, 5, p_in, PRICE, is_input=True)
        g.put(rr, 6, p_cached, PRICE, is_input=True)
        g.put(rr, 7, p_out, PRICE, is_input=True)
        g.put(rr, 8, trend, SHARE, is_input=True)
        g.put(rr, 9, source)
        base = f"price_{name_token(api_id)}_{name_token(mode)}"
        for c, suffix in ((5, "input"), (6, "cached"), (7, "output"), (8, "trend")):
            n = ctx.name(f"{base}_{suffix}", ref(A, rr, c))
            if suffix == "output":
                g.put(rr, 10, n)
        for t in range(ctx.T):
            c = ctx.pcol(t)
            g.f(rr, c, f"=(1+$H{rr})^{col(c)}${ctx.row_years}", FACTOR)
    last = max(first, first + len(keys) - 1)
    for c, name in ((5, "api_price_input"), (6, "api_price_cached"), (7, "api_price_output"),
                    (8, "api_price_trend")):
        ctx.name(name, rng(A, first, c, last, c))
    return last + 2


def _assumptions_gpus(ctx: _Context, g: Grid, r: int) -> int:
    g.put(r, 1, "GPU prices by procurement mode", kind="section")
    r += 1
    g.header(r, 1, ["GPU", "On demand (USD/GPU-hour)", "Reserved 1y (USD/GPU-hour)",
                    "Reserved 3y (USD/GPU-hour)", "Purchase price (USD/GPU)", "Life (years)",
                    "Life (periods)", "Power (kW/GPU)", "Facility (USD/kW-month)",
                    "Electricity (USD/kWh)", "PUE",
                    "Power and facility (USD/GPU-period)"])
    first = r + 1
    for i, gpu in enumerate(ctx.data.gpus):
        rr = first + i
        ctx.gpu_row[gpu.name] = rr
        p = gpu.purchase
        g.put(rr, 1, gpu.name)
        g.put(rr, 2, gpu.on_demand_usd_per_hour, PRICE, is_input=True)
        g.put(rr, 3, gpu.reserved_usd_per_hour.get("1y"), PRICE, is_input=True)
        g.put(rr, 4, gpu.reserved_usd_per_hour.get("3y"), PRICE, is_input=True)
        if p is not None:
            g.put(rr, 5, p.price_usd, USD, is_input=True)
            g.put(rr, 6, p.life_years, NUMBER, is_input=True)
            g.f(rr, 7, f"=MAX(1,ROUND(F{rr}*periods_per_year,0))", COUNT)
            g.put(rr, 8, p.power_kw, NUMBER, is_input=True)
            g.put(rr, 9, p.facility_usd_per_kw_month, USD_CENTS, is_input=True)
            g.put(rr, 10, p.electricity_usd_per_kwh, PRICE, is_input=True)
            g.put(rr, 11, p.pue, NUMBER, is_input=True)
            g.f(rr, 12, f"=H{rr}*(I{rr}*months_per_period+J{rr}*K{rr}*hours_per_period)", USD)
        base = f"gpu_{name_token(gpu.name)}"
        for c, suffix in ((2, "on_demand"), (3, "reserved_1y"), (4, "reserved_3y"),
                          (5, "price"), (7, "life_periods"), (12, "running_per_period")):
            ctx.name(f"{base}_{suffix}", ref(A, rr, c))
    last = max(first, first + len(ctx.data.gpus) - 1)
    if not ctx.data.gpus:
        g.put(first, 1, "No GPU in the plan's candidates.", kind="note")
    for c, name in ((2, "gpu_on_demand_usd_per_hour"), (3, "gpu_reserved_1y_usd_per_hour"),
                    (4, "gpu_reserved_3y_usd_per_hour"), (5, "gpu_purchase_usd"),
                    (12, "gpu_running_usd_per_period")):
        ctx.name(name, rng(A, first, c, last, c))
    return last + 2


def _assumptions_staff(ctx: _Context, g: Grid, r: int) -> int:
    s = ctx.run.scenario
    g.put(r, 1, "Staff", kind="section")
    g.header(r + 1, 1, ["Input", "Value", "Unit", "Defined name"])
    items = [("Cost of one engineer", s.staffing.cost_usd_per_year, USD, "USD per year",
              "staff_cost_per_year", True),
             ("Platform engineers when self-hosting", s.staffing.platform_engineers, COUNT,
              "engineers (sizes the plan)", "platform_engineers", False),
             ("GPUs per additional engineer", s.staffing.gpus_per_engineer, NUMBER,
              "GPUs (sizes the plan)", "gpus_per_engineer", False),
             ("Engineers already employed", s.existing.engineers, COUNT,
              "engineers (committed)", "existing_engineers", False)]
    r += 2
    for label, value, fmt, unit, name, is_input in items:
        g.put(r, 1, label)
        g.put(r, 2, value, fmt, is_input=is_input)
        g.put(r, 3, unit)
        g.put(r, 4, name)
        ctx.name(name, ref(A, r, 2))
        r += 1
    return r + 1


def _assumptions_fine_tunes(ctx: _Context, g: Grid, r: int) -> int:
    fts = ctx.run.scenario.fine_tunes
    g.put(r, 1, "Fine-tunes", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Base", "Training cost (USD per run)",
                    "Retrain every (periods)", "Input token reduction", "Workloads"])
    first = r + 1
    for i, ft in enumerate(fts):
        rr = first + i
        ctx.ft_row[ft.name] = rr
        g.put(rr, 1, ft.name)
        g.put(rr, 2, ft.base)
        g.put(rr, 3, ft.training_cost_usd, USD, is_input=True)
        g.put(rr, 4, ft.retrain_every_periods or ctx.T, COUNT, is_input=True)
        g.put(rr, 5, ft.input_token_reduction, SHARE)
        g.put(rr, 6, ", ".join(ft.workloads))
        ctx.name(f"ft_{name_token(ft.name)}_training_cost", ref(A, rr, 3))
    if not fts:
        g.put(first, 1, "No fine-tunes in the scenario.", kind="note")
    last = max(first, first + len(fts) - 1)
    ctx.name("ft_training_cost_usd", rng(A, first, 3, last, 3))
    return last + 2


def _assumptions_existing(ctx: _Context, g: Grid, r: int) -> int:
    ex = ctx.run.scenario.existing
    periods = ctx.data.periods
    g.put(r, 1, "Existing owned GPUs (committed, not decided by the plan)", kind="section")
    r += 1
    g.header(r, 1, ["GPU", "Count", "Bought (period)", "Bought (index t)",
                    "Price paid (USD/GPU)", "Life (years)", "Life (periods)"])
    r += 1
    for o in ex.owned_gpus:
        ctx.owned_rows.append(r)
        g.put(r, 1, o.gpu)
        g.put(r, 2, o.count, COUNT)
        g.put(r, 3, o.bought)
        g.put(r, 4, periods.index_of(o.bought), COUNT)
        g.put(r, 5, o.price_usd, USD, is_input=True)
        g.put(r, 6, o.life_years, NUMBER, is_input=True)
        g.f(r, 7, f"=MAX(1,ROUND(F{r}*periods_per_year,0))", COUNT)
        r += 1
    if not ex.owned_gpus:
        g.put(r, 1, "None.", kind="note")
        r += 1
    r += 1
    g.put(r, 1, "Existing reservations (committed, not decided by the plan)", kind="section")
    r += 1
    g.header(r, 1, ["GPU", "Count", "Ends (period)", "Ends (index t)", "USD per GPU-hour"])
    r += 1
    for res in ex.reservations:
        ctx.reservation_rows.append(r)
        g.put(r, 1, res.gpu)
        g.put(r, 2, res.count, COUNT)
        g.put(r, 3, res.ends)
        g.put(r, 4, periods.index_of(res.ends), COUNT)
        g.put(r, 5, res.usd_per_hour, PRICE, is_input=True)
        r += 1
    if not ex.reservations:
        g.put(r, 1, "None.", kind="note")
        r += 1
    return r + 1


# ---------------------------------------------------------------- Plan

PLAN_COLUMNS = [
    ("Workload", 28), ("Period", 9), ("t", 5), ("Option", 34), ("Kind", 11),
    ("API or model", 24), ("GPU", 12), ("Fine-tune", 14), ("Fine-tune #", 7),
    ("Share of requests", 10), ("Requests", 14), ("Input tokens per request", 10),
    ("Cached input share", 9), ("Output tokens per request", 10), ("Quality (0-100)", 8),
    ("Price row", 26), ("API cost (USD)", 14), ("Error cost (USD)", 13), ("GPU-hours", 12),
    ("Tokens", 16), ("Discount factor", 10), ("Direct cost PV (USD)", 14),
    ("Shared GPU and staff PV (USD)", 14), ("Fine-tuning PV (USD)", 13),
    ("Attributed PV (USD)", 14),
]
PC = {name: i + 1 for i, (name, _) in enumerate(PLAN_COLUMNS)}
"""Plan column index by header."""


def _plan(ctx: _Context) -> None:
    g = ctx.sheets[PL]
    sol, data = ctx.run.solution, ctx.data
    alloc = sol.tables["allocation"]
    opts = data.options.table
    # Plain tuples: a pandas row lookup per allocation row costs more than writing it.
    by_key = {(o.workload_name, o.option): o for o in opts.itertuples(index=False)}
    gpus_per_replica = [int(x) for x in data.options.deployments["gpus_per_replica"]]
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
        g.put(r, c["t"], t)
        g.put(r, c["Option"], a.option)
        g.put(r, c["Kind"], a.kind)
        g.put(r, c["API or model"], o.api if isinstance(o.api, str) else o.model)
        g.put(r, c["GPU"], o.gpu if isinstance(o.gpu, str) else None)
        g.put(r, c["Fine-tune"], ft)
        g.put(r, c["Fine-tune #"], ft_index.get(ft, 0) if ft else 0, COUNT)
        g.put(r, c["Share of requests"], float(a.share), SHARE)
        req = ref(A, wr, ctx.pcol(t))
        g.f(r, c["Requests"], f"={local(r, c['Share of requests'])}*{req}", COUNT)
        inp = f"={ref(A, wr, 6)}"
        if ft:
            inp += f"*(1-{ref(A, ctx.ft_row[ft], 5)})"
        g.f(r, c["Input tokens per request"], inp, NUMBER)
        g.f(r, c["Cached input share"], f"={ref(A, wr, 8)}", SHARE)
        g.f(r, c["Output tokens per request"], f"={ref(A, wr, 7)}", NUMBER)
        g.put(r, c["Quality (0-100)"], float(o.quality), NUMBER)
        J, K, L, M, N = (local(r, c[k]) for k in ("Requests", "Input tokens per request",
                                                   "Cached input share",
                                                   "Output tokens per request",
                                                   "Quality (0-100)"))
        if a.kind in ("api", "api_batch"):
            pr = ctx.price_row[_price_key(o)]
            g.put(r, c["Price row"], ctx.price_label[pr])
            p_in, p_ca, p_out = (ref(A, pr, k) for k in (5, 6, 7))
            trend = ref(A, pr, ctx.pcol(t))
            g.f(r, c["API cost (USD)"],
                f"={J}*({K}*(1-{L})*{p_in}+{K}*{L}*{p_ca}+{M}*{p_out})/1000000*{trend}", USD)
        g.f(r, c["Error cost (USD)"], f"={J}*(1-{N}/100)*{ref(A, wr, 10)}", USD)
        gpr = gpus_per_replica[int(o.deployment)] if int(o.deployment) >= 0 else 0
        g.put(r, c["GPU-hours"], float(a.gpu_replica_hours) * gpr, NUMBER)
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


def _plan_range(ctx: _Context, key: str) -> str:
    return rng(PL, 2, PC[key], ctx.plan_last, PC[key])


# ---------------------------------------------------------------- Capacity

FLEET_COLUMNS = [("GPU", 14), ("Period", 9), ("t", 5), ("Bought (GPUs)", 10),
                 ("Reserved 1y signed (GPUs)", 11), ("Reserved 3y signed (GPUs)", 11),
                 ("Owned alive (GPUs)", 10), ("Reserved 1y alive (GPUs)", 10),
                 ("Reserved 3y alive (GPUs)", 10), ("On demand (GPUs)", 10),
                 ("Existing owned (GPUs)", 10), ("Existing reserved (GPUs)", 10),
                 ("Total (GPUs)", 9), ("In use (GPUs)", 9), ("Utilization", 10)]
FC = {name: i + 1 for i, (name, _) in enumerate(FLEET_COLUMNS)}


def _capacity(ctx: _Context) -> None:
    g = ctx.sheets[CA]
    tables = ctx.run.solution.tables
    fleet = tables["fleet"]
    g.header(1, 1, [n for n, _ in FLEET_COLUMNS], [w for _, w in FLEET_COLUMNS])
    keys = ["gpu", "period", "t", "bought", "reserved_1y_new", "reserved_3y_new", "owned",
            "reserved_1y", "reserved_3y", "on_demand", "existing_owned", "existing_reserved",
            "total", "in_use", "utilization"]
    r = 1
    for r, row in enumerate(fleet[keys].itertuples(index=False), start=2):
        ctx.fleet_row[(row.gpu, int(row.t))] = r
        for c, v in enumerate(row, start=1):
            g.put(r, c, v, SHARE if c == 15 else (COUNT if c > 2 else None))
    if fleet.empty:
        r = 2
        g.put(r, 1, "No GPUs: nothing is self-hosted.", kind="note")
    fleet_last = r
    r += 2

    g.put(r, 1, "Model replicas", kind="section")
    r += 1
    g.header(r, 1, ["Served model", "Base model", "GPU", "Operating point", "Period", "t",
                    "Replicas", "GPUs", "Replica-hours needed", "Busy share", "Headroom ok"])
    reps = tables["replicas"]
    for row in reps[["served", "base_model", "gpu", "point", "period", "t", "replicas", "gpus",
                     "replica_hours_needed", "busy_share", "headroom_ok"]].itertuples(index=False):
        r += 1
        for c, v in enumerate(row, start=1):
            g.put(r, c, v, SHARE if c == 10 else (NUMBER if c == 9 else
                                                  (COUNT if c in (6, 7, 8) else None)))
    if reps.empty:
        r += 1
        g.put(r, 1, "No replicas.", kind="note")
    r += 2

    g.put(r, 1, "Staff", kind="section")
    r += 1
    g.header(r, 1, ["Period", "t", "Self-hosting (1 = yes)", "Engineers employed",
                    "Engineers hired", "Engineers total"])
    for row in tables["staffing"].itertuples(index=False):
        r += 1
        ctx.staff_row[int(row.t)] = r
        g.put(r, 1, row.period)
        g.put(r, 2, int(row.t), COUNT)
        g.put(r, 3, int(bool(row.hosting)), COUNT)
        g.put(r, 4, int(row.engineers_employed), COUNT)
        g.put(r, 5, int(row.engineers_hired), COUNT)
        g.put(r, 6, int(row.engineers_total), COUNT)
    r += 2

    g.put(r, 1, "Fine-tunes", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Base", "Candidate (1 = some option needs it)",
                    "Trained (1 = yes)"])
    fts = tables.get("fine_tunes")
    if fts is not None:
        for row in fts.itertuples(index=False):
            r += 1
            ctx.trained_row[row.fine_tune] = r
            g.put(r, 1, row.fine_tune)
            g.put(r, 2, row.base)
            g.put(r, 3, int(bool(row.candidate)), COUNT)
            g.put(r, 4, int(bool(row.trained)), COUNT)
    if fts is None or fts.empty:
        r += 1
        g.put(r, 1, "No fine-tunes.", kind="note")
    g.finish(freeze="C2", filter_ref=f"A1:{col(len(FLEET_COLUMNS))}{fleet_last}")


# ---------------------------------------------------------------- Costs

COSTS_HEAD = (["Period", "t", "Year"] + [f"{CATEGORY_LABELS[k]} (USD)" for k in CATEGORIES]
              + ["Total (USD)", "Discount factor", "Present value (USD)", "",
                 "Shared (USD)", "Shared PV (USD)", "GPU-hours", "Tokens"])
COSTS_COL = {name: i + 1 for i, name in enumerate(COSTS_HEAD)}
for _i, _k in enumerate(CATEGORIES):
    COSTS_COL[_k] = 4 + _i
COSTS_COL["GPU-hours"] = COSTS_HEAD.index("GPU-hours") + 1
COSTS_COL["Tokens"] = COSTS_HEAD.index("Tokens") + 1

GPU_DETAIL = ["GPU", "Period", "t", "Purchases (USD)", "On demand (USD)", "Reserved (USD)",
              "Reserved after horizon (USD, booked in the last period)",
              "Power and facility (USD)", "Residual credit (USD, booked in the last period)"]


def _costs(ctx: _Context) -> None:
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

    tcol, total_c, df_c, pv_c = 2, COSTS_COL["Total (USD)"], COSTS_COL["Discount factor"], \
        COSTS_COL["Present value (USD)"]
    plan_t = _plan_range(ctx, "t")
    plan_kind = _plan_range(ctx, "Kind")
    for t, label in enumerate(ctx.run.solution.periods):
        r = first + t
        g.put(r, 1, label)
        g.put(r, 2, t, COUNT)
        g.f(r, 3, f"=INT(B{r}/periods_per_year)+1", COUNT)
        tt = local(r, tcol)
        f = {}
        for kind in ("api", "api_batch"):
            f[kind] = (f"=SUMIFS({_plan_range(ctx, 'API cost (USD)')},{plan_t},{tt},"
                       f"{plan_kind},\"{kind}\")")
        f["error"] = f"=SUMIFS({_plan_range(ctx, 'Error cost (USD)')},{plan_t},{tt})"

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
        sr = ctx.staff_row.get(t)
        f["staff"] = (f"={ref(CA, sr, 5)}*staff_cost_per_year/periods_per_year" if sr
                      else "=0")
        pc = PERIOD_COL0 + t  # fine-tune detail uses the same period columns as Assumptions
        f["fine_tuning"] = (f"=SUM({local(ft_first, pc, True)}:{local(ft_last, pc, True)})"
                            if ft_last >= ft_first else "=0")
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
            f"=SUMIFS({_plan_range(ctx, 'GPU-hours')},{plan_t},{tt})", NUMBER)
        g.f(r, COSTS_COL["Tokens"], f"=SUMIFS({_plan_range(ctx, 'Tokens')},{plan_t},{tt})",
            COUNT)
    tr = last + 1
    g.put(tr, 1, "Total", kind="total")
    for c in list(range(4, total_c + 1)) + [pv_c]:
        g.f(tr, c, f"=SUM({local(first, c)}:{local(last, c)})", USD, kind="total")
    ctx.name("npv_usd", ref(CO, tr, pv_c))
    ctx.name("total_cost_usd", ref(CO, tr, total_c))
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
        g.put(r, 1, y, COUNT)
        g.put(r, 2, ctx.run.solution.periods[(y - 1) * per_year])
        g.f(r, 3, f"=COUNTIF($C${first}:$C${last},A{r})", COUNT)
        g.f(r, 4, f"=SUMIFS({local(first, total_c, True)}:{local(last, total_c, True)},"
                  f"$C${first}:$C${last},A{r})", USD)
        g.f(r, 5, f"=SUMIFS({local(first, pv_c, True)}:{local(last, pv_c, True)},"
                  f"$C${first}:$C${last},A{r})", USD)
    ctx.name("cost_per_year", rng(CO, r_year + 1, 4, r_year + len(years), 4))

    chart = _category_chart(ctx, "Cost by category per period (USD)")
    g.ws.add_chart(chart, f"{col(COSTS_COL['Tokens'] + 2)}2")
    g.finish(freeze="B2", filter_ref=f"A1:{col(len(COSTS_HEAD))}{last}")
    _fill_ft_refs(ctx)


def _gpu_detail(ctx: _Context, g: Grid, r: int) -> tuple[int, int, int]:
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
        price, life, od, r1, r3, run = (ref(A, ar, c) for c in (5, 7, 2, 3, 4, 12))
        g.put(rr, 1, row.gpu)
        g.put(rr, 2, row.period)
        g.put(rr, 3, int(row.t), COUNT)
        t = local(rr, 3)
        g.f(rr, 4, f"={q['Bought (GPUs)']}*{price}", USD)
        g.f(rr, 5, f"={q['On demand (GPUs)']}*{od}*hours_per_period", USD)
        g.f(rr, 6, f"=({q['Reserved 1y alive (GPUs)']}*{r1}+{q['Reserved 3y alive (GPUs)']}"
                   f"*{r3})*hours_per_period", USD)
        g.f(rr, 7, f"=({q['Reserved 1y signed (GPUs)']}*{r1}*MAX(0,{t}+term_1y_periods"
                   f"-horizon_periods)+{q['Reserved 3y signed (GPUs)']}*{r3}*MAX(0,{t}"
                   f"+term_3y_periods-horizon_periods))*hours_per_period", USD)
        g.f(rr, 8, f"={q['Owned alive (GPUs)']}*{run}", USD)
        g.f(rr, 9, f"=IF({life}>0,-{q['Bought (GPUs)']}*{price}*MAX(0,1-(horizon_periods-{t})"
                   f"/{life}),0)", USD)
    last = first + len(fleet) - 1
    if fleet.empty:
        # A one-row empty block keeps every SUMIFS range valid.
        g.put(first, 1, "No GPUs.", kind="note")
        last = first
    return first, last, last + 2


def _ft_detail(ctx: _Context, g: Grid, r: int) -> tuple[int, int, int]:
    """Training spend per fine-tune and period: trained x cost when t is a training period."""
    fts = ctx.run.scenario.fine_tunes
    T = ctx.T
    g.put(r, 1, "Fine-tuning costs by fine-tune and period", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Trained (1 = yes)", "Tokens served", "Spend PV (USD)"])
    for t, label in enumerate(ctx.run.solution.periods):
        g.put(r, PERIOD_COL0 + t, f"{label} (USD)", kind="header")
        g.put(r - 1, PERIOD_COL0 + t, t, COUNT)  # period index for the MOD test
    first = r + 1
    for i, ft in enumerate(fts):
        rr = first + i
        ctx.ft_cost_row[ft.name] = rr
        ar = ctx.ft_row[ft.name]
        tr = ctx.trained_row.get(ft.name)
        g.put(rr, 1, ft.name)
        if tr:
            g.f(rr, 2, f"={ref(CA, tr, 4)}", COUNT)
        else:
            g.put(rr, 2, 0, COUNT)
        g.f(rr, 3, f"=SUMIFS({_plan_range(ctx, 'Tokens')},{_plan_range(ctx, 'Fine-tune #')},"
                   f"{i + 1})", COUNT)
        for t in range(T):
            c = PERIOD_COL0 + t
            g.f(rr, c, f"=$B{rr}*IF(MOD({local(r - 1, c, True)},{ref(A, ar, 4)})=0,"
                       f"{ref(A, ar, 3)},0)", USD)
        g.f(rr, 4, f"=SUMPRODUCT({local(rr, PERIOD_COL0)}:{local(rr, PERIOD_COL0 + T - 1)},"
                   f"discount_factors)", USD)
    last = first + len(fts) - 1
    if not fts:
        g.put(first, 1, "No fine-tunes.", kind="note")
    return first, last, max(first, last) + 2


def _committed(ctx: _Context, g: Grid, r: int) -> tuple[int, int]:
    """Costs of existing assets per period, as formulas; reported apart from the plan's NPV."""
    T = ctx.T
    gpus = {gpu.name: gpu for gpu in ctx.data.gpus}
    g.put(r, 1, "Committed costs of existing assets (sunk or signed; not in the plan's NPV)",
          kind="section")
    r += 1
    head = ["Period", "t", "Power and facility (USD)", "GPU reserved (USD)",
            "GPU residual value (USD)", "Staff (USD)", "Total (USD)", "Discount factor",
            "Present value (USD)"]
    g.header(r, 1, head)
    first = r + 1
    for t, label in enumerate(ctx.run.solution.periods):
        rr = first + t
        g.put(rr, 1, label)
        g.put(rr, 2, t, COUNT)
        tt = local(rr, 2)
        power, reserved, residual = [], [], []
        for orow in ctx.owned_rows:
            gname = ctx.sheets[A].ws.cell(orow, 1).value
            ar = ctx.gpu_row.get(gname)
            start, life, count = (ref(A, orow, c) for c in (4, 7, 2))
            if ar is not None and gpus[gname].purchase is not None:
                power.append(f"IF(AND({tt}>={start},{tt}<{start}+{life}),{count}*"
                             f"{ref(A, ar, 12)},0)")
            residual.append(f"{count}*{ref(A, orow, 5)}*MAX(0,1-(horizon_periods-{start})"
                            f"/{life})")
        for rrow in ctx.reservation_rows:
            reserved.append(f"IF({tt}<={ref(A, rrow, 4)},{ref(A, rrow, 2)}*{ref(A, rrow, 5)}"
                            f"*hours_per_period,0)")
        g.f(rr, 3, "=" + ("+".join(power) or "0"), USD)
        g.f(rr, 4, "=" + ("+".join(reserved) or "0"), USD)
        g.f(rr, 5, f"=IF({tt}=horizon_periods-1,-({'+'.join(residual) or '0'}),0)", USD)
        g.f(rr, 6, "=existing_engineers*staff_cost_per_year/periods_per_year", USD)
        g.f(rr, 7, f"=SUM(C{rr}:F{rr})", USD)
        g.f(rr, 8, f"={ctx.df_ref(t)}", FACTOR)
        g.f(rr, 9, f"=G{rr}*H{rr}", USD)
    tr = first + T
    g.put(tr, 1, "Total", kind="total")
    for c in range(3, 8):
        g.f(tr, c, f"=SUM({local(first, c)}:{local(tr - 1, c)})", USD, kind="total")
    g.f(tr, 9, f"=SUM(I{first}:I{tr - 1})", USD, kind="total")
    ctx.committed_total_row = tr
    ctx.name("committed_npv_usd", ref(CO, tr, 9))
    ctx.name("committed_table", rng(CO, first, 3, tr - 1, 6))
    return first, tr + 2


def _fill_ft_refs(ctx: _Context) -> None:
    """Plan rows served by a fine-tune: their share of its training spend, by tokens."""
    g = ctx.sheets[PL]
    c = PC["Fine-tuning PV (USD)"]
    for r, ft in ctx.ft_plan_rows:
        fr = ctx.ft_cost_row[ft]
        tok = ref(CO, fr, 3)
        g.f(r, c, f"=IF({tok}>0,{local(r, PC['Tokens'])}/{tok}*{ref(CO, fr, 4)},0)", USD)


def _category_chart(ctx: _Context, title: str) -> BarChart:
    ws = ctx.sheets[CO].ws
    first, last = ctx.costs_first, ctx.costs_first + ctx.T - 1
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.y_axis.title = "USD"
    chart.x_axis.title = "Period"
    chart.y_axis.numFmt = "#,##0"
    data = Reference(ws, min_col=4, max_col=3 + len(CATEGORIES), min_row=1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 11, 26
    chart.legend.position = "b"
    _show_axes(chart)
    return chart


def _show_axes(chart) -> None:
    """Axes drawn (openpyxl marks them deleted by default), period labels below the bars."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"


# ---------------------------------------------------------------- Unit economics

def _unit_economics(ctx: _Context) -> None:
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
        if rows:
            pc = PC["Attributed PV (USD)"]
            g.f(r, 6, f"=SUM({ref(PL, rows[0], pc)}:{col(pc)}${rows[1]})", USD)
        else:
            g.f(r, 6, "=0", USD)
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
                     "tokens sent to the fine-tune.", kind="note")
    ctx.name("unit_usd_per_mtok", rng(UE, 2, 7, last, 7))
    ctx.name("unit_usd_per_1k_requests", rng(UE, 2, 8, last, 8))
    g.finish(freeze="B2", filter_ref=f"A1:H{last}")


# ---------------------------------------------------------------- Strategies

def _name_column(df: pd.DataFrame) -> str | None:
    for c in ("strategy", "name"):
        if c in df.columns:
            return c
    return None


def _write_frame(g: Grid, r: int, df: pd.DataFrame) -> int:
    """A DataFrame as a header row and value rows (text stays text); returns the next row."""
    g.header(r, 1, [str(c) for c in df.columns])
    for i, c in enumerate(df.columns, start=1):
        g.width(i, max(12, min(40, len(str(c)) + 2)))
    for row in df.itertuples(index=False):
        r += 1
        for c, (name, v) in enumerate(zip(df.columns, row), start=1):
            if isinstance(v, list | tuple | dict):
                v = str(v)
            elif v is not None and not isinstance(v, str | bool) and pd.isna(v):
                v = None
            fmt = None
            if isinstance(v, int | float | np.number) and not isinstance(v, bool):
                low = str(name).lower()
                fmt = (USD_CENTS if "per_mtok" in low or "per_1k" in low
                       else USD if "usd" in low else NUMBER)
            g.put(r, c, v, fmt)
    return r + 1


def _strategies(ctx: _Context) -> None:
    g = ctx.sheets[ST]
    run = ctx.run
    g.put(1, 1, "Strategies: build versus buy (values from the strategy analysis, each "
                "strategy solved as its own plan)", kind="title")
    r = 3
    df = run.strategies
    if df is None or df.empty:
        g.put(r, 1, "Strategy comparison not computed for this run.", kind="note")
        r += 2
    else:
        g.put(r, 1, "Side by side", kind="section")
        first = r + 1
        r = _write_frame(g, first, df.reset_index(drop=True))
        name_c = _name_column(df)
        if name_c is not None:
            nc = list(df.columns).index(name_c) + 1
            for i in range(len(df)):
                ctx.strategy_rows[str(df[name_c].iat[i])] = first + 1 + i
            if "npv_usd" in df.columns:
                ctx.strategy_npv_col = list(df.columns).index("npv_usd") + 1
                chart = BarChart()
                chart.type = "bar"
                chart.title = "NPV by strategy (USD)"
                chart.y_axis.numFmt = "#,##0"
                chart.add_data(Reference(g.ws, min_col=ctx.strategy_npv_col, min_row=first,
                                         max_row=first + len(df)), titles_from_data=True)
                chart.set_categories(Reference(g.ws, min_col=nc, min_row=first + 1,
                                               max_row=first + len(df)))
                chart.height, chart.width = 7, 16
                _show_axes(chart)
                g.ws.add_chart(chart, f"{col(len(df.columns) + 2)}3")
        r += 1
    g.put(r, 1, "Break-even volumes", kind="section")
    r += 1
    if run.breakeven:
        r = _write_frame(g, r, _breakeven_table(run.breakeven)) + 1
        for b in run.breakeven:
            per_w = b.get("per_workload") or []
            if per_w:
                g.put(r, 1, f"Break-even volume per workload: {b.get('a')} against "
                            f"{b.get('b')} (first period, at the break-even scale)",
                      kind="note")
                r = _write_frame(g, r + 1, pd.DataFrame(per_w)) + 1
    else:
        g.put(r, 1, "Break-even not computed for this run.", kind="note")
        r += 2
    g.put(r, 1, "Cost versus volume (NPV per strategy and demand scale)", kind="section")
    r += 1
    curves = run.curves
    if curves is None or curves.empty:
        g.put(r, 1, "Cost-versus-volume curves not computed for this run.", kind="note")
    else:
        wide = _curves_wide(curves)
        first = r
        r = _write_frame(g, r, wide)
        if len(wide) and len(wide.columns) > 1:
            chart = LineChart()
            chart.title = "Cost versus volume: NPV by demand scale (USD)"
            chart.x_axis.title = str(wide.columns[0])
            chart.y_axis.title = "NPV (USD)"
            chart.y_axis.numFmt = "#,##0"
            chart.add_data(Reference(g.ws, min_col=2, max_col=len(wide.columns),
                                     min_row=first, max_row=first + len(wide)),
                           titles_from_data=True)
            chart.set_categories(Reference(g.ws, min_col=1, min_row=first + 1,
                                           max_row=first + len(wide)))
            chart.height, chart.width = 9, 18
            _show_axes(chart)
            g.ws.add_chart(chart, f"{col(len(wide.columns) + 2)}{first}")
    g.width(1, 24)
    g.finish(freeze="A2")


BREAKEVEN_COLUMNS = ["a", "b", "found", "kind", "scale", "requests_per_month",
                     "tokens_per_month", "cheaper_below", "cheaper_above", "message"]


def _breakeven_table(results: list[dict]) -> pd.DataFrame:
    """One row per strategy pair: the scalar answers, the known columns first."""
    rows = []
    for b in results:
        row = {}
        for k, v in b.items():
            if k == "per_workload":
                continue
            if isinstance(v, dict):
                for k2, v2 in v.items():
                    row[f"{k}.{k2}"] = v2 if not isinstance(v2, dict | list) else str(v2)
            elif isinstance(v, list):
                row[k] = ", ".join(map(str, v)) if v else None
            else:
                row[k] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    first = [c for c in BREAKEVEN_COLUMNS if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def _curves_wide(curves: pd.DataFrame) -> pd.DataFrame:
    """Long curves (strategy, scale, npv_usd) as one column per strategy; else as given."""
    name_c = _name_column(curves)
    scale_c = next((c for c in ("scale", "demand_scale", "factor") if c in curves.columns), None)
    if name_c and scale_c and "npv_usd" in curves.columns:
        wide = curves.pivot_table(index=scale_c, columns=name_c, values="npv_usd",
                                  aggfunc="first", dropna=False).sort_index()
        order = list(dict.fromkeys(curves[name_c]))
        wide = wide[[c for c in order if c in wide.columns]]
        wide.columns = [f"{c} NPV (USD)" for c in wide.columns]
        return wide.reset_index()
    return curves.reset_index(drop=True)


# ---------------------------------------------------------------- Summary

def _summary(ctx: _Context) -> None:
    g = ctx.sheets["Summary"]
    run, sol = ctx.run, ctx.run.solution
    res = sol.result
    g.put(1, 1, run.scenario.name, kind="title")
    if run.scenario.description:
        g.put(2, 1, run.scenario.description, kind="note")
    g.put(3, 1, f"Horizon {sol.periods[0]} to {sol.periods[-1]} ({ctx.T} periods); all "
                f"amounts USD.", kind="note")
    r = 5
    g.header(r, 1, ["Headline", "Value", "Note"], [44, 18, 70])
    rows = [
        ("NPV of the plan (USD)", "=npv_usd", USD,
         "Sum over periods of cost x discount factor (Costs sheet)."),
        ("Total cost, undiscounted (USD)", "=total_cost_usd", USD, "All periods, all categories."),
        ("Committed costs of existing assets, NPV (USD)", "=committed_npv_usd", USD,
         "Signed reservations, owned GPUs' running costs, employed engineers; not in the NPV."),
        ("Discount rate (per year)", "=discount_rate", SHARE, "Assumptions sheet."),
    ]
    for label, formula, fmt, note in rows:
        r += 1
        g.put(r, 1, label)
        g.f(r, 2, formula, fmt)
        g.put(r, 3, note, kind="note")
    r += 1
    g.put(r, 1, "Solver status")
    status = res.status if res.status == "optimal" else f"{res.status}: NOT PROVEN OPTIMAL"
    g.put(r, 2, status)
    gap = f"MIP gap {res.gap:.4%}" if res.gap is not None else "MIP gap n/a"
    g.put(r, 3, f"{res.solver}, {gap}, {res.seconds:.1f} s", kind="note")

    r += 1
    g.put(r, 1, "Recommended strategy")
    rec = _recommendation(ctx)
    if rec is None:
        g.put(r, 2, sol.meta.get("strategy", "hybrid"))
        g.put(r, 3, "Strategy comparison not computed: the plan is the optimum over every "
                    "option (hybrid).", kind="note")
        r += 1
        g.put(r, 1, "Savings against the best single-mode strategy (USD)")
        g.put(r, 2, "not computed")
    else:
        best, other = rec
        g.put(r, 2, best)
        g.put(r, 3, "Lowest NPV among the strategies compared (Strategies sheet).",
              kind="note")
        r += 1
        g.put(r, 1, "Savings against the best single-mode strategy (USD)")
        if other is not None:
            npv = lambda name: ref(ST, ctx.strategy_rows[name], ctx.strategy_npv_col)  # noqa: E731
            g.f(r, 2, f"={npv(other)}-{npv(best)}", USD)
            g.put(r, 3, f"Against {other}.", kind="note")
        else:
            g.put(r, 2, "no other strategy is feasible")

    r += 2
    g.put(r, 1, "Cost per year", kind="section")
    r += 1
    g.header(r, 1, ["Year (first period)", "Cost (USD)", "Present value (USD)"])
    for yr in ctx.per_year_rows:
        r += 1
        g.f(r, 1, f'="Year "&{ref(CO, yr, 1)}&" ("&{ref(CO, yr, 2)}&")"')
        g.f(r, 2, f"={ref(CO, yr, 4)}", USD)
        g.f(r, 3, f"={ref(CO, yr, 5)}", USD)
    r += 1
    g.put(r, 1, "Total", kind="total")
    g.f(r, 2, "=total_cost_usd", USD, kind="total")
    g.f(r, 3, "=npv_usd", USD, kind="total")
    chart = _category_chart(ctx, "Cost by category per period (USD)")
    g.ws.add_chart(chart, f"A{r + 2}")
    g.finish(freeze="A5")


SINGLE_MODE = ("api_only", "api_batch_cache", "self_host_only")
"""Savings are measured against the cheapest feasible of these (as tco.analysis does)."""


def _recommendation(ctx: _Context) -> tuple[str, str | None] | None:
    """(lowest-NPV strategy, best single-mode strategy to compare with) when analysed."""
    df = ctx.run.strategies
    if df is None or df.empty or not ctx.strategy_rows or not ctx.strategy_npv_col:
        return None
    name_c = _name_column(df)
    ok = df[df["npv_usd"].notna()]
    if "status" in ok.columns:
        ok = ok[ok["status"].isin(["ok", "optimal", "time_limit"])]
    if "feasible" in ok.columns:
        ok = ok[ok["feasible"].fillna(False).astype(bool)]
    if ok.empty:
        return None
    # Lowest NPV; on a tie the hybrid plan (the one this workbook details) is named.
    ok = ok.assign(_tie=(ok[name_c] != "hybrid")).sort_values(["npv_usd", "_tie"])
    best = str(ok[name_c].iat[0])
    others = ok[ok[name_c].astype(str) != best]
    single = others[others[name_c].isin(SINGLE_MODE)]
    pool = single if not single.empty else others
    return best, (str(pool[name_c].iat[0]) if not pool.empty else None)


# ---------------------------------------------------------------- Method

def _method(ctx: _Context) -> None:
    g = ctx.sheets["Method"]
    sol = ctx.run.solution
    snap = sol.meta.get("prices_snapshot", {}) or dict(ctx.run.resolved.prices_snapshot)
    g.width(1, 30)
    g.width(2, 120)
    lines = [
        ("How this workbook computes", None),
        ("Decisions and money", "The optimizer's decisions (shares per option, GPUs bought, "
         "reserved and rented, replicas, engineers hired, fine-tunes trained) are values on "
         "Plan and Capacity. Every amount of money is a formula over Assumptions and those "
         "quantities: change an input and the costs recompute for the same plan. A changed "
         "input does not re-optimize the plan; run tco again for that."),
        ("Periods", "A quarter is 2190 hours (8760 / 4), a month 730; costs are booked in the "
         "period they are paid."),
        ("NPV", "NPV = sum over periods t of cost(t) x (1 + discount rate)^(-t / periods per "
         "year). The first period is undiscounted (cash flows are discounted from the start of "
         "their period)."),
        ("API cost", "requests x (input tokens x (1 - cached share) x input price + input "
         "tokens x cached share x cached price + output tokens x output price) / 1e6 x (1 + "
         "price trend)^years. Batch APIs use the provider's batch prices for every token "
         "kind; a fine-tune's shorter prompt reduces input tokens by its input token "
         "reduction."),
        ("GPUs on demand", "GPUs rented x USD per GPU-hour x hours per period."),
        ("Reserved terms", "A commitment of 1 or 3 years is paid for every period of its term, "
         "used or not: GPUs under commitment x USD per GPU-hour x hours per period. The part "
         "of a term running past the horizon is booked in the last period (category GPU "
         "reserved after horizon), so the plan carries the whole commitment it signs."),
        ("Owned GPUs and depreciation", "The purchase price is paid in the period bought "
         "(GPU purchases). While alive (life in periods = life in years x periods per year, "
         "rounded) each GPU costs power_kw x (facility USD per kW-month x months + electricity "
         "USD per kWh x PUE x hours) per period."),
        ("Residual value", "Straight-line depreciation over the life: a GPU bought in period s "
         "keeps a book value of price x max(0, 1 - (periods in horizon - s) / life in periods) "
         "at the horizon end, credited (negative) in the last period."),
        ("Staff", "Engineers hired beyond those employed x cost per year / periods per year. "
         "Employed engineers are committed costs."),
        ("Fine-tuning", "A trained fine-tune costs its training cost at the first period and "
         "every 'retrain every' periods after."),
        ("Expected errors", "requests x (1 - quality / 100) x cost of one bad answer."),
        ("Committed costs", "Existing owned GPUs (running costs while alive, residual book "
         "value), signed reservations and employed engineers are reported apart (Costs sheet) "
         "and are not in the plan's NPV."),
        ("Unit economics", "Levelised: present value of the costs a workload causes over the "
         "present value of its tokens (or requests)."),
        ("", None),
        ("Data sources", None),
        ("API price snapshot", f"{snap.get('source', '-')} version {snap.get('version', '-')}"
         f", dated {snap.get('date', '-')}"),
        ("Scenario files", ", ".join(ctx.run.files) or "(given in memory)"),
        ("Price sources", "Each API price row names its source on the Assumptions sheet; GPU "
         "prices and throughputs come from the scenario or tco's catalog."),
        ("Solver", f"{sol.result.solver}: status {sol.result.status}, termination "
         f"{sol.result.termination}."),
    ]
    for r, (label, text) in enumerate(lines, start=1):
        if text is None:
            g.put(r, 1, label, kind="section")
        else:
            g.put(r, 1, label)
            g.put(r, 2, text, kind="wrap")
    g.put(len(lines) + 2, 1, "Prices snapshot date")
    g.put(len(lines) + 2, 2, snap.get("date", "-"))
    ctx.name("prices_snapshot_date", ref("Method", len(lines) + 2, 2))
    g.finish()
