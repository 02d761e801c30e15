"""Engine behaviour that mutation testing of tco/model found unchecked (issue 11,
benchmarks/RESULTS.md): the integer variables handed to the dual re-solve, budgets in a
re-solve at another demand scale, switching between open models on one GPU type, and the
grouped reasons of an unservable workload.

Shared numbers (engine_helpers): four quarters of 2190 hours, no discounting; 1e6 requests a
month is 3e6 a quarter of 1000 input and 100 output tokens: $8,400 a quarter at $2 / $8.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.errors import InfeasibleError
from tco.model import build_model
from tco.model.build import model_size
from tco.model.data import model_data_for
from tco.model.switching import destination
from tco.pipeline import plan


def why_infeasible(s) -> str:
    """The engine's explanation of why scenario `s` has no plan (it must have none)."""
    with pytest.raises(InfeasibleError) as e:
        plan(s, resolve_plain(s))
    return str(e.value)


def test_every_integer_variable_is_listed_for_the_dual_resolve():
    # Built.integer_vars() is what the dual re-solve fixes (and the robust plan's blocks
    # list): every integer or binary variable of every family must be in it, none twice.
    gpu = {"name": "g", "on_demand_usd_per_hour": 2.0, "reserved_usd_per_hour": {"1y": 1.5},
           "purchase": {"price_usd": 20_000, "life_years": 4}}
    ft = {"name": "ft", "base": "a/x", "workloads": ["w"], "training_cost_usd": 1_000}
    units = {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1h",
             "usd_per_unit_term": 0.04, "min_units": 1, "unit_step": 1,
             "input_tokens_per_minute_per_unit": 1_000}
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "discount": 0.2, "tiers": [{"above_usd_per_month": 2_000, "discount": 0.3}]}
    w = workload(migration_cost_usd=1_000, response_cache={"hit_rate": 0.3},
                 prompt_variants=[{"name": "short", "input_tokens": 500}])
    s = scenario(workloads=[w],
                 apis=[api("a/x", 2.0, 8.0, fine_tuned_price={"input_usd_per_mtok": 1.0,
                                                              "output_usd_per_mtok": 4.0}),
                       api("b/y", 1.0, 4.0)],
                 fine_tunes=[ft], gpus=[gpu], open_models=[model()], tariffs=[units, deal],
                 capacity={"min_replicas": 2},
                 constraints={"min_share_when_used": 0.2},
                 api_operations={"usd_per_provider_per_year": 1_000})
    b = build_model(model_data_for(s, resolve_plain(s), None), sprawl_scope=None)
    for family in ("rep", "z", "buy", "commit", "od", "tuned", "variant", "cache", "dest_on",
                   "sprawl", "api_ops"):
        assert getattr(b, family), family
    assert b.tariff_ints
    ints = [v for v in b.model.component_data_objects(pyo.Var) if not v.is_continuous()]
    listed = b.integer_vars()
    assert len({id(v) for v in listed}) == len(listed)
    assert {id(v) for v in listed} == {id(v) for v in ints}
    assert model_size(b)["integers"] == len(ints)


def test_a_budget_binds_at_the_scale_a_resolve_asks_for():
    # $10,000 a quarter: today's 8,400 fits (4 x 8,400 = $33,600); at 1.1x, 9,240 a quarter
    # still fits ($36,960); at twice the demand 16,800 does not and no plan exists. The
    # re-solve scales the budget rows' API spend with the demand, as a rebuild would.
    from tco.analysis import npv_at

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 constraints={"budget_usd_per_period": 10_000})
    r = resolve_plain(s)
    assert npv_at(s, r, None, 1.0) == pytest.approx(33_600)
    assert npv_at(s, r, None, 1.1) == pytest.approx(36_960)
    assert npv_at(s, r, None, 2.0) is None


def test_each_open_model_on_a_gpu_type_is_its_own_destination():
    # Moving a workload from one open model to another on the same GPU type is a migration
    # (new weights, new evaluation), as moving between APIs is.
    row = {"api": None, "model": "m1", "gpu": "g", "fine_tune": None}
    assert destination(row) == ("m1", "g", "")
    assert destination({**row, "model": "m2"}) != destination(row)
    assert destination({**row, "api": "a/x", "model": None, "gpu": None}) == ("a/x", "", "")


