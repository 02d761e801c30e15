"""The Levers sheet: prompt variants, response caches and cascade stages as inputs, the plan's
adoption decisions as values, and each lever's cost per period as formulas (tco.model.levers):

    variant cost[t] = engineering x (adopted[t] - adopted[t-1]) + running per month x months
                      x adopted[t]
    cache cost[t]   = fixed per month x months x adopted[t]
                      + lookup per 1k / 1000 x requests of the plan rows using the cache in t

Plan rows restate a lever option's API cost from these inputs (`plan_overrides`): a variant's
tokens, a cache's (1 - hit rate) on LLM spend, a cascade's stages each on the share of requests
reaching it. The Costs sheet's Levers column sums the cost rows.
"""

from __future__ import annotations

from tco.report.workbook.columns import ASSUMPTIONS as A
from tco.report.workbook.columns import LEVERS as LV
from tco.report.workbook.columns import PC
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    COUNT,
    NUMBER,
    PRICE,
    SHARE,
    USD,
    USD_CENTS,
    local,
    ref,
    rng,
)
from tco.scenario.schema import EscalationRange

STAGE_HEAD = ["Cascade", "Workload", "Stage", "API or model", "GPU", "Escalates to next",
              "Extra input tokens", "Output tokens", "Input price (USD/1M)",
              "Cached input price (USD/1M)", "Output price (USD/1M)", "Price trend per year",
              "Cache-write price (USD/1M)"]


def write_inputs(ctx: Context) -> None:
    """The lever inputs, before the Plan sheet refers to them."""
    g = ctx.sheets[LV]
    s = ctx.run.scenario
    g.put(1, 1, "Levers: prompt variants, response caches and cascades", kind="title")
    g.put(2, 1, "Blue cells are inputs; adoption (1 = in use) is the plan's decision; costs are"
                " formulas.", kind="note")
    for c, w in enumerate([26, 18, 12, 30, 12, 14, 12, 12, 12, 12, 12, 12, 12], start=1):
        g.width(c, w)
    for t in range(ctx.T):
        g.width(4 + t, 12)
    r = 4
    g.put(r, 1, "Prompt variants", kind="section")
    g.header(r + 1, 1, ["Workload", "Variant", "Input tokens", "Output tokens",
                        "Quality change (points)", "Engineering cost (USD)",
                        "Running cost (USD per month)"])
    r += 2
    for w in s.workloads:
        for v in w.prompt_variants:
            ctx.variant_row[(w.name, v.name)] = r
            g.put(r, 1, w.name)
            g.put(r, 2, v.name)
            g.put(r, 3, v.input_tokens if v.input_tokens is not None else w.input_tokens,
                  NUMBER, is_input=True)
            g.put(r, 4, v.output_tokens if v.output_tokens is not None else w.output_tokens,
                  NUMBER, is_input=True)
            g.put(r, 5, v.quality_change, NUMBER, is_input=True)
            g.put(r, 6, v.engineering_cost_usd, USD, is_input=True)
            g.put(r, 7, v.running_cost_usd_per_month, USD, is_input=True)
            r += 1
    r += 1
    g.put(r, 1, "Response caches", kind="section")
    g.header(r + 1, 1, ["Workload", "Kind", "Hit rate", "Quality penalty (points)",
                        "Fixed cost (USD per month)", "Lookup cost (USD per 1k requests)"])
    r += 2
    for w in s.workloads:
        c = w.response_cache
        if c is None:
            continue
        ctx.cache_row[w.name] = r
        g.put(r, 1, w.name)
        g.put(r, 2, c.kind)
        g.put(r, 3, c.hit_rate, SHARE, is_input=True)
        g.put(r, 4, c.quality_penalty, NUMBER, is_input=True)
        g.put(r, 5, c.fixed_cost_usd_per_month, USD, is_input=True)
        g.put(r, 6, c.lookup_cost_usd_per_1k_requests, USD_CENTS, is_input=True)
        r += 1
    r += 1
    g.put(r, 1, "Cascade stages (each stage serves the share of requests reaching it)",
          kind="section")
    g.header(r + 1, 1, STAGE_HEAD)
    r += 2
    ctx.levers_next_row = _stages(ctx, g, r)


