"""Bracket a re-solve's optimum between proven bounds, and stop once the question is answered.

The analysis (`tco.model.Replanner`) asks for the optimal NPV at many demand scales. Above a few
times today's demand HiGHS proves the plan's gap slowly (its root bound is within ~1%, but its
own first plans can be 50-70% above the optimum, benchmarks/RESULTS.md, issue 16). Two proven
numbers bracket the optimum quickly instead:

- lower bound: the LP relaxation's optimum (every plan costs at least that), and later the
  MIP's own dual bound, whichever is higher;
- upper bound: the NPV of a feasible plan found by rounding the LP relaxation: replicas
  raised to the next whole number (lowered on GPU types whose supply is capped or fixed, where
  raising can overflow the pool), then the rest (GPUs bought, reserved or rented, staff, the
  hosting switch, binaries) solved exactly as a small MIP with those replica floors. Any plan
  it returns is feasible for the full model, so its NPV is an upper bound; HiGHS's own plans
  count too, whichever is lower.

A solve stops when (upper - lower) / upper is within the target gap, or, when the caller
says what it compares against (`Against`: another strategy's NPV and the band within which
the two count as equal), as soon as the bracket decides the comparison. The HiGHS MIP start
(`setSolution`) is not used: HiGHS 1.16 returned a wrong optimum with one (RESULTS.md); the
rounded plan only serves as a number in the stop rule, never handed to HiGHS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Against:
    """What a solve is compared with: `npv` (USD, proven) and `band` (USD): the compared
    strategy counts as dearer above npv + band, cheaper below npv - band, equal in between."""

    npv: float
    band: float

    def decided(self, lower: float, upper: float) -> bool:
        """Whether every value in [lower, upper] gives the same verdict against `npv`."""
        return (lower > self.npv + self.band or upper < self.npv - self.band
                or (lower >= self.npv - self.band and upper <= self.npv + self.band))


def rel_gap(lower: float, upper: float) -> float:
    """HiGHS's relative gap: (upper - lower) / |upper|."""
    return max(0.0, upper - lower) / max(abs(upper), 1e-9)


def done(lower: float, upper: float, gap: float, against: Against | None) -> bool:
    """Stop rule: within the target gap, or the comparison decided."""
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return False
    return rel_gap(lower, upper) <= gap or (against is not None
                                             and against.decided(lower, upper))


def lp_bound_and_rounded_plan(h, rep_cols: np.ndarray, raise_ok: np.ndarray,
                              col_lower: np.ndarray, col_upper: np.ndarray,
                              time_limit: float, gap: float,
                              accept=None) -> tuple[float | None, float | None]:
    """(LP relaxation's optimum, NPV of the rounded plan or None) of the live model `h`.

    (None, None) when the relaxation has no solution (then neither has the MIP).
    `rep_cols`: the replica columns; `raise_ok[i]`: whether replica column i may be rounded up
    (its GPU type can be bought or rented without a cap). `accept(col_values)`, when given,
    says whether the rounded plan keeps rules the model leaves out (the vendor-sprawl rule,
    added lazily); a plan it rejects is no upper bound. The model's bounds are restored.
    """
    import highspy

    S = highspy.HighsModelStatus
    h.clearSolver()  # nothing of a previous solve is reused as a start (see the module doc)
    h.setOptionValue("solve_relaxation", True)
    # HiGHS's simplex measures its time limit on the instance's clock, which runs on across
    # re-solves (getRunTime), while the MIP measures each run: an LP given `time_limit` alone
    # stopped at once on a model re-solved for a while.
    h.setOptionValue("time_limit", float(h.getRunTime() + time_limit))
    try:
        h.run()
    finally:
        h.setOptionValue("solve_relaxation", False)
    if h.getModelStatus() != S.kOptimal:
        h.clearSolver()
        return None, None
    lower = float(h.getInfo().objective_function_value)
    if not len(rep_cols):
        h.clearSolver()
        return lower, None
    lp = np.asarray(h.getSolution().col_value)[rep_cols]
    lo, up = col_lower[rep_cols], col_upper[rep_cols]
    floor = np.where(raise_ok, np.ceil(lp - 1e-6), np.floor(lp + 1e-6))
    floor = np.clip(floor, lo, np.floor(up + 1e-9))
    upper = None
    try:
        h.clearSolver()
        h.changeColsBounds(len(rep_cols), rep_cols, floor, up)
        h.setOptionValue("time_limit", float(max(0.1, time_limit)))
        h.setOptionValue("mip_rel_gap", float(gap))
        h.run()
        info = h.getInfo()
        if info.primal_solution_status == 2 and (  # feasible
                accept is None or accept(np.asarray(h.getSolution().col_value))):
            upper = float(info.objective_function_value)
    finally:
        h.changeColsBounds(len(rep_cols), rep_cols, lo, up)
        h.clearSolver()
    return lower, upper if upper is not None and math.isfinite(upper) else None
