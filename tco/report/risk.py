"""The report's risk section: tornado, NPV distributions, self-hosting odds, regret, robust plan.

Formatting only: every number is computed by tco.uncertainty and carried in the RunResult
(`sensitivity`, `montecarlo` with its `draws`, `robust`). `risk_context` returns None when
the run has none of them, and the section is left out.
"""

from __future__ import annotations

import math

import pandas as pd

from tco.report.figures import figure as _figure
from tco.report.figures import layout as _layout

NAMES = {"plan_held_fixed": "recommended plan (held fixed)", "api_only": "APIs only",
         "api_batch_cache": "APIs with batch and cache", "self_host_only": "self-hosting only",
         "hybrid": "hybrid (re-optimised per draw)"}


def _usd(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _pct(x) -> str:
    return "-" if x is None else f"{x:.0%}"



def _name(n: str) -> str:
    return NAMES.get(n, n)


def risk_context(run) -> dict | None:
    """What the template's risk section shows; None when no uncertainty analysis ran."""
    if run.sensitivity is None and run.montecarlo is None and run.robust is None:
        return None
    return {"tornado": _tornado(run.sensitivity), "montecarlo": _montecarlo(run),
            "robust": _robust(run.robust)}


def _tornado(sens: dict | None) -> dict | None:
    if not sens:
        return None
    import plotly.graph_objects as go

    base = sens["base_fixed_usd"]
    bars = [b for b in sens["bars"] if b["fixed_low_usd"] is not None
            and b["fixed_high_usd"] is not None][::-1]  # largest swing on top
    labels = [b["source"] for b in bars]
    fig = go.Figure()
    for key, name, color in (("fixed_low_usd", "input at low", "#4C78A8"),
                             ("fixed_high_usd", "input at high", "#F58518")):
        fig.add_trace(go.Bar(y=labels, x=[b[key] - base for b in bars], base=base,
                             orientation="h", name=name, marker_color=color,
                             customdata=[[b["low"] if key.endswith("low_usd") else b["high"]]
                                         for b in bars],
                             hovertemplate="%{y} at %{customdata[0]:.3g}: %{x:$,.0f}"
                                           "<extra></extra>"))
    fig.update_layout(**_layout(barmode="overlay", xaxis_title="NPV of the recommended plan "
                                "held fixed (USD)", height=max(260, 60 + 34 * len(bars))))
    fig.add_vline(x=base, line_dash="dot", line_color="#555")
    fig.update_xaxes(tickprefix="$", separatethousands=True)
    header = ["input", "range", "low", "high", "NPV at low", "NPV at high", "swing",
              "re-optimised at low", "re-optimised at high", "re-optimised swing"]
    rows = [[b["source"], b["range"], f"{b['low']:.3g}", f"{b['high']:.3g}",
             _usd(b["fixed_low_usd"]), _usd(b["fixed_high_usd"]), _usd(b["swing_fixed_usd"]),
             _usd(b["reoptimised_low_usd"]), _usd(b["reoptimised_high_usd"]),
             _usd(b["swing_reoptimised_usd"])] for b in sens["bars"]]
    return {"figure": _figure(fig), "table": {"header": header, "rows": rows, "cut": 0},
            "base": _usd(base)}


def _montecarlo(run) -> dict | None:
    mc, df = run.montecarlo, run.draws
    if not mc:
        return None
    import plotly.graph_objects as go

    fig = go.Figure()
    for r in mc["strategies"]:
        col = f"npv:{r['strategy']}"
        if df is None or col not in df.columns or not r.get("with_plan"):
            continue
        x = pd.to_numeric(df[col], errors="coerce").dropna()
        fig.add_trace(go.Violin(y=x, name=_name(r["strategy"]), box_visible=False,
                                meanline_visible=True, points=False, spanmode="hard",
                                hoverinfo="skip"))
        for q in ("p10_usd", "p90_usd"):
            fig.add_trace(go.Scatter(x=[_name(r["strategy"])], y=[r[q]], mode="markers",
                                     marker={"symbol": "line-ew-open", "size": 28,
                                             "color": "#333"},
                                     name=q[:3].upper(), showlegend=False,
                                     hovertemplate=f"{q[:3].upper()}: %{{y:$,.0f}}"
                                                   "<extra></extra>"))
    fig.update_layout(**_layout(yaxis_title="NPV (USD)", showlegend=False))
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    header = ["strategy", "draws with a plan", "mean", "± standard error", "P10", "P50", "P90",
              "CVaR90", "mean regret", "P90 regret", "max regret"]
    rows = [[_name(r["strategy"]), f"{r['with_plan']}/{r['draws']}", _usd(r.get("mean_usd")),
             _usd(r.get("standard_error_usd")), _usd(r.get("p10_usd")), _usd(r.get("p50_usd")),
             _usd(r.get("p90_usd")), _usd(r.get("cvar90_usd")), _usd(r.get("mean_regret_usd")),
             _usd(r.get("p90_regret_usd")), _usd(r.get("max_regret_usd"))]
            for r in mc["strategies"]]
    names = [r["strategy"] for r in mc["strategies"]]
    beats = {"header": ["P(row cheaper than column)"] + [_name(n) for n in names],
             "rows": [[_name(r["strategy"])] + [("" if o == r["strategy"] else
                                                 _pct(r["p_beats"].get(o))) for o in names]
                      for r in mc["strategies"]], "cut": 0}
    return {"figure": _figure(fig), "table": {"header": header, "rows": rows, "cut": 0},
            "beats": beats, "draws": mc["draws"], "seed": mc.get("seed"),
            "gap_note": mc.get("gap_note", ""),
            "p_plan": _pct(mc.get("p_self_hosting_pays_plan_held_fixed")),
            "p_hybrid": _pct(mc.get("p_self_hosting_pays_hybrid"))}


def _robust(rb: dict | None) -> dict | None:
    if not rb:
        return None
    rows = []
    for key, label in (("robust", "robust plan"), ("deterministic", "plan for the forecast")):
        fs = rb["first_stage"][key]
        rows.append([label, _usd(rb["expected_npv_usd" if key == "robust"
                                    else "deterministic_expected_npv_usd"]),
                     _usd(rb["cvar_usd" if key == "robust" else "deterministic_cvar_usd"]),
                     ", ".join(f"{r['bought']} {r['gpu']} in {r['period']}"
                               for r in fs["gpus"] if r["bought"]) or "none",
                     ", ".join(f"{r['reserved_1y'] + r['reserved_3y']} {r['gpu']} from "
                               f"{r['period']}" for r in fs["gpus"]
                               if r["reserved_1y"] + r["reserved_3y"]) or "none",
                     str(max(fs["engineers_hired"], default=0))])
    alpha = rb["risk"]["cvar_alpha"]
    return {"table": {"header": ["plan", "expected NPV", f"CVaR{alpha * 100:.0f}",
                                 "GPUs bought", "GPUs reserved", "engineers hired (peak)"],
                      "rows": rows, "cut": 0},
            "vss": _usd(rb["vss_usd"]), "evpi": _usd(rb["evpi_usd"]),
            "ws": _usd(rb["wait_and_see_npv_usd"]), "draws": rb["draws"],
            "enumerated": rb["enumerated"], "gap": rb["solver"]["gap"],
            "evaluation_note": rb.get("evaluation_note", "")}