def _stages(ctx: Context, g, r: int) -> int:
    """One row per (cascade, workload, stage) the plan uses; API prices from Assumptions where
    the plan prices the same API there, else inputs here."""
    s = ctx.run.scenario
    used = ctx.run.solution.tables["allocation"]
    if "cascade" not in used:
        return r
    apis = {a.id: a for a in ctx.run.resolved.apis}
    pairs = sorted({(c, w) for c, w in zip(used["cascade"], used["workload"])
                    if isinstance(c, str)})
    specs = {c.name: c for c in s.cascades}
    inputs = {w.name: w.input_tokens for w in s.workloads}
    for cname, wname in pairs:
        for k, st in enumerate(specs[cname].stages):
            ctx.stage_row[(cname, wname, k)] = r
            g.put(r, 1, cname)
            g.put(r, 2, wname)
            g.put(r, 3, k + 1, COUNT)
            g.put(r, 4, st.api or st.model)
            g.put(r, 5, st.gpu)
            if isinstance(st.escalate, EscalationRange):
                g.put(r, 6, "per Plan row")
            elif st.escalate is not None:
                g.put(r, 6, st.escalate, SHARE, is_input=True)
            g.put(r, 7, st.extra_input_tokens, NUMBER, is_input=True)
            if st.output_tokens is not None:
                g.put(r, 8, st.output_tokens, NUMBER, is_input=True)
            if st.api is not None:
                api = apis[st.api]
                mode = "batch" if st.batch else "realtime"
                p = api.prices(inputs[wname] + st.extra_input_tokens, mode)
                pr = _price_row(ctx, api, mode, p)
                # Assumptions price columns: input 5, cached 6, output 7, write 11; trend as is.
                for c, v, ac in ((9, p.input, 5), (10, p.cached_input, 6), (11, p.output, 7),
                                 (12, api.price_trend_per_year, None), (13, p.write, 11)):
                    fmt = SHARE if c == 12 else PRICE
                    if pr is not None and ac is not None:
                        g.f(r, c, f"={ref(A, pr, ac)}", fmt)
                    else:
                        g.put(r, c, v, fmt, is_input=True)
            r += 1
    return r


def _price_row(ctx: Context, api, mode: str, p) -> int | None:
    """The Assumptions row pricing the same API, mode and prices, if the plan has one."""
    for key, row in ctx.price_row.items():
        if key[0] == api.id and key[1] == mode and tuple(key[2:5]) == (
                float(p.input), float(p.cached_input), float(p.output)):
            return row
    return None


def plan_overrides(ctx: Context, o, a, r: int, t: int) -> dict[str, str]:
    """Formulas replacing the ordinary ones on a Plan row that uses a lever (empty if none)."""
    out: dict[str, str] = {}
    J, K, L, M = (local(r, PC[k]) for k in ("Requests", "Input tokens per request",
                                            "Cached input share", "Output tokens per request"))
    variant = o.variant if isinstance(getattr(o, "variant", None), str) else None
    if variant:
        vr = ctx.variant_row[(a.workload, variant)]
        inp = f"={ref(LV, vr, 3)}"
        ft = o.fine_tune if isinstance(o.fine_tune, str) else None
        if ft:
            inp += f"*(1-{ref(A, ctx.ft_row[ft], 5)})"
        out["Input tokens per request"] = inp
        out["Output tokens per request"] = f"={ref(LV, vr, 4)}"
    if isinstance(getattr(o, "cascade", None), str):
        out["API cost (USD)"] = _cascade_cost(ctx, o, a, r, t, J, K, L, M)
        hours = _cascade_hours(ctx, o, a, r, J, K, L, M)
        if hours:
            out["Replica-hours"] = hours
        spec = next(c for c in ctx.run.scenario.cascades if c.name == o.cascade)
        models = [k for k, st in enumerate(spec.stages) if st.model is not None]
        if len(models) > 1:
            ctx.further_stage_rows.append((r, o, a, models[1:]))
    return out


