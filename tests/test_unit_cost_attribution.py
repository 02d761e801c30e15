"""Per-workload and per-option unit costs carry the API path's fixed costs (api_operations)
and migrations (tco.ops_attribution), so they add up to the plan's NPV. No discounting."""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan


def _by_workload(sol) -> dict[str, float]:
    return dict(zip(sol["unit_costs"].workload, sol["unit_costs"].npv_usd))


def _options_add_up(sol) -> None:
    per_option = sol["option_costs"].groupby("workload").npv_usd.sum()
    for w, npv in _by_workload(sol).items():
        assert per_option[w] == pytest.approx(npv, rel=1e-9), w


def test_a_provider_fee_is_shared_by_list_api_spend():
    # Provider a's fee: $4,000 a year = 1,000 a quarter. w1 sends 3e6 requests a quarter of
    # 1,000 in + 100 out tokens to a/x ($1 / $4 per 1M): 4,200 a quarter; w2 2,000 in + 200
    # out: 8,400. (Their tokens differ, so they are not merged before the solve.) The fee
    # splits 4,200 : 8,400 = 1/3 : 2/3, i.e. 333.33 and 666.67 a quarter:
    #   w1 4 x (4,200 + 333.33) = 18,133.33, w2 4 x (8,400 + 666.67) = 36,266.67,
    #   together 54,400 = the NPV, 4 x (4,200 + 8,400 + 1,000).
    s = scenario(workloads=[workload("w1"), workload("w2", inp=2000, out=200)],
                 apis=[api("a/x", 1.0, 4.0)],
                 api_operations={"usd_per_provider_per_year": 4_000})
    sol = plan(s, resolve_plain(s))
    assert sol.npv_usd == pytest.approx(54_400)
    got = _by_workload(sol)
    assert got["w1"] == pytest.approx(4 * (4_200 + 1_000 / 3))
    assert got["w2"] == pytest.approx(4 * (8_400 + 2_000 / 3))
    assert sum(got.values()) == pytest.approx(sol.npv_usd)
    _options_add_up(sol)


def test_a_workload_fee_goes_to_its_workload():
    # As above plus $2,000 a year per workload on an API (500 a quarter each): w1 4 x
    # (4,200 + 333.33 + 500) = 20,133.33, w2 4 x (8,400 + 666.67 + 500) = 38,266.67.
    s = scenario(workloads=[workload("w1"), workload("w2", inp=2000, out=200)],
                 apis=[api("a/x", 1.0, 4.0)],
                 api_operations={"usd_per_provider_per_year": 4_000,
                                 "usd_per_workload_per_year": 2_000})
    sol = plan(s, resolve_plain(s))
    got = _by_workload(sol)
    assert got["w1"] == pytest.approx(4 * (4_200 + 1_000 / 3 + 500))
    assert got["w2"] == pytest.approx(4 * (8_400 + 2_000 / 3 + 500))
    assert sum(got.values()) == pytest.approx(sol.npv_usd)
    _options_add_up(sol)


def test_identical_workloads_merged_before_the_solve_share_the_fee_by_spend():
    # w1 and w2 differ only in volume (1e6 and 3e6 requests a month): merged, then restated.
    # Spend 4,200 and 12,600 a quarter: the 1,000 fee splits 1/4 : 3/4.
    s = scenario(workloads=[workload("w1"), workload("w2", rpm=3e6)],
                 apis=[api("a/x", 1.0, 4.0)],
                 api_operations={"usd_per_provider_per_year": 4_000})
    sol = plan(s, resolve_plain(s))
    assert sol.meta.get("workloads_merged") == 1
    got = _by_workload(sol)
    assert got["w1"] == pytest.approx(4 * (4_200 + 250))
    assert got["w2"] == pytest.approx(4 * (12_600 + 750))
    _options_add_up(sol)


def test_a_migration_is_carried_by_the_workload_and_the_option_it_moved_to():
    # tests/test_switching.py's plan at $1,000 a start: a/x from 2027Q1 (4,200 x 2^(t/4) a
    # quarter, t = 0..2), b/y from 2027Q4 (6,000 a quarter, t = 3..5); each start pays 1,000.
    # a/x's option carries 4,200 x (1 + 2^0.25 + 2^0.5) + 1,000 = 16,134.37, b/y's
    # 3 x 6,000 + 1,000 = 19,000; together the NPV, 35,134.37.
    apis = [api("a/x", 1.0, 4.0, price_trend_per_year=1.0), api("b/y", 10 / 7, 40 / 7)]
    s = scenario(workloads=[workload()], apis=apis, horizon={"periods": 6},
                 switching={"migration_cost_usd": 1_000})
    sol = plan(s, resolve_plain(s))
    assert list(sol["moves"].period) == ["2027Q1", "2027Q4"]
    assert _by_workload(sol)["w"] == pytest.approx(sol.npv_usd)
    oc = sol["option_costs"]
    per_api = {a: float(oc[oc.option.str.contains(a, regex=False)].npv_usd.sum())
               for a in ("a/x", "b/y")}
    assert per_api["a/x"] == pytest.approx(4_200 * (1 + 2 ** 0.25 + 2 ** 0.5) + 1_000)
    assert per_api["b/y"] == pytest.approx(19_000)
    assert sol.npv_usd == pytest.approx(35_134.37, abs=0.01)


def test_every_cost_line_is_attributed_on_plans_that_carry_them_all():
    # The workbook scenarios: rich has API operations (per provider and per workload), moves,
    # a fine-tune, owned, reserved and rented GPUs and staff; tariffed every tariff line and
    # API operations on two providers. The workloads add up to the NPV.
    from test_workbook import rich_scenario, run_of, tariffed_scenario

    ops = {"usd_per_provider_per_year": 4000, "usd_per_workload_per_year": 1000}
    for s in (rich_scenario(), tariffed_scenario(api_operations=ops)):
        sol = run_of(s).solution
        cats = sol.tables["costs"].groupby("category").usd.sum()
        assert cats["api_operations"] > 0
        assert sol["unit_costs"].npv_usd.sum() == pytest.approx(sol.npv_usd, rel=1e-9)
        _options_add_up(sol)
