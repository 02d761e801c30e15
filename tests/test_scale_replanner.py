"""Replanner: re-solving at another demand scale in the live HiGHS model equals a fresh plan."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from portfolio import portfolio  # noqa: E402

from tco.model.resolve import Replanner  # noqa: E402
from tco.pipeline import plan  # noqa: E402
from tco.scenario.schema import Scenario  # noqa: E402


def scaled(s: Scenario, k: float) -> Scenario:
    """The scenario with every workload's requests times k."""
    d = s.model_dump(by_alias=True, exclude_none=True)
    for w in d["workloads"]:
        rpm = w["requests_per_month"]
        w["requests_per_month"] = [r * k for r in rpm] if isinstance(rpm, list) else rpm * k
    return Scenario.model_validate(d)


@cache
def _optimum_at_2x() -> float:
    """The 10-workload test portfolio's optimum at twice its demand, to 1e-9 (2.5 s; the
    tests of one worker share it)."""
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    return plan(scaled(s, 2.0), r).npv_usd


def test_npv_at_equals_a_rebuilt_plan():
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    for k in (1.0, 2.5, 0.3, 1.0):
        assert rp.npv_at(k) == pytest.approx(plan(scaled(s, k), r).npv_usd, rel=1e-6), k


def test_bracketed_resolve_is_a_feasible_plan_within_the_gap(monkeypatch):
    # PATIENCE_S ~ 0: HiGHS gets no time alone, so every re-solve goes through the bracket
    # (LP bound, rounded plan, HiGHS with the bracket in its stop rule). The NPV returned must
    # be a plan's (never below the optimum) and within the target gap of the optimum.
    import tco.model.resolve as resolve

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-4)
    exact = {k: plan(scaled(s, k).model_copy(update={"solver": s.solver.model_copy(
        update={"mip_rel_gap": 1e-9})}), r).npv_usd for k in (1.0, 3.0)}
    rp = Replanner.for_scenario(s, r)
    for k, best in exact.items():
        npv = rp.npv_at(k)
        assert best * (1 - 1e-9) <= npv <= best * (1 + 1.0001e-4), k
        assert rp.last_gap <= 1e-4 and npv * (1 - rp.last_gap) <= best * (1 + 1e-9), k


def test_a_resolve_compared_against_a_far_value_stops_once_decided(monkeypatch):
    # Compared with a value 10x the optimum, the bracket decides "cheaper" at once: the solve
    # may stop before the gap, but its bounds must still contain the optimum.
    import tco.model.resolve as resolve
    from tco.model.bracket import Against

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    monkeypatch.setattr(resolve, "PATIENCE_DECIDING_S", 1e-3)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    best = _optimum_at_2x()
    rp = Replanner.for_scenario(s, r)
    npv = rp.npv_at(2.0, against=Against(10 * best, 0.0))
    assert npv >= best * (1 - 1e-9) and npv * (1 - rp.last_gap) <= best * (1 + 1e-9)
    assert npv < 10 * best


def test_a_rounding_stops_on_a_decided_comparison_only_near_its_neighbourhoods_best():
    # The rounding's small MIPs run under HiGHS's callback. Their plans are the full model's,
    # so a plan within the gap of the bound known before stops one; a plan that only decides
    # the comparison stops it once within NEIGHBOURHOOD_GAP (1%) of the small MIP's own bound
    # (hybrid at 100x the enterprise demand otherwise stopped on a plan 16% above its
    # neighbourhood's best). Outside a rounding or a bracket the callback never stops HiGHS.
    from types import SimpleNamespace

    from tco.model.bracket import Against

    s, r = portfolio(3, seed=2, catalog="plain")
    rp = Replanner.for_scenario(s, r)
    assert not rp.hm.mat.offset

    def stops(primal: float, dual: float) -> bool:
        said = []
        rp._interrupt(SimpleNamespace(interrupt=said.append, data_out=SimpleNamespace(
            mip_primal_bound=primal, mip_dual_bound=dual)))
        return said[-1]

    inf = float("inf")
    rp._rounding = (100.0, inf, 1e-4, Against(1000.0, 0.0))  # any plan below 1000 decides
    assert stops(100.005, 90.0)  # within the gap of the lower bound known before
    assert not stops(130.0, 100.0)  # decided, but 30% above what its neighbourhood may hold
    assert stops(101.0, 100.5)  # decided, within 1% of its neighbourhood's best
    assert not stops(inf, 100.0)  # no plan yet
    rp._rounding = (100.0, inf, 1e-4, None)
    assert not stops(101.0, 100.5)  # nothing to decide: only the gap stops it
    rp._rounding = None
    assert not stops(100.0, 100.0)


