"""Solve the model with HiGHS (the Pyomo model handed over in memory) or another Pyomo solver.

HiGHS: the Pyomo model, the single source of the math, is compiled once into sparse matrices
(`compile_model`: columns are the model's variables, rows its constraints, read from their
linear expressions) and passed whole to highspy (`HighsModel`); the solution is loaded back
into the Pyomo variables. This replaces Pyomo's persistent interface, whose per-component
hand-over cost more than the solve on large portfolios (benchmarks/RESULTS.md). Any other
solver name goes through Pyomo's SolverFactory with the same Pyomo model.

`solve()` returns a typed `SolveResult` (status, termination, objective, bound, gap, seconds).
A run stopped by the time limit with a plan in hand returns that plan with status
`time_limit`; nothing is reported as optimal that is not.

Marginal costs: with every integer fixed at its optimal value, the model is an LP; the dual
of a workload's demand row is the NPV cost of serving one more whole workload-period, i.e.
d(NPV)/d(demand scale) with the fleet held fixed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

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


@dataclass
class Matrices:
    """A linear model as arrays: min cost . x + offset, row_lower <= A x <= row_upper."""

    columns: list
    """Pyomo variables, in column order."""
    rows: list
    """Pyomo constraints, in row order."""
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    """True for integer and binary columns."""
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    """CSR row starts (int32), len(rows) + 1."""
    index: np.ndarray
    value: np.ndarray
    col_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """id() of each column's variable, sorted; with `col_order`, finds columns in bulk."""
    col_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    row_of: dict = field(default_factory=dict)
    """id(constraint) -> row."""

    def cols_of(self, variables) -> np.ndarray:
        """Column of each variable (int32), looked up in bulk by id()."""
        return _lookup(self.col_ids, self.col_order, variables)


def _id_index(objects: list) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter(map(id, objects), dtype=np.int64, count=len(objects))
    order = np.argsort(ids, kind="stable")
    return ids[order], order


def _lookup(sorted_ids: np.ndarray, order: np.ndarray, objects) -> np.ndarray:
    """Positions of `objects` in the list indexed by `_id_index` (a dict lookup per term
    on millions of variables is several times slower)."""
    objects = list(objects)
    ids = np.fromiter(map(id, objects), dtype=np.int64, count=len(objects))
    pos = np.searchsorted(sorted_ids, ids)
    if len(ids) and (pos.max() >= len(sorted_ids) or not np.array_equal(sorted_ids[pos], ids)):
        raise SolverError("a row uses a variable that is not part of the model")
    return order[pos].astype(np.int32)


def _terms(expr):
    """(variables, coefficients, constant) of a linear expression."""
    if type(expr) is LinearExpression:
        cols, coefs = [], []
        for a in expr.args:
            if type(a) is MonomialTermExpression:
                c, v = a.args
                cols.append(v)
                coefs.append(c)
            else:
                break
        else:
            return cols, coefs, 0.0
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expr, quadratic=False)
    if repn.nonlinear_expr is not None:
        raise SolverError("the model has a nonlinear term: HiGHS is given linear models only")
    return (list(repn.linear_vars), list(repn.linear_coefs),
            float(repn.constant))


def compile_model(model: pyo.ConcreteModel) -> Matrices:
    """Read the Pyomo model's variables, linear rows and objective into sparse arrays."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():
        return _compile(model)


def _column_bounds(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds (domain included) and integrality of each column.

    Read from the variables' stored bounds and domain in one pass, each distinct domain
    looked up once; a variable that is fixed, or whose bound is not a plain number (a Pyomo
    parameter or expression), is read through Pyomo's own `bounds`.
    """
    n = len(columns)
    native = (int, float)
    lb = [v._lb for v in columns]
    ub = [v._ub for v in columns]
    doms = [v._domain for v in columns]
    fixed = [v._fixed for v in columns]
    by_id = {}
    for d in doms:
        if id(d) not in by_id:
            dlo, dhi, step = d.get_interval()
            by_id[id(d)] = (-np.inf if dlo is None else dlo, np.inf if dhi is None else dhi,
                            step != 0)
    lower = np.array([by_id[id(d)][0] for d in doms], dtype=float)
    upper = np.array([by_id[id(d)][1] for d in doms], dtype=float)
    integer = np.array([by_id[id(d)][2] for d in doms], dtype=bool)
    def plain(xs) -> bool:
        return set(map(type, xs)) <= {type(None), *native}

    if not any(fixed) and plain(lb) and plain(ub):
        np.fmax(lower, np.array(lb, dtype=float), out=lower)  # None -> nan, ignored by fmax
        np.fmin(upper, np.array(ub, dtype=float), out=upper)
        return lower, upper, integer
    for i in range(n):
        v = columns[i]
        if v.fixed:
            lower[i] = upper[i] = v.value
            continue
        a, b = v.bounds
        if a is not None:
            lower[i] = max(lower[i], a)
        if b is not None:
            upper[i] = min(upper[i], b)
    return lower, upper, integer


