"""The Assumptions sheet: every input that prices the plan, as blue input cells and defined names.

"""

from __future__ import annotations

from tco.report.workbook.columns import (
    ASSUMPTIONS as A,
)
from tco.report.workbook.columns import (
    PERIOD_COL0,
    price_key,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    COUNT,
    FACTOR,
    NUMBER,
    PRICE,
    SHARE,
    USD,
    USD_CENTS,
    Grid,
    col,
    local,
    name_token,
    ref,
    rng,
)


def write(ctx: Context) -> None:
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
        ("Periods per year", periods.per_year, "periods (the layout; as solved)",
         "periods_per_year", COUNT, False),
        ("Hours per period", "=8760/periods_per_year", "hours (8760 / periods per year)",
         "hours_per_period", NUMBER, False),
        ("Months per period", "=12/periods_per_year", "months", "months_per_period", NUMBER,
         False),
        ("Periods in the horizon", T, "periods (the layout; as solved)", "horizon_periods",
         COUNT, False),
        ("End of horizon: commitments in full, no residual credit (1 = conservative, "
         "0 = pro rata)", int(s.finance.end_of_horizon == "conservative"), "0 or 1",
         "end_of_horizon_conservative", COUNT, True),
        ("Salary escalation per year", s.finance.escalation_per_year.salaries,
         "per year, compounded per period (default 0)", "salary_escalation", SHARE, True),
        ("Electricity price escalation per year", s.finance.escalation_per_year.power,
         "per year, compounded per period (default 0)", "power_escalation", SHARE, True),
        ("Facility price escalation per year", s.finance.escalation_per_year.facility,
         "per year, compounded per period (default 0)", "facility_escalation", SHARE, True),
        ("Currency", s.finance.currency, "", None, None, False),
    ]
    r += 2
    for label, value, unit, name, fmt, is_input in general:
        g.put(r, 1, label)
        if isinstance(value, str) and value.startswith("="):
            g.f(r, 2, value, fmt)
        else:
            g.put(r, 2, value, fmt, is_input=is_input, role=None if is_input else "solved",
                  source="scenario")
        g.put(r, 3, unit)
        if name:
            g.put(r, 4, name)
            ctx.name(name, ref(A, r, 2))
        r += 1
    g.put(r, 1, "One period's discount factor")
    g.f(r, 2, "=(1+discount_rate)^(-1/periods_per_year)", FACTOR)
    g.put(r, 3, "(1 + rate)^(-1 / periods per year)")
    g.put(r, 4, "period_discount")
    ctx.name("period_discount", ref(A, r, 2))
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
        g.put(r + 1, c, t, COUNT, role="label")
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
    r = _assumptions_quality(ctx, g, r)
    r = _assumptions_serving(ctx, g, r)
    r = _assumptions_policy(ctx, g, r)
    g.finish(freeze="B4")


def _assumptions_workloads(ctx: Context, g: Grid, r: int) -> int:
    s, data, T = ctx.run.scenario, ctx.data, ctx.T
    g.put(r, 1, "Workloads", kind="section")
    g.put(r, 4, "Requests per period = requests per month x (1 + growth)^years x months per "
                "period (or the per-period list given in the scenario).", kind="note")
    r += 1
    labels = ["Workload", "Task", "Latency", "Requests per month (first period)",
              "Growth per year", "Input tokens per request", "Output tokens per request",
              "Cached input share", "Peak to average", "Error cost (USD per bad answer)",
              "Minimum quality (0-100)", "Tokens per request",
              "Cache writes (share of requests = 1 / cache_reuse)"]
    g.header(r, 1, labels)
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
        if listed:
            g.f(rr, 4, f"={local(rr, ctx.pcol(0))}/months_per_period", COUNT)
            g.put(rr, 5, "per-period list")
        else:
            g.put(rr, 4, w.requests_per_month, COUNT, is_input=True)
            g.put(rr, 5, w.growth_per_year, SHARE, is_input=True)
        g.put(rr, 6, w.input_tokens, COUNT, is_input=True)
        g.put(rr, 7, w.output_tokens, COUNT, is_input=True)
        g.put(rr, 8, w.cached_input_share, SHARE, is_input=True)
        g.put(rr, 9, w.peak_to_average, NUMBER, is_input=True)
        g.put(rr, 10, w.error_cost_usd, USD_CENTS, is_input=True)
        g.put(rr, 11, w.min_quality, NUMBER, is_input=True)
        g.f(rr, 12, f"={local(rr, 6)}+{local(rr, 7)}", COUNT)
        g.put(rr, 13, 1.0 / w.cache_reuse if w.cache_reuse else 0.0, SHARE, is_input=True)
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
                    (10, "wl_error_cost_usd"), (13, "wl_cache_write_share")):
        ctx.name(name, rng(A, first, c, last, c))
    ctx.name("wl_requests", rng(A, first, ctx.pcol(0), last, ctx.pcol(T - 1)))
    g.width(4, 16)
    return last + 2