def test_a_bracket_whose_plans_all_break_the_sprawl_rule_falls_back_to_the_full_model(
        monkeypatch):
    # Were every plan found (HiGHS's and the rounded one) to split a workload against the
    # vendor-sprawl rule, none would be an upper bound: the NPV must then come from the model
    # built with the rule's rows (tco.model.lazy), i.e. equal the plan's.
    import tco.model.resolve as resolve

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    monkeypatch.setattr(resolve.Replanner, "_keeps_sprawl_rule", lambda self, cols=None: False)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    assert rp.npv_at(2.5) == pytest.approx(plan(scaled(s, 2.5), r).npv_usd, rel=1e-5)


def test_rounded_plan_keeps_the_sprawl_rule_and_counts_as_an_upper_bound():
    # One workload; a/x at $2/$8, b/y at twice that, a provider may take 95% of the tokens;
    # self-hosting on a $500/h GPU is far dearer. The LP (no sprawl rows in the analysis'
    # model) splits 95% a + 5% b = 33,600 x (0.95 + 0.05 x 2) = 35,280, which breaks the 10%
    # minimum share. The rounding's small MIP carries the rule's rows for the workload the LP
    # splits, so its plan is 90% a + 10% b = 33,600 x 1.1 = 36,960 (the plan's optimum) and is
    # accepted as the upper bound; without the rows it would be the rejected 95/5 split (None).
    sys.path.insert(0, str(Path(__file__).parent))
    from engine_helpers import api, model, resolve_plain, scenario, workload

    from tco.model.bracket import lp_bound_and_rounded_plan

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0), api("b/y", 4.0, 16.0)],
                 open_models=[model()], gpus=[{"name": "g", "on_demand_usd_per_hour": 500.0}],
                 constraints={"max_share_per_provider": 0.95})
    r = resolve_plain(s)
    assert plan(s, r).npv_usd == pytest.approx(36_960, rel=1e-6)
    rp = Replanner.for_scenario(s, r)
    h = rp.hm.highs
    shape = (h.getNumCol(), h.getNumRow())
    args = (h, rp.rep_index, rp.rep_raise, rp.hm.mat.col_lower, rp.hm.mat.col_upper, 5.0, 1e-6)
    lower, upper = lp_bound_and_rounded_plan(*args, accept=rp._keeps_sprawl_rule,
                                             rule_rows=rp._sprawl_rows)
    assert lower == pytest.approx(35_280, rel=1e-6)
    assert upper == pytest.approx(36_960, rel=1e-6)
    # the rule's columns and rows are gone again: the live model is the analysis' own
    assert (h.getNumCol(), h.getNumRow()) == shape
    assert lp_bound_and_rounded_plan(*args, accept=rp._keeps_sprawl_rule) == (
        pytest.approx(35_280, rel=1e-6), None)
    assert rp.npv_at(1.0) == pytest.approx(36_960, rel=1e-6)


def test_rounding_carries_the_sprawl_rule_for_every_workload_it_can_bind_on():
    # Two workloads, each free to buy from a or to self-host (b, dearer on every token, is
    # pruned as dominated): the LP's plan serves each from a alone, splitting neither. The
    # rounding's small MIPs still get the rule's rows for both (one binary per workload,
    # provider and period): rows for the LP's split workloads alone let
    # each small MIP move the split to another workload, and at 17.8x the enterprise demand
    # hybrid's rounding found no plan keeping the rule (its point came back 24% above its LP
    # bound; 0.32% with every workload's rows). A plan's own check names only its breakers.
    sys.path.insert(0, str(Path(__file__).parent))
    from engine_helpers import api, model, resolve_plain, scenario, workload

    s = scenario(workloads=[workload("w1"), workload("w2", rpm=2e6)],
                 apis=[api("a/x", 2.0, 8.0), api("b/y", 4.0, 16.0)], open_models=[model()],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 500.0}])
    rp = Replanner.for_scenario(s, resolve_plain(s))
    rp.npv_at(1.0)
    x = np.asarray(rp.hm.highs.getSolution().col_value)
    assert rp._keeps_sprawl_rule(x)
    T = rp.built.data.T
    n, *_ = rp._sprawl_rows(x, len(x), True)
    assert n == 2 * T  # u[w, a, t] for both workloads and every period
    assert rp._sprawl_rows(x, len(x), False) is None  # this plan breaks the rule nowhere


