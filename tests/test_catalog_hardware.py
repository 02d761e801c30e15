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
    # A source without a date is as bad as none; numbers inside lists are checked too.
    assert unsourced({"a": {"value": 1, "source": "x"}}) == [("a",)]
    assert unsourced({"l": [1, {"value": 2, "source": "s", "date": "d"}]}) == [("l", 0)]


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
    # What the scenario gave is sourced to it; the site's cost lines (issue 17) come from the
    # catalog's defaults, each marked as an assumption.
    given = {k: v for k, v in ok.sources.items() if v == "scenario"}
    assert given == {"memory_gb": "scenario", "on_demand_usd_per_hour": "scenario"}
    assert all(v.startswith("assumption:") for k, v in ok.sources.items() if k not in given)
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(gpus=[{"name": "h100-80g", "on_demand_usd_per_hour": 1.0},
                               {"name": "x", "memory_gb": 10}]))
    first, second = e.value.problems
    assert first.path == ("gpus", 0, "name")
    assert first.message == ("unknown GPU 'h100-80g' (did you mean h100-80gb, a100-80gb, "
                             "h200-141gb?): a custom GPU lacks memory_gb")
    assert second.message == ("GPU 'x' has no way to get it: give on_demand_usd_per_hour, "
                              "reserved_usd_per_hour or purchase")


def test_custom_gpu_takes_site_figures_and_keeps_its_cap():
    """A custom GPU bought for $20,000 at 1 kW takes the site's life (5 years, an assumption),
    facility ($184.06/kW-month), electricity ($0.13/kWh) and PUE (1.56); a GPU sold only
    reserved has no on-demand price; max_gpus is kept."""
    own, rented = resolve(scenario(gpus=[
        {"name": "mine", "memory_gb": 96, "max_gpus": 16,
         "purchase": {"price_usd": 20000, "power_kw": 1.0}},
        {"name": "leased", "memory_gb": 80, "reserved_usd_per_hour": {"1y": 1.5}}])).gpus
    p = own.purchase
    assert (p.price_usd, p.power_kw, p.life_years, p.facility_usd_per_kw_month,
            p.electricity_usd_per_kwh, p.pue) == (20000, 1.0, 5.0, 184.06, 0.13, 1.56)
    assert own.max_gpus == 16 and own.on_demand_usd_per_hour is None
    assert own.sources["purchase.price_usd"] == "scenario"
    assert own.sources["purchase.life_years"].startswith("assumption: ")
    assert rented.on_demand_usd_per_hour is None and rented.reserved_usd_per_hour == {"1y": 1.5}
    assert rented.sources["reserved_usd_per_hour.1y"] == "scenario"


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
    assert m.sources["quality.chat"] == "scenario"
    assert m.sources["quality.code"].startswith("assumption: code = humaneval score")
    assert m.sources["context_window_tokens"] == "Meta Llama 3.3 model card: 128k context (2024-12)"
    own = resolve(scenario(open_models=[{"name": "llama-3.3-70b", "context_window_tokens": 8000}]))
    assert own.models[0].sources["context_window_tokens"] == "scenario"
    assert own.models[0].context_window_tokens == 8000
    assert (s.interactive.prefill_tokens_per_s, s.interactive.decode_tokens_per_s) == (1, 2)
    assert s.gpus_per_replica == 2 and s.batch.decode_tokens_per_s == 920


def test_unknown_model_suggests_catalog_names():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(open_models=[{"name": "llama-3.3-7b"}]))
    assert e.value.problems[0].message == (
        "unknown open model 'llama-3.3-7b' (did you mean llama-3.3-70b, llama-3.1-8b?): "
        "a custom model needs context_window_tokens")
    with pytest.raises(ScenarioError) as far:
        resolve(scenario(open_models=[{"name": "zzz"}]))
    assert far.value.problems[0].message == (
        "unknown open model 'zzz': a custom model needs context_window_tokens")
    # A custom model's serving without gpus_per_replica is located, not a crash.
    point = {"prefill_tokens_per_s": 5, "decode_tokens_per_s": 6}
    with pytest.raises(ScenarioError) as no_n:
        resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
            {"name": "mine", "context_window_tokens": 8000,
             "serving": {"h100-80gb": {"interactive": point, "batch": point}}}]))
    assert no_n.value.problems[0].message == (
        "no catalog figures for mine on h100-80gb: give gpus_per_replica")