def _assumptions_prices(ctx: Context, g: Grid, r: int) -> int:
    table = ctx.data.options.table
    apis = {a.id: a for a in ctx.run.resolved.apis}
    keys: dict[tuple, None] = {}
    for row in table.itertuples(index=False):
        if row.kind in ("api", "api_batch"):
            keys.setdefault(price_key(row), None)
    g.put(r, 1, "API prices (USD per 1M tokens)", kind="section")
    g.put(r, 4, "Per option used by the plan's candidates. Period columns: price trend factor "
                "(1 + trend)^years.", kind="note")
    r += 1
    g.header(r, 1, ["Price row", "API", "Provider", "Mode", "Input (USD/1M)",
                    "Cached input (USD/1M)", "Output (USD/1M)", "Price trend per year",
                    "Source", "Defined name (output)", "Cache write (USD/1M)"])
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
        api_id, mode, p_in, p_cached, p_out, trend, p_write = k
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
        g.put(rr, 5, p_in, PRICE, is_input=True, source=source)
        g.put(rr, 6, p_cached, PRICE, is_input=True, source=source)
        g.put(rr, 7, p_out, PRICE, is_input=True, source=source)
        g.put(rr, 8, trend, SHARE, is_input=True, source="scenario")
        g.put(rr, 9, source)
        g.put(rr, 11, p_write, PRICE, is_input=True)
        base = f"price_{name_token(api_id)}_{name_token(mode)}"
        for c, suffix in ((5, "input"), (6, "cached"), (7, "output"), (8, "trend"),
                          (11, "cache_write")):
            n = ctx.name(f"{base}_{suffix}", ref(A, rr, c))
            if suffix == "output":
                g.put(rr, 10, n)
        for t in range(ctx.T):
            c = ctx.pcol(t)
            g.f(rr, c, f"=(1+$H{rr})^{col(c)}${ctx.row_years}", FACTOR)
    last = max(first, first + len(keys) - 1)
    for c, name in ((5, "api_price_input"), (6, "api_price_cached"), (7, "api_price_output"),
                    (8, "api_price_trend"), (11, "api_price_cache_write")):
        ctx.name(name, rng(A, first, c, last, c))
    return last + 2


