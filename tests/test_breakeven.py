"""Break-even search: a closed-form crossing, divergence, no crossover, steps, infeasibility."""

from __future__ import annotations

import math

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.analysis import breakeven, breakeven_pairs, log_grid, points
from tco.analysis.breakeven import _sign
from tco.analysis.parallel import Point

# One workload, one API, one GPU type rented on demand, a platform team of one engineer.
#
#   workload: R = 1e6 requests a month at scale 1, 1000 input + 100 output tokens, batch
#             latency (no peak factor), no growth, no cache.
#   API:      1 USD / 1M input, 4 USD / 1M output, no batch endpoint
#             -> k = (1000 x 1 + 100 x 4) / 1e6 = 0.0014 USD a request
#             -> API cost a quarter at scale s: 3 R s k = 4200 s
#   self-hosted: one GPU per replica at 2.00 USD/h, 2190 h a quarter -> 4380 a quarter per
#             replica; throughput 1e6 prefill and 1e5 decode tokens/s -> 0.002 s a request, so
#             at s = 7 a quarter needs 2.1e7 x 0.002 / 3600 = 11.7 replica-hours, far below
#             one replica's 2190 x 0.7: exactly one replica everywhere near the crossing.
#   staffing: hosting anything needs 1 engineer at 100,000 a year = 25,000 a quarter (the
#             step); gpus_per_engineer 1000, so no second engineer.
#             -> self-hosted cost a quarter: 25,000 + 4,380 = 29,380, independent of s.
#
# Both costs are the same in every quarter, so the discount factors cancel and
#   4200 s* = 29380  ->  s* = 29380 / 4200 = 6.99524
# i.e. 6,995,238 requests and 7.69e9 tokens a month. Below s*, api_only is cheaper; above it,
# self_host_only. `hybrid` equals api_only below s* (mixing pays the fixed costs without the
# saving) and self_host_only above it, so it diverges from api_only at the same s*.
S_STAR = 29380 / 4200
GPU = {"name": "g", "on_demand_usd_per_hour": 2.0}
STAFF = {"platform_engineers": 1, "cost_usd_per_year": 100_000, "gpus_per_engineer": 1000}


def closed_form(**staffing):
    s = scenario(workloads=[workload(rpm=1e6, latency="batch")], apis=[api("a/x", 1.0, 4.0)],
                 gpus=[GPU], open_models=[model(prefill=1e6, decode=1e5)],
                 staffing={**STAFF, **staffing}, finance={"discount_rate": 0.10})
    return s, resolve_plain(s)


def test_closed_form_breakeven_within_tolerance():
    s, r = closed_form()
    res = breakeven(s, r, "self_host_only", "api_only", rtol=0.01, jobs=1)
    assert res["found"] and res["kind"] == "crossing"
    assert abs(res["scale"] / S_STAR - 1) <= 0.01
    assert res["scale_low"] <= S_STAR <= res["scale_high"]
    assert res["scale_high"] / res["scale_low"] <= 1.01
    assert res["cheaper_below"] == "api_only" and res["cheaper_above"] == "self_host_only"
    assert res["requests_per_month"] == pytest.approx(1e6 * res["scale"])
    assert res["tokens_per_month"] == pytest.approx(1100 * 1e6 * res["scale"])
    assert res["per_workload"] == [{"workload": "w", "requests_per_month": 1e6 * res["scale"],
                                    "tokens_per_month": 1100 * 1e6 * res["scale"]}]
    assert "api_only is cheaper below and self_host_only above" in res["message"]


def test_tighter_tolerance_and_parallel_workers_agree():
    s, r = closed_form()
    res = breakeven(s, r, rtol=0.001, jobs=2)
    assert abs(res["scale"] / S_STAR - 1) <= 0.001


