"""Lead times: a GPU bought or reserved serves only `lead_time_periods` after the order, and
engineers are on the payroll `hiring_lead_periods` before they are needed.

Shared numbers (engine_helpers, no discounting): one replica (1 GPU) serves 3.942e7 requests
a quarter at utilization 1, so 1e7 requests a month (3e7 a quarter) need one GPU. On demand at
$3/h a GPU-quarter costs 3 x 2190 = $6,570; a 1-year reservation at $2/h costs $4,380 a
quarter; a purchase costs $10,000 for a 2-year (8-quarter) life, no power.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.pipeline import plan


def solve(s):
    return plan(s, resolve_plain(s))


def cost(sol, category):
    c = sol["costs"]
    return float(c[c.category == category].usd.sum())


def per_period(sol, category):
    c = sol["costs"]
    return list(c[c.category == category].sort_values("t").usd)


def _one_gpu(gpu, rpm=(1e7,) * 4, **extra):
    return scenario(workloads=[workload(rpm=list(rpm), latency="batch", residency="self_hosted")],
                    gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0},
                    **extra)


OWN = {"price_usd": 10_000, "life_years": 2}


def test_a_bought_gpu_does_not_serve_in_the_period_it_is_ordered():
    # Lead time 1, demand of one GPU in each of 4 quarters. The GPU bought in 2027Q1 serves
    # 2027Q2..; 2027Q1 is rented on demand ($6,570). The purchase serves 3 quarters of its 8
    # inside the horizon and 5 after it: pro rata at rate 0 the credit is 10,000 x 5/8 = 6,250,
    # so the GPU costs 3,750. Total 6,570 + 3,750 = 10,320 (on demand throughout: 26,280).
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "purchase": OWN, "lead_time_periods": 1}
    sol = solve(_one_gpu(gpu))
    f = sol["fleet"].sort_values("t")
    assert list(f.bought) == [1, 0, 0, 0]
    assert list(f.owned) == [0, 1, 1, 1]
    assert list(f.on_demand) == [1, 0, 0, 0]
    assert per_period(sol, "gpu_capex") == [10_000, 0, 0, 0]
    assert cost(sol, "gpu_residual") == pytest.approx(-6_250)
    assert sol.npv_usd == pytest.approx(10_320)
    # Without the lead time the GPU bought in 2027Q1 serves at once: 10,000 - 5,000 (4 of 8
    # quarters left) = 5,000.
    sol0 = solve(_one_gpu({**gpu, "lead_time_periods": 0}))
    assert sol0.npv_usd == pytest.approx(5_000)


def test_a_gpu_bought_with_a_lead_time_only_is_infeasible_in_the_first_period():
    # No on-demand fallback: a lead time of one period leaves 2027Q1's demand unserved.
    from tco.errors import InfeasibleError

    gpu = {"name": "g", "purchase": OWN, "lead_time_periods": 1}
    with pytest.raises(InfeasibleError):
        solve(_one_gpu(gpu))
    # Demand from 2027Q2: the GPU is ordered in 2027Q1, one period ahead (with no lead time it
    # would be bought in 2027Q2, whose residual credit is the same 6,250).
    sol = solve(_one_gpu(gpu, rpm=(0, 1e7, 1e7, 1e7)))
    assert list(sol["fleet"].sort_values("t").bought) == [1, 0, 0, 0]
    assert sol.npv_usd == pytest.approx(3_750)
    sol0 = solve(_one_gpu({**gpu, "lead_time_periods": 0}, rpm=(0, 1e7, 1e7, 1e7)))
    f0 = sol0["fleet"].sort_values("t")
    assert list(f0[f0.bought > 0].t) == [1]


@pytest.mark.parametrize("rule, after", [("pro_rata", 0.0), ("conservative", 4_380.0)])
def test_a_reservation_is_paid_from_its_delivery(rule, after):
    # Lead time 1: a 1-year reservation signed in 2027Q1 serves and is paid 2027Q2..2028Q1;
    # 2027Q1 on demand. In the horizon: 6,570 + 3 x 4,380 = 19,710; the fourth quarter of the
    # term (2028Q1) is past the horizon: not charged pro rata, charged in full conservatively
    # (24,090, still below 26,280 on demand throughout).
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "reserved_usd_per_hour": {"1y": 2.0},
           "lead_time_periods": 1}
    sol = solve(_one_gpu(gpu, finance={"discount_rate": 0.0, "end_of_horizon": rule}))
    f = sol["fleet"].sort_values("t")
    assert list(f.reserved_1y_new) == [1, 0, 0, 0]
    assert list(f.reserved_1y) == [0, 1, 1, 1]
    assert per_period(sol, "gpu_reserved") == [0, 4_380, 4_380, 4_380]
    assert cost(sol, "gpu_reserved_after_horizon") == pytest.approx(after)
    assert sol.npv_usd == pytest.approx(19_710 + after)


def test_no_order_arrives_after_the_horizon():
    # Lead time 4 over 4 quarters: nothing ordered could serve, so on demand throughout.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "purchase": OWN, "lead_time_periods": 4}
    sol = solve(_one_gpu(gpu))
    assert sol["fleet"].bought.sum() == 0
    assert sol.npv_usd == pytest.approx(4 * 6_570)


STAFFED = {"platform_engineers": 1, "cost_usd_per_year": 400_000, "gpus_per_engineer": 1000}


def _staffed(existing=None, **staffing):
    # tests/test_engine_costs.py's high volume: the API costs $840,000 a quarter, self-hosting
    # $35,040 of GPUs plus one engineer ($100,000 a quarter).
    return scenario(workloads=[workload(rpm=1e8, latency="batch")], apis=[api("a/x", 2.0, 8.0)],
                    gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}], open_models=[model()],
                    staffing={**STAFFED, **staffing}, capacity={"utilization_target": 1},
                    existing=existing or {})


def test_engineers_are_hired_a_period_before_hosting_starts():
    # hiring_lead_periods 1: nothing is self-hosted in 2027Q1 (no engineer could have been
    # hired before the horizon), the engineer hosting from 2027Q2 is on the payroll from
    # 2027Q1: 840,000 + 100,000, then 3 x 135,040 = 1,345,120.
    sol = solve(_staffed(hiring_lead_periods=1))
    st = sol["staffing"].sort_values("t")
    assert list(st.hosting) == [False, True, True, True]
    assert list(st.engineers_hired) == [1, 1, 1, 1]
    assert per_period(sol, "api") == pytest.approx([840_000, 0, 0, 0])
    assert sol.npv_usd == pytest.approx(940_000 + 3 * 135_040)


def test_engineers_already_employed_need_no_lead():
    # An engineer already employed (existing, e.g. from `tco roll`) hosts from 2027Q1.
    sol = solve(_staffed(existing={"engineers": 1}, hiring_lead_periods=2))
    assert list(sol["staffing"].sort_values("t").hosting) == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 35_040)


def test_existing_gpus_on_order_serve_from_their_delivery():
    # Two GPUs bought before the horizon and delivered in 2027Q2 (`serves_from`, as `tco roll`
    # writes them): 2027Q1 is rented on demand, the rest served by the delivered GPU.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0}
    s = _one_gpu(gpu, existing={"owned_gpus": [{"gpu": "g", "count": 1, "bought": "2026Q4",
                                                "serves_from": "2027Q2", "price_usd": 10_000,
                                                "life_years": 2}],
                                "reservations": [{"gpu": "g", "count": 1, "starts": "2027Q4",
                                                  "ends": "2028Q3", "usd_per_hour": 1.0}]})
    sol = solve(s)
    f = sol["fleet"].sort_values("t")
    assert list(f.existing_owned) == [0, 1, 1, 1]
    assert list(f.existing_reserved) == [0, 0, 0, 1]
    assert list(f.on_demand) == [1, 0, 0, 0]
    com = sol["committed"]
    assert float(com[com.category == "gpu_reserved"].usd.sum()) == pytest.approx(2_190)


def test_roll_keeps_orders_on_their_way():
    # `tco roll` after one elapsed quarter: a GPU bought and a 1-year reservation signed in
    # 2027Q1 with a lead time of 2 are delivered in 2027Q3; the reservation ends 2028Q2.
    import pandas as pd

    from tco.review import _existing

    fleet = pd.DataFrame([dict(gpu="g", t=0, bought=1, reserved_1y_new=2, reserved_3y_new=0)])
    staffing = pd.DataFrame([dict(t=0, engineers_hired=0)])
    assets = {"gpus": {"g": {"purchase_usd": 10_000, "life_years": 2, "lead_time_periods": 2,
                             "reserved_usd_per_hour": {"1y": 2.0}}}}
    periods = ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    ex = _existing({}, {"fleet": fleet, "staffing": staffing}, assets, periods, 1, "2027Q2")
    assert ex["owned_gpus"] == [{"gpu": "g", "count": 1, "bought": "2027Q1", "price_usd": 10_000,
                                 "life_years": 2, "serves_from": "2027Q3"}]
    assert ex["reservations"] == [{"gpu": "g", "count": 2, "ends": "2028Q2", "usd_per_hour": 2.0,
                                   "starts": "2027Q3"}]