def base_quality(o, scenario) -> tuple[str, float]:
    """(what is scored, its score) behind option row `o`: a variant's quality change and a
    cache's semantic-hit penalty taken off again; a cascade scores as itself."""
    if isinstance(getattr(o, "cascade", None), str):
        esc = getattr(o, "escalation", None)
        name = f"cascade:{o.cascade}" + ("" if esc is None or esc != esc
                                         else f" at {esc:.4g} escalated (interpolated)")
        return name, float(o.quality)
    q = float(o.quality)
    w = scenario.workloads[int(o.workload)]
    if isinstance(getattr(o, "variant", None), str):
        q -= next(v.quality_change for v in w.prompt_variants if v.name == o.variant)
    if bool(getattr(o, "cache", False)):
        q += w.response_cache.hit_rate * w.response_cache.quality_penalty
    return (o.api if isinstance(o.api, str) else o.model), q


def quality_adjust(ctx: Context, o, a) -> str:
    """`+change` of a prompt variant and `-hit rate x penalty` of a cache, as formula text."""
    out = ""
    if isinstance(getattr(o, "variant", None), str):
        out += f"+{ref(LV, ctx.variant_row[(a.workload, o.variant)], 5)}"
    if bool(getattr(o, "cache", False)):
        cr = ctx.cache_row[a.workload]
        out += f"-{ref(LV, cr, 3)}*{ref(LV, cr, 4)}"
    return out


def cache_factor(ctx: Context, o, a) -> str:
    """`*(1-hit rate)` for a row whose requests first go through a response cache, else ''."""
    if not bool(getattr(o, "cache", False)):
        return ""
    return f"*(1-{ref(LV, ctx.cache_row[a.workload], 3)})"


def _cascade_cost(ctx: Context, o, a, r: int, t: int, J, K, L, M) -> str:
    terms = stage_terms(ctx, o, a, r, t, J, K, L, M)
    return f"={J}*(" + ("+".join(terms.values()) or "0") + ")"


def stage_terms(ctx: Context, o, a, r: int, t: int, J, K, L, M, cell=local,
                prices: dict | None = None) -> dict[int, str]:
    """Per API stage k of a cascade Plan row r: formula text of its cost per request of the
    workload (reach x tokens x prices / 1e6 x trend; times J, the row's requests, it is the
    stage's spend). `cell(r, c)` writes a Plan cell (`local` on the Plan sheet); `prices`
    replaces a stage's (input, cached input, output) price cells per stage k, writes at the
    input price (a tariff's per-API prices)."""
    spec = next(c for c in ctx.run.scenario.cascades if c.name == o.cascade)
    w_share = ref(A, ctx.wl_row[a.workload], 13)  # one request in cache_reuse writes the prefix
    terms = {}
    for k, st in enumerate(spec.stages):
        if st.api is None:
            continue
        sr = ctx.stage_row[(o.cascade, a.workload, k)]
        extra = ref(LV, sr, 7)
        out_tok = ref(LV, sr, 8) if st.output_tokens is not None else M
        p_in, p_ca, p_out, trend, p_wr = (ref(LV, sr, c) for c in (9, 10, 11, 12, 13))
        if prices is not None and k in prices:
            p_in, p_ca, p_out = prices[k]
            p_wr = p_in
        terms[k] = (f"{_reach(ctx, spec, o, a, r, k, cell)}*(({K}+{extra}-{K}*{L})*{p_in}"
                    f"+{K}*{L}*((1-{w_share})*{p_ca}+{w_share}*{p_wr})+{out_tok}*{p_out})"
                    f"/1000000*(1+{trend})^({t}/periods_per_year)")
    return terms


