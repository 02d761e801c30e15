"""Catalog API resolution that mutation testing found unchecked (issue 11,
benchmarks/RESULTS.md): a quote on a snapshot API whose snapshot sells a batch variant, and the
location of a fine-tune quote that cannot be completed."""

from __future__ import annotations

import pytest

from tco.catalog.apis import resolve_api, snapshot_date
from tco.scenario.schema import Api


def test_quote_on_a_snapshot_api_keeps_its_batch_variants_discount():
    # The pinned snapshot lists anthropic/claude-fable-5 at $10 input and sells a batch
    # variant at $5 input, $0.50 cached reads, $25 output: unquoted, batch is that variant.
    resolved, _ = resolve_api(Api(id="anthropic/claude-fable-5"), 0, snapshot_date())
    b = resolved.tiers[0].batch
    assert (b.input, b.cached_input, b.output) == pytest.approx((5.0, 0.5, 25.0))
    # Quoted at $8 / $40, batch is the quote at the variant's 50% off: $4 / $20.
    api = Api(id="anthropic/claude-fable-5",
              price={"input_usd_per_mtok": 8.0, "output_usd_per_mtok": 40.0})
    resolved, problems = resolve_api(api, 0, snapshot_date())
    assert not problems
    tier = resolved.tiers[0]
    assert (tier.realtime.input, tier.realtime.output) == (8.0, 40.0)
    assert tier.batch.input == pytest.approx(4.0)
    assert tier.batch.output == pytest.approx(20.0)


def test_an_incomplete_fine_tune_quote_is_located():
    # The snapshot's claude-fable-5 sells no fine-tuning: a fine_tuned_price needs both input
    # and output, and the problem names apis[2].fine_tuned_price.
    api = Api(id="anthropic/claude-fable-5", fine_tuned_price={"input_usd_per_mtok": 1.0})
    _, problems = resolve_api(api, 2, snapshot_date())
    assert [p.path for p in problems] == [("apis", 2, "fine_tuned_price")]
    assert "sells no fine-tuning" in problems[0].message


def test_resolve_carries_the_scenarios_tariffs_and_api_operations():
    # tco.catalog.resolve hands the engine the scenario's tariffs and API operations costs
    # (the latter marked "scenario" where given), not only its APIs, GPUs and models.
    from tco.catalog import resolve
    from tco.scenario.schema import Scenario

    s = Scenario.model_validate({
        "name": "t", "workloads": [{"name": "w", "task": "chat", "requests_per_month": 1e6,
                                    "input_tokens": 1000, "output_tokens": 100}],
        "apis": [{"id": "anthropic/claude-fable-5", "quality": {"chat": 80}}],
        "tariffs": [{"name": "deal", "kind": "two_part", "provider": "anthropic",
                     "fee_usd_per_month": 500, "discount": 0.2, "source": "test quote"}],
        "api_operations": {"usd_per_provider_per_year": 1_000,
                           "usd_per_workload_per_year": 200}})
    r = resolve(s)
    assert [(k.name, k.discount, k.fee_usd_per_month) for k in r.tariffs] == [("deal", 0.2, 500)]
    assert r.api_operations == (1_000, 200)
    assert set(r.api_operations_sources.values()) == {"scenario"}
