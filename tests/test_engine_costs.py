"""Hand-worked optima: each test states the arithmetic the engine must reproduce.

Shared numbers (engine_helpers): a quarter is 2190 hours and 3 months; a workload of 1e6
requests/month has 3e6 requests a quarter, 1000 input and 100 output tokens each. The default
open model does 1e4 prefill and 1e3 decode tokens/s per replica, so one request takes
1000/1e4 + 100/1e3 = 0.2 replica-seconds (no cache). Discount rate 0 unless said.
"""

from __future__ import annotations

import math

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.errors import InfeasibleError
from tco.pipeline import plan


def solve(s):
    return plan(s, resolve_plain(s))


def chosen(sol, period="2027Q1"):
    a = sol["allocation"]
    return dict(zip(a[a.period == period].option, a[a.period == period].share))


def cost(sol, category):
    c = sol["costs"]
    return float(c[c.category == category].usd.sum())


def test_api_cost_formula():
    # 3e6 requests x (1000 x $2 + 100 x $8) / 1e6 = $8,400 a quarter; 4 quarters = $33,600.
    sol = solve(scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)]))
    assert sol.result.status == "optimal"
    assert sol.npv_usd == pytest.approx(33_600)
    assert cost(sol, "api") == pytest.approx(33_600)


def test_batch_discount_for_batch_latency_only():
    # Batch at 50% off: 3e6 x (1000 x 1 + 100 x 4) / 1e6 = $4,200 a quarter.
    apis = [api("a/x", 2.0, 8.0, batch_discount=0.5)]
    sol = solve(scenario(workloads=[workload(latency="batch")], apis=apis))
    assert chosen(sol) == {"batch:a/x": 1.0}
    assert cost(sol, "api_batch") == pytest.approx(4 * 4_200)
    # An interactive workload may not use the batch API.
    sol = solve(scenario(workloads=[workload(latency="interactive")], apis=apis))
    assert chosen(sol) == {"api:a/x": 1.0}
    assert sol.npv_usd == pytest.approx(33_600)


def test_cached_input():
    # 60% of 1000 input tokens cached at $0.5: 400 x 2 + 600 x 0.5 + 100 x 8 = 1900 USD per 1M
    # requests-tokens -> 3e6 x 1900 / 1e6 = $5,700 a quarter.
    sol = solve(scenario(workloads=[workload(cached_input_share=0.6)],
                         apis=[api("a/x", 2.0, 8.0, cached=0.5)]))
    assert cost(sol, "api") == pytest.approx(4 * 5_700)


def test_batch_and_cache_stack_once():
    # Batch halves every token price, the cache price included: (400 x 1 + 600 x 0.25 +
    # 100 x 4) = 950 -> $2,850 a quarter. Not 5,700 - 50% of input only, not halved twice.
    sol = solve(scenario(workloads=[workload(cached_input_share=0.6, latency="batch")],
                         apis=[api("a/x", 2.0, 8.0, cached=0.5, batch_discount=0.5)]))
    assert cost(sol, "api_batch") == pytest.approx(4 * 2_850)


def test_price_trend_compounds_per_period():
    # -20% a year: quarter t costs 8400 x 0.8^(t/4).
    sol = solve(scenario(workloads=[workload()],
                         apis=[api("a/x", 2.0, 8.0, price_trend_per_year=-0.2)]))
    expected = sum(8_400 * 0.8 ** (t / 4) for t in range(4))
    assert sol.npv_usd == pytest.approx(expected)


def test_npv_discounting():
    # 10% a year, factors 1.1^(-t/4) from the first quarter's start.
    sol = solve(scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                         finance={"discount_rate": 0.10}))
    expected = sum(8_400 * 1.1 ** (-t / 4) for t in range(4))
    assert sol.npv_usd == pytest.approx(expected)
    c = sol["costs"]
    assert (c.usd * c.discount_factor).sum() == pytest.approx(sol.npv_usd)


ON_DEMAND_GPU = {"name": "g", "on_demand_usd_per_hour": 2.0}


