"""Catalog resolution: API prices against the snapshot's own numbers, overrides, errors."""

from __future__ import annotations

import socket
from datetime import date

import pytest
from genai_prices.data import providers as snapshot_providers

from tco.catalog import price_date, resolve
from tco.catalog.apis import batch_discount_table, fine_tuned_table, snapshot_info
from tco.errors import ScenarioError
from tco.scenario.schema import Scenario

WHEN = date(2027, 1, 1)


def scenario(**sections) -> Scenario:
    """A minimal valid scenario with the given sections."""
    base = {"name": "t", "workloads": [{"name": "w", "task": "chat", "requests_per_month": 1,
                                        "input_tokens": 10, "output_tokens": 1}]}
    return Scenario.model_validate({**base, **sections})


def snap(provider: str, model: str):
    """The snapshot's own model entry, read from genai-prices (not a copy)."""
    p = next(p for p in snapshot_providers if p.id == provider)
    return next(m for m in p.models if m.id == model)


def dec(x) -> float:
    """A Decimal or TieredPrices base as float."""
    return float(getattr(x, "base", x))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test here fails if anything opens a socket."""
    def refuse(*a, **k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("api_id", ["openai/gpt-4.1", "anthropic/claude-sonnet-4-0",
                                    "openai/gpt-5-mini"])
def test_known_ids_match_snapshot(api_id):
    provider, model = api_id.split("/")
    m = snap(provider, model)
    prices = m.prices if not isinstance(m.prices, list) else m.prices[-1].prices
    api = resolve(scenario(apis=[{"id": api_id}])).apis[0]
    rt = api.prices(1000)
    assert rt.input == dec(prices.input_mtok)
    assert rt.output == dec(prices.output_mtok)
    assert rt.cached_input == dec(prices.cache_read_mtok)
    assert api.context_window_tokens == m.context_window
    assert api.provider == provider


def test_pinned_example_gpt41():
    """One pinned example, valid for the snapshot version in requirements.lock.

    Never skipped: installs come from the lock, so another version means the lock was
    refreshed (`make lock`) and this example must be re-checked against the new snapshot.
    """
    assert snapshot_info()["version"] == "0.2.3", (
        "genai-prices is not the locked 0.2.3: re-check this example's prices against the new "
        "snapshot and update it with requirements.lock")
    assert snapshot_info()["date"] == "2026-11-04"
    api = resolve(scenario(apis=[{"id": "openai/gpt-4.1"}])).apis[0]
    rt, bt = api.prices(1000), api.prices(1000, "batch")
    assert (rt.input, rt.cached_input, rt.output) == (2.0, 0.5, 8.0)
    assert (bt.input, bt.output) == (1.0, 4.0)
    assert "batch price variant" in bt.source


def test_snapshot_recorded():
    r = resolve(scenario(apis=[{"id": "openai/gpt-4.1"}]))
    assert r.prices_snapshot["source"] == "genai-prices"
    assert r.prices_snapshot["version"]
    date.fromisoformat(r.prices_snapshot["date"])


def test_quote_overrides_each_price_given():
    api = resolve(scenario(apis=[{"id": "openai/gpt-4.1",
                                  "price": {"input_usd_per_mtok": 1.5}}])).apis[0]
    rt = api.prices(10)
    assert rt.input == 1.5
    assert rt.output == dec(snap("openai", "gpt-4.1").prices.output_mtok)
    assert "scenario quote" in rt.source


def test_quote_on_a_snapshot_api_keeps_the_cache_write_ratio():
    """Claude Sonnet 4 lists $3 input, $0.30 cache read, $3.75 cache write, $15 output. A quoted
    input of $2.40 keeps the write premium: 3.75 x 2.4 / 3 = $3.00; quoted cache prices replace
    the list's and leave input and output alone."""
    def prices(quote):
        api = {"id": "anthropic/claude-sonnet-4-0", "price": quote}
        return resolve(scenario(apis=[api])).apis[0].prices(10)

    listed = prices({})
    assert (listed.input, listed.cached_input, listed.output, listed.write) == (3.0, 0.3, 15.0,
                                                                                3.75)
    cheaper = prices({"input_usd_per_mtok": 2.4})
    assert (cheaper.input, cheaper.cached_input, cheaper.output) == (2.4, 0.3, 15.0)
    assert cheaper.write == pytest.approx(3.0)
    assert cheaper.source.endswith("; input: scenario quote")
    cache = prices({"cached_input_usd_per_mtok": 0.2, "cache_write_usd_per_mtok": 5.0})
    assert (cache.input, cache.cached_input, cache.output, cache.write) == (3.0, 0.2, 15.0, 5.0)
    assert cache.source.endswith("; cached input, cache write: scenario quote")
    both = prices({"input_usd_per_mtok": 2.4, "cache_write_usd_per_mtok": 5.0})
    assert (both.input, both.write) == (2.4, 5.0)  # a quoted write is not rescaled


