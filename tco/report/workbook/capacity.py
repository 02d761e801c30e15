"""The Capacity sheet: GPUs bought, reserved and rented, model replicas, staff and fine-tunes.

The optimizer's decisions (GPUs bought, reservations signed, GPUs rented, replicas, engineers
hired, fine-tunes trained) are purple values as solved. Everything that follows from them and
the assumptions is a formula: GPUs alive (from purchases and life, signatures and terms), GPUs
held and in use, utilization (GPUs in use / GPUs held), the replica-hours each model needs
(from the Plan's requests), its busy share (replica-hours needed / replica-hours held) and
whether the utilization target holds.
"""

from __future__ import annotations

from tco.report.workbook.columns import ASSUMPTIONS as A
from tco.report.workbook.columns import CAPACITY as CA
from tco.report.workbook.columns import FC, FLEET_COLUMNS
from tco.report.workbook.columns import LEVERS as LV
from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, NUMBER, SHARE, col, local, ref, rng

REPLICA_HEAD = ["Served model", "Base model", "GPU", "Operating point", "Period", "t",
                "Replicas", "GPUs", "Replica-hours needed", "Busy share (needed / held)",
                "Within utilization target", "Deployment #"]


def write(ctx: Context) -> None:
    """Fleet, replicas, staff and fine-tunes, in that order down the sheet."""
    g = ctx.sheets[CA]
    tables = ctx.run.solution.tables
    fleet, reps = tables["fleet"], tables["replicas"]
    g.header(1, 1, [n for n, _ in FLEET_COLUMNS], [w for _, w in FLEET_COLUMNS])
    fleet_last = max(2, len(fleet) + 1)
    rep_first = fleet_last + 4
    rep_last = max(rep_first, rep_first + len(reps) - 1)
    ctx.replica_rows = (rep_first, rep_last)
    _fleet(ctx, g, fleet, fleet_last, rep_first, rep_last)
    g.width(3, 12)  # t above, the GPU's name in the replica table below
    g.width(12, 11)
    r = _replicas(ctx, g, reps, rep_first)
    r = _staff(ctx, g, r + 2)
    r = _fine_tunes(ctx, g, r + 2)
    _api_paths(ctx, g, r + 2)
    g.finish(freeze="C2", filter_ref=f"A1:{col(len(FLEET_COLUMNS))}{fleet_last}")


