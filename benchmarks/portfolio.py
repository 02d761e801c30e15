"""Synthetic portfolios of any size for benchmarks and the regression test (deterministic, seeded).

A portfolio is a `Scenario` of N workloads over 12 quarters: a mix of tasks (chat, summarize,
code, extract), latencies (interactive, standard, batch), volumes spanning four orders of
magnitude (1e3 to 1e7 requests a month), residency rules (any, self_hosted only, a list of
providers) and fine-tune candidates, priced from the shipped catalogs.

Workloads are drawn from use-case archetypes: token profile, growth, latency, quality bar and
residency come from short menus (teams reuse templates), the volume is continuous. So a
large portfolio holds many workloads that differ only in volume, as real ones do.

Two catalogs:
- `catalog="shipped"`: APIs, GPUs and open models named only; `tco.catalog.resolve` fills
  prices, serving data and context windows from the shipped data (genai-prices snapshot).
- `catalog="plain"`: every entry fully specified here and resolved by
  `tests/engine_helpers.resolve_plain`; figures do not move when the shipped data changes
  (the regression test uses it). Also the fallback when `tco.catalog` is not importable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario

TASKS = ("chat", "summarize", "code", "extract")
GPUS = ("h100-80gb", "h200-141gb", "a100-80gb", "l40s-48gb", "b200-192gb", "mi300x-192gb")
MODELS = ("llama-3.1-8b", "llama-3.3-70b", "qwen-2.5-72b", "mistral-small-24b", "gpt-oss-20b",
          "gpt-oss-120b", "deepseek-v3")

# API id -> (input, cached input, output USD per 1M tokens, batch discount, quality by task).
APIS = {
    "openai/gpt-4.1": (2.0, 0.5, 8.0, 0.5, (86, 88, 87, 88)),
    "openai/gpt-4.1-mini": (0.4, 0.1, 1.6, 0.5, (78, 82, 78, 83)),
    "openai/gpt-4o-mini": (0.15, 0.075, 0.6, 0.5, (72, 77, 70, 78)),
    "anthropic/claude-sonnet-4-0": (3.0, 0.3, 15.0, 0.5, (89, 89, 91, 88)),
    "anthropic/claude-3-5-haiku-latest": (0.8, 0.08, 4.0, 0.5, (76, 80, 76, 81)),
    "google/gemini-2.5-flash": (0.3, 0.075, 2.5, 0.5, (80, 84, 79, 84)),
    "google/gemini-2.5-pro": (1.25, 0.31, 10.0, 0.5, (88, 90, 89, 88)),
    "mistral/mistral-small-latest": (0.1, 0.1, 0.3, None, (68, 74, 66, 76)),
}
# Model -> (quality by task, context window, {gpu: (gpus per replica, interactive prefill,
# decode, batch prefill, decode)}), rough public serving figures (vLLM, FP8/BF16).
_S = {  # relative GPU speed
    "h100-80gb": 1.0, "h200-141gb": 1.25, "a100-80gb": 0.55, "l40s-48gb": 0.35,
    "b200-192gb": 2.1, "mi300x-192gb": 1.1}
_MEM = {"h100-80gb": 80, "h200-141gb": 141, "a100-80gb": 80, "l40s-48gb": 48,
        "b200-192gb": 192, "mi300x-192gb": 192}
_MODEL_BASE = {  # quality, params (B, weights GB at serving precision), base tps on one H100
    "llama-3.1-8b": ((68, 72, 62, 74), 16, (30000, 3000)),
    "llama-3.3-70b": ((80, 82, 76, 82), 140, (12000, 1500)),
    "qwen-2.5-72b": ((81, 82, 80, 82), 144, (11000, 1400)),
    "mistral-small-24b": ((74, 77, 72, 78), 48, (20000, 2200)),
    "gpt-oss-20b": ((75, 76, 78, 77), 16, (35000, 3500)),
    "gpt-oss-120b": ((83, 83, 85, 83), 80, (16000, 2000)),
    "deepseek-v3": ((87, 87, 88, 86), 700, (9000, 1200)),
}
# Where each model is served (the catalog may know more pairs; these are the common ones).
SERVED_ON = {
    "llama-3.1-8b": ("l40s-48gb", "a100-80gb", "h100-80gb"),
    "llama-3.3-70b": ("h100-80gb", "h200-141gb", "mi300x-192gb"),
    "qwen-2.5-72b": ("h100-80gb", "h200-141gb"),
    "mistral-small-24b": ("l40s-48gb", "a100-80gb", "h100-80gb"),
    "gpt-oss-20b": ("l40s-48gb", "h100-80gb"),
    "gpt-oss-120b": ("h100-80gb", "h200-141gb", "b200-192gb"),
    "deepseek-v3": ("h200-141gb", "b200-192gb", "mi300x-192gb"),
}
GPU_PRICES = {  # on demand, 1y, 3y USD per GPU-hour; purchase price, power kW
    "h100-80gb": (2.99, 2.2, 1.85, 30000, 1.2),
    "h200-141gb": (3.79, 2.8, 2.3, 38000, 1.3),
    "a100-80gb": (1.79, 1.3, 1.05, 15000, 0.8),
    "l40s-48gb": (1.19, 0.9, 0.7, 9000, 0.6),
    "b200-192gb": (5.99, 4.4, 3.6, 50000, 1.6),
    "mi300x-192gb": (3.49, 2.5, 2.0, 20000, 1.3),
}

PROFILES = ((400, 150), (1200, 300), (3000, 500), (8000, 800), (20000, 400), (600, 1500))
GROWTH = (0.0, 0.3, 0.8)
LATENCY = ("interactive", "standard", "batch")
QUALITY = (0, 70, 78, 84)
PEAK = (1.5, 2.5)
CACHE = (0.0, 0.5)


def _serving(model: str) -> dict:
    _, weights_gb, (pre, dec) = _MODEL_BASE[model]
    out = {}
    for g in SERVED_ON[model]:
        gpus = 1
        while gpus * _MEM[g] * 0.8 < weights_gb and gpus < 8:
            gpus *= 2
        if gpus * _MEM[g] * 0.8 < weights_gb:
            continue
        k = _S[g] * gpus
        out[g] = {"gpus_per_replica": gpus,
                  "interactive": {"prefill_tokens_per_s": round(pre * k),
                                  "decode_tokens_per_s": round(dec * k)},
                  "batch": {"prefill_tokens_per_s": round(2 * pre * k),
                            "decode_tokens_per_s": round(3 * dec * k)}}
    return out


def _apis(plain: bool) -> list[dict]:
    out = []
    for api_id, (inp, cached, outp, batch, q) in APIS.items():
        entry = {"id": api_id, "quality": dict(zip(TASKS, map(float, q)))}
        if plain:
            entry["price"] = {"input_usd_per_mtok": inp, "cached_input_usd_per_mtok": cached,
                              "output_usd_per_mtok": outp}
            if batch is not None:
                entry["batch_discount"] = batch
            entry["context_window_tokens"] = 128000
        if api_id.startswith("openai/gpt-4.1-mini"):
            entry["fine_tuned_price"] = {"input_usd_per_mtok": 0.8, "output_usd_per_mtok": 3.2}
        out.append(entry)
    return out


def _models(plain: bool) -> list[dict]:
    out = []
    for name, (q, _, _) in _MODEL_BASE.items():
        entry = {"name": name, "quality": dict(zip(TASKS, map(float, q)))}
        if plain:
            entry["context_window_tokens"] = 128000
            entry["serving"] = _serving(name)
        out.append(entry)
    return out


def _gpus(plain: bool) -> list[dict]:
    out = []
    for name, (od, r1, r3, price, kw) in GPU_PRICES.items():
        entry = {"name": name}
        if plain:
            entry.update(memory_gb=_MEM[name], on_demand_usd_per_hour=od,
                         reserved_usd_per_hour={"1y": r1, "3y": r3},
                         purchase={"price_usd": price, "life_years": 4, "power_kw": kw,
                                   "facility_usd_per_kw_month": 180,
                                   "electricity_usd_per_kwh": 0.1, "pue": 1.3})
        out.append(entry)
    return out


def _workloads(n: int, rng: np.random.Generator) -> list[dict]:
    out = []
    for i in range(n):
        task = TASKS[rng.integers(len(TASKS))]
        inp, outp = PROFILES[rng.integers(len(PROFILES))]
        r = rng.random()
        residency = "any" if r < 0.8 else ("self_hosted" if r < 0.9 else
                                           sorted(rng.choice(["openai", "google", "anthropic"],
                                                             size=2, replace=False).tolist()))
        out.append({
            "name": f"{task}-{i:05d}",
            "task": task,
            "requests_per_month": float(round(10 ** rng.uniform(3, 7))),
            "growth_per_year": GROWTH[rng.integers(len(GROWTH))],
            "input_tokens": float(inp), "output_tokens": float(outp),
            "cached_input_share": CACHE[rng.integers(len(CACHE))],
            "peak_to_average": PEAK[rng.integers(len(PEAK))],
            "latency": LATENCY[rng.integers(len(LATENCY))],
            "min_quality": float(QUALITY[rng.integers(len(QUALITY))]),
            "error_cost_usd": 0.002 if rng.random() < 0.15 else 0.0,
            "residency": residency,
        })
    return out


def _fine_tunes(workloads: list[dict], rng: np.random.Generator) -> list[dict]:
    """About one fine-tune candidate per 50 workloads, each for 2-8 workloads of one task."""
    fts = []
    bases = ("llama-3.1-8b", "gpt-oss-20b", "mistral-small-24b", "openai/gpt-4.1-mini")
    for k in range(max(1, len(workloads) // 50)):
        task = TASKS[k % len(TASKS)]
        pool = [w["name"] for w in workloads if w["task"] == task]
        if not pool:
            continue
        members = sorted(rng.choice(pool, size=min(len(pool), int(rng.integers(2, 9))),
                                    replace=False).tolist())
        fts.append({"name": f"ft-{k:04d}", "base": bases[k % len(bases)], "workloads": members,
                    "training_cost_usd": float(rng.choice([5000, 20000, 60000])),
                    "retrain_every_periods": 4, "quality_uplift": {task: 10.0},
                    "input_token_reduction": 0.3})
    return fts


def shipped_catalog_available() -> bool:
    """Whether `tco.catalog.resolve` exists (the shipped catalogs have landed)."""
    try:
        from tco.catalog import resolve  # noqa: F401
    except ImportError:
        return False
    return True


def portfolio(n: int, seed: int = 0, catalog: str = "auto", mip_rel_gap: float = 0.01,
              time_limit_s: float = 600) -> tuple[Scenario, Resolved]:
    """A portfolio of `n` workloads (12 quarters) and its resolved catalog.

    `catalog`: "shipped", "plain" or "auto" (shipped when importable, else plain).
    """
    if catalog == "auto":
        catalog = "shipped" if shipped_catalog_available() else "plain"
    plain = catalog == "plain"
    rng = np.random.default_rng(seed)
    workloads = _workloads(n, rng)
    spec = {
        "name": f"portfolio-{n}-seed{seed}",
        "horizon": {"start": "2027Q1", "periods": 12, "period": "quarter"},
        "finance": {"discount_rate": 0.10},
        "workloads": workloads,
        "apis": _apis(plain),
        "open_models": _models(plain),
        "gpus": _gpus(plain),
        "staffing": {"platform_engineers": 2, "cost_usd_per_year": 250000,
                     "gpus_per_engineer": 64},
        "capacity": {"utilization_target": 0.7, "min_replicas": 1},
        "fine_tunes": _fine_tunes(workloads, rng),
        "solver": {"mip_rel_gap": mip_rel_gap, "threads": 1, "time_limit_s": time_limit_s},
    }
    s = Scenario.model_validate(spec)
    if plain:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from engine_helpers import resolve_plain

        return s, resolve_plain(s)
    from tco.catalog import resolve

    return s, resolve(s)