def test_integer_replicas_round_up():
    # 3e7 requests/month -> 9e7 a quarter x 0.2 s = 5000 replica-hours, x peak 2 = 10,000;
    # / 2190 h = 4.57 -> 5 replicas x 2 GPUs = 10 GPUs x $2 x 2190 h = $43,800 a quarter.
    s = scenario(workloads=[workload(rpm=3e7, peak_to_average=2, residency="self_hosted")],
                 gpus=[ON_DEMAND_GPU], open_models=[model(gpus=2)],
                 capacity={"utilization_target": 1.0})
    sol = solve(s)
    r = sol["replicas"]
    assert list(r.replicas) == [5] * 4
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * 43_800)


@pytest.mark.parametrize("latency, peak, utilization, replicas", [
    # 3e7 requests/month at 0.2 s: 5000 replica-hours a quarter on average; a replica gives
    # 2190 h x utilization. Interactive and standard traffic is sized for its peak:
    ("interactive", 1.0, 1.0, 3),   # 5000 / 2190 = 2.28 -> 3
    ("interactive", 3.0, 1.0, 7),   # 15,000 / 2190 = 6.85 -> 7
    ("standard", 3.0, 1.0, 7),      # the same peak sizing
    ("interactive", 2.0, 0.5, 10),  # 10,000 / (2190 x 0.5 = 1095) = 9.13 -> 10
    ("interactive", 2.0, 0.8, 6),   # 10,000 / (2190 x 0.8 = 1752) = 5.71 -> 6
    ("batch", 3.0, 1.0, 3),         # batch waits: no peak factor, 5000 / 2190 -> 3
    ("batch", 3.0, 0.5, 5),         # 5000 / 1095 = 4.57 -> 5
])
def test_capacity_sized_for_peak_and_utilization_target(latency, peak, utilization, replicas):
    # One GPU a replica at $2 x 2190 h = $4,380 a quarter.
    s = scenario(workloads=[workload(rpm=3e7, peak_to_average=peak, latency=latency,
                                     residency="self_hosted")],
                 gpus=[ON_DEMAND_GPU], open_models=[model()],
                 capacity={"utilization_target": utilization})
    sol = solve(s)
    assert list(sol["replicas"].replicas) == [replicas] * 4
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * replicas * 4_380)


def test_replicas_are_whole_and_a_capacity_row_is_exact():
    # Mutation testing found both untested. 1.5768e7 requests/month: 4.7304e7 a quarter x 0.2 s
    # = 2628 replica-hours = 1.2 replicas of 2 GPUs: 2 whole replicas, 4 GPUs ($17,520 a
    # quarter), not 2.4 -> 3 GPUs as fractional replicas would give.
    s = scenario(workloads=[workload(rpm=1.5768e7, latency="batch", residency="self_hosted")],
                 gpus=[ON_DEMAND_GPU], open_models=[model(gpus=2)],
                 capacity={"utilization_target": 1.0})
    sol = solve(s)
    assert list(sol["replicas"].replicas) == [2] * 4
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * 17_520)
    # 2.6283e7 requests/month: 4380.5 replica-hours, half an hour over two replicas: 3.
    s = scenario(workloads=[workload(rpm=2.6283e7, latency="batch", residency="self_hosted")],
                 gpus=[ON_DEMAND_GPU], open_models=[model()], capacity={"utilization_target": 1.0})
    assert list(solve(s)["replicas"].replicas) == [3] * 4


def test_min_replicas_for_interactive_serving():
    # 1e6 requests/month needs 0.15 replica, but interactive serving keeps min_replicas = 3:
    # 3 replicas x 2 GPUs x $2 x 2190 h = $26,280 a quarter.
    s = scenario(workloads=[workload(residency="self_hosted")], gpus=[ON_DEMAND_GPU],
                 open_models=[model(gpus=2)], capacity={"min_replicas": 3})
    sol = solve(s)
    assert list(sol["replicas"].replicas) == [3] * 4
    assert cost(sol, "gpu_on_demand") == pytest.approx(4 * 26_280)
    # The floor holds from min_replicas = 2 (mutation testing found 2 untested): 2 x 2 x $2 x
    # 2190 = $17,520 a quarter.
    s = scenario(workloads=[workload(residency="self_hosted")], gpus=[ON_DEMAND_GPU],
                 open_models=[model(gpus=2)], capacity={"min_replicas": 2})
    assert list(solve(s)["replicas"].replicas) == [2] * 4
    # Batch traffic has no availability floor: one replica.
    s = scenario(workloads=[workload(residency="self_hosted", latency="batch")],
                 gpus=[ON_DEMAND_GPU], open_models=[model(gpus=2)], capacity={"min_replicas": 3})
    assert list(solve(s)["replicas"].replicas) == [1] * 4


