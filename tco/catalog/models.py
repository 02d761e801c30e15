"""The open-model catalog (tco/data/models.yaml) and the resolution of `open_models:` entries.

GPUs per replica and throughput per GPU type are derived, not typed: from each model's weight
size and the GPU's memory (with KV-cache headroom), from published anchor benchmarks scaled by
memory bandwidth and weight bytes (decode) and from peak FLOPS at an assumed utilisation
(prefill). The rules and their reasons live in the data file; each derived figure's source says
which anchor and which scaling it used, so a reviewer can replace any of them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from tco.catalog.data import Sourced, load, sourced
from tco.catalog.types import OperatingPoint, ResolvedGpu, ResolvedModel, ResolvedServing
from tco.errors import Problem
from tco.scenario.schema import OpenModel, Serving

POINTS = ("interactive", "batch")


@dataclass(frozen=True)
class GpuSpec:
    """What the derivation needs to know about a GPU type."""

    name: str
    memory_gb: float
    bandwidth_tb_s: float
    bf16_tflops: float
    fp8_tflops: float
    nvlink: bool


@dataclass(frozen=True)
class Derived:
    """A derived serving entry with a sentence saying how it was derived."""

    serving: ResolvedServing
    source: str


@cache
def rules() -> dict[str, Sourced]:
    """The derivation rules of models.yaml (usable memory, headroom, MFU, scaling)."""
    return {k: sourced(v) for k, v in load("models")["rules"].items()}


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """The catalog models by name, as in the data file."""
    return load("models")["models"]


def anchor(model_name: str) -> dict[str, Any]:
    """The published benchmark a model's throughput is scaled from."""
    return load("models")["anchors"][catalog()[model_name]["anchor"]]


def gpu_spec(name: str, memory_gb: float | None = None) -> GpuSpec | None:
    """The catalog spec of a GPU type (memory overridable); None for a custom GPU."""
    from tco.catalog.hardware import catalog as gpus

    g = gpus().get(name)
    if g is None:
        return None
    return GpuSpec(name, memory_gb or g.value("memory_gb"), g.value("memory_bandwidth_tb_s"),
                   g.value("bf16_tflops"), g.value("fp8_tflops"), bool(g.value("nvlink")))


def _v(model: dict[str, Any], key: str) -> Any:
    """The value of a sourced model field."""
    return model[key]["value"]


def headroom(model: dict[str, Any]) -> float:
    """KV-cache headroom over the weights: the model's own figure or the default rule."""
    if "kv_headroom" in model:
        return _v(model, "kv_headroom")
    return rules()["kv_headroom_default"].value


def gpus_per_replica(model_name: str, gpu: GpuSpec) -> int | None:
    """Fewest GPUs (1, 2, 4, 8) whose usable memory holds weights plus KV headroom; None if >8."""
    m = catalog()[model_name]
    need = _v(m, "weights_gb") * (1 + headroom(m))
    usable = gpu.memory_gb * rules()["usable_memory_share"].value
    for n in rules()["replica_sizes"].value:
        if n * usable >= need:
            return n
    return None


def _prefill(model: dict[str, Any], gpu: GpuSpec, n: int, point: str) -> float:
    """Prefill tokens/s: peak FLOPS x MFU / (2 x active parameters).

    FP8 models use FP8 peak; BF16 and MXFP4 models (MXFP4 weights are dequantised for the
    matmuls on these GPUs) use BF16 peak.
    """
    tflops = gpu.fp8_tflops if model["precision"] == "fp8" else gpu.bf16_tflops
    mfu = rules()[f"prefill_mfu_{point}"].value
    return tflops * 1e12 * n * mfu / (2 * _v(model, "active_params_b") * 1e9) * _pcie(gpu, n)


def _pcie(gpu: GpuSpec, n: int) -> float:
    """Throughput kept when tensor parallelism runs over PCIe (no NVLink)."""
    return rules()["pcie_penalty"].value if (n > 1 and not gpu.nvlink) else 1.0


def _decode(model_name: str, gpu: GpuSpec, n: int, point: str) -> tuple[float, bool]:
    """Decode tokens/s scaled from the anchor; True when it is the anchor's own figure."""
    a = anchor(model_name)
    published = a[point]["decode_tokens_per_s"]
    if a["model"] == model_name and a["gpu"] == gpu.name and a["gpus"] == n:
        return float(published), True
    ref_gpu = gpu_spec(a["gpu"])
    ref_weights = _v(catalog()[a["model"]], "weights_gb")
    scale = (gpu.bandwidth_tb_s * n) / (ref_gpu.bandwidth_tb_s * a["gpus"])
    scale *= ref_weights / _v(catalog()[model_name], "weights_gb")
    return published * scale * _pcie(gpu, n), False


