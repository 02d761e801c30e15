"""Strategies compared: figures by hand, hybrid never dearer, infeasible strategies explained,
curves, tco run's analysis and the compare / breakeven commands."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload
from typer.testing import CliRunner

from tco.analysis import analyse, compare, curves, npv_at, scaled, strategies_for
from tco.pipeline import Prepared, plan
from tco.scenario.schema import Strategy

ROOT = Path(__file__).resolve().parents[1]
GPU = {"name": "g", "on_demand_usd_per_hour": 2.0}
STAFF = {"platform_engineers": 1, "cost_usd_per_year": 100_000, "gpus_per_engineer": 1000}


def small(rpm: float = 1e6, **workload_extra):
    """The break-even test's scenario (tests/test_breakeven.py has the arithmetic)."""
    s = scenario(workloads=[workload(rpm=rpm, latency="batch", **workload_extra)],
                 apis=[api("a/x", 1.0, 4.0)], gpus=[GPU],
                 open_models=[model(prefill=1e6, decode=1e5)], staffing=STAFF,
                 finance={"discount_rate": 0.0})
    return s, resolve_plain(s)


def test_comparison_figures_by_hand():
    # Scale 1, 4 quarters, no discounting:
    #   api:  4200 a quarter -> NPV 16,800, 16,800 a year; tokens 4 x 3e6 x 1100 = 1.32e10
    #         -> 16,800 / 1.32e10 x 1e6 = 1.2727 USD per 1M tokens
    #   self: (25,000 staff + 4,380 GPU) a quarter -> NPV 117,520
    #   best single-mode strategy: api_only (16,800); self_host_only saves 16,800 - 117,520.
    s, r = small()
    t = compare(s, r, jobs=1).set_index("strategy")
    assert list(t.index) == ["api_only", "api_batch_cache", "self_host_only", "hybrid"]
    assert (t.status == "ok").all()
    assert t.at["api_only", "npv_usd"] == pytest.approx(16_800)
    assert t.at["api_only", "cost_per_year_usd"] == pytest.approx(16_800)
    assert t.at["api_only", "usd_per_mtok"] == pytest.approx(16_800 / 1.32e10 * 1e6)
    assert t.at["self_host_only", "npv_usd"] == pytest.approx(117_520)
    assert t.at["hybrid", "npv_usd"] == pytest.approx(16_800)
    assert t.at["self_host_only", "savings_vs_best_single_usd"] == pytest.approx(-100_720)
    assert t.at["self_host_only", "savings_vs_best_single_pct"] == pytest.approx(
        -100_720 / 16_800 * 100)
    assert t.attrs["best_single"] in ("api_only", "api_batch_cache")
    # The ranking holds to the plan's gap (every solve here is exact, so no larger one).
    assert t.attrs["mip_rel_gap"] == s.solver.mip_rel_gap


def test_api_only_pays_full_price_for_cached_input():
    # Half the input is a cached prefix at 0.1 USD/1M: api_batch_cache pays
    #   3e6 x (500 x 1 + 500 x 0.1 + 100 x 4) / 1e6 = 2850 a quarter, api_only 4200.
    s = scenario(workloads=[workload(rpm=1e6, cached_input_share=0.5)],
                 apis=[api("a/x", 1.0, 4.0, cached=0.1)], finance={"discount_rate": 0.0})
    t = compare(s, resolve_plain(s), jobs=1).set_index("strategy")
    assert t.at["api_only", "npv_usd"] == pytest.approx(4 * 4200)
    assert t.at["api_batch_cache", "npv_usd"] == pytest.approx(4 * 2850)
    assert t.at["api_only", "savings_vs_best_single_usd"] == pytest.approx(4 * (2850 - 4200))