# One replica (1 GPU) serves 2190 h x 3600 / 0.2 s = 3.942e7 requests a quarter, 1.314e7 a
# month, at utilization 1. Batch latency: no peak factor.
def _gpu_scenario(monthly, gpu, periods=4, **extra):
    return scenario(workloads=[workload(rpm=monthly, latency="batch", residency="self_hosted")],
                    gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0},
                    horizon={"periods": periods}, **extra)


def test_reserved_for_the_base_on_demand_for_the_peak():
    # GPUs needed per quarter [1, 1, 3, 1]. A 1-year reservation costs $2 x 2190 x 4 = $17,520
    # (paid whole) against $3 x 2190 = $6,570 a GPU-quarter on demand: the always-on GPU is
    # reserved ($17,520 < 4 x 6,570), the two peak GPUs rented for one quarter (2 x $6,570).
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "reserved_usd_per_hour": {"1y": 2.0}}
    sol = solve(_gpu_scenario([1e7, 1e7, 3e7, 1e7], gpu))
    f = sol["fleet"]
    assert list(f.reserved_1y) == [1, 1, 1, 1]
    assert list(f.on_demand) == [0, 0, 2, 0]
    assert sol.npv_usd == pytest.approx(17_520 + 2 * 6_570)


def test_procurement_crossover_as_demand_lasts():
    # One GPU for q quarters: on demand 6,570 q; reserved 1y $17,520 per year started; owned
    # $30,000 with a 2-year life (8 quarters) over a 12-quarter horizon, residual credited.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "reserved_usd_per_hour": {"1y": 2.0},
           "purchase": {"price_usd": 30_000, "life_years": 2}}
    # Demand in 1 quarter only: on demand (6,570 < 17,520).
    sol = solve(_gpu_scenario([1e7] + [0] * 11, gpu, periods=12))
    assert cost(sol, "gpu_on_demand") == pytest.approx(6_570)
    assert sol.npv_usd == pytest.approx(6_570)
    # Demand in 4 quarters: reserve for a year (17,520 < 26,280 on demand; owning for a year
    # costs 30,000 - residual 0 as the GPU bought at t=0 ages 8 of its 8 quarters by t=12...
    # bought then for 4 quarters it still loses: capex 30,000 > 17,520).
    sol = solve(_gpu_scenario([1e7] * 4 + [0] * 8, gpu, periods=12))
    assert sol.npv_usd == pytest.approx(17_520)
    assert cost(sol, "gpu_reserved") == pytest.approx(17_520)
    # Demand in all 12 quarters: own. Buying at t=0 and t=8 costs 60,000 less the residual of
    # the second GPU (4 of 8 quarters used: 15,000) = 45,000 < 3 x 17,520 = 52,560.
    sol = solve(_gpu_scenario([1e7] * 12, gpu, periods=12))
    assert sol.npv_usd == pytest.approx(45_000)
    assert cost(sol, "gpu_capex") == pytest.approx(60_000)
    assert cost(sol, "gpu_residual") == pytest.approx(-15_000)


def test_reserved_paid_for_whole_term_past_the_horizon():
    # A 3-year reservation ($1/h) signed at t=0 over a 4-quarter horizon: 4 quarters x 2190 in
    # the horizon; under finance.end_of_horizon: conservative the 8 remaining quarters are
    # booked as gpu_reserved_after_horizon (under the default pro_rata rule they are not:
    # tests/test_end_of_horizon.py).
    gpu = {"name": "g", "on_demand_usd_per_hour": 9.0, "reserved_usd_per_hour": {"3y": 1.0}}
    sol = solve(_gpu_scenario([1e7] * 4, gpu, finance={"end_of_horizon": "conservative"}))
    assert cost(sol, "gpu_reserved") == pytest.approx(4 * 2_190)
    assert cost(sol, "gpu_reserved_after_horizon") == pytest.approx(8 * 2_190)
    sol = solve(_gpu_scenario([1e7] * 4, gpu))
    assert cost(sol, "gpu_reserved_after_horizon") == 0


