"""GPU and open-model catalogs: merge with scenario overrides, derivation, sources."""

from __future__ import annotations

import pytest

from tco.catalog import resolve
from tco.catalog.data import load, unsourced
from tco.catalog.hardware import catalog as gpu_catalog
from tco.catalog.models import catalog as model_catalog
from tco.errors import ScenarioError
from tco.scenario.schema import Scenario

GPUS = ["h100-80gb", "h200-141gb", "a100-80gb", "l40s-48gb", "b200-192gb", "mi300x-192gb"]
MODELS = ["llama-3.1-8b", "llama-3.3-70b", "qwen-2.5-72b", "mistral-small-24b", "gpt-oss-20b",
          "gpt-oss-120b", "deepseek-v3"]


def scenario(**sections) -> Scenario:
    base = {"name": "t", "workloads": [{"name": "w", "task": "chat", "requests_per_month": 1,
                                        "input_tokens": 10, "output_tokens": 1}]}
    return Scenario.model_validate({**base, **sections})


@pytest.mark.parametrize("name", ["gpus", "models", "apis"])
def test_every_catalog_number_has_source_and_date(name):
    assert unsourced(load(name)) == []


def test_unsourced_detects_bare_numbers():
    assert unsourced({"a": {"value": 1}, "b": 2}) == [("a", "value"), ("b",)]


def test_required_entries_shipped():
    assert set(GPUS) <= set(gpu_catalog())
    assert set(MODELS) <= set(model_catalog())


def test_catalog_gpu_filled_completely():
    g = resolve(scenario(gpus=[{"name": "h100-80gb"}])).gpus[0]
    cat = gpu_catalog()["h100-80gb"]
    assert g.memory_gb == cat.value("memory_gb") == 80
    assert g.on_demand_usd_per_hour == cat.value("on_demand_usd_per_hour")
    assert set(g.reserved_usd_per_hour) == {"1y", "3y"}
    assert g.purchase.facility_usd_per_kw_month == 184.06
    assert all(g.sources.values())


def test_nested_override_keeps_catalog_fields():
    g = resolve(scenario(gpus=[{"name": "h100-80gb", "purchase": {"price_usd": 30000},
                                "reserved_usd_per_hour": {"1y": 2.0}}])).gpus[0]
    cat = gpu_catalog()["h100-80gb"]
    assert g.purchase.price_usd == 30000
    assert g.purchase.life_years == cat.value("life_years")
    assert g.purchase.power_kw == cat.value("power_kw")
    assert g.reserved_usd_per_hour["1y"] == 2.0
    assert g.reserved_usd_per_hour["3y"] == cat.value("reserved_3y")
    assert g.sources["purchase.price_usd"] == "scenario"


def test_custom_gpu_and_missing_fields():
    ok = resolve(scenario(gpus=[{"name": "my-gpu", "memory_gb": 96,
                                 "on_demand_usd_per_hour": 2.0}])).gpus[0]
    assert ok.purchase is None and ok.on_demand_usd_per_hour == 2.0
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(gpus=[{"name": "h100-80g", "on_demand_usd_per_hour": 1.0},
                               {"name": "x", "memory_gb": 10}]))
    first, second = e.value.problems
    assert first.path == ("gpus", 0, "name")
    assert "memory_gb" in first.message and "did you mean h100-80gb" in first.message
    assert "no way to get it" in second.message


def test_custom_gpu_purchase_needs_price_and_power():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(gpus=[{"name": "x", "memory_gb": 10, "purchase": {"price_usd": 5}}]))
    assert "purchase.power_kw" in e.value.problems[0].message


def test_model_serving_only_on_scenario_gpus_and_anchor_exact():
    m = resolve(scenario(gpus=[{"name": "h100-80gb"}],
                         open_models=[{"name": "llama-3.1-8b"}])).models[0]
    assert set(m.serving) == {"h100-80gb"}
    anchor = load("models")["anchors"]["nim-llama-3.1-8b-h100"]
    s = m.serving["h100-80gb"]
    assert s.gpus_per_replica == 1
    assert s.interactive.decode_tokens_per_s == anchor["interactive"]["decode_tokens_per_s"]
    assert s.batch.decode_tokens_per_s == anchor["batch"]["decode_tokens_per_s"]
    assert "NIM" in m.sources["serving.h100-80gb"]


def test_memory_footprint_rules():
    """70B FP8 needs 2x H100 (the NIM profile) and 1x H200; DeepSeek-V3 does not fit 8x H100."""
    r = resolve(scenario(gpus=[{"name": g} for g in GPUS],
                         open_models=[{"name": "llama-3.3-70b"}, {"name": "deepseek-v3"}]))
    llama, ds = r.models
    assert llama.serving["h100-80gb"].gpus_per_replica == 2
    assert llama.serving["h200-141gb"].gpus_per_replica == 1
    assert "h100-80gb" not in ds.serving and "a100-80gb" not in ds.serving
    assert ds.serving["h200-141gb"].gpus_per_replica == 8
    assert "assumption" in llama.sources["serving.h200-141gb"]


def test_model_overrides_win():
    m = resolve(scenario(
        gpus=[{"name": "h100-80gb"}],
        open_models=[{"name": "llama-3.3-70b", "quality": {"chat": 50},
                      "serving": {"h100-80gb": {"interactive": {
                          "prefill_tokens_per_s": 1, "decode_tokens_per_s": 2}}}}])).models[0]
    s = m.serving["h100-80gb"]
    assert m.quality["chat"] == 50 and m.quality["code"] == 88.4
    assert (s.interactive.prefill_tokens_per_s, s.interactive.decode_tokens_per_s) == (1, 2)
    assert s.gpus_per_replica == 2 and s.batch.decode_tokens_per_s == 920


def test_custom_model_needs_its_figures():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
            {"name": "mine", "context_window_tokens": 8000,
             "serving": {"h100-80gb": {"gpus_per_replica": 1}}}]))
    p = e.value.problems[0]
    assert p.path == ("open_models", 0, "serving", "h100-80gb")
    assert "interactive" in p.message
