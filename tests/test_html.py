"""The HTML report (tco.report.html): written atomically, escaped, self-contained, complete.

The plan comes from the real engine on a small scenario given in full (no catalog). The
strategy table, break-even and curves are solved here too, with the engine restricted per
strategy, because tco.analysis is not this module's business: the report only renders them.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.errors import InfeasibleError
from tco.pipeline import plan
from tco.report import html as html_report
from tco.report.headline import saving_vs_best_single
from tco.report.html import _volume, recommendation, render_html, write_html
from tco.run import RunResult
from tco.scenario.schema import Strategy

EVIL = "<script>window.__pwned=1</script>"
EVIL_WORKLOAD = "<script>window.__pwned=2</script>"

GPUS = [
    {"name": "h100", "on_demand_usd_per_hour": 2.99,
     "reserved_usd_per_hour": {"1y": 2.2, "3y": 1.85},
     "purchase": {"price_usd": 30000, "life_years": 4, "power_kw": 1.2,
                  "facility_usd_per_kw_month": 180}},
    {"name": "l4", "on_demand_usd_per_hour": 0.8, "reserved_usd_per_hour": {"1y": 0.6}},
]


def _models() -> list[dict]:
    big = model("llama-70b", gpu="h100", gpus=2, prefill=20000, decode=1800, quality=80)
    small = model("llama-8b", gpu="l4", gpus=1, prefill=8000, decode=900, quality=65)
    small["serving"]["h100"] = {
        "gpus_per_replica": 1,
        "interactive": {"prefill_tokens_per_s": 40000, "decode_tokens_per_s": 4000},
        "batch": {"prefill_tokens_per_s": 60000, "decode_tokens_per_s": 8000}}
    return [big, small]


def _workloads(scale: float = 1.0) -> list[dict]:
    return [
        workload("support-chat", rpm=3e6 * scale, inp=1800, out=350, growth_per_year=0.6,
                 min_quality=70, cached_input_share=0.5, peak_to_average=2.0),
        workload("summarize-docs", rpm=8e6 * scale, inp=4000, out=300, latency="batch",
                 min_quality=60, growth_per_year=1.0),
        workload(EVIL_WORKLOAD, rpm=2e5 * scale, inp=500, out=200, min_quality=75),
        workload("classify", rpm=2e7 * scale, inp=300, out=5, min_quality=60,
                 growth_per_year=0.3),
    ]


def rich_scenario(scale: float = 1.0, name: str = "ACME " + EVIL):
    """Four workloads, two GPU types (owned, reserved, on demand), three APIs, staff."""
    return scenario(
        name=name,
        description="Example portfolio for the report tests & screenshot.",
        horizon={"start": "2027Q1", "periods": 8, "period": "quarter"},
        finance={"discount_rate": 0.1},
        staffing={"platform_engineers": 1, "cost_usd_per_year": 200000, "gpus_per_engineer": 64},
        workloads=_workloads(scale),
        apis=[api("openai/gpt-4.1", 2.0, 8.0, cached=0.5, quality=88, batch_discount=0.5),
              api("openai/gpt-4.1-mini", 0.4, 1.6, cached=0.1, quality=72, batch_discount=0.5),
              api("anthropic/haiku", 0.8, 4.0, cached=0.08, quality=70)],
        open_models=_models(),
        gpus=copy.deepcopy(GPUS),
    )


STRATEGIES = {
    "api_only": Strategy(name="api_only", option_kinds=["api"]),
    "api_batch_cache": Strategy(name="api_batch_cache", option_kinds=["api", "api_batch"]),
    "self_host_only": Strategy(name="self_host_only", option_kinds=["self_hosted"]),
    "l4_only": Strategy(name="l4_only", option_kinds=["self_hosted"], gpus=["l4"]),
}
SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)


def _npv(s, strategy) -> float | None:
    try:
        return plan(s, resolve_plain(s), strategy).npv_usd
    except InfeasibleError:
        return None


@lru_cache(maxsize=1)
def rich_run() -> RunResult:
    """A solved plan with a strategy table, curves and a break-even (computed here)."""
    s = rich_scenario()
    r = resolve_plain(s)
    sol = plan(s, r)
    years = len(sol.periods) / 4
    rows = []
    for name, strat in [("hybrid", None), *STRATEGIES.items()]:
        npv = sol.npv_usd if strat is None else _npv(s, strat)
        rows.append({"strategy": name, "status": "ok" if npv is not None else "infeasible",
                     "npv_usd": npv, "cost_per_year_usd": npv / years if npv else None,
                     "reason": "" if npv is not None else "no l4 model meets min_quality"})
    strategies = pd.DataFrame(rows)
    single = strategies[strategies.strategy.isin(["api_only", "self_host_only"])]["npv_usd"].min()
    strategies["savings_vs_best_single_usd"] = single - strategies["npv_usd"]
    strategies["savings_vs_best_single_pct"] = (strategies["savings_vs_best_single_usd"]
                                                / single * 100)
    curve_rows = []
    for k in SCALES:
        sk = rich_scenario(k)
        for name in ("api_only", "self_host_only", "hybrid"):
            npv = _npv(sk, STRATEGIES.get(name))
            curve_rows.append({"strategy": name, "scale": k, "npv_usd": npv,
                               "status": "ok" if npv is not None else "infeasible"})
    curves = pd.DataFrame(curve_rows)
    breakeven = [_crossing(curves, "self_host_only", "api_only", s)]
    return RunResult(scenario=s, resolved=r, solution=sol, files=("tests/test_html.py",),
                     strategies=strategies, breakeven=breakeven, curves=curves)


def _crossing(curves: pd.DataFrame, a: str, b: str, s) -> dict:
    """Where curve a crosses curve b, by log-linear interpolation (good enough for a fixture)."""
    ca = curves[curves.strategy == a].set_index("scale")["npv_usd"]
    cb = curves[curves.strategy == b].set_index("scale")["npv_usd"]
    d = (ca - cb).dropna()
    for (x0, d0), (x1, d1) in zip(d.items(), list(d.items())[1:]):
        if d0 > 0 >= d1:
            lx = np.log(x0) + (np.log(x1) - np.log(x0)) * d0 / (d0 - d1)
            scale = float(np.exp(lx))
            rpm = scale * sum(w.requests_per_month for w in s.workloads)
            return {"a": a, "b": b, "found": True, "kind": "crossing", "scale": scale,
                    "requests_per_month": rpm, "tokens_per_month": None,
                    "message": f"{b} is cheaper below and {a} above {scale:.3g}x today's demand"}
    return {"a": a, "b": b, "found": False, "kind": None, "scale": None,
            "message": f"No break-even between {SCALES[0]}x and {SCALES[-1]}x today's demand."}


@lru_cache(maxsize=1)
def plain_run() -> RunResult:
    """The plan alone: no strategy analysis, so the analysis charts give way to sentences."""
    s = rich_scenario()
    r = resolve_plain(s)
    return RunResult(scenario=s, resolved=r, solution=plan(s, r))


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(rich_run())


class _Refs(HTMLParser):
    """Collects tags and their src/href/etc. attributes (script bodies are not parsed as tags)."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        for k in ("src", "href", "action", "data", "poster", "srcset", "background"):
            if a.get(k):
                self.refs.append((tag, k, a[k]))


