"""Bracket a re-solve's optimum between proven bounds, and stop once the question is answered.

The analysis (`tco.model.Replanner`) asks for the optimal NPV at many demand scales. Above a few
times today's demand HiGHS proves the plan's gap slowly (its root bound is within ~1%, but its
own first plans can be 50-70% above the optimum, benchmarks/RESULTS.md, issue 16). Two proven
numbers bracket the optimum quickly instead:

- lower bound: the LP relaxation's optimum (every plan costs at least that), and later the
  MIP's own dual bound, whichever is higher;
- upper bound: the NPV of a feasible plan found around the LP relaxation. First (0), when the
  caller gives each deployment's least replica count (`least_replicas`), every count the LP
  uses rounded up (at least to that count) and held there where its GPU type can be added
  freely, so only the counts on capped or fixed pools are left to choose: 0.03-0.45 s for a
  plan 0.02-1.8% above the LP at 0.1-1000x the enterprise demand. When that plan is within
  the gap, or decides the comparison within NEIGHBOURHOOD_GAP of the LP, the rest is skipped;
  else two small MIPs follow:
  (1) each replica count held between the LP's rounded down and rounded up (only down, or
  free above, on GPU types whose supply is capped or fixed, where raising can overflow the
  pool), so every deployment the LP leaves unused stays unused and the rest (GPUs bought,
  reserved or rented, staff, the hosting switch, binaries, the allocation) is solved exactly;
  (2) in half the time left, one replica more or fewer than (1)'s plan on the
  deployments either uses. Any plan they return is feasible for the full model, so its NPV
  is an upper bound; HiGHS's own plans count too, whichever is lower. Before (1), the replicas
  were only floored at the LP's rounded-up counts with every other deployment free: the whole
  MIP again, which at 5.6x the enterprise demand returned a plan 63% above the LP in 10 s
  where (1) finds one 1.7% above it in about a second (benchmarks/RESULTS.md).

A solve stops when (upper - lower) / upper is within the target gap, or, when the caller
says what it compares against (`Against`: another strategy's NPV and the band within which
the two count as equal; `AgainstAll`: several such), as soon as the bracket decides the
comparison. The HiGHS MIP start
(`setSolution`) is not used: HiGHS 1.16 returned a wrong optimum with one (RESULTS.md); the
rounded plan only serves as a number in the stop rule, never handed to HiGHS.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from tco.model.solve import FEASIBILITY_JUMP


@dataclass(frozen=True)
class Against:
    """What a solve is compared with: the other strategy's optimum, known to lie in
    [npv - spread, npv] (USD: `npv` a plan's, `spread` 0 when it is proven to the target gap,
    its proven width when its own solve stopped wider), and `band` (USD): the solved strategy
    counts as dearer above npv + band, cheaper below npv - spread - band, equal when within
    the band of every value the other's optimum may take. The verdict is then the one
    `tco.analysis.breakeven._proven` checks from both points' intervals."""

    npv: float
    band: float
    spread: float = 0.0

    def decided(self, lower: float, upper: float) -> bool:
        """Whether every value in [lower, upper] gives the same verdict against every value
        in [npv - spread, npv]."""
        low = self.npv - self.spread
        return (lower > self.npv + self.band or self.cheaper(upper)
                or (lower >= self.npv - self.band and upper <= low + self.band))

    def cheaper(self, upper: float) -> bool:
        """Whether a plan costing `upper` is cheaper than every value the other may take."""
        return upper < self.npv - self.spread - self.band


@dataclass(frozen=True)
class AgainstAll:
    """Several comparisons at once (a curve point against every other strategy at its
    scale): decided when each one is."""

    items: tuple[Against, ...]

    def decided(self, lower: float, upper: float) -> bool:
        return all(a.decided(lower, upper) for a in self.items)


def rel_gap(lower: float, upper: float) -> float:
    """HiGHS's relative gap: (upper - lower) / |upper|."""
    return max(0.0, upper - lower) / max(abs(upper), 1e-9)


def done(lower: float, upper: float, gap: float,
         against: Against | AgainstAll | None) -> bool:
    """Stop rule: within the target gap, or the comparison decided."""
    if not (math.isfinite(lower) and math.isfinite(upper)):
        return False
    return rel_gap(lower, upper) <= gap or (against is not None
                                             and against.decided(lower, upper))


