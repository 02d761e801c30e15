"""Monte Carlo: N joint draws, each strategy and the recommended plan held fixed on each.

Per draw i (values from `tco.uncertainty.draws`, the same whatever N, order or machine):
NPV of every strategy re-optimised for the draw, and NPV of the recommended plan with its
first stage fixed (tco.uncertainty.evaluate). Figures per strategy s over the draws where it
has a plan:

    mean, standard error = sd / sqrt(n)       (so the user sees whether N was enough)
    P10, P50, P90                             (percentiles of the NPV, linear interpolation)
    CVaR90 = mean of the NPVs at or above P90 (the dearest tenth: NPV here is a cost)
    P(s beats o) = share of draws where NPV_s < NPV_o (both with a plan)
    regret_i = NPV_s,i - min over strategies of NPV_i (perfect foresight: the best plan had
               the draw been known; the `hybrid` strategy is that optimum up to the MIP gap)
    P(self-hosting pays) = share of draws where the recommended plan held fixed costs less
               than the best API-only strategy (api_only, api_batch_cache) of that draw
    not_proven, max_gap = solves that stopped at their time limit, and the widest relative
               MIP gap any draw's NPV holds to (`gap_note` says it in words)

Draws are solved through the execution layer (tco.execution: local processes or Dask) and
stream to Parquet parts (tco.report.draws_store) as they finish.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario, Strategy
from tco.uncertainty.draws import apply, draw_values, sources
from tco.uncertainty.evaluate import FirstStage, Outcome, npvs_of, unrestricted

PLAN = "plan_held_fixed"
"""Column name of the recommended plan held fixed."""
API_ONLY = ("api_only", "api_batch_cache")


@dataclass(frozen=True)
class DrawContext:
    """What every draw task needs, sent to each worker once."""

    scenario: Scenario
    resolved: Resolved
    strategies: tuple[Strategy, ...]
    plan: FirstStage | None
    seed: int


def draw_task(ctx: DrawContext, i: int) -> dict:
    """One draw: its input values and the NPV and status of every strategy and of the plan."""
    srcs = sources(ctx.scenario)
    values = draw_values(srcs, ctx.seed, i)
    s, r = apply(ctx.scenario, ctx.resolved, srcs, values)
    row: dict = {"draw": int(i)}
    for src, v in zip(srcs, values):
        row[f"input:{src.name}"] = float(v)
    for name, o in outcomes(ctx, s, r):
        row[f"npv:{name}"] = o.npv_usd
        row[f"status:{name}"] = o.status
        row[f"gap:{name}"] = o.gap
    return row


def outcomes(ctx: DrawContext, s: Scenario, r: Resolved) -> list[tuple[str, Outcome]]:
    """(name, outcome) of every strategy, then of the plan held fixed, on the draw's scenario.

    The unrestricted strategies (`hybrid`) and the plan held fixed share one model
    (`npvs_of`: built once, the plan's first stage held through column bounds in HiGHS); the
    others are solved on their own models, each through `npvs_of` too (a recorded build:
    tco.model.recorded).
    """
    shared = [st for st in ctx.strategies if unrestricted(st)]
    plans = ([None] if shared else []) + ([ctx.plan] if ctx.plan is not None else [])
    on_shared = npvs_of(s, r, None, plans) if plans else []
    got = {}
    for st in ctx.strategies:
        got[st.name] = on_shared[0] if unrestricted(st) else npvs_of(s, r, st, [None])[0]
    if ctx.plan is not None:
        got[PLAN] = on_shared[-1]
    return list(got.items())


def fingerprint(ctx: DrawContext) -> dict:
    """What the draws depend on, for refusing a resume made from other inputs."""
    inputs = hashlib.sha256(ctx.scenario.model_dump_json().encode())
    inputs.update(repr(ctx.resolved).encode())
    return {"scenario and catalog data (sha256)": inputs.hexdigest(), "seed": ctx.seed,
            "strategies": [s.name for s in ctx.strategies],
            "recommended plan's first stage (sha256)": hashlib.sha256(
                repr(ctx.plan).encode()).hexdigest()}


def montecarlo(scenario: Scenario, resolved: Resolved, plan: FirstStage | None, n: int,
               folder: str | Path, *, resume: bool = False, seed: int | None = None,
               jobs: int | None = None, scheduler=None, progress: bool = False,
               flush_rows: int = 25, strategies: list[str] | None = None
               ) -> tuple[dict, pd.DataFrame]:
    """Draws 0..n-1 of every strategy and of the plan held fixed: (summary, draws table).

    Draws stream to Parquet parts in `folder` as they finish; with `resume`, draws already
    there (made from the same inputs) are kept and only the missing ones solved. Solves run
    single-threaded with the scenario's other solver settings. `strategies` limits the
    strategies solved (default: every one, built in and the scenario's).
    """
    from tco.analysis.points import single_threaded
    from tco.analysis.strategies import strategies_for, strategy_named
    from tco.execution import Pool, run_tasks
    from tco.report.draws_store import DrawStore

    seed = scenario.uncertainty.seed if seed is None else seed
    chosen = (strategies_for(scenario) if strategies is None
              else [strategy_named(scenario, name) for name in strategies])
    ctx = DrawContext(single_threaded(scenario), resolved, tuple(chosen), plan, seed)
    store = DrawStore(folder, fingerprint(ctx), resume, flush_rows=flush_rows)
    done = store.done()
    todo = [(i,) for i in range(n) if i not in done]
    try:
        with Pool(ctx, jobs, scheduler) as pool:
            run_tasks(pool, draw_task, todo, "draws", progress, done=n - len(todo),
                      on_result=store.add)
    finally:
        store.flush()
    df = store.read()
    df = df[df["draw"] < n].reset_index(drop=True)
    summary = summarise(df)
    summary.update(seed=seed, requested=n, resumed=len(done & set(range(n))),
                   folder=str(folder), target_gap=float(ctx.scenario.solver.mip_rel_gap))
    summary["gap_note"] = gap_note(summary)
    return summary, df


def gap_note(summary: dict) -> str:
    """How close to optimal the draws' NPVs are, in one sentence: every draw within the
    scenario's gap, or how many stopped at their time limit and the widest gap held."""
    target = summary.get("target_gap")
    rows = summary["strategies"]
    stopped = sum(r.get("not_proven", 0) for r in rows)
    gaps = [r["max_gap"] for r in rows if r.get("max_gap") is not None]
    within = f"within a {target:.2%} relative MIP gap" if target is not None else "to optimality"
    if not stopped:
        return f"Every draw's NPV is proven {within} (the scenario's solver setting)."
    who = ", ".join(f"{r['strategy']} {r['not_proven']}" for r in rows if r.get("not_proven"))
    widest = f", proven to within up to {max(gaps):.2%}" if gaps else ""
    return (f"Each draw's NPV is proven {within}, except {stopped} solves that stopped at "
            f"their time limit ({who}){widest}: those NPVs are plans found by then, and the "
            "figures above count them as they are.")


def names_in(df: pd.DataFrame) -> list[str]:
    """Strategy (and plan) names with an NPV column, in column order."""
    return [c.split(":", 1)[1] for c in df.columns if c.startswith("npv:")]


def summarise(df: pd.DataFrame) -> dict:
    """The figures of the module docstring per strategy, from the draws' table."""
    names = names_in(df)
    npv = {n: pd.to_numeric(df[f"npv:{n}"], errors="coerce").to_numpy(float) for n in names}
    strategies = [n for n in names if n != PLAN]
    best = np.nanmin(np.vstack([npv[n] for n in strategies]), axis=0) if strategies else None
    rows = []
    for n in names:
        v = npv[n]
        ok = ~np.isnan(v)
        x = v[ok]
        row = {"strategy": n, "draws": int(len(v)), "with_plan": int(ok.sum())}
        # how far from optimal the NPVs may be (draws stored before gaps were kept have none)
        st = df.get(f"status:{n}")
        row["not_proven"] = int((st == "time_limit").sum()) if st is not None else 0
        g = pd.to_numeric(df[f"gap:{n}"], errors="coerce") if f"gap:{n}" in df else None
        row["max_gap"] = (float(g[ok].max()) if g is not None and g[ok].notna().any()
                          else None)
        if len(x):
            p10, p50, p90 = np.percentile(x, [10, 50, 90])
            tail = x[x >= p90]
            sd = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
            reg = (v - best)[ok] if best is not None else np.zeros(0)
            row.update(mean_usd=float(x.mean()), standard_error_usd=sd / math.sqrt(len(x)),
                       sd_usd=sd, p10_usd=float(p10), p50_usd=float(p50), p90_usd=float(p90),
                       cvar90_usd=float(tail.mean()),
                       mean_regret_usd=float(np.nanmean(reg)) if len(reg) else None,
                       p90_regret_usd=float(np.nanpercentile(reg, 90)) if len(reg) else None,
                       max_regret_usd=float(np.nanmax(reg)) if len(reg) else None)
        beats = {}
        for o in names:
            if o != n:
                both = ok & ~np.isnan(npv[o])
                beats[o] = float(np.mean(v[both] < npv[o][both])) if both.any() else None
        row["p_beats"] = beats
        rows.append(row)
    out = {"draws": int(len(df)), "strategies": rows}
    apis = [n for n in API_ONLY if n in npv]
    if apis:
        api_best = np.nanmin(np.vstack([npv[n] for n in apis]), axis=0)
        for who in (PLAN, "hybrid"):
            if who in npv:
                both = ~np.isnan(npv[who]) & ~np.isnan(api_best)
                out[f"p_self_hosting_pays_{who}"] = (float(np.mean(npv[who][both]
                                                                   < api_best[both]))
                                                     if both.any() else None)
    return out
