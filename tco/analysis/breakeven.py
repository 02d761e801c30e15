"""Break-even: the demand scale at which two strategies cost the same.

Let d(s) = NPV_a(s) - NPV_b(s), where s multiplies every workload's requests. Integer replicas,
GPUs and engineers make each NPV a step function of s, so d need not be monotone and may jump
across zero without ever being zero. The search therefore:

1. scans a log grid over [min_scale, max_scale] (default 0.01x to 1000x, 4 points a decade)
   and takes the sign of d at each point, with |d| <= equal_rtol x max(|NPV_a|, |NPV_b|)
   counting as equal (sign 0; default twice the searches' MIP gap, which is the plan's,
   since each NPV may lie that far above its optimum). b is solved first; a is not solved
   where a plan a can run too (a point of another strategy the run holds, when a is
   unrestricted: tco.analysis.containment) already costs less than b by more than the band,
   since a's optimum is at most that plan's NPV; such a point is solved only if it ends up
   as an end of the reported bracket;
2. takes the first pair of neighbouring grid points whose signs differ (a crossing, + to -
   or - to +; or a divergence, where the two cost the same below and one is cheaper above,
   as `hybrid` against `api_only` when self-hosting starts to pay);
3. narrows that bracket [lo, hi] until hi / lo <= 1 + rtol, keeping in each round the first
   sub-bracket whose ends differ in sign. For a crossing, rounds alternate: a pair of points
   (1 + rtol)^0.98 apart around where the straight line between the ends' differences
   crosses zero (d is near linear in s between steps of the fleet, so one such round usually
   closes the bracket), then k points evenly spaced in log(s) inside it (k = 1 is bisection;
   k = workers / 2 with parallel workers), so a step function is still bracketed. A crossing
   is narrowed on the sign of d itself (the band of "equal" would bias it by equal_rtol); a
   divergence, flat on one side and bent at the change, by k-section rounds alone, on the
   banded sign;
4. reports s* = sqrt(lo x hi), within a factor sqrt(1 + rtol) of the bracket's true change
   of sign, so the relative error is below rtol / 2.

Later changes of sign on the grid are listed too (a step of the fleet can make self-hosting
briefly dearer again). A point where a strategy has no feasible plan has no sign; signs are
compared only between neighbouring feasible points, and a bracket whose end becomes
infeasible while narrowing is reported as ending at the feasibility limit.

Every NPV comes from `points.npv_at` through the evaluator (parallel, cached).
"""

from __future__ import annotations

import math

import numpy as np

from tco.analysis.parallel import Evaluator, Point
from tco.analysis.points import first_period_demand
from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario

CHEAPEST_API = "cheapest_api"
"""Stands for whichever of api_only and api_batch_cache costs less at today's demand: what a
team that buys would really pay, so self-hosting is not flattered by full-price APIs."""
API_STRATEGIES = ("api_only", "api_batch_cache")
DEFAULT_PAIRS = (("self_host_only", CHEAPEST_API), ("hybrid", CHEAPEST_API))
PER_DECADE = 4


def log_grid(lo: float, hi: float, per_decade: int = PER_DECADE) -> list[float]:
    """Scales from lo to hi, evenly spaced in log10 with `per_decade` steps a decade."""
    n = max(1, round(math.log10(hi / lo) * per_decade))
    return [float(10 ** x) for x in np.linspace(math.log10(lo), math.log10(hi), n + 1)]


def _sign(pa: Point, pb: Point, equal_rtol: float) -> int | None:
    if pa.npv_usd is None or pb.npv_usd is None:
        return None
    d = pa.npv_usd - pb.npv_usd
    if abs(d) <= equal_rtol * max(abs(pa.npv_usd), abs(pb.npv_usd), 1.0):
        return 0
    return 1 if d > 0 else -1


def _lower(p: Point) -> float:
    """The proven lower bound of a point's optimal NPV (its NPV is a feasible plan's)."""
    return p.npv_usd - (p.gap or 0.0) * abs(p.npv_usd)


