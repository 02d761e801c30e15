"""The stages in order: scenario -> catalog -> demand -> options -> model -> solution.

Each stage is a function of the previous stage's output; this module only chains them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tco.catalog.types import Resolved
from tco.errors import Path as FieldPath
from tco.errors import ScenarioError
from tco.scenario.schema import Scenario


@dataclass(frozen=True)
class Prepared:
    """A validated scenario with its catalog data resolved."""

    scenario: Scenario
    resolved: Resolved
    locate: Callable[[FieldPath], tuple[str | None, int | None]]
    files: tuple[str, ...]
    """Every file read, the scenario first, then what it extends."""


def prepare(path: str | Path) -> Prepared:
    """Load, validate and resolve a scenario file; every problem raised at once, located."""
    from tco.catalog import resolve
    from tco.scenario.checks import check_resolved, check_scenario
    from tco.scenario.loader import load_scenario

    loaded = load_scenario(path)
    try:
        check_scenario(loaded.scenario)
        resolved = resolve(loaded.scenario)
        check_resolved(loaded.scenario, resolved)
    except ScenarioError as e:
        raise e.located(loaded.locate) from None
    return Prepared(loaded.scenario, resolved, loaded.locate, tuple(loaded.files))
