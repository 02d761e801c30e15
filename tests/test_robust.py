"""The robust plan: a two-stage case solved by hand, and VSS >= 0 on generated cases."""

from __future__ import annotations

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco.pipeline import plan
from tco.uncertainty.evaluate import first_stage_of
from tco.uncertainty.robust import robust_plan

# One GPU type, bought only (no rental), life 1 year = the 4-quarter horizon (no residual),
# utilisation 100%: a request takes 1000/1e4 + 100/1e3 = 0.2 replica-seconds, so one GPU serves
# 2190 h x 3600 / 0.2 = 39,420,000 requests a quarter = 13,140,000 a month ("one GPU-worth").
# The API costs 1000 x $2 + 100 x $8 per 1M requests = $0.0028 a request, so a GPU-worth of
# demand costs A = $110,376 a quarter on the API. A GPU costs P = $150,000 (P/4 = $37,500 a
# quarter, whenever bought: straight-line book value is credited at the end).
#
# Volume is 2 GPU-worths as written, times 0.5 or 1.5 with probability 1/2: 1 or 3 GPU-worths.
# Owning the k-th GPU in a quarter saves A when both draws use it (k = 1) and A/2 when only
# the high draw does (k = 2, 3); both beat P/4, so the robust plan owns 3 GPUs.
#   expected NPV(n GPUs) = P n + 4A/2 (max(0, 1 - n) + max(0, 3 - n))
#   n = 2 (the forecast's plan): 300,000 + 220,752 = 520,752;  n = 3: 450,000
#   VSS = 520,752 - 450,000 = 70,752
#   wait and see: low 1 GPU (150,000), high 3 GPUs (450,000): 300,000; EVPI = 150,000
RPM = 2 * 13_140_000


def _case(weight: float = 0.0):
    s = scenario(
        workloads=[workload(rpm=RPM)], apis=[api("a/x", 2.0, 8.0)], open_models=[model()],
        gpus=[{"name": "g", "purchase": {"price_usd": 150_000, "life_years": 1}}],
        capacity={"utilization_target": 1.0},
        uncertainty={"robust_draws": 4, "risk": {"weight": weight},
                     "inputs": [{"driver": "volume", "dist": "discrete", "values": [0.5, 1.5],
                                 "probabilities": [0.5, 0.5]}]})
    return s, resolve_plain(s)


def owned(rows: list[dict], T: int = 4) -> list[int]:
    """GPUs owned per quarter (every purchase lives to the horizon's end)."""
    return [sum(r["bought"] for r in rows if r["t"] <= t) for t in range(T)]


def test_two_equally_likely_volumes_by_hand():
    s, r = _case()
    det = plan(s, r)
    assert det.npv_usd == pytest.approx(300_000)            # 2 GPUs for 2 GPU-worths
    out = robust_plan(s, r, first_stage_of(det), jobs=1)
    assert out["enumerated"] and out["draws"] == 2
    assert owned(out["first_stage"]["deterministic"]["gpus"]) == [2, 2, 2, 2]
    assert owned(out["first_stage"]["robust"]["gpus"]) == [3, 3, 3, 3]
    assert out["expected_npv_usd"] == pytest.approx(450_000)
    assert out["deterministic_expected_npv_usd"] == pytest.approx(520_752)
    assert out["vss_usd"] == pytest.approx(70_752)
    assert out["wait_and_see_npv_usd"] == pytest.approx(300_000)
    assert out["evpi_usd"] == pytest.approx(150_000)
    assert out["solver"]["objective"] == pytest.approx(450_000)
    # every evaluation states its gap, and the result says what the VSS and EVPI hold to
    assert all(d[f"{k}_gap"] is not None and d[f"{k}_gap"] <= s.solver.mip_rel_gap
               for d in out["per_draw"] for k in ("robust", "deterministic", "wait_and_see"))
    assert out["evaluation_note"].startswith("Each draw's evaluation is proven within the "
                                             "0.01% relative MIP gap")
    assert "time limit" not in out["evaluation_note"]