def test_infeasible_strategy_says_which_workload_and_why():
    # the API scores 80, below the workload's 85; only the open model (90) qualifies. (A
    # workload pinned by residency keeps its options in every strategy instead: issue 18,
    # tests/test_first_hour.py.)
    s = scenario(workloads=[workload(rpm=1e6, latency="batch", min_quality=85)],
                 apis=[api("a/x", 1.0, 4.0)], gpus=[GPU],
                 open_models=[model(prefill=1e6, decode=1e5, quality=90)], staffing=STAFF,
                 finance={"discount_rate": 0.0})
    r = resolve_plain(s)
    t = compare(s, r, jobs=1).set_index("strategy")
    for name in ("api_only", "api_batch_cache"):
        assert t.at[name, "status"] == "infeasible"
        reason = t.at[name, "reason"]
        assert f"strategy '{name}': no feasible plan" in reason
        assert "workload 'w'" in reason and "below the minimum 85" in reason
        assert t.at[name, "npv_usd"] is None or t[["npv_usd"]].loc[name].isna().all()
    assert t.at["self_host_only", "status"] == "ok" and t.at["hybrid", "status"] == "ok"
    # the only feasible single-mode strategy is the reference for savings
    assert t.attrs["best_single"] == "self_host_only"
    assert t.at["hybrid", "savings_vs_best_single_usd"] == pytest.approx(0, abs=1e-6)


def test_scenario_strategies_are_added_and_may_replace_built_ins():
    s, r = small()
    own = [Strategy(name="on_demand_only", procurement=["on_demand"]),
           Strategy(name="api_only", option_kinds=["api"])]
    s = s.model_copy(update={"strategies": own})
    names = [x.name for x in strategies_for(s)]
    assert names == ["api_only", "api_batch_cache", "self_host_only", "hybrid", "on_demand_only"]
    assert strategies_for(s)[0].prompt_caching is True  # the scenario's own definition


def test_npv_at_matches_plan_and_scales_demand():
    s, r = small()
    sh = strategies_for(s)[2]
    for x in (0.5, 3.0, 20.0):
        assert npv_at(s, r, sh, x) == pytest.approx(plan(scaled(s, x), r, sh).npv_usd, rel=1e-6)
    # api cost is linear in the scale
    assert npv_at(s, r, strategies_for(s)[0], 2.5) == pytest.approx(2.5 * 16_800)
    listed = s.model_copy(update={"workloads": [s.workloads[0].model_copy(
        update={"requests_per_month": [1e6, 2e6, 2e6, 1e6]})]})
    assert scaled(listed, 2).workloads[0].requests_per_month == [2e6, 4e6, 4e6, 2e6]
    assert npv_at(listed, r, strategies_for(s)[0], 2) == pytest.approx(2 * 3 * 6e6 * 0.0014)