def append_rows(recorded, index: list, value: list, counts: list, lower: list,
                upper: list) -> None:
    """Append the rows a `tco.model.terms.Rows` recorded (its coefficient and variable lists,
    bounds None for none) to the CSR lists being assembled."""
    for c, v in zip(recorded.coefs, recorded.variables):
        index.extend(v)
        value.extend(c)
        counts.append(len(v))
    lower.extend(-np.inf if b is None else b for b in recorded.lower)
    upper.extend(np.inf if b is None else b for b in recorded.upper)


def _compile(model: pyo.ConcreteModel) -> Matrices:
    columns = list(model.component_data_objects(pyo.Var, descend_into=True))
    rows, row_lower, row_upper, counts, index, value = [], [], [], [], [], []
    for comp in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        recorded = getattr(comp, "_tco_rows", None)
        datas = list(comp.values())
        if recorded is not None and len(recorded.coefs) == len(datas) and all(
                c.active for c in datas):
            # Rows made by tco.model.terms.Rows: read the lists the expressions were built from.
            rows.extend(datas)
            append_rows(recorded, index, value, counts, row_lower, row_upper)
            continue
        for con in datas:
            if not con.active:
                continue
            cols, coefs, const = _terms(con.body)
            lb, ub = con.lb, con.ub
            rows.append(con)
            row_lower.append(-np.inf if lb is None else lb - const)
            row_upper.append(np.inf if ub is None else ub - const)
            index.extend(cols)
            value.extend(coefs)
            counts.append(len(cols))
    obj = next(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    recorded = getattr(obj.parent_component(), "_tco_terms", None)
    if recorded is not None:
        cols, coefs, offset = recorded[1], recorded[0], 0.0
    else:
        cols, coefs, offset = _terms(obj.expr)
    if obj.sense != pyo.minimize:
        coefs, offset = [-c for c in coefs], -offset
    mat = matrices_from(columns, rows, row_lower, row_upper, counts, index, value,
                        cols, coefs, offset)
    mat.row_of = {id(c): r for r, c in enumerate(rows)}
    return mat


def matrices_from(columns: list, rows: list, row_lower, row_upper, counts: list[int],
                  index: list, value: list, cols: list, coefs, offset: float = 0.0
                  ) -> Matrices:
    """The Matrices of a minimisation from its rows as flat lists: each row's variables
    (`index`, `counts` per row) and coefficients, the objective's variables and coefficients.
    Also used for models whose rows were recorded without Pyomo constraints
    (tco.model.recorded)."""
    col_ids, col_order = _id_index(columns)
    n = len(columns)
    lower, upper, integer = _column_bounds(columns)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    index = _lookup(col_ids, col_order, index).astype(np.int64)
    # A variable may appear more than once in a row (a budget row sums cost terms): HiGHS
    # wants each (row, column) once, so duplicates are summed, as Pyomo's writers do.
    value = np.asarray(value, dtype=float)
    width = max(n, 1)
    key = np.repeat(np.arange(len(counts), dtype=np.int64), counts) * width + index
    if len(key) > 1 and not np.all(key[1:] > key[:-1]):
        order = np.argsort(key, kind="stable")
        key, value = key[order], value[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        value = np.add.reduceat(value, np.flatnonzero(first))
        key = key[first]
        index = key % width
        np.cumsum(np.bincount(key // width, minlength=len(rows)), out=starts[1:])
    cost = np.zeros(n)
    np.add.at(cost, _lookup(col_ids, col_order, cols).astype(np.int64),
              np.asarray(coefs, dtype=float))
    return Matrices(columns=columns, rows=rows, cost=cost, offset=float(offset),
                    col_lower=lower, col_upper=upper, integer=integer,
                    row_lower=np.asarray(row_lower, dtype=float),
                    row_upper=np.asarray(row_upper, dtype=float),
                    start=starts.astype(np.int32),
                    index=index.astype(np.int32), value=value, col_ids=col_ids,
                    col_order=col_order)


@dataclass
class HighsModel:
    """The model live in highspy, with the matrices it was built from."""

    highs: object
    mat: Matrices
    values: np.ndarray | None = None
    """The plan's column values when they are not HiGHS's last solution (the rounded plan of
    `solve_live`); None: read them from HiGHS."""

    @property
    def version(self) -> str:
        """HiGHS version, e.g. 1.16.0."""
        h = self.highs
        return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _highspy():
    try:
        import highspy
    except ImportError:
        raise SolverError("HiGHS is not available: install highspy (pip install highspy)") from None
    return highspy


def new_highs():
    """A silent highspy instance: its constructor prints a banner on the C stdout, which would
    land in piped output (`tco compare > table.txt`), so fd 1 is pointed at /dev/null for it."""
    import ctypes
    import os
    import sys

    highspy = _highspy()
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


def handover(built: Built, settings: SolverSettings | None = None) -> HighsModel:
    """Compile the Pyomo model and pass it whole to a new highspy instance (one thread)."""
    return pass_matrices(compile_model(built.model), settings)


def pass_matrices(mat: Matrices, settings: SolverSettings | None = None) -> HighsModel:
    """Pass compiled matrices whole to a new highspy instance (one thread)."""
    highspy = _highspy()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", settings.threads if settings else 1)
    # Feasibility jump's first plans are far from our optima (5x on the enterprise example)
    # and it costs 25% of a small model's solve (benchmarks/RESULTS.md); the bracket's
    # small MIP turns it back on, where a plan of any quality is what is wanted.
    h.setOptionValue(FEASIBILITY_JUMP, False)
    inf = h.getInfinity()
    def clip(a):
        return np.clip(a, -inf, inf)

    integrality = mat.integer.astype(np.int32)  # kContinuous = 0, kInteger = 1
    status = h.passModel(
        len(mat.columns), len(mat.rows), len(mat.value), int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize), float(mat.offset), mat.cost, clip(mat.col_lower),
        clip(mat.col_upper), clip(mat.row_lower), clip(mat.row_upper), mat.start, mat.index,
        mat.value, integrality)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS refused the model (passModel returned an error)")
    return HighsModel(highs=h, mat=mat)


FEASIBILITY_JUMP = "mip_heuristic_run_feasibility_jump"


def run_highs(hm: HighsModel, settings: SolverSettings) -> dict:
    """Run HiGHS on the live model; the typed outcome without loading values."""
    highspy = _highspy()
    h = hm.highs
    h.setOptionValue("time_limit", float(settings.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(settings.mip_rel_gap))
    h.setOptionValue("threads", int(settings.threads))
    _run_interruptibly(h)
    S = highspy.HighsModelStatus
    if h.getModelStatus() == S.kSolveError and hm.mat.integer.any():
        # HiGHS 1.16 turns a MIP optimum whose postsolved plan is off by its feasibility
        # tolerance (1e-6) into "Solve error" (a tariff menu of two rows did it, found by the
        # property test); the same model without presolve solves cleanly, so try once so.
        h.clearSolver()
        h.setOptionValue("presolve", "off")
        try:
            _run_interruptibly(h)
        finally:
            h.setOptionValue("presolve", "choose")
    ms = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == S.kOptimal and has:
        status = "optimal"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif has and ms != S.kUnbounded:
        status = "time_limit"
    else:
        status = "no_plan_in_time" if ms == S.kTimeLimit else "error"
    obj = float(info.objective_function_value) if has else None
    if obj is not None and not np.isfinite(obj):  # never report a plan whose cost is not a number
        status, obj = "error", None
    if hm.mat.integer.any():
        bound = float(info.mip_dual_bound)
    else:
        bound = obj
    gap = None
    if obj is not None and bound is not None and np.isfinite(bound):
        gap = abs(obj - bound) / max(abs(obj), 1e-9)
    return dict(status=status, termination=h.modelStatusToString(ms), objective=obj,
                bound=bound, gap=gap, solver="highs " + hm.version, has=has)


def _run_interruptibly(h) -> None:
    """`h.run()` in a thread, so that Ctrl-C or SIGTERM reach Python during a long solve.

    HiGHS runs in C and Python handles a signal only between bytecodes of the main thread, so
    a solve run on the main thread would hold off `tco run`'s interruption until it ended. On
    an interruption HiGHS is asked to stop (its interrupt callbacks, highspy's cancelSolve),
    waited for, and the interruption raised again.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        h.run()
        return
    h.HandleUserInterrupt = True
    try:
        thread = h.startSolve()
        try:
            while thread.is_alive():
                thread.join(0.05)
        except BaseException:
            h.cancelSolve()
            thread.join()
            raise
        h.wait(0)  # reset highspy's record of the finished solve
    finally:
        h.HandleUserInterrupt = False


def load_values(hm: HighsModel) -> None:
    """Copy the plan's column values (HiGHS's, or `hm.values`) into the Pyomo variables."""
    values = hm.values if hm.values is not None else hm.highs.getSolution().col_value
    for v, val in zip(hm.mat.columns, values):
        if not v.fixed:
            v.set_value(val, skip_validation=True)


def solve(built: Built, settings: SolverSettings) -> SolveResult:
    """Solve the MILP and load its solution into the model's variables."""
    start = time.perf_counter()
    if settings.name in ("highs", "appsi_highs"):
        result = _solve_highs(built, settings)
    else:
        result = _solve_legacy(built, settings)
    return SolveResult(**{**result, "seconds": time.perf_counter() - start})


def _solve_highs(built: Built, settings: SolverSettings) -> dict:
    hm = handover(built, settings)
    built.solver = hm
    return solve_live(built, hm, settings)


def solve_live(built: Built, hm: HighsModel, settings: SolverSettings) -> dict:
    """Run HiGHS on the model already handed over and load the plan into the Pyomo variables
    (the typed outcome without `seconds`).

    When HiGHS stops at its time limit short of the gap (or without a plan), the plan is
    bracketed as the analysis's re-solves are (`tco.model.bracket`): the LP relaxation's bound
    and a plan rounded from it (keeping the vendor-sprawl rule), in at most the time limit
    again (at least ROUNDING_MIN_S). The rounded plan replaces HiGHS's when it costs less, and
    the gap reported is against the better of the two lower bounds; the status stays
    `time_limit` (not proven). On 1,000 generated workloads HiGHS alone ended 60 s at a 99%
    gap (its presolve took 44 s) where the rounding gives a plan 1.3% above the best bound
    (benchmarks/RESULTS.md)."""
    hm.values = None
    out = run_highs(hm, settings)
    if out["status"] in ("time_limit", "no_plan_in_time") and hm.mat.integer.any() \
            and (out["gap"] is None or out["gap"] > settings.mip_rel_gap):
        out = _with_rounded_plan(built, hm, settings, out)
    if out.pop("has"):
        load_values(hm)
    return out


ROUNDING_MIN_S = 4.0
"""The rounding's budget when HiGHS's time limit is shorter (its first small MIP takes 0.2-2 s on
the examples; with the vendor-sprawl rule's rows it may need two rounds)."""


def _with_rounded_plan(built: Built, hm: HighsModel, settings: SolverSettings,
                       out: dict) -> dict:
    """`out` with the rounded plan (in `hm.values`) where it beats HiGHS's, and the LP bound
    where it beats HiGHS's bound."""
    from tco.model.bracket import (
        least_replicas,
        lp_bound_and_rounded_plan,
        rel_gap,
        rounding_columns,
    )

    h = hm.highs
    if out["has"]:  # the rounding clears HiGHS's solution: keep its plan
        hm.values = np.asarray(h.getSolution().col_value, dtype=float)
    from tco.model.sprawl import rounding_checks

    rep_cols, raise_ok = rounding_columns(built, hm)
    # the rounded plan keeps the vendor-sprawl rule, which this model may leave out (lazy rows)
    accept, rule_rows = rounding_checks(built.data, hm.mat.cols_of(built.x))
    lower, upper, plan = lp_bound_and_rounded_plan(
        h, rep_cols, raise_ok, hm.mat.col_lower, hm.mat.col_upper,
        max(ROUNDING_MIN_S, float(settings.time_limit_s)), float(settings.mip_rel_gap),
        accept=accept, rule_rows=rule_rows, with_plan=True,
        least=least_replicas(built))
    bound = max(b for b in (out["bound"], lower, -np.inf) if b is not None and np.isfinite(b))
    # HiGHS's plan counts only if it keeps the rule (else tco.model.lazy would solve again)
    highs_kept = out["has"] and (accept is None or accept(hm.values))
    if upper is not None and (not highs_kept or upper < out["objective"]):
        hm.values = plan[:len(hm.mat.columns)]
        out = {**out, "objective": upper, "has": True, "status": "time_limit"}
    if out["objective"] is not None and np.isfinite(bound):
        out = {**out, "bound": bound, "gap": rel_gap(bound, out["objective"])}
    return out


def _solve_legacy(built: Built, settings: SolverSettings) -> dict:
    """Any other solver through Pyomo's SolverFactory (gurobi, cplex, cbc, glpk)."""
    from pyomo.opt import SolverStatus, TerminationCondition

    opt = pyo.SolverFactory(settings.name)
    if not opt.available(exception_flag=False):
        raise SolverError(f"solver '{settings.name}' is not installed or not licensed")
    try:
        res = opt.solve(built.model, load_solutions=False)
    except Exception as e:  # the solver process died, or wrote what Pyomo cannot read
        raise SolverError(f"solver '{settings.name}' failed: {type(e).__name__}: {e} (no plan;"
                          " try --solver highs, shipped with tco)") from None
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
    """Duals of the demand rows with integers fixed at the plan (HiGHS only), else None.

    The live HiGHS model is re-solved as an LP with every integer column fixed at its rounded
    value, then its bounds and integrality are restored (the model stays reusable).
    """
    hm = getattr(built, "solver", None)
    if hm is None:
        return None
    if isinstance(hm, HighsModel):
        return _highs_duals(built, hm)
    opt = hm
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


def _highs_duals(built: Built, hm: HighsModel) -> dict[tuple[int, int], float] | None:
    highspy = _highspy()
    h, mat = hm.highs, hm.mat
    ints = np.flatnonzero(mat.integer).astype(np.int32)
    plan = hm.values if hm.values is not None else h.getSolution().col_value
    values = np.asarray(plan)[ints]
    fixed = np.round(values)
    try:
        if len(ints):
            h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
            h.changeColsBounds(len(ints), ints, fixed, fixed)
        h.setOptionValue("time_limit", float("inf"))
        _run_interruptibly(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        row_dual = h.getSolution().row_dual
        return {k: float(row_dual[mat.row_of[id(c)]]) for k, c in built.demand_rows.items()}
    finally:
        if len(ints):
            h.changeColsBounds(len(ints), ints, mat.col_lower[ints], mat.col_upper[ints])
            h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), dtype=np.uint8))


def lp_bound(built: Built) -> float | None:
    """Optimum of the model's LP relaxation (every integer relaxed), None if HiGHS fails: the
    bound branch-and-bound starts from, so a tighter formulation shows here first."""
    highspy = _highspy()
    hm = handover(built)
    h = hm.highs
    ints = np.flatnonzero(hm.mat.integer).astype(np.int32)
    if len(ints):
        h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)
