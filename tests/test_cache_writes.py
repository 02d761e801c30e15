"""Prompt-cache writes: one request in `cache_reuse` writes the cached prefix and pays the
cache-write price; a self-hosted replica prefills it. Numbers from engine_helpers: 3e6 requests
a quarter, 1000 input and 100 output tokens each, four quarters, no discounting."""

from __future__ import annotations

from datetime import date

import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload

from tco.catalog.apis import resolve_api
from tco.pipeline import plan
from tco.scenario.schema import Api


def _cost(sol, category):
    c = sol["costs"]
    return float(c[c.category == category].usd.sum())


def test_cache_writes_priced():
    # 600 of 1000 input tokens are the cached prefix, reused by 10 requests per write (w = 0.1).
    # Per request, USD per 1M: 400 x $2 (uncached) + 600 x (0.9 x $0.5 read + 0.1 x $2.5 write)
    # + 100 x $8 = 800 + 600 x 0.7 + 800 = 2,020 -> 3e6 x 2,020 / 1e6 = $6,060 a quarter.
    # Without writes it was 1,900 -> $5,700 (tests/test_engine_costs.py::test_cached_input).
    a = api("a/x", 2.0, 8.0, cached=0.5)
    a["price"]["cache_write_usd_per_mtok"] = 2.5
    s = scenario(workloads=[workload(cached_input_share=0.6, cache_reuse=10)], apis=[a])
    sol = plan(s, resolve_plain(s))
    assert _cost(sol, "api") == pytest.approx(4 * 6_060)
    row = sol["allocation"].iloc[0]
    assert row.api_cost_usd == pytest.approx(6_060)


def test_cache_write_defaults_to_input_price():
    # No write price quoted: a write costs the input price ($2): 600 x (0.9 x 0.5 + 0.1 x 2)
    # = 390 -> 800 + 390 + 800 = 1,990 -> $5,970 a quarter.
    s = scenario(workloads=[workload(cached_input_share=0.6, cache_reuse=10)],
                 apis=[api("a/x", 2.0, 8.0, cached=0.5)])
    assert _cost(plan(s, resolve_plain(s)), "api") == pytest.approx(4 * 5_970)


def test_cache_writes_batch_discounted():
    # Batch halves every price, writes included: half of the $6,060 above = $3,030 a quarter.
    a = api("a/x", 2.0, 8.0, cached=0.5, batch_discount=0.5)
    a["price"]["cache_write_usd_per_mtok"] = 2.5
    s = scenario(workloads=[workload(cached_input_share=0.6, cache_reuse=10, latency="batch")],
                 apis=[a])
    assert _cost(plan(s, resolve_plain(s)), "api_batch") == pytest.approx(4 * 3_030)


def test_self_hosted_prefills_written_prefix():
    # Self-hosted work per request: 1000 x (1 - 0.6 x (1 - 0.25)) / 1e4 + 100 / 1e3
    # = 0.055 + 0.1 = 0.155 replica-seconds (0.16 at reuse 1e9, 0.2 with no cache).
    # 3e6 requests x 0.155 s / 3600 = 129.17 replica-hours a quarter.
    s = scenario(workloads=[workload(cached_input_share=0.6, cache_reuse=4)],
                 open_models=[model()], gpus=[{"name": "g", "on_demand_usd_per_hour": 1.0}])
    from tco.model.data import model_data_for
    data = model_data_for(s, resolve_plain(s))
    assert data.options.work[0, 0] == pytest.approx(3e6 * 0.155 / 3600)


def test_snapshot_cache_write_price_is_read():
    # Anthropic charges writes of its 5-minute cache above the input price; OpenAI stores no
    # write price, so a write costs the input price (no premium, never zero).
    when = date(2026, 1, 1)
    claude, _ = resolve_api(Api(id="anthropic/claude-sonnet-4-5"), 0, when)
    rt = claude.tiers[0].realtime
    assert rt.cache_write is not None and rt.write > rt.input > rt.cached_input
    gpt, _ = resolve_api(Api(id="openai/gpt-4.1"), 0, when)
    assert gpt.tiers[0].realtime.write == gpt.tiers[0].realtime.input
    # A negotiated input price keeps the snapshot's write premium as a ratio.
    quoted, _ = resolve_api(Api(id="anthropic/claude-sonnet-4-5",
                                price={"input_usd_per_mtok": rt.input / 2}), 0, when)
    assert quoted.tiers[0].realtime.write == pytest.approx(rt.write / 2)