def test_rounded_plans_bracket_the_optimum_at_every_scale():
    # The rounding's two small MIPs (replicas between the LP's counts rounded down and up,
    # then one replica either side of that plan's) return real plans: never below the optimum,
    # and the LP never above it. On this 10-workload portfolio each stage must also find a
    # plan, within 5% of the optimum (the stage with the LP's neighbourhood alone proves its
    # own optimum in well under a second here).
    from tco.model.bracket import lp_bound_and_rounded_plan

    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    h = rp.hm.highs
    shape = (h.getNumCol(), h.getNumRow())
    for k in (0.5, 3.0):
        best = plan(scaled(s, k), r).npv_usd
        rp.set_scale(k)
        lower, upper = lp_bound_and_rounded_plan(h, rp.rep_index, rp.rep_raise,
                                                 rp.hm.mat.col_lower, rp.hm.mat.col_upper,
                                                 10.0, 1e-6)
        assert lower <= best * (1 + 1e-6), k
        assert upper is not None and best * (1 - 1e-6) <= upper <= best * 1.05, k
        assert (h.getNumCol(), h.getNumRow()) == shape
        # the replica bounds are the model's own again
        lo, up = rp.hm.mat.col_lower[rp.rep_index], rp.hm.mat.col_upper[rp.rep_index]
        got = h.getLp()
        assert (np.asarray(got.col_lower_)[rp.rep_index] == lo).all()
        assert (np.asarray(got.col_upper_)[rp.rep_index] == up).all()


def test_a_plan_stopped_short_of_its_gap_takes_the_rounded_plan(monkeypatch):
    # HiGHS is made to stop without a plan (as it did on 1,000 workloads: 60 s of presolve and
    # a 99% gap). The plan then comes from the bracket: the LP bound and the plan rounded
    # from it, here the optimum itself (1,557,738 on this portfolio at 3x demand; the first
    # small MIP proves it in its neighbourhood). The plan's tables must be the rounded plan's
    # (their NPV is the objective), its status says it is not proven, its gap is against a
    # true lower bound, and the marginal costs are computed on it.
    import importlib

    solve = importlib.import_module("tco.model.solve")  # tco.model.solve is also a function
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    s3 = scaled(s, 3.0)
    best = plan(s3, r).npv_usd
    real = solve.run_highs

    def no_plan(hm, settings):
        out = real(hm, settings)
        hm.highs.clearSolver()
        return {**out, "status": "no_plan_in_time", "has": False, "objective": None,
                "gap": None}

    monkeypatch.setattr(solve, "run_highs", no_plan)
    quick = plan(s3, r)
    assert quick.result.status == "time_limit"
    assert best * (1 - 1e-9) <= quick.npv_usd <= best * 1.01
    assert quick.npv_usd == pytest.approx(quick.result.objective, rel=1e-9)
    assert 0 <= quick.result.gap and quick.npv_usd * (1 - quick.result.gap) <= best * (1 + 1e-9)
    assert len(quick.tables["marginal"]) and quick.tables["marginal"].notna().any().any()


