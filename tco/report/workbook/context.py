"""What one sheet needs to know about where another sheet put things.

The sheets are written in a fixed order (see `index.py`); each records the rows and names it
created here so that later sheets can refer to them with formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook

from tco.report.workbook.columns import ASSUMPTIONS, PC, PERIOD_COL0, PLAN
from tco.report.workbook.layout import Grid, define, ref, rng, unique_name
from tco.run import RunResult


@dataclass
class Context:
    """The run, the workbook, its sheets and the cross-sheet bookkeeping."""

    run: RunResult
    wb: Workbook
    sheets: dict[str, Grid]
    names: set[str] = field(default_factory=set)
    # Assumptions
    row_years: int = 0
    row_df: int = 0
    wl_row: dict[str, int] = field(default_factory=dict)
    price_row: dict[tuple, int] = field(default_factory=dict)
    price_label: dict[int, str] = field(default_factory=dict)
    gpu_row: dict[str, int] = field(default_factory=dict)
    ft_row: dict[str, int] = field(default_factory=dict)
    owned_rows: list[int] = field(default_factory=list)
    reservation_rows: list[int] = field(default_factory=list)
    quality_row: dict[tuple, int] = field(default_factory=dict)
    serving_row: dict[int, int] = field(default_factory=dict)
    """Deployment index -> its Assumptions row (GPUs per replica, throughput)."""
    # Capacity: first and last row of the replica table
    replica_rows: tuple[int, int] = (0, 0)
    # Levers
    variant_row: dict[tuple[str, str], int] = field(default_factory=dict)
    cache_row: dict[str, int] = field(default_factory=dict)
    stage_row: dict[tuple[str, str, int], int] = field(default_factory=dict)
    levers_next_row: int = 0
    levers_cost_rows: tuple[int, int] = (0, 0)
    lever_cost_row: dict[tuple[str, str], int] = field(default_factory=dict)
    further_stage_rows: list = field(default_factory=list)
    """(Plan row, option, allocation row, stage indices) of cascades' further self-hosted
    stages."""
    further_rows: tuple[int, int] | None = None
    """First and last Levers-sheet row of those stages' replica-hours."""
    """(workload, lever) -> its Levers-sheet row of costs per period."""
    # Plan
    plan_last: int = 1
    plan_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    ft_plan_rows: list[tuple[int, str]] = field(default_factory=list)
    # Capacity
    fleet_row: dict[tuple[str, int], int] = field(default_factory=dict)
    staff_row: dict[int, int] = field(default_factory=dict)
    trained_row: dict[str, int] = field(default_factory=dict)
    api_ops_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    """"provider" or "workload" -> first and last Capacity row of the API paths in use."""
    api_ops_col0: int = 3
    api_ops_row: dict[tuple[str, str], int] = field(default_factory=dict)
    """(kind, provider or workload name) -> its Capacity row in that block."""
    move_rows: list[tuple[int, str, int, str]] = field(default_factory=list)
    """(Costs row, workload, t, destination) of each move (Costs sheet's Moves block)."""
    """Capacity column of the first period in that block."""
    # Costs
    costs_first: int = 2
    per_year_rows: list[int] = field(default_factory=list)
    ft_cost_row: dict[str, int] = field(default_factory=dict)
    committed_total_row: int = 0
    strategy_rows: dict[str, int] = field(default_factory=dict)
    strategy_npv_col: int = 0
    solved_on: str = ""
    """Date (UTC) the plan was solved and this workbook written."""
    # Tariffs
    tariff_rows: tuple[int, int] | None = None
    tariff_pv: dict[str, str] = field(default_factory=dict)
    tariff_spend_row: int = 0
    """Tariffs-sheet row of list spend per period with tariffed providers (net cost below)."""
    tariff_api_ids: tuple[str, ...] = ()
    tariff_stage_rows: tuple[int, int] | None = None
    """First and last Tariffs-sheet row of cascade stages on tariffed providers."""
    tariff_stage_cell: dict[tuple[int, int], int] = field(default_factory=dict)
    """(Plan row, API stage position) -> its Tariffs-sheet row of list spend."""

    @property
    def data(self):
        """The model data the plan was solved on."""
        return self.run.solution.data

    @property
    def T(self) -> int:
        """Number of periods in the horizon."""
        return len(self.run.solution.periods)

    def pcol(self, t: int) -> int:
        """Assumptions column of period t."""
        return PERIOD_COL0 + t

    def df_ref(self, t: int) -> str:
        """The discount factor of period t (Assumptions)."""
        return ref(ASSUMPTIONS, self.row_df, self.pcol(t))

    def name(self, base: str, target: str) -> str:
        """Define a unique workbook name for `target`; returns the name used."""
        return define(self.wb, unique_name(self.names, base), target)

    def cost_row(self, t: int) -> int:
        """Costs-sheet row of period t."""
        return self.costs_first + t

    def plan_range(self, key: str) -> str:
        """The Plan sheet's column `key` over every plan row (absolute)."""
        return rng(PLAN, 2, PC[key], self.plan_last, PC[key])
