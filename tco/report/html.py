"""The HTML report: one self-contained page a CTO can read, rendered with jinja2.

Everything is inline (CSS, plotly.js from the installed plotly package, the charts' data) so
the page opens offline, from an e-mail attachment, and makes no network request. Templates
live in `tco/templates/` (the top-level `templates/` is a symlink to it), autoescaping is on:
every name from a scenario shows as text.

Like every renderer this one only formats: the numbers come from `RunResult` (the solution
tables and, when computed, the strategy analysis). It adds up table rows for the charts and
subtracts two NPVs for the savings sentence, and computes nothing else.

Break-even entries are read leniently (`tco.analysis` is younger than this module): a pair
from `a`/`b` (or `strategy_a`/`strategy_b`), the crossover from `found`, `scale`,
`requests_per_month`, `tokens_per_month` and a `message`; any other scalar keys are shown as
they are.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import jinja2
import pandas as pd

from tco.report.atomic import write_text_atomic
from tco.report.figures import figure as _figure
from tco.report.figures import layout as _layout
from tco.report.headline import saving_vs_best_single
from tco.report.limits import describe_limits
from tco.report.risk import risk_context
from tco.report.variance import variance_context
from tco.run import RunResult

MAX_ROWS = 200
"""Longest table the page shows; larger portfolios are cut, with a pointer to the CSV files."""

CATEGORY_LABELS = {
    "api": "APIs (realtime)", "api_batch": "APIs (batch)", "gpu_on_demand": "GPUs on demand",
    "gpu_reserved": "GPUs reserved", "gpu_reserved_after_horizon": "reservations past horizon",
    "gpu_capex": "GPU purchases", "gpu_residual": "GPU residual value",
    "power_facility": "power and facility", "staff": "platform staff",
    "fine_tuning": "fine-tuning", "levers": "levers (caches, prompts)",
    "migration": "migration (moves)",
    "gpu_support": "GPU support and maintenance", "gpu_software": "GPU software licences",
    "gpu_network_storage": "GPU networking and storage",
    "api_operations": "API engineering and operations",
    "error": "expected error cost",
    "tariff_fee": "tariff fees", "tariff_units": "provisioned units",
    "tariff_discount": "tariff discounts", "tariff_shortfall": "commitment shortfall",
    "tariff_after_horizon": "tariffs past horizon",
}
CATEGORY_COLORS = {
    "api": "#4C78A8", "api_batch": "#9ECAE9", "gpu_on_demand": "#F58518",
    "gpu_reserved": "#FFBF79", "gpu_reserved_after_horizon": "#E4C9A8", "gpu_capex": "#E45756",
    "gpu_residual": "#FF9D98", "power_facility": "#B279A2", "staff": "#54A24B",
    "fine_tuning": "#EECA3B", "levers": "#72B7B2", "migration": "#4C9F70", "error": "#9D755D",
    "gpu_support": "#C44E52", "gpu_software": "#8C6D31", "gpu_network_storage": "#BAB0AC",
    "api_operations": "#1F4E79",
    "tariff_fee": "#4C9F9A", "tariff_units": "#2E6F6B", "tariff_discount": "#B7E0DD",
    "tariff_shortfall": "#D67195", "tariff_after_horizon": "#F2B5CB",
}
FLEET_MODES = (("owned", "owned"), ("existing_owned", "owned (existing)"),
               ("reserved_3y", "reserved 3y"), ("reserved_1y", "reserved 1y"),
               ("existing_reserved", "reserved (existing)"), ("on_demand", "on demand"))
STRATEGY_LABELS = {"api_only": "APIs only", "api_batch_cache": "APIs with batch and caching",
                   "self_host_only": "self-hosting only", "hybrid": "hybrid (recommended)"}
SHORT_LABELS = {"api_only": "APIs", "api_batch_cache": "APIs+batch", "self_host_only": "self-host",
                "hybrid": "hybrid"}
"""Strategy names where space is short (the break-even labels on the volume chart)."""


def write_html(run: RunResult, path: str | Path) -> Path:
    """Render the report of `run` and write it to `path` atomically; return the path.

    plotly.js (4.8 MB, the only bundle the plotly package ships) is written once beside it as
    `plotly-<version>.min.js`, shared by every report in the folder, so the page stays offline
    and small (well under 2 MB) and opens at once; without that file the page still shows every
    table and says the charts need it.
    """
    path = Path(path)
    script = path.parent / plotly_file_name()
    js = _plotly_source()
    if not script.is_file() or script.stat().st_size != len(js.encode("utf-8")):
        write_text_atomic(script, js)
    return write_text_atomic(path, render_html(run))


def plotly_file_name() -> str:
    """The shared script's name, versioned so that reports of other plotly versions coexist."""
    from plotly.offline import get_plotlyjs_version

    return f"plotly-{get_plotlyjs_version()}.min.js"


def render_html(run: RunResult) -> str:
    """The report as one HTML string."""
    return _environment().get_template("report.html.j2").render(**report_context(run))


def report_context(run: RunResult) -> dict:
    """Everything the template shows, as plain strings, rows and plotly figure dicts."""
    sol = run.solution
    s = run.scenario
    return {
        "title": s.name,
        "description": s.description,
        "periods": f"{sol.periods[0]} to {sol.periods[-1]}" if sol.periods else "",
        "recommendation": recommendation(run),
        "optimal": sol.result.status == "optimal",
        "solver_line": solver_line(run),
        "run_id": run.run_id,
        "key_figures": _key_figures(run),
        "strategies": _strategies(run),
        "constraint_costs": _constraint_costs(run),
        "cost_chart": _cost_chart(run),
        "cost_table": _cost_table(run),
        "pnl_table": _pnl_table(run),
        "capacity": _capacity(run),
        "tariffs": _tariffs(run),
        "volume": _volume(run),
        "workloads": _workload_rows(run),
        "levers": _levers(run),
        "assumptions": _assumptions(run),
        "risk": risk_context(run),
        "plotly_src": plotly_file_name(),
        "variance": variance_context(run),
    }


# ---------------------------------------------------------------- formatting

