"""Benchmark re-solving at other demand scales (break-even, sweeps) against HiGHS's own re-solve.

    .venv/bin/python benchmarks/bench_resolve.py --workloads 1000 [--scales 0.5,0.8,1.2,2]

For each scale: `Replanner.npv_at(k)` wall time (update the live model + run) next to HiGHS's
own `run()` time inside it; the overhead is their difference over the run time (target
<= 20%). Also the time a rebuild from the scenario would take (options + build + hand-over),
measured once, which the Replanner avoids.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import portfolio  # noqa: E402

from tco.model.resolve import Replanner  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap", type=float, default=0.05)
    ap.add_argument("--catalog", default="auto", choices=["auto", "shipped", "plain"])
    ap.add_argument("--scales", default="0.5,0.8,1.25,2.0")
    a = ap.parse_args()
    s, r = portfolio(a.workloads, a.seed, a.catalog, a.gap)
    t = time.perf_counter()
    rp = Replanner.for_scenario(s, r)
    print(f"{a.workloads} workloads: build + hand-over once {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    npv = rp.npv_at(1.0)
    print(f"  scale 1.00: npv {npv:,.2f}  first solve {time.perf_counter() - t:.2f} s")
    tot_wall = tot_run = 0.0
    for k in map(float, a.scales.split(",")):
        t = time.perf_counter()
        npv = rp.npv_at(k)
        wall = time.perf_counter() - t
        run = rp.last_run_seconds
        tot_wall, tot_run = tot_wall + wall, tot_run + run
        print(f"  scale {k:.2f}: npv {npv:,.2f}  npv_at {wall:.3f} s, HiGHS run {run:.3f} s, "
              f"overhead {(wall - run) / run:.1%}")
    print(f"  all re-solves: npv_at {tot_wall:.2f} s, HiGHS run {tot_run:.2f} s, overhead "
          f"{(tot_wall - tot_run) / tot_run:.1%}")


if __name__ == "__main__":
    main()
