"""The saving both reports claim: against the best single-mode strategy, computed once."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from tco.report.headline import saving_vs_best_single
from tco.report.limits import describe_limits
from tco.scenario.schema import Constraints, Scenario


def _run(rows: list[tuple[str, str, float | None]], plan_npv: float):
    df = pd.DataFrame(rows, columns=["strategy", "status", "npv_usd"])
    return SimpleNamespace(strategies=df, solution=SimpleNamespace(npv_usd=plan_npv))


def test_saving_is_against_the_cheapest_feasible_single_mode_strategy():
    # The case: batch and caching deliver most of what hybrid saves against api_only.
    # api_only 5,200,000; api_batch_cache 4,195,000 (batch + cache); self_host_only
    # infeasible (cheaper, but no NPV counts); hybrid 4,180,000.
    # Saving = 4,195,000 - 4,180,000 = 15,000, 15,000 / 4,195,000 = 0.3576%.
    run = _run([("api_only", "ok", 5_200_000.0), ("api_batch_cache", "ok", 4_195_000.0),
                ("self_host_only", "infeasible", 1.0), ("hybrid", "ok", 4_180_000.0)],
               4_180_000.0)
    s = saving_vs_best_single(run)
    assert s.against == "api_batch_cache"
    assert s.usd == 15_000.0
    assert abs(s.share - 15_000 / 4_195_000) < 1e-15


def test_no_claim_without_a_feasible_single_mode_strategy():
    run = _run([("api_only", "infeasible", None), ("hybrid", "ok", 10.0)], 10.0)
    assert saving_vs_best_single(run) is None
    assert saving_vs_best_single(SimpleNamespace(strategies=None)) is None


def test_provider_cap_is_described_as_the_model_applies_it():
    s = Scenario.model_validate({
        "name": "x", "workloads": [{"name": "w", "task": "chat", "requests_per_month": 1,
                                    "input_tokens": 1, "output_tokens": 1}],
        "constraints": Constraints(max_share_per_provider=0.6).model_dump()})
    text = dict(describe_limits(s))["Provider cap"]
    # tco.model.policy: per period, a provider's tokens over all tokens (all workloads).
    assert "60%" in text and "every period" in text and "all workloads together" in text
    assert "not a cap per workload" in text