def test_custom_model_needs_its_figures():
    with pytest.raises(ScenarioError) as e:
        resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
            {"name": "mine", "context_window_tokens": 8000,
             "serving": {"h100-80gb": {"gpus_per_replica": 1}}}]))
    p = e.value.problems[0]
    assert p.path == ("open_models", 0, "serving", "h100-80gb")
    # Every GPU's problem is reported, not only the last one's.
    with pytest.raises(ScenarioError) as two:
        resolve(scenario(gpus=[{"name": "h100-80gb"}, {"name": "l40s-48gb"}], open_models=[
            {"name": "mine", "context_window_tokens": 8000,
             "serving": {g: {"gpus_per_replica": 1} for g in ("h100-80gb", "l40s-48gb")}}]))
    assert [q.path[-1] for q in two.value.problems] == ["h100-80gb", "l40s-48gb"]
    point = {"prefill_tokens_per_s": 5, "decode_tokens_per_s": 6}
    m = resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
        {"name": "mine", "context_window_tokens": 8000, "serving": {"h100-80gb": {
            "gpus_per_replica": 1, "interactive": point, "batch": point}}}])).models[0]
    batch = m.serving["h100-80gb"].batch
    assert (m.name, m.context_window_tokens, batch.prefill_tokens_per_s,
            batch.decode_tokens_per_s) == ("mine", 8000, 5, 6)
    assert p.message == "no catalog figures for mine on h100-80gb: give interactive, batch"


def test_derived_throughput_hand_worked():
    """Prefill = peak FLOPS x GPUs x MFU / (2 x active params) x PCIe penalty; decode = anchor x
    (bandwidth x GPUs) / (anchor bandwidth x anchor GPUs) x anchor weights / weights x PCIe
    penalty. Catalog figures: H100 989 BF16 / 1979 FP8 TFLOPS, 3.35 TB/s, NVLink; L40S 362 / 733,
    0.864 TB/s, no NVLink; H200 989 / 1979, 4.8 TB/s. MFU 0.30 interactive, 0.40 batch; PCIe
    penalty 0.7 when n > 1 without NVLink. Anchors: NIM 8B on 1x H100 decodes 12,215 / 13,348
    tokens/s, NIM 70B FP8 on 2x H100 814 / 920."""
    r = resolve(scenario(gpus=[{"name": g} for g in ("h100-80gb", "l40s-48gb", "h200-141gb")],
                         open_models=[{"name": n} for n in ("llama-3.1-8b", "llama-3.3-70b",
                                                            "mistral-small-24b")]))
    by = {m.name: m for m in r.models}

    def figures(model, gpu):
        s = by[model].serving[gpu]
        return (s.gpus_per_replica, s.interactive.prefill_tokens_per_s,
                s.interactive.decode_tokens_per_s, s.batch.prefill_tokens_per_s,
                s.batch.decode_tokens_per_s)

    # 8B BF16 (8.03B active, 16.1 GB) on its anchor GPU: prefill 989e12 x 0.30 / 16.06e9 =
    # 18,474.5 and x 0.40 = 24,632.6; decode the anchor's own figures.
    assert figures("llama-3.1-8b", "h100-80gb") == (1, 18474, 12215, 24633, 13348)
    # On one L40S (no NVLink, but one GPU: no penalty): prefill 362e12 x 0.30 / 16.06e9 =
    # 6,762.1; decode 12,215 x 0.864 / 3.35 = 3,150.4 (batch 13,348 x 0.2579 = 3,442.6).
    assert figures("llama-3.1-8b", "l40s-48gb") == (1, 6762, 3150, 9016, 3443)
    # On H200 decode scales with bandwidth only: 12,215 x 4.8 / 3.35 = 17,502.1.
    assert figures("llama-3.1-8b", "h200-141gb")[2] == 17502
    # Mistral 24B BF16 (23.6B active, 47.2 GB) needs 2 L40S (59 GB > 0.9 x 48): prefill
    # 362e12 x 2 x 0.30 / 47.2e9 x 0.7 = 3,221.2; decode 12,215 x (0.864 x 2 / 3.35) x
    # (16.1 / 47.2) x 0.7 = 1,504.4.
    assert figures("mistral-small-24b", "l40s-48gb")[:3] == (2, 3221, 1504)
    # 70B FP8 (70.6B active) on 2 H100 with NVLink: FP8 peak, no penalty: 1979e12 x 2 x 0.30 /
    # 141.2e9 = 8,409.3; decode the anchor's 814.
    assert figures("llama-3.3-70b", "h100-80gb")[:3] == (2, 8409, 814)
    # ... on 4 L40S: 733e12 x 4 x 0.30 / 141.2e9 x 0.7 = 4,360.6; decode 814 x (0.864 x 4) /
    # (3.35 x 2) x 0.7 = 293.9.
    assert figures("llama-3.3-70b", "l40s-48gb")[:3] == (4, 4361, 294)
    # ... on 1 H200: 1979e12 x 0.30 / 141.2e9 = 4,204.7; decode 814 x 4.8 / (3.35 x 2) = 583.2.
    assert figures("llama-3.3-70b", "h200-141gb")[:3] == (1, 4205, 583)
    # Provenance: the anchor's own figure is cited as published, a scaled one as an assumption.
    assert "decode: assumption" not in by["llama-3.1-8b"].sources["serving.h100-80gb"]
    assert "decode: assumption" not in by["llama-3.3-70b"].sources["serving.h100-80gb"]
    assert "decode: assumption, scaled" in by["llama-3.1-8b"].sources["serving.l40s-48gb"]
    assert "decode: assumption, scaled" in by["llama-3.3-70b"].sources["serving.h200-141gb"]


