"""Linear terms: rows built from coefficient lists in bulk, and the shared cost accumulator.

Every family appends its cost terms to one `Costs` accumulator (GenX's habit): the objective is
built from it and so is the cost table, so the table sums to the objective by construction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

CATEGORIES = ("api", "api_batch", "gpu_on_demand", "gpu_reserved", "gpu_reserved_after_horizon",
              "gpu_capex", "gpu_residual", "power_facility", "staff", "fine_tuning", "levers",
              "migration", "gpu_support", "gpu_software", "gpu_network_storage", "api_operations",
              "error", "tariff_fee", "tariff_units", "tariff_discount", "tariff_shortfall",
              "tariff_after_horizon")
# Not cash spent inside the period: left out of per-period budget caps.
NOT_IN_BUDGET = ("gpu_reserved_after_horizon", "gpu_residual", "error", "tariff_after_horizon")
# Not cash at all: the expected cost of bad answers. Cash TCO is every other category;
# the quality-adjusted cost is all of them.
NOT_CASH = ("error",)



def linear(coefs, variables, constant: float = 0.0):
    """One linear expression from parallel lists, without Python's nested sums.

    A term with coefficient 1 is the variable itself (Pyomo accepts variables among a linear
    expression's arguments): no monomial object is made for it, which halves the build of
    large models whose demand and link rows are all ones.
    """
    args = [v if c == 1.0 else MonomialTermExpression((float(c), v))
            for c, v in zip(coefs, variables)]
    if constant:
        args.insert(0, float(constant))
    return LinearExpression(args)


@dataclass
class Rows:
    """Constraint rows of one family, added to the model at once."""

    lower: list[float | None] = field(default_factory=list)
    upper: list[float | None] = field(default_factory=list)
    coefs: list[list[float]] = field(default_factory=list)
    variables: list[list] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)

    def add(self, key: tuple, coefs, variables, lower=None, upper=None) -> None:
        """Queue lower <= coefs . variables <= upper."""
        self.keys.append(key)
        self.coefs.append(coefs)
        self.variables.append(variables)
        self.lower.append(lower)
        self.upper.append(upper)

    def attach(self, m: pyo.ConcreteModel, name: str) -> dict[tuple, int]:
        """Add the rows as one indexed constraint `name`; returns key -> row index."""
        recording = getattr(m.model(), "_tco_recording", None)
        if recording is not None:
            # A recorded build (tco.model.recorded): the rows stay lists, no Pyomo constraint.
            recording.append((m, name, self))
            setattr(m, name, [(name, i) for i in range(len(self.keys))])
            return {k: i for i, k in enumerate(self.keys)}
        exprs = [linear(c, v) for c, v in zip(self.coefs, self.variables)]
        lo, up = self.lower, self.upper
        con = pyo.Constraint(range(len(exprs)), rule=lambda _m, r: (lo[r], exprs[r], up[r]))
        setattr(m, name, con)
        # The lists the expressions were made from, for tco.model.solve.compile_model to read
        # in bulk (the same numbers as the Pyomo rows, by construction).
        con._tco_rows = self
        return {k: i for i, k in enumerate(self.keys)}


@dataclass
class Costs:
    """USD per (period, category), undiscounted, as linear terms."""

    terms: dict[tuple[int, str], tuple[list[float], list]] = field(
        default_factory=lambda: defaultdict(lambda: ([], [])))

    def add(self, t: int, category: str, coefs, variables) -> None:
        """Add cost terms to period t's category."""
        c, v = self.terms[(t, category)]
        c.extend(map(float, coefs))
        v.extend(variables)

    def expression(self, t: int, category: str):
        """The cost of one period and category as a Pyomo expression."""
        c, v = self.terms.get((t, category), ([], []))
        return linear(c, v)

    def values(self) -> dict[tuple[int, str], float]:
        """Each term's value at the loaded solution."""
        out = {}
        for key, (c, v) in self.terms.items():
            vals = np.array([x.value if x.value is not None else 0.0 for x in v], dtype=float)
            out[key] = float(np.dot(np.asarray(c, dtype=float), vals))
        return out
