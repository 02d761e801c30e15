"""NPV of a strategy, or of the recommended plan held fixed, on one (transformed) scenario.

The recommended plan held fixed: its first-stage decisions, made here and now, are fixed at
the plan's values, and only the recourse is re-optimised for the draw:

    first stage (fixed): buy[g,t], commit[g,k,t] (GPU purchases and reservations),
                         staff[t] (engineers hired), tuned[f] (fine-tunes trained)
    recourse (free):     x[o,t] (allocation to APIs and self-hosted options), rep[d,t],
                         od[g,t] (on-demand GPUs), hosting[t]

So a draw with less volume still pays for the GPUs bought and the engineers hired, and a draw
with more volume buys the difference from APIs or on-demand GPUs (or, with staff fixed, cannot
run more GPUs than the team can look after). Each solve builds the draw's model anew (the model
families see a scenario like any other); identical workloads are merged first
(tco.aggregate), which leaves the optimum unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tco.aggregate import merge_identical
from tco.catalog.types import Resolved
from tco.errors import InfeasibleError, SolverError
from tco.model import build_model, solve
from tco.model.build import Built
from tco.model.data import model_data_for
from tco.scenario.schema import Scenario, Strategy


@dataclass(frozen=True)
class FirstStage:
    """The here-and-now decisions of a plan (USD-free: counts per key of the model)."""

    buy: dict[tuple, int] = field(default_factory=dict)
    """(gpu, t) -> GPUs bought in period t."""
    commit: dict[tuple, int] = field(default_factory=dict)
    """(gpu, reserved_1y | reserved_3y, t) -> GPUs reserved from period t."""
    staff: dict[int, int] = field(default_factory=dict)
    """t -> engineers hired beyond those employed."""
    tuned: dict[str, int] = field(default_factory=dict)
    """fine-tune name -> 1 if trained."""


def first_stage_of(solution) -> FirstStage:
    """The first-stage decisions of a solved plan, read from its tables."""
    fleet = solution["fleet"]
    buy, commit = {}, {}
    for r in fleet.itertuples():
        if r.bought:
            buy[(r.gpu, int(r.t))] = int(r.bought)
        for mode in ("reserved_1y", "reserved_3y"):
            n = int(getattr(r, f"{mode}_new"))
            if n:
                commit[(r.gpu, mode, int(r.t))] = n
    staff = {int(r.t): int(r.engineers_hired) for r in solution["staffing"].itertuples()}
    tuned = {r.fine_tune: int(bool(r.trained)) for r in solution["fine_tunes"].itertuples()}
    return FirstStage(buy, commit, staff, tuned)


def first_stage_from_model(b: Built) -> FirstStage:
    """The first-stage decisions of a solved model."""
    def val(v) -> int:
        return int(round(v.value or 0.0))

    return FirstStage(buy={k: val(v) for k, v in b.buy.items() if val(v)},
                      commit={k: val(v) for k, v in b.commit.items() if val(v)},
                      staff={t: val(v) for t, v in enumerate(b.staff)},
                      tuned={k: val(v) for k, v in b.tuned.items()})


def fix_first_stage(b: Built, fs: FirstStage) -> list[str]:
    """Fix the model's first-stage variables at `fs`; what the model cannot hold, in words."""
    missing = []
    for table, got, what in ((fs.buy, b.buy, "bought"), (fs.commit, b.commit, "reserved")):
        for k, n in table.items():
            if n and k not in got:
                missing.append(f"{n} {k[0]} GPUs {what} in period {k[-1]}")
        for k, v in got.items():
            v.fix(table.get(k, 0))
    for t, v in enumerate(b.staff):
        v.fix(fs.staff.get(t, 0))
    for f, n in fs.tuned.items():
        if f in b.tuned:
            b.tuned[f].fix(n)
        elif n:
            missing.append(f"fine-tune {f} trained")
    for f, v in b.tuned.items():
        if f not in fs.tuned:
            v.fix(0)
    return missing


@dataclass(frozen=True)
class Outcome:
    """The NPV of one solve, or why there is none."""

    npv_usd: float | None
    status: str
    """ok | time_limit (best plan by then) | infeasible | error."""
    note: str = ""


def npv_of(scenario: Scenario, resolved: Resolved, strategy: Strategy | None,
           fixed: FirstStage | None = None) -> Outcome:
    """The optimal NPV of `strategy` on the scenario, with the first stage fixed if given."""
    merged = merge_identical(scenario)[0]
    try:
        data = model_data_for(merged, resolved, strategy)
    except InfeasibleError:
        return Outcome(None, "infeasible", "a workload has no option")
    built = build_model(data)
    if fixed is not None:
        missing = fix_first_stage(built, fixed)
        if missing:
            return Outcome(None, "error", "the plan's " + "; ".join(missing)
                           + " cannot be used in this draw")
    try:
        result = solve(built, data.scenario.solver)
    except SolverError as e:
        return Outcome(None, "error", str(e))
    if result.status == "infeasible":
        return Outcome(None, "infeasible", "no plan serves every workload")
    if not result.has_plan or result.objective is None:
        return Outcome(None, "error", f"no plan (status {result.status})")
    return Outcome(float(result.objective), "ok" if result.status == "optimal" else
                   result.status)
