"""Review a plan against what happened, and roll it forward to the next period.

Actuals (CSV, one row per month and workload or per month and cost category; the output of
`tco profile --monthly` is one):

    month,workload,requests,input_tokens,output_tokens,cached_input_tokens,category,spend_usd

month is YYYY-MM; requests and token totals (not per request) for a workload's month; a row
with category and spend_usd is an invoice line (workload may be empty). Columns other than
month may be absent; every number must be non-negative.

Elapsed periods: the plan's periods whose every month is in the actuals, counted from the
plan's first period (a review of 2027Q1 needs 2027-01, 2027-02 and 2027-03).

Variance (review): per elapsed period,
- volume per workload: plan requests (the allocation's, i.e. the demand) against actual;
- tokens per request per workload: the scenario's input and output tokens against actual
  totals over actual requests;
- spend by cost category: the plan's costs (undiscounted, in the period) against the invoices.
variance = actual - plan; forecast error = (plan - actual) / actual (positive: the plan was
high), none when actual is 0.

Roll (roll_scenario): the plan's scenario moved to start at the first period after the elapsed
ones, same length; each workload in the actuals re-based: requests_per_month fitted to its
actual months (log-linear, as `tco profile`: growth e^(12 b) - 1, level at the last month
carried one month forward), tokens per request and cached share from the actual totals;
a workload without actuals keeps the plan's figures moved forward by the elapsed periods'
growth. `existing:` gains the plan's decisions in the elapsed periods: GPUs bought (with their
period, price and life), reservations signed (ending when their term ends; those already over
dropped), and engineers employed in the last elapsed period.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tco.errors import Problem, ScenarioError
from tco.model.terms import CATEGORIES

NUMBERS = ("requests", "input_tokens", "output_tokens", "cached_input_tokens", "spend_usd")
KNOWN = ("month", "workload", "category", *NUMBERS)


@dataclass
class Actuals:
    volumes: pd.DataFrame
    """month, workload, requests, input_tokens, output_tokens, cached_input_tokens (NaN when
    not given)."""
    spend: pd.DataFrame
    """month, workload, category, spend_usd."""
    file: str


def read_actuals(path: Path) -> Actuals:
    """Read and check an actuals CSV; every problem located at its line, exit 2."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem((), "no such file (expected an actuals CSV)", str(path))])
    problems, vols, spend = [], [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        unknown = [h for h in header if h not in KNOWN]
        if "month" not in header or unknown:
            raise ScenarioError([Problem(("header",), f"columns {header} (expected month and "
                                         f"any of {', '.join(KNOWN[1:])}"
                                         + (f"; unknown: {', '.join(unknown)}" if unknown
                                            else "") + ")", str(path), 1)])
        for row in reader:
            line = reader.line_num
            if not any((v or "").strip() for v in row.values()):
                continue
            where = dict(file=str(path), line=line)
            month = (row.get("month") or "").strip()
            try:
                pd.Period(month, "M")
                ok = len(month) == 7 and month[4] == "-"
            except ValueError:
                ok = False
            if not ok:
                problems.append(Problem(("month",), f"'{month}' is not a month (expected "
                                        "YYYY-MM)", **where))
                continue
            vals, bad = {}, False
            for k in NUMBERS:
                v = (row.get(k) or "").strip()
                if not v:
                    continue
                try:
                    x = float(v)
                except ValueError:
                    x = float("nan")
                if not math.isfinite(x) or x < 0:
                    problems.append(Problem((k,), f"'{v}' (expected a non-negative number)",
                                            **where))
                    bad = True
                    continue
                vals[k] = x
            wl = (row.get("workload") or "").strip()
            cat = (row.get("category") or "").strip()
            if "spend_usd" in vals or cat:
                if cat not in CATEGORIES:
                    problems.append(Problem(("category",), f"'{cat}' (expected one of "
                                            f"{', '.join(CATEGORIES)})", **where))
                elif "spend_usd" not in vals:
                    problems.append(Problem(("spend_usd",), "missing (a row with a category "
                                            "is an invoice line)", **where))
                else:
                    spend.append((month, wl, cat, vals["spend_usd"]))
            if "requests" in vals:
                if not wl:
                    problems.append(Problem(("workload",), "missing (requests belong to a "
                                            "workload)", **where))
                    continue
                vols.append((month, wl, vals["requests"], vals.get("input_tokens", math.nan),
                             vals.get("output_tokens", math.nan),
                             vals.get("cached_input_tokens", math.nan)))
            elif not cat and not bad:
                problems.append(Problem(("requests",), "missing (expected requests for a "
                                        "workload's month or category and spend_usd)", **where))
    if problems:
        raise ScenarioError(problems)
    volumes = pd.DataFrame(vols, columns=["month", "workload", "requests", "input_tokens",
                                          "output_tokens", "cached_input_tokens"])
    volumes = volumes.groupby(["month", "workload"], as_index=False).sum(min_count=1)
    return Actuals(volumes, pd.DataFrame(spend, columns=["month", "workload", "category",
                                                         "spend_usd"]), str(path))


def months_of(label: str) -> list[str]:
    """The calendar months of a period label: 2027Q1 -> 2027-01..03; 2027-05 -> itself."""
    if "Q" in label:
        year, q = label.split("Q")
        return [f"{year}-{3 * (int(q) - 1) + m:02d}" for m in (1, 2, 3)]
    return [label]


def elapsed(periods: list[str], actuals: Actuals) -> int:
    """How many of the plan's first periods the actuals cover whole."""
    have = set(actuals.volumes["month"]) | set(actuals.spend["month"])
    k = 0
    while k < len(periods) and all(m in have for m in months_of(periods[k])):
        k += 1
    if k == 0:
        first = periods[0]
        raise ScenarioError([Problem(("month",), f"no complete plan period in the actuals: "
                                     f"the plan starts {first} (expected the months "
                                     f"{', '.join(months_of(first))})", actuals.file)])
    return k


def _err(plan: float, actual: float) -> float | None:
    return (plan - actual) / actual if actual else None


def variance(scenario: dict, tables: dict[str, pd.DataFrame], periods: list[str],
             actuals: Actuals) -> pd.DataFrame:
    """The variance table (see the module docstring), one row per item, period and metric."""
    k = elapsed(periods, actuals)
    rows = []
    alloc = tables["allocation"]
    costs = tables["costs"]
    vol = actuals.volumes
    workloads = {w["name"]: w for w in scenario["workloads"]}
    for t in range(k):
        label = periods[t]
        months = months_of(label)
        v = vol[vol.month.isin(months)].groupby("workload").sum(numeric_only=True, min_count=1)
        for name, w in workloads.items():
            plan_req = float(alloc.loc[(alloc.workload == name) & (alloc.t == t),
                                       "requests"].sum()) if len(alloc) else 0.0
            if name not in v.index:
                rows.append(("volume", name, label, "requests", plan_req, None, None, None,
                             "not in the actuals"))
                continue
            act = v.loc[name]
            req = float(act["requests"])
            rows.append(("volume", name, label, "requests", plan_req, req, req - plan_req,
                         _err(plan_req, req), ""))
            for metric, key in (("input tokens per request", "input_tokens"),
                                ("output tokens per request", "output_tokens")):
                if pd.isna(act[key]) or not req:
                    continue
                p, a = float(w[key]), float(act[key]) / req
                rows.append(("tokens per request", name, label, metric, p, a, a - p,
                             _err(p, a), ""))
        for name in sorted(set(v.index) - set(workloads)):
            rows.append(("volume", name, label, "requests", None, float(v.loc[name, "requests"]),
                         None, None, "not in the plan"))
        if len(actuals.spend):
            s = actuals.spend[actuals.spend.month.isin(months)].groupby("category")[
                "spend_usd"].sum()
            c = costs[costs.t == t].groupby("category")["usd"].sum()
            for cat in CATEGORIES:
                p, a = float(c.get(cat, 0.0)), float(s.get(cat, 0.0))
                if abs(p) < 0.005 and abs(a) < 0.005:
                    continue
                rows.append(("spend", cat, label, "usd", p, a, a - p, _err(p, a), ""))
    return pd.DataFrame(rows, columns=["section", "item", "period", "metric", "plan", "actual",
                                       "variance", "forecast_error", "note"])


def _refit(months: pd.DataFrame) -> tuple[float | None, float]:
    """(growth per year or None with one month, requests per month one month after the last)."""
    from tco.profile.stats import fit_growth

    m = months.sort_values("month")
    pos = [pd.Period(x, "M").ordinal for x in m["month"]]
    growth, level = fit_growth(m["requests"].tolist(), [p - pos[0] for p in pos])
    if len(m) < 2:
        return None, float(m["requests"].iat[-1])
    return growth, level * (1 + growth) ** (1 / 12)


def _drop_none(v):
    if isinstance(v, dict):
        return {k: _drop_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_none(x) for x in v]
    return v


@dataclass
class Rolled:
    scenario: dict
    """The next scenario as a mapping (what next.yaml holds)."""
    start: str
    elapsed: list[str]
    notes: list[str]


def roll_scenario(scenario: dict, tables: dict[str, pd.DataFrame], assets: dict,
                  periods: list[str], actuals: Actuals) -> Rolled:
    """The next quarter's scenario (see the module docstring)."""
    from tco.orders import _label_after

    k = elapsed(periods, actuals)
    per_year = 4 if scenario["horizon"]["period"] == "quarter" else 12
    start = _label_after(periods, k - 1, 1)
    s = _drop_none(scenario)
    s.pop("extends", None)
    s.pop("review", None)  # the plan rolled from is reviewed instead (tco roll sets it)
    s["horizon"] = {**s["horizon"], "start": start}
    notes = []
    vol = actuals.volumes
    workloads = []
    for w in s["workloads"]:
        w = dict(w)
        mine = vol[vol.workload == w["name"]]
        if len(mine):
            growth, level = _refit(mine)
            w["requests_per_month"] = round(level, 1)
            if growth is not None:
                w["growth_per_year"] = round(growth, 6)
            req = mine["requests"].sum()
            for key in ("input_tokens", "output_tokens"):
                if mine[key].notna().all() and req:
                    w[key] = round(float(mine[key].sum() / req), 3)
            if mine["cached_input_tokens"].notna().all() and mine["input_tokens"].sum():
                w["cached_input_share"] = round(float(mine["cached_input_tokens"].sum()
                                                      / mine["input_tokens"].sum()), 6)
            notes.append(f"{w['name']}: re-based on {len(mine)} month(s) of actuals: "
                         f"{w['requests_per_month']:,.0f} requests a month, growth "
                         + (f"{growth:+.1%} a year (refitted)" if growth is not None
                            else "kept (one month cannot show a trend)"))
        else:
            rpm = w["requests_per_month"]
            if isinstance(rpm, list):
                rest = rpm[k:] or rpm[-1:]
                w["requests_per_month"] = rest + rest[-1:] * (len(rpm) - len(rest))
            else:
                w["requests_per_month"] = round(
                    rpm * (1 + w.get("growth_per_year", 0.0)) ** (k / per_year), 1)
            notes.append(f"{w['name']}: not in the actuals, the plan's figures moved forward")
        workloads.append(w)
    s["workloads"] = workloads
    unplanned = sorted(set(vol.workload) - {w["name"] for w in workloads})
    if unplanned:
        notes.append(f"in the actuals but not in the plan (add them to the scenario to plan "
                     f"them): {', '.join(unplanned)}")
    s["existing"] = _existing(s.get("existing", {}), tables, assets, periods, k, start)
    s["description"] = (f"Rolled forward from the plan of {periods[0]}..{periods[-1]} on the "
                        f"actuals of {', '.join(periods[:k])} ({actuals.file}). "
                        + s.get("description", "")).strip()
    return Rolled(s, start, list(periods[:k]), notes)


def _existing(old: dict, tables: dict[str, pd.DataFrame], assets: dict, periods: list[str],
              k: int, start: str) -> dict:
    """`existing:` after the elapsed periods: what was there and what the plan decided."""
    from tco.orders import _label_after
    from tco.scenario.schema import parse_period

    def index(label: str) -> tuple[int, int]:
        y, sub, _ = parse_period(label)
        return (y, sub)

    owned = list(old.get("owned_gpus", []))
    reservations = [r for r in old.get("reservations", [])
                    if index(r["ends"]) >= index(start)]
    fleet = tables["fleet"]
    per_year = 4 if "Q" in periods[0] else 12
    for r in fleet[fleet.t < k].sort_values(["t", "gpu"]).itertuples(index=False):
        g = assets["gpus"].get(r.gpu, {})
        # An order serves from its delivery, lead periods later (older runs kept no lead: 0).
        lead = int(g.get("lead_time_periods") or 0)
        if r.bought:
            owned.append({"gpu": r.gpu, "count": int(r.bought), "bought": periods[r.t],
                          "price_usd": g["purchase_usd"], "life_years": g["life_years"]}
                         | ({"serves_from": _label_after(periods, int(r.t), lead)} if lead else {}))
        for col, key, years in (("reserved_1y_new", "1y", 1), ("reserved_3y_new", "3y", 3)):
            n = int(getattr(r, col))
            ends = _label_after(periods, int(r.t), lead + years * per_year - 1)
            if n and index(ends) >= index(start):
                reservations.append({"gpu": r.gpu, "count": n, "ends": ends,
                                     "usd_per_hour": g["reserved_usd_per_hour"][key]}
                                    | ({"starts": _label_after(periods, int(r.t), lead)}
                                       if lead else {}))
    staff = tables["staffing"]
    hired = int(staff.loc[staff.t == k - 1, "engineers_hired"].iat[0]) if len(staff) else 0
    return {"owned_gpus": owned, "reservations": reservations,
            "engineers": int(old.get("engineers", 0)) + hired}


def rolled_yaml(rolled: Rolled, run_id: str) -> str:
    """next.yaml: a header saying where it comes from, then the scenario."""
    import yaml

    head = (f"# Rolled forward by `tco roll` from run {run_id}: the periods "
            f"{', '.join(rolled.elapsed)} are over, the plan starts {rolled.start}.\n"
            "# Demand re-based on the actuals; `existing:` holds what the plan bought, reserved\n"
            "# and hired in the elapsed periods. Every other assumption is the plan's.\n")
    notes = "".join(f"#   {n}\n" for n in rolled.notes)
    return head + notes + yaml.safe_dump(rolled.scenario, sort_keys=False, allow_unicode=True,
                                         width=100)


@dataclass
class PlanReview:
    """The variance of a previous plan, carried into the next run's reports."""

    table: pd.DataFrame
    """variance()'s table."""
    title: str
    run_id: str
    """The reviewed plan's run id (in full)."""
    actuals: str
    """The actuals file, as found."""
    history: str


def review_title(scenario_name: str, run_id: str, table: pd.DataFrame) -> str:
    """The variance's title: whose plan, which periods."""
    return (f"{scenario_name}: plan {run_id} against actuals "
            f"({', '.join(dict.fromkeys(table['period']))})")


def review_for(prepared, scenario_file: Path, history: Path) -> PlanReview:
    """The variance the scenario's `review:` section asks for, before anything is solved.

    Paths are relative to the main scenario file; without `review.history` the plan is looked
    up in `history` (the one this run is recorded in). A plan not in the history, or actuals
    that cannot be read, stop the run (exit 2) at the section's line: the reports would
    otherwise silently lack the variance that was asked for.
    """
    from tco.history import HistoryError, load

    section = prepared.scenario.review
    base = Path(scenario_file).parent

    def located(field: str, message: str) -> ScenarioError:
        file, line = prepared.locate(("review", field))
        return ScenarioError([Problem(("review", field), message, file or str(scenario_file),
                                      line)])

    hist = base / section.history if section.history else Path(history)
    if not hist.is_file():
        raise located("history" if section.history else "run",
                      f"no run history at {hist} (expected the history holding plan "
                      f"'{section.run}': set review.history or pass --history)")
    try:
        run = load(hist, section.run)
    except HistoryError as e:
        raise located("run", f"{e} (expected the plan to review)") from None
    actuals = base / section.actuals
    if not actuals.is_file():
        raise located("actuals", f"no such file {actuals} (expected an actuals CSV; paths "
                                 "are relative to the scenario file)")
    tables = {n: run.table(n) for n in ("allocation", "fleet", "staffing", "costs")}
    table = variance(run.scenario, tables, run.results["periods"], read_actuals(actuals))
    return PlanReview(table, review_title(run.scenario["name"], run.run_id, table), run.run_id,
                      str(actuals), str(hist))
