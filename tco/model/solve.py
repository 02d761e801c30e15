"""Solve the model with HiGHS (Pyomo's persistent interface) or another Pyomo solver.

`solve()` returns a typed `SolveResult` (status, termination, objective, bound, gap, seconds).
A run stopped by the time limit with a plan in hand returns that plan with status
`time_limit`; nothing is reported as optimal that is not.

Marginal costs: with every integer fixed at its optimal value, the model is an LP; the dual
of a workload's demand row is the NPV cost of serving one more whole workload-period, i.e.
d(NPV)/d(demand scale) with the fleet held fixed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyomo.environ as pyo

from tco.errors import SolverError
from tco.model.build import Built
from tco.scenario.schema import SolverSettings


@dataclass(frozen=True)
class SolveResult:
    status: str
    """optimal | time_limit (best plan found, not proven optimal) | infeasible | error."""
    termination: str
    """The solver's own termination word."""
    objective: float | None
    bound: float | None
    gap: float | None
    """Relative MIP gap of the plan returned: |objective - bound| / |objective|."""
    seconds: float
    solver: str

    @property
    def has_plan(self) -> bool:
        """A plan was found (optimal or the best at the time limit)."""
        return self.status in ("optimal", "time_limit")


def _highs(settings: SolverSettings):
    from pyomo.contrib.solver.solvers.highs import Highs

    opt = Highs()
    if not opt.available():
        raise SolverError("HiGHS is not available: install highspy (pip install highspy)")
    return opt


def solve(built: Built, settings: SolverSettings) -> SolveResult:
    """Solve the MILP and load its solution into the model's variables."""
    start = time.perf_counter()
    if settings.name in ("highs", "appsi_highs"):
        result = _solve_highs(built, settings)
    else:
        result = _solve_legacy(built, settings)
    return SolveResult(**{**result, "seconds": time.perf_counter() - start})


def _solve_highs(built: Built, settings: SolverSettings) -> dict:
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

    opt = _highs(settings)
    built.solver = opt
    res = opt.solve(built.model, load_solutions=False, raise_exception_on_nonoptimal_result=False,
                    time_limit=settings.time_limit_s, rel_gap=settings.mip_rel_gap,
                    threads=settings.threads)
    tc = res.termination_condition
    has = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has:
        res.solution_loader.load_vars()
    if tc == TerminationCondition.convergenceCriteriaSatisfied and has:
        status = "optimal"
    elif tc == TerminationCondition.maxTimeLimit and has:
        status = "time_limit"
    elif tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        status = "infeasible"
    elif has:
        status = "time_limit" if tc != TerminationCondition.unbounded else "error"
    else:
        status = "error" if tc != TerminationCondition.maxTimeLimit else "no_plan_in_time"
    obj, bound = res.incumbent_objective, res.objective_bound
    gap = None
    if obj is not None and bound is not None:
        gap = abs(obj - bound) / max(abs(obj), 1e-9)
    return dict(status=status, termination=str(tc.name), objective=obj, bound=bound, gap=gap,
                solver="highs " + ".".join(map(str, opt.version())))


def _solve_legacy(built: Built, settings: SolverSettings) -> dict:
    """Any other solver through Pyomo's SolverFactory (gurobi, cplex, cbc, glpk)."""
    from pyomo.opt import SolverStatus, TerminationCondition

    opt = pyo.SolverFactory(settings.name)
    if not opt.available(exception_flag=False):
        raise SolverError(f"solver '{settings.name}' is not installed or not licensed")
    res = opt.solve(built.model, load_solutions=False)
    tc = res.solver.termination_condition
    ok = res.solver.status in (SolverStatus.ok, SolverStatus.warning) and len(res.solution) > 0
    if ok:
        built.model.solutions.load_from(res)
    if tc == TerminationCondition.optimal and ok:
        status = "optimal"
    elif tc in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded):
        status = "infeasible"
    elif ok:
        status = "time_limit"
    else:
        status = "error"
    obj = pyo.value(built.model.npv) if ok else None
    return dict(status=status, termination=str(tc), objective=obj, bound=None, gap=None,
                solver=settings.name)


def marginal_duals(built: Built) -> dict[tuple[int, int], float] | None:
    """Duals of the demand rows with integers fixed at the plan (HiGHS only), else None."""
    opt = getattr(built, "solver", None)
    if opt is None:
        return None
    ints = built.integer_vars()
    saved = [(v, v.domain, v.value) for v in ints]
    try:
        for v, _, val in saved:
            v.domain = pyo.Reals
            v.fix(round(val) if val is not None else 0)
        res = opt.solve(built.model, load_solutions=False,
                        raise_exception_on_nonoptimal_result=False)
        from pyomo.contrib.solver.common.results import TerminationCondition

        if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
            return None
        duals = res.solution_loader.get_duals(list(built.demand_rows.values()))
        return {k: float(duals[c]) for k, c in built.demand_rows.items()}
    finally:
        for v, dom, val in saved:
            v.unfix()
            v.domain = dom
            v.set_value(val, skip_validation=True)