def generated(seed: int):
    """A random small portfolio: batch and interactive workloads, two APIs with batch
    endpoints and caches, an open model on two GPU types with every procurement mode, a
    fine-tune, a custom strategy."""
    rnd = random.Random(seed)
    wl = []
    for i in range(rnd.randint(2, 3)):
        wl.append(workload(f"w{i}", rpm=rnd.choice([2e5, 1e6, 5e6, 2e7]),
                           inp=rnd.choice([500, 2000]), out=rnd.choice([100, 400]),
                           latency=rnd.choice(["interactive", "standard", "batch"]),
                           cached_input_share=rnd.choice([0.0, 0.5]),
                           peak_to_average=rnd.choice([1.0, 2.0]),
                           growth_per_year=rnd.choice([0.0, 0.5]),
                           min_quality=rnd.choice([0, 75])))
    apis = [api("p/big", rnd.uniform(1, 3), rnd.uniform(4, 12), cached=0.2, quality=90,
                batch_discount=0.5),
            api("q/small", rnd.uniform(0.1, 0.5), rnd.uniform(0.4, 2), quality=74,
                batch_discount=0.5)]
    gpus = [{"name": "g", "on_demand_usd_per_hour": rnd.uniform(2, 4),
             "reserved_usd_per_hour": {"1y": 1.8, "3y": 1.3},
             "purchase": {"price_usd": 25_000, "life_years": 4, "power_kw": 1.0,
                          "facility_usd_per_kw_month": 150}},
            {"name": "h", "on_demand_usd_per_hour": rnd.uniform(1, 2)}]
    m = model("m", gpu="g", prefill=rnd.choice([5e3, 2e4]), decode=rnd.choice([500, 2000]),
              quality=78)
    m["serving"]["h"] = {"gpus_per_replica": 2, **{k: v for k, v in m["serving"]["g"].items()
                                                     if k != "gpus_per_replica"}}
    fts = [{"name": "m-ft", "base": "m", "workloads": ["w0"], "training_cost_usd": 5000,
            "quality_uplift": {"chat": 5}, "input_token_reduction": 0.3}]
    s = scenario(workloads=wl, apis=apis, gpus=gpus, open_models=[m], fine_tunes=fts,
                 staffing={"platform_engineers": 1, "cost_usd_per_year": 150_000,
                           "gpus_per_engineer": 32},
                 finance={"discount_rate": 0.08}, horizon={"periods": 6},
                 strategies=[{"name": "rent_only", "procurement": ["on_demand"]}])
    return s, resolve_plain(s)


def _assert_hybrid_cheapest(table, slack=1e-3):
    ok = table[table.status.isin(["ok", "time_limit"])].set_index("strategy")
    assert "hybrid" in ok.index, table
    h = ok.at["hybrid", "npv_usd"]
    for name, npv in ok.npv_usd.items():
        assert h <= npv * (1 + slack) + 1e-6, (name, npv, h)


@pytest.mark.parametrize("seed", range(4))
def test_hybrid_costs_no_more_than_any_strategy(seed):
    s, r = generated(seed)
    table = compare(s, r, jobs=2)
    assert len(table) == 5
    _assert_hybrid_cheapest(table, slack=2 * s.solver.mip_rel_gap)


EXAMPLES = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.name != "base.yaml")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_hybrid_costs_no_more_on_examples(path):
    from tco.pipeline import prepare

    p = prepare(path)
    table = compare(p.scenario, p.resolved, jobs=2)
    _assert_hybrid_cheapest(table, slack=2 * p.scenario.solver.mip_rel_gap)


def test_curves_table():
    s, r = small()
    c = curves(s, r, strategies_for(s)[:3], min_scale=1, max_scale=100, per_decade=2, jobs=1)
    assert list(c.columns) == ["strategy", "scale", "requests_per_month", "tokens_per_month",
                               "npv_usd", "status", "mip_gap"]
    assert len(c) == 3 * 5 and (c.status == "ok").all()
    assert (c.mip_gap <= s.solver.mip_rel_gap).all()  # each point says what it is proven to
    api_only = c[c.strategy == "api_only"]
    assert list(api_only.npv_usd) == pytest.approx([16_800 * x for x in api_only.scale])
    assert list(api_only.requests_per_month) == pytest.approx([1e6 * x for x in api_only.scale])


def test_analyse_shares_solves_and_reuses_the_main_plan():
    s, r = small()
    main = plan(s, r)
    a = analyse(s, r, main, jobs=1, per_decade=2, rtol=0.05)
    assert a.strategies.set_index("strategy").at["hybrid", "npv_usd"] == pytest.approx(main.npv_usd)
    assert len(a.breakeven) == 2 and all(b["found"] for b in a.breakeven)
    assert set(a.curves.strategy) == {"api_only", "api_batch_cache", "self_host_only", "hybrid"}
    # 3 strategies compared + 4 x 13 curve points - 4 scale-1 points already known
    # + break-even scan points off the curve grid + narrowing: fewer than without sharing
    unshared = 3 + 4 * 13 + 3 * len(range(11)) + 2 * 2 * 10
    assert a.solves < unshared