@pytest.mark.parametrize("patience", [None, 1e-3])
def test_a_ceiling_is_an_upper_bound_from_the_start(monkeypatch, patience):
    # `ceiling` is the NPV of a plan the model is known to hold (another strategy's, which an
    # unrestricted one can run): the solve returns min(its own best plan, ceiling), proven
    # against its own bound. A ceiling far above the optimum changes nothing; one below every
    # plan HiGHS could find (here 0.5 x the gap under the optimum, standing in for a contained
    # plan HiGHS has not met) is what comes back, so a solve that ignored it would fail. With
    # patience ~0 the same holds through the bracket (LP bound, rounding, HiGHS again).
    import tco.model.resolve as resolve

    if patience is not None:
        monkeypatch.setattr(resolve, "PATIENCE_S", patience)
    s, r = portfolio(6, seed=2, catalog="plain", mip_rel_gap=1e-4)
    best = plan(scaled(s, 1.5).model_copy(update={"solver": s.solver.model_copy(
        update={"mip_rel_gap": 1e-9})}), r).npv_usd
    rp = Replanner.for_scenario(s, r)
    far = rp.npv_at(1.5, ceiling=10 * best)
    assert best * (1 - 1e-9) <= far <= best * (1 + 1.0001e-4) and rp.last_gap <= 1e-4
    below = best * (1 - 5e-5)
    assert rp.npv_at(1.5, ceiling=below) == below
    assert 0.0 <= rp.last_gap <= 1e-4


def test_far_from_needs_a_plan_near_the_lp_bound_to_decide():
    # A rounded plan is assumed within FAR (+ slack: fixed costs the LP leaves unpaid) of
    # the LP bound: far means such a plan would already decide the comparison.
    from tco.model.bracket import FAR, Against, far_from

    assert far_from(100.0, Against(200.0, 0.0))  # a plan at 103 is cheaper than 200
    assert not far_from(100.0, Against(101.0, 0.0))  # one at 103 decides nothing
    assert not far_from(100.0, Against(200.0, 0.0), slack=1.0)  # a plan may be at 203
    assert far_from(100.0, Against(90.0, 0.0))  # dearer on the LP bound alone
    assert not far_from(100.0, None) and not far_from(float("-inf"), Against(200.0, 0.0))
    assert 0 < FAR < 0.1


def test_unpaid_fixed_costs_of_fractional_binaries_keep_a_point_from_far():
    # Hybrid at 0.056x the enterprise demand: its LP spread 19% of its cost over API
    # operations binaries set partly, its bound 8% under the optimum; a rounding started
    # as if far ran 10 s without deciding. The unpaid part of those costs counts as slack.
    from types import SimpleNamespace

    from tco.model.bracket import Against

    stub = SimpleNamespace(fixed_cols=np.array([0, 1]), fixed_cost=np.array([30.0, 5.0]))
    against = Against(120.0, 0.0)
    whole = (100.0, np.array([1.0, 0.0, 7.3]))
    split = (100.0, np.array([0.2, 0.0, 7.3]))  # 0.8 x 30 = 24 unpaid
    assert Replanner._lp_decides(stub, whole, against)
    assert not Replanner._lp_decides(stub, split, against)


def test_a_far_comparison_gives_highs_a_short_first_run_and_stays_exact(monkeypatch):
    # Far from the compared NPV (the LP bound says a rounded plan decides it), HiGHS's first
    # run gets FAR_PATIENCE_S instead of PATIENCE_DECIDING_S; near it, the usual patience.
    # Either way the NPV is a plan's and its bounds contain the optimum.
    import tco.model.resolve as resolve
    from tco.model.bracket import FAR, Against, lp_relaxation

    limits: list[float] = []
    real = resolve.run_highs

    def spy(hm, settings):
        limits.append(settings.time_limit_s)
        return real(hm, settings)

    monkeypatch.setattr(resolve, "run_highs", spy)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    best = _optimum_at_2x()
    rp = Replanner.for_scenario(s, r)
    rp.set_scale(2.0)
    lp = lp_relaxation(rp.hm.highs, 10.0)[0]
    # near: a plan FAR above the LP bound would not decide against lp (1 + FAR / 2)
    for against, first in ((Against(10 * best, 0.0), resolve.FAR_PATIENCE_S),
                           (Against(lp * (1 + FAR / 2), 0.0), resolve.PATIENCE_DECIDING_S)):
        limits.clear()
        npv = rp.npv_at(2.0, against=against)
        assert limits[0] == first
        assert npv >= best * (1 - 1e-9) and npv * (1 - rp.last_gap) <= best * (1 + 1e-9)