def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def usd(x, digits: int = 0) -> str:
    """Dollars with thousands separators; '-' when unknown."""
    if _missing(x):
        return "-"
    x = float(x)
    if abs(x) < 0.5 * 10 ** -digits:
        x = 0.0
    return f"-${-x:,.{digits}f}" if x < 0 else f"${x:,.{digits}f}"


def num(x, digits: int = 0) -> str:
    """A number with thousands separators; '-' when unknown."""
    if _missing(x):
        return "-"
    x = float(x)
    if abs(x) < 0.5 * 10 ** -digits:
        x = 0.0
    return f"{x:,.{digits}f}"


def pct(x, digits: int = 0) -> str:
    """A share as a percentage."""
    if _missing(x):
        return "-"
    v = float(x) * 100
    return f"{0.0 if abs(v) < 0.5 * 10 ** -digits else v:.{digits}f}%"


def _cell(column: str, value) -> str:
    """Format one value of an analysis table by what its column name says it holds."""
    if _missing(value):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        c = column.lower()
        if c.endswith("_pct") or "percent" in c:
            return f"{float(value):.1f}%"
        if "share" in c or c.endswith("_frac"):
            return pct(value, 1)
        if "usd" in c or "cost" in c or "npv" in c or "saving" in c:
            return usd(value, 3 if "per_mtok" in c or "per_1k" in c else 0)
        return num(value, 2 if abs(float(value)) < 100 and float(value) != int(value) else 0)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


COLUMN_LABELS = {"npv_usd": "NPV (USD)", "cost_usd_per_year": "cost per year (USD)",
                 "cost_per_year_usd": "cost per year (USD)",
                 "savings_vs_best_single_usd": "saved vs best single mode (USD)",
                 "savings_vs_best_single_pct": "saved vs best single mode",
                 "usd_per_mtok": "USD / 1M tokens", "usd_per_1k_requests": "USD / 1k requests",
                 "savings_usd": "savings (USD)", "savings_share": "savings (share)"}


def _label(column: str) -> str:
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    return column.replace("_usd_per_mtok", " (USD / 1M tokens)").replace("_usd", " (USD)") \
        .replace("_", " ")


def _strategy_name(name) -> str:
    return STRATEGY_LABELS.get(str(name), str(name))


# ---------------------------------------------------------------- the sentence

def recommendation(run: RunResult) -> str:
    """The plan in one sentence with its numbers (plain text; the template escapes it)."""
    sol = run.solution
    alloc = sol["allocation"]
    hosted = alloc[_self_hosted(alloc)]
    names = list(hosted.groupby("workload")["requests"].sum().sort_values(ascending=False).index)
    api_rows = alloc[alloc["api"].notna() & (alloc["requests"] > 0)]
    apis = list(api_rows.groupby("api")["requests"].sum().sort_values(ascending=False).index)
    n = len(run.scenario.workloads)

    if not names:
        head = f"Serve {_plural(n, 'workload')} through APIs ({_listing(apis, 3)})" if n > 1 \
            else f"Serve {run.scenario.workloads[0].name} through {_listing(apis, 3)}"
    else:
        if len(names) <= 3:
            clauses = [_hosted_clause(run, w, hosted[hosted.workload == w]) for w in names]
            head = "Serve " + _listing(clauses, len(clauses))
        else:
            head = (f"Serve {len(names)} workloads ({_listing(names, 3)}) on "
                    f"{_fleet_phrase(run)} from {sol.periods[int(hosted['t'].min())]}")
        if apis:
            rest = "everything else" if len(names) < n else "the remaining traffic"
            head += f", and {rest} through APIs ({_listing(apis, 3)})"
        elif len(names) < n:
            head += ", and nothing through APIs"
    text = f"{head}: {objective_phrase(sol)} over {sol.periods[0]} to {sol.periods[-1]}"
    committed = _committed_npv(run)
    if committed:
        text += f" (plus {usd(committed)} already committed to existing assets)"
    saving = saving_vs_best_single(run)
    if saving is not None:
        side = "below" if saving.usd >= 0 else "above"
        share = abs(saving.share)  # 0.15% must not read "0%": one decimal below 10%
        text += (f", {usd(abs(saving.usd))} ({pct(share, 1 if share < 0.1 else 0)}) {side} "
                 f"the best single-mode strategy ({saving.against})")
    be = _main_breakeven(run)
    if be is not None:
        text += "; " + be["sentence"]
    return text + "."


def objective_phrase(sol) -> str:
    """Cash TCO and, with expected errors, the quality-adjusted cost beside it, saying which
    one the plan minimised."""
    err = sol.error_npv_usd
    if sol.meta.get("objective") == "cash" and not err:
        return f"cash TCO NPV {usd(sol.cash_npv_usd)} (minimised)"
    which = "cash TCO" if sol.meta.get("objective") == "cash" else "quality-adjusted cost"
    return (f"cash TCO NPV {usd(sol.cash_npv_usd)}, quality-adjusted cost NPV "
            f"{usd(sol.npv_usd)} (cash plus {usd(err)} of expected errors, which no invoice "
            f"shows); the plan minimised the {which}, {sol.meta.get('objective_why', '')}")


def _committed_npv(run: RunResult) -> float:
    c = run.solution.tables.get("committed")
    return float(c["npv_usd"].sum()) if c is not None and not c.empty else 0.0