def _fleet(ctx: Context, g, fleet, last: int, rep_first: int, rep_last: int) -> None:
    if fleet.empty:
        g.put(2, 1, "No GPUs: nothing is self-hosted.", kind="note")
        return
    c = FC
    gr = f"${col(c['GPU'])}$2:${col(c['GPU'])}${last}"
    tr = f"${col(c['t'])}$2:${col(c['t'])}${last}"
    owned, res = ctx.owned_rows, ctx.reservation_rows
    for r, row in enumerate(fleet.itertuples(index=False), start=2):
        ctx.fleet_row[(row.gpu, int(row.t))] = r
        ar = ctx.gpu_row[row.gpu]
        gcol, tcol = local(r, c["GPU"]), local(r, c["t"])
        g.put(r, c["GPU"], row.gpu)
        g.put(r, c["Period"], row.period)
        g.put(r, c["t"], int(row.t), COUNT, role="label")
        for key, v in (("Bought (GPUs)", row.bought),
                       ("Reserved 1y signed (GPUs)", row.reserved_1y_new),
                       ("Reserved 3y signed (GPUs)", row.reserved_3y_new),
                       ("On demand (GPUs)", row.on_demand)):
            g.put(r, c[key], int(v), COUNT, role="solved")

        lead = ref(A, ar, 13)

        def alive(key: str, length: str) -> str:
            # Ordered in (t - lead - length, t - lead]: delivered lead periods after the order.
            k = col(c[key])
            return (f"=SUMIFS(${k}$2:${k}${last},{gr},{gcol},{tr},\">\"&({tcol}-{lead}-{length}),"
                    f"{tr},\"<=\"&({tcol}-{lead}))")

        life = ref(A, ar, 7)
        g.f(r, c["Owned alive (GPUs)"], alive("Bought (GPUs)", life) if
            ctx.data.gpus and _has_purchase(ctx, row.gpu) else "=0", COUNT)
        g.f(r, c["Reserved 1y alive (GPUs)"], alive("Reserved 1y signed (GPUs)",
                                                     "term_1y_periods"), COUNT)
        g.f(r, c["Reserved 3y alive (GPUs)"], alive("Reserved 3y signed (GPUs)",
                                                     "term_3y_periods"), COUNT)
        if owned:
            o1, o2 = owned[0], owned[-1]
            gg, cnt, start, lf = (rng(A, o1, k, o2, k) for k in (1, 2, 4, 7))
            g.f(r, c["Existing owned (GPUs)"],
                f"=SUMPRODUCT(({gg}={gcol})*({start}<={tcol})*({start}+{lf}>{tcol})*{cnt})",
                COUNT)
        else:
            g.f(r, c["Existing owned (GPUs)"], "=0", COUNT)
        if res:
            r1, r2 = res[0], res[-1]
            gg, cnt, end, begin = (rng(A, r1, k, r2, k) for k in (1, 2, 4, 6))
            g.f(r, c["Existing reserved (GPUs)"],
                f"=SUMPRODUCT(({gg}={gcol})*({tcol}<={end})*({tcol}>={begin})*{cnt})", COUNT)
        else:
            g.f(r, c["Existing reserved (GPUs)"], "=0", COUNT)
        parts = [local(r, c[k]) for k in ("Owned alive (GPUs)", "Reserved 1y alive (GPUs)",
                                          "Reserved 3y alive (GPUs)", "On demand (GPUs)",
                                          "Existing owned (GPUs)", "Existing reserved (GPUs)")]
        g.f(r, c["Total held (GPUs)"], "=" + "+".join(parts), COUNT)
        g.f(r, c["In use (GPUs)"],
            f"=SUMIFS($H${rep_first}:$H${rep_last},$C${rep_first}:$C${rep_last},{gcol},"
            f"$F${rep_first}:$F${rep_last},{tcol})", COUNT)
        held, use = local(r, c["Total held (GPUs)"]), local(r, c["In use (GPUs)"])
        g.f(r, c["Utilization (in use / held)"], f"=IF({held}>0,{use}/{held},0)", SHARE)


def _has_purchase(ctx: Context, gpu: str) -> bool:
    return any(x.name == gpu and x.purchase is not None for x in ctx.data.gpus)


def _replicas(ctx: Context, g, reps, first: int) -> int:
    r = first - 2
    g.put(r, 1, "Model replicas", kind="section")
    g.put(r, 4, "Busy share = replica-hours needed / (replicas x hours per period): how busy "
                "the replicas are at the sized peak; utilization (above) is GPUs in use / GPUs "
                "held.", kind="note")
    g.header(r + 1, 1, REPLICA_HEAD)
    if reps.empty:
        g.put(first, 1, "No replicas.", kind="note")
        return first
    plan_rh, plan_dep, plan_t = (ctx.plan_range(k) for k in ("Replica-hours", "Deployment #",
                                                             "t"))
    dep_index = {(str(d.served), str(d.gpu), str(d.point)): i for i, d in
                 enumerate(ctx.data.options.deployments.itertuples(index=False))}
    further = ""
    if ctx.further_rows:  # a cascade's second and third self-hosted stages (Levers sheet)
        a, b = ctx.further_rows
        further = (f"+SUMIFS({rng(LV, a, 7, b, 7)},{rng(LV, a, 6, b, 6)},L{{r}},"
                   f"{rng(LV, a, 3, b, 3)},F{{r}})")
    r = first - 1
    for row in reps.itertuples(index=False):
        r += 1
        d = dep_index[(str(row.served), str(row.gpu), str(row.point))]
        sr = ctx.serving_row[d]
        for k, v in enumerate((row.served, row.base_model, row.gpu, row.point, row.period),
                              start=1):
            g.put(r, k, v)
        g.put(r, 6, int(row.t), COUNT, role="label")
        g.put(r, 7, int(row.replicas), COUNT, role="solved")
        g.f(r, 8, f"=G{r}*{ref(A, sr, 5)}", COUNT)
        g.f(r, 9, f"=SUMIFS({plan_rh},{plan_dep},L{r},{plan_t},F{r})"
                  + further.replace("{r}", str(r)), NUMBER)
        g.f(r, 10, f"=IF(G{r}>0,I{r}/(G{r}*hours_per_period),0)", SHARE)
        g.f(r, 11, f'=IF(I{r}<=G{r}*hours_per_period*utilization_target+0.000001,"yes","no")')
        g.put(r, 12, d + 1, COUNT, role="label")
    return r


