"""Semantic checks: each check_* on a small scenario, every problem collected, paths exact."""

from __future__ import annotations

from typing import Any

import pytest

from tco.catalog.types import (
    OperatingPoint,
    PriceTier,
    Resolved,
    ResolvedApi,
    ResolvedModel,
    ResolvedServing,
    TokenPrices,
)
from tco.errors import ScenarioError
from tco.scenario import checks
from tco.scenario.schema import Scenario

WORKLOAD = {"name": "chat", "task": "chat", "requests_per_month": 1000, "input_tokens": 500,
            "output_tokens": 100}


def scenario(**sections: Any) -> Scenario:
    data: dict[str, Any] = {"name": "t", "workloads": [WORKLOAD]}
    data.update(sections)
    return Scenario.model_validate(data)


def paths(problems) -> list[tuple]:
    return [p.path for p in problems]


def test_valid_scenario_passes_every_check() -> None:
    checks.check_scenario(scenario(apis=[{"id": "openai/gpt-4.1", "quality": {"chat": 80}}]))


def test_duplicate_names_in_every_named_list() -> None:
    s = scenario(workloads=[WORKLOAD, WORKLOAD],
                 apis=[{"id": "a/x"}, {"id": "a/x"}],
                 open_models=[{"name": "m"}, {"name": "m"}],
                 gpus=[{"name": "g"}, {"name": "g"}],
                 fine_tunes=[{"name": "f", "base": "m", "workloads": ["chat"],
                              "training_cost_usd": 1}] * 2,
                 strategies=[{"name": "s"}, {"name": "s"}])
    found = checks.check_unique_names(s)
    assert paths(found) == [("workloads", 1, "name"), ("apis", 1, "id"),
                            ("open_models", 1, "name"), ("gpus", 1, "name"),
                            ("fine_tunes", 1, "name"), ("strategies", 1, "name")]
    assert "duplicate id 'a/x' (also apis[0]" in found[1].message


def test_serving_entry_for_unknown_gpu() -> None:
    s = scenario(gpus=[{"name": "h100-80gb"}],
                 open_models=[{"name": "m", "serving": {"h100-80gb": {}, "h200": {}}}])
    [p] = checks.check_serving_gpus(s)
    assert p.path == ("open_models", 0, "serving", "h200")
    assert "unknown GPU 'h200'" in p.message and "h100-80gb" in p.message


def test_fine_tune_unknown_base_and_workload() -> None:
    s = scenario(apis=[{"id": "openai/gpt-4.1-mini"}],
                 fine_tunes=[{"name": "ok", "base": "openai/gpt-4.1-mini", "workloads": ["chat"],
                              "training_cost_usd": 1},
                             {"name": "bad", "base": "llama", "workloads": ["chat", "x"],
                              "training_cost_usd": 1}])
    found = checks.check_fine_tune_references(s)
    assert paths(found) == [("fine_tunes", 1, "base"), ("fine_tunes", 1, "workloads", 1)]


def test_requests_list_must_match_horizon_periods() -> None:
    s = scenario(horizon={"periods": 3},
                 workloads=[{**WORKLOAD, "requests_per_month": [1, 2]},
                            {**WORKLOAD, "name": "ok", "requests_per_month": [1, 2, 3]}])
    [p] = checks.check_demand_lengths(s)
    assert p.path == ("workloads", 0, "requests_per_month")
    assert "2 figures given (expected one per period: 3" in p.message


