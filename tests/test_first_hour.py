"""Issue 18: what a CTO met in her first hour with tco, each as the test that reproduces it.

Engine figures are hand-worked on tiny scenarios (tests/engine_helpers.py): 4 quarters, no
discounting, no staff unless said. A chat workload of 1M requests a month, 1000 input and 100
output tokens, costs 3M x (1000 x $2 + 100 x $8) / 1e6 = $8,400 a quarter on an API priced
$2 / $8 per 1M tokens, $33,600 over the year.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload
from typer.testing import CliRunner

from tco.analysis.strategies import API_BATCH_CACHE, API_ONLY, strategy_named
from tco.errors import InfeasibleError, ScenarioError
from tco.pipeline import plan

API_YEAR = 33_600.0
GPU = {"name": "g", "on_demand_usd_per_hour": 5.0}


def solve(s, strategy=None):
    return plan(s, resolve_plain(s), strategy)


# ------------------------------------------------------------------ zero demand is not free

def test_zero_demand_needs_no_capacity_replicas_or_staff():
    # rag has no traffic and must stay on our GPUs; with min_replicas 2 and a platform team of
    # two, the old plan still paid 2 replicas x 2190 h x $5 x 4 quarters and 2 engineers.
    s = scenario(workloads=[workload("chat"), workload("rag", rpm=0, residency="self_hosted")],
                 apis=[api("a/x", 2.0, 8.0)], open_models=[model()], gpus=[GPU],
                 capacity={"min_replicas": 2},
                 staffing={"platform_engineers": 2, "cost_usd_per_year": 100_000})
    sol = solve(s)
    assert sol.npv_usd == pytest.approx(API_YEAR)
    assert sol["replicas"].empty and sol["fleet"].empty
    assert sol["staffing"]["engineers_total"].max() == 0
    assert sol["allocation"].query("workload == 'rag'").empty
    rag = sol["unit_costs"].set_index("workload").loc["rag"]
    assert rag.npv_usd == 0 and pd.isna(rag.usd_per_mtok)


def test_zero_demand_period_frees_its_replicas():
    # traffic only in the first quarter: one replica there (5 x 2190 = $10,950), none after
    s = scenario(workloads=[workload("rag", rpm=[1e6, 0, 0, 0], residency="self_hosted")],
                 open_models=[model()], gpus=[GPU])
    sol = solve(s)
    assert sol.npv_usd == pytest.approx(10_950)
    assert list(sol["replicas"]["t"]) == [0]


# ------------------------------------------------------- pinned workloads and strategies

def _pinned():
    return scenario(workloads=[workload("chat"), workload("rag", residency="self_hosted")],
                    apis=[api("a/x", 2.0, 8.0)], open_models=[model()], gpus=[GPU])


def test_api_only_applies_to_the_workloads_free_to_choose():
    # rag on one replica ($10,950 a quarter) in every strategy; chat through the API
    sol = solve(_pinned(), API_ONLY)
    alloc = sol["allocation"]
    assert set(alloc.query("workload == 'rag'")["kind"]) == {"self_hosted"}
    assert set(alloc.query("workload == 'chat'")["kind"]) == {"api"}
    assert sol.npv_usd == pytest.approx(API_YEAR + 4 * 10_950)


def test_comparison_names_the_pinned_workloads():
    from tco.analysis import compare

    s = _pinned()
    table = compare(s, resolve_plain(s), jobs=1)
    assert (table.status == "ok").all(), table
    assert table.attrs["pinned"] == ["rag (residency: self_hosted)"]


def test_strategy_pin_prices_what_we_run_now():
    # "today": chat pinned to self-hosting although the API is cheaper: 2 x $10,950 a quarter
    s = scenario(workloads=[workload("chat"), workload("rag", residency="self_hosted")],
                 apis=[api("a/x", 2.0, 8.0)], open_models=[model()], gpus=[GPU],
                 strategies=[{"name": "today", "pin": {"chat": "self_hosted"}}])
    today = solve(s, strategy_named(s, "today"))
    assert set(today["allocation"].query("workload == 'chat'")["kind"]) == {"self_hosted"}
    # both workloads share one deployment: 2M requests x 0.2 s = 333 replica-hours a quarter,
    # one replica still holds it: $10,950 a quarter
    assert today.npv_usd == pytest.approx(4 * 10_950)


def test_workload_pin_and_allow_restrict_its_options():
    apis = [api("a/x", 2.0, 8.0), api("b/y", 1.0, 4.0)]
    pinned = solve(scenario(workloads=[workload(pin="a/x")], apis=apis))
    assert set(pinned["allocation"]["api"]) == {"a/x"}
    allowed = solve(scenario(workloads=[workload(allow=["a", "b"])], apis=apis))
    assert set(allowed["allocation"]["api"]) == {"b/y"}
    assert allowed.npv_usd == pytest.approx(API_YEAR / 2)


# ---------------------------------------------------------------------- vendor sprawl

def _capped(**cons):
    # a/x at $2/$8, b/y at twice that; a provider may take 95% of the tokens
    return scenario(workloads=[workload()],
                    apis=[api("a/x", 2.0, 8.0), api("b/y", 4.0, 16.0)],
                    constraints={"max_share_per_provider": 0.95, **cons})


def test_min_share_when_used_stops_a_five_percent_split():
    # without the rule: 95% a + 5% b = 33,600 x (0.95 + 0.05 x 2) = 35,280
    free = solve(_capped(min_share_when_used=None))
    assert free.npv_usd == pytest.approx(35_280)
    # default rule (10%): b serves 0 or >= 10%, so 90% a + 10% b = 33,600 x 1.1 = 36,960
    ruled = solve(_capped())
    assert ruled.npv_usd == pytest.approx(36_960)
    shares = ruled["allocation"].groupby("api")["share"].min()
    assert shares["b/y"] == pytest.approx(0.1)


def test_max_providers_per_workload_is_enforced():
    three = [api("a/x", 2.0, 8.0), api("b/y", 4.0, 16.0), api("c/z", 6.0, 24.0)]
    s = scenario(workloads=[workload()], apis=three,
                 constraints={"max_share_per_provider": 0.4})
    assert solve(s).npv_usd == pytest.approx(API_YEAR * (0.4 + 0.8 + 0.6))
    with pytest.raises(InfeasibleError):
        solve(scenario(workloads=[workload()], apis=three,
                       constraints={"max_share_per_provider": 0.4,
                                    "max_providers_per_workload": 2}))


# ------------------------------------------------------------ the cost of a constraint

def test_constraint_costs_price_residency_and_the_sprawl_rule():
    from tco.analysis.constraint_costs import constraint_costs

    s = scenario(workloads=[workload("rag", residency="self_hosted")],
                 apis=[api("a/x", 2.0, 8.0)], open_models=[model()], gpus=[GPU])
    with_it = solve(s).npv_usd
    assert with_it == pytest.approx(4 * 10_950)
    rows = {r["constraint"]: r for r in constraint_costs(s, resolve_plain(s), with_it)}
    # without residency the API serves it for 33,600: the rule costs 43,800 - 33,600
    assert rows["residency of rag"]["cost_usd"] == pytest.approx(10_200)
    capped = _capped()
    rows = {r["constraint"]: r for r in constraint_costs(capped, resolve_plain(capped),
                                                         36_960)}
    assert rows["vendor sprawl rules"]["cost_usd"] == pytest.approx(36_960 - 35_280)
    assert rows["max_share_per_provider"]["cost_usd"] == pytest.approx(36_960 - API_YEAR)


def test_constraint_costs_solved_in_the_analysis_pool_equal_the_serial_ones():
    # `tco run` re-solves the plan without each rule in the analysis's worker processes, in
    # parallel: the same rows, in the same order, as one solve after another here, and they
    # reach results.json.
    from tco.analysis.constraint_costs import constraint_costs
    from tco.pipeline import Prepared, run_scenario
    from tco.report.results_json import results_dict

    capped = _capped()
    r = resolve_plain(capped)
    serial = constraint_costs(capped, r, plan(capped, r).npv_usd)
    assert [x["constraint"] for x in serial] == ["max_share_per_provider", "vendor sprawl rules"]
    run = run_scenario(Prepared(capped, r, lambda path: (None, None), ("capped.yaml",)), jobs=2)
    assert run.constraint_costs == serial
    assert results_dict(run)["constraint_costs"] == serial
    assert run.timings["constraint_costs"] > 0


# ----------------------------------------------------------------------------- break-even

def test_breakeven_infeasible_today_is_reported_without_a_search():
    from tco.analysis import Evaluator, breakeven

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], open_models=[model()],
                 gpus=[GPU], strategies=[{"name": "nowhere", "gpus": ["g"],
                                          "option_kinds": ["self_hosted"], "models": ["m"]}])
    s = s.model_copy(update={"workloads": [s.workloads[0].model_copy(
        update={"min_quality": 85, "error_cost_usd": 0})]})
    with Evaluator(s, resolve_plain(s), jobs=1) as ev:
        r = breakeven(s, resolve_plain(s), "self_host_only", "api_only", evaluator=ev)
        assert ev.solves <= 2
    assert r["found"] is False and r["infeasible_today"] == ["self_host_only", "api_only"]
    assert "no feasible plan at today's demand" in r["message"]


def test_default_breakeven_is_against_the_cheapest_api_strategy():
    from tco.analysis import Evaluator
    from tco.analysis.breakeven import cheapest_api

    # a batch workload: the batch API at half price makes api_batch_cache the cheaper one
    s = scenario(workloads=[workload(latency="batch")],
                 apis=[api("a/x", 2.0, 8.0, batch_discount=0.5)])
    with Evaluator(s, resolve_plain(s), jobs=1) as ev:
        assert cheapest_api(s, ev) == API_BATCH_CACHE.name


def test_headline_follows_the_plan_and_its_breakeven():
    from tco.report.html import _breakeven

    never = {"a": "hybrid", "b": "api_batch_cache", "found": False, "min_scale": 0.01,
             "max_scale": 1000, "cheaper_throughout": "hybrid"}
    assert "costs less than" in _breakeven(never)["sentence"]
    assert "does not break even" not in _breakeven(never)["sentence"]
    today = {**never, "cheaper_throughout": None, "infeasible_today": ["api_only"]}
    assert "cannot serve today's workloads" in _breakeven(today)["sentence"]


# ------------------------------------------------------------------ the command line

CHAT = """
  - name: support-chat
    task: chat
    requests_per_month: 1000000
    input_tokens: 1000
    output_tokens: 100