def test_unservable_reasons_are_grouped_with_the_best_figure_and_a_remedy():
    # Three APIs score 70, 80 and 78 against a minimum of 85: one line for the three with the
    # best score, and the fix a person can make.
    apis = [api("a/x", 2.0, 8.0, quality=70), api("b/y", 1.0, 4.0, quality=80),
            api("c/z", 1.0, 4.0, quality=78)]
    s = scenario(workloads=[workload(min_quality=85)], apis=apis)
    text = why_infeasible(s)
    assert "3 candidates: score below the minimum 85" in text
    assert "(best 80)" in text
    assert "lower min_quality or add a better-scoring model" in text
    # No candidate scores the task at all: the remedy names the task to score.
    s = scenario(workloads=[workload(task="rag")], apis=apis)
    assert "add a score for it (`quality: {rag: ...}`)" in why_infeasible(s)


def test_min_replicas_only_in_periods_with_traffic():
    # Interactive traffic keeps min_replicas = 3 (3 x 2 GPUs x $2 x 2190 h = $26,280 a
    # quarter) in the two quarters with requests and nothing in the two without:
    # 2 x 26,280 = $52,560.
    s = scenario(workloads=[workload(rpm=[1e6, 1e6, 0, 0], residency="self_hosted")],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}],
                 open_models=[model(gpus=2)], capacity={"min_replicas": 3})
    sol = plan(s, resolve_plain(s))
    r = sol["replicas"]
    assert dict(zip(r.period, r.replicas)) | {} == {"2027Q1": 3, "2027Q2": 3} | {
        p: 0 for p in set(r.period) - {"2027Q1", "2027Q2"}}
    assert sol.npv_usd == pytest.approx(2 * 26_280)


def test_a_share_cap_or_a_gpu_cap_that_cannot_hold_is_explained_with_its_amount():
    # One provider for two workloads (3.3e9 and 3.6e9 tokens a quarter, not merged: other
    # output lengths), capped at 60% of tokens: it must serve 100%, over by 40 points, in
    # every quarter. (Leaving demand unserved instead would drop 2.76e9 tokens, 77% of the
    # larger workload: the relaxed model names the cap.)
    s = scenario(workloads=[workload("w1"), workload("w2", out=200)],
                 apis=[api("a/x", 2.0, 8.0)], constraints={"max_share_per_provider": 0.6})
    text = why_infeasible(s)
    assert "provider share cap 60% cannot hold for a in 2027Q1" in text
    assert "over by 40.0% points" in text
    assert "2027Q4" in text
    # A self-hosted workload on at most one GPU: 3e7 requests a month of 0.2 replica-seconds
    # are 5,000 replica-hours a quarter, one GPU gives 2,190: 56.2% has no capacity.
    s = scenario(workloads=[workload(rpm=3e7, latency="batch", residency="self_hosted")],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0, "max_gpus": 1}],
                 open_models=[model()], capacity={"utilization_target": 1.0})
    assert ("workload 'w' cannot be fully served in 2027Q1: 56.2% of its demand has no "
            "capacity") in why_infeasible(s)


def test_one_provider_per_workload_under_a_share_cap_and_at_another_scale():
    # a/x ($1 / $4) is cheaper than b/y ($2 / $8); each provider may carry 87.5% of tokens.
    # "chat": 3e6 requests a quarter of 900 + 100 tokens = 3e9 tokens, $3,900 on a, $7,800 on
    # b. "docs": 9e6 of 800 + 200 = 9e9 tokens, $14,400 on a, $28,800 on b. a may carry
    # 0.875 x 12e9 = 10.5e9 tokens. Split freely, docs (saving $1.60 per 1M tokens on a, chat
    # $1.30) goes to a and half of chat with it: 14,400 + 1,950 + 3,900 = $20,250 a quarter.
    # With one provider per workload chat cannot split: docs on a, chat on b, 14,400 + 7,800
    # = $22,200 a quarter, $88,800 a year; at twice the demand (shares unchanged) $177,600.
    from tco.analysis import npv_at

    apis = [api("a/x", 1.0, 4.0), api("b/y", 2.0, 8.0)]
    wls = [workload("chat", inp=900), workload("docs", rpm=3e6, inp=800, out=200)]
    s = scenario(workloads=wls, apis=apis, constraints={"max_share_per_provider": 0.875})
    assert plan(s, resolve_plain(s)).npv_usd == pytest.approx(4 * 20_250)
    s = scenario(workloads=wls, apis=apis, constraints={"max_share_per_provider": 0.875,
                                                        "max_providers_per_workload": 1})
    r = resolve_plain(s)
    sol = plan(s, r)
    a = sol["allocation"]
    assert set(a[a.workload == "chat"].option) == {"api:b/y"}
    assert sol.npv_usd == pytest.approx(88_800)
    assert npv_at(s, r, None, 2.0) == pytest.approx(177_600)