def test_an_lp_after_a_run_our_callback_interrupted_still_solves(monkeypatch):
    # HiGHS keeps the interrupt flag our MIP callback set from one run to the next; an LP
    # solved next (the relaxation at the start of a re-solve) stopped at once, with no bound.
    import tco.model.resolve as resolve
    from tco.model.bracket import Against, lp_relaxation

    monkeypatch.setattr(resolve, "PATIENCE_DECIDING_S", 1e-3)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    best = _optimum_at_2x()
    rp = Replanner.for_scenario(s, r)
    rp.npv_at(2.0, against=Against(best * 0.5, 0.0))  # dearer: decided, HiGHS interrupted
    relaxed = lp_relaxation(rp.hm.highs, 10.0)
    assert relaxed is not None and relaxed[0] <= best * (1 + 1e-9)


def test_a_comparison_decided_with_a_plan_already_close_skips_the_rounding(monkeypatch):
    # The hybrid point at 0.0316x the enterprise demand: its ceiling (the API plan it
    # contains) and HiGHS's bound decided "equal" with the plan within 0.011% of the bound,
    # and the rounding then ran 4 s for a plan the point did not need. A decided comparison
    # whose plan is within NEIGHBOURHOOD_GAP of the bound returns at once.
    import tco.model.resolve as resolve
    from tco.model.bracket import Against

    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    best = _optimum_at_2x()
    rounded: list[int] = []
    real = resolve.lp_bound_and_rounded_plan
    monkeypatch.setattr(resolve, "lp_bound_and_rounded_plan",
                        lambda *a, **k: rounded.append(1) or real(*a, **k))
    # HiGHS decides it in about 0.45 s here, at the edge of its 0.5 s patience on an idle
    # machine: more patience keeps a loaded machine from testing the patience instead (the
    # callback still stops HiGHS once the comparison is decided)
    monkeypatch.setattr(resolve, "PATIENCE_DECIDING_S", 5.0)
    rp = Replanner.for_scenario(s, r)
    npv = rp.npv_at(2.0, against=Against(best, 1e-3 * best), ceiling=best)
    assert not rounded
    assert npv == best and rp.last_gap <= 2e-3


def test_feasibility_jump_runs_only_in_the_roundings_small_mip(monkeypatch):
    # Feasibility jump's plans are far from these models' optima and cost a quarter of a small
    # solve, so HiGHS runs without it; the rounding's small MIP, where any plan is an upper
    # bound worth having, runs with it, and leaves it off for the next solve.
    from tco.model import bracket
    from tco.model.solve import FEASIBILITY_JUMP

    def jump(h) -> bool:
        return h.getOptionValue(FEASIBILITY_JUMP)[1]  # (status, value)

    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    h = rp.hm.highs
    assert jump(h) is False
    seen = []
    real = bracket._run
    monkeypatch.setattr(bracket, "_run", lambda h: (seen.append(
        (h.getOptionValue("solve_relaxation")[1], jump(h))), real(h))[1])
    rp.set_scale(3.0)
    lower, upper = bracket.lp_bound_and_rounded_plan(
        h, rp.rep_index, rp.rep_raise, rp.hm.mat.col_lower, rp.hm.mat.col_upper, 10.0, 1e-6)
    mips = [on for lp, on in seen if not lp]
    assert upper is not None and mips and all(mips)
    assert jump(h) is False


