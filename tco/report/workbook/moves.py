"""Moves block of the Costs sheet: each destination that starts serving a workload, priced
by its migration cost (tco.model.switching), summed per period into the Migration column."""

from __future__ import annotations

from tco.report.workbook.layout import COUNT, USD, Grid, local

HEAD = ["Workload", "Period", "t", "To", "From", "Moves (as solved)",
        "Migration cost per move (USD)", "Cost (USD)"]


def moves_block(ctx, g: Grid, r: int) -> tuple[int, int, int]:
    """Write the block at row r; returns (first row, last row, next free row)."""
    g.put(r, 1, "Moves: a destination (API, or model on a GPU type) starts serving a workload; "
                "each pays the workload's migration cost", kind="section")
    r += 1
    g.header(r, 1, HEAD)
    first = r + 1
    mv = ctx.run.solution.tables.get("moves")
    rows = [] if mv is None else mv.to_dict("records")
    for i, m in enumerate(rows):
        rr = first + i
        g.put(rr, 1, m["workload"])
        g.put(rr, 2, m["period"])
        g.put(rr, 3, int(m["t"]), COUNT, role="label")
        g.put(rr, 4, m["to"])
        g.put(rr, 5, m["from"])
        g.put(rr, 6, 1, COUNT, role="solved")
        g.put(rr, 7, float(m["migration_cost_usd"]), USD, is_input=True,
              source="scenario: switching.migration_cost_usd or the workload's own")
        g.f(rr, 8, f"={local(rr, 6)}*{local(rr, 7)}", USD)
        ctx.move_rows.append((rr, m["workload"], int(m["t"]), m["to"]))
    last = first + len(rows) - 1
    if not rows:
        g.put(first, 1, "No moves.", kind="note")
        last = first
    return first, last, last + 2


def migration_formula(first: int, last: int, t_cell: str) -> str:
    """The Migration cost of the period whose index is in t_cell."""
    return (f"=SUMIFS({local(first, 8, True)}:{local(last, 8, True)},"
            f"{local(first, 3, True)}:{local(last, 3, True)},{t_cell})")