def _parse(text: str) -> _Refs:
    p = _Refs()
    p.feed(text)
    return p


def test_written_atomically(tmp_path, monkeypatch):
    out = tmp_path / "deep" / "report.html"
    calls = []
    real = html_report.write_text_atomic

    def spy(path, text):
        calls.append(Path(path))
        return real(path, text)

    monkeypatch.setattr(html_report, "write_text_atomic", spy)
    written = write_html(rich_run(), out)
    assert written == out and calls[-1] == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == sorted(["report.html", html_report.plotly_file_name()])  # no temp file


def test_failed_render_leaves_old_report(tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")

    def boom(path, write):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tco.report.atomic.write_atomic", boom)
    with pytest.raises(RuntimeError):
        write_html(rich_run(), out)
    assert out.read_text(encoding="utf-8") == "old"


def test_names_are_escaped(page):
    assert EVIL not in page and EVIL_WORKLOAD not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in page
    # Inside the chart JSON too, `<` never appears raw, so no element can end early.
    for m in re.finditer(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in m.group(1)
    scripts = [t for t, _ in _parse(page).tags if t == "script"]
    assert len(scripts) == 2 + page.count('type="application/json"')


def test_nothing_external(page):
    refs = _parse(page).refs
    assert not [r for r in refs if re.match(r"\s*(https?:)?//", r[2])], refs
    assert not re.search(r"<link\b", page)
    assert "@import" not in page and "@font-face" not in page
    assert "cdn.plot.ly" not in page.split("<script>")[0]


def test_plotly_shared_beside_the_report_and_page_small(tmp_path):
    # report.html was 4.9 MB with plotly inlined; now plotly.js is one shared file beside it
    from plotly.offline import get_plotlyjs_version

    from tco.report.html import plotly_file_name

    out = write_html(rich_run(), tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 2_000_000
    script = tmp_path / plotly_file_name()
    assert get_plotlyjs_version() in script.name and script.stat().st_size > 3_000_000
    assert f'<script src="{script.name}"></script>' in page
    for chart in ("strategies", "costs", "capacity", "volume"):
        assert f'id="chart-{chart}"' in page and f'id="fig-{chart}"' in page


def test_recommendation_sentence(page):
    run = rich_run()
    text = recommendation(run)
    assert text.startswith("Serve ") and text.endswith(".")
    saving = saving_vs_best_single(run)
    assert "NPV $" in text and "%" in text
    # Against the best single-mode strategy, the same figure the workbook restates.
    share = abs(saving.share)  # one decimal below 10%, so a 0.15% saving never reads "0%"
    assert (f"${abs(saving.usd):,.0f} ({share * 100:.{1 if share < 0.1 else 0}f}%) "
            f"{'below' if saving.usd >= 0 else 'above'} the best single-mode strategy "
            f"({saving.against})") in text
    assert "breaks even at" in text and "requests per month" in text
    assert "h100" in text and "through APIs" in text
    assert re.search(r"from 20\d\dQ\d", text)
    assert 'id="recommendation"' in page


def test_small_saving_is_not_rounded_to_zero_percent(monkeypatch):
    # A hybrid plan $2,081 (0.149%) below the best single mode read "(0%)" in the headline.
    import tco.report.html as html
    from tco.report.headline import Saving

    run = rich_run()
    monkeypatch.setattr(html, "saving_vs_best_single",
                        lambda r: Saving("self_host_only", 1_394_679.0, 1_392_598.0))
    assert "$2,081 (0.1%) below the best single-mode strategy" in recommendation(run)


def test_sections_in_order(page):
    marks = ['id="recommendation"', 'id="key-figures"', 'id="strategies"', 'id="costs"',
             'id="capacity"', 'id="volume"', 'id="workloads"', 'id="assumptions"',
             'id="solver-status"']
    pos = [page.index(m) for m in marks]
    assert pos == sorted(pos)


def test_content(page):
    run = rich_run()
    for w in ("support-chat", "summarize-docs", "classify"):
        assert w in page
    assert "openai/gpt-4.1-mini" in page and "llama-70b" in page
    assert "proven optimal" in page
    assert "platform engineers" in page
    assert "Prices as of" in page and "prices snapshot date" in page
    assert "self-hosting only" in page and "not feasible" in page
    assert f"${run.solution.npv_usd:,.0f}" in page
    assert "@media print" in page


def test_absent_analysis_says_so(tmp_path):
    text = render_html(plain_run())
    assert 'data-absent="strategies"' in text and 'data-absent="volume"' in text
    assert 'id="chart-strategies"' not in text and 'id="chart-volume"' not in text
    assert 'id="chart-costs"' in text
    assert "was not computed for this run" in text
    sentence = recommendation(plain_run())
    assert "NPV $" in sentence and "single-mode" not in sentence


def test_api_only_plan_needs_no_capacity_chart():
    s = scenario(name="apis", workloads=[workload("w")], apis=[api("a/x", 1.0, 2.0)])
    r = resolve_plain(s)
    run = RunResult(scenario=s, resolved=r, solution=plan(s, r))
    text = render_html(run)
    assert 'data-absent="capacity"' in text and "Nothing is self-hosted" in text
    assert recommendation(run).startswith("Serve w through a/x: cash TCO NPV $")


def test_not_optimal_is_said_plainly():
    import dataclasses

    run = plain_run()
    sol = copy.copy(run.solution)
    sol.result = dataclasses.replace(sol.result, status="time_limit",
                                     termination="maxTimeLimit", gap=0.031)
    text = render_html(dataclasses.replace(run, solution=sol))
    assert "NOT PROVEN OPTIMAL" in text and "3.10%" in text
    assert 'role="alert"' in text


def test_no_crossover_is_said_plainly():
    import dataclasses

    none = {"a": "self_host_only", "b": "api_only", "found": False, "kind": None, "scale": None,
            "min_scale": 0.01, "max_scale": 1000.0, "per_workload": [], "infeasible": {},
            "message": "No break-even: api_only is cheaper at every scale searched."}
    run = dataclasses.replace(rich_run(), breakeven=[none])
    sentence = recommendation(run)
    assert sentence.endswith("self-hosting does not break even between 0.01x and 1,000x "
                             "today's volume.")
    text = render_html(run)
    assert "api_only is cheaper at every scale searched" in text
    assert "self-host = APIs at" not in text  # no marker without a crossover


def test_close_break_evens_are_labelled_apart():
    # make run drew "break-even 0.88x" and "break-even 1.77x" over each other: labels closer
    # than half a decade (log10(1.77 / 0.88) = 0.30) are stacked 16 px apart, each naming its
    # pair; one two decades away stays on the first row.
    import dataclasses

    def found(a, b, scale):
        return {"a": a, "b": b, "found": True, "kind": "crossing", "scale": scale,
                "requests_per_month": None, "tokens_per_month": None, "message": ""}

    run = dataclasses.replace(rich_run(), breakeven=[
        found("self_host_only", "api_batch_cache", 1.77), found("hybrid", "api_batch_cache", 0.88),
        found("self_host_only", "api_only", 100.0)])
    fig = _volume(run)["figure"]
    notes = {a["text"]: a.get("yshift", 0) for a in fig["layout"]["annotations"]}
    assert notes == {"hybrid = APIs+batch at 0.88x": 0, "self-host = APIs+batch at 1.77x": 16,
                     "self-host = APIs at 100x": 0}


def test_curves_say_which_points_hold_to_a_wider_gap():
    # Curve points stop once their order against the API strategies is decided: the report
    # says, under the chart, how many hold to a wider gap than the plan's and the widest.
    import dataclasses

    from markupsafe import escape

    run = rich_run()
    gaps = [0.0] * len(run.curves)
    gaps[-1], gaps[-2] = 0.0123, 0.004
    wide = dataclasses.replace(run, curves=run.curves.assign(mip_gap=gaps))
    note = _volume(wide)["curves_note"]
    assert f"except 2 of {len(gaps)} points" in note and "up to 1.23%" in note
    assert str(escape(note)) in render_html(wide)
    exact = dataclasses.replace(run, curves=run.curves.assign(mip_gap=0.0))
    assert _volume(exact)["curves_note"].endswith("relative MIP gap.")
