"""Build the MILP of DESIGN.md in Pyomo from `ModelData`.

Variables (flat-indexed for speed; the maps in `Built` name them):

- x[o,t] in [0,1]: share of option o's workload it serves in period t.
- rep[d,t] integer: replicas of deployment d (served model, GPU type, operating point).
- z[d,t] binary: deployment d serves interactive/standard traffic (only when min_replicas > 1).
- buy[g,t], commit[g,k,t] (k = reserved_1y, reserved_3y), od[g,t] integers: GPUs bought in t,
  reserved from t for the term, rented on demand in t.
- hosting[t] binary, staff[t] integer (engineers hired beyond those employed); tuned[f,s] binary
  (fine-tune f adopted in period s).

Each constraint family lives in its own module and adds its rows and cost terms; the objective
is the NPV of the shared cost accumulator: sum over t and category of factor_t x cost[t, cat].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from tco.model import (
    api_operations,
    capacity,
    demand_rows,
    fine_tuning,
    gpu_overheads,
    hiring,
    levers,
    policy,
    procurement,
    sprawl,
    staffing,
    switching,
    tariffs,
)
from tco.model.data import ModelData
from tco.model.terms import CATEGORIES, NOT_CASH, Costs, linear
from tco.objective import objective_of


@dataclass
class Built:
    """The Pyomo model with named handles on its variables and rows."""

    model: pyo.ConcreteModel
    data: ModelData
    costs: Costs
    x: list
    """x[o * T + t]."""
    rep: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)
    buy: dict = field(default_factory=dict)
    commit: dict = field(default_factory=dict)
    od: dict = field(default_factory=dict)
    hosting: list = field(default_factory=list)
    staff: list = field(default_factory=list)
    tuned: dict = field(default_factory=dict)
    """(fine-tune, period) -> binary: first trained in that period (tco.model.fine_tuning)."""
    variant: dict = field(default_factory=dict)
    """(workload, prompt variant, t) -> binary: the variant is in use (tco.model.levers)."""
    cache: dict = field(default_factory=dict)
    """(workload, t) -> binary: the workload's response cache runs (tco.model.levers)."""
    sprawl: dict = field(default_factory=dict)
    """(workload, provider, t) -> binary: the provider serves the workload (tco.model.sprawl)."""
    sprawl_scope: frozenset | None = None
    """Workloads the vendor-sprawl rows are built for; None = every workload with a choice
    (tco.model.lazy adds them only where a plan breaks the rule)."""
    dest_on: dict = field(default_factory=dict)
    """(workload, destination, t) -> binary: the destination serves the workload (switching)."""
    tariffs: dict = field(default_factory=dict)
    """Tariff name -> its variables (tco.model.tariffs)."""
    tariff_ints: list = field(default_factory=list)
    """Integer and binary variables of the tariffs."""
    api_ops: dict = field(default_factory=dict)
    """("provider", p, t) or ("workload", w, t) -> binary: the API path in use
    (tco.model.api_operations)."""
    demand_rows: dict = field(default_factory=dict)
    """(workload index, t) -> row of `demand` constraint."""
    slacks: dict = field(default_factory=dict)
    """Elastic mode: (family, key) -> (slack variable, penalty per unit)."""
    elastic: bool = False
    solver: object = None
    """The persistent solver instance after a HiGHS solve (reused for the dual re-solve)."""

    def integer_vars(self) -> list:
        """Every integer or binary variable (fixed for the dual re-solve)."""
        out = list(self.rep.values()) + list(self.z.values()) + list(self.buy.values())
        out += list(self.commit.values()) + list(self.od.values()) + self.hosting + self.staff
        out += list(self.variant.values()) + list(self.cache.values())
        return (out + list(self.tuned.values()) + list(self.dest_on.values())
                + self.tariff_ints + list(self.sprawl.values()) + list(self.api_ops.values()))


def build_model(data: ModelData, elastic: bool = False,
                sprawl_scope: frozenset | None = frozenset()) -> Built:
    """Create variables, add every constraint family, set the NPV objective.

    With `elastic`, demand, budget and share rows get penalised slack so that an infeasible
    scenario still solves and the slacks say what cannot be met and by how much.
    `sprawl_scope` limits the vendor-sprawl rows to those workloads (default none; None = all;
    tco.model.lazy adds them where a plan needs them).
    """
    with PauseGC():
        return _build(data, elastic, sprawl_scope)


