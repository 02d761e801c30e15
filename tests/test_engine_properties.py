"""Properties of the optimum on seeded random scenarios (every cost kind in play)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.pipeline import plan
from tco.scenario.schema import Scenario

SEEDS = range(6)


def random_scenario(seed: int, k: float = 1.0, extra_api: bool = False) -> Scenario:
    """A small scenario with APIs, batch, cache, GPUs of every procurement mode, staff, a
    fine-tune and error costs; every money amount multiplied by k."""
    rng = np.random.default_rng(seed)
    lat = ["interactive", "standard", "batch"]
    workloads = [workload(name=f"w{i}", rpm=float(10 ** rng.uniform(5, 8)),
                          inp=float(rng.integers(200, 4000)), out=float(rng.integers(50, 800)),
                          cached_input_share=float(rng.uniform(0, 0.8)),
                          peak_to_average=float(rng.uniform(1, 3)), latency=lat[i % 3],
                          error_cost_usd=float(rng.uniform(0, 0.01)) * k)
                 for i in range(3)]
    apis = [api(f"p{i}/m", float(rng.uniform(0.2, 3)) * k, float(rng.uniform(1, 12)) * k,
                cached=float(rng.uniform(0.05, 0.2)) * k, quality=float(rng.uniform(70, 95)),
                batch_discount=0.5, fine_tuned_price={"input_usd_per_mtok": 0.3 * k,
                                                      "output_usd_per_mtok": 1.2 * k})
            for i in range(2)]
    if extra_api:
        apis.append(api("p9/cheap", 0.05 * k, 0.2 * k, quality=90))
    gpu = {"name": "g", "on_demand_usd_per_hour": float(rng.uniform(2, 4)) * k,
           "reserved_usd_per_hour": {"1y": float(rng.uniform(1.5, 2.5)) * k,
                                     "3y": float(rng.uniform(1, 1.5)) * k},
           "purchase": {"price_usd": float(rng.uniform(2e4, 3.5e4)) * k, "life_years": 4,
                        "power_kw": 1.0, "facility_usd_per_kw_month": 180 * k,
                        "electricity_usd_per_kwh": 0.1 * k, "pue": 1.4}}
    ft = {"name": "ft", "base": "p0/m", "workloads": ["w0", "w1"],
          "training_cost_usd": float(rng.uniform(1e3, 5e4)) * k, "retrain_every_periods": 4,
          "input_token_reduction": 0.3}
    return scenario(
        workloads=workloads, apis=apis, gpus=[gpu], fine_tunes=[ft],
        open_models=[model(gpus=int(rng.integers(1, 3)), quality=float(rng.uniform(70, 90)),
                           prefill=float(rng.uniform(5e3, 3e4)),
                           decode=float(rng.uniform(5e2, 3e3)))],
        staffing={"platform_engineers": 1, "cost_usd_per_year": 200_000 * k,
                  "gpus_per_engineer": 16},
        finance={"discount_rate": float(rng.uniform(0, 0.15))}, horizon={"periods": 8},
        solver={"mip_rel_gap": 1e-9})


def solve(s):
    return plan(s, resolve_plain(s))


@pytest.mark.parametrize("seed", SEEDS)
def test_cost_table_sums_to_objective(seed):
    sol = solve(random_scenario(seed))
    c = sol["costs"]
    assert (c.usd * c.discount_factor).sum() == pytest.approx(sol.result.objective, rel=1e-9)
    assert sol.npv_usd == pytest.approx(sol.result.objective, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_adding_an_option_never_raises_the_optimum(seed):
    base = solve(random_scenario(seed)).npv_usd
    more = solve(random_scenario(seed, extra_api=True)).npv_usd
    assert more <= base * (1 + 1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_scaling_every_price_scales_the_optimum(seed):
    one = solve(random_scenario(seed)).npv_usd
    three = solve(random_scenario(seed, k=3.0)).npv_usd
    assert three == pytest.approx(3 * one, rel=1e-6)