def _assumptions_gpus(ctx: Context, g: Grid, r: int) -> int:
    g.put(r, 1, "GPU prices by procurement mode", kind="section")
    r += 1
    g.header(r, 1, ["GPU", "On demand (USD/GPU-hour)", "Reserved 1y (USD/GPU-hour)",
                    "Reserved 3y (USD/GPU-hour)", "Purchase price (USD/GPU)", "Life (years)",
                    "Life (periods)", "Power (kW/GPU)", "Facility (USD/kW-month)",
                    "Electricity (USD/kWh)", "PUE",
                    "Power and facility (USD/GPU-period, first period)",
                    "Lead time (periods)", "Resale: market value decline per year",
                    "Support and maintenance (share of price a year)",
                    "Software licences (USD/GPU-year)",
                    "Networking and storage (USD/GPU-year)"])
    first = r + 1
    for i, gpu in enumerate(ctx.data.gpus):
        rr = first + i
        ctx.gpu_row[gpu.name] = rr
        p = gpu.purchase
        g.put(rr, 1, gpu.name)
        src = gpu.sources.get
        g.put(rr, 2, gpu.on_demand_usd_per_hour, PRICE, is_input=True,
              source=src("on_demand_usd_per_hour", ""))
        g.put(rr, 3, gpu.reserved_usd_per_hour.get("1y"), PRICE, is_input=True,
              source=src("reserved_usd_per_hour.1y", src("reserved_usd_per_hour", "")))
        g.put(rr, 4, gpu.reserved_usd_per_hour.get("3y"), PRICE, is_input=True,
              source=src("reserved_usd_per_hour.3y", src("reserved_usd_per_hour", "")))
        if p is not None:
            g.put(rr, 5, p.price_usd, USD, is_input=True, source=src("purchase.price_usd", ""))
            g.put(rr, 6, p.life_years, NUMBER, is_input=True,
                  source=src("purchase.life_years", ""))
            g.f(rr, 7, f"=MAX(1,ROUND(F{rr}*periods_per_year,0))", COUNT)
            g.put(rr, 8, p.power_kw, NUMBER, is_input=True, source=src("purchase.power_kw", ""))
            g.put(rr, 9, p.facility_usd_per_kw_month, USD_CENTS, is_input=True,
                  source=src("purchase.facility_usd_per_kw_month", ""))
            g.put(rr, 10, p.electricity_usd_per_kwh, PRICE, is_input=True,
                  source=src("purchase.electricity_usd_per_kwh", ""))
            g.put(rr, 11, p.pue, NUMBER, is_input=True, source=src("purchase.pue", ""))
            g.f(rr, 12, f"=H{rr}*(I{rr}*months_per_period+J{rr}*K{rr}*hours_per_period)", USD)
            # Blank: credited at book value at the horizon end (tco.report.workbook.horizon).
            g.put(rr, 14, p.resale_decline_per_year, SHARE, is_input=True,
                  source=src("purchase.resale.decline_per_year",
                             "blank: book value (no purchase.resale)"))
        for c, fname, fmt in ((15, "support_share_per_year", SHARE),
                              (16, "software_usd_per_gpu_year", USD),
                              (17, "network_storage_usd_per_gpu_year", USD)):
            g.put(rr, c, getattr(gpu, fname), fmt, is_input=True, source=src(fname, ""))
        g.put(rr, 13, gpu.lead_time_periods, COUNT, is_input=True,
              source="scenario" if gpu.lead_time_periods else
              "default 0 (assumption: delivered within the period ordered)")
        base = f"gpu_{name_token(gpu.name)}"
        for c, suffix in ((2, "on_demand"), (3, "reserved_1y"), (4, "reserved_3y"),
                          (5, "price"), (7, "life_periods"), (12, "running_per_period"),
                          (13, "lead_periods")):
            ctx.name(f"{base}_{suffix}", ref(A, rr, c))
    last = max(first, first + len(ctx.data.gpus) - 1)
    if not ctx.data.gpus:
        g.put(first, 1, "No GPU in the plan's candidates.", kind="note")
    for c, name in ((2, "gpu_on_demand_usd_per_hour"), (3, "gpu_reserved_1y_usd_per_hour"),
                    (4, "gpu_reserved_3y_usd_per_hour"), (5, "gpu_purchase_usd"),
                    (12, "gpu_running_usd_per_period")):
        ctx.name(name, rng(A, first, c, last, c))
    return last + 2


def _assumptions_staff(ctx: Context, g: Grid, r: int) -> int:
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
    ops = getattr(ctx.run.resolved, "api_operations", (0.0, 0.0))
    ops_src = getattr(ctx.run.resolved, "api_operations_sources", {})
    items += [("API engineering and operations per provider used", ops[0], USD,
               "USD per year (sizes the plan)", "api_ops_per_provider",
               ops_src.get("usd_per_provider_per_year", "scenario")),
              ("API engineering and operations per workload on an API", ops[1], USD,
               "USD per year (sizes the plan)", "api_ops_per_workload",
               ops_src.get("usd_per_workload_per_year", "scenario"))]
    r += 2
    for label, value, fmt, unit, name, src in items:
        g.put(r, 1, label)
        g.put(r, 2, value, fmt, is_input=True,
              source=src if isinstance(src, str) else "scenario")
        g.put(r, 3, unit)
        g.put(r, 4, name)
        ctx.name(name, ref(A, r, 2))
        r += 1
    return r + 1


