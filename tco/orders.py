"""A plan's orders for one period: what to buy, reserve, rent, hire and route, with its cost.

Read from the plan's tables (fleet, staffing, allocation), so it works the same on a live run
and on a run read back from the history (tco.history). `assets` carries the prices the plan
was solved with (`assets_of`): per GPU type the purchase price and life and the reserved and
on-demand rates, and an engineer's cost per year.

- buy: GPUs bought in the period; cost = count x purchase price (capex, paid now); with a
  lead time the note says from which period they serve.
- reserve_1y / reserve_3y: reservations signed in the period; cost = count x rate x the
  term's hours (8,760 a year), the whole commitment; `ends` is the last period covered.
- rent: on-demand GPUs held in the period; cost = count x rate x the period's hours.
- hire: engineers added over the previous period (over those employed at the start for the
  first); cost = one year of salary each.
- train: fine-tunes the plan first trains in the period (its adoption); cost = one training run.
- release: engineers no longer employed from the period (fewer than the period before); no
  cost here, the saving is in the plan's staff costs.
- sign: price plans (two-part tariffs, commitments) and provisioned units signed in the
  period; cost = count x the price per period x the term's periods (the whole commitment);
  a plan of one period's term is listed when first taken, not at each renewal.
- route: each workload's options and shares in the period, cost = its API spend then; in a later
  period only the workloads whose options changed (`move`).

This is the one list of orders: `tco run` prints the first period's, the workbook's Summary
lists every period's (its quantities formulas over the Capacity sheet, found through `t` and
`source`, the plan-table column each count is read from).
"""

from __future__ import annotations

import pandas as pd

from tco.demand import HOURS_PER_YEAR

COLUMNS = ["period", "order", "what", "count", "unit_usd", "cost_usd", "ends", "note", "t",
           "source"]


def assets_of(run) -> dict:
    """Prices the plan was solved with, kept beside it so orders and rolls need no re-solve."""
    gpus = {}
    for g in run.resolved.gpus:
        gpus[g.name] = {"purchase_usd": g.purchase.price_usd if g.purchase else None,
                        "life_years": g.purchase.life_years if g.purchase else None,
                        "reserved_usd_per_hour": dict(g.reserved_usd_per_hour),
                        "on_demand_usd_per_hour": g.on_demand_usd_per_hour,
                        "lead_time_periods": g.lead_time_periods}
    s = run.scenario
    return {"gpus": gpus, "engineer_usd_per_year": s.staffing.cost_usd_per_year,
            "engineers_employed": s.existing.engineers, "period": s.horizon.period}


