"""Build versus buy: the built-in strategies and the scenario's own, each solved and compared.

Built-in strategies (restrictions of the option set, see `tco.options`):

- `api_only`: realtime APIs only, every input token at the full input price (no prompt cache);
  what a team pays that just calls an API.
- `api_batch_cache`: APIs with their batch endpoints (batch-latency workloads) and prompt
  caching where the workload has a reusable prefix.
- `self_host_only`: open models (and their fine-tunes) on our own GPUs, any procurement.
- `hybrid`: every option; the optimum, and the plan `tco run` recommends.

Strategies restrict only the workloads free to choose: a workload pinned by its own rules
(`residency: self_hosted`, `pin:`, `allow:`, or the strategy's own `pin:`/`allow:` for it)
keeps its options in every strategy, so one workload that must stay on our GPUs does not make
`api_only` infeasible; the comparison names these workloads (`attrs["pinned"]`).

A scenario's `strategies:` are added after these; one named like a built-in replaces it.

Figures per strategy (table columns):

    npv_usd                 NPV of every cost over the horizon
    cost_per_year_usd       undiscounted cost over the horizon / years in the horizon
    usd_per_mtok            npv_usd / sum_t(tokens_t x discount_t) x 1e6 (levelised)
    savings_vs_best_single  best_single_npv - npv_usd, and that / best_single_npv x 100 (_pct),
                            best single = the cheapest feasible of api_only, api_batch_cache,
                            self_host_only
    status                  ok | infeasible | time_limit | error; `reason` says why in words
"""

from __future__ import annotations

import pandas as pd

from tco.catalog.types import Resolved
from tco.errors import ScenarioError
from tco.scenario.schema import Scenario, Strategy

API_ONLY = Strategy(name="api_only", option_kinds=["api"], prompt_caching=False)
API_BATCH_CACHE = Strategy(name="api_batch_cache", option_kinds=["api", "api_batch"])
SELF_HOST_ONLY = Strategy(name="self_host_only", option_kinds=["self_hosted", "fine_tuned"])
HYBRID = Strategy(name="hybrid")

BUILT_IN: tuple[Strategy, ...] = (API_ONLY, API_BATCH_CACHE, SELF_HOST_ONLY, HYBRID)
SINGLE_MODE = ("api_only", "api_batch_cache", "self_host_only")
"""The strategies savings are measured against (the cheapest feasible one)."""

COLUMNS = ["strategy", "status", "npv_usd", "cost_per_year_usd", "usd_per_mtok",
           "savings_vs_best_single_usd", "savings_vs_best_single_pct", "reason"]


def strategies_for(scenario: Scenario) -> list[Strategy]:
    """The built-in strategies, then the scenario's own (one named like a built-in replaces it)."""
    own = {s.name: s for s in scenario.strategies}
    out = [own.pop(s.name, s) for s in BUILT_IN]
    return out + list(own.values())


def strategy_named(scenario: Scenario, name: str) -> Strategy:
    """The strategy of that name, built in or the scenario's; ScenarioError naming the choices."""
    for s in strategies_for(scenario):
        if s.name == name:
            return s
    from tco.errors import Problem

    names = ", ".join(s.name for s in strategies_for(scenario))
    raise ScenarioError([Problem(("strategies",), f"no strategy named '{name}' "
                                                  f"(choose from {names})")])


def pinned_workloads(scenario: Scenario) -> list[str]:
    """Workloads whose own rules fix their options, so every strategy keeps them as they are
    (tco.options waives a strategy's restrictions for them): "name (why)"."""
    out = []
    for w in scenario.workloads:
        if w.pin is not None:
            out.append(f"{w.name} (pin: {w.pin})")
        elif w.allow is not None:
            out.append(f"{w.name} (allow: {', '.join(w.allow)})")
        elif w.residency in ("self_hosted", []):
            out.append(f"{w.name} (residency: self_hosted)")
    return out


def comparison_table(rows: list[dict]) -> pd.DataFrame:
    """Rows from `points.solve_row` with the savings against the best single-mode strategy."""
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if not c.startswith("savings")])
    ok = df[df.strategy.isin(SINGLE_MODE) & df.status.isin(["ok", "time_limit"])]
    best_name, best = None, None
    if len(ok):
        i = ok.npv_usd.astype(float).idxmin()
        best_name, best = str(ok.at[i, "strategy"]), float(ok.at[i, "npv_usd"])
    sav, pct = [], []
    for npv in df.npv_usd:
        if best is None or npv is None or pd.isna(npv):
            sav.append(None)
            pct.append(None)
        else:
            sav.append(best - float(npv))
            pct.append((best - float(npv)) / best * 100 if best else None)
    df["savings_vs_best_single_usd"] = pd.Series(sav, dtype=object)
    df["savings_vs_best_single_pct"] = pd.Series(pct, dtype=object)
    df = df[COLUMNS]
    df.attrs["best_single"] = best_name
    return df


def ranking_note(gap: float) -> str:
    """What a strategy ranking holds to: every NPV is proven within the MIP gap."""
    return (f"Each strategy's NPV is proven to within a {gap:.2%} relative MIP gap (the plan's): "
            "strategies whose NPVs differ by less than that are a tie.")


def compare(scenario: Scenario, resolved: Resolved, *, jobs: int | None = None,
            progress: bool = False, evaluator=None, known: dict | None = None) -> pd.DataFrame:
    """Solve every strategy at today's demand and compare them (columns in `COLUMNS`).

    `known` maps strategy names to plans already solved (the main `hybrid` plan of `tco run`),
    which are used instead of solving again. With `evaluator` (a `parallel.Evaluator` already
    open) its pool and cache are shared; otherwise one is opened for `jobs` processes.
    """
    from tco.analysis.parallel import Evaluator
    from tco.analysis.points import solution_figures

    if evaluator is None:
        with Evaluator(scenario, resolved, jobs=jobs, progress=progress) as ev:
            return compare(scenario, resolved, evaluator=ev, known=known)
    known = known or {}
    strategies = strategies_for(scenario)
    todo = [s for s in strategies if s.name not in known]
    solved = dict(zip([s.name for s in todo], evaluator.rows(todo, "comparing strategies")))
    rows = []
    for s in strategies:
        if s.name in known:
            row = {"strategy": s.name, **solution_figures(known[s.name])}
            evaluator.remember(s.name, 1.0, row["npv_usd"], row["status"], gap=row["mip_gap"])
        else:
            row = solved[s.name]
        rows.append(row)
    df = comparison_table(rows)
    # What the ranking holds to: the target gap, or the largest a solve stopped at (a time limit)
    gaps = [r.get("mip_gap") for r in rows if r.get("mip_gap") is not None]
    df.attrs["mip_rel_gap"] = max([float(scenario.solver.mip_rel_gap), *gaps])
    df.attrs["pinned"] = pinned_workloads(scenario)
    return df
