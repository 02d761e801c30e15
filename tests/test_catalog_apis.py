"""Catalog API resolution that mutation testing found unchecked (issue 11,
benchmarks/RESULTS.md): a quote on a snapshot API whose snapshot sells a batch variant, and the
location of a fine-tune quote that cannot be completed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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


# Snapshot models stood in by plain objects with genai-prices' attribute names, so the rules
# of tco.catalog.apis are checked on figures chosen for the arithmetic.
def _prices(**mtok):
    from types import SimpleNamespace

    keys = ("input_mtok", "cache_read_mtok", "output_mtok", "cache_write_mtok")
    return SimpleNamespace(**{k: (Decimal(str(mtok[k])) if k in mtok else None) for k in keys})


def _dated(start):
    from types import SimpleNamespace

    return SimpleNamespace(start_date=start)


def test_dated_prices_and_batch_variants_apply_from_their_start_date():
    # Standard prices: $3 in until 2026-01-01, $2 from then; a batch variant ($1 in, $5 out)
    # from 2027-01-01 only. Before it starts there is no batch price at all.
    from types import SimpleNamespace

    from tco.catalog.apis import BATCH, _snapshot_tiers, batch_prices

    model = SimpleNamespace(
        prices=[SimpleNamespace(constraint=None, prices=_prices(input_mtok=3, output_mtok=15)),
                SimpleNamespace(constraint=_dated(date(2026, 1, 1)),
                                prices=_prices(input_mtok=2, output_mtok=10))],
        price_variants=[SimpleNamespace(when=BATCH, constraint=_dated(date(2027, 1, 1)),
                                        prices=_prices(input_mtok=1, output_mtok=5))])
    assert batch_prices(model, date(2026, 6, 1)) is None
    assert batch_prices(model, date(2027, 2, 1)) == {"input_mtok": Decimal("1"),
                                                     "output_mtok": Decimal("5")}
    (_, rt, bt), = _snapshot_tiers(model, date(2026, 6, 1))
    assert (rt.input, rt.output, bt) == (2.0, 10.0, None)
    (_, rt, bt), = _snapshot_tiers(model, date(2025, 6, 1))
    assert (rt.input, rt.output) == (3.0, 15.0)


def test_batch_variant_without_cache_prices_derives_them():
    # Standard: $3 in, $0.30 cached, $3.75 cache write, $15 out. The batch variant halves input
    # and output only: its cache write follows its input discount (3.75 x 1.5 / 3 = 1.875) and
    # its cached input is the standard $0.30, with a note saying so.
    from types import SimpleNamespace

    from tco.catalog.apis import BATCH, _snapshot_tiers

    model = SimpleNamespace(
        prices=_prices(input_mtok=3, cache_read_mtok=0.3, cache_write_mtok=3.75, output_mtok=15),
        price_variants=[SimpleNamespace(when=BATCH, constraint=None,
                                        prices=_prices(input_mtok=1.5, output_mtok=7.5))])
    (_, rt, bt), = _snapshot_tiers(model, date(2026, 6, 1))
    assert (bt.input, bt.output) == (1.5, 7.5)
    assert bt.write == pytest.approx(1.875)
    assert bt.cached == pytest.approx(0.3)
    assert any("standard cache price" in n for n in bt.notes)
    # A standard cached price above the batch input is capped at the batch input: $2 -> $1.50.
    model.prices = _prices(input_mtok=3, cache_read_mtok=2, output_mtok=15)
    (_, _, bt), = _snapshot_tiers(model, date(2026, 6, 1))
    assert bt.cached == pytest.approx(1.5)


def test_fine_tuned_row_takes_the_snapshot_models_prices():
    # A fine-tune priced as its snapshot model: $3 in, $0.30 cached, $15 out, all three from
    # the snapshot (not the catalog row's own figures).
    from types import SimpleNamespace

    from tco.catalog.apis import _fine_tuned_row

    snap = SimpleNamespace(id="m-ft", prices=_prices(input_mtok=3, cache_read_mtok=0.3,
                                                       output_mtok=15))
    provider = SimpleNamespace(id="p", models=[snap])
    row = {"snapshot_model": "m-ft", "input": 9.0, "cached_input": 0.9, "output": 99.0,
           "source": "a page", "date": "2026-01-01"}
    raw, source = _fine_tuned_row(row, provider, date(2026, 6, 1))
    assert (raw.input, raw.cached, raw.output) == (3.0, 0.3, 15.0)
    assert "p/m-ft" in source
