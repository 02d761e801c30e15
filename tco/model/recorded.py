"""A model's HiGHS matrices made without Pyomo constraints: the recorded build.

Every row of the model is made by `tco.model.terms.Rows` (the constraint families add their
rows through it) and `compile_model` reads a Pyomo model's rows back from those same lists.
Where the Pyomo rows are never used (a solve whose only output is its NPV: the draws of the
Monte Carlo, the sensitivity's points, the robust plan's evaluation), making them is wasted
work: most of a large model's build (a Pyomo constraint and a linear expression per row).
A recorded build runs the same families on the same data with `Rows.attach` keeping each
family's lists instead (the model carries `_tco_recording`), and compiles them in the same
order `compile_model` reads the Pyomo rows in, so the matrices, and every NPV, are the same
as a full build's (tests/test_recorded_build.py compares them entry for entry).

The variables are still Pyomo variables (first-stage plans are held through them by key,
`tco.uncertainty.evaluate.held_values`; `solve_recorded` loads a plan into them); the model
has no Pyomo objective and no constraints, so it cannot be given to another solver. The
robust plan's extensive form (tco.model.extensive) is built and solved the same way.
"""

from __future__ import annotations

import time

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from tco.model.build import Built, add_families, npv_terms
from tco.model.data import ModelData
from tco.model.solve import (
    HighsModel,
    Matrices,
    SolveResult,
    append_rows,
    load_values,
    matrices_from,
    pass_matrices,
    run_highs,
)
from tco.scenario.schema import SolverSettings


def record(m: pyo.ConcreteModel) -> None:
    """Make `m` a recorded model: from now on `Rows.attach` on it (or on any block of it)
    keeps the rows' lists instead of making Pyomo constraints."""
    m._tco_recording = []


def matrices_of(m: pyo.ConcreteModel, coefs, variables) -> Matrices:
    """The matrices of a recorded model `m` minimising coefs . variables, in the order
    `compile_model` reads a model's variables and rows (declaration order)."""
    columns = list(m.component_data_objects(pyo.Var, descend_into=True))
    # compile_model reads rows block by block (the model's own first, then each block's, as
    # Pyomo walks them), each block's in the order they were added
    per_block: dict[int, list] = {}
    for blk, name, r in m._tco_recording:
        per_block.setdefault(id(blk), []).append((name, r))
    ordered = [x for blk in m.block_data_objects(descend_into=True)
               for x in per_block.pop(id(blk), [])]
    assert not per_block, "rows recorded on a block outside the model"
    rows, lower, upper, counts, index, value = [], [], [], [], [], []
    for name, r in ordered:
        rows.extend((name, i) for i in range(len(r.keys)))
        append_rows(r, index, value, counts, lower, upper)
    return matrices_from(columns, rows, lower, upper, counts, index, value, variables, coefs)


def recorded_matrices(data: ModelData) -> tuple[Built, Matrices]:
    """The model of `data` (as `build_model(data)` makes it) and its matrices, as
    `compile_model` would read them, without making Pyomo constraints or an objective."""
    with PauseGC():
        m = pyo.ConcreteModel(name=data.scenario.name)
        record(m)
        b = add_families(m, data)
        coefs, variables = npv_terms(b)
        return b, matrices_of(m, coefs, variables)


def recorded_handover(data: ModelData, settings: SolverSettings | None = None
                      ) -> tuple[Built, HighsModel]:
    """The model of `data` live in a new HiGHS instance, from a recorded build."""
    b, mat = recorded_matrices(data)
    hm = pass_matrices(mat, settings)
    b.solver = hm
    return b, hm


def solve_recorded(m: pyo.ConcreteModel, coefs, variables,
                   settings: SolverSettings) -> SolveResult:
    """Solve a recorded model with HiGHS, as `tco.model.solve.solve` does a full one: the plan
    is loaded into the variables."""
    start = time.perf_counter()
    hm = pass_matrices(matrices_of(m, coefs, variables), settings)
    out = run_highs(hm, settings)
    if out.pop("has"):
        load_values(hm)
    return SolveResult(**out, seconds=time.perf_counter() - start)