def test_the_rounded_up_plan_settles_a_point_without_the_small_mips(monkeypatch):
    # Step (0) of the bracket: the LP's replica counts rounded up (to min_replicas where a
    # deployment serves interactive traffic) and held, only capped pools left to choose. Its
    # plan is a real plan (never below the optimum); within the gap it settles the point and
    # neither small MIP runs. Asked for a tighter gap, both still run after it, and the upper
    # bound is the best of the three plans.
    from tco.model import bracket

    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    best = _optimum_at_2x()
    rp = Replanner.for_scenario(s, r)
    rp.set_scale(2.0)
    h = rp.hm.highs
    least = bracket.least_replicas(rp.built)
    assert len(least) == len(rp.rep_index)  # one per replica column, in the same order
    assert set(np.unique(least)) <= {1.0, float(s.capacity.min_replicas)}
    calls: list[tuple[np.ndarray, np.ndarray, float | None]] = []
    real = bracket._small_mip

    budgets: list[float] = []

    def small_mip(h, cols, lo, hi, deadline, budget, *a):
        out = real(h, cols, lo, hi, deadline, budget, *a)
        calls.append((lo.copy(), hi.copy(), out[0] if out is not None else None))
        budgets.append(budget)
        return out

    monkeypatch.setattr(bracket, "_small_mip", small_mip)
    args = (h, rp.rep_index, rp.rep_raise, rp.hm.mat.col_lower, rp.hm.mat.col_upper, 10.0)
    told: list[float] = []
    lower, upper = bracket.lp_bound_and_rounded_plan(*args, 1e-6, least=least,
                                                     found=told.append)
    assert lower <= best * (1 + 1e-9) and upper >= best * (1 - 1e-9)
    # the caller hears of each better plan as it comes (its stop rule for the next small MIP
    # counts it): step (0)'s first, then only improvements
    assert told and told == sorted(told, reverse=True) and len(set(told)) == len(told)
    assert told[-1] == pytest.approx(upper, rel=1e-12)
    assert len(calls) == 3  # not within 1e-6: (0), then (1) and (2)
    lo0, hi0, npv0 = calls[0]
    raised = rp.rep_raise
    assert (lo0[raised] == hi0[raised]).all()  # held where GPUs can be added
    assert npv0 is not None and npv0 >= best * (1 - 1e-9)
    # step (0) gets a tenth of the rounding's 10 s (1 s): at 1,000 workloads a quarter left
    # the first small MIP without its plan; the first small MIP keeps its three quarters
    assert budgets[0] == pytest.approx(1.0) and budgets[1] == pytest.approx(7.5)
    assert upper == pytest.approx(min(c[2] for c in calls if c[2] is not None), rel=1e-12)
    assert told[0] == pytest.approx(npv0, rel=1e-12)
    calls.clear()
    loose = bracket.rel_gap(lower, npv0) * 1.01  # the rounded-up plan is within this
    lower2, upper2 = bracket.lp_bound_and_rounded_plan(*args, loose, least=least)
    assert len(calls) == 1 and (calls[0][0] == lo0).all()
    assert lower2 == pytest.approx(lower, rel=1e-9) and upper2 == pytest.approx(npv0, rel=1e-9)
    # a comparison the rounded-up plan decides does not settle the point while that plan is
    # more than NEIGHBOURHOOD_GAP above the LP (here ~20%: the point's NPV is shown)
    assert bracket.rel_gap(lower, npv0) > bracket.NEIGHBOURHOOD_GAP
    calls.clear()
    budgets.clear()
    far = bracket.Against(npv0 * 10, npv0 * 1e-3)
    assert far.decided(lower, npv0)
    bracket.lp_bound_and_rounded_plan(*args, 1e-6, least=least, against=far)
    assert len(calls) >= 2
    # ... but its first small MIP only refines the NPV shown, briefly (the verdict is known)
    assert budgets[1] == pytest.approx(bracket.DECIDED_REFINE_S)
    # without `least` the bracket is as before: no step (0)
    calls.clear()
    bracket.lp_bound_and_rounded_plan(*args, 1e-6)
    assert len(calls) == 2


def test_a_solve_with_a_known_plan_gives_highs_more_patience(monkeypatch):
    # hybrid at 0.03-0.06x the enterprise demand, its ceiling the API plan it contains: HiGHS
    # decides "equal" in 0.45-0.57 s, and a run cut at 0.5 s sent the point to a rounding that
    # could only find the ceiling's plan again (8 s instead of 0.4). With a ceiling the first
    # run gets PATIENCE_CEILING_S; without one, a comparison still gets PATIENCE_DECIDING_S.
    import tco.model.resolve as resolve
    from tco.model.bracket import Against

    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    best = _optimum_at_2x()
    limits: list[float] = []
    real = resolve.run_highs
    monkeypatch.setattr(resolve, "run_highs", lambda hm, st: (
        limits.append(st.time_limit_s), real(hm, st))[1])
    monkeypatch.setattr(resolve, "far_from", lambda *a, **k: False)  # not decided by the LP
    rp = Replanner.for_scenario(s, r)
    rp.npv_at(2.0, against=Against(best, 1e-3 * best), ceiling=best)
    assert limits[0] == resolve.PATIENCE_CEILING_S > resolve.PATIENCE_DECIDING_S
    limits.clear()
    rp.npv_at(2.0, against=Against(best, 1e-3 * best))
    assert limits[0] == resolve.PATIENCE_DECIDING_S