"""
RAG = """
  - name: rag
    task: rag
    requests_per_month: 100000
    input_tokens: 2000
    output_tokens: 200
    residency: self_hosted
"""
APIS = """
apis:
  - id: acme/chat
    price: {input_usd_per_mtok: 2, output_usd_per_mtok: 8}
    quality: {chat: 80, rag: 80}
  - id: other/coder
    price: {input_usd_per_mtok: 1, output_usd_per_mtok: 2}
    quality: {code: 90}
"""
HOSTING = """
open_models:
  - name: llama-3.3-70b
    quality: {chat: 75, rag: 74}
gpus:
  - name: h100-80gb
"""


@pytest.fixture
def files(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text("name: base\n" + APIS + HOSTING)
    main = tmp_path / "cto.yaml"
    main.write_text("extends: base.yaml\nname: cto\nworkloads:" + CHAT + RAG)
    return tmp_path


def cli(*args: str):
    from tco.cli import app

    return CliRunner().invoke(app, list(args))


def test_validate_warns_of_an_api_no_workload_can_use(files):
    r = cli("validate", str(files / "cto.yaml"))
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "other/coder" in x)
    # located in the file that lists it, with why
    assert line.startswith(f"{files / 'base.yaml'}:") and "apis[1]" in line
    assert "can serve no workload" in line and "no score for task 'chat'" in line


def test_validate_fails_when_residency_leaves_no_candidate(files):
    (files / "cto.yaml").write_text("extends: base.yaml\nname: cto\nworkloads:" + CHAT
                                    + RAG.replace("task: rag", "task: legal"))
    (files / "base.yaml").write_text("name: base\n" + APIS.replace("rag: 80", "legal: 80")
                                     + HOSTING)
    r = cli("validate", str(files / "cto.yaml"))
    assert r.exit_code == 2, r.output
    out = r.output
    assert f"{files / 'cto.yaml'}:10: workloads[1]: workload 'rag' has no option left" in out
    assert "residency: self_hosted only" in out
    assert "to fix: add a score for it (`quality: {legal: ...}`) to an open model" in out


def test_unservable_reasons_are_grouped():
    from tco.model.explain_reasons import grouped

    reasons = [f"self:m{i}@g/interactive: quality: no score for task 'rag'" for i in range(20)]
    reasons += [f"api:p/a{i}: residency: self_hosted only" for i in range(12)]
    lines = grouped(reasons)
    assert len(lines) == 2
    assert lines[0].startswith("20 candidates: quality: no score for task 'rag': self:m0@g")
    assert lines[0].endswith("and 17 more") and lines[1].startswith("12 candidates: residency")


def test_extends_not_found_is_said_as_written(tmp_path, monkeypatch):
    sub = tmp_path / "team"
    sub.mkdir()
    (sub / "child.yaml").write_text("extends: ../shared/base.yaml\nname: x\n")
    monkeypatch.chdir(tmp_path.parent)
    r = cli("validate", str(sub / "child.yaml"))
    assert r.exit_code == 2
    assert "file not found: '../shared/base.yaml', relative to child.yaml" in r.output


def test_set_and_scale_change_the_plan_without_editing_files(files):
    from tco.pipeline import prepare

    p = prepare(files / "cto.yaml", ["workloads[support-chat].requests_per_month=0",
                                     "apis[*].price_trend_per_year=-0.3"], scale=0.5)
    chat, rag = p.scenario.workloads
    assert chat.requests_per_month == 0 and rag.requests_per_month == 50_000
    assert {a.price_trend_per_year for a in p.scenario.apis} == {-0.3}
    r = cli("compare", str(files / "cto.yaml"), "--set", "nope=1", "-j", "1")
    assert isinstance(r.exception, ScenarioError) and r.exception.exit_code == 2
    assert "nope" in str(r.exception)


def test_global_api_price_trend_is_a_default(files):
    from tco.pipeline import prepare

    p = prepare(files / "cto.yaml", ["api_price_trend_per_year=-0.2",
                                     "apis[acme/chat].price_trend_per_year=0.1"])
    trends = {a.id: a.price_trend_per_year for a in p.scenario.apis}
    assert trends == {"acme/chat": 0.1, "other/coder": -0.2}


def test_compare_two_scenarios_side_by_side_as_json(files):
    (files / "half.yaml").write_text("extends: cto.yaml\nname: half\n"
                                     "workloads:\n  - name: support-chat\n"
                                     "    requests_per_month: 500000\n")
    r = cli("compare", str(files / "cto.yaml"), str(files / "half.yaml"), "-j", "1",
            "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {x["strategy"]: x for x in json.loads(r.stdout[r.stdout.index("["):])}
    api = rows["api_only"]
    # half the chat traffic through the API: 1.5M requests a quarter less x $0.0028 x 12
    # quarters, discounted; the pinned rag workload is the same in both
    assert api["status_a"] == api["status_b"] == "ok"
    assert api["difference_usd"] == pytest.approx(api["npv_b_usd"] - api["npv_a_usd"])
    assert api["difference_usd"] < 0


def test_catalog_apis_fits_80_columns_and_has_csv():
    import csv
    import io

    from rich.console import Console

    import tco.catalog.cli as catalog_cli

    narrow = Console(width=80, record=True, file=io.StringIO())
    old = catalog_cli.console
    catalog_cli.console = narrow
    try:
        r = cli("catalog", "apis", "--provider", "openai")
    finally:
        catalog_cli.console = old
    assert r.exit_code == 0, r.output
    text = narrow.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "openai/gpt-4.1-mini" in text  # ids are whole, never cut
    r = cli("catalog", "apis", "--provider", "openai", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and {"id", "input", "output", "source"} <= set(rows[0])


def test_no_negative_zero_or_nan_in_tables():
    from tco.tabular import clean

    assert clean({"a": -0.0, "b": float("nan"), "c": [-0.0]}) == {"a": 0.0, "b": None,
                                                                  "c": [0.0]}
    assert str(clean(-0.0)) == "0.0"


def test_constraint_costs_reach_both_reports():
    from tco.report.html import render_html
    from tco.report.workbook.index import build_workbook
    from tco.run import RunResult

    s = scenario(workloads=[workload("rag", residency="self_hosted")],
                 apis=[api("a/x", 2.0, 8.0)], open_models=[model()], gpus=[GPU])
    r = resolve_plain(s)
    run = RunResult(scenario=s, resolved=r, solution=plan(s, r))
    from tco.analysis.constraint_costs import constraint_costs

    run.constraint_costs = constraint_costs(s, r, run.solution.npv_usd)
    assert "What each constraint costs" in render_html(run)
    assert "$10,200" in render_html(run)
    wb = build_workbook(run)
    ws = wb["Strategies"]
    cells = [c.value for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=8)
             for c in row]
    assert "residency of rag" in cells
    assert any(isinstance(v, int | float) and v == pytest.approx(10_200) for v in cells), cells


def test_sprawl_rule_keeps_merging_exact():
    # seed 1: merged, w2 and its twin (2.5x) would put 2.9% of their joint traffic on an API,
    # which the rule forbids for the group; apart, w2 alone takes the API share (>= 10%) and
    # the plan costs what the unmerged model says
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from test_aggregate import unmerged, with_twins

    s = with_twins(1)
    s = s.model_copy(update={"constraints": s.constraints.model_copy(
        update={"min_share_when_used": 0.1})})
    sol = solve(s)
    assert sol.npv_usd == pytest.approx(unmerged(s).npv_usd, rel=1e-6)
    a = sol["allocation"]
    api_shares = a[a.provider.notna()].groupby(["workload", "t"])["share"].sum()
    assert ((api_shares == 0) | (api_shares >= 0.1 - 1e-9)).all()


def test_key_figure_break_even_says_who_wins_without_a_crossing():
    from tco.report.html import _key_figures
    from tco.run import RunResult

    s = _pinned()
    r = resolve_plain(s)
    run = RunResult(scenario=s, resolved=r, solution=plan(s, r),
                    breakeven=[{"a": "hybrid", "b": "api_only", "found": False,
                                "cheaper_throughout": "hybrid", "min_scale": 0.01,
                                "max_scale": 1000}])
    fig = next(f for f in _key_figures(run) if f["label"] == "Break-even volume")
    assert fig["value"] == "always cheaper" and "hybrid" in fig["note"]


def test_a_constraint_never_costs_less_than_nothing(monkeypatch):
    # The plan with the rule is a plan without it too, so a solve without the rule that comes
    # back dearer (it is proven only to its MIP gap, or stopped at its time limit) does not
    # make the rule a saving: the NPV without it is the plan's with it, the cost 0.
    from tco.analysis import constraint_costs as cc

    capped = _capped()
    dearer = type("Dearer", (), {"npv_usd": 36_960 + 5_000.0})

    monkeypatch.setattr("tco.pipeline.plan", lambda *a, **k: dearer)
    rows = cc.constraint_costs(capped, resolve_plain(capped), 36_960)
    assert rows and all(r["npv_without_usd"] == 36_960 and r["cost_usd"] == 0.0 for r in rows)
