"""The whole job behind `tco run`: the recommended plan and, when asked, the strategy analysis.

`RunResult` is what every report renders; each report only formats what is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tco.catalog.types import Resolved
from tco.scenario.schema import Scenario
from tco.solution import Solution


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