def test_model_kv_headroom_overrides_the_default():
    """gpt-oss-120b: 65.3 GB x (1 + its own 0.10) = 71.8 GB fits one H100 (0.9 x 80 = 72 GB);
    the default 0.25 headroom (81.6 GB) would need two."""
    m = resolve(scenario(gpus=[{"name": "h100-80gb"}],
                         open_models=[{"name": "gpt-oss-120b"}])).models[0]
    assert m.serving["h100-80gb"].gpus_per_replica == 1


def test_reserved_prices_derived_from_on_demand_and_cited_as_assumptions():
    """H100 on demand $3.99/h (Lambda); the site's commitment discounts are assumptions:
    1 year 3.99 x (1 - 0.35) = $2.5935/h, 3 years 3.99 x (1 - 0.50) = $1.995/h."""
    g = resolve(scenario(gpus=[{"name": "h100-80gb"}])).gpus[0]
    assert g.on_demand_usd_per_hour == 3.99
    assert g.reserved_usd_per_hour == {"1y": 2.5935, "3y": 1.995}
    assert g.sources["reserved_usd_per_hour.1y"].startswith("assumption: on-demand 3.99 x (1 - ")
    assert not g.sources["on_demand_usd_per_hour"].startswith("assumption")
    assert g.sources["on_demand_usd_per_hour"].endswith("(2025-10)")
    assert g.sources["purchase.life_years"].startswith("assumption: Depreciation lives")


def test_scenario_serving_and_memory_overrides_rederive():
    """Figures the scenario leaves out are derived for what it says: 70B FP8 at 4 H100 per
    replica prefills 1979e12 x 4 x 0.30 / 141.2e9 = 16,818.7 tokens/s and decodes 814 x
    (3.35 x 4) / (3.35 x 2) = 1,628; an H100 said to have 100 GB (90 usable) holds its 88.25 GB
    (70.6 x 1.25) on one GPU."""
    m = resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
        {"name": "llama-3.3-70b", "serving": {"h100-80gb": {"gpus_per_replica": 4}}}])).models[0]
    s = m.serving["h100-80gb"]
    assert (s.gpus_per_replica, s.interactive.prefill_tokens_per_s,
            s.interactive.decode_tokens_per_s) == (4, 16819, 1628)
    assert m.sources["serving.h100-80gb"].startswith("scenario: gpus_per_replica; others: 4 GPU")
    point = {"prefill_tokens_per_s": 5, "decode_tokens_per_s": 6}
    full = resolve(scenario(gpus=[{"name": "h100-80gb"}], open_models=[
        {"name": "llama-3.3-70b", "serving": {"h100-80gb": {
            "gpus_per_replica": 3, "interactive": point, "batch": point}}}])).models[0]
    assert full.sources["serving.h100-80gb"] == "scenario: gpus_per_replica, interactive, batch"
    big = resolve(scenario(gpus=[{"name": "h100-80gb", "memory_gb": 100}],
                           open_models=[{"name": "llama-3.3-70b"}])).models[0]
    assert big.serving["h100-80gb"].gpus_per_replica == 1


def test_catalog_gpus_shows_the_site_cost_lines_with_their_sources():
    # Issue 17's cost lines apply to every GPU unless a scenario overrides them: a user asking
    # `tco catalog gpus` what a GPU costs must see them, with where each figure comes from.
    import json

    from typer.testing import CliRunner

    from tco.catalog.hardware import site
    from tco.cli import app

    r = CliRunner().invoke(app, ["catalog", "gpus"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())  # the console wraps long citations
    for field in ("support_share_per_year", "software_usd_per_gpu_year",
                  "network_storage_usd_per_gpu_year"):
        fig = site()[field]
        assert " ".join(f"{field}: {fig.value:g} ({fig.cite()})".split()) in text
    rows = json.loads(CliRunner().invoke(app, ["catalog", "gpus", "--format", "json"]).stdout)
    assert {row["network_storage_usd_per_gpu_year"] for row in rows} == {
        site()["network_storage_usd_per_gpu_year"].value}
