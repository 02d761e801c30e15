"""NPV of a strategy, or of the recommended plan held fixed, on one (transformed) scenario.

The recommended plan held fixed: its first-stage decisions, made here and now, are fixed at
the plan's values, and only the recourse is re-optimised for the draw:

    first stage (fixed): buy[g,t], commit[g,k,t] (GPU purchases and reservations),
                         staff[t] (engineers hired), tuned[f,s] (fine-tunes adopted in s)
                         start[k,t] (two-part tariffs and commitments signed)
    recourse (free):     x[o,t] (allocation to APIs and self-hosted options), rep[d,t],
                         od[g,t] (on-demand GPUs), hosting[t]

So a draw with less volume still pays for the GPUs bought and the engineers hired, and a draw
with more volume buys the difference from APIs or on-demand GPUs (or, with staff fixed, cannot
run more GPUs than the team can look after). Each strategy builds the draw's model anew (the
model families see a scenario like any other); identical workloads are merged first
(tco.aggregate), which leaves the optimum unchanged. `npvs_of` solves the re-optimised plan
and any plans held fixed on one such model, changing only the first stage's column bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tco.aggregate import merge_identical
from tco.catalog.types import Resolved
from tco.errors import InfeasibleError, SolverError
from tco.model import build_model, solve
from tco.model.build import Built
from tco.model.data import ModelData, model_data_for
from tco.model.recorded import recorded_handover
from tco.model.solve import run_highs
from tco.model.tariffs import PRICE_PLANS, price_plan_starts
from tco.scenario.schema import Scenario, SolverSettings, Strategy


@dataclass(frozen=True)
class FirstStage:
    """The here-and-now decisions of a plan (USD-free: counts per key of the model)."""

    buy: dict[tuple, int] = field(default_factory=dict)
    """(gpu, t) -> GPUs bought in period t."""
    commit: dict[tuple, int] = field(default_factory=dict)
    """(gpu, reserved_1y | reserved_3y, t) -> GPUs reserved from period t."""
    staff: dict[int, int] = field(default_factory=dict)
    """t -> engineers hired beyond those employed."""
    tuned: dict[tuple, int] = field(default_factory=dict)
    """(fine-tune name, period adopted) -> 1 if trained from then (tco.model.fine_tuning)."""
    tariffs: dict[tuple, int] = field(default_factory=dict)
    """(price plan, t) -> 1 if the two-part tariff or commitment is signed in period t."""


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
    tuned = {(r.fine_tune, int(r.adopted_t)): 1 for r in solution["fine_tunes"].itertuples()
             if r.trained}
    plans = solution.tables.get("tariffs")
    signed = {} if plans is None else {
        (r.tariff, int(r.t)): 1 for r in plans.itertuples()
        if r.kind in PRICE_PLANS and r.started}
    return FirstStage(buy, commit, staff, tuned, signed)


def first_stage_from_model(b: Built) -> FirstStage:
    """The first-stage decisions of a solved model."""
    def val(v) -> int:
        return int(round(v.value or 0.0))

    return FirstStage(buy={k: val(v) for k, v in b.buy.items() if val(v)},
                      commit={k: val(v) for k, v in b.commit.items() if val(v)},
                      staff={t: val(v) for t, v in enumerate(b.staff)},
                      tuned={k: val(v) for k, v in b.tuned.items()},
                      tariffs={k: val(v) for k, v in price_plan_starts(b).items() if val(v)})


def held_values(b: Built, fs: FirstStage) -> tuple[list, list[int], list[str]]:
    """The model's first-stage variables, the value `fs` holds each at (0 where it has none),
    and what `fs` holds that the model has no variable for, in words."""
    variables, values, missing = [], [], []
    for table, got, what in ((fs.buy, b.buy, "bought"), (fs.commit, b.commit, "reserved")):
        for k, n in table.items():
            if n and k not in got:
                missing.append(f"{n} {k[0]} GPUs {what} in period {k[-1]}")
        for k, v in got.items():
            variables.append(v)
            values.append(table.get(k, 0))
    for t, v in enumerate(b.staff):
        variables.append(v)
        values.append(fs.staff.get(t, 0))
    for f, n in fs.tuned.items():
        if f not in b.tuned and n:
            missing.append(f"fine-tune {f[0]} trained in period {f[1]}")
    for f, v in b.tuned.items():
        variables.append(v)
        values.append(fs.tuned.get(f, 0))
    starts = price_plan_starts(b)
    for (name, t), n in fs.tariffs.items():
        if n and (name, t) not in starts:
            missing.append(f"tariff {name} signed in period {t}")
    for k, v in starts.items():
        variables.append(v)
        values.append(fs.tariffs.get(k, 0))
    return variables, values, missing


def fix_first_stage(b: Built, fs: FirstStage) -> list[str]:
    """Fix the model's first-stage variables at `fs`; what the model cannot hold, in words."""
    variables, values, missing = held_values(b, fs)
    for v, n in zip(variables, values):
        v.fix(n)
    return missing