# --- tco run, compare, breakeven ------------------------------------------------------------


@pytest.fixture
def tiny_prepare(monkeypatch):
    """`prepare` returning the small scenario, so the commands run without the catalog."""
    s, r = small()
    prepared = Prepared(s, r, lambda path: (None, None), ("tiny.yaml",))
    monkeypatch.setattr("tco.pipeline.prepare", lambda path, *a, **k: prepared)
    return prepared


def test_cli_compare_prints_the_table(tiny_prepare):
    from tco.cli import app

    res = CliRunner().invoke(app, ["compare", "tiny.yaml", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    for name in ("api_only", "api_batch_cache", "self_host_only", "hybrid"):
        assert name in res.output
    assert "$117,520" in res.output and "savings" in res.output


def test_cli_breakeven_prints_the_answer(tiny_prepare):
    from tco.cli import app

    res = CliRunner().invoke(app, ["breakeven", "tiny.yaml", "--a", "self_host_only",
                                   "--b", "api_only", "--jobs", "1", "--rtol", "0.05"])
    assert res.exit_code == 0, res.output
    assert "api_only is cheaper below and self_host_only above" in res.output
    assert "requests / month" in res.output


def test_cli_breakeven_unknown_strategy_exits_2(tiny_prepare):
    import sys

    from tco.cli import main

    argv = sys.argv
    sys.argv = ["tco", "breakeven", "tiny.yaml", "--a", "nope", "--jobs", "1"]
    try:
        with pytest.raises(SystemExit) as e:
            main()
    finally:
        sys.argv = argv
    assert e.value.code == 2


def test_run_scenario_fills_the_analysis_and_results_json(tiny_prepare, tmp_path):
    from tco.pipeline import run_scenario
    from tco.report.results_json import results_dict

    res = run_scenario("tiny.yaml", jobs=2)
    assert res.strategies is not None and len(res.strategies) == 4
    assert [b["a"] for b in res.breakeven] == ["self_host_only", "hybrid"]
    assert len(res.curves) == 4 * 13
    d = json.loads(json.dumps(results_dict(res), allow_nan=False))
    assert {r["strategy"] for r in d["strategies"]} >= {"api_only", "hybrid"}
    assert d["breakeven"][0]["found"] and d["curves"]
    assert run_scenario("tiny.yaml", analysis=False).strategies is None


FIXTURE = ROOT / "tests" / "fixtures" / "analysis" / "tiny.yaml"


def test_cli_on_a_scenario_file():
    from tco.cli import app

    for args in (["compare", str(FIXTURE), "--jobs", "1"],
                 ["breakeven", str(FIXTURE), "--jobs", "2", "--rtol", "0.05"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
    assert "hybrid" in res.output


def test_terminal_reason_is_shortened_per_workload():
    from tco.analysis.terminal import shorten_reason

    text = "head\nworkload 'a':\n" + "".join(f"  - r{i}\n" for i in range(7)) + \
        "workload 'b':\n  - only"
    assert shorten_reason(text, per_block=2) == (
        "head\nworkload 'a':\n  - r0\n  - r1\n  ... and 5 more\nworkload 'b':\n  - only")


def test_curve_never_shows_hybrid_dearer_than_a_strategy_it_contains():
    # make run's curve showed hybrid (recommended) 27-50% above self_host_only at 1.8x-100x:
    # time-limited solves returning poor plans. self_host_only's plan is a hybrid plan too, so
    # hybrid is reported at it, its gap re-measured against hybrid's own bound:
    # bound = 120 x (1 - 0.3) = 84; gap = (100 - 84) / 100 = 0.16. api_only prices without
    # prompt caching, so its plan is not one of hybrid's and is not used.
    from tco.analysis.containment import tighten
    from tco.analysis.parallel import Point

    strategies = {"hybrid": Strategy(name="hybrid"),
                  "self_host_only": Strategy(name="self_host_only", option_kinds=["self_hosted"]),
                  "api_only": Strategy(name="api_only", option_kinds=["api"],
                                       prompt_caching=False)}
    at3 = tighten({"hybrid": Point("hybrid", 3.0, 120.0, "ok", gap=0.3),
                   "self_host_only": Point("self_host_only", 3.0, 100.0, "ok", gap=0.0),
                   "api_only": Point("api_only", 3.0, 90.0, "ok", gap=0.0)}, strategies)
    assert (at3["hybrid"].npv_usd, at3["hybrid"].gap) == (100.0, pytest.approx(0.16))
    assert (at3["self_host_only"].npv_usd, at3["self_host_only"].gap) == (100.0, 0.0)
    assert (at3["api_only"].npv_usd, at3["api_only"].gap) == (90.0, 0.0)  # other caching
    at1 = tighten({"hybrid": Point("hybrid", 1.0, 50.0, "ok", gap=0.0),
                   "self_host_only": Point("self_host_only", 1.0, 60.0, "ok", gap=0.0)},
                  strategies)
    assert (at1["hybrid"].npv_usd, at1["hybrid"].gap) == (50.0, 0.0)  # already the cheapest


def test_a_contained_strategy_takes_hybrids_lower_bound():
    # self_host_only stopped at its time limit: plan 100, gap 0.5 -> its own bound 50. Every
    # self_host_only plan is a hybrid plan, so its optimum is at least hybrid's optimum, at
    # least hybrid's bound 98 x (1 - 0.01) = 97.02: its gap is (100 - 97.02) / 100 = 0.0298.
    # hybrid's plan (98) is cheaper than self_host_only's, so hybrid keeps it and its gap.
    # An unknown gap (a solver that does not report one) gives no bound and is left alone.
    from tco.analysis.containment import tighten
    from tco.analysis.parallel import Point

    strategies = {"hybrid": Strategy(name="hybrid"),
                  "self_host_only": Strategy(name="self_host_only", option_kinds=["self_hosted"])}
    out = tighten({"hybrid": Point("hybrid", 10.0, 98.0, "ok", gap=0.01),
                   "self_host_only": Point("self_host_only", 10.0, 100.0, "ok", gap=0.5)},
                  strategies)
    assert out["self_host_only"].gap == pytest.approx(0.0298)
    assert (out["hybrid"].npv_usd, out["hybrid"].gap) == (98.0, 0.01)
    unknown = tighten({"hybrid": Point("hybrid", 10.0, 98.0, "ok", gap=None),
                       "self_host_only": Point("self_host_only", 10.0, 100.0, "ok", gap=0.5)},
                      strategies)
    assert unknown["self_host_only"].gap == 0.5


def test_the_evaluator_shares_bounds_between_points_of_one_scale():
    # The break-even scans read points from the evaluator's cache, so the bounds must be shared
    # there, not only in the curves' table: the numbers of the test above, recorded one by one.
    from tco.analysis.parallel import Evaluator

    s, resolved = small()
    with Evaluator(s, resolved, jobs=1) as ev:
        ev.remember("self_host_only", 10.0, 100.0, "ok", gap=0.5)
        ev.remember("hybrid", 10.0, 98.0, "ok", gap=0.01)
        shared = ev.points([(Strategy(name="self_host_only", option_kinds=["self_hosted"]),
                             10.0)])
        assert ev.solves == 0  # taken from the cache, not solved
    assert shared[0].npv_usd == 100.0 and shared[0].gap == pytest.approx(0.0298)


def test_curves_solve_the_api_strategies_first_and_stop_the_rest_once_ordered(monkeypatch):
    # The API-only strategies' points come first; every other point is then solved with the
    # comparisons its order needs (each API-only point at its own scale, the band of "equal"
    # twice the gap), so a solve may stop once its bounds decide all of them. Whatever a
    # point stops at, it is either within the gap or decided against each of them.
    from tco.analysis.parallel import Evaluator
    from tco.model.bracket import AgainstAll

    calls = []
    real = Evaluator.points

    def spy(self, wanted, label="solving", against=None):
        calls.append(([(s.name, x) for s, x in wanted], against))
        return real(self, wanted, label, against)

    monkeypatch.setattr(Evaluator, "points", spy)
    s, r = small()
    c = curves(s, r, min_scale=1, max_scale=100, per_decade=2, jobs=1)
    first, second = calls[0], calls[1]
    assert {n for n, _ in first[0]} == {"api_only", "api_batch_cache"} and first[1] is None
    assert {n for n, _ in second[0]} == {"self_host_only", "hybrid"}
    gap = s.solver.mip_rel_gap
    npv = {(row.strategy, round(row.scale, 9)): row.npv_usd for row in c.itertuples()}
    for (name, x), a in zip(*second):
        assert isinstance(a, AgainstAll)
        assert sorted(i.npv for i in a.items) == sorted(
            [npv[("api_only", round(x, 9))], npv[("api_batch_cache", round(x, 9))]])
        assert all(i.band == pytest.approx(2 * gap * i.npv) for i in a.items)
    for row in c[c.strategy.isin(["self_host_only", "hybrid"])].itertuples():
        if row.mip_gap > gap:
            a = dict(zip(*second))[(row.strategy, row.scale)]
            assert a.decided(row.npv_usd * (1 - row.mip_gap), row.npv_usd)


def test_curve_points_are_ordered_against_api_points_stopped_at_their_limit(monkeypatch):
    # Where the API-only strategies' points stop at their time limit (MILPs, as in the bank
    # example, whose residency rules make them self-host), the other points are still given
    # each one's interval to stop against, not solved to their own limit.
    from tco.analysis import points

    seen = {}

    def fake(scenario, resolved, strategy, scale, against=None, ceiling=None):
        wide = strategy.name.startswith("api")
        points.LAST_GAP[0] = 0.05 if wide else 0.0
        if not wide:
            seen[(strategy.name, round(scale, 9))] = against
        return {"api_only": 1000.0, "api_batch_cache": 1100.0}.get(strategy.name, 500.0)

    monkeypatch.setattr(points, "npv_at", fake)
    s, r = small()
    curves(s, r, min_scale=1, max_scale=10, per_decade=1, jobs=1)
    assert set(seen) == {(n, x) for n in ("self_host_only", "hybrid") for x in (1.0, 10.0)}
    for a in seen.values():
        assert sorted((i.npv, i.spread) for i in a.items) == [
            (1000.0, pytest.approx(50.0)), (1100.0, pytest.approx(55.0))]
        assert a.decided(400.0, 500.0) and not a.decided(400.0, 960.0)


def test_against_all_is_decided_only_when_every_comparison_is():
    from tco.model.bracket import Against, AgainstAll

    both = AgainstAll((Against(100.0, 1.0), Against(200.0, 2.0)))
    assert both.decided(120.0, 150.0)  # above the first, below the second
    assert not both.decided(95.0, 150.0)  # straddles the first's band
    assert not both.decided(190.0, 199.0)  # straddles the second's band
    assert both.decided(300.0, 310.0)


def test_curves_note_says_the_gap_and_which_points_stopped_wider():
    import pandas as pd

    from tco.analysis.curves import curves_note

    exact = pd.DataFrame({"mip_gap": [0.0, 5e-5, 1e-4]})
    assert curves_note(exact, 1e-4) == ("Each point's NPV is proven to within a 0.01% "
                                        "relative MIP gap.")
    wide = pd.DataFrame({"mip_gap": [0.0, 0.003, 0.0123, None]})
    note = curves_note(wide, 1e-4)
    assert "except 2 of 3 points" in note and "up to 1.23%" in note
