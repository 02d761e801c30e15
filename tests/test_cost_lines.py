"""The cost lines a TCO must carry: GPU support and maintenance, software licences,
networking and storage (tco.model.gpu_overheads) and the API path's own engineering and
operations (tco.model.api_operations). No discounting; 4 quarters.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.pipeline import plan


def cost(sol, category):
    c = sol["costs"]
    return list(c[c.category == category].sort_values("t").usd)


def _gpu(gpu):
    # One GPU needed every quarter (tests/test_lead_times.py's numbers).
    s = scenario(workloads=[workload(rpm=1e7, latency="batch", residency="self_hosted")],
                 gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0})
    return plan(s, resolve_plain(s))


LINES = {"support_share_per_year": 0.10, "software_usd_per_gpu_year": 400,
         "network_storage_usd_per_gpu_year": 960}


def test_owned_gpu_pays_support_licences_networking_and_storage():
    # A $10,000 GPU bought in 2027Q1 (2-year life, credited 5,000 at the end): support 10% a
    # year = 250 a quarter, licences 400 / 4 = 100, networking and storage 960 / 4 = 240.
    # NPV 5,000 + 4 x 590 = 7,360.
    sol = _gpu({"name": "g", "purchase": {"price_usd": 10_000, "life_years": 2}, **LINES})
    assert cost(sol, "gpu_support") == pytest.approx([250] * 4)
    assert cost(sol, "gpu_software") == pytest.approx([100] * 4)
    assert cost(sol, "gpu_network_storage") == pytest.approx([240] * 4)
    assert sol.npv_usd == pytest.approx(7_360)


def test_rented_gpu_pays_licences_networking_and_storage_but_no_support():
    # On demand $3/h (6,570 a quarter): licences and storage 340 a quarter, no hardware to
    # support. NPV 4 x 6,910 = 27,640.
    sol = _gpu({"name": "g", "on_demand_usd_per_hour": 3.0, **LINES})
    assert cost(sol, "gpu_support") == [0] * 4
    assert cost(sol, "gpu_software") == pytest.approx([100] * 4)
    assert sol.npv_usd == pytest.approx(4 * 6_910)


def _api_or_gpu(**ops):
    # 1e6 requests a month of batch work: the API a/x costs 3e6 x (1000 x $1 + 100 x $4) / 1e6
    # = 4,200 a quarter; one on-demand GPU at $2/h 4,380 (staff free).
    s = scenario(workloads=[workload(latency="batch")], apis=[api("a/x", 1.0, 4.0)],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}], open_models=[model()],
                 capacity={"utilization_target": 1.0}, api_operations=ops)
    return plan(s, resolve_plain(s))


def test_api_path_pays_its_fixed_costs_and_can_lose_to_self_hosting():
    # Without fixed API costs the API wins (4,200 < 4,380 a quarter).
    sol = _api_or_gpu()
    assert set(sol["allocation"].kind) == {"api"}
    assert sol.npv_usd == pytest.approx(4 * 4_200)
    # $1,000 a year per provider and $1,000 per workload: 4,200 + 250 + 250 = 4,700 a quarter
    # on the API against 4,380 self-hosted: the plan self-hosts.
    sol = _api_or_gpu(usd_per_provider_per_year=1_000, usd_per_workload_per_year=1_000)
    assert set(sol["allocation"].kind) == {"self_hosted"}
    assert sol.npv_usd == pytest.approx(4 * 4_380)
    assert cost(sol, "api_operations") == [0] * 4
    # $200 a year each: 4,300 a quarter, still the API, paying 100 a quarter of fixed costs.
    sol = _api_or_gpu(usd_per_provider_per_year=200, usd_per_workload_per_year=200)
    assert set(sol["allocation"].kind) == {"api"}
    assert cost(sol, "api_operations") == pytest.approx([100] * 4)
    ops = sol["api_operations"]
    assert set(zip(ops.kind, ops.name)) == {("provider", "a"), ("workload", "w")}
    assert ops.in_use.tolist() == [1] * 8


def test_one_provider_fee_for_two_workloads():
    # Two identical workloads on provider a: the provider's fee once (1,000 a quarter), each
    # workload's (500 a quarter) twice: 2,000 a quarter of fixed costs. (Merged into one
    # workload before the solve, tco.aggregate, they would pay the workload fee once: a fee
    # per workload keeps them apart.)
    s = scenario(workloads=[workload("w1"), workload("w2")], apis=[api("a/x", 1.0, 4.0)],
                 api_operations={"usd_per_provider_per_year": 4_000,
                                 "usd_per_workload_per_year": 2_000})
    sol = plan(s, resolve_plain(s))
    assert cost(sol, "api_operations") == pytest.approx([2_000] * 4)
    assert sol.npv_usd == pytest.approx(4 * (2 * 4_200 + 2_000))


def test_defaults_come_from_the_catalog_marked_as_assumptions():
    from tco.catalog import resolve
    from tco.scenario.schema import Scenario

    s = Scenario.model_validate({
        "name": "defaults", "workloads": [workload()], "gpus": [{"name": "h100-80gb"}]})
    r = resolve(s)
    g = r.gpus[0]
    assert g.support_share_per_year == 0.10
    assert g.software_usd_per_gpu_year == 0
    assert g.network_storage_usd_per_gpu_year == 960
    for f in ("support_share_per_year", "software_usd_per_gpu_year",
              "network_storage_usd_per_gpu_year"):
        assert "assumption" in g.sources[f].lower(), f
    # Per workload 0 by default (an assumption: inside the provider's figure), which keeps
    # identical workloads merged before the solve (tco.aggregate).
    assert r.api_operations == (25_000, 0)
    assert all("assumption" in v.lower() for v in r.api_operations_sources.values())
    # Overridable in the scenario.
    s = Scenario.model_validate({
        "name": "given", "workloads": [workload()],
        "gpus": [{"name": "h100-80gb", "software_usd_per_gpu_year": 4500}],
        "api_operations": {"usd_per_provider_per_year": 0}})
    r = resolve(s)
    assert r.gpus[0].software_usd_per_gpu_year == 4500
    assert r.gpus[0].sources["software_usd_per_gpu_year"] == "scenario"
    assert r.api_operations == (0, 0)


def test_a_provider_fee_alone_keeps_identical_workloads_merged():
    # Provider fee only: merging is exact (the provider is in use when either workload uses
    # it). 2 x 4,200 + 1,000 a quarter.
    s = scenario(workloads=[workload("w1"), workload("w2")], apis=[api("a/x", 1.0, 4.0)],
                 api_operations={"usd_per_provider_per_year": 4_000,
                                 "usd_per_workload_per_year": 0})
    sol = plan(s, resolve_plain(s))
    assert sol.meta.get("workloads_merged") == 1
    assert cost(sol, "api_operations") == pytest.approx([1_000] * 4)
    assert sol.npv_usd == pytest.approx(4 * (2 * 4_200 + 1_000))