def _self_hosted(alloc: pd.DataFrame) -> pd.Series:
    return alloc["gpu"].notna() & (alloc["gpu"].astype(str) != "") & (alloc["share"] > 0)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _listing(items, limit: int) -> str:
    items = [str(i) for i in items]
    if len(items) > limit:
        items = items[:limit] + [f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _modes(run: RunResult, gpu: str) -> str:
    """How a GPU type is procured over the plan, the largest mode first: 'owned', 'reserved'."""
    fleet = run.solution["fleet"]
    f = fleet[fleet.gpu == gpu]
    if f.empty:
        return ""
    sums = {"owned": f[["owned", "existing_owned"]].to_numpy().sum(),
            "reserved": f[["reserved_1y", "reserved_3y", "existing_reserved"]].to_numpy().sum(),
            "on-demand": f["on_demand"].sum()}
    used = [k for k, v in sorted(sums.items(), key=lambda kv: -kv[1]) if v > 0]
    return " and ".join(used)


def _hosted_clause(run: RunResult, workload: str, rows: pd.DataFrame) -> str:
    sol = run.solution
    rows = rows.assign(served=[ft if isinstance(ft, str) and ft else m
                               for ft, m in zip(rows["fine_tune"], rows["model"])])
    main = rows.groupby(["served", "model", "gpu", "point"])["requests"].sum().idxmax()
    served, base, gpu, point = main
    reps = sol["replicas"]
    r = reps[(reps.served == served) & (reps.gpu == gpu) & (reps.point == point)]
    start = sol.periods[int(rows["t"].min())]
    modes = _modes(run, gpu)
    if r.empty:
        return f"{workload} on {modes} {gpu} GPUs with {served} from {start}"
    n = int(r["replicas"].max())
    per = int(r["gpus"].max() // max(1, r["replicas"].max()))
    each = f" ({per} GPUs each)" if per > 1 else ""
    word = "replica" if n == 1 else "replicas"
    upto = "up to " if r["replicas"].nunique() > 1 else ""
    return (f"{workload} on {upto}{n} {modes} {gpu} {word}{each} of {served} from {start}")


def _fleet_phrase(run: RunResult) -> str:
    fleet = run.solution["fleet"]
    peak = fleet.groupby("gpu")["total"].max()
    parts = [f"{int(v)} {_modes(run, g)} {g}" for g, v in peak.items() if v > 0]
    return "up to " + _listing(parts, 4) + " GPUs"


def _strategy_rows(run: RunResult) -> pd.DataFrame | None:
    df = run.strategies
    if df is None or df.empty or "strategy" not in df.columns:
        return None
    return df


def _feasible(row) -> bool:
    status = row.get("status")
    if isinstance(status, str) and status not in ("optimal", "time_limit", "ok", "feasible"):
        return False
    return not _missing(row.get("npv_usd"))


def _get(d: dict, *keys, default=None):
    for k in keys:
        if k in d and not _missing(d[k]):
            return d[k]
    return default


def _breakeven(b: dict) -> dict:
    """One break-even entry read leniently, with the sentence that states it."""
    a = _get(b, "a", "strategy_a", "strategy", default="?")
    other = _get(b, "b", "strategy_b", "against", "versus", default="?")
    scale = _get(b, "scale", "demand_scale", "crossover_scale")
    req = _get(b, "requests_per_month", "total_requests_per_month")
    tok = _get(b, "tokens_per_month", "total_tokens_per_month")
    found = _get(b, "found", "crossover")
    found = bool(found) if found is not None and not isinstance(found, dict) else scale is not None
    message = _get(b, "message", "note", "reason", "text")
    who = "self-hosting" if a == "self_host_only" else (
        "the recommended plan" if a == "hybrid" else _strategy_name(a))
    # "self-hosting breaks even" means against APIs at list price unless another is named
    versus = "" if (a, other) == ("self_host_only", "api_only") else \
        f" against {_strategy_name(other)}"
    lo, hi = _get(b, "min_scale"), _get(b, "max_scale")
    span = f" between {num(lo, 2)}x and {num(hi, 0)}x today's volume" if lo and hi else \
        " in the range searched"
    throughout = _get(b, "cheaper_throughout")
    if _get(b, "infeasible_today"):
        sentence = (f"no break-even of {who}{versus}: "
                    f"{_listing([_strategy_name(n) for n in b['infeasible_today']], 2)} "
                    "cannot serve today's workloads")
    elif found and req is not None:
        sentence = f"{who} breaks even at {num(req)} requests per month{versus}"
    elif found and scale is not None:
        sentence = f"{who} breaks even at {num(scale, 2)}x today's volume{versus}"
    elif throughout == a:
        sentence = f"{who} costs less than {_strategy_name(other)} at every volume{span}"
    elif throughout == other:
        sentence = f"{_strategy_name(other)} costs less than {who} at every volume{span}"
    else:
        sentence = f"{who} does not break even{versus}{span}"
    if b.get("proven") is False:  # the solvers' bounds did not decide it everywhere (issue 16)
        sentence += " (not proven: the solver stopped with bounds too wide at some volumes)"
    return {"a": a, "b": other, "found": found, "scale": scale, "requests": req,
            "tokens": tok, "message": message, "sentence": sentence, "raw": b}


def _main_breakeven(run: RunResult) -> dict | None:
    """The break-even of the recommended plan (hybrid) against buying, else self-hosting's:
    the plan's own comparison, so the headline cannot contradict what the plan does."""
    entries = [_breakeven(b) for b in run.breakeven or [] if isinstance(b, dict)]
    for a in ("hybrid", "self_host_only"):
        for e in entries:
            if e["a"] == a:
                return e
    return entries[0] if entries else None


def solver_line(run: RunResult) -> str:
    """The solver's status in words, plain about a plan not proven optimal."""
    r = run.solution.result
    gap = pct(r.gap, 2) if r.gap is not None else "unknown"
    if r.status == "optimal":
        return (f"Solved by {r.solver} in {r.seconds:.1f} s: proven optimal "
                f"(relative MIP gap {gap}).")
    return (f"Solved by {r.solver} in {r.seconds:.1f} s: NOT PROVEN OPTIMAL (status {r.status}, "
            f"termination {r.termination}, relative MIP gap {gap}). This is the best plan found "
            f"before the solver stopped; a cheaper plan may exist.")


# ---------------------------------------------------------------- key figures

def _key_figures(run: RunResult) -> list[dict]:
    sol = run.solution
    minimised = sol.meta.get("objective", "cash")
    figs = [{"label": "Cash TCO (NPV)", "value": usd(sol.cash_npv_usd),
             "note": f"what finance pays, {sol.periods[0]} to {sol.periods[-1]}, discounted at "
                     f"{pct(run.scenario.finance.discount_rate, 1)} a year"
                     + ("; minimised by the plan" if minimised == "cash" else "")}]
    if sol.error_npv_usd or minimised != "cash":
        figs.append({"label": "Quality-adjusted cost (NPV)", "value": usd(sol.npv_usd),
                     "note": f"cash + {usd(sol.error_npv_usd)} expected error cost (not cash)"
                     + ("; minimised by the plan" if minimised != "cash" else "")})
    saving = saving_vs_best_single(run)
    if saving is not None:
        figs.append({"label": "Saved against the best single mode", "value": usd(saving.usd),
                     "note": f"{pct(saving.share, 1)} of the NPV of {saving.against}, the "
                             f"cheapest of APIs only, APIs with batch and caching, and "
                             f"self-hosting only"})
    costs = sol["costs"]
    total = float(costs["usd"].sum())
    figs.append({"label": "Cost over the horizon", "value": usd(total),
                 "note": "nominal, all categories"})
    be = _main_breakeven(run)
    if be is not None:
        value = num(be["requests"]) if be["found"] and be["requests"] is not None else (
            f"{num(be['scale'], 2)}x" if be["found"] and be["scale"] is not None else "none")
        versus = f"{_strategy_name(be['a'])} vs {_strategy_name(be['b'])}"
        throughout = be["raw"].get("cheaper_throughout")
        if not be["found"] and throughout:
            # no crossing: say which side wins at every volume, as the headline does
            value = "always " + ("cheaper" if throughout == be["a"] else "dearer")
            versus = f"{_strategy_name(be['a'])} at every volume searched, vs " \
                     f"{_strategy_name(be['b'])}"
        figs.append({"label": "Break-even volume", "value": value,
                     "note": ("requests per month, " if be["found"] and be["requests"]
                              is not None else "") + versus})
    fleet = sol["fleet"]
    peak = int(fleet.groupby("t")["total"].sum().max()) if not fleet.empty else 0
    figs.append({"label": "Peak GPUs", "value": num(peak),
                 "note": "all types and procurement modes" if peak else "nothing self-hosted"})
    staff = sol["staffing"]
    eng = int(staff["engineers_total"].max()) if not staff.empty else 0
    figs.append({"label": "Peak platform engineers", "value": num(eng), "note": ""})
    alloc = sol["allocation"]
    if not alloc.empty and sol.periods:
        last = alloc[alloc.t == len(sol.periods) - 1]
        tot = float(last["requests"].sum())
        hosted = float(last.loc[_self_hosted(last), "requests"].sum())
        figs.append({"label": "Requests self-hosted", "value": pct(hosted / tot if tot else 0.0),
                     "note": f"in {sol.periods[-1]}"})
    committed = _committed_npv(run)
    if committed:
        figs.append({"label": "Committed (existing assets)", "value": usd(committed),
                     "note": "NPV, not decided by the plan"})
    return figs


# ---------------------------------------------------------------- charts



def _clean_list(values) -> list:
    return [None if _missing(v) else float(v) for v in values]


def _strategies(run: RunResult) -> dict:
    df = _strategy_rows(run)
    if df is None:
        return {"figure": None, "table": None, "pinned": ""}
    import plotly.graph_objects as go

    table = _frame_table(df)
    pinned = df.attrs.get("pinned") or []
    pinned = (f"Kept as they are in every strategy, because their own rules fix their options: "
              f"{_listing(pinned, 8)}. The strategies differ only in the other workloads."
              if pinned else "")
    if "npv_usd" not in df.columns:
        return {"figure": None, "table": table, "pinned": pinned}
    names = [str(v) for v in df["strategy"]]
    npv = _clean_list(df["npv_usd"])
    ok = [_feasible(row) for _, row in df.iterrows()]
    colors = ["#4C78A8" if n != "hybrid" else "#54A24B" for n in names]
    text = [usd(v) if (v is not None and f) else "not feasible" for v, f in zip(npv, ok)]
    fig = go.Figure(go.Bar(x=[_strategy_name(n) for n in names],
                           y=[v if f else 0 for v, f in zip(npv, ok)],
                           marker_color=colors, text=text, textposition="outside",
                           hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(**_layout(yaxis_title="NPV (USD)", showlegend=False))
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    return {"figure": _figure(fig), "table": table, "gap_note": _gap_note(run),
            "pinned": pinned}


def _gap_note(run: RunResult) -> str | None:
    """The MIP gap the ranking holds to (issue 16), when the comparison says it."""
    from tco.analysis.strategies import ranking_note

    gap = getattr(run.strategies, "attrs", {}).get("mip_rel_gap")
    return ranking_note(gap) if gap is not None else None


def _constraint_costs(run: RunResult) -> dict | None:
    """What each rule of the scenario costs: the plan without it minus the plan with it."""
    rows = run.constraint_costs or []
    if not rows:
        return None
    out = [[r["constraint"], r["what"],
            usd(r["cost_usd"]) if r["status"] == "ok" else r["status"],
            usd(r["npv_without_usd"]) if r["npv_without_usd"] is not None else "-"]
           for r in rows]
    return {"header": ["constraint", "rule", "what it costs (NPV)", "NPV of the plan without it"],
            "rows": out, "cut": 0}


def _frame_table(df: pd.DataFrame) -> dict:
    cols = [c for c in df.columns if not df[c].map(lambda v: isinstance(v, dict)).any()]
    rows = []
    for _, row in df.head(MAX_ROWS).iterrows():
        rows.append([_strategy_name(row[c]) if c == "strategy" else _cell(c, row[c])
                     for c in cols])
    return {"header": [_label(c) for c in cols], "rows": rows,
            "cut": max(0, len(df) - MAX_ROWS)}


def _cost_chart(run: RunResult) -> dict | None:
    import plotly.graph_objects as go

    sol = run.solution
    costs = sol["costs"]
    committed = sol.tables.get("committed")
    frames = [costs.assign(label=costs["category"].map(lambda c: CATEGORY_LABELS.get(c, c)),
                           color=costs["category"].map(lambda c: CATEGORY_COLORS.get(c)),
                           pattern="")]
    if committed is not None and not committed.empty:
        frames.append(committed.assign(
            label=committed["category"].map(lambda c: "existing: " + CATEGORY_LABELS.get(c, c)),
            color=committed["category"].map(lambda c: CATEGORY_COLORS.get(c, "#BAB0AC")),
            pattern="/"))
    data = pd.concat(frames, ignore_index=True)
    fig = go.Figure()
    drawn = False
    for label, part in data.groupby("label", sort=False):
        by = part.groupby("period")["usd"].sum().reindex(sol.periods, fill_value=0.0)
        if by.abs().max() < 0.5:
            continue
        drawn = True
        fig.add_trace(go.Bar(name=label, x=sol.periods, y=_clean_list(by.values),
                             marker={"color": part["color"].iloc[0],
                                     "pattern": {"shape": part["pattern"].iloc[0]}},
                             hovertemplate=f"{label}<br>%{{x}}: $%{{y:,.0f}}<extra></extra>"))
    if not drawn:
        return None
    fig.update_layout(**_layout(barmode="relative", yaxis_title="USD per period (nominal)"))
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    return _figure(fig)


def _tariffs(run: RunResult) -> dict | None:
    """The tariff each provider is on per period, the break-even volumes and the menu chart
    (monthly cost against monthly list spend: the lower envelope is what the plan buys)."""
    sol = run.solution
    providers = sol.tables.get("tariff_providers")
    if providers is None or providers.empty:
        return None
    rows = []
    for p, part in providers.groupby("provider", sort=True):
        part = part.sort_values("t")
        cells = []
        for r in part.itertuples():
            text = r.plan + (f" + {r.units}" if isinstance(r.units, str) and r.units else "")
            cells.append(f"{text}; {usd(r.usd_per_mtok, 3)}/1M" if not _missing(r.usd_per_mtok)
                         else text)
        rows.append([p] + cells)
    plans = {"header": ["provider"] + list(sol.periods), "rows": rows, "cut": 0}
    be = sol.tables.get("tariff_breakeven")
    return {"plans": plans,
            "breakeven": _frame_table(be) if be is not None and len(be) else None,
            "figure": _menu_chart(sol)}


def _menu_chart(sol) -> dict | None:
    import numpy as np
    import plotly.graph_objects as go

    from tco.model.tariffs import breakeven_spend, monthly_cost

    be = sol.tables.get("tariff_breakeven")
    plans = [k for k in sol.data.tariffs if k.kind in ("two_part", "commit") and not k.prices]
    if not plans or be is None:
        return None
    fig = go.Figure()
    for p in sorted({k.provider for k in plans}):
        mine = [k for k in plans if k.provider == p]
        price = be[be.provider == p].list_usd_per_mtok.max()
        price = float(price) if price == price and price is not None else None
        mine = [k for k in mine if not k.tiers_by_tokens or price]  # thresholds need a price
        marks = [breakeven_spend(k, usd_per_mtok=price) or 0.0 for k in mine]
        used = be[be.provider == p].plan_list_usd_per_month.max()
        top = max([3.0 * m for m in marks] + [1.5 * float(used or 0.0), 1.0])
        x = np.linspace(0.0, top, 121)
        curves = {"pay-as-you-go": x}
        for k in mine:
            curves[k.name] = np.array([monthly_cost(k, v, usd_per_mtok=price) for v in x])
        for name, y in curves.items():
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"{p}: {name}",
                                     line={"width": 1, "dash": "dot"}))
        envelope = np.minimum.reduce(list(curves.values()))
        fig.add_trace(go.Scatter(x=x, y=envelope, mode="lines", name=f"{p}: cheapest",
                                 line={"width": 3}))
    fig.update_layout(**_layout(xaxis_title="list spend per month (USD)",
                                yaxis_title="cost per month (USD)"))
    fig.update_xaxes(tickprefix="$", separatethousands=True)
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    return _figure(fig)


def _cost_table(run: RunResult) -> dict:
    sol = run.solution
    costs = sol["costs"]
    by = costs.groupby("category", sort=False)[["usd", "npv_usd"]].sum()
    by = by[by["usd"].abs() >= 0.5]
    rows = [[CATEGORY_LABELS.get(c, c), usd(r.usd), usd(r.npv_usd)] for c, r in by.iterrows()]
    rows.append(["total", usd(costs["usd"].sum()), usd(costs["npv_usd"].sum())])
    return {"header": ["category", "USD (nominal)", "NPV (USD)"], "rows": rows, "cut": 0}


def _pnl_table(run: RunResult) -> dict | None:
    """Cash flow and P&L per period (tco.pnl): capex against its depreciation."""
    p = run.solution.tables.get("pnl")
    if p is None or p.empty:
        return None
    rows = [[r.period, usd(r.opex_usd), usd(r.capex_usd), usd(r.depreciation_usd),
             usd(r.cash_spent_usd), usd(r.pnl_cost_usd)] for r in p.itertuples(index=False)]
    rows.append(["total", usd(p.opex_usd.sum()), usd(p.capex_usd.sum()),
                 usd(p.depreciation_usd.sum()), usd(p.cash_spent_usd.sum()),
                 usd(p.pnl_cost_usd.sum())])
    return {"header": ["period", "opex (USD)", "capex (USD)", "depreciation (USD)",
                       "cash spent (USD)", "P&L cost (USD)"], "rows": rows, "cut": 0,
            "book_value": usd(p.capex_usd.sum() - p.depreciation_usd.sum())}


def _capacity(run: RunResult) -> dict:
    import plotly.graph_objects as go

    sol = run.solution
    fleet, staff, reps = sol["fleet"], sol["staffing"], sol["replicas"]
    periods = sol.periods
    if fleet.empty:
        return {"figure": None, "table": None, "replicas": None}
    fig = go.Figure()
    header = ["GPU", "procurement"] + periods
    rows = []
    palette = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#EECA3B",
               "#FF9DA6", "#9D755D", "#BAB0AC"]
    k = 0
    for gpu, part in fleet.groupby("gpu", sort=True):
        for col, label in FLEET_MODES:
            by = part.groupby("period")[col].sum().reindex(periods, fill_value=0)
            if by.max() <= 0:
                continue
            name = f"{gpu} {label}"
            fig.add_trace(go.Bar(name=name, x=periods, y=[int(v) for v in by.values],
                                 marker_color=palette[k % len(palette)],
                                 hovertemplate=f"{name}<br>%{{x}}: %{{y}} GPUs<extra></extra>"))
            k += 1
            rows.append([gpu, label] + [num(v) for v in by.values])
        used = part.groupby("period")["in_use"].sum().reindex(periods, fill_value=0)
        rows.append([gpu, "in use"] + [num(v) for v in used.values])
    in_use = fleet.groupby("period")["in_use"].sum().reindex(periods, fill_value=0)
    fig.add_trace(go.Scatter(name="GPUs in use", x=periods, y=[int(v) for v in in_use.values],
                             mode="lines+markers", line={"color": "#222", "dash": "dot"}))
    fig.update_layout(**_layout(barmode="stack", yaxis_title="GPUs"))
    eng = staff.set_index("period")["engineers_total"].reindex(periods, fill_value=0)
    rows.append(["staff", "platform engineers"] + [num(v) for v in eng.values])
    rep_rows = []
    if not reps.empty:
        for (served, gpu, point), part in reps.groupby(["served", "gpu", "point"], sort=True):
            by = part.set_index("period")["replicas"].reindex(periods, fill_value=0)
            rep_rows.append([f"{served} on {gpu}", point] + [num(v) for v in by.values])
    return {"figure": _figure(fig),
            "table": {"header": header, "rows": rows, "cut": 0},
            "replicas": {"header": ["model on GPU", "operating point"] + periods,
                         "rows": rep_rows, "cut": 0} if rep_rows else None}


def _volume(run: RunResult) -> dict:
    from tco.analysis.breakeven import fmt_scale

    curves = run.curves
    entries = [_breakeven(b) for b in run.breakeven or [] if isinstance(b, dict)]
    be_table = None
    if entries:
        be_table = {"header": ["strategies", "crossover", "demand scale", "requests per month",
                               "tokens per month", "note"],
                    "rows": [[f"{_strategy_name(e['a'])} vs {_strategy_name(e['b'])}",
                              "yes" if e["found"] else "no", _cell("scale", e["scale"]),
                              num(e["requests"]), num(e["tokens"]), e["message"] or ""]
                             for e in entries], "cut": 0}
    if curves is None or curves.empty or not {"strategy", "scale", "npv_usd"} <= set(curves):
        return {"figure": None, "breakeven": be_table,
                "sentences": [e["sentence"] for e in entries], "curves_note": None}
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, part in curves.groupby("strategy", sort=False):
        part = part.sort_values("scale")
        fig.add_trace(go.Scatter(name=_strategy_name(name), x=_clean_list(part["scale"]),
                                 y=_clean_list(part["npv_usd"]), mode="lines+markers",
                                 connectgaps=False,
                                 hovertemplate="%{x:.2f}x: $%{y:,.0f}<extra>" +
                                 _strategy_name(name) + "</extra>"))
    shown: list[float] = []
    for e in sorted((e for e in entries if e["found"] and e["scale"] is not None),
                    key=lambda e: float(e["scale"])):
        x = math.log10(float(e["scale"]))
        fig.add_vline(x=float(e["scale"]), line_dash="dash", line_color="#E45756")
        # labels of break-evens closer than half a decade are stacked, not drawn over each other
        row = sum(1 for prev in shown if abs(x - prev) < 0.5)
        shown.append(x)
        fig.add_annotation(x=x, y=1, yref="paper", yshift=16 * row,
                           text=f"{SHORT_LABELS.get(e['a'], e['a'])} = "
                                f"{SHORT_LABELS.get(e['b'], e['b'])} at "
                                f"{fmt_scale(float(e['scale']))}",
                           showarrow=False,
                           yanchor="bottom", font={"color": "#E45756"})
    fig.update_layout(**_layout(xaxis_title="demand scale (x the scenario's volume, log scale)",
                                yaxis_title="NPV (USD)"))
    fig.update_xaxes(type="log")
    if (curves["npv_usd"].dropna() > 0).all():  # costs over decades of volume: log-log
        fig.update_yaxes(type="log", title="NPV (USD, log scale)")
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    from tco.analysis.curves import curves_note
    from tco.analysis.points import analysis_gap

    return {"figure": _figure(fig), "breakeven": be_table,
            "sentences": [e["sentence"] for e in entries],
            "curves_note": curves_note(curves, analysis_gap(run.scenario)) or None}


# ---------------------------------------------------------------- per workload

def _period_choice(rows: pd.DataFrame) -> str:
    rows = rows.sort_values("share", ascending=False)
    if rows.empty:
        return "-"
    if rows["share"].iloc[0] >= 0.995:
        return str(rows["option"].iloc[0])
    parts = [f"{o} {pct(s)}" for o, s in zip(rows["option"].head(2), rows["share"].head(2))]
    more = f" + {len(rows) - 2} more" if len(rows) > 2 else ""
    return " + ".join(parts) + more


def _phases(rows: pd.DataFrame, periods: list[str]) -> list[str]:
    """The options chosen, period by period, with runs of equal choices merged."""
    choice = [_period_choice(rows[rows.t == t]) for t in range(len(periods))]
    out, start = [], 0
    for t in range(1, len(periods) + 1):
        if t == len(periods) or choice[t] != choice[start]:
            span = periods[start] if t - 1 == start else f"{periods[start]}-{periods[t - 1]}"
            out.append(f"{span}: {choice[start]}")
            start = t
    return out


def _workload_rows(run: RunResult) -> dict:
    sol = run.solution
    alloc = sol["allocation"]
    uc = sol["unit_costs"].set_index("workload")
    marg = sol["marginal"]
    names = [w.name for w in run.scenario.workloads]
    if len(names) > MAX_ROWS and "npv_usd" in uc.columns:
        names = list(uc["npv_usd"].sort_values(ascending=False).index[:MAX_ROWS])
    by_w = dict(tuple(alloc.groupby("workload"))) if not alloc.empty else {}
    mg = dict(tuple(marg.groupby("workload"))) if not marg.empty else {}
    last = len(sol.periods) - 1
    rows = []
    for w in names[:MAX_ROWS]:
        a = by_w.get(w, alloc.iloc[0:0])
        u = uc.loc[w] if w in uc.index else None
        m = mg.get(w)
        first_m = last_m = None
        if m is not None and not m.empty:
            first_m = m.loc[m.t == 0, "usd_per_mtok"]
            last_m = m.loc[m.t == last, "usd_per_mtok"]
            first_m = first_m.iloc[0] if len(first_m) else None
            last_m = last_m.iloc[0] if len(last_m) else None
        rows.append({"name": w, "phases": _phases(a, sol.periods),
                     "npv": usd(u["npv_usd"]) if u is not None else "-",
                     "per_mtok": usd(u["usd_per_mtok"], 3) if u is not None else "-",
                     "per_1k": usd(u["usd_per_1k_requests"], 3) if u is not None else "-",
                     "marginal_first": usd(first_m, 3), "marginal_last": usd(last_m, 3)})
    return {"rows": rows, "cut": max(0, len(run.scenario.workloads) - MAX_ROWS),
            "first": sol.periods[0], "last": sol.periods[-1]}


# ---------------------------------------------------------------- levers

def _levers(run: RunResult) -> dict | None:
    """Levers offered and used: what each saves, the waterfall from no lever to the plan, the
    cascades as their stages, the cost per successful answer; None without any lever."""
    from tco.analysis.levers import has_levers, in_use

    s, sol = run.scenario, run.solution
    if not has_levers(s):
        return None
    values = run.lever_values
    saving = {}
    if values is not None:
        for r in values["levers"].itertuples(index=False):
            saving[(r.workload, r.lever)] = ("required to meet the requirements" if r.required
                                             else usd(r.saving_usd))
    lv = sol["levers"]
    rows = []
    for w, lever, _, _ in in_use(sol):
        on = lv[(lv.workload == w) & (lv.lever == lever) & lv.adopted] if len(lv) else lv
        a = sol["allocation"]
        if lever.startswith("cascade:"):
            periods = a[(a.workload == w) & (a.cascade == lever.split(":", 1)[1])].period
        else:
            periods = on.period
        since = periods.iloc[0] if len(periods) else "-"
        kind, name = lever.split(":", 1)
        label = {"variant": f"prompt variant '{name}'", "cache": f"{name} response cache",
                 "cascade": f"cascade '{name}'"}[kind]
        rows.append([w, label, since, saving.get((w, lever), "not computed (run without"
                                                            " --no-analysis)")])
    table = {"header": ["workload", "lever", "in use from", "saving (NPV, plan without it)"],
             "rows": rows, "cut": 0}
    a = sol["allocation"]
    chosen = {}
    if "escalation" in a:
        for c, e in zip(a["cascade"], a["escalation"]):
            if isinstance(c, str) and not _missing(e):
                chosen.setdefault(c, set()).add(float(e))
    cascades = []
    for c in s.cascades:
        stages, reach = [], "all requests"
        for st in c.stages:
            what = (f"{st.api}{' (batch)' if st.batch else ''}" if st.api
                    else f"{st.model} on our {st.gpu}")
            stages.append(f"{what} ({reach})")
            if st.escalate is not None:
                picked = ", ".join(pct(e) for e in sorted(chosen.get(c.name, ())))
                reach = (f"{pct(st.escalate)} escalated" if isinstance(st.escalate, float)
                         else f"{picked or 'none'} escalated (the plan's choice in"
                              f" {pct(st.escalate.min)}-{pct(st.escalate.max)})")
        cascades.append([c.name, ", ".join(c.workloads), " → ".join(stages)])
    uc = sol["unit_costs"]
    value = {w.name: w.value_per_success_usd for w in s.workloads}
    oc = sol.tables.get("option_costs")
    kpi = []
    for r in uc.itertuples(index=False) if "usd_per_1k_successes" in uc else ():
        mine = oc[oc.workload == r.workload] if oc is not None and len(oc) else ()
        kpi.append([r.workload, mine.option.iat[0] if len(mine) == 1 else "all its options",
                    usd(r.usd_per_1k_requests, 3), usd(r.usd_per_1k_successes, 3),
                    usd(r.value_npv_usd) if value.get(r.workload) else "not given"])
        if len(mine) > 1:  # then each option on a line of its own
            kpi += [["", o.option, usd(o.usd_per_1k_requests, 3),
                     usd(o.usd_per_1k_successes, 3), ""] for o in mine.itertuples(index=False)]
    return {"table": table, "waterfall": _waterfall(values),
            "cascades": {"header": ["cascade", "workloads", "stages (share of requests"
                                    " reaching each)"], "rows": cascades, "cut": 0},
            "kpi": {"header": ["workload", "option", "USD per 1k requests",
                               "USD per 1k successful answers",
                               "value of successful answers (NPV)"], "rows": kpi, "cut": 0}}


def _waterfall(values: dict | None) -> dict | None:
    """The NPV from the plan without levers to the recommended one, step by step (floating
    bars: plotly's basic bar trace with a base)."""
    if values is None or any(s["npv_usd"] is None for s in values["waterfall"]):
        return None
    import plotly.graph_objects as go

    steps = values["waterfall"]
    names = [s["step"] for s in steps] + ["recommended plan"]
    bases, heights, colors, text = [], [], [], []
    for i, s in enumerate(steps):
        if i == 0:
            bases.append(0.0)
            heights.append(s["npv_usd"])
            colors.append("#9D755D")
            text.append(usd(s["npv_usd"]))
        else:
            lo = min(s["npv_usd"], steps[i - 1]["npv_usd"])
            bases.append(lo)
            heights.append(abs(s["saving_usd"]))
            colors.append("#54A24B" if s["saving_usd"] >= 0 else "#E45756")
            text.append(f"-{usd(s['saving_usd'])}" if s["saving_usd"] >= 0
                        else f"+{usd(-s['saving_usd'])}")
    bases.append(0.0)
    heights.append(steps[-1]["npv_usd"])
    colors.append("#4C78A8")
    text.append(usd(steps[-1]["npv_usd"]))
    fig = go.Figure(go.Bar(x=names, y=heights, base=bases, marker_color=colors, text=text,
                           textposition="outside", hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(**_layout(yaxis_title="NPV (USD)", showlegend=False))
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    return _figure(fig)


# ---------------------------------------------------------------- assumptions

def _quality(q: dict) -> str:
    return ", ".join(f"{k} {num(v)}" for k, v in q.items()) or "-"


def _assumptions(run: RunResult) -> dict:
    s, res, sol = run.scenario, run.resolved, run.solution
    h, f = s.horizon, s.finance
    general = [
        ["horizon", f"{h.periods} {h.period}s from {h.start}"],
        ["discount rate", f"{pct(f.discount_rate, 1)} a year ({f.currency})"],
        ["platform team", f"{_plural(s.staffing.platform_engineers, 'engineer')} once anything is "
                          f"self-hosted, {usd(s.staffing.cost_usd_per_year)} a year each, "
                          f"one engineer per {num(s.staffing.gpus_per_engineer)} GPUs"],
        ["capacity", f"replicas sized so that their busy share (work at peak / replica "
                     f"capacity) is at most {pct(s.capacity.utilization_target)}; at least "
                     f"{s.capacity.min_replicas} replica(s) per model serving interactive or "
                     f"standard traffic"],
    ]
    general += [[label.lower(), text] for label, text in describe_limits(s, sol.data.gpus)
                if label not in ("Utilization target", "Minimum replicas")]
    e = s.existing
    for o in e.owned_gpus:
        general.append(["existing GPUs", f"{o.count} {o.gpu} bought {o.bought} at "
                                         f"{usd(o.price_usd)}, {num(o.life_years, 1)} years life"])
    for r in e.reservations:
        general.append(["existing reservation", f"{r.count} {r.gpu} until {r.ends} at "
                                                f"{usd(r.usd_per_hour, 2)} per GPU-hour"])
    if e.engineers:
        general.append(["existing engineers", str(e.engineers)])

    workloads = [[w.name, w.task, num(_first(w.requests_per_month)), pct(w.growth_per_year),
                  num(w.input_tokens), num(w.output_tokens), pct(w.cached_input_share),
                  num(w.peak_to_average, 1), w.latency, num(w.min_quality),
                  w.residency if isinstance(w.residency, str) else ", ".join(w.residency)]
                 for w in s.workloads[:MAX_ROWS]]
    apis = []
    for a in res.apis[:MAX_ROWS]:
        t = a.tiers[0]
        rt, b = t.realtime, t.batch
        apis.append([a.id, _quality(a.quality), usd(rt.input, 3), usd(rt.cached_input, 3),
                     usd(rt.output, 3),
                     f"{usd(b.input, 3)} / {usd(b.output, 3)}" if b else "-",
                     f"{len(a.tiers)} tiers" if len(a.tiers) > 1 else "",
                     pct(a.price_trend_per_year), rt.source])
    gpus = []
    for g in res.gpus:
        p = g.purchase
        gpus.append([g.name, num(g.memory_gb), usd(g.on_demand_usd_per_hour, 2),
                     usd(g.reserved_usd_per_hour.get("1y"), 2),
                     usd(g.reserved_usd_per_hour.get("3y"), 2),
                     usd(p.price_usd) if p else "-", num(p.life_years, 1) if p else "-",
                     num(p.power_kw, 2) if p else "-"])
    models = []
    for m in res.models:
        serving = "; ".join(
            f"{g}: {sv.gpus_per_replica} GPU(s)/replica, interactive "
            f"{num(sv.interactive.prefill_tokens_per_s)}/{num(sv.interactive.decode_tokens_per_s)}"
            f", batch {num(sv.batch.prefill_tokens_per_s)}/{num(sv.batch.decode_tokens_per_s)}"
            for g, sv in m.serving.items())
        models.append([m.name, _quality(m.quality), num(m.context_window_tokens), serving])
    figure_sources = [[item.name, k, str(v)] for item in (*res.gpus, *res.models)
                      for k, v in item.sources.items()]
    fine_tunes = [[ft.name, ft.base, ", ".join(ft.workloads), usd(ft.training_cost_usd),
                   str(ft.retrain_every_periods or "never"), _quality(ft.quality_uplift),
                   pct(ft.input_token_reduction)] for ft in s.fine_tunes]
    snap = sol.meta.get("prices_snapshot") or dict(res.prices_snapshot)
    sources = [["API prices", " ".join(str(snap.get(k, "")) for k in ("source", "version")
                                       ).strip() or "-"],
               ["prices snapshot date", str(snap.get("date", "-"))]]
    price_sources = sorted({t.realtime.source for a in res.apis for t in a.tiers})
    sources += [["API price source", src] for src in price_sources]
    if run.files:
        sources.append(["scenario files", ", ".join(run.files)])
    meta = sol.meta
    if "options_candidates" in meta:
        sources.append(["model size", f"{num(meta['options_candidates'])} candidate options, "
                                      f"{num(meta.get('options_pruned', 0))} pruned as dominated, "
                                      f"{num(meta.get('options_kept', 0))} kept"])
    return {
        "general": general,
        "workloads": {"header": ["workload", "task", "requests / month (first period)",
                                 "growth / year", "input tokens", "output tokens",
                                 "cached input", "peak / average", "latency", "min quality",
                                 "residency"],
                      "rows": workloads, "cut": max(0, len(s.workloads) - MAX_ROWS)},
        "apis": {"header": ["API", "quality", "input", "cached input", "output",
                            "batch input / output", "tiers", "price trend / year", "source"],
                 "rows": apis, "cut": max(0, len(res.apis) - MAX_ROWS)},
        "gpus": {"header": ["GPU", "memory GB", "on demand / h", "reserved 1y / h",
                            "reserved 3y / h", "purchase", "life years", "power kW"],
                 "rows": gpus, "cut": 0},
        "models": {"header": ["model", "quality", "context tokens",
                              "serving (prefill/decode tokens per s per replica)"],
                   "rows": models, "cut": 0},
        "fine_tunes": {"header": ["fine-tune", "base", "workloads", "training", "retrain every",
                                  "quality uplift", "input token reduction"],
                       "rows": fine_tunes, "cut": 0} if fine_tunes else None,
        "sources": sources,
        "figure_sources": {"header": ["GPU or model", "figure", "source"],
                           "rows": figure_sources, "cut": 0} if figure_sources else None,
        "snapshot_date": str(snap.get("date", "-")),
    }


def _first(v):
    return v[0] if isinstance(v, list) else v


# ---------------------------------------------------------------- environment

@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("tco", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env


@lru_cache(maxsize=1)
def _plotly_source() -> str:
    """plotly.js from the installed plotly package (no download)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
