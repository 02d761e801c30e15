"""Independent solves in parallel, each point solved once, with a progress bar.

`Evaluator` holds the scenario and its catalog data, a pool of the one execution layer
(`tco.execution.Pool`: `jobs` local processes, default the CPU count, `jobs=1` inline, or a
Dask cluster with `scheduler`) and a cache of every (strategy, scale) point solved,
so that the comparison, the curves and the break-even searches of one run share their solves.
Workers receive the scenario once, when they start; each task sends only a strategy and a
scale and returns a number. HiGHS runs on one thread in each; the searches' points are solved
with `points.for_search` settings (the plan's MIP gap, a time limit), the comparison's rows
with the scenario's own. The points of one scale share their bounds where one strategy's
plans are another's too (`tco.analysis.containment`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tco.analysis import points
from tco.analysis.containment import cheapest_contained, tighten
from tco.catalog.types import Resolved
from tco.errors import SolverError
from tco.execution import Pool, default_jobs  # noqa: F401 - default_jobs re-exported
from tco.scenario.schema import Scenario, Strategy


@dataclass(frozen=True)
class Point:
    """A strategy at a demand scale: its NPV, or why there is none."""

    strategy: str
    scale: float
    npv_usd: float | None
    status: str
    """ok | infeasible (no plan serves every workload) | error (the solver failed)."""
    note: str = ""
    gap: float | None = None
    """Relative MIP gap the NPV is proven to (None when the solver does not say)."""
    solved: bool = True
    """False for a break-even scan's point not solved because another strategy's plan, one of
    this strategy's too, already decides its comparison (`breakeven`): its NPV is that plan's,
    an upper bound of this strategy's optimum with no lower bound of its own."""


def _point(scenario: Scenario, resolved: Resolved, strategy: Strategy, scale: float,
           against=None, ceiling: float | None = None) -> Point:
    try:
        points.LAST_GAP[0] = None
        npv = points.npv_at(scenario, resolved, strategy, scale, against, ceiling)
        gap = points.LAST_GAP[0]
    except SolverError as e:
        return Point(strategy.name, scale, None, "error", str(e))
    return Point(strategy.name, scale, npv, "ok" if npv is not None else "infeasible", gap=gap)


def _point_task(context: tuple[Scenario, Scenario, Resolved], strategy: Strategy,
                scale: float, against=None, ceiling: float | None = None) -> Point:
    _, search, resolved = context
    return _point(search, resolved, strategy, scale, against, ceiling)


def _row_task(context: tuple[Scenario, Scenario, Resolved], strategy: Strategy) -> dict:
    scenario, _, resolved = context
    return points.solve_row(scenario, resolved, strategy)


def _relaxed_task(context: tuple[Scenario, Scenario, Resolved], index: int) -> float | str:
    from tco.analysis.constraint_costs import relaxed_npv

    scenario, _, resolved = context
    return relaxed_npv(scenario, resolved, index)


def _key(name: str, scale: float) -> tuple[str, float]:
    return name, round(math.log10(scale), 9)