def rounding_columns(built, hm) -> tuple[np.ndarray, np.ndarray]:
    """The replica columns of a built model live in HiGHS, and whether each may be rounded up:
    its GPU type can be bought, reserved or rented without a cap (elsewhere rounding up can
    overflow a fixed or capped pool)."""
    gpus = {g.name: g for g in built.data.gpus}
    deps = built.data.options.deployments
    free = {g: bool(built.data.modes.get(g)) and gpus[g].max_gpus is None for g in gpus}
    keys = list(built.rep)
    cols = hm.mat.cols_of([built.rep[k] for k in keys]).astype(np.int32) if keys else \
        np.zeros(0, np.int32)
    raise_ok = np.asarray([free.get(deps["gpu"].iat[d], False) for d, _ in keys], dtype=bool)
    return cols, raise_ok


def least_replicas(built) -> np.ndarray:
    """Each replica column's smallest count once its deployment runs, in `rounding_columns`'
    order: `min_replicas` where the deployment serves interactive or standard traffic
    (tco.model.capacity), else 1."""
    deps = built.data.options.deployments
    n_min = max(1, int(built.data.scenario.capacity.min_replicas))
    keys = list(built.rep)
    needs = deps["needs_min_replicas"].to_numpy(dtype=bool) if len(deps) else np.zeros(0, bool)
    return np.asarray([n_min if needs[d] else 1 for d, _ in keys], dtype=float)


STEP0_SHARE, STEP0_MIN_S = 0.1, 1.0
"""Step (0)'s share of the rounding's time, but at least STEP0_MIN_S (and at most a quarter):
it takes 0.03-0.7 s on the enterprise example; on 1,000 generated workloads its plan is far
above the LP (95M against 24.3M) and a quarter of the 60 s left the first small MIP short of
its plan (62% above the bound instead of 1.23%)."""
DECIDED_REFINE_S = 1.0
"""The first small MIP's time when step (0)'s plan already decides the comparison but is more
than NEIGHBOURHOOD_GAP above the LP: the point's verdict is known and only the NPV shown (with
its gap) is refined."""
NEIGHBOURHOOD_GAP = 0.01
"""A rounded plan that already decides the comparison asked about is kept once it is within
this of a proven bound on what its neighbourhood holds (the LP's for step (0); a small MIP's
own dual bound): at 31.6x the enterprise demand `hybrid`'s first small MIP found its plan at
once and then spent its whole 7 s proving the neighbourhood's optimum."""


def lp_relaxation(h, time_limit: float) -> tuple[float, np.ndarray] | None:
    """(optimum, column values) of the live model's LP relaxation; None without one (then the
    MIP has no plan either, or the time ran out)."""
    S = highspy.HighsModelStatus
    h.clearSolver()  # nothing of a previous solve is reused as a start (see the module doc)
    h.setOptionValue("solve_relaxation", True)
    # HiGHS's simplex measures its time limit on the instance's clock, which runs on across
    # re-solves (getRunTime), while the MIP measures each run: an LP given `time_limit` alone
    # stopped at once on a model re-solved for a while.
    h.setOptionValue("time_limit", float(h.getRunTime() + time_limit))
    try:
        _run(h)
    finally:
        h.setOptionValue("solve_relaxation", False)
    if h.getModelStatus() != S.kOptimal:
        h.clearSolver()
        return None
    return float(h.getInfo().objective_function_value), np.asarray(h.getSolution().col_value)


def far_from(lower: float, against: Against | AgainstAll | None, slack: float = 0.0) -> bool:
    """Whether a plan up to FAR (+ `slack`) above the LP bound `lower` would decide the
    comparison: the rounding (0.1-2% above the LP at 1.8-1000x the enterprise demand) then
    decides it, and HiGHS's first run would only delay it."""
    return against is not None and math.isfinite(lower) and against.decided(
        lower, lower + abs(lower) * (FAR + slack))


FAR = 0.03
"""How far above its LP bound a rounded plan is assumed to be, for `far_from`."""


