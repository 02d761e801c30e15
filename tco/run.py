"""The whole job behind `tco run`: the recommended plan and, when asked, the strategy analysis.

`RunResult` is what every report renders; each report only formats what is here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario
from tco.solution import Solution


def new_run_id() -> str:
    """A run id that sorts by time: the UTC second it started and 6 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass
class RunResult:
    scenario: Scenario
    resolved: Resolved
    solution: Solution
    """The recommended plan: the optimum over every option (the `hybrid` strategy)."""
    files: tuple[str, ...] = ()
    """Scenario files read, the main one first."""
    strategies: pd.DataFrame | None = None
    """One row per strategy compared (tco.analysis); None when not computed."""
    breakeven: list[dict] = field(default_factory=list)
    """Break-even results per strategy pair (tco.analysis)."""
    curves: pd.DataFrame | None = None
    """NPV per strategy and demand scale (tco.analysis)."""
    lever_values: dict | None = None
    """What each lever saves: {"waterfall": [...], "levers": DataFrame} (tco.analysis.levers);
    None when the scenario offers no lever or the analysis was not run."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage."""
    run_id: str = field(default_factory=new_run_id)
    """Names this run in every report of its set (results.json, run.json, plan.xlsx, HTML)."""
    sensitivity: dict | None = None
    """The tornado of the uncertain inputs (tco.uncertainty.sensitivity); None when not run."""
    montecarlo: dict | None = None
    """Monte Carlo figures per strategy (tco.uncertainty.montecarlo); None when not run."""
    draws: pd.DataFrame | None = None
    """The Monte Carlo's draws, one row each (inputs, NPV and status per strategy)."""
    robust: dict | None = None
    """The robust plan's figures: expected NPV, VSS, EVPI (tco.uncertainty.robust)."""
    constraint_costs: list[dict] = field(default_factory=list)
    """Per rule the scenario sets: the NPV without it and what it costs
    (tco.analysis.constraint_costs)."""
    warnings: tuple = ()
    """Located problems that did not stop the plan (tco.servable), for every report."""
    variance: object | None = None
    """The previous plan against actuals (tco.review.Review) when the scenario has a
    `review:` section; None otherwise."""
