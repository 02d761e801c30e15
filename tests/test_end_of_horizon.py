"""The end-of-horizon rule: every commitment charged only for the periods inside the horizon
it serves (pro_rata, the default) or in full with no residual credit (conservative).

Shared numbers: a quarter is 2190 hours; a discount rate of 10% a year makes one quarter's
factor v = 1.1^(-1/4) = 0.976454; period t's discount factor is v^t.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.pipeline import plan

V = 1.1 ** -0.25


def solve(s):
    return plan(s, resolve_plain(s))


def cost(sol, category):
    c = sol["costs"]
    return float(c[c.category == category].usd.sum())


def _last_period_only(gpu: dict, rule: str | None = None, rate: float = 0.10):
    # Demand only in the last of 4 quarters, one GPU's worth (1e7 requests/month x 3 x
    # 0.2 replica-s = 6e6 replica-s < 2190 x 3600), served only by our GPUs.
    finance = {"discount_rate": rate}
    if rule:
        finance["end_of_horizon"] = rule
    return scenario(workloads=[workload(rpm=[0, 0, 0, 1e7], latency="batch",
                                        residency="self_hosted")],
                    gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0},
                    finance=finance)


OWNED = {"name": "g", "purchase": {"price_usd": 30_000, "life_years": 2}}
RESERVED_3Y = {"name": "g", "reserved_usd_per_hour": {"3y": 1.0}}


def test_owned_gpu_bought_in_the_last_period_costs_one_annuity_payment():
    # Bought at t=3 (the last quarter) for $30,000 with an 8-quarter life. The annuity-due
    # over the life at 10% a year: a = 30,000 (1 - v) / (1 - v^8) = 4,070.08 a quarter. The
    # 7 payments after the horizon are worth, at t=3, a v (1 - v^7) / (1 - v) = 25,929.92,
    # credited as residual value; the GPU costs 30,000 - 25,929.92 = a in t=3, NPV a v^3.
    a = 30_000 * (1 - V) / (1 - V ** 8)
    assert a == pytest.approx(4_070.08, abs=0.01)
    sol = solve(_last_period_only(OWNED))
    assert list(sol["fleet"].bought) == [1]
    assert cost(sol, "gpu_capex") == pytest.approx(30_000)
    assert cost(sol, "gpu_residual") == pytest.approx(-(30_000 - a))
    assert sol.npv_usd == pytest.approx(a * V ** 3)


def test_owned_gpu_at_rate_zero_keeps_straight_line_book_value():
    # At rate 0 the annuity is 30,000 / 8 = 3,750 a quarter: the credit for 7 of 8 quarters
    # left is 26,250, straight-line book value.
    sol = solve(_last_period_only(OWNED, rate=0.0))
    assert cost(sol, "gpu_residual") == pytest.approx(-26_250)
    assert sol.npv_usd == pytest.approx(3_750)


def test_reservation_signed_in_the_last_period_costs_the_periods_it_serves():
    # A 3-year ($1/h) reservation signed at t=3 serves one quarter inside the horizon:
    # 2,190 paid in t=3, nothing for the 11 quarters after, NPV 2,190 v^3.
    sol = solve(_last_period_only(RESERVED_3Y))
    assert list(sol["fleet"].reserved_3y_new) == [1]
    assert cost(sol, "gpu_reserved") == pytest.approx(2_190)
    assert cost(sol, "gpu_reserved_after_horizon") == 0
    assert sol.npv_usd == pytest.approx(2_190 * V ** 3)


def test_conservative_charges_every_commitment_in_full():
    # The reservation: 2,190 in t=3 and its 11 remaining quarters (24,090) booked in t=3, as
    # before the rule existed.
    sol = solve(_last_period_only(RESERVED_3Y, "conservative"))
    assert cost(sol, "gpu_reserved") == pytest.approx(2_190)
    assert cost(sol, "gpu_reserved_after_horizon") == pytest.approx(11 * 2_190)
    assert sol.npv_usd == pytest.approx(12 * 2_190 * V ** 3)
    # The owned GPU: the whole price, no residual credit.
    sol = solve(_last_period_only(OWNED, "conservative"))
    assert cost(sol, "gpu_capex") == pytest.approx(30_000)
    assert cost(sol, "gpu_residual") == 0
    assert sol.npv_usd == pytest.approx(30_000 * V ** 3)


def test_conservative_drops_the_residual_credit_of_existing_gpus():
    # Existing GPUs bought 2027Q1 with a 2-year life: pro_rata (rate 0) credits 4 of 8
    # quarters, 25,000 x 2 x 4/8; conservative credits nothing.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0,
           "purchase": {"price_usd": 30_000, "life_years": 2}}
    owned = [{"gpu": "g", "count": 2, "bought": "2027Q1", "price_usd": 25_000, "life_years": 2}]
    for rule, credit in (("pro_rata", -25_000), ("conservative", 0.0)):
        s = scenario(workloads=[workload(rpm=1e7, latency="batch", residency="self_hosted")],
                     gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0},
                     existing={"owned_gpus": owned},
                     finance={"discount_rate": 0.0, "end_of_horizon": rule})
        c = solve(s)["committed"]
        assert float(c[c.category == "gpu_residual"].usd.sum()) == pytest.approx(credit)


def _growing(periods: int, rule: str):
    # Steady growth (40% a year) from 2 to about 8 GPUs' worth over 20 quarters; an API at
    # $5 per 1M input tokens against on-demand, reserved and owned GPUs (a 4-year life, longer
    # than 12 quarters); 10% discount rate.
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0,
           "reserved_usd_per_hour": {"1y": 2.2, "3y": 1.8},
           "purchase": {"price_usd": 45_000, "life_years": 4}}
    return scenario(workloads=[workload(rpm=2e7, growth_per_year=0.4, latency="batch")],
                    apis=[api("p/a", 5.0, 15.0)], gpus=[gpu], open_models=[model()],
                    capacity={"utilization_target": 1.0},
                    horizon={"periods": periods},
                    finance={"discount_rate": 0.10, "end_of_horizon": rule},
                    solver={"mip_rel_gap": 1e-9})


def _first(sol, n: int = 8):
    f = sol["fleet"]
    fleet = f[f.t < n][["t", "bought", "reserved_1y_new", "reserved_3y_new", "on_demand"]]
    a = sol["allocation"]
    alloc = a[a.t < n][["t", "option", "share"]]
    return fleet.reset_index(drop=True), alloc.reset_index(drop=True)


def test_early_decisions_do_not_depend_on_the_horizon_length():
    f12, a12 = _first(solve(_growing(12, "pro_rata")))
    f20, a20 = _first(solve(_growing(20, "pro_rata")))
    assert f12.equals(f20)
    assert list(a12.option) == list(a20.option)
    assert a12.share.to_numpy() == pytest.approx(a20.share.to_numpy(), abs=1e-6)
    # Charged in full, a GPU bought in the first quarter looks dear over 12 quarters (a third
    # of its life unused at the end) and the 12-quarter plan reserves instead of buying: the
    # comparison above would catch a rule that lets the horizon's end leak into early periods.
    c12, _ = _first(solve(_growing(12, "conservative")))
    c20, _ = _first(solve(_growing(20, "conservative")))
    assert list(c20.bought[:1]) == [2] and list(c12.bought[:1]) == [0]