def test_api_operations_table_names_each_period():
    # $400 a year per provider used: $100 a quarter, in each quarter's row.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 api_operations={"usd_per_provider_per_year": 400})
    ops = plan(s, resolve_plain(s))["api_operations"].sort_values("t")
    assert ops.period.tolist() == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    assert ops.usd.tolist() == pytest.approx([100] * 4)


def test_a_resolve_at_another_scale_equals_a_rebuilt_plan_with_bought_gpus():
    # Self-hosting on GPUs that may be bought ($20,000, 4 years), reserved or rented: a
    # re-solve at 3x and 10x the demand (its bounds on replicas, bought and reserved GPUs and
    # the hosting links rescaled) gives the NPV of the plan rebuilt at that demand.
    from tco.analysis import npv_at, scaled

    gpu = {"name": "g", "on_demand_usd_per_hour": 2.0, "reserved_usd_per_hour": {"1y": 1.2},
           "purchase": {"price_usd": 20_000, "life_years": 4}}
    s = scenario(workloads=[workload(rpm=3e7, residency="self_hosted")], gpus=[gpu],
                 open_models=[model()], staffing={"platform_engineers": 1,
                                                  "cost_usd_per_year": 100_000,
                                                  "gpus_per_engineer": 8})
    r = resolve_plain(s)
    for k in (3.0, 10.0):
        assert npv_at(s, r, None, k) == pytest.approx(plan(scaled(s, k), r).npv_usd, rel=1e-6)


def test_gpu_overheads_run_from_delivery():
    # A GPU with a lead time of one quarter, for traffic that starts in 2027Q2: ordered in
    # 2027Q1, it pays licences ($400 a year, $100 a quarter) from its delivery: 0, 100, 100,
    # 100, whether bought ($20,000, 4 years) or reserved for a year ($1.50 an hour).
    lines = {"lead_time_periods": 1, "software_usd_per_gpu_year": 400}
    for how in ({"purchase": {"price_usd": 20_000, "life_years": 4}},
                {"reserved_usd_per_hour": {"1y": 1.5}}):
        s = scenario(workloads=[workload(rpm=[0, 1e6, 1e6, 1e6], residency="self_hosted")],
                     gpus=[{"name": "g", **lines, **how}], open_models=[model()])
        c = plan(s, resolve_plain(s))["costs"]
        sw = c[c.category == "gpu_software"].groupby("t").usd.sum()
        assert sw.reindex(range(4), fill_value=0).tolist() == pytest.approx([0, 100, 100, 100])


def test_candidates_refused_for_the_context_window_are_grouped():
    # Two APIs refuse a 250,000-token request (windows 128,000 and 200,000): one line with
    # the count and the largest window, not two lines, and no crash on the comma-grouped
    # figures; the remedy names the context window.
    from tco.model.explain_reasons import grouped, remedy

    reasons = ["api:a/x: request of 250,000 tokens exceeds the context window of 128,000",
               "api:b/y: request of 250,000 tokens exceeds the context window of 200,000"]
    assert grouped(reasons) == [
        "2 candidates: context window too small for a request of 250,000 tokens "
        "(largest window 200,000): api:a/x, api:b/y"]
    assert "larger context window" in remedy("chat", None, reasons)