def test_residual_value_at_horizon_end():
    # Bought in 2027Q3 (t=2) with a 2-year life: used 2 of 8 quarters by the end, book value
    # 30,000 x (1 - 2/8) = 22,500 credited in the last period. Power: 1 kW x ($100 x 3 months
    # + $0.10 x 1.5 x 2190 h) = $628.50 a quarter while alive.
    gpu = {"name": "g", "purchase": {"price_usd": 30_000, "life_years": 2, "power_kw": 1.0,
                                     "facility_usd_per_kw_month": 100,
                                     "electricity_usd_per_kwh": 0.10, "pue": 1.5}}
    sol = solve(_gpu_scenario([0, 0, 1e7, 1e7], gpu))
    assert list(sol["fleet"].bought) == [1, 0]
    assert cost(sol, "gpu_residual") == pytest.approx(-22_500)
    c = sol["costs"]
    assert c[(c.category == "gpu_residual") & (c.usd != 0)].period.tolist() == ["2027Q4"]
    assert cost(sol, "power_facility") == pytest.approx(2 * 628.5)
    assert sol.npv_usd == pytest.approx(30_000 - 22_500 + 2 * 628.5)


STAFFED = {"platform_engineers": 1, "cost_usd_per_year": 400_000, "gpus_per_engineer": 1000}


def test_staffing_step_makes_self_hosting_lose_at_low_volume():
    # Low volume (1e6/month): API $8,400 a quarter; self-hosting needs 1 GPU ($4,380) plus one
    # engineer ($100,000 a quarter): APIs win.
    apis = [api("a/x", 2.0, 8.0)]
    low = scenario(workloads=[workload(latency="batch")], apis=apis, gpus=[ON_DEMAND_GPU],
                   open_models=[model()], staffing=STAFFED, capacity={"utilization_target": 1})
    sol = solve(low)
    assert chosen(sol) == {"api:a/x": 1.0}
    assert sol.npv_usd == pytest.approx(4 * 8_400)
    assert cost(sol, "staff") == 0
    # High volume (1e8/month): API $840,000 a quarter; self-hosting 3e8 x 0.2 s = 16,667 h ->
    # 8 GPUs x $4,380 = $35,040 + $100,000 staff = $135,040 a quarter.
    high = low.model_copy(update={"workloads": [low.workloads[0].model_copy(
        update={"requests_per_month": 1e8})]})
    sol = solve(high)
    assert chosen(sol) == {"self:m@g/batch": 1.0}
    assert sol.npv_usd == pytest.approx(4 * 135_040)
    assert list(sol["staffing"].engineers_hired) == [1] * 4


@pytest.mark.parametrize("gpus_per_engineer, engineers, quarter_usd", [
    (8, 1, 135_040),  # 8 GPUs / 8 = 1 engineer (the platform team): $35,040 + $100,000
    (7, 2, 235_040),  # 8 / 7 = 1.14 -> 2 engineers: $35,040 + $200,000, which beats 7 GPUs
                      # + 1 engineer + 1/8 of the demand on the API ($30,660 + $100,000 +
                      # $883,008 / 8 = $241,036)
])
def test_staffing_step_at_gpus_per_engineer(gpus_per_engineer, engineers, quarter_usd):
    # 1.0512e8 requests/month: 3.1536e8 a quarter x 0.2 s = 17,520 replica-hours = 8 GPUs at
    # utilization 1 ($4,380 each: $35,040). The API would cost 3.1536e8 x (1000 x $2 + 100 x
    # $8) / 1e6 = $883,008 a quarter. An engineer costs $100,000 a quarter.
    s = scenario(workloads=[workload(rpm=1.0512e8, latency="batch")],
                 apis=[api("a/x", 2.0, 8.0)], gpus=[ON_DEMAND_GPU], open_models=[model()],
                 staffing={**STAFFED, "gpus_per_engineer": gpus_per_engineer},
                 capacity={"utilization_target": 1})
    sol = solve(s)
    assert chosen(sol) == {"self:m@g/batch": 1.0}
    assert list(sol["fleet"].on_demand) == [8] * 4
    assert list(sol["staffing"].engineers_hired) == [engineers] * 4
    assert sol.npv_usd == pytest.approx(4 * quarter_usd)