def test_private_api_with_full_quote():
    api = resolve(scenario(apis=[{"id": "acme-llm/x", "price": {
        "input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}])).apis[0]
    rt = api.prices(10)
    assert (rt.input, rt.cached_input, rt.output) == (1.0, 1.0, 4.0)
    assert "no cache discount" in rt.source
    assert api.prices(10, "batch") is None


def test_private_api_quote_batch_fine_tune_and_provider():
    """A private API is priced only by its quote: batch_discount 0.5 halves every price, the
    cache write too (2.5 -> 1.25); a fine-tune quote without cached input has no cache discount
    (cached = input = 3); the provider is the id's first part."""
    r = resolve(scenario(apis=[
        {"id": "acme-llm/x", "batch_discount": 0.5, "context_window_tokens": 32000,
         "price_trend_per_year": -0.2, "quality": {"chat": 70},
         "price": {"input_usd_per_mtok": 2.0, "cached_input_usd_per_mtok": 0.5,
                   "output_usd_per_mtok": 8.0, "cache_write_usd_per_mtok": 2.5},
         "fine_tuned_price": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 12.0}},
        {"id": "acme-llm/team/x-v2", "price": {"input_usd_per_mtok": 1.0,
                                               "output_usd_per_mtok": 4.0}}]))
    api, other = r.apis
    assert (api.id, api.provider, other.provider) == ("acme-llm/x", "acme-llm", "acme-llm")
    assert (api.context_window_tokens, api.price_trend_per_year) == (32000, -0.2)
    assert api.quality == {"chat": 70}
    assert [t.min_input_tokens for t in api.tiers] == [0]
    rt, bt, ft = api.prices(10), api.prices(10, "batch"), api.prices(10, "fine_tuned")
    assert (rt.input, rt.cached_input, rt.output, rt.write) == (2.0, 0.5, 8.0, 2.5)
    assert rt.source == "scenario quote (private API, not in genai-prices)"
    assert (bt.input, bt.cached_input, bt.output, bt.write) == (1.0, 0.25, 4.0, 1.25)
    assert bt.source.endswith("batch: 50% off all token prices (scenario batch_discount)")
    assert (ft.input, ft.cached_input, ft.output) == (3.0, 3.0, 12.0)
    assert ft.source.startswith("scenario fine_tuned_price")
    assert other.prices(10, "fine_tuned") is None and other.prices(10).write == 1.0


def test_unknown_id_did_you_mean():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(apis=[{"id": "openai/gpt-4.11"}, {"id": "anthropic/claude-sonet-4-0"}]))
    problems = e.value.problems
    assert [p.path for p in problems] == [("apis", 0, "id"), ("apis", 1, "id")]
    assert "did you mean" in problems[0].message and "openai/gpt-4.1" in problems[0].message
    assert "anthropic/claude-sonnet-4-0" in problems[1].message


def test_missing_price_is_error_not_zero():
    """github-copilot lists gpt-4.1 with no token prices (included in the subscription)."""
    m = snap("github-copilot", "gpt-4.1")
    assert m.prices.input_mtok is None
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(apis=[{"id": "github-copilot/gpt-4.1"}]))
    assert "no input or output price" in e.value.problems[0].message
    assert "github-copilot/gpt-4.1" in e.value.problems[0].message


def test_missing_cached_price_is_input_price():
    api = resolve(scenario(apis=[{"id": "openai/gpt-3.5-turbo"}])).apis[0]
    rt = api.prices(10)
    assert rt.cached_input == rt.input > 0
    assert "no cache discount" in rt.source


def test_tiers_chosen_by_input_tokens():
    m = snap("google", "gemini-2.5-pro")
    tier = m.prices.input_mtok.tiers[0]
    api = resolve(scenario(apis=[{"id": "google/gemini-2.5-pro"}])).apis[0]
    assert [t.min_input_tokens for t in api.tiers] == [0, tier.start + 1]
    assert api.prices(tier.start).input == dec(m.prices.input_mtok)
    assert api.prices(tier.start + 1).input == float(tier.price)
    assert api.prices(tier.start + 1, "batch").input < api.prices(tier.start + 1).input


def test_batch_via_discount_table():
    """A Google model without a batch variant gets the table's 50% on every price."""
    p = next(p for p in snapshot_providers if p.id == "google")
    m = next(m for m in p.models if m.prices and not isinstance(m.prices, list)
             and m.prices.input_mtok is not None and m.prices.cache_read_mtok is not None
             and not any(v.when == {"processing": "batch"} for v in (m.price_variants or []))
             and not hasattr(m.prices.input_mtok, "tiers"))
    api = resolve(scenario(apis=[{"id": f"google/{m.id}"}])).apis[0]
    rt, bt = api.prices(10), api.prices(10, "batch")
    d = batch_discount_table()["google"][0]
    assert bt.input == pytest.approx(rt.input * (1 - d))
    assert bt.cached_input == pytest.approx(rt.cached_input * (1 - d))
    assert bt.output == pytest.approx(rt.output * (1 - d))


def test_batch_scenario_discount_overrides_and_no_batch_provider():
    api = resolve(scenario(apis=[{"id": "openai/gpt-4.1", "batch_discount": 0.2}])).apis[0]
    assert api.prices(10, "batch").input == pytest.approx(api.prices(10).input * 0.8)
    assert api.prices(10, "batch").output == pytest.approx(api.prices(10).output * 0.8)
    # deepseek sells no batch API: neither a variant nor a table row
    ds = resolve(scenario(apis=[{"id": "deepseek/deepseek-chat"}])).apis[0]
    assert ds.prices(10, "batch") is None


def test_fine_tuned_prices_from_snapshot_and_table():
    r = resolve(scenario(apis=[{"id": "openai/gpt-4o-mini"}, {"id": "openai/gpt-4.1"},
                               {"id": "anthropic/claude-sonnet-4-0"}]))
    mini, g41, claude = r.apis
    ft = snap("openai", "ft:gpt-4o-mini").prices
    assert (mini.fine_tuned.input, mini.fine_tuned.output) == (dec(ft.input_mtok),
                                                               dec(ft.output_mtok))
    row = fine_tuned_table()["openai/gpt-4o-mini"]
    assert (row["input"], row["output"]) == (dec(ft.input_mtok), dec(ft.output_mtok))
    assert g41.fine_tuned.input == fine_tuned_table()["openai/gpt-4.1"]["input"]
    assert claude.fine_tuned is None
    assert claude.prices(10, "fine_tuned") is None


def test_fine_tuned_table_agrees_with_snapshot():
    openai = next(p for p in snapshot_providers if p.id == "openai")
    for row in fine_tuned_table().values():
        m = next((m for m in openai.models if m.id == row.get("snapshot_model")), None)
        if m is not None:
            assert (row["input"], row["output"]) == (dec(m.prices.input_mtok),
                                                     dec(m.prices.output_mtok))


def test_price_date_not_before_snapshot():
    s = scenario(horizon={"start": "2020Q1"})
    assert price_date(s) == date.fromisoformat(snapshot_info()["date"])
    assert price_date(scenario(horizon={"start": "2030Q2"})) == date(2030, 4, 1)


def test_every_problem_collected():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(apis=[{"id": "nope/x"}], gpus=[{"name": "h100-80gbx"}],
                         open_models=[{"name": "llama-9"}]))
    paths = [p.path for p in e.value.problems]
    assert ("apis", 0, "id") in paths and ("gpus", 0, "name") in paths
    assert ("open_models", 0, "name") in paths
