"""The whole strategy analysis of one scenario: comparison, break-even and curves, sharing solves.

One `Evaluator` (process pool and point cache) serves all three, so the curves and the
break-even scan solve their shared grid points once, and the comparison's scale-1 solves and
the main `hybrid` plan are reused by both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from tco.analysis.breakeven import DEFAULT_PAIRS, breakeven_pairs
from tco.analysis.constraint_costs import constraint_costs
from tco.analysis.curves import curves
from tco.analysis.parallel import Evaluator
from tco.analysis.strategies import compare
from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario


@dataclass
class Analysis:
    """What `tco run` adds to the plan: strategies compared, break-evens and curves."""

    strategies: pd.DataFrame
    breakeven: list[dict] = field(default_factory=list)
    curves: pd.DataFrame | None = None
    solves: int = 0
    """Solves run (points taken from the cache or the main plan not counted)."""
    seconds: float = 0.0
    constraint_costs: list[dict] | None = None
    """What each rule of the scenario costs (tco.analysis.constraint_costs), when asked for."""
    constraint_seconds: float = 0.0


def analyse(scenario: Scenario, resolved: Resolved, solution=None, *, jobs: int | None = None,
            progress: bool = False, pairs=DEFAULT_PAIRS, with_curves: bool = True,
            with_breakeven: bool = True, with_constraint_costs: bool = False,
            **breakeven_options) -> Analysis:
    """Compare the strategies, find the break-evens of `pairs` and draw the curves.

    `solution` is the main (hybrid) plan when already solved; it is reused, not solved again.
    With `with_constraint_costs` (and `solution`), the plan is also re-solved without each
    rule of the scenario (tco.analysis.constraint_costs), those solves in the same pool.
    """
    t0 = time.perf_counter()
    known = {"hybrid": solution} if solution is not None else None
    with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
        table = compare(scenario, resolved, evaluator=ev, known=known)
        cur = curves(scenario, resolved, evaluator=ev) if with_curves else None
        be = (breakeven_pairs(scenario, resolved, pairs, evaluator=ev, **breakeven_options)
              if with_breakeven else [])
        costs, t1 = None, time.perf_counter()
        if with_constraint_costs and solution is not None:
            costs = constraint_costs(scenario, resolved, solution.npv_usd, ev.relaxed())
        solves = ev.solves
    t2 = time.perf_counter()
    return Analysis(table, be, cur, solves, t1 - t0, costs, t2 - t1)
