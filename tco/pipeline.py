"""The stages in order: scenario -> catalog -> demand -> options -> model -> solution.

Each stage is a function of the previous stage's output; this module only chains them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

from tco.aggregate import merge_identical
from tco.catalog.types import Resolved
from tco.errors import InfeasibleError, Problem, ScenarioError, SolverError
from tco.errors import Path as FieldPath
from tco.model import ModelData, marginal_duals
from tco.model.data import model_data_for
from tco.model.explain import explain_caps
from tco.run import RunResult
from tco.scenario.schema import Scenario, SolverSettings, Strategy
from tco.solution import Solution, expand, extract


@dataclass(frozen=True)
class Prepared:
    """A validated scenario with its catalog data resolved."""

    scenario: Scenario
    resolved: Resolved
    locate: Callable[[FieldPath], tuple[str | None, int | None]]
    files: tuple[str, ...]
    """Every file read, the scenario first, then what it extends."""
    warnings: tuple = ()
    """Problems that do not stop a plan (an API no workload can use), located."""


def prepare(path: str | Path, overrides: tuple[str, ...] | list[str] = (),
            scale: float = 1.0) -> Prepared:
    """Load, validate and resolve a scenario file; every problem raised at once, located.

    `overrides` are command-line `--set FIELD=VALUE` what-ifs (tco.scenario.overrides);
    `scale` multiplies every workload's requests (`--scale`), as the break-even search does.
    """
    from tco.catalog import resolve
    from tco.scenario.checks import check_resolved, check_scenario
    from tco.scenario.loader import load_scenario
    from tco.servable import servability

    loaded = load_scenario(path, overrides)
    if scale != 1.0:
        from tco.analysis.points import scaled

        if not (scale > 0 and scale < float("inf")):
            raise ScenarioError([Problem(("--scale",), f"{scale} is not a positive number"
                                         " (expected like 0.5 or 2)")])
        loaded = replace(loaded, scenario=scaled(loaded.scenario, scale))
    try:
        check_scenario(loaded.scenario)
        resolved = resolve(loaded.scenario)
        check_resolved(loaded.scenario, resolved)
        problems, warnings = servability(loaded.scenario, resolved)
        if problems:
            raise ScenarioError(problems)
    except ScenarioError as e:
        raise e.located(loaded.locate) from None
    warnings = ScenarioError(warnings).located(loaded.locate).problems
    return Prepared(loaded.scenario, resolved, loaded.locate, tuple(loaded.files),
                    tuple(warnings))


def plan(scenario: Scenario, resolved: Resolved, strategy: Strategy | None = None) -> Solution:
    """Demand -> options -> model -> solve -> tables, for one strategy (None = everything).

    Workloads identical for the model are merged before the model is built and restated after
    (tco.aggregate): the optimum is the same, the model smaller. The vendor-sprawl rule is not
    linear, so a merged group that needs its rows (tco.model.lazy) is solved again apart: its
    members may then split the traffic differently, as the unmerged model could.
    Raises InfeasibleError with the reasons in words when no plan meets every requirement.
    """
    try:
        data = model_data_for(scenario, resolved, strategy)
    except InfeasibleError as e:
        raise InfeasibleError(_titled(strategy, e.explanation)) from None
    names = [w.name for w in scenario.workloads]
    apart: set[str] = set()
    while True:
        merged, groups = merge_identical(scenario, keep_apart=apart)
        if len(groups) == len(scenario.workloads):
            solution = _solve(data, strategy)
            break
        members = {names[g[0]]: [names[i] for i in g] for g in groups}
        m_data = model_data_for(merged, resolved, strategy)
        m_solution = _solve(m_data, strategy, members)
        ruled = {names[i] for gi in m_solution.meta.get("sprawl_scope", ())
                 if len(groups[gi]) > 1 for i in groups[gi]}
        if not ruled:
            solution = expand(m_solution, data, groups)
            break
        apart |= ruled
    solution.meta["prices_snapshot"] = dict(resolved.prices_snapshot)
    solution.meta["strategy"] = strategy.name if strategy else "hybrid"
    return solution


def _solve(data: ModelData, strategy: Strategy | None,
           merged: dict[str, list[str]] | None = None) -> Solution:
    """Build, solve and read one model; infeasible caps explained, solver failures raised."""
    from tco.model.lazy import build_and_solve

    settings = data.scenario.solver
    built, result = build_and_solve(data, settings)
    if result.status == "infeasible":
        raise InfeasibleError(_titled(strategy, explain_caps(data, settings, merged)))
    if not result.has_plan:
        raise SolverError(f"the solver found no plan (status {result.status}, "
                          f"termination {result.termination}, {result.seconds:.1f} s)")
    solution = extract(built, result, marginal_duals(built))
    solution.meta["sprawl_scope"] = sorted(built.sprawl_scope or ())
    return solution


def _titled(strategy: Strategy | None, text: str) -> str:
    head = f"strategy '{strategy.name}': " if strategy else ""
    return f"{head}no feasible plan.\n{text}"


def with_solver(scenario: Scenario, **overrides) -> Scenario:
    """The scenario with solver settings overridden (None values keep the scenario's)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return scenario
    try:
        settings = SolverSettings.model_validate({**scenario.solver.model_dump(), **given})
    except ValidationError as e:
        raise ScenarioError(Problem(("solver", *err["loc"]), err["msg"] + " (command-line option)")
                            for err in e.errors()) from None
    return scenario.model_copy(update={"solver": settings})


def run_scenario(path: str | Path | Prepared, *, analysis: bool = True, jobs: int | None = None,
                 progress: bool = False, solver: dict | None = None,
                 stage: Callable[[str], None] | None = None,
                 overrides: tuple[str, ...] | list[str] = (), scale: float = 1.0,
                 on_plan: Callable[[RunResult], None] | None = None) -> RunResult:
    """The main job: prepare the scenario and solve the recommended (hybrid) plan.

    With `analysis` (the default) the strategies are also compared, the break-evens found and
    the cost-versus-volume curves drawn (tco.analysis), in `jobs` parallel processes (default
    the CPU count), with a progress bar on the terminal when `progress`. `stage(words)` is told
    when the solve and the analysis start; `on_plan(result)` gets the result as soon as the
    plan is solved, before the analysis (`tco run` prints the plan then: the answer in seconds,
    the comparison after it).
    """
    import time

    t0 = time.perf_counter()
    # A caller that prepared the scenario itself (tco run reads its review: first) passes it;
    # overrides and scale are then already applied.
    prepared = path if isinstance(path, Prepared) else prepare(path, overrides, scale)
    if solver:
        prepared = replace(prepared, scenario=with_solver(prepared.scenario, **solver))
    t1 = time.perf_counter()
    if stage:
        s = prepared.scenario
        n = len(s.workloads)
        stage(f"solving the plan: {n} workload{'s' if n != 1 else ''}, "
              f"{s.horizon.periods} periods")
    solution = plan(prepared.scenario, prepared.resolved)
    t2 = time.perf_counter()
    result = RunResult(scenario=prepared.scenario, resolved=prepared.resolved, solution=solution,
                       files=prepared.files, timings={"prepare": t1 - t0, "plan": t2 - t1},
                       warnings=prepared.warnings)
    if on_plan:
        on_plan(result)
    if analysis:
        from tco.analysis import analyse

        if stage:
            stage("comparing strategies, break-evens and curves")
        found = analyse(prepared.scenario, prepared.resolved, solution, jobs=jobs,
                        progress=progress, with_constraint_costs=True)
        result.strategies, result.breakeven, result.curves = (found.strategies, found.breakeven,
                                                              found.curves)
        result.timings["analysis"] = found.seconds
        # what each rule costs: solved in the analysis's pool, in parallel
        result.constraint_costs = found.constraint_costs
        result.timings["constraint_costs"] = found.constraint_seconds
        from tco.analysis.levers import has_levers, lever_values

        if has_levers(prepared.scenario):
            t3 = time.perf_counter()
            result.lever_values = lever_values(prepared.scenario, prepared.resolved, solution)
            result.timings["lever_values"] = time.perf_counter() - t3
    return result
