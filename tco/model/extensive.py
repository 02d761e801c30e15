"""The robust plan's extensive form: one block per draw, the first stage shared.

A two-stage stochastic program over draws s = 1..S with probabilities p_s, built in one Pyomo
model from the same constraint families as the deterministic plan (`build.add_families` on a
block per draw, each with its own data: demand, prices, throughput of that draw):

    first stage (here and now, one value for every draw):
        buy[g,t], commit[g,k,t], staff[t], tuned[f,s], start[k,t] of price plans (two-part
        tariffs and commitments signed; provisioned units are recourse, sized per draw)
    recourse (per draw): x, rep, z, od, hosting of block s

Nonanticipativity: for every first-stage key, block s's variable equals block 0's
(the first block holding the key):

    v_s[key] - v_0[key] = 0                              for s > 0
    v_0[key] = 0   when some block has no such variable (a GPU type or fine-tune that some draw
                   cannot use is not bought; a deterministic plan could not use it there either)

The upper bound of a shared first-stage variable is the largest over the draws (a GPU bought
for the high-volume draws stays owned in the low ones).

Objective, with NPV_s the discounted cost accumulator of block s (`build.npv_terms`) and
risk weight w and level alpha (`uncertainty.risk`):

    min (1 - w) sum_s p_s NPV_s + w CVaR_alpha
    CVaR_alpha = eta + 1 / (1 - alpha) sum_s p_s u_s,   u_s >= NPV_s - eta,  u_s >= 0

(Rockafellar-Uryasev: at the optimum eta is the alpha-quantile of the NPV and CVaR the mean of
the dearest 1 - alpha of the probability mass.) With w = 0 this is the expected NPV.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from tco.model.build import Built, add_families, npv_terms
from tco.model.data import ModelData
from tco.model.recorded import record
from tco.model.tariffs import price_plan_starts
from tco.model.terms import Rows, linear


@dataclass
class Extensive:
    """The extensive form: the model, one Built per draw, and the shared decisions."""

    model: pyo.ConcreteModel
    blocks: list[Built]
    probabilities: list[float]
    npv: list[tuple[list[float], list]] = field(default_factory=list)
    """Per draw: the NPV's coefficients and variables."""
    solver: object = None
    objective_terms: tuple[list[float], list] = ((), ())
    """The objective's coefficients and variables (what a recorded model is solved with)."""

    def integer_vars(self) -> list:
        """Every integer or binary variable of every block."""
        return [v for b in self.blocks for v in b.integer_vars()]

    def npv_values(self) -> list[float]:
        """Each draw's NPV at the loaded solution."""
        return [sum(c * (v.value or 0.0) for c, v in zip(cs, vs)) for cs, vs in self.npv]


def _first_stage(b: Built) -> dict[tuple, object]:
    out = {("buy", *k): v for k, v in b.buy.items()}
    out.update({("commit", *k): v for k, v in b.commit.items()})
    out.update({("staff", t): v for t, v in enumerate(b.staff)})
    out.update({("tuned", *k): v for k, v in b.tuned.items()})
    out.update({("tariff", *k): v for k, v in price_plan_starts(b).items()})
    return out


def build_extensive(datas: list[ModelData], probabilities: list[float],
                    cvar_alpha: float = 0.9, weight: float = 0.0,
                    recorded: bool = False) -> Extensive:
    """The extensive form over the draws' model data (same horizon and GPU catalogue).

    With `recorded`, its rows are recorded, not made as Pyomo constraints, and it has no
    Pyomo objective (`objective_terms` holds it): solved with `solve_recorded`."""
    with PauseGC():
        m = pyo.ConcreteModel(name="robust")
        if recorded:
            record(m)
        m.draw = pyo.Block(range(len(datas)))
        blocks = [add_families(m.draw[s], d) for s, d in enumerate(datas)]
        ef = Extensive(m, blocks, list(probabilities))
        _nonanticipativity(m, blocks)
        ef.npv = [npv_terms(b) for b in blocks]
        _objective(m, ef, cvar_alpha, weight)
    return ef


def _nonanticipativity(m: pyo.ConcreteModel, blocks: list[Built]) -> None:
    stages = [_first_stage(b) for b in blocks]
    keys = list(dict.fromkeys(k for st in stages for k in st))
    rows = Rows()
    for key in keys:
        held = [st[key] for st in stages if key in st]
        first = held[0]
        ub = max((v.ub for v in held if v.ub is not None), default=None)
        for v in held:
            if ub is not None and v.ub is not None:
                v.setub(ub)
        if len(held) < len(stages):
            first.fix(0)
        for v in held[1:]:
            rows.add(key, [1.0, -1.0], [v, first], 0.0, 0.0)
    rows.attach(m, "nonanticipativity")


def _objective(m: pyo.ConcreteModel, ef: Extensive, alpha: float, w: float) -> None:
    coefs, variables = [], []
    if w < 1.0:
        for p, (cs, vs) in zip(ef.probabilities, ef.npv):
            coefs.extend((1.0 - w) * p * c for c in cs)
            variables.extend(vs)
    if w > 0.0:
        S = len(ef.blocks)
        m.eta = pyo.Var()
        m.tail = pyo.Var(range(S), bounds=(0.0, None))
        rows = Rows()
        for s, (cs, vs) in enumerate(ef.npv):
            # tail_s - NPV_s + eta >= 0
            rows.add((s,), [1.0, 1.0] + [-c for c in cs], [m.tail[s], m.eta] + list(vs),
                     lower=0.0)
        rows.attach(m, "cvar_tail")
        coefs.append(w)
        variables.append(m.eta)
        for s, p in enumerate(ef.probabilities):
            coefs.append(w * p / (1.0 - alpha))
            variables.append(m.tail[s])
    ef.objective_terms = (coefs, variables)
    if getattr(m, "_tco_recording", None) is not None:
        return  # a recorded model: solve_recorded reads objective_terms
    m.expected_npv = pyo.Objective(expr=linear(coefs, variables), sense=pyo.minimize)
    m.expected_npv._tco_terms = (coefs, variables)  # read in bulk by tco.model.solve


def cvar(values: list[float], probabilities: list[float], alpha: float) -> float:
    """CVaR_alpha of a discrete cost distribution: the mean of its dearest 1 - alpha mass."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    tail, total = 1.0 - alpha, 0.0
    left = tail
    for i in order:
        take = min(probabilities[i], left)
        total += take * values[i]
        left -= take
        if left <= 1e-12:
            break
    return total / tail
