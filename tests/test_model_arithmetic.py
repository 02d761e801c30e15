"""Engine behaviour that mutation testing of tco/model found unchecked (issue 11,
benchmarks/RESULTS.md): the integer variables handed to the dual re-solve, budgets in a
re-solve at another demand scale, switching between open models on one GPU type, and the
grouped reasons of an unservable workload.

Shared numbers (engine_helpers): four quarters of 2190 hours, no discounting; 1e6 requests a
month is 3e6 a quarter of 1000 input and 100 output tokens: $8,400 a quarter at $2 / $8.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.errors import InfeasibleError
from tco.model import build_model
from tco.model.build import model_size
from tco.model.data import model_data_for
from tco.model.switching import destination
from tco.pipeline import plan


def test_every_integer_variable_is_listed_for_the_dual_resolve():
    # Built.integer_vars() is what the dual re-solve fixes (and the robust plan's blocks
    # list): every integer or binary variable of every family must be in it, none twice.
    gpu = {"name": "g", "on_demand_usd_per_hour": 2.0, "reserved_usd_per_hour": {"1y": 1.5},
           "purchase": {"price_usd": 20_000, "life_years": 4}}
    ft = {"name": "ft", "base": "a/x", "workloads": ["w"], "training_cost_usd": 1_000}
    units = {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1h",
             "usd_per_unit_term": 0.04, "min_units": 1, "unit_step": 1,
             "input_tokens_per_minute_per_unit": 1_000}
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
            "discount": 0.2, "tiers": [{"above_usd_per_month": 2_000, "discount": 0.3}]}
    w = workload(migration_cost_usd=1_000, response_cache={"hit_rate": 0.3},
                 prompt_variants=[{"name": "short", "input_tokens": 500}])
    s = scenario(workloads=[w],
                 apis=[api("a/x", 2.0, 8.0, fine_tuned_price={"input_usd_per_mtok": 1.0,
                                                              "output_usd_per_mtok": 4.0}),
                       api("b/y", 1.0, 4.0)],
                 fine_tunes=[ft], gpus=[gpu], open_models=[model()], tariffs=[units, deal],
                 capacity={"min_replicas": 2},
                 constraints={"min_share_when_used": 0.2},
                 api_operations={"usd_per_provider_per_year": 1_000})
    b = build_model(model_data_for(s, resolve_plain(s), None), sprawl_scope=None)
    for family in ("rep", "z", "buy", "commit", "od", "tuned", "variant", "cache", "dest_on",
                   "sprawl", "api_ops"):
        assert getattr(b, family), family
    assert b.tariff_ints
    ints = [v for v in b.model.component_data_objects(pyo.Var) if not v.is_continuous()]
    listed = b.integer_vars()
    assert len({id(v) for v in listed}) == len(listed)
    assert {id(v) for v in listed} == {id(v) for v in ints}
    assert model_size(b)["integers"] == len(ints)


def test_a_budget_binds_at_the_scale_a_resolve_asks_for():
    # $10,000 a quarter: today's 8,400 fits (4 x 8,400 = $33,600); at 1.1x, 9,240 a quarter
    # still fits ($36,960); at twice the demand 16,800 does not and no plan exists. The
    # re-solve scales the budget rows' API spend with the demand, as a rebuild would.
    from tco.analysis import npv_at

    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 constraints={"budget_usd_per_period": 10_000})
    r = resolve_plain(s)
    assert npv_at(s, r, None, 1.0) == pytest.approx(33_600)
    assert npv_at(s, r, None, 1.1) == pytest.approx(36_960)
    assert npv_at(s, r, None, 2.0) is None


def test_each_open_model_on_a_gpu_type_is_its_own_destination():
    # Moving a workload from one open model to another on the same GPU type is a migration
    # (new weights, new evaluation), as moving between APIs is.
    row = {"api": None, "model": "m1", "gpu": "g", "fine_tune": None}
    assert destination(row) == ("m1", "g", "")
    assert destination({**row, "model": "m2"}) != destination(row)
    assert destination({**row, "api": "a/x", "model": None, "gpu": None}) == ("a/x", "", "")


def test_unservable_reasons_are_grouped_with_the_best_figure_and_a_remedy():
    # Three APIs score 70, 80 and 78 against a minimum of 85: one line for the three with the
    # best score, and the fix a person can make.
    apis = [api("a/x", 2.0, 8.0, quality=70), api("b/y", 1.0, 4.0, quality=80),
            api("c/z", 1.0, 4.0, quality=78)]
    s = scenario(workloads=[workload(min_quality=85)], apis=apis)
    with pytest.raises(InfeasibleError) as e:
        plan(s, resolve_plain(s))
    text = str(e.value)
    assert "3 candidates: score below the minimum 85" in text
    assert "(best 80)" in text
    assert "lower min_quality or add a better-scoring model" in text