def _proven(pa: Point, pb: Point, equal_rtol: float, target_gap: float) -> bool:
    """Whether the sign of NPV_a - NPV_b holds for every optimum the two bounds allow.

    Points solved to the target gap are proven by construction (the band of "equal" is twice
    the gap). A point stopped wider (time limit, or stopped once its comparison was decided)
    is proven only when its whole interval [NPV (1 - gap), NPV] gives the same sign."""
    if pa.npv_usd is None or pb.npv_usd is None:
        return pa.status == "infeasible" or pb.status == "infeasible"
    if max(pa.gap or 0.0, pb.gap or 0.0) <= target_gap * (1 + 1e-9):
        return True
    band = equal_rtol * max(abs(pa.npv_usd), abs(pb.npv_usd), 1.0)
    lo, hi = _lower(pa) - pb.npv_usd, pa.npv_usd - _lower(pb)
    sign = _sign(pa, pb, equal_rtol)
    return {1: lo > band, -1: hi < -band, 0: lo >= -band and hi <= band}[sign]


def against(pb: Point, equal_rtol: float, target_gap: float):
    """What a solve of strategy a at b's scale is compared with (`tco.model.bracket.Against`),
    None when b has no plan there. A b proven only to a gap wider than the target (its solve
    reached its time limit) is compared by its interval [NPV (1 - gap), NPV], as `_proven`
    reads it: a's solve stops once the two intervals decide the sign, where before it ran to
    its own time limit (the bank example's residency rules make its API strategies MILPs:
    their points above 5x stop at the limit, issue 16)."""
    from tco.model.bracket import Against

    if pb.npv_usd is None:
        return None
    wide = (pb.gap or 0.0) > target_gap * (1 + 1e-9)
    # the band of the banded sign, with a's NPV taken as b's (a decided verdict keeps it)
    return Against(pb.npv_usd, equal_rtol * max(abs(pb.npv_usd), 1.0),
                   spread=pb.npv_usd - _lower(pb) if wide else 0.0)


