"""Model data: the index sets and coefficients the constraint families read, computed once.

Sets are sparse and built from data (temoa's habit): only deployments that some option uses,
only procurement modes a GPU offers and the strategy allows, only fine-tunes some option needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tco.catalog.types import Resolved, ResolvedGpu
from tco.demand import Demand, Periods
from tco.options import Options, loads
from tco.scenario.schema import Scenario, Strategy

TERM_YEARS = {"reserved_1y": 1, "reserved_3y": 3}
TERM_KEY = {"reserved_1y": "1y", "reserved_3y": "3y"}


@dataclass(frozen=True)
class ModelData:
    scenario: Scenario
    periods: Periods
    demand: Demand
    options: Options
    gpus: tuple[ResolvedGpu, ...]
    """GPU types some deployment uses or some existing asset names."""
    modes: dict[str, tuple[str, ...]]
    """Per GPU type: procurement modes offered and allowed (owned, reserved_1y, reserved_3y,
    on_demand)."""
    existing_owned: dict[str, np.ndarray]
    """Per GPU type: existing owned GPUs alive in each period."""
    existing_reserved: dict[str, np.ndarray]
    """Per GPU type: GPUs under reservations already signed, per period."""
    rep_ub: np.ndarray
    """Upper bound on replicas per deployment and period (all its options at share 1)."""
    gpu_ub: dict[str, np.ndarray]
    """Upper bound on GPUs in use per type and period."""
    tariffs: tuple = ()
    """Resolved tariffs of providers the strategy allows (tco.model.tariffs)."""
    api_operations: tuple[float, float] = (0.0, 0.0)
    """USD a year of the API path: per provider used, per workload on an API."""

    @property
    def T(self) -> int:
        """Number of periods."""
        return self.periods.count

    def life_periods(self, gpu: ResolvedGpu) -> int:
        """Periods an owned GPU lives (rounded to whole periods, at least one)."""
        return whole_periods(gpu.purchase.life_years, self.periods.per_year)

    def residual_share(self, bought: int, life: int, decline: float | None = None) -> float:
        """Share of a price bought (delivered) in period `bought` credited at the horizon end;
        with `decline` (purchase.resale) the market value instead of the book value."""
        f = self.scenario.finance
        return residual_share(self.periods, f.discount_rate, f.end_of_horizon, bought, life,
                              decline)

    def term_periods(self, mode: str) -> int:
        """Periods a reservation of this mode lasts."""
        return TERM_YEARS[mode] * self.periods.per_year


def _modes(gpu: ResolvedGpu, strategy: Strategy | None) -> tuple[str, ...]:
    offered = []
    if gpu.purchase is not None:
        offered.append("owned")
    for mode, key in TERM_KEY.items():
        if key in gpu.reserved_usd_per_hour:
            offered.append(mode)
    if gpu.on_demand_usd_per_hour is not None:
        offered.append("on_demand")
    allowed = strategy.procurement if strategy and strategy.procurement is not None else None
    return tuple(m for m in offered if allowed is None or m in allowed)


def _allowed_provider(strategy: Strategy | None, provider: str) -> bool:
    return strategy is None or strategy.providers is None or provider in strategy.providers


def _existing(scenario: Scenario, periods: Periods):
    owned: dict[str, np.ndarray] = {}
    reserved: dict[str, np.ndarray] = {}
    t = np.arange(periods.count)
    for o in scenario.existing.owned_gpus:
        start = periods.index_of(o.serves_from or o.bought)
        end = start + whole_periods(o.life_years, periods.per_year)
        owned.setdefault(o.gpu, np.zeros(periods.count))
        owned[o.gpu] += o.count * ((t >= start) & (t < end))
    for r in scenario.existing.reservations:
        end = periods.index_of(r.ends)
        first = periods.index_of(r.starts) if r.starts else 0
        reserved.setdefault(r.gpu, np.zeros(periods.count))
        reserved[r.gpu] += r.count * ((t >= first) & (t <= end))
    return owned, reserved


def make_model_data(
    scenario: Scenario,
    resolved: Resolved,
    periods: Periods,
    demand: Demand,
    options: Options,
    strategy: Strategy | None = None,
) -> ModelData:
    """Gather the sets and bounds the constraint families need."""
    owned, reserved = _existing(scenario, periods)
    used = set(options.deployments["gpu"]) | set(owned) | set(reserved)
    gpus = tuple(g for g in resolved.gpus if g.name in used)
    rep_ub, gpu_ub = capacity_bounds(scenario, periods, options, gpus)
    return ModelData(
        scenario=scenario, periods=periods, demand=demand, options=options, gpus=gpus,
        modes={g.name: _modes(g, strategy) for g in gpus},
        existing_owned=owned, existing_reserved=reserved, rep_ub=rep_ub, gpu_ub=gpu_ub,
        tariffs=tuple(t for t in getattr(resolved, "tariffs", ())
                      if _allowed_provider(strategy, t.provider)),
        api_operations=getattr(resolved, "api_operations", (0.0, 0.0)))


def capacity_bounds(scenario: Scenario, periods: Periods, options: Options,
                    gpus: tuple[ResolvedGpu, ...], scale: float = 1.0):
    """(rep_ub, gpu_ub): most replicas per deployment and period (all its options at share 1,
    demand times `scale`) and most GPUs in use per type and period (capped by max_gpus)."""
    deps = options.deployments
    util = scenario.capacity.utilization_target
    min_rep = scenario.capacity.min_replicas
    rep_ub = np.zeros((len(deps), periods.count))
    if len(options.table):
        _, dep_of, works = loads(options)
        # each deployment's loads summed in option order (as a per-deployment sum would),
        # in one pass: every Monte Carlo draw and strategy makes these bounds anew
        work = np.zeros_like(rep_ub)
        np.add.at(work, np.asarray(dep_of, dtype=np.intp), works)
        rep_ub = np.ceil(work * scale / (periods.hours * util) - 1e-9)
        needs = deps["needs_min_replicas"].to_numpy(dtype=bool)
        rep_ub[needs] = np.maximum(rep_ub[needs], min_rep)
    gpu_ub = {g.name: np.zeros(periods.count) for g in gpus}
    per_replica = deps["gpus_per_replica"].to_numpy(dtype=float)
    for d, gpu in enumerate(deps["gpu"].tolist()):
        gpu_ub[gpu] += rep_ub[d] * per_replica[d]
    for name, ub in gpu_ub.items():
        cap = next(g.max_gpus for g in gpus if g.name == name)
        if cap is not None:
            np.minimum(ub, cap, out=ub)
    return rep_ub, gpu_ub


def model_data_for(scenario: Scenario, resolved: Resolved,
                   strategy: Strategy | None = None) -> ModelData:
    """The stages before the model: periods, demand, options, servability, model data.

    Raises InfeasibleError (untitled) naming each workload left with no option and why.
    """
    from tco.demand import expand_demand, make_periods
    from tco.errors import InfeasibleError
    from tco.model.explain import unservable
    from tco.options import enumerate_options

    periods = make_periods(scenario.horizon, scenario.finance)
    demand = expand_demand(scenario, periods)
    options = enumerate_options(scenario, resolved, periods, demand, strategy)
    why = unservable(scenario, options)
    if why:
        raise InfeasibleError(why)
    return make_model_data(scenario, resolved, periods, demand, options, strategy)


def residual_share(periods: Periods, rate: float, rule: str, bought: int, life: int,
                   decline: float | None = None) -> float:
    """Share of a purchase price credited in the last period for the life left after it.

    With `decline` (purchase.resale: the yearly fall of the market value) the GPU is credited
    at its market value when the horizon ends, (1 - decline) ^ ((T - bought) / periods per
    year), in place of the annuity below; still nothing under conservative or once its life
    has ended inside the horizon.

    pro_rata: the price is an annuity-due a = P (1 - v) / (1 - v^L) paid in each of the L
    periods of the life (v = (1 + rate)^(-1 / periods per year), one period's discount); the
    n = bought + L - T payments after the horizon are worth, in the last period,
    a v (1 - v^n) / (1 - v) = P v (1 - v^n) / (1 - v^L) (n / L at rate 0: straight-line book
    value). So price less credit has the NPV of the in-horizon payments only.
    conservative: no credit.
    """
    n = min(life, max(0, bought + life - periods.count))
    if rule == "conservative" or n == 0:
        return 0.0
    if decline is not None:
        age = max(0, periods.count - bought) / periods.per_year
        return (1.0 - decline) ** age
    if rate == 0:
        return n / life
    v = (1.0 + rate) ** (-1.0 / periods.per_year)
    return v * (1.0 - v ** n) / (1.0 - v ** life)


def whole_periods(years: float, per_year: int) -> int:
    """A life in whole periods, at least one, halves rounded up as spreadsheets' ROUND does
    (Python's round() goes to even), so the workbook's formulas count the same periods."""
    return max(1, math.floor(years * per_year + 0.5))


def ceil_int(x: float) -> int:
    """Integer ceiling that forgives float noise just above a whole number."""
    return int(math.ceil(x - 1e-9))
