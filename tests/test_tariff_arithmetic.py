"""Tariff arithmetic that mutation testing found unchecked (issue 11, benchmarks/RESULTS.md):
per-API prices beside a discount and a price trend, provisioned units with cached input and
on one API only, the big-M over several workloads, volume tiers below the first tier.

Shared numbers (engine_helpers): four quarters of 2190 hours, no discounting; 1e6 requests a
month is 3e6 a quarter of 1000 input and 100 output tokens: $8,400 a quarter at $2 / $8.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload
from test_tariffs import commitment_scenario, cost, solve, taken

HALF = {"a/x": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}
"""Per-API prices at half a/x's list prices ($2 / $8)."""


def test_discount_prices_the_lanes_per_api_prices_leave():
    # Deal: $500 a month ($1,500 a quarter), a/x's realtime tokens at half price, 20% off the
    # rest of provider a (here a/x's batch lane, 50% off list).
    # Interactive workload: 8,400 list -> 4,200 at the deal's prices (saves 4,200).
    # Batch workload: batch list 4,200 -> 0.8 x 4,200 = 3,360 (saves 840); its realtime lane
    # at the deal's prices would cost 4,200, so it stays on batch.
    # A quarter: 4,200 + 3,360 + 1,500 = $9,060 (pay as you go 12,600); a year $36,240,
    # discount 4 x 5,040 = $20,160. (Dividing by 0.8, or taking 1.8 x, instead of 0.8 x the
    # batch price would move the batch workload to realtime: $39,600.)
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "discount": 0.2, "prices": HALF}
    s = scenario(workloads=[workload("chat"), workload("nightly", latency="batch")],
                 apis=[api("a/x", 2.0, 8.0, batch_discount=0.5)], tariffs=[deal])
    sol = solve(s)
    assert taken(sol, "deal") == [True] * 4
    a = sol["allocation"]
    assert set(a[a.workload == "nightly"].option) == {"batch:a/x"}
    assert cost(sol, "tariff_discount") == pytest.approx(-4 * 5_040)
    assert sol.npv_usd == pytest.approx(4 * 9_060)


def test_per_api_prices_follow_the_apis_price_trend():
    # a/x falls 20% a year: quarter t lists 8,400 x 0.8^(t/4) and the deal's half prices fall
    # alike, 4,200 x 0.8^(t/4): it saves 4,200 x 0.8^(t/4) >= 3,552 > the $1,500 fee, every
    # quarter. NPV = sum_t 4,200 x 0.8^(t/4) + 4 x 1,500 = 15,623.6 + 6,000.
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "prices": HALF}
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0, price_trend_per_year=-0.2)],
                 tariffs=[deal])
    sol = solve(s)
    saved = [4_200 * 0.8 ** (t / 4) for t in range(4)]
    assert taken(sol, "deal") == [True] * 4
    assert cost(sol, "tariff_discount") == pytest.approx(-sum(saved))
    assert sol.npv_usd == pytest.approx(sum(saved) + 4 * 1_500)
    # The tables finance reads: the fee in each quarter's row, what provider a is paid
    # (list - saving + fee), and the break-even: the deal saves half of list spend at the
    # plan's mix, so it pays from 500 / 0.5 = $1,000 of list spend a month.
    t = sol["tariffs"].sort_values("t")
    assert t.fee_usd.tolist() == pytest.approx([1_500] * 4)
    assert t.shortfall_usd.tolist() == t.served_list_usd.tolist() == [0] * 4
    paid = sol["tariff_providers"].sort_values("t").paid_usd.tolist()
    assert paid == pytest.approx([8_400 * 0.8 ** (t / 4) - x + 1_500 for t, x in enumerate(saved)])
    be = sol["tariff_breakeven"].set_index("tariff").loc["deal"]
    assert be.breakeven_list_usd_per_month == pytest.approx(1_000)


def _units(**over):
    return {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1h",
            "usd_per_unit_term": 0.004, "min_units": 1, "unit_step": 1,
            "input_tokens_per_minute_per_unit": 100, "output_token_weight": 4,
            "cached_tokens_count": False, **over}


# 43,800 requests a month = 131,400 a quarter over 2190 x 60 = 131,400 minutes: one request a
# minute on average, two at the peak (peak_to_average 2).
ONE_A_MINUTE = dict(rpm=43_800, peak_to_average=2.0)


def test_provisioned_units_count_cached_input_as_the_vendor_does():
    # 1000 input tokens, half of them cached, one request in 10 writing the cache (reuse 10):
    # uncached 500 + writes 0.1 x 500 = 550 tokens always count; the 450 cached reads count
    # only when the vendor says so. Capacity per request: 550 + 4 x 100 output = 950 tokens,
    # at two requests a minute 1,900 = 19 units of 100; with cached reads 1,400 x 2 = 2,800 =
    # 28 units. List a quarter: 131,400 x (500 x 2 + 500 x (0.9 x 0.5 + 0.1 x 2.5) + 100 x 8)
    # / 1e6 = 131,400 x 2,150 / 1e6 = $282.51, more than either: 19 x 0.004 x 2190 = $166.44,
    # 28 x 0.004 x 2190 = $245.28 a quarter.
    x = api("a/x", 2.0, 8.0, cached=0.5)
    x["price"]["cache_write_usd_per_mtok"] = 2.5
    wl = workload(cached_input_share=0.5, cache_reuse=10, **ONE_A_MINUTE)
    sol = solve(scenario(workloads=[wl], apis=[x], tariffs=[_units()]))
    assert sol["tariffs"].units.tolist() == [19] * 4
    assert sol["tariffs"].served_list_usd.tolist() == pytest.approx([282.51] * 4)
    assert cost(sol, "api") == pytest.approx(4 * 282.51)
    assert sol.npv_usd == pytest.approx(4 * 166.44)
    sol = solve(scenario(workloads=[wl], apis=[x], tariffs=[_units(cached_tokens_count=True)]))
    assert sol["tariffs"].units.tolist() == [28] * 4
    assert sol.npv_usd == pytest.approx(4 * 245.28)