def breakeven(scenario: Scenario, resolved: Resolved, a: str = "self_host_only",
              b: str = "api_only", *, min_scale: float = 0.01, max_scale: float = 1000.0,
              rtol: float = 0.01, equal_rtol: float | None = None, per_decade: int = PER_DECADE,
              jobs: int | None = None, progress: bool = False,
              evaluator: Evaluator | None = None) -> dict:
    """The demand scale at which strategies `a` and `b` cost the same, searched in log space.

    Returns a dict: a, b, mip_rel_gap (the gap every NPV compared is proven to: the plan's, or
    the largest a solve stopped at when one hit the time limit), equal_rtol,
    found, kind (crossing | divergence | feasibility_limit, where one
    strategy stops having a plan before any cost crossing | None), scale (s*), scale_low,
    scale_high (the final bracket), rtol, requests_per_month and tokens_per_month at s* (first
    period, all workloads), per_workload (the same per workload), npv_a_usd / npv_b_usd at
    both bracket ends, cheaper_below, cheaper_above, other_changes (later grid brackets where
    the sign changes again), infeasible (scales where a or b has no plan), min_scale,
    max_scale, target_gap (the plan's gap), proven (False when at some scale compared the
    solvers' bounds leave the sign of NPV_a - NPV_b open: a point stopped wide at its time limit),
    unproven_scales, and message (the answer in one or two plain sentences; it says
    NOT PROVEN when `proven` is False).
    """
    from tco.analysis.strategies import strategy_named

    if evaluator is None:
        with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
            return breakeven(scenario, resolved, a, b, min_scale=min_scale, max_scale=max_scale,
                             rtol=rtol, equal_rtol=equal_rtol, per_decade=per_decade,
                             evaluator=ev)
    if not 0 < min_scale < max_scale:
        raise ValueError("need 0 < min_scale < max_scale")
    if rtol <= 0:
        raise ValueError("rtol must be positive")
    sa, sb = strategy_named(scenario, a), strategy_named(scenario, b)
    ev = evaluator
    if equal_rtol is None:
        equal_rtol = 2 * ev.search.solver.mip_rel_gap

    target = ev.search.solver.mip_rel_gap
    unproven: dict[float, float] = {}
    """Scale -> widest gap, where the bounds leave the sign of NPV_a - NPV_b open."""

    def signs(scales: list[float], label: str) -> list[tuple[int | None, Point, Point]]:
        # b first: a's solves then stop as soon as their bounds decide the comparison
        pbs = ev.points([(sb, x) for x in scales], label)
        vs = {x: against(pb, equal_rtol, target) for x, pb in zip(scales, pbs)}
        bounded = {x: p for x, ag in vs.items() if (p := contained(x, ag)) is not None}
        todo = [x for x in scales if x not in bounded]
        solved = dict(zip(todo, ev.points([(sa, x) for x in todo], label,
                                          against=[vs[x] for x in todo])))
        pas = [bounded.get(x) or solved[x] for x in scales]
        out = []
        for x, pa, pb in zip(scales, pas, pbs):
            if pa.status == "error" or pb.status == "error" or not _proven(pa, pb, equal_rtol,
                                                                             target):
                unproven[x] = max(pa.gap or 0.0, pb.gap or 0.0)
            out.append((_sign(pa, pb, equal_rtol), pa, pb))
        return out

    def contained(x: float, ag) -> Point | None:
        # a's sign needs no solve where a plan it contains (self_host_only's in hybrid, the
        # point held from the curves or the other pair) already costs less than every value
        # b's optimum may take by more than the band (`Against.cheaper`): a's optimum is at
        # most that plan's (tco.analysis.containment).
        # At 178x-1000x the enterprise example's hybrid points took 2.6-4 s each.
        c = ev.contained(sa, x)
        if ag is None or c is None or not ag.cheaper(c.npv_usd):
            return None
        return Point(a, x, c.npv_usd, "ok", f"not solved: {c.strategy}'s plan, one of {a}'s "
                     f"too, costs less than {b} by more than the band", solved=False)

    out: dict = {"a": a, "b": b, "mip_rel_gap": ev.search.solver.mip_rel_gap,
                 "equal_rtol": equal_rtol, "found": False, "kind": None, "scale": None,
                 "scale_low": None, "scale_high": None, "rtol": rtol,
                 "min_scale": min_scale, "max_scale": max_scale,
                 "requests_per_month": None, "tokens_per_month": None, "per_workload": [],
                 "npv_a_usd": None, "npv_b_usd": None, "cheaper_below": None,
                 "cheaper_above": None, "other_changes": [], "infeasible_today": [],
                 "cheaper_throughout": None, "target_gap": target, "proven": True,
                 "unproven_scales": []}
    today = ev.points([(sa, 1.0), (sb, 1.0)], f"break-even {a} vs {b}: today's demand")
    out["infeasible_today"] = [p.strategy for p in today if p.npv_usd is None]
    if out["infeasible_today"]:
        # No search: a strategy with no plan today would only be confirmed at every scale, one
        # solve at a time; what the user needs is why it cannot serve today's workloads.
        out["infeasible"] = {n: [1.0] for n in out["infeasible_today"]}
        out["message"] = _infeasible_today(today, scenario, resolved,
                                           {sa.name: sa, sb.name: sb})
        return out
    grid = log_grid(min_scale, max_scale, per_decade)
    scan = signs(grid, f"break-even {a} vs {b}: scan")
    out["infeasible"] = {a: [x for x, (_, pa, _) in zip(grid, scan) if pa.status == "infeasible"],
                         b: [x for x, (_, _, pb) in zip(grid, scan) if pb.status == "infeasible"]}
    feasible = [(x, s, pa, pb) for x, (s, pa, pb) in zip(grid, scan) if s is not None]
    changes = [(i, i + 1) for i in range(len(feasible) - 1)
               if feasible[i][1] != feasible[i + 1][1]]
    if not changes:
        signs_seen = {sg for _, sg, _, _ in feasible}
        if len(signs_seen) == 1 and signs_seen != {0}:
            out["cheaper_throughout"] = _cheaper(a, b, feasible[0][1])
        out["mip_rel_gap"] = _held_gap(out["mip_rel_gap"],
                                       [p for _, pa, pb in scan for p in (pa, pb)])
        out["proven"], out["unproven_scales"] = not unproven, sorted(unproven)
        out["message"] = _no_crossover(a, b, feasible, out["infeasible"], min_scale, max_scale,
                                       scan) + _gap_note(out)
        return out

    i, j = changes[0]
    lo, s_lo, lo_a, lo_b = feasible[i]
    hi, s_hi, hi_a, hi_b = feasible[j]
    s_above = s_hi  # the grid's sign above the change says what kind of change it is
    later = changes[1:]
    if s_lo and s_hi == 0 and j + 1 < len(feasible) and feasible[j + 1][1] == -s_lo:
        # + 0 - on the grid: a crossing that one grid point caught within the solver's gap
        s_above, later = -s_lo, later[1:]
    crossing = bool(s_lo and s_above)

    def same_side(pa: Point, pb: Point) -> bool:
        # a crossing is narrowed on the sign of d itself, so that the band of "equal" does
        # not pull it towards the cheaper side; a divergence on the banded sign
        if crossing:
            return (pa.npv_usd - pb.npv_usd) * s_lo > 0
        return _sign(pa, pb, equal_rtol) == s_lo

    def lead(pa: Point, pb: Point) -> float | None:
        # how far a point is on lo's side of a crossing (> 0) or on hi's (< 0): d, in USD
        if not crossing or pa.npv_usd is None or pb.npv_usd is None or s_hi is None:
            return None
        return (pa.npv_usd - pb.npv_usd) * s_lo

    # Each NPV is near linear in s between steps of the fleet, so a crossing is first looked
    # for where the straight line between the bracket's ends crosses zero, with a pair of
    # points (1 + rtol)^0.98 apart around it: when the line is right, one round closes the
    # bracket (enterprise example: 1 round where bisection took 6). A round whose pair
    # misses still shrinks the bracket, and is followed by a k-section round, so a step
    # function is bracketed as surely as by bisection. A divergence is bisected: its d is
    # flat on one side and bends at the change, where a straight line misleads (tried: more
    # rounds than bisection on the enterprise example).
    half = 0.49 * math.log1p(rtol)
    k = max(1, ev.width // 2)
    interpolate = True
    while hi / lo > 1 + rtol:
        f_lo, f_hi = lead(lo_a, lo_b), lead(hi_a, hi_b)
        if interpolate and f_lo is not None and f_hi is not None and f_lo > 0 > f_hi:
            r = lo + (hi - lo) * f_lo / (f_lo - f_hi)
            c = min(max(math.log(r), math.log(lo) + 1.01 * half), math.log(hi) - 1.01 * half)
            inner = [math.exp(c - half), math.exp(c + half)]
            interpolate = False
        else:
            step = (math.log(hi) - math.log(lo)) / (k + 1)
            inner = [math.exp(math.log(lo) + step * (m + 1)) for m in range(k)]
            interpolate = True
        res = signs(inner, f"break-even {a} vs {b}: narrowing")
        for x, (sg, pa, pb) in zip(inner, res):
            if sg is None or not same_side(pa, pb):
                hi, s_hi, hi_a, hi_b = x, sg, pa, pb
                break
            lo, lo_a, lo_b = x, pa, pb
    # the bracket's ends are reported with their NPVs: solve an end that only a contained
    # plan bounded (a change of sign next to it)
    lo_a, hi_a = (p if p.solved else ev.points([(sa, p.scale)], "break-even: bracket")[0]
                  for p in (lo_a, hi_a))
    scale = math.sqrt(lo * hi)
    per_w = first_period_demand(scenario, scale)
    kind = "feasibility_limit" if s_hi is None else "crossing" if crossing else "divergence"
    out.update(found=kind != "feasibility_limit", kind=kind, scale=scale,
               scale_low=lo, scale_high=hi,
               requests_per_month=sum(w["requests_per_month"] for w in per_w),
               tokens_per_month=sum(w["tokens_per_month"] for w in per_w), per_workload=per_w,
               npv_a_usd={"low": lo_a.npv_usd, "high": hi_a.npv_usd},
               npv_b_usd={"low": lo_b.npv_usd, "high": hi_b.npv_usd},
               cheaper_below=_cheaper(a, b, s_lo),
               cheaper_above=_cheaper(a, b, s_above if s_hi is not None else None),
               other_changes=[[feasible[p][0], feasible[q][0]] for p, q in later])
    out["mip_rel_gap"] = _held_gap(out["mip_rel_gap"], [p for _, pa, pb in scan for p in (pa, pb)]
                                   + [lo_a, lo_b, hi_a, hi_b])
    out["proven"], out["unproven_scales"] = not unproven, sorted(unproven)
    out["message"] = _found_message(out) + _gap_note(out)
    return out


def _held_gap(target: float, pts: list[Point]) -> float:
    """The gap a verdict holds to: the target, or the largest a solve stopped at."""
    return max([target, *(p.gap for p in pts if p.gap is not None)])


def _gap_note(r: dict) -> str:
    """What the verdict holds to, and plainly when the bounds do not decide it somewhere."""
    target = r.get("target_gap", r["mip_rel_gap"])
    if r["mip_rel_gap"] <= target * (1 + 1e-9):
        text = (f" Each NPV is proven to within a {r['mip_rel_gap']:.2%} relative MIP gap; "
                f"costs closer than {r['equal_rtol']:.2%} count as equal.")
    else:
        text = (f" Each NPV is proven to within a {target:.2%} relative MIP gap, or, where a "
                "solve stopped at its time limit or once its bounds decided which strategy is "
                f"cheaper, within up to {r['mip_rel_gap']:.2%}; costs closer than "
                f"{r['equal_rtol']:.2%} count as equal.")
    if r.get("proven", True):
        return text
    at = ", ".join(fmt_scale(x) for x in r["unproven_scales"][:6])
    more = " and more" if len(r["unproven_scales"]) > 6 else ""
    return (text + f" NOT PROVEN: at {at}{more} the solver's bounds were still too wide to say "
            "which strategy is cheaper, so the answer above may be wrong there.")


def breakeven_pairs(scenario: Scenario, resolved: Resolved,
                    pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]] = DEFAULT_PAIRS,
                    *, evaluator: Evaluator | None = None, jobs: int | None = None,
                    progress: bool = False, **options) -> list[dict]:
    """`breakeven` for each pair, sharing one evaluator (so shared strategies solve once)."""
    if evaluator is None:
        with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
            return breakeven_pairs(scenario, resolved, pairs, evaluator=ev, **options)
    if any(CHEAPEST_API in pair for pair in pairs):
        cheapest = cheapest_api(scenario, evaluator)
        pairs = [tuple(cheapest if n == CHEAPEST_API else n for n in pair) for pair in pairs]
    return [breakeven(scenario, resolved, a, b, evaluator=evaluator, **options) for a, b in pairs]