def _reach(ctx: Context, spec, o, a, r: int, upto: int, cell=local) -> str:
    """Formula text: the share of requests reaching stage `upto` (0-based)."""
    reach = "1"
    for k, st in enumerate(spec.stages[:upto]):
        if isinstance(st.escalate, EscalationRange):
            reach += f"*{cell(r, PC['Escalation'])}"
        else:
            reach += f"*{ref(LV, ctx.stage_row[(o.cascade, a.workload, k)], 6)}"
    return reach


def _cascade_hours(ctx: Context, o, a, r: int, J, K, L, M) -> str | None:
    """Replica-hours of the cascade's first self-hosted stage, on the share reaching it."""
    spec = next(c for c in ctx.run.scenario.cascades if c.name == o.cascade)
    for k, st in enumerate(spec.stages):
        if st.model is not None:
            return "=" + _stage_hours(ctx, spec, o, a, r, k, int(o.deployment), J, K, L, M)
    return None


def _stage_hours(ctx: Context, spec, o, a, r: int, k: int, d: int, J, K, L, M) -> str:
    """Formula text (no '='): replica-hours of self-hosted stage k on deployment d."""
    st = spec.stages[k]
    wr = ctx.wl_row[a.workload]
    sr = ctx.stage_row[(o.cascade, a.workload, k)]
    dr = ctx.serving_row[d]
    out_tok = ref(LV, sr, 8) if st.output_tokens is not None else M
    w_share = ref(A, wr, 13)
    pk = f"IF({ref(A, wr, 3)}=\"batch\",1,{ref(A, wr, 9)})"
    return (f"{J}*{_reach(ctx, spec, o, a, r, k)}*(({K}+{ref(LV, sr, 7)}-{K}*{L}"
            f"*(1-{w_share}))/{ref(A, dr, 6)}+{out_tok}/{ref(A, dr, 7)})/3600*{pk}")


FURTHER_HEAD = ["Workload", "Period", "t", "Option", "Stage", "Deployment #", "Replica-hours",
                "GPU-hours", "Plan row"]


def _further_stages(ctx: Context, g, r: int) -> int:
    """A cascade's second and third self-hosted stages: replica-hours per Plan row and stage
    on the stage's deployment (the Plan row holds the first), its GPU-hours added to the Plan
    row's; Capacity adds them to each deployment's hours needed."""
    if not ctx.further_stage_rows:
        return r
    g.put(r, 1, "Further self-hosted cascade stages (each on the share of requests reaching "
                "it)", kind="section")
    g.header(r + 1, 1, FURTHER_HEAD)
    r += 2
    first = r
    deps = ctx.data.options.deployments
    index = {(str(d.served), str(d.gpu), str(d.point)): i
             for i, d in enumerate(deps.itertuples(index=False))}
    pl = ctx.sheets["Plan"]
    for pr, o, a, stages in ctx.further_stage_rows:
        spec = next(c for c in ctx.run.scenario.cascades if c.name == o.cascade)
        J, K, L, M = (ref("Plan", pr, PC[k]) for k in (
            "Requests", "Input tokens per request", "Cached input share",
            "Output tokens per request"))
        own = []
        for k in stages:
            st = spec.stages[k]
            d = index[(st.model, st.gpu, str(o.point))]
            g.put(r, 1, a.workload)
            g.put(r, 2, a.period)
            g.put(r, 3, int(a.t), COUNT, role="label")
            g.put(r, 4, a.option)
            g.put(r, 5, k + 1, COUNT, role="label")
            g.put(r, 6, d + 1, COUNT, role="label")
            g.f(r, 7, "=" + _stage_hours(ctx, spec, o, a, pr, k, d, J, K, L, M)
                + cache_factor(ctx, o, a), NUMBER)
            g.f(r, 8, f"={local(r, 7)}*{ref(A, ctx.serving_row[d], 5)}", NUMBER)
            g.put(r, 9, pr, COUNT, role="label")
            own.append(ref(LV, r, 8))
            r += 1
        gh = PC["GPU-hours"]
        sr = ctx.serving_row[int(o.deployment)]
        pl.f(pr, gh, f"={local(pr, PC['Replica-hours'])}*{ref(A, sr, 5)}+" + "+".join(own),
             NUMBER)
    ctx.further_rows = (first, r - 1)
    return r + 1