def _missing_note(missing: list[str]) -> str:
    return "the plan's " + "; ".join(missing) + " cannot be used in this draw"


@dataclass(frozen=True)
class Outcome:
    """The NPV of one solve, or why there is none."""

    npv_usd: float | None
    status: str
    """ok | time_limit (best plan by then) | infeasible | error."""
    note: str = ""
    gap: float | None = None
    """Relative MIP gap the NPV is proven to (HiGHS's; None for other solvers or no plan)."""


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
            return Outcome(None, "error", _missing_note(missing))
    try:
        result = solve(built, data.scenario.solver)
    except SolverError as e:
        return Outcome(None, "error", str(e))
    return _outcome(result.status, result.objective, result.gap)


def unrestricted(strategy: Strategy | None) -> bool:
    """Whether the strategy allows every option as the recommended plan does (`hybrid`), so
    that its model is the one the plan held fixed is evaluated on."""
    return strategy is None or (
        strategy.option_kinds is None and strategy.providers is None and strategy.models is None
        and strategy.gpus is None and strategy.procurement is None and strategy.prompt_caching)


def npvs_of(scenario: Scenario, resolved: Resolved, strategy: Strategy | None,
            plans: Sequence[FirstStage | None]) -> list[Outcome]:
    """`npv_of(scenario, resolved, strategy, fixed=p)` for each p of `plans`, on one model.

    The fast path of a draw: the model is built and handed to HiGHS once; each solve changes
    only the bounds of the first-stage columns in the live HiGHS model (held at p's values,
    or back to the model's own bounds for p None: re-optimised) and clears the solver's
    state, so every solve starts cold on the same matrices the slow path would compile.
    Saves a model build per extra plan; other solvers than HiGHS take the slow path.
    """
    if scenario.solver.name not in ("highs", "appsi_highs"):
        return [npv_of(scenario, resolved, strategy, fixed=p) for p in plans]
    merged = merge_identical(scenario)[0]
    try:
        data = model_data_for(merged, resolved, strategy)
    except InfeasibleError:
        return [Outcome(None, "infeasible", "a workload has no option") for _ in plans]
    return npvs_on(data, plans)


def npvs_on(data: ModelData, plans: Sequence[FirstStage | None],
            settings: SolverSettings | None = None) -> list[Outcome]:
    """`npvs_of` on model data already made (`model_data_for` of the merged scenario), with
    `settings` in place of the data's own solver settings if given. The robust plan's
    evaluation hands over the data its extensive form was built from, so a draw's options
    and data are not made twice."""
    settings = settings or data.scenario.solver
    try:
        # rows recorded, not made as Pyomo constraints: the same matrices (tco.model.recorded)
        built, hm = recorded_handover(data, settings)
    except SolverError as e:
        return [Outcome(None, "error", str(e)) for _ in plans]
    h, mat = hm.highs, hm.mat
    variables = held_values(built, FirstStage())[0]
    cols = mat.cols_of(variables)
    inf = h.getInfinity()
    own_lo = np.clip(mat.col_lower[cols], -inf, inf)
    own_hi = np.clip(mat.col_upper[cols], -inf, inf)
    out = []
    for p in plans:
        if p is None:
            lo, hi = own_lo, own_hi
        else:
            _, values, missing = held_values(built, p)
            if missing:
                out.append(Outcome(None, "error", _missing_note(missing)))
                continue
            lo = hi = np.asarray(values, dtype=float)
        if len(cols):
            h.changeColsBounds(len(cols), cols, lo, hi)
        h.clearSolver()
        try:
            r = run_highs(hm, settings)
        except SolverError as e:
            out.append(Outcome(None, "error", str(e)))
            continue
        out.append(_outcome(r["status"], r["objective"], r.get("gap")))
    return out


def _outcome(status: str, objective: float | None, gap: float | None = None) -> Outcome:
    """The Outcome of a solve's status, objective and gap (as `npv_of` reads a SolveResult)."""
    if status == "infeasible":
        return Outcome(None, "infeasible", "no plan serves every workload")
    if status not in ("optimal", "time_limit") or objective is None:
        return Outcome(None, "error", f"no plan (status {status})")
    return Outcome(float(objective), "ok" if status == "optimal" else status,
                   gap=None if gap is None else float(gap))
