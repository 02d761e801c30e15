"""Cash apart from quality: expected error cost is not cash.

Shared numbers (engine_helpers): 3e6 requests a quarter of 1000 input and 100 output tokens.
A cheap API (quality 80, $1/$4 per 1M) costs 3e9 x 1e-6 + 3e8 x 4e-6 = 3,000 + 1,200 = 4,200
a quarter; a good one (quality 98, $2/$8) 8,400. With $0.01 per bad answer, expected errors
cost 3e6 x 0.2 x 0.01 = 6,000 (cheap) or 3e6 x 0.02 x 0.01 = 600 (good) a quarter.
"""

from __future__ import annotations

import json

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan
from tco.report.results_json import results_dict
from tco.run import RunResult

APIS = [api("a/cheap", 1.0, 4.0, quality=80), api("b/good", 2.0, 8.0, quality=98)]


def _solve(**finance):
    s = scenario(workloads=[workload(error_cost_usd=0.01)], apis=APIS,
                 finance={"discount_rate": 0.1, **finance})
    return s, plan(s, resolve_plain(s))


def test_quality_adjusted_is_the_default_with_error_costs():
    # Quality-adjusted: cheap 10,200 against good 9,000 a quarter: the good API.
    s, sol = _solve()
    assert sol.meta["objective"] == "quality_adjusted"
    assert "default" in sol.meta["objective_why"]
    a = sol["allocation"]
    assert set(a.option) == {"api:b/good"}
    assert sol.cash_npv_usd + sol.error_npv_usd == pytest.approx(sol.npv_usd)
    assert sol.result.objective == pytest.approx(sol.npv_usd)


def test_cash_objective_ignores_expected_errors():
    # Cash only: cheap 4,200 against good 8,400: the cheap API, whose cash TCO is lower and
    # whose quality-adjusted cost (10,200 a quarter) is higher than the default plan's 9,000.
    s, sol = _solve(objective="cash")
    assert sol.meta["objective"] == "cash" and "finance.objective" in sol.meta["objective_why"]
    assert set(sol["allocation"].option) == {"api:a/cheap"}
    df = sol["cost_views"].discount_factor.to_numpy()
    assert sol.cash_npv_usd == pytest.approx(4_200 * df.sum())
    assert sol.error_npv_usd == pytest.approx(6_000 * df.sum())
    assert sol.result.objective == pytest.approx(sol.cash_npv_usd)
    _, default = _solve()
    assert sol.cash_npv_usd < default.cash_npv_usd
    assert sol.npv_usd > default.npv_usd


def test_cash_plus_expected_errors_is_the_quality_adjusted_cost_per_period_and_category():
    s, sol = _solve()
    c, v = sol["costs"], sol["cost_views"]
    for t in range(4):
        per = c[c.t == t]
        row = v[v.t == t].iloc[0]
        # Per category: every category is cash except the expected error cost.
        assert set(per.loc[~per.cash, "category"]) == {"error"}
        assert row.cash_usd == pytest.approx(float(per.loc[per.cash, "usd"].sum()))
        assert row.expected_error_usd == pytest.approx(600.0)
        assert row.cash_usd == pytest.approx(8_400.0)
        assert row.cash_usd + row.expected_error_usd == pytest.approx(row.quality_adjusted_usd)
        assert row.quality_adjusted_usd == pytest.approx(float(per.usd.sum()))
        assert row.quality_adjusted_npv_usd == pytest.approx(
            row.quality_adjusted_usd * row.discount_factor)
    out = json.loads(json.dumps(results_dict(RunResult(scenario=s, resolved=resolve_plain(s),
                                                       solution=sol))))
    assert out["cash_npv_usd"] + out["expected_error_npv_usd"] == pytest.approx(
        out["quality_adjusted_npv_usd"])
    assert out["objective"]["minimised"] == "quality_adjusted"
    assert len(out["cost_views"]) == 4


def test_without_error_costs_the_plan_minimises_cash():
    s = scenario(workloads=[workload()], apis=APIS)
    sol = plan(s, resolve_plain(s))
    assert sol.meta["objective"] == "cash" and sol.error_npv_usd == 0
    assert sol.cash_npv_usd == pytest.approx(sol.npv_usd)


def test_strategies_rank_on_cash_npv_under_the_cash_objective():
    # finance.objective: cash. Strategy "cheap" (provider a) costs 4,200 cash a quarter, "good"
    # (provider b) 8,400; quality-adjusted they are 10,200 and 9,000. The ranking must compare
    # what the plan minimised, the cash NPV: hybrid (= cheap) 4,200 x sum(df) ranks first,
    # whether its row comes from the plan already solved (`known`) or a fresh solve.
    from tco.analysis.strategies import compare

    s = scenario(workloads=[workload(error_cost_usd=0.01)], apis=APIS,
                 finance={"discount_rate": 0.1, "objective": "cash"},
                 strategies=[{"name": "cheap", "providers": ["a"]},
                             {"name": "good", "providers": ["b"]}])
    r = resolve_plain(s)
    sol = plan(s, r)
    dfs = float(sol["cost_views"].discount_factor.sum())
    for known in ({"hybrid": sol}, None):
        t = compare(s, r, jobs=1, known=known).set_index("strategy")
        assert t.at["hybrid", "npv_usd"] == pytest.approx(4_200 * dfs)
        assert t.at["cheap", "npv_usd"] == pytest.approx(4_200 * dfs)
        assert t.at["good", "npv_usd"] == pytest.approx(8_400 * dfs)
        # Cost per year is of cash too: 4 quarters of 4,200.
        assert t.at["hybrid", "cost_per_year_usd"] == pytest.approx(16_800)
    from tco.report.headline import saving_vs_best_single

    run = RunResult(scenario=s, resolved=r, solution=sol, strategies=t.reset_index())
    saving = saving_vs_best_single(run)
    assert saving.plan_npv_usd == pytest.approx(4_200 * dfs)
    assert saving.usd == pytest.approx(0.0, abs=1e-6)