class Evaluator:
    """Solve points and strategies, in parallel when `jobs` > 1, each point once."""

    def __init__(self, scenario: Scenario, resolved: Resolved, jobs: int | None = None,
                 progress: bool = False, console: Console | None = None, scheduler=None):
        self.scenario = scenario
        self.search = points.for_search(scenario)
        """The scenario the searches solve: one thread, the plan's gap, a time limit."""
        self.resolved = resolved
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self.cache: dict[tuple[str, float], Point] = {}
        from tco.analysis.strategies import strategies_for

        self.strategies: dict[str, Strategy] = {s.name: s for s in strategies_for(scenario)}
        """Strategy of each name the cache holds points of (for `containment.tighten`)."""
        self.solves = 0
        self._pool = Pool((scenario, self.search, resolved), self.jobs, scheduler)
        self._progress: Progress | None = None
        if progress:
            console = console or Console(stderr=True)
            if console.is_terminal:
                self._progress = Progress(
                    TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)

    # -- lifetime ---------------------------------------------------------------------------
    def __enter__(self) -> Evaluator:
        self._pool.__enter__()  # workers start before the progress bar's refresh thread
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._pool.__exit__(*exc)

    @property
    def width(self) -> int:
        """How many solves run at once."""
        return self._pool.width

    # -- work -------------------------------------------------------------------------------
    def _map(self, fn, args: list[tuple], label: str) -> list:
        task = None
        if self._progress is not None and args:
            task = self._progress.add_task(label, total=len(args))
        self.solves += len(args)
        try:
            return self._pool.map(fn, args, on_done=None if task is None
                                  else lambda: self._progress.advance(task))
        finally:
            if task is not None:
                self._progress.remove_task(task)

    def points(self, wanted: Sequence[tuple[Strategy, float]],
               label: str = "solving", against: Sequence | None = None) -> list[Point]:
        """The point of each (strategy, scale), solving only those not yet known.

        `against[i]` (a `tco.model.bracket.Against` or None) lets the solve of wanted[i] stop
        once its bounds decide that comparison (a break-even's sign), before the gap. A solve
        of a strategy that can run a plan already held at its scale (`contained`) starts with
        that plan's NPV as its upper bound, and stops once its own bound is within the gap of
        it: the point `_tighten` would have made of it afterwards, sooner."""
        todo: dict[tuple[str, float], tuple] = {}
        for i, (strategy, scale) in enumerate(wanted):
            self.strategies.setdefault(strategy.name, strategy)
            k = _key(strategy.name, scale)
            if k not in self.cache and k not in todo:
                c = self.contained(strategy, scale)
                todo[k] = (strategy, scale, against[i] if against is not None else None,
                           c.npv_usd if c is not None else None)
        solved = self._map(_point_task, list(todo.values()), label)
        for k, p in zip(todo, solved):
            self.cache[k] = p
        self._tighten({k[1] for k in todo})
        return [self.cache[_key(s.name, x)] for s, x in wanted]

    def _tighten(self, scales: set[float]) -> None:
        """Share the bounds of the points of each of these scales (log10 keys) that one
        strategy's plans being another's give (`tco.analysis.containment`)."""
        for lx in scales:
            for name, p in tighten(self._at(lx), self.strategies).items():
                self.cache[(name, lx)] = p

    def contained(self, strategy: Strategy, scale: float) -> Point | None:
        """The cheapest point held at `scale` of a strategy whose plans are `strategy`'s too
        (`containment.cheapest_contained`), or None."""
        return cheapest_contained(self._at(_key(strategy.name, scale)[1]), strategy,
                                  self.strategies)

    def _at(self, lx: float) -> dict[str, Point]:
        """The points held at one scale (its log10 key), by strategy name."""
        return {name: p for (name, x), p in self.cache.items() if x == lx}

    def rows(self, strategies: Sequence[Strategy], label: str = "strategies") -> list[dict]:
        """Each strategy solved at today's demand with its figures (see `points.solve_row`)."""
        rows = self._map(_row_task, [(s,) for s in strategies], label)
        for s, r in zip(strategies, rows):
            self.remember(s.name, 1.0, r.get("npv_usd"), r["status"], r.get("reason", ""),
                          r.get("mip_gap"))
        return rows

    def relaxed(self, label: str = "what each rule costs") -> list[float | str]:
        """The plan re-solved without each rule of the scenario, in parallel
        (`constraint_costs.relaxed_npv` of each of `relaxations`)."""
        from tco.analysis.constraint_costs import relaxations

        n = len(relaxations(self.scenario))
        return self._map(_relaxed_task, [(i,) for i in range(n)], label)

    def remember(self, name: str, scale: float, npv: float | None, status: str,
                 note: str = "", gap: float | None = None) -> None:
        """Record a point solved elsewhere (the main plan), so no search solves it again."""
        if status in ("ok", "infeasible"):
            k = _key(name, scale)
            self.cache[k] = Point(name, scale, npv, status, note, gap)
            self._tighten({k[1]})
