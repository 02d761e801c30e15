"""Replanner: re-solving at another demand scale in the live HiGHS model equals a fresh plan."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from portfolio import portfolio  # noqa: E402

from tco.model.resolve import Replanner  # noqa: E402
from tco.pipeline import plan  # noqa: E402
from tco.scenario.schema import Scenario  # noqa: E402


def scaled(s: Scenario, k: float) -> Scenario:
    """The scenario with every workload's requests times k."""
    d = s.model_dump(by_alias=True, exclude_none=True)
    for w in d["workloads"]:
        rpm = w["requests_per_month"]
        w["requests_per_month"] = [r * k for r in rpm] if isinstance(rpm, list) else rpm * k
    return Scenario.model_validate(d)


def test_npv_at_equals_a_rebuilt_plan():
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    for k in (1.0, 2.5, 0.3, 1.0):
        assert rp.npv_at(k) == pytest.approx(plan(scaled(s, k), r).npv_usd, rel=1e-6), k
