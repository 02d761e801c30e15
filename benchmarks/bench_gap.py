"""Gap versus time of the planning MILP on a generated portfolio, read from HiGHS's own log.

    .venv/bin/python benchmarks/bench_gap.py --workloads 100 [--seed 0] [--gap 0.001]
        [--time-limit 120] [--catalog auto|shipped|plain] [--no-merge] [--log FILE]

Builds the model exactly as `tco.pipeline.plan` does (workloads identical for the model
merged), hands it to HiGHS and solves it with `tco.model.solve.solve_live` (the same call the
pipeline makes, MIP start included), with HiGHS's log written to a file. The log's
branch-and-bound lines (time, best bound, best solution, gap) are parsed and printed, then the
first time each gap threshold was reached, so one change can be compared against the last on
the measure that matters: time to a proven small gap.

Also prints the root LP bound (HiGHS's first finite dual bound in the log) against the plan's
objective: a tighter formulation shows here first.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import portfolio  # noqa: E402

from tco.aggregate import merge_identical  # noqa: E402
from tco.model import build_model  # noqa: E402
from tco.model.build import model_size  # noqa: E402
from tco.model.data import model_data_for  # noqa: E402
from tco.model.solve import handover  # noqa: E402

try:
    from tco.model.solve import solve_live
except ImportError:  # code before issue 16: no MIP start
    from tco.model.solve import load_values, run_highs

    def solve_live(built, hm, settings):
        out = run_highs(hm, settings)
        if out.pop("has"):
            load_values(hm)
        return out

THRESHOLDS = (0.05, 0.01, 0.005, 0.001, 0.0001)
# A B&B line: [source letter] nodes queue leaves explored% bound solution gap ... time.
_NUM = r"(-?inf|-?[0-9.]+(?:e[+-]?[0-9]+)?)"
_LINE = re.compile(r"^\s*([A-Za-z]?)\s+\d+\s+\d+\s+\d+\s+[0-9.]+%\s+" + _NUM + r"\s+" + _NUM
                   + r"\s+(Large|[0-9.]+%|inf)\s.*?\s([0-9.]+)s\s*$")


def parse_log(text: str) -> list[tuple[float, float, float, float | None, str]]:
    """(seconds, best bound, best solution, gap or None, source) per branch-and-bound line of
    the first MIP run in the log: the full model's. Runs after it (the rounding's small MIPs,
    when HiGHS stops short of the gap) log bounds of their own restricted models and restart
    the clock; the rounding's outcome is read from the solve's result instead."""
    out = []
    first_run = text.split("Solving report", 1)[0]
    for line in first_run.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        src, bound, sol, gap, secs = m.groups()
        g = None if gap in ("Large", "inf") else float(gap.rstrip("%")) / 100
        out.append((float(secs), float(bound), float(sol), g, src))
    return out


def first_below(rows, threshold: float) -> float | None:
    """First time the logged gap was at or below `threshold`."""
    for secs, _, _, gap, _ in rows:
        if gap is not None and gap <= threshold:
            return secs
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap", type=float, default=0.001, help="HiGHS relative MIP gap target")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--catalog", default="auto", choices=["auto", "shipped", "plain"])
    ap.add_argument("--no-merge", action="store_true")
    ap.add_argument("--log", help="keep HiGHS's log in this file")
    ap.add_argument("--all-lines", action="store_true", help="print every B&B line")
    a = ap.parse_args()

    print(f"portfolio {a.workloads} workloads, seed {a.seed}, catalog {a.catalog}, gap target "
          f"{a.gap}, time limit {a.time_limit:g} s; {platform.node()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    t0 = time.perf_counter()
    s, r = portfolio(a.workloads, a.seed, a.catalog, a.gap, a.time_limit)
    if not a.no_merge:
        s = merge_identical(s)[0]
    data = model_data_for(s, r)
    built = build_model(data)
    size = model_size(built)
    hm = handover(built, s.solver)
    built.solver = hm
    t_build = time.perf_counter() - t0
    print(f"model {size}; load -> hand-over {t_build:.2f} s", flush=True)
    log = a.log or os.path.join(tempfile.mkdtemp(), "highs.log")
    h = hm.highs
    h.setOptionValue("log_file", log)
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    t = time.perf_counter()
    res = solve_live(built, hm, s.solver)
    wall = time.perf_counter() - t
    text = Path(log).read_text()
    rows = parse_log(text)
    print(f"status {res['status']}, objective {res['objective']:,.2f}, bound "
          f"{res['bound']:,.2f}, gap {res['gap']:.4%}; solve wall {wall:.2f} s")
    bounds = [b for _, b, _, _, _ in rows if b > -1e300 and b == b]
    if bounds and res["objective"]:
        root = bounds[0]
        print(f"first logged dual bound {root:,.2f} = objective x {root / res['objective']:.5f}"
              f" (gap {(res['objective'] - root) / res['objective']:.3%})")
    shown = rows if a.all_lines else _thin(rows)
    print(f"{'time s':>8} {'bound':>16} {'incumbent':>16} {'gap':>9} src")
    for secs, bound, sol, gap, src in shown:
        g = "-" if gap is None else f"{gap:.3%}"
        print(f"{secs:8.1f} {bound:16,.2f} {sol:16,.2f} {g:>9} {src}")
    if rows and res["gap"] is not None and (rows[-1][3] is None or res["gap"] < rows[-1][3]):
        # the rounding (tco.model.bracket) improved on HiGHS's last logged line
        rows.append((wall, res["bound"], res["objective"], res["gap"], "rounding"))
        print(f"{wall:8.1f} {res['bound']:16,.2f} {res['objective']:16,.2f} "
              f"{res['gap']:9.3%} rounding (after HiGHS's time limit; wall time of the solve)")
    print("time to gap: " + ", ".join(
        f"{th:.2%} {'-' if first_below(rows, th) is None else f'{first_below(rows, th):.1f} s'}"
        for th in THRESHOLDS))


def _thin(rows):
    """The lines where the gap changed, at most ~30."""
    out, last = [], object()
    for r in rows:
        if r[3] != last:
            out.append(r)
            last = r[3]
    if len(out) > 30:
        step = len(out) / 30
        out = [out[int(i * step)] for i in range(30)] + [out[-1]]
    return out


if __name__ == "__main__":
    main()
