"""Benchmark the planning pipeline on a generated portfolio, stage by stage, against HiGHS alone.

    .venv/bin/python benchmarks/bench_plan.py --workloads 1000 [--seed 0] [--gap 0.05]
        [--catalog auto|shipped|plain] [--handover highspy|lsfc|persistent] [--no-reports]

Prints per stage the wall time and the process's peak resident memory so far, the model size,
and the floor: HiGHS's own `run()` on the same model written once to MPS and read back by
highspy alone (the read is timed apart and not in the floor). `plan` is load -> solution tables
(the stages `tco.pipeline.plan` runs, plus loading); reports are timed after it.

Hand-over variants (all from the same Pyomo model):
- highspy: `tco.model.solve.compile_model` (reads the rows' linear expressions) + passModel;
  what `tco` uses.
- lsfc: Pyomo's LinearStandardFormCompiler (mixed form) to matrices + passModel.
- persistent: Pyomo's pyomo.contrib.solver HiGHS interface, automatic re-scans off (the
  hand-over and the solve are timed together as `solve`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import portfolio  # noqa: E402

from tco.aggregate import merge_identical  # noqa: E402
from tco.demand import expand_demand, make_periods  # noqa: E402
from tco.model import build_model, make_model_data, marginal_duals  # noqa: E402
from tco.model.build import model_size  # noqa: E402
from tco.model.solve import (  # noqa: E402
    HighsModel,
    Matrices,
    SolveResult,
    handover,
    load_values,
    run_highs,
)
from tco.options import enumerate_options  # noqa: E402
from tco.solution import expand, extract  # noqa: E402


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stages:
    def __init__(self):
        self.rows: list[tuple[str, float, float, str]] = []

    def time(self, name: str, fn, note=lambda _: ""):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        self.rows.append((name, dt, peak_mb(), note(out)))
        print(f"  {name:<22} {dt:8.2f} s  peak {peak_mb():8.0f} MB  {note(out)}", flush=True)
        return out

    def total(self, names) -> float:
        return sum(dt for n, dt, _, _ in self.rows if n in names)


def _lsfc_handover(built, settings) -> HighsModel:
    """Pyomo's LinearStandardFormCompiler -> CSR arrays -> the same passModel."""
    import numpy as np
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(built.model, mixed_form=True, set_sense=None)
    A = info.A.tocsr()
    lo = np.full(A.shape[0], -np.inf)
    up = np.full(A.shape[0], np.inf)
    for r, (_, sense) in enumerate(info.rows):
        if sense <= 0:
            lo[r] = info.rhs[r]
        if sense >= 0:
            up[r] = info.rhs[r]
    cols = info.columns
    obj_c = info.c.todense() if hasattr(info.c, "todense") else info.c
    mat = Matrices(columns=cols, rows=[c for c, _ in info.rows], cost=np.asarray(obj_c).ravel(),
                   offset=float(np.asarray(info.c_offset).ravel()[0]),
                   col_lower=np.array([v.lb if v.lb is not None else -np.inf for v in cols]),
                   col_upper=np.array([v.ub if v.ub is not None else np.inf for v in cols]),
                   integer=np.array([not v.is_continuous() for v in cols]),
                   row_lower=lo, row_upper=up, start=A.indptr.astype(np.int32),
                   index=A.indices.astype(np.int32), value=A.data.astype(float),
                   )
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = h.getInfinity()
    def clip(a):
        return np.clip(a, -inf, inf)

    h.passModel(len(cols), A.shape[0], A.nnz, int(highspy.MatrixFormat.kRowwise),
                int(highspy.ObjSense.kMinimize), mat.offset, mat.cost, clip(mat.col_lower),
                clip(mat.col_upper), clip(lo), clip(up), mat.start, mat.index, mat.value,
                mat.integer.astype(np.int32))
    return HighsModel(highs=h, mat=mat)


def _persistent_solve(built, settings) -> SolveResult:
    from pyomo.contrib.solver.common.results import SolutionStatus
    from pyomo.contrib.solver.solvers.highs import Highs

    opt = Highs()
    for name in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective",
                 "update_constraints", "update_vars", "update_parameters",
                 "update_named_expressions", "update_objective"):
        if hasattr(opt.config.auto_updates, name):
            setattr(opt.config.auto_updates, name, False)
    t = time.perf_counter()
    res = opt.solve(built.model, load_solutions=False, raise_exception_on_nonoptimal_result=False,
                    time_limit=settings.time_limit_s, rel_gap=settings.mip_rel_gap, threads=1)
    if res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible):
        res.solution_loader.load_vars()
    return SolveResult(status="optimal", termination=res.termination_condition.name,
                       objective=res.incumbent_objective, bound=res.objective_bound, gap=None,
                       seconds=time.perf_counter() - t, solver="pyomo persistent highs")