def test_demand_beyond_a_trillion_requests_a_month_is_refused() -> None:
    # 1e12 is allowed; 1e15 is not; 1e9 growing 1,000% a year for 2.75 years (12 quarters)
    # reaches 1e9 x 11^2.75 = 7.2e11: allowed; at 3,000% a year 1e9 x 31^2.75 = 1.26e13: not.
    s = scenario(horizon={"periods": 12},
                 workloads=[{**WORKLOAD, "requests_per_month": 1e12},
                            {**WORKLOAD, "name": "huge", "requests_per_month": 1e15},
                            {**WORKLOAD, "name": "ok", "requests_per_month": 1e9,
                             "growth_per_year": 10},
                            {**WORKLOAD, "name": "grows", "requests_per_month": 1e9,
                             "growth_per_year": 30},
                            {**WORKLOAD, "name": "list", "requests_per_month": [1] * 11 + [2e12]}])
    found = checks.check_demand_scale(s)
    assert paths(found) == [("workloads", i, "requests_per_month") for i in (1, 3, 4)]
    assert found[0].message.startswith("1e+15 requests a month (expected at most 1e+12 in any")
    assert found[1].message.startswith("grows to 1.26e+13 requests a month by the last period")


def test_residency_names_unknown_provider() -> None:
    s = scenario(apis=[{"id": "openai/gpt-4.1"}],
                 workloads=[{**WORKLOAD, "residency": ["openai", "mistral"]}])
    [p] = checks.check_residency(s)
    assert p.path == ("workloads", 0, "residency", 1)
    assert "no API has provider 'mistral'" in p.message


def test_self_hosted_residency_needs_models_and_gpus() -> None:
    s = scenario(workloads=[{**WORKLOAD, "residency": "self_hosted"}], gpus=[{"name": "g"}])
    [p] = checks.check_residency(s)
    assert p.path == ("workloads", 0, "residency") and "self_hosted" in p.message


def test_existing_assets_gpu_and_period_labels() -> None:
    s = scenario(gpus=[{"name": "a100-80gb"}], existing={
        "owned_gpus": [{"gpu": "a100", "count": 1, "bought": "2025-06", "price_usd": 1,
                        "life_years": 4},
                       {"gpu": "a100-80gb", "count": 1, "bought": "2028Q1", "price_usd": 1,
                        "life_years": 4}],
        "reservations": [{"gpu": "a100-80gb", "count": 1, "ends": "soon", "usd_per_hour": 1}]})
    found = checks.check_existing(s)
    assert paths(found) == [("existing", "owned_gpus", 0, "gpu"),
                            ("existing", "owned_gpus", 0, "bought"),
                            ("existing", "owned_gpus", 1, "bought"),
                            ("existing", "reservations", 0, "ends")]
    assert "is a month but the horizon counts in quarters" in found[1].message
    assert "after the horizon starts" in found[2].message
    assert "'soon' is not a period" in found[3].message


def test_monthly_horizon_accepts_month_labels() -> None:
    s = scenario(horizon={"start": "2027-01", "period": "month"}, gpus=[{"name": "g"}],
                 existing={"reservations": [{"gpu": "g", "count": 1, "ends": "2027-06",
                                             "usd_per_hour": 1}]})
    assert checks.check_existing(s) == []


def test_strategy_unknown_providers_models_gpus() -> None:
    s = scenario(apis=[{"id": "openai/gpt-4.1"}], open_models=[{"name": "m"}],
                 gpus=[{"name": "g"}],
                 strategies=[{"name": "s", "providers": ["openai", "x"], "models": ["y"],
                              "gpus": ["g", "z"]}])
    found = checks.check_strategies(s)
    assert paths(found) == [("strategies", 0, "providers", 1), ("strategies", 0, "models", 0),
                            ("strategies", 0, "gpus", 1)]


def test_fine_tune_uplift_on_a_task_its_workloads_lack() -> None:
    s = scenario(open_models=[{"name": "m"}],
                 fine_tunes=[{"name": "f", "base": "m", "workloads": ["chat"],
                              "training_cost_usd": 1, "quality_uplift": {"code": 5}}])
    [p] = checks.check_fine_tune_tasks(s)
    assert p.path == ("fine_tunes", 0, "quality_uplift", "code")


def test_negative_budget_is_refused_by_the_schema() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        scenario(constraints={"budget_usd_per_period": -1})