def _staff(ctx: Context, g, r: int) -> int:
    g.put(r, 1, "Staff", kind="section")
    r += 1
    g.header(r, 1, ["Period", "t", "Self-hosting (1 = yes)", "Engineers employed",
                    "Engineers hired", "Engineers total"])
    for row in ctx.run.solution.tables["staffing"].itertuples(index=False):
        r += 1
        ctx.staff_row[int(row.t)] = r
        g.put(r, 1, row.period)
        g.put(r, 2, int(row.t), COUNT, role="label")
        g.put(r, 3, int(bool(row.hosting)), COUNT, role="solved")
        g.f(r, 4, "=existing_engineers", COUNT)
        g.put(r, 5, int(row.engineers_hired), COUNT, role="solved")
        g.f(r, 6, f"=D{r}+E{r}", COUNT)
    return r


def _fine_tunes(ctx: Context, g, r: int) -> int:
    g.put(r, 1, "Fine-tunes", kind="section")
    r += 1
    g.header(r, 1, ["Fine-tune", "Base", "Candidate (1 = some option needs it)",
                    "Trained (1 = yes)", "Adopted (index t)"])
    fts = ctx.run.solution.tables.get("fine_tunes")
    if fts is not None:
        for row in fts.itertuples(index=False):
            r += 1
            ctx.trained_row[row.fine_tune] = r
            g.put(r, 1, row.fine_tune)
            g.put(r, 2, row.base)
            g.put(r, 3, int(bool(row.candidate)), COUNT, role="solved")
            g.put(r, 4, int(bool(row.trained)), COUNT, role="solved")
            # The period it is first trained: retraining counts from it (tco.model.fine_tuning).
            g.put(r, 5, int(row.adopted_t) if row.trained else 0, COUNT, role="solved")
    if fts is None or fts.empty:
        r += 1
        g.put(r, 1, "No fine-tunes.", kind="note")
    return r


def _api_paths(ctx: Context, g, r: int) -> int:
    """API providers used and workloads on an API per period (as solved): they carry the API
    path's fixed costs (tco.model.api_operations; Costs sheet)."""
    g.put(r, 1, "API paths in use (1 = yes; API engineering and operations)", kind="section")
    r += 1
    col0 = ctx.api_ops_col0
    g.header(r, 1, ["Kind", "Provider or workload"]
             + [f"{p}" for p in ctx.run.solution.periods])
    table = ctx.run.solution.tables.get("api_operations")
    if table is None or table.empty:
        g.put(r + 1, 1, "No fixed API costs in this plan.", kind="note")
        return r + 1
    for kind in ("provider", "workload"):
        part = table[table["kind"] == kind]
        if part.empty:
            continue
        first = r + 1
        for name, rows in part.groupby("name", sort=False):
            r += 1
            g.put(r, 1, kind)
            g.put(r, 2, str(name))
            ctx.api_ops_row[(kind, str(name))] = r
            for row in rows.itertuples(index=False):
                g.put(r, col0 + int(row.t), int(row.in_use), COUNT, role="solved")
        ctx.api_ops_rows[kind] = (first, r)
    return r
