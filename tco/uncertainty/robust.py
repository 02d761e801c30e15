"""The robust plan: a two-stage stochastic program over the draws, and what it is worth.

Draws: every joint combination of the inputs' values when all sources are discrete and there
are at most `uncertainty.robust_draws` of them (each with the product of its probabilities);
otherwise draws 0..S-1 of the Monte Carlo (S = robust_draws), equally likely. The extensive
form (tco.model.extensive) decides GPU purchases, reservations, staff and fine-tunes once for
all draws, the allocation, APIs and on-demand GPUs per draw, minimising the expected NPV (or
mean-CVaR with `uncertainty.risk.weight`). It is solved to a relative gap of at most 0.5%.

Then every plan is evaluated on every draw the same way (tco.uncertainty.evaluate: first stage
held, recourse re-optimised), so the figures compare like with like:

    RP   = sum_s p_s NPV(robust first stage, draw s)         expected NPV of the robust plan
    EEV  = sum_s p_s NPV(deterministic first stage, draw s)  the plan made for the forecast
    WS   = sum_s p_s NPV(best plan for draw s)                wait-and-see (perfect foresight)
    VSS  = EEV - RP  >= 0   value of the stochastic solution: what planning for the spread saves
    EVPI = RP - WS   >= 0   expected value of perfect information: what knowing the future is worth

(up to the solves' MIP gaps; on exactly solved cases both are non-negative by construction).
"""

from __future__ import annotations

import gc
import itertools
import math
import time
from dataclasses import dataclass

from tco.aggregate import merge_identical
from tco.catalog.types import Resolved
from tco.errors import InfeasibleError, SolverError
from tco.model.data import ModelData, model_data_for
from tco.model.extensive import build_extensive, cvar
from tco.model.recorded import solve_recorded
from tco.model.solve import solve
from tco.scenario.schema import Scenario
from tco.uncertainty.draws import apply, draw_values, sources
from tco.uncertainty.evaluate import FirstStage, first_stage_from_model, npvs_of, npvs_on

ROBUST_MAX_GAP = 0.005
"""The extensive form is solved to at most this relative MIP gap (the issue's 0.5%)."""


def draw_set(scenario: Scenario) -> tuple[list[list[float]], list[float], bool]:
    """(values per draw, probabilities, enumerated?) of the robust plan's draws."""
    unc = scenario.uncertainty
    srcs = sources(scenario)
    if srcs and all(s.dist.dist == "discrete" for s in srcs):
        n = math.prod(len(s.dist.values) for s in srcs)
        if n <= unc.robust_draws:
            values, probs = [], []
            for combo in itertools.product(*[list(zip(s.dist.values, s.dist.probabilities))
                                             for s in srcs]):
                values.append([float(v) for v, _ in combo])
                probs.append(math.prod(p for _, p in combo))
            keep = [i for i, p in enumerate(probs) if p > 0]
            return [values[i] for i in keep], [probs[i] for i in keep], True
    S = unc.robust_draws
    return ([list(draw_values(srcs, unc.seed, i)) for i in range(S)], [1.0 / S] * S, False)


@dataclass(frozen=True)
class EvalContext:
    scenario: Scenario
    resolved: Resolved
    deterministic: FirstStage
    robust: FirstStage
    datas: tuple[ModelData, ...] | None = None
    """Each draw's model data, as the extensive form was built from (HiGHS only): a worker
    builds the draw's model from it instead of making options and data again."""


def _evaluate_task(ctx: EvalContext, i: int, values: list[float]) -> dict:
    out = {}
    keys = ("robust", "deterministic", "wait_and_see")
    plans = [ctx.robust, ctx.deterministic, None]
    if ctx.datas is not None:
        outcomes = npvs_on(ctx.datas[i], plans, ctx.scenario.solver)
    else:
        s, r = apply(ctx.scenario, ctx.resolved, sources(ctx.scenario), values)
        outcomes = npvs_of(s, r, None, plans)
    for key, o in zip(keys, outcomes):
        out[f"{key}_npv_usd"] = o.npv_usd
        out[f"{key}_status"] = o.status
        out[f"{key}_gap"] = o.gap
    return out


EVALUATED = ("robust", "deterministic", "wait_and_see")


def evaluation_note(rb: dict, target_gap: float | None = None) -> str:
    """How close to optimal the draws' evaluations (the NPVs behind the expectations, VSS and
    EVPI) are, in one sentence: within the scenario's gap `target_gap`, or the widest."""
    rows = rb.get("per_draw") or []
    gaps = [d.get(f"{k}_gap") for d in rows for k in EVALUATED]
    gaps = [g for g in gaps if g is not None]
    stopped = sum(d.get(f"{k}_status") == "time_limit" for d in rows for k in EVALUATED)
    if not gaps and not stopped:
        return ""
    if not gaps:
        text = "The draws' evaluations state no gap"
    elif target_gap is not None and max(gaps) <= target_gap * (1 + 1e-9):
        text = f"Each draw's evaluation is proven within the {target_gap:.2%} relative MIP gap"
    else:
        text = f"Each draw's evaluation is proven to within {max(gaps):.2%} of its optimum"
    if stopped:
        text += f"; {stopped} of {len(rows) * len(EVALUATED)} stopped at their time limit"
    return text + " (the expectations, VSS and EVPI hold to that)."