def test_check_scenario_collects_every_problem_at_once() -> None:
    s = scenario(workloads=[WORKLOAD, {**WORKLOAD, "residency": ["nobody"]}],
                 open_models=[{"name": "m", "serving": {"g": {}}}])
    with pytest.raises(ScenarioError) as e:
        checks.check_scenario(s)
    assert paths(e.value.problems) == [("workloads", 1, "name"),
                                       ("open_models", 0, "serving", "g"),
                                       ("workloads", 1, "residency", 0)]
    assert all(p.file is None for p in e.value.problems)  # the pipeline locates them


# --- checks that need the resolved catalog --------------------------------------------

PRICES = TokenPrices(1.0, 0.1, 4.0, "test")


def resolved(api_quality: dict[str, dict[str, float]],
             model_quality: dict[str, dict[str, float]]) -> Resolved:
    apis = tuple(ResolvedApi(id=i, provider=i.split("/")[0], quality=q,
                             context_window_tokens=None, price_trend_per_year=0.0,
                             tiers=(PriceTier(0, PRICES, None),)) for i, q in api_quality.items())
    point = OperatingPoint(1000.0, 100.0)
    models = tuple(ResolvedModel(name=n, quality=q, context_window_tokens=8192,
                                 serving={"g": ResolvedServing(1, point, point)})
                   for n, q in model_quality.items())
    return Resolved(apis=apis, models=models, gpus=(), prices_snapshot={})


def test_task_without_any_quality_score() -> None:
    s = scenario(workloads=[WORKLOAD, {**WORKLOAD, "name": "sum", "task": "summarise"}])
    r = resolved({"openai/gpt-4.1": {"chat": 80}}, {"m": {"summarize": 70}})
    [p] = checks.check_task_quality(s, r)
    assert p.path == ("workloads", 1, "task")
    assert "no API or open model has a quality score for task 'summarise'" in p.message
    assert "did you mean 'summarize'?" in p.message


def test_fine_tune_uplift_on_a_base_without_a_score() -> None:
    s = scenario(open_models=[{"name": "m"}],
                 fine_tunes=[{"name": "f", "base": "m", "workloads": ["chat"],
                              "training_cost_usd": 1, "quality_uplift": {"chat": 10}}])
    [p] = checks.check_fine_tune_bases_scored(s, resolved({}, {"m": {"code": 60}}))
    assert p.path == ("fine_tunes", 0, "quality_uplift", "chat")
    assert checks.check_fine_tune_bases_scored(s, resolved({}, {"m": {"chat": 60}})) == []


def test_min_quality_above_every_option_counts_fine_tunes() -> None:
    s = scenario(workloads=[{**WORKLOAD, "min_quality": 75}], open_models=[{"name": "m"}])
    r = resolved({"a/x": {"chat": 70}}, {"m": {"chat": 60}})
    [p] = checks.check_quality_reachable(s, r)
    assert p.path == ("workloads", 0, "min_quality") and "(70)" in p.message
    tuned = scenario(workloads=[{**WORKLOAD, "min_quality": 75}], open_models=[{"name": "m"}],
                     fine_tunes=[{"name": "f", "base": "m", "workloads": ["chat"],
                                  "training_cost_usd": 1, "quality_uplift": {"chat": 20}}])
    assert checks.check_quality_reachable(tuned, r) == []


def test_check_resolved_raises_once_with_all_problems() -> None:
    s = scenario(workloads=[WORKLOAD, {**WORKLOAD, "name": "c", "task": "code"}])
    with pytest.raises(ScenarioError) as e:
        checks.check_resolved(s, resolved({}, {}))
    assert paths(e.value.problems) == [("workloads", 0, "task"), ("workloads", 1, "task")]
    checks.check_resolved(s, resolved({"a/x": {"chat": 80, "code": 80}}, {}))
