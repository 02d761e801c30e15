"""Draws: the sources of randomness, their values per draw, and a draw applied to a scenario.

Sources, in this order: each shared factor (`uncertainty.factors`, in the order written), then
each input with its own distribution (`uncertainty.inputs`, in order). Inputs naming a factor
take that factor's value, so they move together. Draw i's uniforms come from
numpy's PCG64 seeded with (seed, i): draw i is the same whatever N, the order draws are
evaluated in, or the machine (the property `--resume` and Dask rely on).

A draw is applied as a transformed copy of the scenario and its catalog data (`apply`);
nothing else in the pipeline knows about uncertainty. What a value v does per driver is in
`tco.scenario.schema.UncertainInput`: factors multiply (volume, tokens, api_price, gpu_price,
salary, throughput), shifts add (growth, api_price_trend, quality). Several inputs on one
driver and target compose (factors multiply, shifts add).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from tco.catalog.types import Resolved, TokenPrices
from tco.scenario.schema import Distribution, Scenario, UncertainInput
from tco.uncertainty.distributions import quantile

SHIFTS = ("growth", "api_price_trend", "quality")
"""Drivers whose value is added; every other driver's value multiplies."""
VALID: dict[str, tuple[float, float]] = {
    "volume": (0.0, math.inf), "tokens": (1e-6, math.inf), "api_price": (0.0, math.inf),
    "gpu_price": (0.0, math.inf), "salary": (0.0, math.inf), "throughput": (1e-6, math.inf),
    "growth": (-0.99, 10.0), "api_price_trend": (-0.99, 10.0), "quality": (-100.0, 100.0)}
"""Range each driver's value is kept in (a truncated normal is truncated to it)."""
TARGET_KIND = {"volume": "workload", "growth": "workload", "tokens": "workload",
               "api_price": "provider", "api_price_trend": "provider", "gpu_price": "gpu",
               "salary": "all", "throughput": "model", "quality": "api or model"}


@dataclass(frozen=True)
class Source:
    """One independent source of randomness: a shared factor or an input's own distribution."""

    name: str
    dist: Distribution
    inputs: tuple[int, ...]
    """Indices into `uncertainty.inputs` that take this source's value."""
    valid: tuple[float, float]
    """Intersection of the driven ranges of its inputs."""
    driver: str
    """The driver of its inputs (a factor's inputs share one kind of value, checked)."""

    @property
    def neutral(self) -> float:
        """The value that leaves the scenario as written (1 for factors, 0 for shifts)."""
        return 0.0 if self.is_shift else 1.0

    @property
    def is_shift(self) -> bool:
        """Whether the value is added (growth, trend, quality) rather than multiplied."""
        return self.driver in SHIFTS

    def at(self, u) -> np.ndarray:
        """Values at probabilities u."""
        return quantile(self.dist, u, self.valid)


def input_label(inp: UncertainInput) -> str:
    """The name shown for an input: its own, else `driver[of]`."""
    return inp.name or (inp.driver if inp.of == "all" else f"{inp.driver}[{inp.of}]")


def sources(scenario: Scenario) -> list[Source]:
    """Every source of randomness of the scenario's `uncertainty:` section, in order."""
    unc = scenario.uncertainty
    if unc is None:
        return []
    out = []
    for name, dist in unc.factors.items():
        idx = tuple(i for i, inp in enumerate(unc.inputs) if inp.factor == name)
        if not idx:
            continue
        lo = max(VALID[unc.inputs[i].driver][0] for i in idx)
        hi = min(VALID[unc.inputs[i].driver][1] for i in idx)
        out.append(Source(name, dist, idx, (lo, hi), unc.inputs[idx[0]].driver))
    for i, inp in enumerate(unc.inputs):
        if inp.factor is None:
            out.append(Source(input_label(inp), inp, (i,), VALID[inp.driver], inp.driver))
    return out


def uniforms(seed: int, draw: int, k: int) -> np.ndarray:
    """The k uniforms of draw `draw` (PCG64 seeded with (seed, draw))."""
    return np.random.default_rng([seed, draw]).random(k)


def draw_values(srcs: list[Source], seed: int, draw: int) -> np.ndarray:
    """Each source's value in draw `draw`."""
    u = uniforms(seed, draw, len(srcs))
    return np.array([float(s.at(u[j])) for j, s in enumerate(srcs)])