def test_hybrid_diverges_from_api_only_at_the_same_scale():
    # A divergence is located where the difference leaves the band counted as equal
    # (equal_rtol, default 2 x the searches' MIP gap, the plan's 1e-4): this tiny model solves
    # exactly, so a band of 1e-6 finds s* itself; the default band finds the scale where
    # hybrid is 0.02% cheaper: self-hosted = (1 - 2e-4) x API -> s = s* / (1 - 2e-4), to
    # within rtol / 2 (s* / 0.99, from the time of a 0.5% gap, passed only by being 1% wide).
    s, r = closed_form()
    pair_a, pair_b = breakeven_pairs(s, r, jobs=1, equal_rtol=1e-6)
    assert (pair_a["a"], pair_a["b"]) == ("self_host_only", "api_only")
    assert (pair_b["a"], pair_b["b"]) == ("hybrid", "api_only")
    assert pair_a["kind"] == "crossing" and pair_b["kind"] == "divergence"
    assert abs(pair_b["scale"] / S_STAR - 1) <= 0.01
    assert pair_b["cheaper_below"] is None and pair_b["cheaper_above"] == "hybrid"
    assert "cost the same up to" in pair_b["message"]
    banded = breakeven(s, r, "hybrid", "api_only", jobs=1)
    assert banded["equal_rtol"] == 2 * s.solver.mip_rel_gap == 2e-4
    assert abs(banded["scale"] / (S_STAR / (1 - 2e-4)) - 1) <= 0.005


def test_no_crossover_says_which_is_cheaper_throughout():
    # An engineer at 1e9 a year: self-hosting costs >= 1e9 / 4 x 4 quarters x ~0.95, while the
    # API at 1000x costs 4200 x 1000 x 4 = 1.68e7. api_only is cheaper at every scale.
    s, r = closed_form(cost_usd_per_year=1e9)
    res = breakeven(s, r, "self_host_only", "api_only", jobs=1, per_decade=2)
    assert not res["found"] and res["scale"] is None
    assert res["message"] == ("No break-even: api_only is cheaper than self_host_only at every "
                              "scale between 0.01x and 1,000x today's demand. Each NPV is "
                              "proven to within a 0.01% relative MIP gap; costs closer than "
                              "0.02% count as equal.")
    # The searches solve at the plan's own gap (issue 16), never looser.
    assert res["mip_rel_gap"] == s.solver.mip_rel_gap == 1e-4


def test_scales_read_as_a_reader_writes_them():
    # The report said "between 0.01x and 1e+03x today's demand" under a heading with 1,000x.
    from tco.analysis.breakeven import fmt_scale

    assert [fmt_scale(x) for x in (0.01, 0.0316, 0.854, 1.62, 56.234, 177.8, 1000.0,
                                    5623.4)] == ["0.01x", "0.0316x", "0.854x", "1.62x", "56.2x",
                                                 "178x", "1,000x", "5,620x"]


def test_strategy_infeasible_at_every_scale():
    # The API's context window (500 tokens) cannot hold a request of 1100: api_only has no plan
    # at any scale. Said at once from today's demand, with why, without a search (issue 18; a
    # workload pinned by residency would instead keep its options in every strategy).
    s = scenario(workloads=[workload(rpm=1e6, latency="batch")],
                 apis=[api("a/x", 1.0, 4.0, context_window_tokens=500)], gpus=[GPU],
                 open_models=[model(prefill=1e6, decode=1e5)], staffing=STAFF,
                 finance={"discount_rate": 0.10})
    res = breakeven(s, resolve_plain(s), "self_host_only", "api_only", jobs=1, per_decade=1)
    assert not res["found"] and res["infeasible_today"] == ["api_only"]
    assert "api_only has no feasible plan at today's demand" in res["message"]
    assert "context window" in res["message"]
    assert res["infeasible"] == {"api_only": [1.0]}  # only today's point was solved


def test_unknown_strategy_is_a_scenario_error():
    from tco.errors import ScenarioError

    s, r = closed_form()
    with pytest.raises(ScenarioError, match="no strategy named 'nope'.*api_only"):
        breakeven(s, r, "nope", "api_only", jobs=1)


def test_step_costs_first_crossing_then_the_others_listed(monkeypatch):
    # Synthetic NPVs: b = 100 s; a is a staircase 300 x ceil(s / 4) (a replica every 4x).
    #   a - b = 300 - 100 s on (0, 4]: changes sign at s = 3 (the first crossing);
    #   on (4, 8] a = 600: a - b = 600 - 100 s, positive again just above 4, zero at 6;
    #   so the grid sees later changes of sign, which are listed, not hidden.
    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        return 300.0 * math.ceil(scale / 4) if strategy.name == "self_host_only" else 100 * scale

    monkeypatch.setattr(points, "npv_at", fake)
    s, r = closed_form()
    res = breakeven(s, r, rtol=0.001, min_scale=1, max_scale=10, per_decade=8, jobs=1)
    assert res["found"] and res["kind"] == "crossing"
    assert abs(res["scale"] / 3 - 1) <= 0.001
    assert res["other_changes"], res
    assert "changes again" in res["message"]