def lp_bound_and_rounded_plan(h, rep_cols: np.ndarray, raise_ok: np.ndarray,
                              col_lower: np.ndarray, col_upper: np.ndarray,
                              time_limit: float, gap: float,
                              accept=None, rule_rows=None, with_plan: bool = False,
                              against: Against | AgainstAll | None = None,
                              known: tuple[float, float] = (-math.inf, math.inf),
                              lp: tuple[float, np.ndarray] | None = None,
                              least: np.ndarray | None = None, found=None):
    """(LP relaxation's optimum, NPV of the rounded plan or None) of the live model `h`; with
    `with_plan`, the rounded plan's column values (or None) as a third item.

    (None, None) when the relaxation has no solution (then neither has the MIP).
    `rep_cols`: the replica columns; `raise_ok[i]`: whether replica column i may be rounded up
    (its GPU type can be bought or rented without a cap). `accept(col_values)`, when given,
    says whether the rounded plan keeps rules the model leaves out (the vendor-sprawl rule,
    added lazily); a plan it rejects is no upper bound. `rule_rows(col_values, first_col)`,
    when given, returns the rule's binaries and rows (`tco.model.sprawl.highs_rows`) for the
    workloads a plan breaks it on, or (`lp` true) for every workload it can bind on: those are
    added before the small MIPs, and rows for the workloads a small-MIP plan `accept` still
    rejects after each (up to RULE_ROUNDS solves), so the rounded plan keeps the rule. With
    `against`, the second small MIP is skipped once the first's plan decides the comparison;
    `known` (lower, upper) are bounds proven before (HiGHS's), used in that check too.
    `lp`, when given, is the LP relaxation already solved on this model (`lp_relaxation`).
    `least` (`least_replicas`), when given, turns on step (0) of the module doc. `found(npv)`,
    when given, is told each better plan's NPV as it is found (the caller's stop rule for the
    next small MIP can then count it).
    The model's bounds, rows and columns are restored.
    """
    if lp is None:
        lp = lp_relaxation(h, time_limit)
    if lp is None:
        return (None, None, None) if with_plan else (None, None)
    lower, lp_plan = lp
    if not len(rep_cols):
        h.clearSolver()
        return (lower, None, None) if with_plan else (lower, None)
    lp = lp_plan[rep_cols]
    lo, up = col_lower[rep_cols], col_upper[rep_cols]
    below = np.clip(np.floor(lp + 1e-6), lo, up)
    above = np.clip(np.where(raise_ok, np.ceil(lp - 1e-6), up), lo, up)
    n_cols, n_rows = h.getNumCol(), h.getNumRow()
    deadline = time.perf_counter() + max(0.1, time_limit)
    best, upper = None, None
    try:
        h.setOptionValue("mip_rel_gap", float(gap))
        if rule_rows is not None:
            # the rule's rows for every workload it can bind on, once for both small MIPs
            _add_block(h, rule_rows(lp_plan, h.getNumCol(), True))
        def keep(plan) -> None:
            """A plan cheaper than the best so far becomes it, and the caller hears of it."""
            nonlocal best, upper
            if plan is not None and (upper is None or plan[0] < upper):
                best, upper = plan, plan[0]
                if found is not None:
                    found(upper)

        settled = decided = False
        if least is not None:
            # 0. the LP's counts rounded up and held where GPUs can be added; the counts on
            # capped or fixed pools chosen between the LP's rounded down and their bound
            up_all = np.clip(np.where(lp > 1e-6, np.maximum(np.ceil(lp - 1e-6), least), 0.0),
                             lo, up)
            keep(_small_mip(h, rep_cols, np.where(raise_ok, up_all, below),
                            np.where(raise_ok, up_all, above), deadline,
                            min(0.25 * time_limit, max(STEP0_MIN_S, STEP0_SHARE * time_limit)),
                            accept, rule_rows, n_cols))
            if upper is not None:
                bounds = (max(lower, known[0]), min(upper, known[1]))
                decided = against is not None and done(*bounds, gap, against)
                settled = done(*bounds, gap, None) or (
                    decided and rel_gap(lower, upper) <= NEIGHBOURHOOD_GAP)
        if not settled:
            # 1. each replica count between the LP's rounded down and up (up only where GPUs
            # can be added): a small MIP, since every count the LP leaves at zero stays there;
            # where step (0)'s plan already decides the comparison it only refines the NPV
            # shown, briefly
            keep(_small_mip(h, rep_cols, below, above, deadline,
                            min(time_limit * 0.75, DECIDED_REFINE_S) if decided
                            else time_limit * 0.75, accept, rule_rows, n_cols))
        # 2. one replica more or fewer than that plan's (or the LP's) counts, in half the time
        # left: a wider neighbourhood, often a plan 0.5-1% cheaper at 5-30x
        left = deadline - time.perf_counter()
        if not settled and left > 0.2 and not done(max(lower, known[0]),
                                   min(upper if upper is not None else math.inf, known[1]),
                                   gap, against):
            centre = np.round(best[1][rep_cols]) if best is not None else above
            used = (lp > 1e-6) | (centre > 0)  # counts at zero in both stay there
            wide_lo = np.where(used, np.clip(np.minimum(below, centre) - 1, lo, up), lo)
            wide_hi = np.where(raise_ok, np.where(used, np.clip(np.maximum(above, centre) + 1,
                                                                lo, up), lo), up)
            keep(_small_mip(h, rep_cols, wide_lo, wide_hi, deadline, left / 2,
                            accept, rule_rows, n_cols))
    finally:
        if h.getNumRow() > n_rows:
            h.deleteRows(h.getNumRow() - n_rows, np.arange(n_rows, h.getNumRow(), dtype=np.int32))
        if h.getNumCol() > n_cols:
            h.deleteCols(h.getNumCol() - n_cols, np.arange(n_cols, h.getNumCol(), dtype=np.int32))
        h.changeColsBounds(len(rep_cols), rep_cols, lo, up)
        h.clearSolver()
    if upper is None or not math.isfinite(upper):
        best, upper = None, None
    return (lower, upper, best[1] if best is not None else None) if with_plan else (lower, upper)


