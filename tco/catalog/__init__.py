"""Catalogs: API prices (genai-prices snapshot), GPUs and open models (shipped YAML).

`resolve(scenario)` fills every field a scenario leaves out and checks that nothing the engine
needs is missing. It collects every problem and raises one `ScenarioError`; each problem's
path points at the scenario field (the pipeline adds file and line).
"""

from __future__ import annotations

from datetime import date

from tco.catalog.apis import resolve_api, snapshot_date, snapshot_info
from tco.catalog.hardware import resolve_gpu
from tco.catalog.models import resolve_model
from tco.catalog.tariffs import resolve_tariffs
from tco.catalog.types import Resolved
from tco.errors import Problem, ScenarioError
from tco.scenario.schema import Scenario, parse_period

__all__ = ["resolve", "price_date", "snapshot_info"]


def price_date(scenario: Scenario) -> date:
    """The day API prices are read for: the horizon's start, or the snapshot's date if later.

    Prices the snapshot schedules to change before the horizon starts apply; a horizon in the
    past still gets today's known prices, not ones the snapshot no longer knows.
    """
    year, part, kind = parse_period(scenario.horizon.start)
    start = date(year, 3 * (part - 1) + 1 if kind == "quarter" else part, 1)
    snap = snapshot_date()
    return max(start, snap) if snap else start


def resolve(scenario: Scenario) -> Resolved:
    """Every API, GPU and open model of the scenario, complete, or one ScenarioError."""
    problems: list[Problem] = []
    when = price_date(scenario)
    apis = []
    for i, api in enumerate(scenario.apis):
        resolved, errs = resolve_api(api, i, when)
        problems += errs
        if resolved is not None:
            apis.append(resolved)
    gpus = []
    for i, gpu in enumerate(scenario.gpus):
        resolved, errs = resolve_gpu(gpu, i)
        problems += errs
        if resolved is not None:
            gpus.append(resolved)
    models = []
    for i, model in enumerate(scenario.open_models):
        resolved, errs = resolve_model(model, i, gpus)
        problems += errs
        if resolved is not None:
            models.append(resolved)
    tariffs, errs = resolve_tariffs(scenario)
    problems += errs
    if problems:
        raise ScenarioError(problems)
    ops, ops_sources = api_operations(scenario)
    return Resolved(tuple(apis), tuple(models), tuple(gpus), dict(snapshot_info()), tariffs,
                    ops, ops_sources)


def api_operations(scenario: Scenario) -> tuple[tuple[float, float], dict[str, str]]:
    """(per provider, per workload) USD a year of the API path, the scenario's else the
    catalog's (tco/data/apis.yaml `operations`, assumptions), and where each came from."""
    from tco.catalog.data import load, sourced

    given = scenario.api_operations
    out, sources = [], {}
    for f in ("usd_per_provider_per_year", "usd_per_workload_per_year"):
        v = getattr(given, f)
        if v is None:
            fig = sourced(load("apis")["operations"][f])
            v, sources[f] = fig.value, fig.cite()
        else:
            sources[f] = "scenario"
        out.append(float(v))
    return (out[0], out[1]), sources