def test_jump_across_zero_is_bracketed_to_the_step():
    # a - b jumps from -50 to +50 at s = 5 without being zero: the step is the crossing.
    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        return (950.0 if scale < 5 else 1050.0) if strategy.name == "self_host_only" else 1000.0

    s, r = closed_form()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "npv_at", fake)
        res = breakeven(s, r, rtol=0.01, jobs=1)
    assert res["cheaper_below"] == "self_host_only" and res["cheaper_above"] == "api_only"
    assert res["scale_low"] < 5 <= res["scale_high"]


def test_sign_treats_solver_gap_as_equal():
    p = lambda v: Point("x", 1.0, v, "ok")  # noqa: E731
    assert _sign(p(1000.0), p(1000.4), 5e-4) == 0
    assert _sign(p(1000.0), p(1010.0), 5e-4) == -1
    assert _sign(p(None), p(1.0), 5e-4) is None


def test_log_grid_shares_the_curve_points():
    grid = log_grid(0.01, 1000)
    assert len(grid) == 21 and grid[0] == pytest.approx(0.01) and grid[-1] == pytest.approx(1000)
    curve = log_grid(0.1, 100)
    assert len(curve) == 13
    assert all(any(abs(c / g - 1) < 1e-12 for g in grid) for c in curve)


def test_a_wide_bound_that_leaves_the_sign_open_is_said_not_proven(monkeypatch):
    # b = 1000 everywhere (proven). a = 900 below s = 5 and 1100 above, but from s = 20 up its
    # solve "stops at the time limit" with a 30% gap: a's optimum lies in [770, 1100], which
    # straddles b, so the sign there is open. The verdict must say NOT PROVEN and list those
    # scales; below 20 every point is proven and the crossing at 5 is still found.
    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        if strategy.name == "api_only":
            points.LAST_GAP[0] = 0.0
            return 1000.0
        points.LAST_GAP[0] = 0.3 if scale >= 20 else 0.0
        return 900.0 if scale < 5 else 1100.0

    monkeypatch.setattr(points, "npv_at", fake)
    s, r = closed_form()
    res = breakeven(s, r, rtol=0.01, min_scale=1, max_scale=100, jobs=1)
    assert res["found"] and res["scale_low"] < 5 <= res["scale_high"]
    assert res["proven"] is False
    assert res["unproven_scales"] and min(res["unproven_scales"]) >= 20
    assert "NOT PROVEN" in res["message"] and res["mip_rel_gap"] == pytest.approx(0.3)


def test_a_wide_bound_that_still_decides_the_sign_is_proven(monkeypatch):
    # As above, but a = 2000 above s = 5 with a 30% gap: a's optimum lies in [1400, 2000],
    # every value above b = 1000, so the verdict holds although the gap is wide.
    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        if strategy.name == "api_only":
            points.LAST_GAP[0] = 0.0
            return 1000.0
        points.LAST_GAP[0] = 0.3 if scale >= 20 else 0.0
        return 900.0 if scale < 5 else 2000.0

    monkeypatch.setattr(points, "npv_at", fake)
    s, r = closed_form()
    res = breakeven(s, r, rtol=0.01, min_scale=1, max_scale=100, jobs=1)
    assert res["found"] and res["proven"] is True and res["unproven_scales"] == []
    assert "NOT PROVEN" not in res["message"] and "within up to 30.00%" in res["message"]


def test_against_decides_only_when_the_whole_bracket_agrees():
    from tco.model.bracket import Against, done

    a = Against(npv=1000.0, band=10.0)
    assert a.decided(1011.0, 1500.0)            # dearer than 1000 + 10 for every value
    assert a.decided(500.0, 989.0)              # cheaper than 1000 - 10 for every value
    assert a.decided(991.0, 1009.0)             # equal within the band for every value
    assert not a.decided(995.0, 1020.0)         # equal or dearer: open
    assert not a.decided(900.0, 1100.0)
    assert done(999.95, 1000.0, 1e-4, None) and not done(999.0, 1000.0, 1e-4, None)
    assert done(999.0, 1000.0, 1e-4, Against(2000.0, 1.0))
    assert not done(float("-inf"), 1000.0, 1e-4, Against(2000.0, 1.0))


