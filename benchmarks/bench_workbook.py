"""Benchmark: write plan.xlsx for a 1,000-workload x 12-quarter plan and recalculate it.

The plan is synthetic and quick to solve: workloads of varied size, tokens, cache share,
latency and error cost on three APIs (realtime and batch), and one open model on a GPU type
that can be bought, reserved or rented, so the workbook holds every kind of row. Every price
is given here (tests/engine_helpers.resolve_plain): figures do not move with the catalogs.

    .venv/bin/python benchmarks/bench_workbook.py [--workloads 1000] [--periods 12] [--no-lo]

Prints the seconds to build the plan, write the workbook (target < 20 s), evaluate its formulas
in Python (the cached values `tco run` stores) and recalculate it in LibreOffice, and checks
both NPVs against the engine's.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from engine_helpers import api, model, resolve_plain, scenario  # noqa: E402

from tco.pipeline import plan  # noqa: E402
from tco.run import RunResult  # noqa: E402


def synthetic_scenario(n: int, periods: int, seed: int = 7):
    """n workloads over `periods` quarters; deterministic."""
    rng = np.random.default_rng(seed)
    workloads = []
    for i in range(n):
        latency = rng.choice(["interactive", "standard", "batch"], p=[0.5, 0.2, 0.3])
        workloads.append({
            "name": f"w{i:04d}", "task": "chat",
            "requests_per_month": float(round(10 ** rng.uniform(3, 6.5))),
            "growth_per_year": float(rng.choice([0.0, 0.2, 0.6])),
            "input_tokens": float(rng.choice([300, 800, 1500, 4000])),
            "output_tokens": float(rng.choice([50, 150, 400])),
            "cached_input_share": float(rng.choice([0.0, 0.3, 0.6])),
            "latency": str(latency),
            "min_quality": float(rng.choice([60, 75, 85])),
            "error_cost_usd": float(rng.choice([0.0, 0.0, 0.001])),
        })
    apis = [api("acme/large", 3.0, 12.0, cached=0.3, quality=90, batch_discount=0.5,
                price_trend_per_year=-0.2),
            api("acme/mid", 0.8, 3.2, cached=0.2, quality=80, batch_discount=0.5),
            api("acme/small", 0.15, 0.6, cached=0.05, quality=70, batch_discount=0.5)]
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0,
           "reserved_usd_per_hour": {"1y": 2.2, "3y": 1.6}, "max_gpus": 64,
           "purchase": {"price_usd": 30000, "life_years": 4, "power_kw": 1.2,
                        "facility_usd_per_kw_month": 180, "electricity_usd_per_kwh": 0.1,
                        "pue": 1.3}}
    return scenario(
        name="Workbook benchmark portfolio",
        horizon={"start": "2027Q1", "periods": periods, "period": "quarter"},
        finance={"discount_rate": 0.08},
        workloads=workloads, apis=apis,
        open_models=[model("open-m", "g", gpus=2, prefill=2e4, decode=3e3, quality=82)],
        gpus=[gpu],
        staffing={"platform_engineers": 2, "cost_usd_per_year": 250000,
                  "gpus_per_engineer": 32},
        solver={"time_limit_s": 120, "mip_rel_gap": 1e-3})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", type=int, default=1000)
    ap.add_argument("--periods", type=int, default=12)
    ap.add_argument("--no-lo", action="store_true", help="skip the LibreOffice recalculation")
    args = ap.parse_args()

    from tco.report.workbook import write_workbook

    t0 = time.perf_counter()
    s = synthetic_scenario(args.workloads, args.periods)
    r = resolve_plain(s)
    sol = plan(s, r)
    run = RunResult(scenario=s, resolved=r, solution=sol)
    t_plan = time.perf_counter() - t0
    alloc = sol.tables["allocation"]
    print(f"plan: {args.workloads} workloads x {args.periods} periods, {len(alloc)} allocation "
          f"rows, {len(sol.tables['fleet'])} fleet rows, status {sol.result.status}, "
          f"{t_plan:.1f} s")

    with tempfile.TemporaryDirectory(prefix="tco-bench-wb-") as tmp:
        path = Path(tmp) / "plan.xlsx"
        t0 = time.perf_counter()
        write_workbook(run, path)
        t_write = time.perf_counter() - t0
        size = path.stat().st_size / 1e6
        over = "  OVER the 20 s target" if t_write > 20 else ""
        print(f"write: {t_write:.2f} s ({size:.1f} MB){over}")
        from openpyxl import load_workbook

        from tco.report.workbook.formulas import Unsupported, results

        # the cached values `tco run` writes: every formula evaluated in Python
        book = load_workbook(path)
        ((sheet, coord),) = list(book.defined_names["npv_usd"].destinations)
        t0 = time.perf_counter()
        try:
            got = results(book)
            t_py = time.perf_counter() - t0
            npv_py = got[sheet][coord.replace("$", "")]
            print(f"cached values (Python, {sum(map(len, got.values())):,} formulas): "
                  f"{t_py:.1f} s; NPV {npv_py:,.2f} (relative difference to the engine "
                  f"{abs(npv_py / sol.npv_usd - 1):.1e})")
        except Unsupported as e:
            print(f"cached values (Python): not evaluated ({e}); LibreOffice would be asked")
        if args.no_lo:
            return

        from tco.report.workbook.recalc import recalculate, soffice

        if soffice() is None:
            print("recalculate: LibreOffice not installed, skipped")
            return
        t0 = time.perf_counter()
        (out,) = recalculate(path, Path(tmp) / "recalc", timeout_s=1800)
        t_lo = time.perf_counter() - t0
        wb = load_workbook(out, data_only=True, read_only=False)
        ((sheet, coord),) = list(wb.defined_names["npv_usd"].destinations)
        npv = wb[sheet][coord.replace("$", "")].value
        rel = abs(npv / sol.npv_usd - 1)
        print(f"recalculate (LibreOffice, start to saved file): {t_lo:.1f} s; NPV {npv:,.2f} vs "
              f"engine {sol.npv_usd:,.2f} (relative difference {rel:.1e})")
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"python {platform.python_version()}")


if __name__ == "__main__":
    main()