def write_costs(ctx: Context) -> None:
    """Adoption per period (values) and lever costs per period (formulas), after the Plan."""
    g = ctx.sheets[LV]
    levers = ctx.run.solution.tables.get("levers")
    T = ctx.T
    r = ctx.levers_next_row + 1
    g.put(r, 1, "Adoption (1 = in use) and cost per period", kind="section")
    g.header(r + 1, 1, ["Workload", "Lever", "Row"] + list(ctx.run.solution.periods))
    r += 2
    first = r
    if levers is not None and len(levers):
        for (wname, lever), rows in levers.groupby(["workload", "lever"], sort=False):
            on = dict(zip(rows["t"].tolist(), rows["adopted"].tolist()))
            g.put(r, 1, wname)
            g.put(r, 2, lever)
            g.put(r, 3, "adopted")
            for t in range(T):
                g.put(r, 4 + t, int(bool(on.get(t, False))), COUNT)
            g.put(r + 1, 1, wname)
            g.put(r + 1, 2, lever)
            g.put(r + 1, 3, "cost")
            ctx.lever_cost_row[(wname, lever)] = r + 1
            for t in range(T):
                g.f(r + 1, 4 + t, _cost_formula(ctx, wname, lever, r, t), USD)
            r += 2
    ctx.levers_cost_rows = (first, max(first, r - 1))
    _further_stages(ctx, g, r + 1)
    g.finish()


def _cost_formula(ctx: Context, wname: str, lever: str, adopted_row: int, t: int) -> str:
    on = local(adopted_row, 4 + t)
    if lever.startswith("variant:"):
        vr = ctx.variant_row[(wname, lever.split(":", 1)[1])]
        before = local(adopted_row, 3 + t) if t else "0"
        return (f"={ref(LV, vr, 6)}*({on}-{before})"
                f"+{ref(LV, vr, 7)}*months_per_period*{on}")
    cr = ctx.cache_row[wname]
    lookup = (f"SUMIFS({ctx.plan_range('Requests')},{ctx.plan_range('t')},{t},"
              f"{ctx.plan_range('Workload')},\"{_quoted(wname)}\","
              f"{ctx.plan_range('Cache')},\"yes\")")
    return f"={ref(LV, cr, 5)}*months_per_period*{on}+{ref(LV, cr, 6)}/1000*{lookup}"


def workload_pv(ctx: Context, name_cell: str) -> str:
    """Present value of the lever costs of the workload named in `name_cell` (no '=')."""
    first, last = ctx.levers_cost_rows
    if last <= first:
        return "0"
    body = rng(LV, first, 4, last, 3 + ctx.T)
    return (f"SUMPRODUCT(({rng(LV, first, 1, last, 1)}={name_cell})"
            f"*({rng(LV, first, 3, last, 3)}=\"cost\")*{body}*discount_factors)")


def _quoted(text: str) -> str:
    return text.replace('"', '""')


def costs_formula(ctx: Context, tt: str) -> str:
    """The Costs sheet's Levers cell for the period in cell `tt`."""
    first, last = ctx.levers_cost_rows
    if last <= first:
        return "=0"
    body = rng(LV, first, 4, last, 3 + ctx.T)
    rows = rng(LV, first, 3, last, 3)
    return f"=SUMPRODUCT(({rows}=\"cost\")*(COLUMN({body})-4={tt})*{body})"