def test_a_straight_crossing_is_bracketed_in_one_round_of_two_points():
    # NPVs linear in s (a fleet that does not step near the crossing): the pair placed around
    # where the line between the scan's bracket ends crosses zero closes the bracket at once,
    # where bisection solved 6 rounds one after another (issue 16).
    seen: list[tuple[str, float]] = []

    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        seen.append((strategy.name, scale))
        return 29380.0 if strategy.name == "self_host_only" else 4200.0 * scale

    s, r = closed_form()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "npv_at", fake)
        res = breakeven(s, r, rtol=0.01, jobs=1)
    grid = log_grid(0.01, 1000)
    narrowing = sorted({x for name, x in seen if name == "self_host_only"}
                       - {x for x in grid} - {1.0})
    assert len(narrowing) == 2
    assert res["scale_low"] <= S_STAR <= res["scale_high"] <= res["scale_low"] * 1.01
    assert abs(res["scale"] / S_STAR - 1) <= 0.005


def test_hybrid_not_solved_where_a_plan_it_contains_already_decides_the_sign():
    # hybrid can run self_host_only's plan, so where self_host_only (solved by the first pair)
    # already costs less than api_only by more than the band, hybrid is cheaper too: its sign
    # needs no solve (issue 16: the enterprise example's hybrid scan points at 178x-1000x took
    # 2.6-4 s each). The verdict is unchanged and the bracket's ends are solved points.
    real = points.npv_at
    seen: list[tuple[str, float]] = []

    def spy(scenario, resolved, strategy, scale, against=None, ceiling=None):
        seen.append((strategy.name, scale))
        return real(scenario, resolved, strategy, scale, against, ceiling)

    s, r = closed_form()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "npv_at", spy)
        pair_a, pair_b = breakeven_pairs(s, r, jobs=1, equal_rtol=1e-6)
    grid = log_grid(0.01, 1000)
    above = [x for x in grid if x > S_STAR * 1.01]
    hybrid = {x for name, x in seen if name == "hybrid"}
    assert {x for name, x in seen if name == "self_host_only"} >= set(above)
    assert not hybrid & set(above[1:])  # at most the bracket's upper end is solved
    assert pair_b["kind"] == "divergence" and abs(pair_b["scale"] / S_STAR - 1) <= 0.01
    assert pair_b["npv_a_usd"]["high"] is not None
    assert pair_b["scale_high"] in hybrid  # the reported end is hybrid's own solve


def test_a_bracket_end_bounded_by_a_contained_plan_is_solved_before_it_is_reported():
    # No narrowing (rtol 2 > the grid's ratio): hybrid's bracket is the scan's, and its upper
    # end (10^0.5 = 3.16x) was bounded by self_host_only's plan, not solved; the reported NPV
    # at that end is hybrid's own optimum.
    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        api_npv, own = 100.0 * scale, 300.0
        hybrid = own - 1.0 if own < api_npv else api_npv  # self-hosting a little cheaper
        return {"api_only": api_npv, "self_host_only": own,
                "hybrid": hybrid}.get(strategy.name, api_npv)

    s, r = closed_form()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points, "npv_at", fake)
        _, res = breakeven_pairs(s, r, (("self_host_only", "api_only"), ("hybrid", "api_only")),
                                 jobs=1, rtol=2.0, equal_rtol=1e-3)
    assert res["kind"] == "divergence"
    assert res["scale_low"] < 3 < res["scale_high"] == pytest.approx(10 ** 0.5)
    assert res["npv_a_usd"]["high"] == 299.0  # hybrid's, not self_host_only's 300


