"""The jobs behind `tco sensitivity` and `tco montecarlo`: the plan, then the draws.

Each solves the recommended (hybrid) plan first, as `tco run --no-analysis` does, reads its
first stage (GPUs bought and reserved, engineers hired, fine-tunes trained) and evaluates the
uncertain inputs against it on the execution layer (tco.execution). The returned RunResult
carries the plan and the analysis, for every report to render.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tco.errors import Problem, ScenarioError
from tco.pipeline import Prepared, plan, prepare, with_solver
from tco.run import RunResult
from tco.uncertainty.evaluate import first_stage_of


def _prepared(path: str | Path, solver: dict | None) -> Prepared:
    p = prepare(path)
    if p.scenario.uncertainty is None:
        raise ScenarioError([Problem(("uncertainty",), "the scenario has no uncertainty section"
                                     " (expected uncertainty: with inputs to vary, see"
                                     " docs/uncertainty.md)", p.files[0], None)])
    if solver:
        p = replace(p, scenario=with_solver(p.scenario, **solver))
    return p


def _with_plan(p: Prepared) -> RunResult:
    import time

    t0 = time.perf_counter()
    solution = plan(p.scenario, p.resolved)
    return RunResult(scenario=p.scenario, resolved=p.resolved, solution=solution,
                     files=p.files, timings={"plan": time.perf_counter() - t0})


def run_sensitivity(path: str | Path, *, bounds: bool = False, jobs: int | None = None,
                    scheduler=None, progress: bool = False,
                    solver: dict | None = None) -> RunResult:
    """The recommended plan and its tornado (tco.uncertainty.sensitivity)."""
    import time

    from tco.uncertainty.sensitivity import sensitivity

    p = _prepared(path, solver)
    result = _with_plan(p)
    t0 = time.perf_counter()
    result.sensitivity = sensitivity(p.scenario, p.resolved, first_stage_of(result.solution),
                                     bounds=bounds, jobs=jobs, scheduler=scheduler,
                                     progress=progress)
    result.timings["sensitivity"] = time.perf_counter() - t0
    return result


def run_montecarlo(path: str | Path, n: int | None = None, *, out: str | Path,
                   resume: bool = False, seed: int | None = None, jobs: int | None = None,
                   scheduler=None, progress: bool = False, solver: dict | None = None,
                   strategies: list[str] | None = None) -> RunResult:
    """The recommended plan and N draws (default `uncertainty.draws`) of every strategy (or
    those named in `strategies`) and of the plan held fixed, streamed to `out`/draws;
    `resume` keeps the draws already there."""
    import time

    from tco.uncertainty.montecarlo import montecarlo

    p = _prepared(path, solver)
    result = _with_plan(p)
    t0 = time.perf_counter()
    result.montecarlo, result.draws = montecarlo(
        p.scenario, p.resolved, first_stage_of(result.solution),
        n or p.scenario.uncertainty.draws, Path(out) / "draws", resume=resume, seed=seed,
        jobs=jobs, scheduler=scheduler, progress=progress, strategies=strategies)
    result.timings["montecarlo"] = time.perf_counter() - t0
    return result


def add_robust(result: RunResult, *, jobs: int | None = None, scheduler=None,
               progress: bool = False) -> RunResult:
    """The robust plan (tco.uncertainty.robust) next to the recommended plan of `result`."""
    import time

    from tco.uncertainty.robust import robust_plan

    if result.scenario.uncertainty is None:
        raise ScenarioError([Problem(("uncertainty",), "--robust needs an uncertainty section"
                                     " (expected uncertainty: with inputs to vary, see"
                                     " docs/uncertainty.md)", result.files[0], None)])
    t0 = time.perf_counter()
    result.robust = robust_plan(result.scenario, result.resolved,
                                first_stage_of(result.solution), jobs=jobs,
                                scheduler=scheduler, progress=progress)
    result.timings["robust"] = time.perf_counter() - t0
    return result
