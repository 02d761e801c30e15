"""The fast path of a draw (one model, first stage held through HiGHS column bounds) gives the
slow path's numbers: a model built and solved anew for every plan (tco.uncertainty.evaluate)."""

from __future__ import annotations

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.analysis.strategies import strategies_for
from tco.pipeline import plan
from tco.uncertainty import montecarlo as mc
from tco.uncertainty.draws import apply, draw_values, sources
from tco.uncertainty.evaluate import FirstStage, first_stage_of, npv_of, npvs_of

# The two-stage case of tests/test_robust.py: one GPU serves 13,140,000 requests a month, a
# GPU costs $150,000 (life = the 4-quarter horizon), a GPU-worth of demand costs $110,376 a
# quarter on the API; volume as written is 2 GPU-worths.
RPM = 2 * 13_140_000


def _case(values=(0.5, 1.5)):
    s = scenario(
        workloads=[workload(rpm=RPM)], apis=[api("a/x", 2.0, 8.0)], open_models=[model()],
        gpus=[{"name": "g", "purchase": {"price_usd": 150_000, "life_years": 1}}],
        capacity={"utilization_target": 1.0},
        solver={"mip_rel_gap": 0.0},
        uncertainty={"seed": 3, "inputs": [
            {"driver": "volume", "dist": "uniform", "low": values[0], "high": values[1]},
            {"driver": "api_price", "dist": "uniform", "low": 0.6, "high": 1.4}]})
    return s, resolve_plain(s)


def _same(fast, slow):
    assert [o.status for o in fast] == [o.status for o in slow]
    assert [o.note for o in fast] == [o.note for o in slow]
    for a, b in zip(fast, slow):
        if b.npv_usd is None:
            assert a.npv_usd is None
        else:
            assert a.npv_usd == pytest.approx(b.npv_usd, rel=1e-6)


def test_plans_held_on_one_model_equal_a_model_per_plan():
    s, r = _case()
    det = first_stage_of(plan(s, r))
    assert sum(det.buy.values()) == 2                      # 2 GPUs for 2 GPU-worths
    three = FirstStage(buy={("g", 0): 3}, staff=det.staff)   # det's engineers run them
    elsewhere = FirstStage(buy={("other-gpu", 0): 1})      # a GPU the model has no variable for
    plans = [None, det, three, elsewhere, None]
    srcs = sources(s)
    for i in range(4):
        ds, dr = apply(s, r, srcs, draw_values(srcs, 3, i))
        fast = npvs_of(ds, dr, None, plans)
        slow = [npv_of(ds, dr, None, fixed=p) for p in plans]
        _same(fast, slow)
        # re-optimised is never dearer than a plan held fixed; the last solve, back to the
        # model's own bounds, re-optimises again
        assert fast[0].npv_usd <= min(fast[1].npv_usd, fast[2].npv_usd) + 1e-6
        assert fast[4].npv_usd == pytest.approx(fast[0].npv_usd, rel=1e-9)
        assert fast[3].status == "error" and "other-gpu" in fast[3].note
    # by hand at volume 1 (2 GPU-worths) and API prices as written: 3 GPUs held cost 3 x P
    ds, dr = apply(s, r, srcs, [1.0, 1.0])
    assert npvs_of(ds, dr, None, [three])[0].npv_usd == pytest.approx(450_000)


def test_a_monte_carlo_draw_equals_every_strategy_solved_on_its_own():
    s, r = _case()
    fs = first_stage_of(plan(s, r))
    ctx = mc.DrawContext(s, r, tuple(strategies_for(s)), fs, 3)
    srcs = sources(s)
    for i in range(3):
        ds, dr = apply(s, r, srcs, draw_values(srcs, 3, i))
        fast = mc.outcomes(ctx, ds, dr)
        slow = [(st.name, npv_of(ds, dr, st)) for st in ctx.strategies]
        slow.append((mc.PLAN, npv_of(ds, dr, None, fixed=fs)))
        assert [n for n, _ in fast] == [n for n, _ in slow]
        _same([o for _, o in fast], [o for _, o in slow])


def test_robust_evaluation_on_the_extensive_forms_data_equals_each_draw_made_anew():
    from tco.aggregate import merge_identical
    from tco.model.data import model_data_for
    from tco.uncertainty.robust import EvalContext, _evaluate_task

    s, r = _case()
    det = first_stage_of(plan(s, r))
    three = FirstStage(buy={("g", 0): 3}, staff=det.staff)
    srcs = sources(s)
    values = [list(draw_values(srcs, 3, i)) for i in range(4)]
    drawn = [apply(s, r, srcs, v) for v in values]
    datas = tuple(model_data_for(merge_identical(ds)[0], dr) for ds, dr in drawn)
    anew = EvalContext(s, r, det, three)
    given = EvalContext(s, r, det, three, datas)
    for i, v in enumerate(values):
        a, b = _evaluate_task(anew, i, v), _evaluate_task(given, i, v)
        assert [a[k] for k in sorted(a) if k.endswith("status")] == \
            [b[k] for k in sorted(b) if k.endswith("status")]
        for k in a:
            if k.endswith("_npv_usd"):
                assert b[k] == pytest.approx(a[k], rel=1e-9)
        # holding more GPUs than the draw's best plan never costs less than re-optimising
        assert a["wait_and_see_npv_usd"] <= a["robust_npv_usd"] + 1e-6
