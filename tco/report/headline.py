"""The claims both reports make, computed once: what the plan saves and against what.

A saving is measured against the best single-mode strategy (the cheapest feasible of
`api_only`, `api_batch_cache` and `self_host_only`, see `tco.analysis.strategies`), never
against APIs at full price: batch endpoints and prompt caching are available without any
hybrid plan, so crediting the hybrid plan with them would overstate what it adds.

    saving_usd   = NPV(best single mode) - NPV(plan)
    saving_share = saving_usd / NPV(best single mode)

The HTML report prints these; the workbook restates them as a formula over its live NPV and
the best single-mode NPV as solved.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tco.analysis.strategies import SINGLE_MODE
from tco.run import RunResult

FEASIBLE = ("ok", "optimal", "time_limit", "feasible")
"""Strategy statuses whose NPV counts."""


@dataclass(frozen=True)
class Saving:
    """What the recommended plan saves against the best single-mode strategy."""

    against: str
    """Name of the best single-mode strategy."""
    against_npv_usd: float
    plan_npv_usd: float

    @property
    def usd(self) -> float:
        """NPV saved (negative when the plan costs more)."""
        return self.against_npv_usd - self.plan_npv_usd

    @property
    def share(self) -> float:
        """Saving as a share of the best single-mode NPV (0 when that NPV is 0)."""
        return self.usd / self.against_npv_usd if self.against_npv_usd else 0.0


def feasible_strategies(run: RunResult) -> pd.DataFrame | None:
    """The compared strategies that have an NPV, or None when none were compared."""
    df = run.strategies
    if df is None or df.empty or "strategy" not in df.columns or "npv_usd" not in df.columns:
        return None
    ok = df[pd.to_numeric(df["npv_usd"], errors="coerce").notna()]
    if "status" in ok.columns:
        ok = ok[ok["status"].isin(FEASIBLE)]
    return ok


def saving_vs_best_single(run: RunResult) -> Saving | None:
    """The plan's saving against the best single-mode strategy; None when none was solved."""
    ok = feasible_strategies(run)
    if ok is None:
        return None
    single = ok[ok["strategy"].isin(SINGLE_MODE)]
    if single.empty:
        return None
    npv = single["npv_usd"].astype(float)
    i = npv.idxmin()
    return Saving(against=str(single.at[i, "strategy"]), against_npv_usd=float(npv[i]),
                  plan_npv_usd=float(getattr(run.solution, "objective_npv_usd",
                                             run.solution.npv_usd)))