def _assumptions_fine_tunes(ctx: Context, g: Grid, r: int) -> int:
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
        g.put(rr, 5, ft.input_token_reduction, SHARE, is_input=True)
        g.put(rr, 6, ", ".join(ft.workloads))
        ctx.name(f"ft_{name_token(ft.name)}_training_cost", ref(A, rr, 3))
    if not fts:
        g.put(first, 1, "No fine-tunes in the scenario.", kind="note")
    last = max(first, first + len(fts) - 1)
    ctx.name("ft_training_cost_usd", rng(A, first, 3, last, 3))
    return last + 2


def _assumptions_existing(ctx: Context, g: Grid, r: int) -> int:
    ex = ctx.run.scenario.existing
    periods = ctx.data.periods
    g.put(r, 1, "Existing owned GPUs (committed, not decided by the plan)", kind="section")
    r += 1
    g.header(r, 1, ["GPU", "Count", "Bought (period)", "Serves from (index t)",
                    "Price paid (USD/GPU)", "Life (years)", "Life (periods)"])
    r += 1
    for o in ex.owned_gpus:
        ctx.owned_rows.append(r)
        g.put(r, 1, o.gpu)
        g.put(r, 2, o.count, COUNT, is_input=True, source="scenario (existing)")
        g.put(r, 3, o.bought)
        g.put(r, 4, periods.index_of(o.serves_from or o.bought), COUNT, role="label")
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
    g.header(r, 1, ["GPU", "Count", "Ends (period)", "Ends (index t)", "USD per GPU-hour",
                    "Starts (index t)"])
    r += 1
    for res in ex.reservations:
        ctx.reservation_rows.append(r)
        g.put(r, 1, res.gpu)
        g.put(r, 2, res.count, COUNT, is_input=True, source="scenario (existing)")
        g.put(r, 3, res.ends)
        g.put(r, 4, periods.index_of(res.ends), COUNT, role="label")
        g.put(r, 5, res.usd_per_hour, PRICE, is_input=True)
        g.put(r, 6, periods.index_of(res.starts) if res.starts else 0, COUNT, role="label")
        r += 1
    if not ex.reservations:
        g.put(r, 1, "None.", kind="note")
        r += 1
    return r + 1


def quality_key(o, task: str, scenario=None) -> tuple:
    """The quality row an option reads: API or served model (or cascade), fine-tune, task,
    score before any lever's adjustment (tco.report.workbook.levers)."""
    from tco.report.workbook.levers import base_quality

    name, q = base_quality(o, scenario) if scenario is not None else (
        o.api if isinstance(o.api, str) else o.model, float(o.quality))
    ft = o.fine_tune if isinstance(o.fine_tune, str) else ""
    return (str(name), ft, task, float(q))


def _assumptions_quality(ctx: Context, g: Grid, r: int) -> int:
    """One row per quality score an option in the plan's candidates uses."""
    s = ctx.run.scenario
    task = {i: w.task for i, w in enumerate(s.workloads)}
    models = {m.name: m for m in ctx.run.resolved.models}
    g.put(r, 1, "Quality scores (0-100) of the candidates", kind="section")
    g.put(r, 4, "Expected errors = requests x (1 - quality / 100) x error cost. A changed score "
                "reprices errors; which options qualify changes only on a new run.", kind="note")
    r += 1
    g.header(r, 1, ["API or model", "Fine-tune", "Task", "Quality (0-100)", "Source"])
    rr = r
    for o in ctx.data.options.table.itertuples(index=False):
        k = quality_key(o, task[int(o.workload)], s)
        if k in ctx.quality_row:
            continue
        rr += 1
        ctx.quality_row[k] = rr
        name, ft, tk, q = k
        m = models.get(name) or models.get(str(o.model))
        src = "scenario (apis: quality)"
        if isinstance(o.model, str) and m is not None:
            src = m.sources.get(f"quality.{tk}", "scenario")
        if ft:
            src += "; plus the fine-tune's quality uplift (scenario)"
        g.put(rr, 1, name)
        g.put(rr, 2, ft or None)
        g.put(rr, 3, tk)
        g.put(rr, 4, q, NUMBER, is_input=True, source=src)
        g.put(rr, 5, src)
    if rr == r:
        rr += 1
        g.put(rr, 1, "No candidates.", kind="note")
    return rr + 2


