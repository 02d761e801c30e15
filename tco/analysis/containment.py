"""Bounds one strategy's solve gives another's, when one strategy's plans are the other's too.

A strategy that allows every option (`hybrid`, or a scenario's own without restrictions) can
run any other strategy's plan that prices prompt caching the same way. So at one demand scale,
with U unrestricted and A any such strategy:

    optimum_U <= NPV of A's plan          (A's plan is one of U's: an upper bound for U)
    optimum_A >= optimum_U >= bound_U     (U's proven lower bound holds for A too)

where a point's proven lower bound is bound = NPV x (1 - gap). A time-limited solve of U that
returned a dearer plan than A's is reported at A's plan, its gap re-measured against U's own
bound; a solve of A whose own bound is weaker than U's gets U's, and a smaller gap. Both only
narrow what the solvers proved: nothing is estimated. Applied to every point the analysis
holds (curves, break-even scans), so a curve never shows hybrid above a strategy it contains
and a break-even's verdict uses every bound the run has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from tco.scenario.schema import Strategy


class _Point(Protocol):
    strategy: str
    npv_usd: float | None
    gap: float | None


def unrestricted(s: Strategy) -> bool:
    """A strategy that allows every option (like hybrid): any other strategy's plan with the
    same prompt caching is one of its plans too."""
    return not (s.option_kinds or s.providers or s.models or s.gpus or s.procurement
                or s.pin or s.allow)


def _bound(p: _Point) -> float:
    return p.npv_usd * (1.0 - p.gap)


def _usable(p: _Point) -> bool:
    return p.npv_usd is not None and p.npv_usd > 0 and p.gap is not None


def tighten(points: Mapping[str, _Point], strategies: Mapping[str, Strategy]) -> dict:
    """The points of one demand scale (strategy name -> point) with the bounds they give each
    other (module docstring). Points of unknown strategies, without a plan, with no gap from
    the solver, or with a non-positive NPV are left as they are."""
    out = dict(points)
    for u_name, pu in points.items():
        su = strategies.get(u_name)
        if su is None or not unrestricted(su) or not _usable(pu):
            continue
        bound_u = _bound(pu)
        for a_name, pa in points.items():
            sa = strategies.get(a_name)
            if a_name == u_name or sa is None or sa.prompt_caching != su.prompt_caching \
                    or not _usable(pa):
                continue
            cur_u = out[u_name]
            if pa.npv_usd < cur_u.npv_usd:
                out[u_name] = replace(cur_u, npv_usd=pa.npv_usd,
                                      gap=max(0.0, (pa.npv_usd - bound_u) / pa.npv_usd))
            cur_a = out[a_name]
            if bound_u > _bound(cur_a):
                out[a_name] = replace(cur_a, gap=max(0.0, (cur_a.npv_usd - bound_u)
                                                     / cur_a.npv_usd))
    return out


def cheapest_contained(points: Mapping[str, _Point], strategy: Strategy,
                       strategies: Mapping[str, Strategy]) -> _Point | None:
    """Among the points of one demand scale, the cheapest plan of a strategy whose plans are
    `strategy`'s too (when `strategy` is unrestricted): `strategy`'s optimum there is at most
    its NPV. None when `strategy` is restricted or no such point has a plan."""
    if not unrestricted(strategy):
        return None
    best = None
    for name, p in points.items():
        s = strategies.get(name)
        if name == strategy.name or s is None or s.prompt_caching != strategy.prompt_caching \
                or p.npv_usd is None:
            continue
        if best is None or p.npv_usd < best.npv_usd:
            best = p
    return best