def _small_mip(h, rep_cols: np.ndarray, rep_lo: np.ndarray, rep_hi: np.ndarray,
               deadline: float, budget: float, accept, rule_rows,
               n_cols: int) -> tuple[float, np.ndarray] | None:
    """(NPV, column values) of the best plan HiGHS finds with the replica columns held within
    [rep_lo, rep_hi] in `budget` seconds (before `deadline`), keeping the rules `accept`
    checks (rows from `rule_rows` added for the workloads a plan breaks them on, up to
    RULE_ROUNDS solves); None without one. Rows and columns it adds stay in the model (the
    caller removes them)."""
    h.changeColsBounds(len(rep_cols), rep_cols, rep_lo, rep_hi)
    end = min(deadline, time.perf_counter() + max(0.05, budget))
    plan = None
    for i in range(RULE_ROUNDS):
        # the rule's rows for the workloads the last small MIP's plan breaks it on (the
        # caller added them for every workload first: a plan can still break the rule by the
        # solver's tolerances): a plan keeping it is then an upper bound
        if rule_rows is not None and plan is not None:
            _add_block(h, rule_rows(plan, h.getNumCol(), False))
        left = end - time.perf_counter()
        if left <= 0.05:
            return None
        h.clearSolver()
        h.setOptionValue("time_limit", float(left))
        h.setOptionValue(FEASIBILITY_JUMP, True)  # any plan here is an upper bound
        try:
            _run(h)
        finally:
            h.setOptionValue(FEASIBILITY_JUMP, False)
        info = h.getInfo()
        if info.primal_solution_status != 2:  # no feasible plan
            return None
        plan = np.asarray(h.getSolution().col_value)
        if accept is None or accept(plan[:n_cols]):
            return float(info.objective_function_value), plan
        if rule_rows is None:
            return None
    return None


RULE_ROUNDS = 3


def _run(h) -> None:
    """HiGHS's run, interruptible by Ctrl-C or SIGTERM (tco.model.solve)."""
    from tco.model.solve import _run_interruptibly

    _run_interruptibly(h)
"""Small-MIP solves of the rounding, each adding the rule's rows where the last plan broke it."""


def _add_block(h, block) -> None:
    """Add binaries and rows `(n binaries, row lower, row upper, starts, index, value)`."""
    if block is None:
        return
    n, lo, hi, starts, index, value = block
    if n:
        first = h.getNumCol()
        h.addCols(n, np.zeros(n), np.zeros(n), np.ones(n), 0, np.zeros(0, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))
        h.changeColsIntegrality(n, np.arange(first, first + n, dtype=np.int32),
                                np.full(n, highspy.HighsVarType.kInteger))
    if len(lo):
        h.addRows(len(lo), lo, hi, len(index), starts, index, value)