def _assumptions_serving(ctx: Context, g: Grid, r: int) -> int:
    """Per deployment (served model, GPU, operating point): GPUs per replica and throughput."""
    deps = ctx.data.options.deployments
    models = {m.name: m for m in ctx.run.resolved.models}
    g.put(r, 1, "Serving: replicas of each self-hosted model", kind="section")
    g.put(r, 4, "Replica-hours = requests x (input x (1 - cached) / prefill + output / decode) "
                "/ 3600 x peak to average (not for batch workloads).", kind="note")
    r += 1
    g.header(r, 1, ["Served model", "Base model", "GPU", "Operating point", "GPUs per replica",
                    "Prefill (tokens/s per replica)", "Decode (tokens/s per replica)",
                    "Source"])
    rr = r
    for d in range(len(deps)):
        rr += 1
        ctx.serving_row[d] = rr
        base, gpu, point = (str(deps[k].iat[d]) for k in ("base_model", "gpu", "point"))
        m = models.get(base)
        serving = m.serving.get(gpu) if m is not None else None
        op = getattr(serving, point, None) if serving is not None else None
        src = m.sources.get(f"serving.{gpu}", "scenario") if m is not None else "scenario"
        g.put(rr, 1, str(deps["served"].iat[d]))
        g.put(rr, 2, base)
        g.put(rr, 3, gpu)
        g.put(rr, 4, point)
        g.put(rr, 5, int(deps["gpus_per_replica"].iat[d]), COUNT, is_input=True, source=src)
        if op is not None:
            g.put(rr, 6, op.prefill_tokens_per_s, COUNT, is_input=True, source=src)
            g.put(rr, 7, op.decode_tokens_per_s, COUNT, is_input=True, source=src)
        g.put(rr, 8, src)
    if rr == r:
        rr += 1
        g.put(rr, 1, "Nothing self-hosted among the candidates.", kind="note")
    return rr + 2


POLICY = (
    ("Utilization target", "utilization_target", SHARE,
     "Replicas are sized so that the replica-hours needed in a period (at peak: demand x peak "
     "to average, except batch workloads) are at most this share of the replicas' hours."),
    ("Minimum replicas", "min_replicas", COUNT,
     "A model serving interactive or standard traffic keeps at least this many replicas in "
     "every period it serves (availability); 1 = no floor beyond what demand needs."),
)


def _assumptions_policy(ctx: Context, g: Grid, r: int) -> int:
    """The limits that shaped the plan, each with what it means in the model."""
    s = ctx.run.scenario
    g.put(r, 1, "Policy limits (shape the plan; a change takes a new run)", kind="section")
    r += 1
    g.header(r, 1, ["Limit", "Value", "Defined name", "What the model does with it"])
    for label, name, fmt, meaning in POLICY:
        r += 1
        g.put(r, 1, label)
        g.put(r, 2, getattr(s.capacity, name), fmt, is_input=True, source="scenario")
        g.put(r, 3, name)
        g.put(r, 4, meaning)
        ctx.name(name, ref(A, r, 2))
    for label, text in policy_limits(ctx):
        r += 1
        g.put(r, 1, label)
        g.put(r, 4, text)
    return r + 2


def policy_limits(ctx: Context) -> list[tuple[str, str]]:
    """The scenario's caps, in the words of the model's constraints."""
    from tco.report.limits import describe_limits

    return [(k, v) for k, v in describe_limits(ctx.run.scenario, ctx.data.gpus)
            if k not in ("Utilization target", "Minimum replicas")]