def derive(model_name: str, gpu: GpuSpec, n: int | None = None) -> Derived | None:
    """Serving of a catalog model on a catalog GPU; None when it does not fit in 8 GPUs."""
    n = n or gpus_per_replica(model_name, gpu)
    if n is None:
        return None
    m = catalog()[model_name]
    points, exact = {}, True
    for p in POINTS:
        decode, is_anchor = _decode(model_name, gpu, n, p)
        exact = exact and is_anchor
        points[p] = OperatingPoint(round(_prefill(m, gpu, n, p)), round(decode))
    a = anchor(model_name)
    decode_src = (f"decode: {a['source']} ({a['date']})" if exact else
                  f"decode: assumption, scaled from {a['source']} ({a['date']}) by "
                  f"{rules()['decode_scaling'].value}")
    source = (f"{n} GPU(s): {_v(m, 'weights_gb')} GB {m['precision']} weights x "
              f"(1 + {headroom(m)} KV headroom) in {rules()['usable_memory_share'].value} of "
              f"{gpu.memory_gb} GB per GPU; {decode_src}; prefill: assumption, peak "
              f"{m['precision']} FLOPS x MFU {rules()['prefill_mfu_interactive'].value}/"
              f"{rules()['prefill_mfu_batch'].value} / (2 x {_v(m, 'active_params_b')}B active)")
    return Derived(ResolvedServing(n, points["interactive"], points["batch"]), source)


def quality(model_name: str) -> dict[str, tuple[float, str]]:
    """Task -> (score, source) from the model's benchmarks through the task mapping."""
    m = catalog()[model_name]
    mapping = rules()["task_mapping"]
    out = {}
    for task, benches in mapping.value.items():
        for bench in benches:
            if bench in m["benchmarks"]:
                b = sourced(m["benchmarks"][bench])
                out[task] = (float(b.value), f"assumption: {task} = {bench} score "
                             f"(rules.task_mapping in models.yaml); {b.cite()}")
                break
    return out


def _merge_serving(name: str, gpu: ResolvedGpu, given: Serving | None,
                   where: tuple) -> tuple[ResolvedServing | None, str | None, list[Problem]]:
    """Scenario serving fields over derived ones for one GPU type."""
    spec = gpu_spec(gpu.name, gpu.memory_gb)
    derived = None
    if name in catalog() and spec is not None:
        derived = derive(name, spec, given.gpus_per_replica if given else None)
    if given is None:
        return (derived.serving, derived.source, []) if derived else (None, None, [])
    n = given.gpus_per_replica or (derived.serving.gpus_per_replica if derived else None)
    inter = given.interactive or (derived.serving.interactive if derived else None)
    batch = given.batch or (derived.serving.batch if derived else None)
    lacking = [k for k, v in (("gpus_per_replica", n), ("interactive", inter),
                              ("batch", batch)) if v is None]
    if lacking:
        return None, None, [Problem(where, f"no catalog figures for {name} on {gpu.name}: "
                                           f"give {', '.join(lacking)}")]
    fields = [k for k in ("gpus_per_replica", "interactive", "batch") if getattr(given, k)]
    source = "scenario: " + ", ".join(fields) + (f"; others: {derived.source}" if derived
                                                 and len(fields) < 3 else "")
    return ResolvedServing(int(n), OperatingPoint(inter.prefill_tokens_per_s,
                                                  inter.decode_tokens_per_s),
                           OperatingPoint(batch.prefill_tokens_per_s,
                                          batch.decode_tokens_per_s)), source, []


def resolve_model(model: OpenModel, index: int,
                  gpus: list[ResolvedGpu]) -> tuple[ResolvedModel | None, list[Problem]]:
    """One scenario open model: catalog under scenario overrides, serving on scenario GPUs."""
    cat = catalog().get(model.name)
    where = ("open_models", index)
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    scores = {t: s for t, (s, _) in quality(model.name).items()} if cat else {}
    if cat:
        sources.update({f"quality.{t}": src for t, (_, src) in quality(model.name).items()})
    for task, score in model.quality.items():
        scores[task] = score
        sources[f"quality.{task}"] = "scenario"
    context = model.context_window_tokens or (_v(cat, "context_window_tokens") if cat else None)
    if context is None:
        hint = difflib.get_close_matches(model.name.lower(), list(catalog()), n=3, cutoff=0.5)
        dym = f" (did you mean {', '.join(hint)}?)" if hint else ""
        problems.append(Problem(where + ("name",), f"unknown open model '{model.name}'{dym}: "
                                                   "a custom model needs context_window_tokens"))
    else:
        sources["context_window_tokens"] = ("scenario" if model.context_window_tokens else
                                            sourced(cat["context_window_tokens"]).cite())
    serving = {}
    for gpu in gpus:
        given = model.serving.get(gpu.name)
        s, src, errs = _merge_serving(model.name, gpu, given, where + ("serving", gpu.name))
        problems += errs
        if s is not None:
            serving[gpu.name] = s
            sources[f"serving.{gpu.name}"] = src
    if problems:
        return None, problems
    return ResolvedModel(model.name, scores, int(context), serving, sources), []


def listing() -> list[dict[str, Any]]:
    """Rows for `tco catalog models`: one per model and catalog GPU type it fits."""
    from tco.catalog.hardware import catalog as gpus

    rows = []
    for name, m in catalog().items():
        q = {t: s for t, (s, _) in quality(name).items()}
        for g in gpus():
            d = derive(name, gpu_spec(g))
            if d is None:
                continue
            rows.append({"model": name, "gpu": g, "gpus": d.serving.gpus_per_replica,
                         "interactive": d.serving.interactive, "batch": d.serving.batch,
                         "context": _v(m, "context_window_tokens"), "quality": q,
                         "source": d.source})
    return rows
