"""Cost-versus-volume curves: each strategy's NPV over log-spaced demand scales.

The default scales, 0.1x to 100x today's demand at 4 points a decade (13 points), lie on the
break-even search's grid (0.01x to 1000x, 4 a decade), so a run that computes both solves each
shared point once.
"""

from __future__ import annotations

import pandas as pd

from tco.analysis.breakeven import PER_DECADE, log_grid
from tco.analysis.parallel import Evaluator
from tco.analysis.points import first_period_demand
from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario, Strategy

COLUMNS = ["strategy", "scale", "requests_per_month", "tokens_per_month", "npv_usd", "status",
           "mip_gap"]


def curves(scenario: Scenario, resolved: Resolved, strategies: list[Strategy] | None = None,
           *, min_scale: float = 0.1, max_scale: float = 100.0, per_decade: int = PER_DECADE,
           jobs: int | None = None, progress: bool = False,
           evaluator: Evaluator | None = None) -> pd.DataFrame:
    """NPV of each strategy (default: all, see `strategies_for`) at each scale.

    Columns: strategy, scale, requests_per_month and tokens_per_month (first period, all
    workloads, at that scale), npv_usd (None where infeasible), status (ok | infeasible | error),
    mip_gap (the relative gap the point's NPV is proven to: the plan's, or wider where the solve
    reached its time limit, `points.SEARCH_TIME_LIMIT_S`, or stopped once its order against
    the API-only strategies at its scale was decided: the API-only strategies' points are
    solved first, and each other point stops when its proven bounds lie wholly above, below
    or within the band of equal (twice the gap) of each of them, of the interval each is
    proven to where it stopped at its time limit; see `curves_note`). A
    strategy that allows every option is reported at the cheapest plan found for it or for any
    strategy it contains, and each point's gap uses every bound the run has
    (`tco.analysis.containment`, applied by the evaluator).
    """
    from tco.analysis.strategies import strategies_for

    if evaluator is None:
        with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
            return curves(scenario, resolved, strategies, min_scale=min_scale,
                          max_scale=max_scale, per_decade=per_decade, evaluator=ev)
    strategies = strategies if strategies is not None else strategies_for(scenario)
    scales = log_grid(min_scale, max_scale, per_decade)
    wanted = [(s, x) for s in strategies for x in scales]
    # The strategies that buy only from APIs first (each point an LP, or nearly: solved to
    # the gap in well under a second); then each other point stops once its gap is reached
    # or its order against every one of them at its scale is decided.
    first = [s for s in strategies if _api_only(s)]
    known = {(s.name, x): p for s, x, p in _solved(evaluator, first, scales)}
    rest = [(s, x) for s in strategies if not _api_only(s) for x in scales]
    evaluator.points(rest, "cost-versus-volume curves",
                     against=[_order(known, first, x, evaluator) for _, x in rest])
    pts = evaluator.points(wanted, "cost-versus-volume curves")
    base = first_period_demand(scenario)
    req = sum(w["requests_per_month"] for w in base)
    tok = sum(w["tokens_per_month"] for w in base)
    rows = [{"strategy": s.name, "scale": x, "requests_per_month": req * x,
             "tokens_per_month": tok * x, "npv_usd": p.npv_usd, "status": p.status,
             "mip_gap": p.gap}
            for (s, x), p in zip(wanted, pts)]
    return pd.DataFrame(rows, columns=COLUMNS)



API_KINDS = frozenset({"api", "api_batch"})


def _api_only(s: Strategy) -> bool:
    """A strategy whose options are API calls only (its points have no fleet to size)."""
    return bool(s.option_kinds) and set(s.option_kinds) <= API_KINDS


def _solved(evaluator: Evaluator, strategies: list[Strategy], scales: list[float]):
    wanted = [(s, x) for s in strategies for x in scales]
    pts = evaluator.points(wanted, "cost-versus-volume curves") if wanted else []
    return [(s, x, p) for (s, x), p in zip(wanted, pts)]


def _order(known: dict, first: list[Strategy], scale: float, evaluator: Evaluator):
    """What a point at `scale` is compared with: every API-only strategy's point there
    (`AgainstAll`), each by its interval where its own solve stopped wider than the searches'
    gap (`breakeven.against`); None (solve to the gap) when one of them has no plan."""
    from tco.analysis.breakeven import against
    from tco.model.bracket import AgainstAll

    gap = evaluator.search.solver.mip_rel_gap
    items = [against(known[(s.name, scale)], 2 * gap, gap) for s in first]
    if not items or any(a is None for a in items):
        return None
    return AgainstAll(tuple(items))


def curves_note(curves: pd.DataFrame, target_gap: float) -> str:
    """The gap the curves hold to, in one sentence: every point within `target_gap` (the
    plan's), or how many points stopped wider, and the widest."""
    if curves is None or curves.empty or "mip_gap" not in curves:
        return ""
    gaps = curves["mip_gap"].dropna()
    wide = gaps[gaps > target_gap * (1 + 1e-9)]
    text = f"Each point's NPV is proven to within a {target_gap:.2%} relative MIP gap"
    if wide.empty:
        return text + "."
    return (f"{text}, except {len(wide)} of {len(gaps)} points, proven to within up to "
            f"{wide.max():.2%}: their solves stopped once their bounds decided how they "
            "compare with the API-only strategies at the same volume, or at their time limit.")