def test_existing_engineers_are_committed_not_hired():
    high = scenario(workloads=[workload(rpm=1e8, latency="batch")], apis=[api("a/x", 2.0, 8.0)],
                    gpus=[ON_DEMAND_GPU], open_models=[model()], staffing=STAFFED,
                    capacity={"utilization_target": 1}, existing={"engineers": 1})
    sol = solve(high)
    assert cost(sol, "staff") == 0
    assert sol.npv_usd == pytest.approx(4 * 35_040)
    assert sol["committed"].usd.sum() == pytest.approx(400_000)


def _ft_scenario(training, every=None):
    # Base API $8,400 a quarter. The fine-tune halves the prompt and costs $1/$4:
    # 3e6 x (500 x 1 + 100 x 4) / 1e6 = $2,700 a quarter, saving $5,700 (22,800 a year).
    a = api("a/x", 2.0, 8.0, fine_tuned_price={"input_usd_per_mtok": 1.0,
                                               "output_usd_per_mtok": 4.0})
    ft = {"name": "ft", "base": "a/x", "workloads": ["w"], "training_cost_usd": training,
          "retrain_every_periods": every, "input_token_reduction": 0.5}
    return scenario(workloads=[workload()], apis=[a], fine_tunes=[ft])


def test_fine_tune_that_pays_off():
    sol = solve(_ft_scenario(10_000))  # 10,000 + 4 x 2,700 = 20,800 < 33,600
    assert chosen(sol) == {"ft:ft@a/x": 1.0}
    assert sol.npv_usd == pytest.approx(20_800)
    assert cost(sol, "fine_tuning") == pytest.approx(10_000)
    assert sol["fine_tunes"].trained.tolist() == [True]


def test_fine_tune_that_does_not_pay_off():
    sol = solve(_ft_scenario(30_000))  # 30,000 + 10,800 > 33,600
    assert chosen(sol) == {"api:a/x": 1.0}
    assert sol.npv_usd == pytest.approx(33_600)
    # Retraining every 2 quarters doubles the cost: 2 x 15,000 + 10,800 = 40,800 > 33,600,
    # while a single training of 15,000 pays (25,800).
    assert solve(_ft_scenario(15_000))["fine_tunes"].trained.tolist() == [True]
    sol = solve(_ft_scenario(15_000, every=2))
    assert sol["fine_tunes"].trained.tolist() == [False]
    assert sol.npv_usd == pytest.approx(33_600)


def test_fine_tune_uplift_makes_an_option_feasible():
    # The open model scores 60 < 70 required; the fine-tune adds 15 points.
    ft = {"name": "ft", "base": "m", "workloads": ["w"], "training_cost_usd": 1_000,
          "quality_uplift": {"chat": 15}}
    s = scenario(workloads=[workload(min_quality=70, residency="self_hosted", latency="batch")],
                 gpus=[ON_DEMAND_GPU], open_models=[model(quality=60)], fine_tunes=[ft])
    sol = solve(s)
    assert chosen(sol) == {"ft:ft@g/batch": 1.0}
    assert cost(sol, "fine_tuning") == pytest.approx(1_000)


def test_error_cost_trades_quality_against_price():
    # Cheap API (quality 80, $1/$4): 4,200 + 3e6 x 0.2 x $0.01 = 4,200 + 6,000 = 10,200.
    # Dear API (quality 98, $2/$8): 8,400 + 3e6 x 0.02 x 0.01 = 9,000: the dear one wins.
    apis = [api("a/cheap", 1.0, 4.0, quality=80), api("b/good", 2.0, 8.0, quality=98)]
    sol = solve(scenario(workloads=[workload(error_cost_usd=0.01)], apis=apis))
    assert chosen(sol) == {"api:b/good": 1.0}
    assert sol.npv_usd == pytest.approx(4 * 9_000)
    assert cost(sol, "error") == pytest.approx(4 * 600)


