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


def test_bracketed_resolve_is_a_feasible_plan_within_the_gap(monkeypatch):
    # PATIENCE_S ~ 0: HiGHS gets no time alone, so every re-solve goes through the bracket
    # (LP bound, rounded plan, HiGHS with the bracket in its stop rule). The NPV returned must
    # be a plan's (never below the optimum) and within the target gap of the optimum.
    import tco.model.resolve as resolve

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-4)
    exact = {k: plan(scaled(s, k).model_copy(update={"solver": s.solver.model_copy(
        update={"mip_rel_gap": 1e-9})}), r).npv_usd for k in (1.0, 3.0)}
    rp = Replanner.for_scenario(s, r)
    for k, best in exact.items():
        npv = rp.npv_at(k)
        assert best * (1 - 1e-9) <= npv <= best * (1 + 1.0001e-4), k
        assert rp.last_gap <= 1e-4 and npv * (1 - rp.last_gap) <= best * (1 + 1e-9), k


def test_a_resolve_compared_against_a_far_value_stops_once_decided(monkeypatch):
    # Compared with a value 10x the optimum, the bracket decides "cheaper" at once: the solve
    # may stop before the gap, but its bounds must still contain the optimum.
    import tco.model.resolve as resolve
    from tco.model.bracket import Against

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-9)
    best = plan(scaled(s, 2.0), r).npv_usd
    rp = Replanner.for_scenario(s, r)
    npv = rp.npv_at(2.0, against=Against(10 * best, 0.0))
    assert npv >= best * (1 - 1e-9) and npv * (1 - rp.last_gap) <= best * (1 + 1e-9)
    assert npv < 10 * best


def test_a_bracket_whose_plans_all_break_the_sprawl_rule_falls_back_to_the_full_model(
        monkeypatch):
    # Were every plan found (HiGHS's and the rounded one) to split a workload against the
    # vendor-sprawl rule, none would be an upper bound: the NPV must then come from the model
    # built with the rule's rows (tco.model.lazy), i.e. equal the plan's.
    import tco.model.resolve as resolve

    monkeypatch.setattr(resolve, "PATIENCE_S", 1e-3)
    monkeypatch.setattr(resolve.Replanner, "_keeps_sprawl_rule", lambda self, cols=None: False)
    s, r = portfolio(10, seed=2, catalog="plain", mip_rel_gap=1e-6)
    rp = Replanner.for_scenario(s, r)
    assert rp.npv_at(2.5) == pytest.approx(plan(scaled(s, 2.5), r).npv_usd, rel=1e-5)
