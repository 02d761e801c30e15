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
    reached its time limit, `points.SEARCH_TIME_LIMIT_S`). A strategy that allows every
    option is reported at the cheapest plan found for it or for any strategy it contains, and
    each point's gap uses every bound the run has (`tco.analysis.containment`, applied by the
    evaluator).
    """
    from tco.analysis.strategies import strategies_for

    if evaluator is None:
        with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
            return curves(scenario, resolved, strategies, min_scale=min_scale,
                          max_scale=max_scale, per_decade=per_decade, evaluator=ev)
    strategies = strategies if strategies is not None else strategies_for(scenario)
    scales = log_grid(min_scale, max_scale, per_decade)
    wanted = [(s, x) for s in strategies for x in scales]
    pts = evaluator.points(wanted, "cost-versus-volume curves")
    base = first_period_demand(scenario)
    req = sum(w["requests_per_month"] for w in base)
    tok = sum(w["tokens_per_month"] for w in base)
    rows = [{"strategy": s.name, "scale": x, "requests_per_month": req * x,
             "tokens_per_month": tok * x, "npv_usd": p.npv_usd, "status": p.status,
             "mip_gap": p.gap}
            for (s, x), p in zip(wanted, pts)]
    return pd.DataFrame(rows, columns=COLUMNS)

