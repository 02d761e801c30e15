"""Levers (tco.levers, tco.model.levers): cascades, response caches and prompt variants.

Shared numbers (engine_helpers): a quarter has 3 months; a workload of 1e6 requests/month has
3e6 requests a quarter with 1000 input and 100 output tokens each; 4 quarters, no discounting.
API a/x at $2 in / $8 out costs 3e6 x (1000 x 2 + 100 x 8) / 1e6 = $8,400 a quarter.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload
from test_engine_costs import chosen, cost, solve

from tco.errors import ScenarioError
from tco.scenario.checks import check_scenario


def cascade(stages, quality, name="triage", workloads=("w",)):
    return {"name": name, "workloads": list(workloads), "stages": stages,
            "quality": {"chat": quality}}


MINI = api("a/mini", 0.2, 0.8, quality=60)
BIG = api("a/big", 2.0, 8.0, quality=85)


def test_two_stage_api_cascade_cost_per_request():
    # Stage 1 (mini) on every request, with a 200-token router prompt:
    #   (1200 x 0.2 + 100 x 0.8) / 1e6 = $0.00032 a request.
    # Stage 2 (big) on the 25% escalated, with 100 tokens of context carried:
    #   0.25 x (1100 x 2 + 100 x 8) / 1e6 = 0.25 x $0.003 = $0.00075 a request.
    # 3e6 requests x $0.00107 = $3,210 a quarter; 4 quarters = $12,840 (big alone: $33,600).
    c = cascade([{"api": "a/mini", "extra_input_tokens": 200, "escalate": 0.25},
                 {"api": "a/big", "extra_input_tokens": 100}], 82)
    sol = solve(scenario(workloads=[workload(min_quality=80)], apis=[MINI, BIG], cascades=[c]))
    assert chosen(sol) == {"cascade:triage": 1.0}
    assert sol.npv_usd == pytest.approx(12_840)
    assert cost(sol, "api") == pytest.approx(12_840)


def test_cascade_self_hosted_second_stage_sized_on_escalated_share():
    # 2e8 requests/month = 6e8 a quarter (batch latency: no peak factor).
    # Stage 1 (mini): 6e8 x (1000 x 0.2 + 100 x 0.8) / 1e6 = $168,000 a quarter.
    # Stage 2 (model m on g) sees 25%: 1.5e8 x (1000/1e4 + 100/1e3) s = 3e7 s = 8,333.3 h;
    # one replica gives 2190 x 0.7 = 1,533 h, so 6 replicas (22 if sized on every request).
    # 6 GPUs on demand x 2190 h x $2 = $26,280 a quarter. Total 4 x 194,280 = $777,120.
    c = cascade([{"api": "a/mini", "escalate": 0.25}, {"model": "m", "gpu": "g"}], 82)
    s = scenario(workloads=[workload(rpm=2e8, min_quality=80, latency="batch")], apis=[MINI],
                 open_models=[model(quality=70)],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}], cascades=[c])
    sol = solve(s)
    assert chosen(sol) == {"cascade:triage": 1.0}
    reps = sol["replicas"]
    assert reps.replicas.tolist() == [6, 6, 6, 6]
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * 26_280)
    assert sol.npv_usd == pytest.approx(777_120)


def two_self_hosted_stages(stages=None, extra_models=()):
    """Stage 1: model 'small' on g (1e5 / 1e4 tokens/s); stage 2: model m on g (1e4 / 1e3),
    25% escalated; 2e8 requests a month, batch latency; no API."""
    c = cascade(stages or [{"model": "small", "gpu": "g", "escalate": 0.25},
                           {"model": "m", "gpu": "g"}], 82)
    return scenario(workloads=[workload(rpm=2e8, min_quality=80, latency="batch")],
                    open_models=[model("small", prefill=1e5, decode=1e4, quality=60),
                                 model(quality=70), *extra_models],
                    gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}], cascades=[c])


def test_cascade_with_two_self_hosted_stages_sizes_each_on_its_share():
    # 6e8 requests a quarter. Stage 1 (small) sees all: 6e8 x (1000/1e5 + 100/1e4) s = 1.2e7 s
    # = 3,333.3 h; at 2190 x 0.7 = 1,533 h a replica, 3 replicas. Stage 2 (m) sees 25%:
    # 1.5e8 x (1000/1e4 + 100/1e3) s = 3e7 s = 8,333.3 h, 6 replicas. 9 GPUs on demand x
    # 2190 h x $2 = $39,420 a quarter, 4 quarters $157,680.
    sol = solve(two_self_hosted_stages())
    assert chosen(sol) == {"cascade:triage": 1.0}
    reps = sol["replicas"].groupby("served").replicas.apply(list).to_dict()
    assert reps == {"small": [3] * 4, "m": [6] * 4}
    needed = sol["replicas"].groupby("served").replica_hours_needed.first()
    assert needed["small"] == pytest.approx(1.2e7 / 3600)
    assert needed["m"] == pytest.approx(3e7 / 3600)
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * 39_420)
    assert sol.npv_usd == pytest.approx(157_680)
    a = sol["allocation"]
    assert a.gpu_replica_hours.tolist() == pytest.approx([(1.2e7 + 3e7) / 3600] * 4)
    # Three self-hosted stages: 'mid' (5e4 / 5e3 tokens/s: 0.04 s a request) between them,
    # half of small's answers escalated to it and half of its own to m. mid sees 3e8 requests:
    # 1.2e7 s = 3,333.3 h, 3 replicas; m still sees 25%: 6. 12 GPUs x 2190 h x $2 = $52,560 a
    # quarter.
    sol = solve(two_self_hosted_stages(
        [{"model": "small", "gpu": "g", "escalate": 0.5},
         {"model": "mid", "gpu": "g", "escalate": 0.5}, {"model": "m", "gpu": "g"}],
        [model("mid", prefill=5e4, decode=5e3, quality=65)]))
    reps = sol["replicas"].groupby("served").replicas.apply(list).to_dict()
    assert reps == {"small": [3] * 4, "mid": [3] * 4, "m": [6] * 4}
    assert sol.npv_usd == pytest.approx(4 * 52_560)


def test_cascade_with_no_escalation_equals_its_first_stage():
    # a/x alone scores 70 (below the bar of 75); the cascade a/x -> a/big with 0% escalating
    # scores 80 and costs exactly a/x's $8,400 a quarter.
    x = api("a/x", 2.0, 8.0, quality=70)
    c = cascade([{"api": "a/x", "escalate": 0.0}, {"api": "a/big"}], 80)
    sol = solve(scenario(workloads=[workload(min_quality=75)], apis=[x, BIG], cascades=[c]))
    assert chosen(sol) == {"cascade:triage": 1.0}
    assert sol.npv_usd == pytest.approx(33_600)


def test_ranged_escalation_takes_the_cheapest_share_that_meets_the_bar():
    # Quality 70 at 10% escalated, 90 at 50%: the bar of 80 is met from 30% on (interpolated).
    # At 30%: (1000 x 0.2 + 100 x 0.8) + 0.3 x (1000 x 2 + 100 x 8) = 280 + 840 = 1120 per 1M
    # requests -> 3e6 x 0.00112 = $3,360 a quarter, $13,440 in all.
    c = {"name": "triage", "workloads": ["w"],
         "stages": [{"api": "a/mini", "escalate": {"min": 0.1, "max": 0.5}}, {"api": "a/big"}],
         "quality": {"chat": [[0.1, 70], [0.5, 90]]}}
    sol = solve(scenario(workloads=[workload(min_quality=80)], apis=[MINI, BIG], cascades=[c]))
    assert chosen(sol) == {"cascade:triage@0.3": 1.0}
    assert sol.npv_usd == pytest.approx(13_440)


@pytest.mark.parametrize("fixed, adopted", [(800.0, True), (900.0, False)])
def test_cache_adopted_exactly_when_its_cost_is_below_the_saved_spend(fixed, adopted):
    # 30% hits save 0.3 x 8,400 = $2,520 a quarter; the cache costs 3 x its monthly fee:
    # $2,400 at 800 (adopted: 8,400 x 0.7 + 2,400 = $8,280 a quarter), $2,700 at 900 (not).
    w = workload(response_cache={"hit_rate": 0.3, "fixed_cost_usd_per_month": fixed})
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    levers = sol["levers"]
    assert levers.adopted.tolist() == [adopted] * 4
    assert sol.npv_usd == pytest.approx(4 * 8_280 if adopted else 33_600)
    assert cost(sol, "levers") == pytest.approx(4 * 2_400 if adopted else 0.0)


def test_semantic_cache_quality_penalty_and_lookup_cost():
    # Semantic hits lose 10 points: quality 80 - 0.5 x 10 = 75 (bar 75, kept). Lookups cost
    # $0.10 per 1k on every request: 3e6 x 0.0001 = $300 a quarter. LLM spend halves to $4,200.
    w = workload(min_quality=75, response_cache={
        "kind": "semantic", "hit_rate": 0.5, "quality_penalty": 10,
        "lookup_cost_usd_per_1k_requests": 0.1})
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    assert chosen(sol) == {"api:a/x +cache": 1.0}
    assert sol.npv_usd == pytest.approx(4 * (4_200 + 300))
    # With a bar of 76 the semantic cache cannot be used.
    w["min_quality"] = 76
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    assert chosen(sol) == {"api:a/x": 1.0}


def test_cache_that_never_hits_is_never_adopted():
    w = workload(response_cache={"hit_rate": 0.0})
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    assert sol["levers"].empty
    assert chosen(sol) == {"api:a/x": 1.0}


@pytest.mark.parametrize("engineering, adopted", [(10_000.0, True), (13_000.0, False)])
def test_prompt_variant_chosen_when_engineering_pays_back_in_the_horizon(engineering, adopted):
    # Zero-shot: 500 input tokens, 2 points worse (80 -> 78, bar 75):
    # 3e6 x (500 x 2 + 100 x 8) / 1e6 = $5,400 a quarter, saving $3,000 a quarter, $12,000
    # over the horizon: it pays at $10,000 of engineering (10,000 + 4 x 5,400 = $31,600) and
    # not at $13,000.
    w = workload(min_quality=75, prompt_variants=[{
        "name": "zero-shot", "input_tokens": 500, "quality_change": -2,
        "engineering_cost_usd": engineering}])
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    if adopted:
        assert chosen(sol) == {"api:a/x [zero-shot]": 1.0}
        assert sol.npv_usd == pytest.approx(31_600)
        t = sol.data.options.table
        assert float(t.quality[t.option == "api:a/x [zero-shot]"].iat[0]) == pytest.approx(78)
    else:
        assert chosen(sol) == {"api:a/x": 1.0}
        assert sol.npv_usd == pytest.approx(33_600)
    assert sol["levers"].adopted.tolist() == [adopted] * 4


def test_prompt_variant_adopted_once_and_kept():
    # Demand 2e5 requests/month for two quarters, then 2e6. The variant (500 input tokens)
    # saves 1,000 x $2 per 1M tokens a request: $600 a quarter at first, $6,000 later. It runs
    # at $1,000 a month ($3,000 a quarter) and costs $5,000 to build, so it pays only from the
    # third quarter (2 x (6,000 - 3,000) - 5,000 = $1,000): adopted then, never dropped.
    w = workload(rpm=[2e5, 2e5, 2e6, 2e6], min_quality=75, prompt_variants=[{
        "name": "zero-shot", "input_tokens": 500, "engineering_cost_usd": 5_000,
        "running_cost_usd_per_month": 1_000}])
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    assert sol["levers"].adopted.tolist() == [False, False, True, True]
    c = sol["costs"]
    assert c[c.category == "levers"].usd.tolist() == pytest.approx([0, 0, 8_000, 3_000])


def test_levers_never_raise_the_optimum():
    rng = np.random.default_rng(7)
    for _ in range(4):
        p_in, p_out = rng.uniform(0.5, 5), rng.uniform(2, 20)
        base = dict(workloads=[workload(min_quality=70)], apis=[api("a/x", p_in, p_out),
                                                                 MINI, BIG])
        plain = solve(scenario(**base)).npv_usd
        levers = dict(base, workloads=[workload(min_quality=70, response_cache={
            "hit_rate": float(rng.uniform(0, 0.5)),
            "fixed_cost_usd_per_month": float(rng.uniform(0, 3000))}, prompt_variants=[{
                "name": "short", "input_tokens": float(rng.uniform(300, 1500)),
                "quality_change": float(rng.uniform(-5, 5)),
                "engineering_cost_usd": float(rng.uniform(0, 20000))}])],
            cascades=[cascade([{"api": "a/mini", "escalate": float(rng.uniform(0, 1))},
                               {"api": "a/big"}], float(rng.uniform(60, 90)))])
        assert solve(scenario(**levers)).npv_usd <= plain + 1e-6 * plain


def test_cost_per_successful_interaction():
    # Quality 80: 80% of 1.2e7 requests succeed; $33,600 / 9.6e6 x 1000 = $3.50 per 1k.
    w = workload(value_per_success_usd=0.01)
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0)]))
    u = sol["unit_costs"].iloc[0]
    assert u.usd_per_1k_successes == pytest.approx(3.5)
    assert u.value_npv_usd == pytest.approx(9.6e6 * 0.01)


@pytest.mark.parametrize("change, message", [
    (lambda c: c["stages"][1].update(escalate=0.2), "the last stage escalates nowhere"),
    (lambda c: c["stages"][0].pop("escalate"), "escalate is missing"),
    (lambda c: c["stages"][0].update(api="a/nope"), "unknown API 'a/nope'"),
    (lambda c: c.update(workloads=["v"]), "unknown workload 'v'"),
    (lambda c: c["stages"][0].update(escalate={"min": 0.1, "max": 0.3}),
     "expected [[share, score], ...] points covering it"),
])
def test_cascade_mistakes_are_named(change, message):
    c = cascade([{"api": "a/mini", "escalate": 0.25}, {"api": "a/big"}], 82)
    change(c)
    with pytest.raises(ScenarioError) as e:
        check_scenario(scenario(workloads=[workload()], apis=[MINI, BIG], cascades=[c]))
    assert message in str(e.value)


def _cache_and_cascade():
    """One workload offered a cache (30% hits, $800 a month) and the first test's cascade,
    and its solved plan."""
    c = cascade([{"api": "a/mini", "extra_input_tokens": 200, "escalate": 0.25},
                 {"api": "a/big", "extra_input_tokens": 100}], 82)
    w = workload(min_quality=80, response_cache={"hit_rate": 0.3,
                                                 "fixed_cost_usd_per_month": 800})
    s = scenario(workloads=[w], apis=[MINI, BIG], cascades=[c])
    return s, solve(s)


def test_lever_values_waterfall_and_savings():
    # Cache (30% hits, $800 a month) and the cascade of the first test, both on one workload.
    # Without levers: big alone, $33,600. With the cache: big through the cache,
    # 4 x (8,400 x 0.7 + 2,400) = $33,120 (saves $480). With cascades too: the cascade alone,
    # $12,840 (through the cache it would cost 4 x (3,210 x 0.7 + 2,400) = $18,588), saving
    # $20,280. The plan uses only the cascade; without it the best is $33,120.
    from tco.analysis.levers import lever_values

    s, sol = _cache_and_cascade()
    # The cascade alone ($12,840) beats the cascade through the cache ($18,588).
    assert chosen(sol) == {"cascade:triage": 1.0}
    assert sol.npv_usd == pytest.approx(12_840)
    out = lever_values(s, resolve_plain(s), sol)
    steps = [(x["step"], x["npv_usd"], x["saving_usd"]) for x in out["waterfall"]]
    assert steps[0] == ("no levers", pytest.approx(33_600), None)
    assert steps[1] == ("+ response caches", pytest.approx(33_120), pytest.approx(480))
    assert steps[2] == ("+ cascades", pytest.approx(12_840), pytest.approx(20_280))
    lv = out["levers"]
    assert lv.lever.tolist() == ["cascade:triage"]
    assert lv.saving_usd.iat[0] == pytest.approx(33_120 - 12_840)


def test_a_waterfall_step_never_costs_more_than_the_step_before(monkeypatch):
    # The step with the cache offered can run the plan without it, so a re-solve proven only
    # to its gap that comes back $100 dearer shows the step before's NPV and no saving, not
    # a negative one.
    import tco.analysis.levers as levers

    s, sol = _cache_and_cascade()
    real = levers._npv

    def dearer(sc, resolved):
        npv = real(sc, resolved)
        cached = any(x.response_cache for x in sc.workloads) and not sc.cascades
        return npv + 33_600 - 33_120 + 100 if cached else npv

    monkeypatch.setattr(levers, "_npv", dearer)
    steps = levers.lever_values(s, resolve_plain(s), sol)["waterfall"]
    assert steps[1]["npv_usd"] == pytest.approx(33_600) and steps[1]["saving_usd"] == 0
    assert steps[2]["saving_usd"] == pytest.approx(33_600 - 12_840)


def test_cost_per_successful_answer_per_option():
    # A cap of 50% per provider splits the workload between a/x ($2 / $8, quality 90) and b/y
    # ($0.5 / $2, quality 60): per 1k requests a/x costs (1000 x 2 + 100 x 8) / 1e3 = $2.80 and
    # b/y (500 + 200) / 1e3 = $0.70; per 1k successful answers 2.80 / 0.9 = $3.111 and
    # 0.70 / 0.6 = $1.1667. The workload: $1.75 per 1k requests, 75% of them successful,
    # 1.75 / 0.75 = $2.333 per 1k successes. Each option serves 6e6 requests over the horizon.
    # (A cache that never hits is offered, so the HTML report has its Levers section.)
    s = scenario(workloads=[workload(min_quality=50, response_cache={"hit_rate": 0.0})],
                 apis=[api("a/x", 2.0, 8.0, quality=90), api("b/y", 0.5, 2.0, quality=60)],
                 constraints={"max_share_per_provider": 0.5})
    sol = solve(s)
    oc = sol["option_costs"].set_index("option")
    assert oc.loc["api:a/x", "usd_per_1k_requests"] == pytest.approx(2.80)
    assert oc.loc["api:a/x", "usd_per_1k_successes"] == pytest.approx(2.80 / 0.9)
    assert oc.loc["api:b/y", "usd_per_1k_successes"] == pytest.approx(0.70 / 0.6)
    assert oc.requests.tolist() == pytest.approx([6e6, 6e6])
    uc = sol["unit_costs"].iloc[0]
    assert uc.usd_per_1k_successes == pytest.approx(1.75 / 0.75)
    assert oc.npv_usd.sum() == pytest.approx(uc.npv_usd)
    # The HTML Levers section: the workload's line, then one line per option.
    from test_workbook import run_of

    from tco.report.html import report_context

    kpi = report_context(run_of(s))["levers"]["kpi"]["rows"]
    assert kpi[0][:4] == ["w", "all its options", "$1.750", "$2.333"]
    assert sorted(r[1:4] for r in kpi[1:]) == [["api:a/x", "$2.800", "$3.111"],
                                               ["api:b/y", "$0.700", "$1.167"]]


def test_option_costs_add_up_to_each_workloads_cost():
    # Levers, a self-hosted cascade stage (shared GPU costs) and tariffs: split among the
    # options that serve each workload, the attributed NPV adds up to the workload's.
    from test_workbook import levers_scenario, run_of, tariffed_scenario

    for s in (levers_scenario(), tariffed_scenario()):
        sol = run_of(s).solution
        per = sol["option_costs"].groupby("workload").npv_usd.sum()
        for r in sol["unit_costs"].itertuples():
            assert per[r.workload] == pytest.approx(r.npv_usd, rel=1e-9), r.workload


def test_a_batch_stage_makes_the_cascade_batch_only():
    # The slowest stage sets a cascade's latency: with a batch-API first stage the cascade
    # serves batch work only; an interactive workload is told why it cannot use it.
    from tco.demand import expand_demand, make_periods
    from tco.options import enumerate_options

    c = cascade([{"api": "a/mini", "batch": True, "escalate": 0.25}, {"api": "a/big"}], 82,
                workloads=("fast", "slow"))
    s = scenario(workloads=[workload("fast", min_quality=80, latency="interactive"),
                            workload("slow", min_quality=80, latency="batch")],
                 apis=[{**MINI, "batch_discount": 0.5}, BIG], cascades=[c])
    periods = make_periods(s.horizon, s.finance)
    o = enumerate_options(s, resolve_plain(s), periods, expand_demand(s, periods), None)
    served = set(zip(o.table.workload_name, o.table.option))
    assert ("slow", "cascade:triage") in served and ("fast", "cascade:triage") not in served
    assert ("cascade:triage: stage 1 is a batch API (expected a batch-latency workload)"
            in o.rejected["fast"])


def test_a_prompt_variant_is_the_workloads_one_way_of_prompting():
    # 1e6 requests/month of 1,000 in / 100 out at bar 75. a/x (quality 80) and b/y (76) cost
    # $8,400 a quarter each for the plain prompt; the zero-shot variant (500 input tokens,
    # -2 points) costs 3e6 x (500 x 2 + 100 x 8) / 1e6 = $5,400 a quarter but only on a/x
    # (b/y would fall to 74). No provider may carry over half of the period's tokens (shares
    # are of the plain prompt's 1,100 a request): the variant alone puts 600 / 1,100 = 54.5%
    # on a, and mixing it with the plain prompt on b/y is not one way of prompting. So the
    # plan is the plain prompt, half on a and half on b: 4 x 8,400 = $33,600.
    w = workload(min_quality=75, prompt_variants=[{
        "name": "zero-shot", "input_tokens": 500, "quality_change": -2}])
    sol = solve(scenario(workloads=[w], apis=[api("a/x", 2.0, 8.0), api("b/y", 2.0, 8.0,
                                                                        quality=76)],
                         constraints={"max_share_per_provider": 0.5}))
    assert sol.npv_usd == pytest.approx(33_600)
    assert chosen(sol) == {"api:a/x": pytest.approx(0.5), "api:b/y": pytest.approx(0.5)}
    assert not sol["levers"].adopted.any()