def input_values(scenario: Scenario, srcs: list[Source], values) -> list[float]:
    """Each input's value from its source's value."""
    out = [0.0] * len(scenario.uncertainty.inputs)
    for s, v in zip(srcs, values):
        for i in s.inputs:
            out[i] = float(v)
    return out


def apply(scenario: Scenario, resolved: Resolved, srcs: list[Source], values
          ) -> tuple[Scenario, Resolved]:
    """The scenario and catalog data with each source at `values` (one per source)."""
    inputs = scenario.uncertainty.inputs
    vals = input_values(scenario, srcs, values)
    mult: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
    shift: dict[tuple[str, str], float] = defaultdict(float)
    for inp, v in zip(inputs, vals):
        if inp.driver in SHIFTS:
            shift[(inp.driver, inp.of)] += v
        else:
            mult[(inp.driver, inp.of)] *= v

    def m(driver: str, name: str) -> float:
        return mult.get((driver, "all"), 1.0) * mult.get((driver, name), 1.0)

    def a(driver: str, names) -> float:
        return shift.get((driver, "all"), 0.0) + sum(shift.get((driver, n), 0.0) for n in names)

    workloads = []
    for w in scenario.workloads:
        k, kt, g = m("volume", w.name), m("tokens", w.name), a("growth", [w.name])
        upd = {}
        if k != 1.0:
            rpm = w.requests_per_month
            upd["requests_per_month"] = [r * k for r in rpm] if isinstance(rpm, list) else rpm * k
        if kt != 1.0:
            upd["input_tokens"] = w.input_tokens * kt
            upd["output_tokens"] = w.output_tokens * kt
        if g:
            upd["growth_per_year"] = min(max(w.growth_per_year + g, -0.99), 100.0)
        workloads.append(w.model_copy(update=upd) if upd else w)
    upd = {"workloads": workloads}
    ks = m("salary", "all")
    if ks != 1.0:
        upd["staffing"] = scenario.staffing.model_copy(
            update={"cost_usd_per_year": scenario.staffing.cost_usd_per_year * ks})
    out_s = scenario.model_copy(update=upd)

    apis = []
    for api in resolved.apis:
        kp, dt = m("api_price", api.provider), a("api_price_trend", [api.provider])
        dq = a("quality", [api.id])
        new = api
        if kp != 1.0:
            new = replace(new, tiers=tuple(
                replace(t, realtime=_prices(t.realtime, kp), batch=_prices(t.batch, kp))
                for t in new.tiers), fine_tuned=_prices(new.fine_tuned, kp))
        if dt:
            new = replace(new, price_trend_per_year=max(new.price_trend_per_year + dt, -0.99))
        if dq:
            new = replace(new, quality=_scores(new.quality, dq))
        apis.append(new)
    gpus = []
    for g in resolved.gpus:
        k = m("gpu_price", g.name)
        if k != 1.0:
            g = replace(g, on_demand_usd_per_hour=None if g.on_demand_usd_per_hour is None
                        else g.on_demand_usd_per_hour * k,
                        reserved_usd_per_hour={t: p * k for t, p in
                                               g.reserved_usd_per_hour.items()},
                        purchase=None if g.purchase is None
                        else replace(g.purchase, price_usd=g.purchase.price_usd * k))
        gpus.append(g)
    models = []
    for mo in resolved.models:
        k, dq = m("throughput", mo.name), a("quality", [mo.name])
        if k != 1.0:
            mo = replace(mo, serving={g: replace(
                sv, interactive=_tps(sv.interactive, k), batch=_tps(sv.batch, k))
                for g, sv in mo.serving.items()})
        if dq:
            mo = replace(mo, quality=_scores(mo.quality, dq))
        models.append(mo)
    out_r = replace(resolved, apis=tuple(apis), gpus=tuple(gpus), models=tuple(models))
    return out_s, out_r


def _prices(p: TokenPrices | None, k: float) -> TokenPrices | None:
    if p is None:
        return None
    return replace(p, input=p.input * k, cached_input=p.cached_input * k, output=p.output * k)


def _tps(op, k: float):
    return replace(op, prefill_tokens_per_s=op.prefill_tokens_per_s * k,
                   decode_tokens_per_s=op.decode_tokens_per_s * k)


def _scores(q: dict[str, float], d: float) -> dict[str, float]:
    return {task: min(max(v + d, 0.0), 100.0) for task, v in q.items()}
