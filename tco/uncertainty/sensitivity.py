"""Sensitivity: a tornado of the uncertain inputs, one source at a time.

Each source of randomness (a shared factor moves all its inputs together) is set to its low and
high value, every other source left as written in the scenario (factor 1, shift 0). Low and
high are the source's P10 and P90, or with `bounds` the smallest and largest value it can take
(uniform, triangular and discrete distributions, and a normal truncated on both sides; P10/P90
otherwise). At each, two NPVs (tco.uncertainty.evaluate):

    fixed        the recommended plan held fixed, only recourse re-optimised
    reoptimised  the best plan had the value been known (the `hybrid` optimum)

swing = |NPV(high) - NPV(low)| of the plan held fixed; bars are sorted by it, largest first.
The base is the scenario as written (both NPVs equal the recommended plan's objective).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario
from tco.uncertainty.distributions import support
from tco.uncertainty.draws import apply, sources
from tco.uncertainty.evaluate import FirstStage, npvs_of


@dataclass(frozen=True)
class SensitivityContext:
    scenario: Scenario
    resolved: Resolved
    plan: FirstStage


def low_high(src, bounds: bool = False) -> tuple[float, float, str]:
    """The low and high value of a source and what they are (P10/P90 or bounds)."""
    if bounds:
        lo, hi = support(src.dist)
        lo, hi = max(lo, src.valid[0]), min(hi, src.valid[1])
        if math.isfinite(lo) and math.isfinite(hi):
            return float(lo), float(hi), "bounds"
    lo, hi = src.at(np.array([0.1, 0.9]))
    return float(lo), float(hi), "P10/P90"


def point_task(ctx: SensitivityContext, j: int, value: float) -> dict:
    """Both NPVs with source j at `value` (j = -1: the scenario as written)."""
    srcs = sources(ctx.scenario)
    values = [s.neutral for s in srcs]
    if j >= 0:
        values[j] = value
    s, r = apply(ctx.scenario, ctx.resolved, srcs, values)
    reopt, fixed = npvs_of(s, r, None, [None, ctx.plan])
    return {"fixed": fixed.npv_usd, "fixed_status": fixed.status,
            "reoptimised": reopt.npv_usd, "reoptimised_status": reopt.status}


def tasks(scenario: Scenario, bounds: bool = False) -> list[tuple[int, float]]:
    """(source index, value) of every solve: the base, then each source low and high."""
    out = [(-1, 0.0)]
    for j, src in enumerate(sources(scenario)):
        lo, hi, _ = low_high(src, bounds)
        out += [(j, lo), (j, hi)]
    return out


def tornado(scenario: Scenario, results: list[dict], bounds: bool = False) -> dict:
    """The tornado table from the solves of `tasks` (same order)."""
    srcs = sources(scenario)
    base = results[0]
    bars = []
    for j, src in enumerate(srcs):
        lo, hi, kind = low_high(src, bounds)
        a, b = results[1 + 2 * j], results[2 + 2 * j]

        def swing(key: str) -> float | None:
            if a[key] is None or b[key] is None:
                return None
            return abs(b[key] - a[key])

        bars.append({"source": src.name, "driver": src.driver, "range": kind,
                     "inputs": [scenario.uncertainty.inputs[i].of for i in src.inputs],
                     "low": lo, "high": hi,
                     "fixed_low_usd": a["fixed"], "fixed_high_usd": b["fixed"],
                     "reoptimised_low_usd": a["reoptimised"],
                     "reoptimised_high_usd": b["reoptimised"],
                     "swing_fixed_usd": swing("fixed"),
                     "swing_reoptimised_usd": swing("reoptimised"),
                     "status": "ok" if all(x[k] == "ok" for x in (a, b) for k in (
                         "fixed_status", "reoptimised_status")) else "; ".join(
                         f"{side} {k.split('_')[0]}: {x[k]}" for side, x in (("low", a),
                                                                               ("high", b))
                         for k in ("fixed_status", "reoptimised_status") if x[k] != "ok")})
    bars.sort(key=lambda r: -(r["swing_fixed_usd"] if r["swing_fixed_usd"] is not None
                              else -1.0))
    return {"base_fixed_usd": base["fixed"], "base_reoptimised_usd": base["reoptimised"],
            "bars": bars}


def sensitivity(scenario: Scenario, resolved: Resolved, plan: FirstStage, *,
                bounds: bool = False, jobs: int | None = None, scheduler=None,
                progress: bool = False) -> dict:
    """The tornado of the scenario's uncertain inputs around the plan `plan` (first stage)."""
    from tco.analysis.points import single_threaded
    from tco.execution import Pool, run_tasks

    ctx = SensitivityContext(single_threaded(scenario), resolved, plan)
    with Pool(ctx, jobs, scheduler) as pool:
        solved = run_tasks(pool, point_task, tasks(scenario, bounds), "sensitivity", progress)
    return tornado(scenario, solved, bounds)
