"""Merging workloads identical for the model changes nothing but the model's size."""

from __future__ import annotations

import pytest
from engine_helpers import resolve_plain
from test_engine_properties import random_scenario

from tco.aggregate import merge_identical
from tco.demand import expand_demand, make_periods
from tco.model import make_model_data
from tco.options import enumerate_options
from tco.pipeline import _solve, plan


def with_twins(seed: int):
    """The random scenario with a twin of w0 and of w2 that differ only in name and volume."""
    s = random_scenario(seed)
    ws = list(s.workloads)
    twins = [ws[0].model_copy(update={"name": "w0-twin",
                                      "requests_per_month": ws[0].requests_per_month * 0.37}),
             ws[2].model_copy(update={"name": "w2-twin",
                                      "requests_per_month": ws[2].requests_per_month * 2.5})]
    ft = s.fine_tunes[0]
    ft = ft.model_copy(update={"workloads": [*ft.workloads, "w0-twin"]})
    # The vendor-sprawl rule is not linear: a group it binds is solved apart (tco.pipeline.plan;
    # tests/test_first_hour.py checks that case). Here merging itself is under test.
    cons = s.constraints.model_copy(update={"min_share_when_used": None})
    return s.model_copy(update={"workloads": ws + twins, "fine_tunes": [ft],
                                "constraints": cons})


def unmerged(s):
    r = resolve_plain(s)
    periods = make_periods(s.horizon, s.finance)
    demand = expand_demand(s, periods)
    options = enumerate_options(s, r, periods, demand)
    return _solve(make_model_data(s, r, periods, demand, options), None)


def test_groups():
    merged, groups = merge_identical(with_twins(0))
    assert groups == [[0, 3], [1], [2, 4]]
    assert [w.name for w in merged.workloads] == ["w0", "w1", "w2"]
    s = with_twins(0)
    assert merged.workloads[0].requests_per_month == pytest.approx(
        s.workloads[0].requests_per_month + s.workloads[3].requests_per_month)


@pytest.mark.parametrize("seed", range(4))
def test_same_optimum_and_shares_for_twins(seed):
    s = with_twins(seed)
    sol = plan(s, resolve_plain(s))
    assert sol.meta["workloads_merged"] == 3
    assert sol.npv_usd == pytest.approx(unmerged(s).npv_usd, rel=2e-8)
    a = sol["allocation"]
    for w, twin in (("w0", "w0-twin"), ("w2", "w2-twin")):
        one = a[a.workload == w].set_index(["t", "option"]).share
        two = a[a.workload == twin].set_index(["t", "option"]).share
        assert one.to_dict() == pytest.approx(two.to_dict())
    # Per-workload tables cover every original workload; API spend adds up to the costs.
    assert set(sol["unit_costs"].workload) == {w.name for w in s.workloads}
    c = sol["costs"]
    assert a.api_cost_usd.sum() == pytest.approx(c[c.category.isin(["api", "api_batch"])].usd.sum())
    m = sol["marginal"]
    if len(m):
        assert set(m.workload) == {w.name for w in s.workloads}


def test_capacity_shortfall_names_every_merged_workload():
    # Two identical self-hosted workloads need 3 GPUs together; only 1 may be had.
    from engine_helpers import model, scenario, workload

    from tco.errors import InfeasibleError

    ws = [workload(name=n, rpm=3e7, latency="batch", residency="self_hosted") for n in "ab"]
    s = scenario(workloads=ws, open_models=[model()], capacity={"utilization_target": 1.0},
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0, "max_gpus": 1}])
    with pytest.raises(InfeasibleError) as e:
        plan(s, resolve_plain(s))
    assert "workloads 'a', 'b' (identical, merged) cannot be fully served in 2027Q1" in str(e.value)
