"""The uncertainty section: distributions, draws, their effect on a scenario, validation."""

from __future__ import annotations

import math
import subprocess
import sys
from statistics import NormalDist

import numpy as np
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.scenario.schema import Distribution
from tco.uncertainty.distributions import quantile
from tco.uncertainty.draws import apply, draw_values, sources


def D(**kw) -> Distribution:
    return Distribution.model_validate(kw)


def test_quantiles_closed_forms():
    u = np.array([0.1, 0.5, 0.9])
    assert quantile(D(dist="uniform", low=2, high=4), u) == pytest.approx([2.2, 3.0, 3.8])
    # triangular(0, 1, 4): F(1) = 1/4; P10 = sqrt(0.1 x 4 x 1) = 0.632; P90 = 4 - sqrt(0.1 x 4 x 3)
    tri = quantile(D(dist="triangular", low=0, mode=1, high=4), u)
    assert tri[0] == pytest.approx(math.sqrt(0.4))
    assert tri[2] == pytest.approx(4 - math.sqrt(1.2))
    z = NormalDist().inv_cdf(0.9)
    assert quantile(D(dist="normal", mean=1, sd=0.2), u) == pytest.approx(
        [1 - 0.2 * z, 1, 1 + 0.2 * z])
    assert quantile(D(dist="lognormal", median=2, sigma=0.5), u) == pytest.approx(
        [2 * math.exp(-0.5 * z), 2, 2 * math.exp(0.5 * z)])
    # discrete, written unsorted: P(0.5) = 0.3, P(1) = 0.5, P(2) = 0.2
    d = D(dist="discrete", values=[2, 0.5, 1], probabilities=[0.2, 0.3, 0.5])
    assert list(quantile(d, np.array([0.1, 0.29, 0.31, 0.79, 0.81]))) == [0.5, 0.5, 1, 1, 2]


def test_truncated_normal_stays_in_range_and_keeps_its_median():
    # normal(1, 1) truncated to [0.5, 1.5] is symmetric about 1: median 1, all values inside
    d = D(dist="normal", mean=1, sd=1, low=0.5, high=1.5)
    x = quantile(d, np.linspace(0.001, 0.999, 101))
    assert x.min() >= 0.5 and x.max() <= 1.5
    assert quantile(d, [0.5])[0] == pytest.approx(1.0)
    # the driver's valid range truncates too: a volume factor is never negative
    assert quantile(D(dist="normal", mean=0, sd=1), [0.01], (0.0, math.inf))[0] >= 0


UNC = {"seed": 3, "factors": {"market": {"dist": "uniform", "low": 0.5, "high": 1.5}},
       "inputs": [{"driver": "volume", "factor": "market"},
                  {"driver": "growth", "of": "w", "dist": "uniform", "low": 0.1, "high": 0.3},
                  {"driver": "gpu_price", "dist": "uniform", "low": 2, "high": 3},
                  {"driver": "api_price", "of": "a", "dist": "uniform", "low": 0.5,
                   "high": 0.6},
                  {"driver": "throughput", "of": "m", "dist": "uniform", "low": 2,
                   "high": 2.5},
                  {"driver": "quality", "of": "m", "dist": "uniform", "low": -5, "high": -4}]}


def _case():
    s = scenario(workloads=[workload("w", growth_per_year=0.5), workload("v", rpm=2e6)],
                 apis=[api("a/x", 2.0, 8.0)], open_models=[model("m", quality=90)],
                 gpus=[{"name": "g", "on_demand_usd_per_hour": 2.0}], uncertainty=UNC)
    return s, resolve_plain(s)


def test_draws_are_reproducible_and_independent_of_n():
    s, _ = _case()
    srcs = sources(s)
    assert [x.name for x in srcs] == ["market", "growth[w]", "gpu_price", "api_price[a]",
                                      "throughput[m]", "quality[m]"]
    a = draw_values(srcs, 3, 5)
    assert np.array_equal(a, draw_values(srcs, 3, 5))
    assert not np.array_equal(a, draw_values(srcs, 4, 5))
    assert not np.array_equal(a, draw_values(srcs, 3, 6))


def test_a_draw_transforms_the_scenario_and_catalog_and_nothing_else():
    s, r = _case()
    srcs = sources(s)
    s2, r2 = apply(s, r, srcs, [0.8, 0.2, 2.5, 0.5, 2.0, -4.0])
    w, v = s2.workloads
    assert w.requests_per_month == pytest.approx(0.8e6)      # the market factor, every workload
    assert v.requests_per_month == pytest.approx(1.6e6)
    assert w.growth_per_year == pytest.approx(0.7)           # 0.5 + 0.2, only w
    assert v.growth_per_year == 0.0
    assert r2.gpus[0].on_demand_usd_per_hour == pytest.approx(5.0)
    assert r2.apis[0].tiers[0].realtime.input == pytest.approx(1.0)
    assert r2.apis[0].tiers[0].realtime.output == pytest.approx(4.0)
    sv = r2.models[0].serving["g"]
    assert sv.interactive.prefill_tokens_per_s == pytest.approx(2e4)
    assert r2.models[0].quality == {"chat": 86.0}
    # the originals are untouched; neutral values give back the scenario as written
    assert s.workloads[0].requests_per_month == 1e6
    s3, r3 = apply(s, r, srcs, [x.neutral for x in srcs])
    assert s3 == s and r3 == r


def test_bad_uncertainty_sections_are_located(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("""name: t
workloads:
  - {name: chat, task: chat, requests_per_month: 1000, input_tokens: 100, output_tokens: 10}
apis:
  - {id: openai/gpt-4.1, quality: {chat: 80}}
uncertainty:
  factors:
    spare: {dist: uniform, low: 0, high: 1}
  inputs:
    - driver: volume
      of: chatt
      dist: uniform
      low: -1
      high: 2
    - driver: tokens
      dist: triangular
      low: 1
      high: 2
""")
    r = subprocess.run([sys.executable, "-m", "tco", "validate", str(f)], capture_output=True,
                       text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    # pydantic's problem first (the other checks need a well-formed section)
    assert f"{f}:15: uncertainty.inputs[1]: a triangular distribution needs mode" in r.stderr
    f.write_text(f.read_text().replace("low: 1\n      high: 2", "low: 1\n      mode: 1\n"
                                       "      high: 2"))
    r = subprocess.run([sys.executable, "-m", "tco", "validate", str(f)], capture_output=True,
                       text=True)
    assert r.returncode == 2
    assert f"{f}:11: uncertainty.inputs[0].of: 'chatt' is not something volume applies to;" \
           " did you mean 'chat'?" in r.stderr
    assert f"{f}:10: uncertainty.inputs[0]: values from -1 to 2 are not all valid for volume" \
        in r.stderr
    assert f"{f}:8: uncertainty.factors.spare: factor 'spare' is used by no input" in r.stderr
