"""Tariff menus: hand-worked optima with the arithmetic in comments, and two properties.

Shared numbers (engine_helpers): four quarters, no discounting; a quarter is 2190 hours and 3
months. The workload has 1e6 requests a month (3e6 a quarter) of 1000 input and 100 output
tokens; at $2 / $8 per 1M its list spend is 3e6 x (1000 x 2 + 100 x 8) / 1e6 = $8,400 a
quarter ($2,800 a month).
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_engine_costs import cost, solve

from tco.errors import InfeasibleError


def taken(sol, name):
    t = sol["tariffs"]
    return t[t.tariff == name].sort_values("t").taken.tolist()


TWO_PART = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "discount": 0.2, "source": "test quote"}


def test_two_part_break_even_volume():
    # Fee $500 a month ($1,500 a quarter) for 20% off: it pays once 0.2 x list spend > fee,
    # i.e. above $2,500 of list spend a month. At $2,800 a month the plan takes it:
    # 1,500 + 0.8 x 8,400 = $8,220 a quarter (saves $180); 4 quarters = $32,880.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[TWO_PART])
    sol = solve(s)
    assert taken(sol, "deal") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 8_220)
    assert cost(sol, "tariff_fee") == pytest.approx(4 * 1_500)
    assert cost(sol, "tariff_discount") == pytest.approx(-4 * 0.2 * 8_400)
    # At 0.8e6 requests a month the list spend is $2,240 a month, below break-even: pay as you
    # go, 4 x 6,720 = $26,880.
    s = scenario(workloads=[workload(rpm=0.8e6)], apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[TWO_PART])
    sol = solve(s)
    assert taken(sol, "deal") == [False] * 4
    assert sol.npv_usd == pytest.approx(4 * 6_720)
    # The reported break-even: $2,500 of list spend a month; at the plan's list price of
    # 2,800 / (1e6 x 1100 / 1e6) = $2.5454 per 1M tokens that is 982.1M tokens a month.
    be = sol["tariff_breakeven"].set_index("tariff").loc["deal"]
    assert be.breakeven_list_usd_per_month == pytest.approx(2_500)
    assert be.breakeven_mtok_per_month == pytest.approx(2_500 / (2_800 / 1_100))


def test_volume_tiers_discount_marginal_spend_only():
    # Fee $300 a month ($900 a quarter); no discount on the first $2,000 a month ($6,000 a
    # quarter) of list spend, 50% off the spend above it. Quarter: 8,400 - 0.5 x (8,400 - 6,000)
    # + 900 = $8,100 (saves $300). Without the tier binaries the LP would put all spend in the
    # 50% band: 4,200 + 900 = $5,100, which the tariff does not give.
    deal = {"name": "tiered", "kind": "two_part", "provider": "a", "fee_usd_per_month": 300,
            "tiers": [{"above_usd_per_month": 2_000, "discount": 0.5}]}
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[deal])
    sol = solve(s)
    assert taken(sol, "tiered") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 8_100)


def commitment_scenario(end_of_horizon: str = "conservative", **commit_over):
    """test_commitment_with_shortfall_over_its_term's case: commit $3,000 a month ($9,000 a
    quarter) for 20% off for a year (fields replaced by `commit_over`), list spend 4,200 /
    8,400 / 12,600 / 16,800 a quarter on a/x, no discounting."""
    commit = {"name": "commit", "kind": "commit", "provider": "a", "commit_usd_per_month": 3_000,
              "discount": 0.2, "term": "1y", **commit_over}
    return scenario(workloads=[workload(rpm=[0.5e6, 1e6, 1.5e6, 2e6])],
                    apis=[api("a/x", 2.0, 8.0)], tariffs=[commit],
                    finance={"discount_rate": 0.0, "end_of_horizon": end_of_horizon})


def test_commitment_with_shortfall_over_its_term():
    # Commit $3,000 a month ($9,000 a quarter) for 20% off, for a year (the whole horizon).
    # List spend per quarter 4,200 / 8,400 / 12,600 / 16,800 = $42,000 (requests per month
    # 0.5e6 .. 2e6). On the commitment each quarter pays max(9,000, 0.8 x spend):
    # 9,000 + 9,000 + 10,080 + 13,440 = $41,520 < 42,000, so the plan commits; shortfalls
    # 9,000 - 3,360 = 5,640 and 9,000 - 6,720 = 2,280 (= 7,920); discount 0.2 x 42,000 = 8,400.
    # Under the conservative end-of-horizon rule a year signed in Q3 would owe two quarters
    # after the horizon (2 x 9,000), so signing at the start is the optimum.
    sol = solve(commitment_scenario())
    assert taken(sol, "commit") == [True] * 4
    assert sol.npv_usd == pytest.approx(41_520)
    assert cost(sol, "tariff_shortfall") == pytest.approx(7_920)
    assert cost(sol, "tariff_discount") == pytest.approx(-8_400)
    # A quarterly commitment binds one quarter at a time: commit only in the last two
    # quarters: 4,200 + 8,400 + 10,080 + 13,440 = $36,120.
    sol = solve(commitment_scenario(term="3m"))
    assert taken(sol, "commit") == [False, False, True, True]
    assert sol.npv_usd == pytest.approx(36_120)
    # pro_rata charges a term only for its periods inside the horizon, as for reserved GPUs:
    # the year signed in Q3 costs its two quarters inside, the same $36,120, nothing after.
    sol = solve(commitment_scenario("pro_rata"))
    assert taken(sol, "commit") == [False, False, True, True]
    assert sol.npv_usd == pytest.approx(36_120)
    assert cost(sol, "tariff_after_horizon") == 0


def test_yearly_commitment_settled_at_the_years_end():
    # The same $36,000 a year (a twelfth: $3,000 a month) committed per year: the year's spend
    # at 20% off, 0.8 x 42,000 = $33,600, is set against the whole $36,000 at the end of Q4,
    # so the quiet first quarters are made up by the busy last ones: shortfall $2,400 in Q4
    # only, NPV 33,600 + 2,400 = $36,000 (settled per quarter above: $41,520).
    commit = {"name": "year", "kind": "commit", "provider": "a", "commit_usd_per_year": 36_000,
              "discount": 0.2, "term": "1y"}
    wl = workload(rpm=[0.5e6, 1e6, 1.5e6, 2e6])
    s = scenario(workloads=[wl], apis=[api("a/x", 2.0, 8.0)], tariffs=[commit],
                 finance={"discount_rate": 0.0, "end_of_horizon": "conservative"})
    sol = solve(s)
    assert taken(sol, "year") == [True] * 4
    assert sol.npv_usd == pytest.approx(36_000)
    short = sol["tariffs"].sort_values("t").shortfall_usd.tolist()
    assert short == pytest.approx([0, 0, 0, 2_400])
    c = sol["costs"]
    assert c[(c.category == "tariff_shortfall") & (c.t == 3)].usd.sum() == pytest.approx(2_400)
    # A year cut by the horizon owes its share (pro_rata): $60,000 a year is $15,000 a quarter.
    # Signed in Q1 it costs max(60,000, 33,600); in Q3 30,000 + 12,600 = $42,600; in Q4
    # max(15,000, 0.8 x 16,800 = 13,440) + 4,200 + 8,400 + 12,600 = $40,200 < 42,000 (pay as
    # you go): signed in Q4 with a shortfall of $1,560.
    s = scenario(workloads=[wl], apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[{**commit, "commit_usd_per_year": 60_000}],
                 finance={"discount_rate": 0.0, "end_of_horizon": "pro_rata"})
    sol = solve(s)
    assert taken(sol, "year") == [False, False, False, True]
    assert sol.npv_usd == pytest.approx(40_200)
    assert cost(sol, "tariff_shortfall") == pytest.approx(1_560)


def _ptu(**over):
    return {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1h",
            "usd_per_unit_term": 0.04, "min_units": 15, "unit_step": 5,
            "input_tokens_per_minute_per_unit": 1_000, "output_token_weight": 4,
            "cached_tokens_count": False, **over}


def test_provisioned_units_sized_at_peak_step_binds():
    # Peak: 3e6 requests / (2190 x 60) minutes = 22.83 a minute, x2 peak to average = 45.66,
    # each using 1000 + 4 x 100 = 1,400 tokens of capacity: 63,927 tokens a minute = 63.9
    # units, rounded up to the step: 15 + 5 x 10 = 65 units. 65 x $0.04 x 2190 h = $5,694 a
    # quarter < $8,400 list (60 units and the rest pay-as-you-go would cost 5,256 + 516 = 5,772).
    s = scenario(workloads=[workload(peak_to_average=2.0)], apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[_ptu()])
    sol = solve(s)
    t = sol["tariffs"]
    assert t.units.tolist() == [65] * 4
    assert sol.npv_usd == pytest.approx(4 * 5_694)
    assert cost(sol, "tariff_units") == pytest.approx(4 * 5_694)
    assert cost(sol, "api") + cost(sol, "tariff_discount") == pytest.approx(0, abs=1e-6)


def test_provisioned_minimum_binds():
    # 0.2e6 requests a month: peak 12,785 tokens a minute = 12.8 units; the minimum is 15:
    # 15 x 0.04 x 2190 = $1,314 a quarter < $1,680 list.
    s = scenario(workloads=[workload(rpm=0.2e6, peak_to_average=2.0)],
                 apis=[api("a/x", 2.0, 8.0)], tariffs=[_ptu()])
    sol = solve(s)
    assert sol["tariffs"].units.tolist() == [15] * 4
    assert sol.npv_usd == pytest.approx(4 * 1_314)
    # At $0.06 a unit-hour the minimum deployment ($1,971) costs more than list: no units.
    s = scenario(workloads=[workload(rpm=0.2e6, peak_to_average=2.0)],
                 apis=[api("a/x", 2.0, 8.0)], tariffs=[_ptu(usd_per_unit_term=0.06)])
    sol = solve(s)
    assert sol["tariffs"].units.tolist() == [0] * 4
    assert sol.npv_usd == pytest.approx(4 * 1_680)


PRIORITY = {"name": "prio", "kind": "service_tier", "provider": "a", "tier": "priority",
            "price_multiplier": 1.75}
FLEX = {"name": "flex", "kind": "service_tier", "provider": "a", "tier": "flex",
        "price_multiplier": 0.5}


def test_priority_forced_by_a_workload():
    # The workload needs priority: only provider a sells it, at 1.75 x list: 1.75 x 8,400 =
    # $14,700 a quarter, though b's standard tier costs $4,200.
    apis = [api("a/x", 2.0, 8.0), api("b/y", 1.0, 4.0)]
    s = scenario(workloads=[workload(needs_priority=True)], apis=apis, tariffs=[PRIORITY])
    sol = solve(s)
    a = sol["allocation"]
    assert set(a.option) == {"priority:a/x"}
    assert sol.npv_usd == pytest.approx(4 * 14_700)
    # Without a priority tier anywhere the workload cannot be served, and the message says why.
    s = scenario(workloads=[workload(needs_priority=True)], apis=apis)
    with pytest.raises(InfeasibleError, match="priority"):
        solve(s)


def test_flex_chosen_for_batch_work():
    # Standard-latency work may wait for flex capacity at 0.5 x list: $4,200 a quarter.
    s = scenario(workloads=[workload(latency="standard")], apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[FLEX])
    sol = solve(s)
    assert set(sol["allocation"].option) == {"flex:a/x"}
    assert sol.npv_usd == pytest.approx(4 * 4_200)
    # Interactive work may not: $8,400 a quarter.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[FLEX])
    assert solve(s).npv_usd == pytest.approx(4 * 8_400)


def _menu_scenario(tariffs):
    return scenario(workloads=[workload(rpm=[0.5e6, 1e6, 1.5e6, 2e6], peak_to_average=2.0),
                               workload("w2", rpm=0.4e6, latency="standard")],
                    apis=[api("a/x", 2.0, 8.0), api("b/y", 1.5, 9.0)], tariffs=tariffs)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fee=st.floats(0, 3_000), discount=st.floats(0, 0.6), commit=st.floats(0, 5_000),
       term=st.sampled_from(["1m", "3m", "6m", "1y", "3y"]))
# HiGHS 1.16 called this menu's optimum a "Solve error" (its postsolved plan 1e-6 off); the
# solve now retries without presolve (tco.model.solve.run_highs)
@example(fee=2512.0, discount=0.3887783807703783, commit=2078.0, term="6m")
def test_adding_a_tariff_never_raises_the_optimum(fee, discount, commit, term):
    base = solve(_menu_scenario([])).npv_usd
    menu = [{"name": "tp", "kind": "two_part", "provider": "a", "fee_usd_per_month": fee,
             "discount": discount, "term": term},
            {"name": "cm", "kind": "commit", "provider": "b", "commit_usd_per_month": commit,
             "discount": discount, "term": term}]
    with_menu = solve(_menu_scenario(menu)).npv_usd
    assert with_menu <= base * (1 + 1e-6) + 1e-6


def test_fee_zero_list_price_tariff_changes_nothing():
    base = solve(_menu_scenario([]))
    same = solve(_menu_scenario([{"name": "free", "kind": "two_part", "provider": "a",
                                  "fee_usd_per_month": 0,
                                  "prices": {"a/x": {"input_usd_per_mtok": 2.0,
                                                     "output_usd_per_mtok": 8.0}}}]))
    assert same.npv_usd == pytest.approx(base.npv_usd)
    a, b = base["allocation"], same["allocation"]
    assert a[["workload", "period", "option"]].equals(b[["workload", "period", "option"]])
    assert a.share.to_numpy() == pytest.approx(b.share.to_numpy())


def test_tariff_tables_sum_to_the_cost_lines():
    # tariffs (per tariff and period) restates the cost categories exactly; the provider table
    # pays list - discount + fee + units + shortfall, and its USD per 1M tokens divides by the
    # provider's tokens.
    from test_workbook import tariffed_scenario

    s = tariffed_scenario()
    sol = solve(s)
    t = sol["tariffs"]
    assert t.fee_usd.sum() == pytest.approx(cost(sol, "tariff_fee"))
    assert t.units_usd.sum() == pytest.approx(cost(sol, "tariff_units"))
    assert -t.discount_usd.sum() == pytest.approx(cost(sol, "tariff_discount"))
    assert t.shortfall_usd.sum() == pytest.approx(cost(sol, "tariff_shortfall"))
    p = sol["tariff_providers"]
    assert p.paid_usd.sum() == pytest.approx(
        cost(sol, "api") + cost(sol, "api_batch") + cost(sol, "tariff_fee")
        + cost(sol, "tariff_units") + cost(sol, "tariff_discount") + cost(sol, "tariff_shortfall"))
    row = p.iloc[0]
    assert row.usd_per_mtok == pytest.approx(row.paid_usd / row.tokens * 1e6)
    # Unit costs still add up to the plan's NPV with tariffs shared among workloads.
    u = sol["unit_costs"]
    assert u.npv_usd.sum() == pytest.approx(sol.npv_usd)


def test_budget_rows_see_tariff_spend():
    # A $8,300 quarterly budget: list spend of $8,400 breaks it, the two-part tariff's $8,220
    # meets it: the budget rows count the fee and the discount, not list spend.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[TWO_PART],
                 constraints={"budget_usd_per_period": 8_300})
    sol = solve(s)
    assert taken(sol, "deal") == [True] * 4
    # A budget of $8,200 is below what either costs: no plan, and the message names the budget.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[TWO_PART],
                 constraints={"budget_usd_per_period": 8_200})
    with pytest.raises(InfeasibleError, match="budget"):
        solve(s)


def test_shipped_tariffs_have_sources_and_resolve():
    from tco.catalog.data import load, unsourced
    from tco.catalog.tariffs import listing, reference, resolve_tariffs
    from tco.scenario.schema import Scenario

    assert unsourced(load("tariffs")) == []
    assert {"azure-ptu-gpt-4.1-global-1y", "openai-priority", "openai-flex"} <= set(reference())
    # A scenario names a shipped tariff and overrides one figure with its own quote.
    s = Scenario.model_validate({
        "name": "x", "workloads": [workload()],
        "apis": [api("azure/gpt-4.1", 2.0, 8.0)],
        "tariffs": [{"name": "azure-ptu-gpt-4.1-global-1y", "usd_per_unit_term": 2_400,
                     "source": "our quote 2026-10"}]})
    (k,), problems = resolve_tariffs(s)
    assert not problems
    assert (k.kind, k.min_units, k.unit_step, k.output_token_weight) == ("provisioned", 15, 5, 4)
    assert k.usd_per_unit_term == 2_400 and k.term_hours == 8760
    assert "our quote" in k.source and "assumption" in k.source
    assert any(r["name"] == "openai-flex" for r in listing("openai"))


def test_bad_tariffs_are_located(tmp_path):
    from typer.testing import CliRunner

    from tco.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "workloads:\n"
        "  - {name: w, task: chat, requests_per_month: 1000, input_tokens: 10,"
        " output_tokens: 1}\n"
        "apis:\n"
        "  - id: openai/gpt-4.1\n"
        "    quality: {chat: 80}\n"
        "tariffs:\n"
        "  - name: deal\n"
        "    kind: two_part\n"
        "    provider: opnai\n"
        "    fee_usd_per_month: 100\n"
        "    commit_usd_per_month: 5\n"
        "  - name: ptu\n"
        "    kind: provisioned\n"
        "    provider: openai\n"
        "    api: openai/gpt-4.1\n"
        "    term: 1y\n"
        "  - name: twice\n"
        "    kind: commit\n"
        "    provider: openai\n"
        "    discount: 0.1\n"
        "    commit_usd_per_month: 5\n"
        "    commit_usd_per_year: 60\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    out = result.output
    assert f"{path}:10: tariffs[0].provider" in out and "opnai" in out
    assert f"{path}:12: tariffs[0].commit_usd_per_month" in out
    assert "tariffs[1].usd_per_unit_term" in out and "Traceback" not in out
    # a commitment per month and per year at once: which one is meant is unclear
    assert f"{path}:22: tariffs[2].commit_usd_per_month" in out and "not both" in out


def test_catalog_tariffs_lists_the_shipped_menu():
    from typer.testing import CliRunner

    from tco.cli import app

    result = CliRunner().invoke(app, ["catalog", "tariffs", "--provider", "azure"],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "azure-ptu-gpt-4.1-global-1y" in result.output
    assert "openai-flex" not in result.output


def test_reports_show_the_tariffs(tmp_path):
    # HTML: which plan each provider is on per period, the break-even table and the menu
    # chart; results.json and the CSV files carry the three tariff tables.
    import json

    from test_workbook import run_of, tariffed_scenario

    from tco.report.html import render_html
    from tco.report.results_json import write_results

    run = run_of(tariffed_scenario())
    html = render_html(run)
    assert 'id="tariffs"' in html and 'data-chart="tariffs"' in html
    assert "a-tiers + 5 x a-ptu" in html and "b-commit" in html
    write_results(run, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    on = {(r["provider"], r["period"]): r["plan"] for r in data["tariff_providers"]}
    assert on[("b", "2027Q3")] == "b-commit" and on[("b", "2027Q1")] == "pay-as-you-go"
    assert (tmp_path / "tariff_breakeven.csv").exists()
    # Without tariffs the section is absent.
    assert 'id="tariffs"' not in render_html(run_of(scenario(
        workloads=[workload()], apis=[api("a/x", 2.0, 8.0)])))


def test_replanner_rebuilds_a_model_with_tariffs_at_other_scales():
    # Fees and break-evens do not scale with demand: at 0.8x the two-part tariff of
    # test_two_part_break_even_volume no longer pays, so the NPV is 4 x 6,720, not 0.8 x 32,880.
    from tco.model import Replanner

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[TWO_PART])
    rp = Replanner.for_scenario(s, resolve_plain(s))
    assert rp.npv_at(0.8) == pytest.approx(4 * 6_720)
    assert rp.npv_at(1.0) == pytest.approx(4 * 8_220)


def test_a_point_with_tariffs_states_the_gap_it_is_proven_to(monkeypatch):
    # The searches' points with tariffs are built anew at each scale; they reported no gap,
    # and a point without one counts as proven, so the tariffs example's api_only points at
    # 17.8x-100x, stopped 5-10% wide at their time limit, read as proven to 0.01%.
    from dataclasses import replace

    import tco.model.lazy as lazy
    from tco.analysis.points import npv_gap_at

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], tariffs=[TWO_PART])
    r = resolve_plain(s)
    npv, gap = npv_gap_at(s, r, None, 0.8)
    assert npv == pytest.approx(4 * 6_720) and gap is not None
    assert gap <= s.solver.mip_rel_gap
    real = lazy.build_and_solve

    def stopped_wide(data, settings):
        built, result = real(data, settings)
        return built, replace(result, status="time_limit", gap=0.07)

    monkeypatch.setattr(lazy, "build_and_solve", stopped_wide)
    assert npv_gap_at(s, r, None, 0.8) == (pytest.approx(4 * 6_720), 0.07)


PRICED = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
          "prices": {"a/x": {"input_usd_per_mtok": 1.0, "cached_input_usd_per_mtok": 0.25,
                             "output_usd_per_mtok": 4.0}}}
"""Per-API prices at half the list prices of a/x ($2 / $0.5 cached / $8, writes $2.5)."""


def _priced_scenario(**extra):
    x = api("a/x", 2.0, 8.0, cached=0.5)
    x["price"]["cache_write_usd_per_mtok"] = 2.5
    return scenario(workloads=[workload(cached_input_share=0.5, cache_reuse=10, **extra)],
                    apis=[x], tariffs=[PRICED])


def test_per_api_prices_apply_to_the_tokens_levers_leave():
    # Per request, 500 uncached, 500 cached input tokens (1 in 10 requests writes them) and 100
    # output: list 500 x 2 + 500 x (0.9 x 0.5 + 0.1 x 2.5) + 100 x 8 = 2,150 per 1M requests,
    # $6,450 a quarter; at the deal's prices 500 + 500 x (0.9 x 0.25 + 0.1 x 1) + 400 = 1,062.5,
    # $3,187.5 a quarter.
    # An exact cache with a 50% hit rate halves both: list $3,225, deal $1,593.75, saving
    # $1,631.25 > the $1,500 fee: the deal is taken, 4 x (3,225 - 1,631.25 + 1,500) = $12,375
    # (pay as you go: $12,900). Priced on every request instead of the misses, the saving would
    # be 3,225 - 3,187.5 = $37.5 and the deal not worth its fee.
    sol = solve(_priced_scenario(response_cache={"kind": "exact", "hit_rate": 0.5}))
    assert sol["allocation"].cache.all()
    assert taken(sol, "deal") == [True] * 4
    assert sol.npv_usd == pytest.approx(4 * 3_093.75)
    assert cost(sol, "tariff_discount") == pytest.approx(-4 * 1_631.25)
    # A prompt variant writing 50 output tokens: list 1,000 + 350 + 400 = 1,750 per 1M requests
    # ($5,250 a quarter), deal 500 + 162.5 + 200 = 862.5 ($2,587.5): saving $2,662.5 a quarter,
    # 4 x (5,250 - 2,662.5 + 1,500) = $16,350.
    sol = solve(_priced_scenario(prompt_variants=[{"name": "short", "output_tokens": 50}]))
    assert sol["allocation"].variant.eq("short").all()
    assert cost(sol, "tariff_discount") == pytest.approx(-4 * 2_662.5)
    assert sol.npv_usd == pytest.approx(4 * 4_087.5)


def test_orders_list_the_tariffs_to_sign():
    # Issue 15: `tco run` prints this quarter's orders, tariffs to sign among them. The
    # commitment of test_commitment_with_shortfall_over_its_term, signed in 2027Q1 for a year:
    # $3,000 a month = $9,000 a quarter x 4 quarters = $36,000 committed, ending 2027Q4.
    from tco.orders import orders

    sol = solve(commitment_scenario())
    assets = {"gpus": {}, "period": "quarter"}
    first = orders(sol.tables, assets, list(sol.periods), t=0)
    sign = first[first.order == "sign"].iloc[0]
    assert (sign.what, sign["count"], sign.unit_usd, sign.cost_usd, sign.ends) == (
        "commit", 1, pytest.approx(9_000), pytest.approx(36_000), "2027Q4")
    every = orders(sol.tables, assets, list(sol.periods), t=None)
    assert (every.order == "sign").sum() == 1  # signed once, not in each quarter it runs
    # The two-part deal of test_two_part_break_even_volume, taken in every quarter: one order
    # to sign it, in the first quarter; its price per period is the $1,500 quarterly fee.
    sol = solve(scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                         tariffs=[TWO_PART]))
    every = orders(sol.tables, assets, list(sol.periods), t=None)
    signs = every[every.order == "sign"]
    assert signs.period.tolist() == ["2027Q1"] and signs.what.tolist() == ["deal"]
    assert signs.unit_usd.iat[0] == pytest.approx(1_500)


def test_printed_orders_mix_a_signed_tariff_with_routes():
    # `tco run scenarios/tariffs.yaml` stopped with a traceback after writing its reports: the
    # first quarter's orders held a signed PTU (with an end period) and routes (without one),
    # and pandas' str column gave the routes NaN, which the terminal table cannot print.
    from io import StringIO

    from rich.console import Console

    from tco.orders import orders, print_orders

    sol = solve(commitment_scenario())
    first = orders(sol.tables, {"gpus": {}, "period": "quarter"}, list(sol.periods), t=0)
    assert set(first.order) == {"sign", "route"}
    out = StringIO()
    print_orders(Console(file=out, width=120), first)
    assert "2027Q4" in out.getvalue() and "api:a/x" in out.getvalue()
