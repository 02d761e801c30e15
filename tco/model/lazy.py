"""Build and solve with the vendor-sprawl rule added only where a plan breaks it.

    scope = {}
    repeat: build with sprawl rows for the workloads in scope; solve
            if the plan keeps the rule for every workload: done
            scope += the workloads that break it
    after MAX_ROUNDS rounds: build with the rows for every workload (the full model)

Each round's model is a relaxation of the full one (fewer rows), so its optimum, once it keeps
the rule everywhere, is the full model's optimum. Most plans never split a workload, and then
the first round is the only one and carries no binary at all (tco.model.sprawl).
"""

from __future__ import annotations

import numpy as np

from tco.model import sprawl
from tco.model.build import Built, build_model
from tco.model.data import ModelData
from tco.model.solve import SolveResult, solve
from tco.scenario.schema import SolverSettings

MAX_ROUNDS = 4


def shares(built: Built) -> np.ndarray:
    """The plan's shares, options x periods."""
    n, T = len(built.data.options.table), built.data.T
    vals = [v.value if v.value is not None else 0.0 for v in built.x]
    return np.asarray(vals, dtype=float).reshape(n, T) if n else np.zeros((0, T))


def build_and_solve(data: ModelData, settings: SolverSettings) -> tuple[Built, SolveResult]:
    """The built model and its solve, with the sprawl rule kept (see the module docstring)."""
    scope: frozenset = frozenset()
    for _ in range(MAX_ROUNDS):
        built = build_model(data, sprawl_scope=scope)
        result = solve(built, settings)
        if not result.has_plan:
            return built, result
        bad = sprawl.violators(data, shares(built))
        if not bad:
            return built, result
        scope = scope | frozenset(bad)
    built = build_model(data, sprawl_scope=frozenset(range(len(data.scenario.workloads))))
    return built, solve(built, settings)
