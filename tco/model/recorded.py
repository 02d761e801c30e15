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
`tco.uncertainty.evaluate.held_values`); the built model has no objective and no
constraints, so it cannot be given to another solver or loaded with a plan.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from tco.model.build import Built, add_families, npv_terms
from tco.model.data import ModelData
from tco.model.solve import HighsModel, Matrices, matrices_from, pass_matrices
from tco.scenario.schema import SolverSettings


def recorded_matrices(data: ModelData) -> tuple[Built, Matrices]:
    """The model of `data` (as `build_model(data)` makes it) and its matrices, as
    `compile_model` would read them, without making Pyomo constraints or an objective."""
    with PauseGC():
        m = pyo.ConcreteModel(name=data.scenario.name)
        m._tco_recording = recording = []
        b = add_families(m, data)
        columns = list(m.component_data_objects(pyo.Var, descend_into=True))
        rows, lower, upper, counts, index, value = [], [], [], [], [], []
        for _name, r in recording:
            rows.extend((_name, i) for i in range(len(r.keys)))
            for c, v in zip(r.coefs, r.variables):
                index.extend(v)
                value.extend(c)
                counts.append(len(v))
            lower.extend(-np.inf if x is None else x for x in r.lower)
            upper.extend(np.inf if x is None else x for x in r.upper)
        coefs, variables = npv_terms(b)
        return b, matrices_from(columns, rows, lower, upper, counts, index, value,
                                variables, coefs)


def recorded_handover(data: ModelData, settings: SolverSettings | None = None
                      ) -> tuple[Built, HighsModel]:
    """The model of `data` live in a new HiGHS instance, from a recorded build."""
    b, mat = recorded_matrices(data)
    hm = pass_matrices(mat, settings)
    b.solver = hm
    return b, hm