def test_the_evaluation_note_counts_the_solves_stopped_at_their_limit():
    from tco.uncertainty.robust import evaluation_note

    rows = [{"robust_gap": 0.0, "robust_status": "ok", "deterministic_gap": 0.02,
             "deterministic_status": "time_limit", "wait_and_see_gap": 1e-5,
             "wait_and_see_status": "ok"}]
    note = evaluation_note({"per_draw": rows}, 1e-4)
    assert "within 2.00%" in note and "1 of 3 stopped at their time limit" in note


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(price=st.integers(20_000, 500_000), low=st.sampled_from([0.25, 0.5, 0.8]),
       high=st.sampled_from([1.2, 1.5, 2.5]), p_low=st.sampled_from([0.2, 0.5, 0.7]))
def test_the_robust_plan_never_costs_more_than_the_forecasts_on_average(price, low, high,
                                                                         p_low):
    s, r = _case()
    unc = s.uncertainty.model_copy(update={"inputs": [s.uncertainty.inputs[0].model_copy(
        update={"values": [low, high], "probabilities": [p_low, 1 - p_low]})]})
    gpu = s.gpus[0].model_copy(update={"purchase": s.gpus[0].purchase.model_copy(
        update={"price_usd": float(price)})})
    s = s.model_copy(update={"uncertainty": unc, "gpus": [gpu],
                             "solver": s.solver.model_copy(update={"mip_rel_gap": 0.0})})
    r = resolve_plain(s)
    out = robust_plan(s, r, first_stage_of(plan(s, r)), jobs=1)
    assert out["vss_usd"] >= -1e-6 * out["expected_npv_usd"]
    assert out["evpi_usd"] >= -1e-6 * out["expected_npv_usd"]


def test_cvar_weight_buys_for_the_bad_draw():
    # Weight 1 minimises CVaR90 alone: with two draws at 1/2 the dearest 10% is the high draw,
    # whose cost is lowest with 3 GPUs (450,000; with 2 GPUs 300,000 + 4A = 741,504).
    s, r = _case(weight=1.0)
    out = robust_plan(s, r, first_stage_of(plan(s, r)), jobs=1)
    assert owned(out["first_stage"]["robust"]["gpus"]) == [3, 3, 3, 3]
    assert out["cvar_usd"] == pytest.approx(450_000)
    assert out["deterministic_cvar_usd"] == pytest.approx(300_000 + 4 * 110_376)


def test_a_price_plan_is_signed_here_and_now():
    # The deal: $500 a month ($1,500 a quarter) for 20% off; 1e6 requests a month at $2 / $8
    # list $8,400 a quarter, times 0.5 or 1.5 with probability 1/2. Signed, a quarter costs
    # 1,500 + 0.8 x 4,200 = 4,860 (low) or 1,500 + 0.8 x 12,600 = 11,580 (high): 8,220 on
    # average against 8,400 unsigned, so the robust plan signs every quarter for both draws:
    # 4 x 8,220 = $32,880, as the forecast's plan (VSS 0). Deciding per draw (wait and see)
    # skips it in the low one: 4 x (4,200 + 11,580) / 2 = $31,560, EVPI $1,320.
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[{"name": "deal", "kind": "two_part", "provider": "a",
                           "fee_usd_per_month": 500, "discount": 0.2}],
                 uncertainty={"robust_draws": 4, "inputs": [
                     {"driver": "volume", "dist": "discrete", "values": [0.5, 1.5],
                      "probabilities": [0.5, 0.5]}]})
    r = resolve_plain(s)
    det = plan(s, r)
    assert first_stage_of(det).tariffs == {("deal", t): 1 for t in range(4)}
    out = robust_plan(s, r, first_stage_of(det), jobs=1)
    signed = out["first_stage"]["robust"]["tariffs_signed"]
    assert [(x["tariff"], x["t"]) for x in signed] == [("deal", t) for t in range(4)]
    assert out["expected_npv_usd"] == pytest.approx(32_880)
    assert out["deterministic_expected_npv_usd"] == pytest.approx(32_880)
    assert out["wait_and_see_npv_usd"] == pytest.approx(31_560)
    assert out["evpi_usd"] == pytest.approx(1_320)


def test_robust_evaluation_on_a_dask_cluster_equals_inline():
    # the evaluation's context carries each draw's model data to the workers
    from distributed import LocalCluster

    s, r = _case()
    det = first_stage_of(plan(s, r))
    inline = robust_plan(s, r, det, jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        dask = robust_plan(s, r, det, scheduler=cluster)
    assert dask["per_draw"] == inline["per_draw"]
    assert dask["vss_usd"] == pytest.approx(70_752)
