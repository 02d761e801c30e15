"""The Capacity sheet: GPUs bought, reserved and rented, model replicas, staff and fine-tunes as
decided.
"""

from __future__ import annotations

from tco.report.workbook.columns import (
    CAPACITY as CA,
)
from tco.report.workbook.columns import (
    FLEET_COLUMNS,
)
from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    COUNT,
    NUMBER,
    SHARE,
    col,
)


def write(ctx: Context) -> None:
    g = ctx.sheets[CA]
    tables = ctx.run.solution.tables
    fleet = tables["fleet"]
    g.header(1, 1, [n for n, _ in FLEET_COLUMNS], [w for _, w in FLEET_COLUMNS])
    keys = ["gpu", "period", "t", "bought", "reserved_1y_new", "reserved_3y_new", "owned",
            "reserved_1y", "reserved_3y", "on_demand", "existing_owned", "existing_reserved",
            "total", "in_use", "utilization"]
    r = 1
    for r, row in enumerate(fleet[keys].itertuples(index=False), start=2):
        ctx.fleet_row[(row.gpu, int(row.t))] = r
        for c, v in enumerate(row, start=1):
            g.put(r, c, v, SHARE if c == 15 else (COUNT if c > 2 else None))
    if fleet.empty:
        r = 2
        g.put(r, 1, "No GPUs: nothing is self-hosted.", kind="note")
    fleet_last = r
    r += 2

    g.put(r, 1, "Model replicas", kind="section")
    r += 1
    g.header(r, 1, ["Served model", "Base model", "GPU", "Operating point", "Period", "t",
                    "Replicas", "GPUs", "Replica-hours needed", "Busy share", "Headroom ok"])
    reps = tables["replicas"]
    for row in reps[["served", "base_model", "gpu", "point", "period", "t", "replicas", "gpus",
                     "replica_hours_needed", "busy_share", "headroom_ok"]].itertuples(index=False):
        r += 1
        for c, v in enumerate(row, start=1):
            g.put(r, c, v, SHARE if c == 10 else (NUMBER if c == 9 else
                                                  (COUNT if c in (6, 7, 8) else None)))
    if reps.empty:
        r += 1
        g.put(r, 1, "No replicas.", kind="note")
    r += 2

    g.put(r, 1, "Staff", kind="section")
    r += 1
    g.header(r, 1, ["Period", "t", "Self-hosting (1 = yes)", "Engineers employed",
                    "Engineers hired", "Engineers total"])
    for row in tables["staffing"].itertuples(index=False):
        r += 1
        ctx.staff_row[int(row.t)] = r
        g.put(r, 1, row.period)
        g.put(r, 2, int(row.t), COUNT)
        g.put(r, 3, int(bool(row.hosting)), COUNT)
        g.put(r, 4, int(row.engineers_employed), COUNT)
        g.put(r, 5, int(row.engineers_hired), COUNT)
        g.put(r, 6, int(row.engineers_total), COUNT)
    r += 2

    g.put(r, 1, "Fine-tunes", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Base", "Candidate (1 = some option needs it)",
                    "Trained (1 = yes)"])
    fts = tables.get("fine_tunes")
    if fts is not None:
        for row in fts.itertuples(index=False):
            r += 1
            ctx.trained_row[row.fine_tune] = r
            g.put(r, 1, row.fine_tune)
            g.put(r, 2, row.base)
            g.put(r, 3, int(bool(row.candidate)), COUNT)
            g.put(r, 4, int(bool(row.trained)), COUNT)
    if fts is None or fts.empty:
        r += 1
        g.put(r, 1, "No fine-tunes.", kind="note")
    g.finish(freeze="C2", filter_ref=f"A1:{col(len(FLEET_COLUMNS))}{fleet_last}")