def floor(hm: HighsModel, settings) -> tuple[float, float, float | None]:
    """(read seconds, run seconds, objective) of highspy alone on the model written to MPS."""
    import highspy

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.mps")
        hm.highs.writeModel(path)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        t = time.perf_counter()
        h.readModel(path)
        read = time.perf_counter() - t
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(settings.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(settings.mip_rel_gap))
    t = time.perf_counter()
    h.run()
    run = time.perf_counter() - t
    return read, run, h.getInfo().objective_function_value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap", type=float, default=0.05, help="HiGHS relative MIP gap")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--catalog", default="auto", choices=["auto", "shipped", "plain"])
    ap.add_argument("--handover", default="highspy", choices=["highspy", "lsfc", "persistent"])
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--no-solve", action="store_true", help="stop after the hand-over")
    ap.add_argument("--no-merge", action="store_true",
                    help="do not merge workloads identical for the model (tco.aggregate)")
    a = ap.parse_args()

    print(f"portfolio: {a.workloads} workloads, seed {a.seed}, catalog {a.catalog}, gap {a.gap}, "
          f"hand-over {a.handover}; {platform.node()} {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} cores, python {platform.python_version()}", flush=True)
    st = Stages()
    s, r = st.time("load", lambda: portfolio(a.workloads, a.seed, a.catalog, a.gap, a.time_limit),
                   lambda sr: f"{len(sr[0].workloads)} workloads, {len(sr[1].apis)} APIs, "
                              f"{len(sr[1].models)} models, {len(sr[1].gpus)} GPUs")
    settings = s.solver
    p, d = st.time("demand", lambda: (lambda p: (p, expand_demand(s, p)))(
        make_periods(s.horizon, s.finance)))
    o = st.time("options", lambda: enumerate_options(s, r, p, d),
                lambda o: f"{o.candidates} candidates, {o.pruned} pruned, {len(o.table)} kept, "
                          f"{len(o.deployments)} deployments")
    md = st.time("model_data", lambda: make_model_data(s, r, p, d, o))
    full_md = md
    if not a.no_merge:
        def _merge():
            ms, groups = merge_identical(s)
            if len(groups) == len(s.workloads):
                return md, groups
            m_d = expand_demand(ms, p)
            return make_model_data(ms, r, p, m_d, enumerate_options(ms, r, p, m_d)), groups

        md, groups = st.time("merge", _merge, lambda mg: f"{len(s.workloads)} workloads -> "
                             f"{len(mg[1])} distinct, {len(mg[0].options.table)} options kept")
    b = st.time("build", lambda: build_model(md))
    size = model_size(b)
    print(f"  model: {size}", flush=True)
    if a.handover == "persistent":
        res = st.time("handover+solve", lambda: _persistent_solve(b, settings),
                      lambda res: f"{res.termination} obj {res.objective}")
        hm = st.time("handover(for floor)", lambda: handover(b, settings))
        duals = None
    else:
        hm = st.time("handover", lambda: (_lsfc_handover if a.handover == "lsfc" else handover)(
            b, settings))
        b.solver = hm
        if a.no_solve:
            return

        def _solve():
            t = time.perf_counter()
            out = run_highs(hm, settings)
            has = out.pop("has")
            if has:
                load_values(hm)
            return SolveResult(**out, seconds=time.perf_counter() - t)

        def _note(res):
            gap = res.gap if res.gap is not None else 0.0
            return f"{res.status} obj {res.objective or 0:,.2f} gap {gap:.4%}"

        res = st.time("solve", _solve, _note)
        if not res.has_plan:
            print("  no plan: HiGHS found no feasible solution within the time limit", flush=True)
            if not a.no_floor:
                read, run_s, obj = floor(hm, settings)
                print(f"  floor: highspy run() {run_s:.2f} s (MPS read {read:.2f} s apart), "
                      f"objective {obj}", flush=True)
            return
        duals = st.time("duals", lambda: marginal_duals(b),
                        lambda du: f"{len(du) if du else 0} demand duals")
    sol = st.time("extract", lambda: extract(b, res, duals),
                  lambda sol: f"npv {sol.npv_usd:,.2f}; allocation {len(sol['allocation'])} rows")
    if md is not full_md:
        sol = st.time("expand", lambda: expand(sol, full_md, groups),
                      lambda sol: f"allocation {len(sol['allocation'])} rows")
    plan_stages = ["load", "demand", "options", "model_data", "merge", "build", "handover",
                   "solve", "duals", "extract", "expand", "handover+solve"]
    plan_s = st.total(plan_stages)
    if not a.no_reports:
        from tco.run import RunResult

        run = RunResult(scenario=s, resolved=r, solution=sol)
        tmp = tempfile.mkdtemp()
        if importlib.util.find_spec("tco.report.workbook"):
            from tco.report.workbook import write_workbook

            st.time("workbook", lambda: write_workbook(run, os.path.join(tmp, "plan.xlsx")))
        if importlib.util.find_spec("tco.report.html"):
            from tco.report.html import write_html

            st.time("html", lambda: write_html(run, os.path.join(tmp, "plan.html")))
    print(f"  plan (load -> tables)  {plan_s:8.2f} s  peak {peak_mb():8.0f} MB", flush=True)
    if not a.no_floor:
        read, run_s, obj = floor(hm, settings)
        over = plan_s - run_s
        print(f"  floor: highspy run() {run_s:.2f} s (MPS read {read:.2f} s apart), objective "
              f"{obj:,.2f}; overhead plan - floor {over:.2f} s = {over / run_s:.2f}x floor",
              flush=True)


if __name__ == "__main__":
    main()
