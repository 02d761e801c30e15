"""Cascades take part in tariffs: a cascade's API stage on a provider with a price plan or
provisioned units pays that provider's tariff prices and counts toward its spend.

Shared numbers: four quarters, no discounting; a quarter has 3e6 requests (1e6 a month) of
1000 input and 100 output tokens. The cascade runs b/mini ($0.2 / $0.8 per 1M) on every
request and escalates 25% to a/big ($2 / $8):
    stage 1 (provider b): 3e6 x (1000 x 0.2 + 100 x 0.8) / 1e6        = $840 a quarter
    stage 2 (provider a): 0.25 x 3e6 x (1000 x 2 + 100 x 8) / 1e6    = $2,100 a quarter
    list: $2,940 a quarter. Neither API alone meets the quality bar of 80 (60 and 79): every
    request goes through the cascade.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tariffs import cost, taken

from tco.pipeline import plan

MINI = api("b/mini", 0.2, 0.8, quality=60)
BIG = api("a/big", 2.0, 8.0, quality=79)
CASCADE = {"name": "triage", "workloads": ["w"], "quality": {"chat": 82},
           "stages": [{"api": "b/mini", "escalate": 0.25}, {"api": "a/big"}]}


def solve(tariffs, **wl):
    s = scenario(workloads=[workload(min_quality=80, **wl)], apis=[MINI, BIG],
                 cascades=[CASCADE], tariffs=tariffs)
    return plan(s, resolve_plain(s))


def test_a_cascade_stage_pays_its_providers_two_part_tariff():
    # Fee $100 a month ($300 a quarter) for 20% off provider a: the escalated stage's $2,100
    # saves $420 > $300, so the plan takes the deal although only a cascade buys from a:
    # 840 + 2,100 - 420 + 300 = $2,820 a quarter, $11,280 over the year (list: $11,760).
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 100,
            "discount": 0.2}
    sol = solve([deal])
    assert set(sol["allocation"].option) == {"cascade:triage"}
    assert taken(sol, "deal") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_820)
    assert cost(sol, "tariff_discount") == pytest.approx(-4 * 420)
    assert cost(sol, "tariff_fee") == pytest.approx(4 * 300)
    # The provider table counts the stage: a's list spend is the stage's $2,100 and its
    # tokens 0.25 x 3e6 x 1,100 = 825M, so it pays (2,100 - 420 + 300) / 825 = $2.40 per 1M.
    p = sol["tariff_providers"]
    assert p.list_usd.tolist() == pytest.approx([2_100] * 4)
    assert p.usd_per_mtok.tolist() == pytest.approx([1_980 / 825] * 4)
    # At a $200 fee ($600 a quarter) the $420 saving does not pay: list prices, $11,760.
    sol = solve([{**deal, "fee_usd_per_month": 200}])
    assert taken(sol, "deal") == [False] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_940)


def test_a_cascade_stage_at_per_api_prices_and_under_a_commitment():
    # Per-API prices for a/big at half list ($1 / $4) and a $200 monthly fee ($600 a quarter):
    # the stage costs 0.25 x 3e6 x (1000 x 1 + 100 x 4) / 1e6 = $1,050, saving $1,050 > $600:
    # 840 + 1,050 + 600 = $2,490 a quarter.
    priced = {"name": "priced", "kind": "two_part", "provider": "a", "fee_usd_per_month": 200,
              "prices": {"a/big": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}}
    sol = solve([priced])
    assert taken(sol, "priced") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_490)
    # A commitment of $600 a month ($1,800 a quarter) at 10% off provider a for a year: the
    # stage's spend at 10% off, 0.9 x 2,100 = $1,890, covers it (no shortfall):
    # 840 + 1,890 = $2,730 a quarter. At $800 a month ($2,400) the shortfall would be $510 and
    # the deal dearer than list: not signed.
    commit = {"name": "commit", "kind": "commit", "provider": "a", "commit_usd_per_month": 600,
              "discount": 0.1, "term": "1y"}
    sol = solve([commit])
    assert taken(sol, "commit") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_730)
    assert cost(sol, "tariff_shortfall") == pytest.approx(0, abs=1e-6)
    sol = solve([{**commit, "commit_usd_per_month": 800}])
    assert taken(sol, "commit") == [False] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_940)


def test_provisioned_units_serve_a_cascade_stage():
    # Units for a/big: 1,000 tokens a minute each (an output token uses 4), $0.04 a unit-hour
    # ($87.6 a quarter), from 1 unit in steps of 1. The escalated stage's load, flat (peak to
    # average 1): 0.25 x 3e6 / (2190 x 60) minutes x (1000 + 4 x 100) = 7,990.9 tokens a
    # minute = 8 units, $700.8 a quarter for what lists at $2,100: 840 + 700.8 = $1,540.8.
    ptu = {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/big", "term": "1h",
           "usd_per_unit_term": 0.04, "min_units": 1, "unit_step": 1,
           "input_tokens_per_minute_per_unit": 1_000, "output_token_weight": 4,
           "cached_tokens_count": False}
    sol = solve([ptu])
    assert sol["tariffs"].units.tolist() == [8] * 4
    assert sol.npv_usd == pytest.approx(4 * 1_540.8)
    assert sol["tariffs"].served_list_usd.tolist() == pytest.approx([2_100] * 4)


def test_validate_no_longer_warns_at_cascade_stages():
    from tco.servable import servability

    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 100,
            "discount": 0.2}
    s = scenario(workloads=[workload(min_quality=80)], apis=[MINI, BIG], cascades=[CASCADE],
                 tariffs=[deal])
    assert not [w for w in servability(s, resolve_plain(s))[1] if w.path[0] == "cascades"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fee=st.floats(0, 1_500), discount=st.floats(0, 0.6), commit=st.floats(0, 1_500),
       half=st.booleans(), term=st.sampled_from(["1m", "3m", "1y", "3y"]))
def test_adding_a_tariff_never_raises_the_optimum_with_a_cascade(fee, discount, commit, half,
                                                                 term):
    # With the cascade and a second workload on b/mini alone present, tariffs on the
    # cascade's two providers can only lower the optimum.
    def solve2(tariffs):
        s = scenario(workloads=[workload(min_quality=80, rpm=[0.5e6, 1e6, 1.5e6, 2e6]),
                                workload("cheap", rpm=0.4e6, min_quality=50)],
                     apis=[MINI, BIG], cascades=[CASCADE], tariffs=tariffs)
        return plan(s, resolve_plain(s)).npv_usd

    base = solve2([])
    tp = {"name": "tp", "kind": "two_part", "provider": "a", "fee_usd_per_month": fee,
          "discount": discount, "term": term}
    if half:
        tp["prices"] = {"a/big": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}
    menu = [tp, {"name": "cm", "kind": "commit", "provider": "b",
                 "commit_usd_per_month": commit, "discount": discount, "term": term}]
    assert solve2(menu) <= base * (1 + 1e-6) + 1e-6


def test_a_workload_needing_priority_takes_no_cascade_with_an_api_stage():
    # Cascade stages run on the standard tier; a workload that needs priority may use an API
    # only at a priority tier, so the cascade is refused and says why: a/big at 1.75 x list
    # through the priority tier is left, but it is below the bar (79): nothing serves it.
    from tco.errors import InfeasibleError

    prio = {"name": "prio", "kind": "service_tier", "provider": "a", "tier": "priority",
            "price_multiplier": 1.75}
    with pytest.raises(InfeasibleError, match="standard tier .*needs priority"):
        solve([prio], needs_priority=True)