def first_stage_rows(fs: FirstStage, labels: list[str]) -> dict:
    """The first stage as tables: GPUs bought and reserved, engineers hired, fine-tunes,
    price plans signed."""
    gpus = {}
    for (g, t), n in fs.buy.items():
        gpus.setdefault((g, t), {"gpu": g, "period": labels[t], "t": t, "bought": 0,
                                 "reserved_1y": 0, "reserved_3y": 0})["bought"] += n
    for (g, mode, t), n in fs.commit.items():
        gpus.setdefault((g, t), {"gpu": g, "period": labels[t], "t": t, "bought": 0,
                                 "reserved_1y": 0, "reserved_3y": 0})[mode] += n
    return {"gpus": sorted(gpus.values(), key=lambda r: (r["gpu"], r["t"])),
            "engineers_hired": [fs.staff.get(t, 0) for t in range(len(labels))],
            "fine_tunes_trained": sorted(f for (f, _), n in fs.tuned.items() if n),
            "tariffs_signed": [{"tariff": k, "period": labels[t], "t": t}
                               for (k, t), n in sorted(fs.tariffs.items(),
                                                       key=lambda kv: (kv[0][1], kv[0][0]))
                               if n]}


def robust_plan(scenario: Scenario, resolved: Resolved, deterministic: FirstStage, *,
                jobs: int | None = None, scheduler=None, progress: bool = False) -> dict:
    """Solve the extensive form, evaluate it against the deterministic plan; the figures."""
    from tco.analysis.points import single_threaded
    from tco.demand import make_periods
    from tco.execution import Pool, run_tasks

    unc = scenario.uncertainty
    srcs = sources(scenario)
    values, probs, enumerated = draw_set(scenario)
    t0 = time.perf_counter()
    datas = []
    for i, v in enumerate(values):
        s, r = apply(scenario, resolved, srcs, v)
        try:
            datas.append(model_data_for(merge_identical(s)[0], r))
        except InfeasibleError as e:
            raise InfeasibleError(f"robust plan, draw {i}: no feasible plan.\n"
                                  f"{e.explanation}") from None
    sv = scenario.solver
    highs = sv.name in ("highs", "appsi_highs")
    # HiGHS: rows recorded, not made as Pyomo constraints (tco.model.recorded), same matrices
    ef = build_extensive(datas, probs, unc.risk.cvar_alpha, unc.risk.weight, recorded=highs)
    built_s = time.perf_counter() - t0
    settings = sv.model_copy(update={"mip_rel_gap": min(sv.mip_rel_gap, ROBUST_MAX_GAP)})
    result = (solve_recorded(ef.model, *ef.objective_terms, settings) if highs
              else solve(ef, settings))
    if result.status == "infeasible":
        raise InfeasibleError("robust plan: no first stage serves every draw")
    if not result.has_plan:
        raise SolverError(f"robust plan: the solver found no plan (status {result.status}, "
                          f"{result.seconds:.1f} s)")
    fs = first_stage_from_model(ef.blocks[0])
    t1 = time.perf_counter()
    # The extensive form is not needed any more: freed before the evaluation's worker
    # processes are forked, so they do not start with (and copy pages of) its objects.
    del ef
    gc.collect()
    ctx = EvalContext(single_threaded(scenario), resolved, deterministic, fs,
                      tuple(datas) if highs else None)
    del datas
    with Pool(ctx, jobs, scheduler) as pool:
        per_draw = run_tasks(pool, _evaluate_task, [(i, v) for i, v in enumerate(values)],
                             "robust plan: draws", progress)
    labels = list(make_periods(scenario.horizon, scenario.finance).labels)

    def expect(key: str) -> float | None:
        xs = [d[f"{key}_npv_usd"] for d in per_draw]
        return None if any(x is None for x in xs) else sum(p * x for p, x in zip(probs, xs))

    def tail(key: str) -> float | None:
        xs = [d[f"{key}_npv_usd"] for d in per_draw]
        return None if any(x is None for x in xs) else cvar(xs, probs, unc.risk.cvar_alpha)

    rp, eev, ws = expect("robust"), expect("deterministic"), expect("wait_and_see")
    rows = []
    for i, (v, p, d) in enumerate(zip(values, probs, per_draw)):
        rows.append({"draw": i, "probability": p,
                     **{f"input:{s.name}": x for s, x in zip(srcs, v)}, **d})
    return {
        "draws": len(values), "enumerated": enumerated,
        "risk": {"cvar_alpha": unc.risk.cvar_alpha, "weight": unc.risk.weight},
        "solver": {"status": result.status, "objective": result.objective,
                   "bound": result.bound, "gap": result.gap, "seconds": result.seconds,
                   "build_seconds": built_s},
        "expected_npv_usd": rp, "deterministic_expected_npv_usd": eev,
        "wait_and_see_npv_usd": ws,
        "vss_usd": None if rp is None or eev is None else eev - rp,
        "evpi_usd": None if rp is None or ws is None else rp - ws,
        "cvar_usd": tail("robust"), "deterministic_cvar_usd": tail("deterministic"),
        "first_stage": {"robust": first_stage_rows(fs, labels),
                        "deterministic": first_stage_rows(deterministic, labels)},
        "per_draw": rows, "evaluate_seconds": time.perf_counter() - t1,
        "evaluation_note": evaluation_note({"per_draw": rows}, float(sv.mip_rel_gap)),
    }