def test_provisioned_units_serve_only_their_api():
    # "strict" needs quality 85: only b/y (90) qualifies, at $1 / $4: 131,400 x 1,400 / 1e6 =
    # $183.96 a quarter. "any" (1% of the volume) could use a/x but b/y is cheaper: $1.8396.
    # Units of a/x at $0.001 a unit-hour (28 units, $61.32 a quarter, would carry strict's
    # peak) cannot serve b/y's traffic: the plan pays b/y's list prices, 4 x 185.7996.
    apis = [api("a/x", 2.0, 8.0, quality=80), api("b/y", 1.0, 4.0, quality=90)]
    wls = [workload("strict", min_quality=85, **ONE_A_MINUTE),
           workload("any", rpm=438, peak_to_average=2.0)]
    sol = solve(scenario(workloads=wls, apis=apis, tariffs=[_units(usd_per_unit_term=0.001)]))
    assert cost(sol, "tariff_units") == 0
    assert sol.npv_usd == pytest.approx(4 * 185.7996)


def test_a_deal_over_a_large_and_a_small_workload_discounts_both():
    # 1e6 requests a month of 100 output tokens, 1e4 of 200 (not merged: other tokens): list
    # $8,400 + 3e4 x (1000 x 2 + 200 x 8) / 1e6 = $108 a quarter. 20% off for $500 a month
    # saves 0.2 x 8,508 = 1,701.6 > 1,500 a quarter: taken, 4 x (8,508 - 1,701.6 + 1,500) =
    # $33,225.6. (The bound on the discount must cover the provider's whole spend, not the
    # last workload's: 2 x 108 would make the deal look worthless.)
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "discount": 0.2}
    s = scenario(workloads=[workload("big"), workload("small", rpm=1e4, out=200)],
                 apis=[api("a/x", 2.0, 8.0)], tariffs=[deal])
    sol = solve(s)
    assert taken(sol, "deal") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 8_306.4)


def test_volume_tiers_below_the_first_tier_and_the_break_even_in_the_second():
    # 10% off the first $2,000 a month of list spend, 50% off the spend above; $250 a month.
    # The first band saves at most $200 a month, so the break-even lies in the second band:
    # 200 + 0.5 x (S - 2,000) = 250 at S = $2,100 a month. At 0.5e6 requests a month the list
    # spend is $1,400 a month, all in the first band: saves 140 < 250, pay as you go,
    # 4 x 4,200 = $16,800. On the tariff a month at $2,400 of list spend costs
    # 250 + 2,400 - (0.1 x 2,000 + 0.5 x 400) = $2,250.
    from tco.model.tariffs import monthly_cost

    deal = {"name": "tiered", "kind": "two_part", "provider": "a", "fee_usd_per_month": 250,
            "discount": 0.1, "tiers": [{"above_usd_per_month": 2_000, "discount": 0.5}]}
    s = scenario(workloads=[workload(rpm=0.5e6)], apis=[api("a/x", 2.0, 8.0)], tariffs=[deal])
    sol = solve(s)
    assert taken(sol, "tiered") == [False] * 4
    assert sol.npv_usd == pytest.approx(4 * 4_200)
    be = sol["tariff_breakeven"].set_index("tariff").loc["tiered"]
    assert be.breakeven_list_usd_per_month == pytest.approx(2_100)
    (k,) = resolve_plain(s).tariffs
    assert monthly_cost(k, 2_400) == pytest.approx(2_250)
    assert monthly_cost(k, 1_000) == pytest.approx(250 + 900)
    # Without a fee and without a base discount the tariff pays from the first tier on.
    from tco.model.tariffs import breakeven_spend

    free = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                    tariffs=[{**deal, "fee_usd_per_month": 0, "discount": 0}])
    (k,) = resolve_plain(free).tariffs
    assert breakeven_spend(k) == pytest.approx(2_000)


def test_tariff_table_shows_each_periods_shortfall():
    # tests/test_tariffs.py's commitment: $3,000 a month ($9,000 a quarter) for 20% off, list
    # spend 4,200 / 8,400 / 12,600 / 16,800 a quarter: shortfalls 9,000 - 0.8 x 4,200 = 5,640
    # and 9,000 - 0.8 x 8,400 = 2,280, then none; each in its own period's row. (Conservative
    # end of horizon, as there: signed at the start.)
    t = solve(commitment_scenario())["tariffs"].sort_values("t")
    assert t.taken.tolist() == [True] * 4
    assert t.shortfall_usd.tolist() == pytest.approx([5_640, 2_280, 0, 0])