def cheapest_api(scenario: Scenario, evaluator: Evaluator) -> str:
    """The API strategy with the lowest NPV at today's demand (api_only when none has a plan)."""
    from tco.analysis.strategies import strategy_named

    pts = evaluator.points([(strategy_named(scenario, n), 1.0) for n in API_STRATEGIES],
                           "cheapest API strategy")
    feasible = [p for p in pts if p.npv_usd is not None]
    return min(feasible, key=lambda p: p.npv_usd).strategy if feasible else API_STRATEGIES[0]


def _infeasible_today(today, scenario: Scenario, resolved: Resolved, by_name: dict) -> str:
    from tco.analysis.points import solve_row

    names = [p.strategy for p in today if p.npv_usd is None]
    text = (f"No break-even searched: {' and '.join(names)} "
            f"{'has' if len(names) == 1 else 'have'} no feasible plan at today's demand.")
    # the why, from the point's note or, for a point solved by the search path, the plan's
    # own explanation (one solve, usually stopped before any model by the option check)
    why = [p.note if p.note.strip() else solve_row(scenario, resolved, by_name[p.strategy])
           .get("reason", "") for p in today if p.npv_usd is None]
    notes = [line.strip() for note in why for line in note.splitlines()
             if line.strip() and not line.startswith("strategy '")]
    if notes:
        text += " " + " ".join(notes[:3]).rstrip(":.") + "."
    return text