def test_against_an_interval_decides_only_when_both_intervals_agree():
    # b's solve stopped at its time limit: its optimum lies anywhere in [900, 1000].
    from tco.model.bracket import Against

    a = Against(npv=1000.0, band=10.0, spread=100.0)
    assert a.decided(1011.0, 1500.0)           # dearer than every value b may take
    assert a.decided(100.0, 889.0)             # cheaper than 900 - 10
    assert not a.decided(100.0, 895.0)         # within the band of b's lower end: open
    assert not a.decided(950.0, 960.0)         # inside b's interval: open
    assert a.cheaper(889.0) and not a.cheaper(895.0)
    narrow = Against(npv=1000.0, band=10.0, spread=5.0)
    assert narrow.decided(992.0, 1004.0)       # equal to every value in [995, 1000]
    assert not narrow.decided(992.0, 1006.0)   # 1006 - 995 > 10: open
    # spread 0 is the proven comparison
    assert Against(1000.0, 10.0).decided(500.0, 989.0)


def test_a_point_compared_with_an_unproven_one_stops_once_the_sign_is_proven(monkeypatch):
    # b's points above 5x stop at their time limit 4% wide (its optimum in [960, 1000]);
    # a costs 600 there. a's solves are given b's interval, stop once it decides the sign
    # (before, a ran to its own limit), and the verdict is proven.
    seen = {}

    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        if strategy.name == "api_only":
            points.LAST_GAP[0] = 0.04 if scale > 5 else 0.0
            return 1000.0
        seen[scale] = against
        points.LAST_GAP[0] = 0.0
        return 1100.0 if scale < 5 else 600.0

    monkeypatch.setattr(points, "npv_at", fake)
    s, r = closed_form()
    res = breakeven(s, r, rtol=0.01, min_scale=1, max_scale=100, jobs=1)
    assert res["found"] and res["proven"] is True
    assert res["scale_low"] < 5 <= res["scale_high"]
    wide = {x: ag for x, ag in seen.items() if x > 5}
    assert wide and all(ag is not None and ag.spread == pytest.approx(40.0)
                        and ag.decided(590.0, 600.0) for ag in wide.values())
    assert all(ag is None or ag.spread == 0.0 for x, ag in seen.items() if x <= 5)


def test_a_solve_of_hybrid_starts_from_the_contained_plans_held_at_its_scale():
    # The evaluator hands a solve of an unrestricted strategy the cheapest NPV it already
    # holds at that scale of a strategy whose plans it can run (tco.analysis.containment):
    # HiGHS then stops once its bound is within the gap of that plan. A restricted strategy
    # gets none, and so does a plan that prices prompt caching otherwise (api_only's). Below
    # s* hybrid's optimum is api_batch_cache's plan (the API has no batch endpoint), and the
    # point says so.
    from tco.analysis.parallel import Evaluator
    from tco.analysis.strategies import strategies_for

    real = points.npv_at
    calls: list[tuple[str, float | None]] = []

    def spy(scenario, resolved, strategy, scale, against=None, ceiling=None):
        calls.append((strategy.name, ceiling))
        return real(scenario, resolved, strategy, scale, against, ceiling)

    s, r = closed_form()
    by_name = {x.name: x for x in strategies_for(s)}
    with pytest.MonkeyPatch.context() as mp, Evaluator(s, r, jobs=1) as ev:
        mp.setattr(points, "npv_at", spy)
        ev.points([(by_name["api_only"], 2.0)])
        (hyb_alone,) = ev.points([(by_name["hybrid"], 2.0)])
        ev.cache.pop(("hybrid", round(math.log10(2.0), 9)))
        (api_point,) = ev.points([(by_name["api_batch_cache"], 2.0)])
        (shelf,) = ev.points([(by_name["self_host_only"], 2.0)])
        (hyb,) = ev.points([(by_name["hybrid"], 2.0)])
    assert calls[:4] == [("api_only", None), ("hybrid", None), ("api_batch_cache", None),
                         ("self_host_only", None)]
    assert hyb_alone.npv_usd == pytest.approx(api_point.npv_usd, rel=1e-4)
    assert calls[4] == ("hybrid", min(api_point.npv_usd, shelf.npv_usd))
    assert calls[4][1] == api_point.npv_usd
    assert hyb.npv_usd == pytest.approx(api_point.npv_usd, rel=1e-4)
    assert hyb.npv_usd <= api_point.npv_usd and hyb.gap <= s.solver.mip_rel_gap
