"""Sensitivity: the tornado of a case worked by hand."""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan
from tco.uncertainty.evaluate import first_stage_of
from tco.uncertainty.sensitivity import sensitivity

# One API-only workload at $33,600 NPV (3e6 requests a quarter x $2,800 per 1M requests,
# 4 quarters, no discounting), and no staff or GPUs in the plan.
UNC = {"inputs": [
    {"driver": "salary", "dist": "uniform", "low": 0.9, "high": 1.2},
    {"driver": "volume", "dist": "uniform", "low": 0.5, "high": 1.5},
    {"driver": "api_price_trend", "dist": "discrete", "values": [-0.5, 0.0],
     "probabilities": [0.5, 0.5]}]}


def test_tornado_by_hand():
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)], uncertainty=UNC)
    r = resolve_plain(s)
    fs = first_stage_of(plan(s, r))
    t = sensitivity(s, r, fs, jobs=1)
    assert t["base_fixed_usd"] == pytest.approx(33_600)
    bars = {b["source"]: b for b in t["bars"]}
    # volume at P10 = 0.6 and P90 = 1.4: 33,600 x 0.6 = 20,160 and x 1.4 = 47,040
    v = bars["volume"]
    assert (v["low"], v["high"]) == pytest.approx((0.6, 1.4))
    assert v["fixed_low_usd"] == pytest.approx(20_160)
    assert v["fixed_high_usd"] == pytest.approx(47_040)
    assert v["swing_fixed_usd"] == pytest.approx(26_880)
    # price trend -50% a year: quarter t costs 8,400 x 0.5^(t/4); 0 leaves it as written
    p = bars["api_price_trend"]
    cheaper = sum(8_400 * 0.5 ** (q / 4) for q in range(4))
    assert p["fixed_low_usd"] == pytest.approx(cheaper)
    assert p["swing_fixed_usd"] == pytest.approx(33_600 - cheaper)
    # nobody is employed: the salary moves nothing
    assert bars["salary"]["swing_fixed_usd"] == pytest.approx(0.0)
    assert [b["source"] for b in t["bars"]] == ["volume", "api_price_trend", "salary"]
    # re-optimising can only help: never dearer than the plan held fixed
    for b in t["bars"]:
        assert b["reoptimised_low_usd"] <= b["fixed_low_usd"] + 1e-6
    # --bounds: the uniform's own bounds
    tb = sensitivity(s, r, fs, jobs=1, bounds=True)
    vb = next(b for b in tb["bars"] if b["source"] == "volume")
    assert (vb["low"], vb["high"], vb["range"]) == (0.5, 1.5, "bounds")
    assert vb["fixed_high_usd"] == pytest.approx(1.5 * 33_600)
