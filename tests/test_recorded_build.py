"""The recorded build (tco.model.recorded) gives the matrices `compile_model` reads from the
full Pyomo model, entry for entry, so every NPV solved from it is the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tco.aggregate import merge_identical
from tco.analysis.strategies import strategies_for
from tco.model import build_model
from tco.model.data import model_data_for
from tco.model.recorded import recorded_matrices
from tco.model.solve import compile_model
from tco.pipeline import prepare

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _same(a, b) -> None:
    # columns: the same variables in the same order, so held plans find the same columns
    assert [v.name for v in a.columns] == [v.name for v in b.columns]
    assert len(a.rows) == len(b.rows)
    for field in ("cost", "col_lower", "col_upper", "integer", "row_lower", "row_upper",
                  "start", "index", "value"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.offset == b.offset


# Every shipped example with the families it exercises: enterprise (fine-tunes, switching,
# policy, API operations, min replicas), levers (prompt variants, response cache, cascades),
# tariffs (price plans, commitments), bank (budgets, provider shares).
@pytest.mark.parametrize("name", ["startup", "enterprise", "levers", "tariffs", "bank"])
def test_recorded_matrices_equal_the_compiled_pyomo_model(name):
    p = prepare(SCENARIOS / f"{name}.yaml")
    merged = merge_identical(p.scenario)[0]
    for strategy in [None, *strategies_for(p.scenario)[:2]]:
        data = model_data_for(merged, p.resolved, strategy)
        model = build_model(data).model  # kept: its variables name themselves through it
        full = compile_model(model)
        built, rec = recorded_matrices(data)
        _same(rec, full)
        # the model's handles name the recorded columns (first stages are held through them)
        assert set(rec.cols_of(built.buy.values())) <= set(range(len(rec.columns)))


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_recorded_extensive_form_equals_the_compiled_pyomo_model(weight):
    # two draws of the enterprise example (one block each, first stage shared), with the
    # mean-CVaR rows and variables when weighted: rows of the model itself come first
    from tco.model.extensive import build_extensive
    from tco.model.recorded import matrices_of
    from tco.uncertainty.draws import apply, draw_values, sources

    p = prepare(SCENARIOS / "enterprise-uncertain.yaml")
    s, r = p.scenario, p.resolved
    srcs = sources(s)
    datas = []
    for i in range(2):
        ds, dr = apply(s, r, srcs, draw_values(srcs, s.uncertainty.seed, i))
        datas.append(model_data_for(merge_identical(ds)[0], dr))
    full = build_extensive(datas, [0.5, 0.5], 0.9, weight)
    rec = build_extensive(datas, [0.5, 0.5], 0.9, weight, recorded=True)
    _same(matrices_of(rec.model, *rec.objective_terms), compile_model(full.model))


def _bounds_one_deployment_at_a_time(scenario, periods, options, gpus, scale=1.0):
    """capacity_bounds as first written: one deployment at a time (the reference)."""
    from tco.options import loads

    deps = options.deployments
    util = scenario.capacity.utilization_target
    rep_ub = np.zeros((len(deps), periods.count))
    if len(options.table):
        _, dep_of, works = loads(options)
        for d in range(len(deps)):
            work = works[dep_of == d].sum(axis=0) * scale
            rep_ub[d] = np.ceil(work / (periods.hours * util) - 1e-9)
            if deps["needs_min_replicas"].iat[d]:
                rep_ub[d] = np.maximum(rep_ub[d], scenario.capacity.min_replicas)
    gpu_ub = {g.name: np.zeros(periods.count) for g in gpus}
    for d in range(len(deps)):
        gpu_ub[deps["gpu"].iat[d]] += rep_ub[d] * deps["gpus_per_replica"].iat[d]
    for name, ub in gpu_ub.items():
        cap = next(g.max_gpus for g in gpus if g.name == name)
        if cap is not None:
            np.minimum(ub, cap, out=ub)
    return rep_ub, gpu_ub


def _cascade_of_two_self_hosted_stages():
    from engine_helpers import resolve_plain
    from test_levers import two_self_hosted_stages

    s = two_self_hosted_stages()
    return s, resolve_plain(s)


@pytest.mark.parametrize("name", ["enterprise", "bank", "startup", "cascade"])
def test_capacity_bounds_in_one_pass_equal_one_deployment_at_a_time(name):
    from tco.model.data import capacity_bounds

    if name == "cascade":  # an option loading two deployments (tco.options.loads)
        s, r = _cascade_of_two_self_hosted_stages()
    else:
        p = prepare(SCENARIOS / f"{name}.yaml")
        s, r = merge_identical(p.scenario)[0], p.resolved
    d = model_data_for(s, r)
    assert len(d.options.deployments)
    assert name != "cascade" or d.options.stage_deployment is not None
    for scale in (1.0, 0.37, 2.5):
        args = (d.scenario, d.periods, d.options, d.gpus, scale)
        rep, gpu = capacity_bounds(*args)
        ref_rep, ref_gpu = _bounds_one_deployment_at_a_time(*args)
        np.testing.assert_array_equal(rep, ref_rep)
        assert gpu.keys() == ref_gpu.keys()
        for g in gpu:
            np.testing.assert_array_equal(gpu[g], ref_gpu[g])
