"""Options, demand and periods by hand, without a solve: each unit cost, GPU work and rejection
the engine prices from, on a tiny scenario whose arithmetic is in the comments.

Fast on purpose (no MILP): these are the tests a mutation run of tco/options.py and
tco/demand.py leans on (benchmarks/RESULTS.md, "Mutation testing").
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.demand import expand_demand, make_periods
from tco.options import enumerate_options
from tco.scenario.schema import Finance, Horizon, Strategy

GPU = {"name": "g", "on_demand_usd_per_hour": 2.0}
# Interactive point 1e4 prefill / 1e3 decode tokens/s per replica; batch point twice that.
MODEL = {"name": "m", "quality": {"chat": 75}, "context_window_tokens": 128000,
         "serving": {"g": {"gpus_per_replica": 2,
                           "interactive": {"prefill_tokens_per_s": 1e4,
                                           "decode_tokens_per_s": 1e3},
                           "batch": {"prefill_tokens_per_s": 2e4,
                                     "decode_tokens_per_s": 2e3}}}}
# Realtime $2 in / $0.5 cached / $2.5 cache write / $8 out per 1M; batch 50% off; -10% a year.
API = api("a/x", 2.0, 8.0, cached=0.5, quality=80, batch_discount=0.5,
          price_trend_per_year=-0.1)
API["price"]["cache_write_usd_per_mtok"] = 2.5
GROWTH = 1.2 ** 0.25   # a quarter of a year's 20% growth
TREND = 0.9 ** 0.25    # a quarter of a year's -10% price trend


def options(s, strategy=None):
    periods = make_periods(s.horizon, s.finance)
    return enumerate_options(s, resolve_plain(s), periods, expand_demand(s, periods), strategy)


def rows(opts, workload_name):
    t = opts.table
    return {o: i for i, o in zip(t.index, t.option) if t.workload_name[i] == workload_name}


def base():
    return scenario(
        workloads=[
            # 1e6 requests/month growing 20% a year; 60% of 1000 input tokens cached, one
            # request in 4 writes the prefix; busiest hour twice the mean; $0.01 per bad answer.
            workload("chat", cached_input_share=0.6, cache_reuse=4, peak_to_average=2.0,
                     growth_per_year=0.2, error_cost_usd=0.01),
            # 2e6 a month, 2000 in / 500 out, batch latency: peak_to_average must be ignored.
            workload("nightly", rpm=2e6, inp=2000, out=500, latency="batch",
                     peak_to_average=3.0)],
        apis=[API], gpus=[GPU], open_models=[MODEL])


def test_api_unit_cost_with_cache_writes_trend_and_growth():
    o = options(base())
    r = rows(o, "chat")
    assert set(r) == {"api:a/x", "self:m@g/interactive"}  # interactive: no batch API
    # Per request: 1000 x 0.4 x $2 + 1000 x 0.6 x (0.75 x $0.5 + 0.25 x $2.5) + 100 x $8
    # = 800 + 600 + 800 = $2,200 per 1M requests; 3e6 requests in the first quarter = $6,600,
    # then x 1.2^(t/4) requests and x 0.9^(t/4) prices.
    expected = [6600 * GROWTH ** t * TREND ** t for t in range(4)]
    assert o.api_cost[r["api:a/x"]] == pytest.approx(expected)
    # Expected errors: 3e6 x (1 - 0.80) x $0.01 = $6,000 (prices' trend does not apply).
    assert o.error_cost[r["api:a/x"]] == pytest.approx([6000 * GROWTH ** t for t in range(4)])
    # Tokens for provider caps: 3e6 x 1100 = 3.3e9.
    assert o.tokens[r["api:a/x"]][0] == pytest.approx(3.3e9)
    assert o.work[r["api:a/x"]].tolist() == [0.0] * 4
    assert o.table.loc[r["api:a/x"], "deployment"] == -1  # APIs run on no deployment
    row = o.table.loc[r["api:a/x"]]
    assert (row.kind, row.provider, row.tier, row.p_input, row.p_cached, row.p_output,
            row.p_cache_write, row.price_trend) == ("api", "a", "standard", 2.0, 0.5, 8.0, 2.5,
                                                    -0.1)


def test_self_hosted_work_prefills_written_prefix_and_sizes_for_peak():
    o = options(base())
    r = rows(o, "chat")
    i = r["self:m@g/interactive"]
    # Replica-seconds per request at the interactive point: 1000 x (1 - 0.6 x (1 - 0.25)) / 1e4
    # + 100 / 1e3 = 0.055 + 0.1 = 0.155 s; 3e6 x 0.155 / 3600 = 129.17 replica-hours, x peak 2.
    assert o.work[i][0] == pytest.approx(3e6 * 0.155 / 3600 * 2)
    assert o.work[i][1] == pytest.approx(3e6 * GROWTH * 0.155 / 3600 * 2)
    # Quality 75: 3e6 x 0.25 x $0.01 = $7,500 of expected errors; no API spend.
    assert o.error_cost[i][0] == pytest.approx(7500)
    assert o.api_cost[i].tolist() == [0.0] * 4
    row = o.table.loc[i]
    assert (row.kind, row.model, row.gpu, row.point, row.quality) == (
        "self_hosted", "m", "g", "interactive", 75.0)
    # Batch latency runs at the batch point and ignores peaks: 2000 / 2e4 + 500 / 2e3 = 0.35 s;
    # 6e6 requests x 0.35 / 3600 = 583.3 replica-hours a quarter.
    n = rows(o, "nightly")
    assert o.work[n["self:m@g/batch"]] == pytest.approx([6e6 * 0.35 / 3600] * 4)
    deps = o.deployments.set_index("point")
    assert deps.loc["interactive", "needs_min_replicas"]
    assert not deps.loc["batch", "needs_min_replicas"]
    assert set(deps.gpus_per_replica) == {2}


def test_batch_api_and_pruning_of_the_dominated_realtime_api():
    o = options(base())
    n = rows(o, "nightly")
    # Batch at 50% off: (2000 x $1 + 500 x $4) / 1e6 x 6e6 requests = $24,000 a quarter; the
    # realtime API ($48,000) costs more in every period at the same quality: pruned.
    assert set(n) == {"batch:a/x", "self:m@g/batch"}
    assert o.pruned == 1 and o.candidates == len(o.table) + 1
    assert o.api_cost[n["batch:a/x"]] == pytest.approx([24000 * TREND ** t for t in range(4)])
    assert o.table.loc[n["batch:a/x"], "kind"] == "api_batch"
    assert o.table.loc[n["batch:a/x"], "p_input"] == 1.0


def test_no_prompt_caching_strategy_pays_full_input():
    o = options(base(), Strategy(name="nocache", prompt_caching=False))
    r = rows(o, "chat")
    # Without caching: (1000 x $2 + 100 x $8) / 1e6 x 3e6 = $8,400.
    assert o.api_cost[r["api:a/x"]][0] == pytest.approx(8400)
    assert o.table.loc[r["api:a/x"], "p_cached"] == 2.0


def test_rejections_name_the_reason():
    s = scenario(
        workloads=[workload("secret", residency="self_hosted"),
                   workload("eu", residency=["b"]),
                   workload("picky", min_quality=85),
                   workload("long", inp=127950, out=100),
                   workload("late", latency="batch")],
        apis=[api("a/x", 2.0, 8.0), api("b/y", 3.0, 9.0, quality=90,
                                         context_window_tokens=100000)],
        gpus=[GPU], open_models=[MODEL])
    o = options(s)
    assert set(rows(o, "secret")) == {"self:m@g/interactive"}
    assert "api:a/x: residency: self_hosted only" in o.rejected["secret"]
    assert set(rows(o, "eu")) == {"api:b/y", "self:m@g/interactive"}
    assert "api:a/x: residency: provider a not in ['b']" in o.rejected["eu"]
    # Quality 80 and 75 are below 85; 90 is not.
    assert set(rows(o, "picky")) == {"api:b/y"}
    assert "api:a/x: quality: 80 below the minimum 85" in o.rejected["picky"]
    # 127,950 + 100 tokens exceed the model's 128,000 window (the APIs set none).
    assert "self:m@g/interactive" not in rows(o, "long")
    assert ("api:b/y: request of 128,050 tokens exceeds the context window of 100,000"
            in o.rejected["long"])
    assert ("self:m@g/interactive: request of 128,050 tokens exceeds the context window of "
            "128,000") in o.rejected["long"]
    # Neither API sells a batch API (no batch price, no batch_discount).
    assert "batch:b/y: the provider sells no batch API" in o.rejected["late"]


def test_periods_labels_hours_and_discounting():
    q = make_periods(Horizon(start="2027Q4", periods=3, period="quarter"),
                     Finance(discount_rate=0.1))
    assert q.labels == ("2027Q4", "2028Q1", "2028Q2")
    assert (q.per_year, q.hours, q.months, q.count) == (4, 2190.0, 3.0, 3)
    # Discounted from each period's start: 1.1^(-t/4).
    assert q.discount == pytest.approx([1.0, 1.1 ** -0.25, 1.1 ** -0.5])
    assert q.years_from_start.tolist() == [0.0, 0.25, 0.5]
    assert q.index_of("2028Q2") == 2 and q.index_of("2027Q3") == -1
    m = make_periods(Horizon(start="2027-11", periods=3, period="month"),
                     Finance(discount_rate=0.0))
    assert m.labels == ("2027-11", "2027-12", "2028-01")
    assert (m.per_year, m.hours, m.months) == (12, 730.0, 1.0)
    assert m.index_of("2028-01") == 2


def test_demand_grows_per_period_or_follows_a_list():
    s = scenario(horizon={"start": "2027-01", "periods": 3, "period": "month"},
                 workloads=[workload("g", growth_per_year=0.44, cached_input_share=0.3,
                                     peak_to_average=1.5),
                            workload("l", rpm=[5.0, 6.0, 7.0], inp=10, out=2)])
    d = expand_demand(s, make_periods(s.horizon, s.finance))
    # Monthly periods: 1e6 x 1.44^(t/12) a month.
    assert d.requests[0] == pytest.approx([1e6 * 1.44 ** (t / 12) for t in range(3)])
    assert d.requests[1].tolist() == [5.0, 6.0, 7.0]
    assert d.tokens[1].tolist() == [60.0, 72.0, 84.0]
    assert d.input_tokens.tolist() == [1000.0, 10.0]
    assert d.output_tokens.tolist() == [100.0, 2.0]
    assert d.cached_share.tolist() == [0.3, 0.0]
    assert d.peak_to_average.tolist() == [1.5, 1.0]
    assert np.shape(d.requests) == (2, 3)


def with_fine_tunes():
    s = base().model_dump()
    s["apis"][0]["fine_tuned_price"] = {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 12.0}
    s["fine_tunes"] = [
        {"name": "small", "base": "m", "workloads": ["chat"], "training_cost_usd": 1000,
         "quality_uplift": {"chat": 10}, "input_token_reduction": 0.5},
        {"name": "tuned", "base": "a/x", "workloads": ["chat"], "training_cost_usd": 1000,
         "quality_uplift": {"code": 5}}]
    return type(base()).model_validate(s)


def test_fine_tuned_rows():
    o = options(with_fine_tunes())
    r = rows(o, "chat")
    # Self-hosted fine-tune: half the prompt (500 tokens), quality 75 + 10. Replica-seconds:
    # 500 x (1 - 0.6 x 0.75) / 1e4 + 100 / 1e3 = 0.0275 + 0.1 = 0.1275 s; x 3e6 / 3600 x peak 2
    # = 212.5 replica-hours; errors 3e6 x 0.15 x $0.01 = $4,500.
    ft = r["ft:small@g/interactive"]
    assert o.work[ft][0] == pytest.approx(212.5)
    assert o.error_cost[ft][0] == pytest.approx(4500)
    assert (o.table.loc[ft, "input_tokens"], o.table.loc[ft, "quality"],
            o.table.loc[ft, "fine_tune"]) == (500.0, 85.0, "small")
    # API fine-tune at $3 in (no cache price: cached and written at $3) / $12 out: 1000 x 0.4 x 3
    # + 1000 x 0.6 x 3 + 100 x 12 = $4,200 per 1M requests -> $12,600; its uplift is for code
    # only, so chat keeps the base quality 80: errors 3e6 x 0.20 x $0.01 = $6,000.
    api_ft = r["ft:tuned@a/x"]
    assert o.api_cost[api_ft][0] == pytest.approx(12600)
    assert o.error_cost[api_ft][0] == pytest.approx(6000)
    assert o.table.loc[api_ft, "kind"] == "api" and o.table.loc[api_ft, "p_input"] == 3.0
    # The fine-tune of m runs on m's own deployment rows: one per served model and point.
    deps = o.deployments
    assert set(zip(deps.served, deps.base_model, deps.point)) == {
        ("m", "m", "interactive"), ("m", "m", "batch"), ("small", "m", "interactive")}


def test_strategy_filters_say_why():
    s = with_fine_tunes()
    o = options(s, Strategy(name="s", option_kinds=["api", "self_hosted"]))
    chat = rows(o, "chat")
    assert "ft:small@g/interactive" not in chat and "ft:tuned@a/x" not in chat
    assert "self:m@g/interactive" in chat and "api:a/x" in chat
    why = o.rejected["chat"]
    assert "ft:small@g/interactive: strategy s excludes self_hosted fine-tunes" in why
    assert "ft:tuned@a/x: strategy s excludes api fine-tunes" in why
    o = options(s, Strategy(name="t", option_kinds=["fine_tuned", "self_hosted"]))
    assert set(rows(o, "chat")) == {"self:m@g/interactive", "ft:small@g/interactive"}
    assert "api:a/x: strategy t excludes api" in o.rejected["chat"]
    o = options(s, Strategy(name="u", providers=["b"], models=["other"]))
    assert set(rows(o, "chat")) == set()
    assert "api:a/x: strategy u excludes provider a" in o.rejected["chat"]
    assert "self:m@g/interactive: strategy u excludes model m" in o.rejected["chat"]
    o = options(s, Strategy(name="v", gpus=["h"], providers=["a"]))
    assert set(rows(o, "chat")) == {"api:a/x", "ft:tuned@a/x"}
    assert "self:m@g/interactive: strategy v excludes GPU g" in o.rejected["chat"]


def test_service_tiers_price_priority_and_flex_lanes():
    """Provider a sells priority at 1.75x and flex at 0.5x its list prices; b sells neither.
    A provider share cap keeps a's and b's options apart when pruning."""
    tiers = [{"name": "prio", "kind": "service_tier", "provider": "a", "tier": "priority",
              "price_multiplier": 1.75},
             {"name": "flex", "kind": "service_tier", "provider": "a", "tier": "flex",
              "price_multiplier": 0.5}]
    s = scenario(workloads=[workload("urgent", needs_priority=True, cached_input_share=0.6,
                                     cache_reuse=4),
                            workload("bg", latency="standard")],
                 apis=[API, api("b/y", 1.5, 6.0)], tariffs=tiers,
                 constraints={"max_share_per_provider": 0.9})
    o = options(s)
    u = rows(o, "urgent")
    # Priority: 1.75 x $2,200 per 1M requests (the chat workload's cached arithmetic above)
    # = $3,850 -> 3e6 requests = $11,550 a quarter; the cache write at 1.75 x $2.5 = $4.375.
    assert set(u) == {"priority:a/x"}
    assert o.api_cost[u["priority:a/x"]][0] == pytest.approx(11550)
    row = o.table.loc[u["priority:a/x"]]
    assert (row.tier, row.p_input, row.p_cache_write) == ("priority", 3.5, 4.375)
    assert ("priority:b/y: the workload needs priority processing and b sells no priority tier "
            "(tariffs: kind service_tier)") in o.rejected["urgent"]
    # Flex for standard latency: 0.5 x (1000 x $2 + 100 x $8) / 1e6 x 3e6 = $4,200, which
    # dominates a's realtime $8,400; b's $6,300 is kept (another provider under the cap).
    b = rows(o, "bg")
    assert set(b) == {"flex:a/x", "api:b/y"}
    assert o.api_cost[b["flex:a/x"]][0] == pytest.approx(4200)
    assert o.api_cost[b["api:b/y"]][0] == pytest.approx(6300)
    assert o.table.loc[b["flex:a/x"], "tier"] == "flex"


def test_pruning_compares_what_the_objective_minimises():
    """a/x: $2 / $8 at quality 80; b/y: $2.5 / $10 at quality 95; $0.01 per bad answer.
    a/x spends 3e6 x 2,800 / 1e6 = $8,400 a quarter and expects 3e6 x 0.20 x 0.01 = $6,000 of
    errors ($14,400); b/y spends $10,500 and expects $1,500 ($12,000). Quality-adjusted, b/y
    dominates a/x; on cash alone a/x dominates b/y."""
    apis = [api("a/x", 2.0, 8.0), api("b/y", 2.5, 10.0, quality=95)]
    s = scenario(workloads=[workload(error_cost_usd=0.01)], apis=apis)
    assert set(rows(options(s), "w")) == {"api:b/y"}
    cash = scenario(workloads=[workload(error_cost_usd=0.01)], apis=apis,
                    finance={"objective": "cash"})
    assert set(rows(options(cash), "w")) == {"api:a/x"}


def test_priority_tier_limited_to_some_latencies_rejects_the_others():
    """a sells priority at 1.75x for interactive traffic only. An interactive workload that
    needs priority gets the priority lane; a standard-latency one is told why it gets none."""
    tiers = [{"name": "prio", "kind": "service_tier", "provider": "a", "tier": "priority",
              "price_multiplier": 1.75, "latencies": ["interactive"]}]
    s = scenario(workloads=[workload("fast", needs_priority=True, latency="interactive"),
                            workload("slow", needs_priority=True, latency="standard")],
                 apis=[API], tariffs=tiers)
    o = options(s)
    assert "priority:a/x" in rows(o, "fast")
    assert "priority:a/x" not in rows(o, "slow")
    assert ("priority:a/x: the a priority tier serves only interactive latency"
            in o.rejected["slow"])


def test_api_fine_tune_for_a_priority_workload_pays_the_tier_on_fine_tuned_prices():
    """The API fine-tune of test_fine_tuned_rows costs $12,600 a quarter at $3 / $12; a workload
    that needs priority pays a's 1.75x on those prices: 1.75 x 12,600 = $22,050."""
    s = with_fine_tunes().model_dump()
    s["workloads"][0]["needs_priority"] = True
    s["tariffs"] = [{"name": "prio", "kind": "service_tier", "provider": "a",
                     "tier": "priority", "price_multiplier": 1.75}]
    o = options(type(base()).model_validate(s))
    r = rows(o, "chat")
    assert "ft:tuned@a/x" not in r  # the standard lane is not for this workload
    assert o.api_cost[r["priority:ft:tuned@a/x"]][0] == pytest.approx(1.75 * 12600)
    assert o.table.loc[r["priority:ft:tuned@a/x"], "p_input"] == pytest.approx(1.75 * 3.0)
