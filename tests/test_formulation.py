"""The formulation's LP bound (issue 16): tighter rows keep every optimum and raise the bound.

Branch-and-bound starts from the LP relaxation; the closer it is to the optimum, the sooner a
plan is proven. Each test pins a bound that a weaker formulation would fall below, and checks
it stays at or below the optimum (a "bound" above the optimum would cut off the true plan).
The optima themselves are pinned in test_engine_costs.py and test_portfolio_regression.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.model import build_model
from tco.model.data import model_data_for
from tco.model.solve import lp_bound
from tco.pipeline import plan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from portfolio import portfolio  # noqa: E402


def _self_hosted_only():
    # One batch workload, 1e6 requests a month: 3e6 x 0.2 s = 166.67 replica-hours a quarter,
    # 0.0761 of one replica (2190 h at utilisation 1). The only option is the open model on a
    # $2/h on-demand GPU; hosting anything needs one engineer at $400,000 a year.
    return scenario(workloads=[workload(latency="batch", residency="self_hosted")],
                    apis=[api("a/x", 2.0, 8.0)],
                    gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}],
                    open_models=[model()], capacity={"utilization_target": 1},
                    staffing={"platform_engineers": 1, "cost_usd_per_year": 400_000,
                              "gpus_per_engineer": 1000})


def test_lp_bound_charges_the_whole_platform_team():
    # Optimum: 1 GPU ($4,380) + 1 engineer ($100,000) a quarter, 4 quarters = $417,520.
    # LP relaxation: the share served self-hosted is 1, so hosting >= 1 and the engineer is
    # paid in full; the GPU is paid for the hours used, 166.67 h x $2 = $333.33 a quarter:
    # 4 x (100,000 + 333.33) = $401,333.33. The former single big-M row (GPUs in use <=
    # M x hosting, M = 1 GPU) let hosting be 0.0761 and the bound was about $31,800.
    s = _self_hosted_only()
    r = resolve_plain(s)
    assert plan(s, r).npv_usd == pytest.approx(417_520)
    assert lp_bound(build_model(model_data_for(s, r))) == pytest.approx(4 * (100_000 + 1e6 / 3e3))


# LP bounds of the pinned portfolios (test_portfolio_regression.py), with the optima there.
# Before issue 16 the bounds were 27,605.04 and 148,489.46: 2% and 9% of the optimum.
@pytest.mark.parametrize("seed, bound, optimum", [
    (2, 1342853.8999656588, 1432888.166713408),
    (3, 1434226.210023088, 1576911.6082449933),
])
def test_lp_bound_of_pinned_portfolios_not_weaker(seed, bound, optimum):
    s, r = portfolio(10, seed=seed, catalog="plain", mip_rel_gap=1e-6)
    got = lp_bound(build_model(model_data_for(s, r)))
    assert bound * (1 - 1e-9) <= got <= optimum * (1 + 1e-9)