def _build(data: ModelData, elastic: bool, sprawl_scope: frozenset | None = None) -> Built:
    # Python's cyclic garbage collector is paused while millions of expression objects are
    # made (none of them is garbage): the build runs several times faster. Pyomo's own
    # writers do the same.
    m = pyo.ConcreteModel(name=data.scenario.name)
    b = add_families(m, data, elastic, sprawl_scope)
    _objective(m, b)
    return b


def add_families(m: pyo.Block, data: ModelData, elastic: bool = False,
                 sprawl_scope: frozenset | None = frozenset()) -> Built:
    """Every constraint family's variables, rows and cost terms in `m` (a model, or one block
    of the robust plan's extensive form, tco.model.extensive), without an objective."""
    T = data.T
    n_opts = len(data.options.table)
    m.x = pyo.Var(range(n_opts * T), bounds=(0.0, 1.0))
    b = Built(model=m, data=data, costs=Costs(), x=[m.x[i] for i in range(n_opts * T)],
              elastic=elastic, sprawl_scope=sprawl_scope)
    m.hosting = pyo.Var(range(T), domain=pyo.Binary)
    m.staff = pyo.Var(range(T), domain=pyo.NonNegativeIntegers)
    b.hosting = [m.hosting[t] for t in range(T)]
    b.staff = [m.staff[t] for t in range(T)]
    demand_rows.add(m, b)
    capacity.add(m, b)
    procurement.add(m, b)
    gpu_overheads.add(m, b)
    staffing.add(m, b)
    hiring.add(m, b)
    fine_tuning.add(m, b)
    levers.add(m, b)
    switching.add(m, b)
    api_operations.add(m, b)
    tariffs.add(m, b)  # before policy: budgets see tariff spend
    policy.add(m, b)
    sprawl.add(m, b)
    return b


def npv_terms(b: Built) -> tuple[list[float], list]:
    """The NPV as coefficient and variable lists: sum_t factor_t sum_cat cost[t, cat]; with
    finance.objective cash, the categories that are not cash (expected errors) are left out."""
    coefs, variables = [], []
    df = b.data.periods.discount
    skip = NOT_CASH if objective_of(b.data.scenario)[0] == "cash" else ()
    for (t, cat), (c, v) in b.costs.terms.items():
        assert cat in CATEGORIES, cat
        if cat in skip:
            continue
        coefs.extend(np.asarray(c) * df[t])
        variables.extend(v)
    return coefs, variables


def _objective(m: pyo.ConcreteModel, b: Built) -> None:
    """The objective: `npv_terms` (+ slack penalties in elastic mode)."""
    coefs, variables = npv_terms(b)
    for var, penalty in b.slacks.values():
        coefs.append(penalty)
        variables.append(var)
    m.npv = pyo.Objective(expr=linear(coefs, variables), sense=pyo.minimize)
    m.npv._tco_terms = (coefs, variables)  # read in bulk by tco.model.solve.compile_model


def share_penalty(b: Built) -> float:
    """Penalty per unit of a share slack: far above any cost the whole plan could incur."""
    o = b.data.options
    scale = float(np.abs(o.api_cost).sum() + np.abs(o.error_cost).sum())
    scale += b.data.scenario.staffing.cost_usd_per_year * b.data.T
    for g in b.data.gpus:
        scale += (g.on_demand_usd_per_hour or 0) * b.data.periods.hours * b.data.T * 8
        if g.purchase:
            scale += g.purchase.price_usd * 8
    return 1e3 * max(scale, 1.0)


def model_size(b: Built) -> dict[str, int]:
    """Variables, integer variables, rows and nonzeros of the Pyomo model (before presolve)."""
    m = b.model
    variables = integers = rows = nonzeros = 0
    for v in m.component_data_objects(pyo.Var, descend_into=True):
        variables += 1
        integers += not v.is_continuous()
    for c in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        rows += 1
        body = c.body
        nonzeros += len(body.linear_vars) if hasattr(body, "linear_vars") else len(
            list(pyo.expr.identify_variables(body)))
    return dict(variables=variables, integers=integers, rows=rows, nonzeros=nonzeros)