def test_provider_share_cap_splits_tokens():
    # Cap 70%: the cheap provider takes 70% of tokens, the other 30%.
    apis = [api("a/cheap", 1.0, 4.0), api("b/dear", 2.0, 8.0)]
    sol = solve(scenario(workloads=[workload()], apis=apis,
                         constraints={"max_share_per_provider": 0.7}))
    assert chosen(sol) == pytest.approx({"api:a/cheap": 0.7, "api:b/dear": 0.3})
    assert sol.npv_usd == pytest.approx(4 * (0.7 * 4_200 + 0.3 * 8_400))


def test_existing_reservation_serves_demand_first():
    # A signed reservation of 1 GPU to 2027Q4 covers the 1-GPU need: no new GPU, and its
    # payments are reported as committed (1 x $2.5 x 2190 x 4), not in the plan's NPV.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0}
    signed = [{"gpu": "g", "count": 1, "ends": "2027Q4", "usd_per_hour": 2.5}]
    sol = solve(_gpu_scenario([1e7] * 4, gpu, existing={"reservations": signed}))
    assert sol.npv_usd == pytest.approx(0)
    assert sol["committed"].usd.sum() == pytest.approx(4 * 2.5 * 2_190)


def test_unservable_workload_is_explained():
    s = scenario(workloads=[workload(min_quality=95)], apis=[api("a/x", 2.0, 8.0, quality=80)])
    with pytest.raises(InfeasibleError) as e:
        solve(s)
    assert "workload 'w' has no option left" in str(e.value)
    assert "api:a/x: quality: 80 below the minimum 95" in str(e.value)


def test_budget_cap_explained_with_amount():
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 constraints={"budget_usd_per_period": 8_000})
    with pytest.raises(InfeasibleError) as e:
        solve(s)
    text = str(e.value)
    assert "budget_usd_per_period 8,000 cannot hold in 2027Q1" in text
    assert "over by 400 USD" in text


def test_marginal_cost_of_an_api_workload():
    # One more request costs (1000 x 2 + 100 x 8) / 1e6 = $0.0028 = $2.80 per 1k requests.
    sol = solve(scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)]))
    assert sol["marginal"].usd_per_1k_requests.tolist() == pytest.approx([2.8] * 4)
    u = sol["unit_costs"].iloc[0]
    assert u.usd_per_1k_requests == pytest.approx(2.8)
    assert u.usd_per_mtok == pytest.approx(2.8e3 / 1100)
    assert not math.isnan(u.usd_per_mtok)


def test_life_in_whole_periods_rounds_halves_up_like_spreadsheets():
    from tco.model.data import whole_periods

    # 2.625 years x 4 = 10.5 quarters: ROUND in Excel and LibreOffice gives 11 (Python's
    # round() would give 10 and the workbook would disagree with the engine).
    assert whole_periods(2.625, 4) == 11
    assert whole_periods(0.1, 4) == 1
    assert whole_periods(4, 12) == 48


def test_existing_owned_gpus_serve_first_and_are_committed():
    # Two GPUs bought in 2026Q1 with a 2-year life live through 2027Q4 (periods 0-3): they
    # serve the 1-GPU need at no plan cost. Committed: power 1 kW x ($100 x 3 + $0.1 x 1.5 x
    # 2190) = $628.50 a GPU-quarter x 2 GPUs x 4 quarters; book value at the end 0 (8 of 8
    # quarters used).
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0,
           "purchase": {"price_usd": 30_000, "life_years": 2, "power_kw": 1.0,
                        "facility_usd_per_kw_month": 100, "electricity_usd_per_kwh": 0.10,
                        "pue": 1.5}}
    owned = [{"gpu": "g", "count": 2, "bought": "2026Q1", "price_usd": 25_000, "life_years": 2}]
    sol = solve(_gpu_scenario([1e7] * 4, gpu, existing={"owned_gpus": owned}))
    assert sol.npv_usd == pytest.approx(0)
    assert list(sol["fleet"].existing_owned) == [2] * 4
    committed = sol["committed"]
    assert committed.usd.sum() == pytest.approx(2 * 4 * 628.5)
    # Bought in 2027Q1 instead: alive all 4 quarters, book value 25,000 x 2 x (1 - 4/8) credited.
    owned[0]["bought"] = "2027Q1"
    sol = solve(_gpu_scenario([1e7] * 4, gpu, existing={"owned_gpus": owned}))
    c = sol["committed"]
    assert float(c[c.category == "gpu_residual"].usd.sum()) == pytest.approx(-25_000)