def _cheaper(a: str, b: str, sign: int | None) -> str | None:
    return None if not sign else (b if sign > 0 else a)


def fmt_scale(x: float) -> str:
    """A demand scale to 3 significant digits as a reader writes it: 0.854x, 56.2x, 1,000x
    (not Python's 1e+03x)."""
    s = f"{x:.3g}"
    if "e" in s:
        s = f"{float(s):,.0f}" if abs(x) >= 1 else f"{float(s):.10f}".rstrip("0")
    return f"{s}x"


def _found_message(r: dict) -> str:
    a, b = r["a"], r["b"]
    vol = (f"{fmt_scale(r['scale'])} today's demand ({r['requests_per_month']:,.0f} requests, "
           f"{r['tokens_per_month']:,.0f} tokens a month in the first period)")
    if r["kind"] == "feasibility_limit":
        text = (f"{r['cheaper_below'] or 'neither'} is cheaper up to {vol}, where a strategy "
                "stops having a feasible plan; no break-even where both have one.")
    elif r["kind"] == "crossing":
        text = (f"{r['cheaper_below']} is cheaper below and {r['cheaper_above']} above "
                f"{vol}; found to within {r['rtol']:.0%}.")
    elif r["cheaper_above"]:
        text = (f"{a} and {b} cost the same up to {vol}; above it {r['cheaper_above']} is "
                f"cheaper. Found to within {r['rtol']:.0%}.")
    else:
        text = (f"{r['cheaper_below']} is cheaper up to {vol}; above it {a} and {b} cost the "
                f"same. Found to within {r['rtol']:.0%}.")
    if r["other_changes"]:
        spans = ", ".join(f"{fmt_scale(p)}-{fmt_scale(q)}" for p, q in r["other_changes"])
        text += (f" The cheaper one changes again between {spans} (steps in GPUs or engineers"
                 " make costs jump).")
    return text


def _no_crossover(a: str, b: str, feasible, infeasible: dict, lo: float, hi: float,
                  scan) -> str:
    span = f"between {fmt_scale(lo)} and {fmt_scale(hi)} today's demand"
    if not feasible:
        which = [n for n in (a, b) if len(infeasible[n]) == len(scan)]
        if which:
            return (f"No break-even: {' and '.join(which)} has no feasible plan at any scale "
                    f"{span}.")
        return f"No break-even: {a} and {b} are never both feasible at one scale {span}."
    sign = feasible[0][1]
    x0, x1 = feasible[0][0], feasible[-1][0]
    where = span if (x0, x1) == (lo, hi) else (
        f"between {fmt_scale(x0)} and {fmt_scale(x1)} today's demand, the scales where both "
        "have a plan")
    if sign == 0:
        return f"No break-even: {a} and {b} cost the same at every scale {where}."
    cheaper, dearer = (b, a) if sign > 0 else (a, b)
    return f"No break-even: {cheaper} is cheaper than {dearer} at every scale {where}."
