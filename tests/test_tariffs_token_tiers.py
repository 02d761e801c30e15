"""Volume tiers by monthly tokens: thresholds of the provider's tokens, the highest reached
discounting the whole month's spend.

Shared numbers (engine_helpers): four quarters, no discounting, a quarter is 3 months. The
workload sends 0.5e6 / 1e6 / 1.5e6 / 2e6 requests a month of 1000 input and 100 output tokens
to a/x at $2 / $8 per 1M: 550 / 1,100 / 1,650 / 2,200 M tokens a month, $4,200 / $8,400 /
$12,600 / $16,800 a quarter at list prices ($42,000).
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan

DEAL = {"name": "volume", "kind": "two_part", "provider": "a", "fee_usd_per_month": 200,
        "tiers": [{"above_mtok_per_month": 1_000, "discount": 0.10},
                  {"above_mtok_per_month": 2_000, "discount": 0.25}]}


def solve(tariffs):
    s = scenario(workloads=[workload(rpm=[0.5e6, 1e6, 1.5e6, 2e6])],
                 apis=[api("a/x", 2.0, 8.0)], tariffs=tariffs)
    return plan(s, resolve_plain(s))


def test_token_tiers_discount_the_whole_month_once_reached():
    # Fee $200 a month ($600 a quarter), month by month (term 1m):
    #   Q1: 550M tokens, below the first tier: no discount, the fee is not worth it: $4,200.
    #   Q2: 1,100M >= 1,000M: 10% off all of it: 8,400 - 840 + 600 = $8,160 (< 8,400).
    #   Q3: 1,650M: 10%: 12,600 - 1,260 + 600 = $11,940.
    #   Q4: 2,200M >= 2,000M: 25% off all: 16,800 - 4,200 + 600 = $13,200.
    # NPV 4,200 + 8,160 + 11,940 + 13,200 = $37,500 (pay as you go $42,000). As marginal bands
    # Q4 would save only 0.1 x 1,000M + 0.25 x 200M worth: this is a threshold, not a band.
    sol = solve([DEAL])
    t = sol["tariffs"].sort_values("t")
    assert t.taken.tolist() == [False, True, True, True]
    assert t.discount_usd.tolist() == pytest.approx([0, 840, 1_260, 4_200])
    assert sol.npv_usd == pytest.approx(37_500)
    # Break-even: the list price is $2,800 / 1,100M = $2.545 per 1M tokens, so the first tier
    # starts at $2,545.45 of list spend a month, where 10% ($254.5) already covers the $200
    # fee: the deal pays from 1,000M tokens a month.
    be = sol["tariff_breakeven"].set_index("tariff").loc["volume"]
    price = 42_000 / (3 * (550 + 1_100 + 1_650 + 2_200))
    assert be.breakeven_list_usd_per_month == pytest.approx(1_000 * price)
    assert be.breakeven_mtok_per_month == pytest.approx(1_000)


def test_token_tiers_are_checked():
    from pydantic import ValidationError

    from tco.catalog.tariffs import resolve_tariffs

    def problems(tiers):
        s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                     tariffs=[{**DEAL, "tiers": tiers}])
        return [(p.path, p.message) for p in resolve_tariffs(s)[1]]

    # A discount that falls as the volume rises would make reaching a threshold a penalty.
    got = problems([{"above_mtok_per_month": 1_000, "discount": 0.3},
                    {"above_mtok_per_month": 2_000, "discount": 0.1}])
    assert [p for p, _ in got] == [("tariffs", 0, "tiers")]
    assert "must not fall as the volume rises" in got[0][1]
    got = problems([{"above_mtok_per_month": 1_000, "discount": 0.1},
                    {"above_usd_per_month": 5_000, "discount": 0.2}])
    assert "one kind for every tier" in got[0][1]
    with pytest.raises(ValidationError, match="expected exactly one"):
        problems([{"above_mtok_per_month": 1_000, "above_usd_per_month": 10, "discount": 0.1}])