def _label_after(labels: list[str], t: int, n: int) -> str:
    """The label n periods after period t (beyond the horizon too)."""
    from tco.demand import period_label
    from tco.scenario.schema import parse_period

    year, sub, kind = parse_period(labels[t])
    per_year = 4 if kind == "quarter" else 12
    idx = year * per_year + (sub - 1) + n
    return period_label(idx // per_year, idx % per_year + 1, kind)


def orders(tables: dict[str, pd.DataFrame], assets: dict, periods: list[str],
           t: int | None = 0) -> pd.DataFrame:
    """The orders of period t, or of every period with t=None (see the module docstring)."""
    if t is None:
        every = [orders(tables, assets, periods, tt) for tt in range(len(periods))]
        return pd.concat(every, ignore_index=True) if every else pd.DataFrame(columns=COLUMNS)
    per_year = 4 if assets.get("period", "quarter") == "quarter" else 12
    hours = HOURS_PER_YEAR / per_year
    label = periods[t]
    rows = []
    fleet = tables["fleet"]
    for r in fleet[fleet.t == t].itertuples(index=False):
        g = assets["gpus"].get(r.gpu, {})
        lead = int(g.get("lead_time_periods") or 0)
        arrives = f"; serves from {_label_after(periods, t, lead)}" if lead else ""
        if r.bought:
            price = g.get("purchase_usd") or 0.0
            rows.append((label, "buy", r.gpu, int(r.bought), price, r.bought * price, None,
                         f"owned, {g.get('life_years')} years of life{arrives}", t, "bought"))
        for mode, key, years in (("reserved_1y_new", "1y", 1), ("reserved_3y_new", "3y", 3)):
            n = int(getattr(r, mode))
            if n:
                rate = g.get("reserved_usd_per_hour", {}).get(key, 0.0)
                rows.append((label, f"reserve_{key}", r.gpu, n, rate,
                             n * rate * HOURS_PER_YEAR * years,
                             _label_after(periods, t, lead + years * per_year - 1),
                             f"USD per GPU-hour; whole {key} commitment{arrives}", t, mode))
        if r.on_demand:
            rate = g.get("on_demand_usd_per_hour") or 0.0
            rows.append((label, "rent", r.gpu, int(r.on_demand), rate,
                         r.on_demand * rate * hours, None, "USD per GPU-hour, this period", t,
                         "on_demand"))
    staff = tables["staffing"]
    now = staff[staff.t == t]
    if len(now):
        before = (int(staff[staff.t == t - 1]["engineers_hired"].iat[0]) if t > 0 else 0)
        added = int(now["engineers_hired"].iat[0]) - before
        if added > 0:
            pay = assets.get("engineer_usd_per_year", 0.0)
            rows.append((label, "hire", "platform engineer", added, pay, added * pay, None,
                         "USD per year each", t, "engineers_hired"))
        elif added < 0:
            rows.append((label, "release", "platform engineer", -added, None, 0.0, None,
                         "no longer needed from this period", t, "engineers_hired"))
    fts = tables.get("fine_tunes")
    if fts is not None and len(fts):
        # First training in the period adopted (older runs kept no adoption period: t = 0).
        adopted = (fts["adopted_t"] if "adopted_t" in fts else pd.Series(0, index=fts.index))
        for r in fts[fts.trained.astype(bool) & (adopted.fillna(0) == t)].itertuples(
                index=False):
            rows.append((label, "train", r.fine_tune, 1, r.training_cost_usd,
                         r.training_cost_usd, None, f"fine-tune of {r.base}", t, None))
    rows += _signed(tables.get("tariffs"), periods, t)
    alloc = tables["allocation"]
    now_r = _routes(alloc, t)
    prev_r = _routes(alloc, t - 1) if t > 0 else {}
    for w, (opts, api) in now_r.items():
        if t > 0 and w in prev_r and prev_r[w][0] == opts:
            continue
        what = ", ".join(f"{o} {s:.0%}" for o, s in opts)
        rows.append((label, "route" if t == 0 or w not in prev_r else "move", w, None, None,
                     api, None, what, t, None))
    return pd.DataFrame(rows, columns=COLUMNS)


def _routes(alloc: pd.DataFrame, t: int) -> dict[str, tuple[tuple, float]]:
    """Workload -> ((option, share rounded to 4 places), largest share first; API cost) in
    period t, workloads in name order. One pass over the period's rows: a pandas group per
    workload took 7 s of a 300-workload workbook."""
    a = alloc[alloc.t == t]
    by: dict[str, list] = {}
    cost: dict[str, float] = {}
    for w, o, raw, share, usd in zip(a["workload"].tolist(), a["option"].tolist(),
                                     a["share"].tolist(), a["share"].round(4).tolist(),
                                     a["api_cost_usd"].tolist()):
        by.setdefault(w, []).append((raw, o, share))
        cost[w] = cost.get(w, 0.0) + usd
    return {w: (tuple((o, share) for _, o, share in sorted(by[w], key=lambda r: -r[0])),
                cost[w])
            for w in sorted(by)}


SIGNED = {"two_part": "fee and per-token prices", "commit": "committed spend",
          "provisioned": "provisioned throughput units"}


def _signed(plans: pd.DataFrame | None, periods: list[str], t: int) -> list[tuple]:
    """The price plans and provisioned units signed in period t (the tariffs table)."""
    if plans is None or not len(plans) or "usd_per_period" not in plans:
        return []  # runs recorded before tariffs carried their price per period
    rows = []
    for r in plans[(plans.t == t) & (plans.started > 0)].itertuples(index=False):
        term = int(r.term_periods)
        if term <= 1 and t > 0:
            before = plans[(plans.tariff == r.tariff) & (plans.t == t - 1)]
            if len(before) and bool(before.taken.iat[0]):
                continue  # a one-period term renewed: not a new order
        n = int(r.started)
        rows.append((periods[t], "sign", r.tariff, n, float(r.usd_per_period),
                     n * float(r.usd_per_period) * term, _label_after(periods, t, term - 1),
                     f"{r.provider}: {SIGNED.get(r.kind, r.kind)}, USD per period of a "
                     f"{term}-period term", t, None))
    return rows


NOTE_MIN_WIDTH = 30
"""Narrowest note column worth its own column; narrower, each note goes under its `what`."""


def print_orders(console, table: pd.DataFrame) -> None:
    """The orders as a terminal table.

    Wide enough, the note has a column of its own; on a narrower terminal (80 columns) each
    note is a dim second line under its `what`, wrapped at its spaces, where a column of a few
    characters broke its words ("commitmen|t"). Names are never cut (an option's GPU is at the
    end of its name, issue 18): a name longer than the column breaks after one of its
    separators ("self:gpt-oss-120b@|a100-80gb/interactive"), folded only when none fits."""
    from rich.table import Table
    from rich.text import Text

    from tco.report.summary import usd

    if table.empty:
        return
    cells = []
    for r in table.itertuples(index=False):
        cells.append((r.order, str(r.what), "" if pd.isna(r.count) else f"{int(r.count)}",
                      _unit(r.unit_usd), usd(r.cost_usd),
                      "" if pd.isna(r.ends) else r.ends,  # pandas' str columns hold NaN
                      "" if pd.isna(r.note) else str(r.note)))
    heads = ("order", "what", "count", "unit", "cost", "ends", "note")
    widest = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
    # 7 columns: 8 rules and 2 spaces of padding each
    wide = console.width - sum(widest[:6]) - 22 >= min(widest[6], NOTE_MIN_WIDTH)
    t = Table(title=f"Orders for {table['period'].iat[0]}")
    for i, col in enumerate(heads if wide else heads[:6]):
        numeric = col in ("count", "unit", "cost")
        t.add_column(col, justify="right" if numeric else "left", overflow="fold",
                     no_wrap=col in ("count", "unit", "cost", "ends"),
                     ratio=1 if col == ("note" if wide else "what") else None,
                     min_width=None if col not in ("order", "what") else min(widest[i], 12))
    # narrow: `what` gets what the other columns leave (each at its widest; 6 columns: 7
    # rules and 2 spaces of padding each); names are broken after their separators there
    room = console.width - 19 - sum(widest[i] for i in (0, 2, 3, 4, 5))
    for c in cells:
        if wide:
            t.add_row(*c)
        else:
            what = Text(_wrapped(c[1], room))
            if c[6]:
                what.append("\n" + _wrapped(c[6], room), style="dim")
            t.add_row(c[0], what, *c[2:6])
    console.print(t)


SEPARATORS = "@/:"
"""Where an option's name may break across lines (self:MODEL@GPU/POINT, api:PROVIDER/MODEL)."""


def _wrapped(text: str, width: int) -> str:
    """`text` in lines of at most `width`, broken at spaces, a word longer than a line after
    its last separator that fits (else after a hyphen, else folded): "a100-80|gb" read as two
    GPUs. Unchanged when the room is too small to be worth it (Rich then folds)."""
    if width < 12 or len(text) <= width:
        return text
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while len(word) > width:  # a name longer than a line: break it inside
            if line:
                lines.append(line)
                line = ""
            head = word[:width]
            cut = max(head.rfind(ch) for ch in SEPARATORS) + 1
            if cut <= 0:
                cut = head.rfind("-") + 1
            if cut <= 0:
                cut = width
            lines.append(word[:cut])
            word = word[cut:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return "\n".join(lines)


def _unit(x) -> str:
    """A unit price: cents below 1,000 USD (GPU-hours, tariffs), whole dollars above."""
    if pd.isna(x):
        return ""
    return f"{x:,.2f}" if abs(x) < 1000 else f"{x:,.0f}"
