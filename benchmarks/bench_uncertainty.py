"""Benchmark the uncertainty commands: sensitivity, Monte Carlo (local and Dask), robust plan.

    .venv/bin/python benchmarks/bench_uncertainty.py scenarios/enterprise-uncertain.yaml \
        [--draws 20] [--robust-draws 5] [--mip-gap 0.005] [--time-limit 60] [--skip ...]

Prints wall time per stage: the recommended plan, `sensitivity` (local pool, CPU count),
`montecarlo` over --draws draws with 1 and 2 local processes (draws per second per core) and
on a Dask LocalCluster with 1 and 2 worker processes (scaling), and the robust plan over
--robust-draws draws (extensive form solve, its gap, and the evaluation of VSS/EVPI).
Draws are written under a temporary folder. Solver settings: --mip-gap and --time-limit
override the scenario's, as the commands' options do.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tco.analysis.points import single_threaded
from tco.pipeline import plan, prepare, with_solver
from tco.uncertainty.evaluate import first_stage_of
from tco.uncertainty.montecarlo import montecarlo
from tco.uncertainty.robust import robust_plan
from tco.uncertainty.sensitivity import sensitivity


def cpu() -> float:
    """CPU seconds used so far by this process and its reaped children (local pool workers,
    a closed LocalCluster's nannies and workers): on a shared machine wall time is mostly
    waiting for a core, CPU seconds are what a run costs."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def cpu_split() -> tuple[float, float]:
    """(this process, its reaped children) CPU seconds so far."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime, b.ru_utime + b.ru_stime


def load() -> str:
    return "load {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--robust-draws", type=int, default=5)
    ap.add_argument("--mip-gap", type=float, default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--strategies", default=None,
                    help="comma list of the strategies the Monte Carlo re-optimises")
    ap.add_argument("--skip", default="", help="comma list of: sensitivity,local,dask,robust")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    p = prepare(a.file)
    p = replace(p, scenario=with_solver(p.scenario, mip_rel_gap=a.mip_gap,
                                        time_limit_s=a.time_limit))
    s, r = p.scenario, p.resolved
    cores = os.cpu_count() or 1
    print(f"{s.name}: {len(s.workloads)} workloads, {cores} cores, load average "
          f"{os.getloadavg()[0]:.1f}, gap {s.solver.mip_rel_gap}, limit {s.solver.time_limit_s}")
    t, c = time.perf_counter(), cpu()
    sol = plan(single_threaded(s), r)
    fs = first_stage_of(sol)
    print(f"plan: {time.perf_counter() - t:.1f} s, CPU {cpu() - c:.1f} s (NPV {sol.npv_usd:,.0f})")
    if "sensitivity" not in skip:
        t, c = time.perf_counter(), cpu()
        sens = sensitivity(s, r, fs, jobs=cores)
        print(f"sensitivity ({len(sens['bars'])} sources, {1 + 2 * len(sens['bars'])} points, "
              f"{cores} processes): {time.perf_counter() - t:.1f} s, CPU {cpu() - c:.1f} s, "
              f"{load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        if "local" not in skip:
            runs += [("local", 1, None), ("local", 2, None)]
        if "dask" not in skip:
            runs += [("dask", 1, 1), ("dask", 2, 2)]
        for kind, jobs, workers in runs:
            cluster = None
            if kind == "dask":
                from distributed import LocalCluster

                cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
            t, c = time.perf_counter(), cpu()
            summary, _ = montecarlo(s, r, fs, a.draws, Path(tmp) / f"{kind}{jobs}",
                                    jobs=jobs, scheduler=cluster,
                                    strategies=a.strategies.split(",") if a.strategies
                                    else None)
            dt = time.perf_counter() - t
            if cluster is not None:
                cluster.close()
            used = cpu() - c
            print(f"montecarlo {a.draws} draws, {kind} x{jobs}: {dt:.1f} s = "
                  f"{a.draws / dt:.3f} draws/s = {a.draws / dt / jobs:.3f} draws/s/worker; "
                  f"CPU {used:.1f} s = {a.draws / used:.3f} draws per CPU second "
                  f"(this process and its workers, Dask's counted once the cluster is closed:"
                  f" its start-up, scheduling and shut-down included), {load()}", flush=True)
    if "robust" not in skip:
        s2 = s.model_copy(update={"uncertainty": s.uncertainty.model_copy(
            update={"robust_draws": a.robust_draws})})
        t, c, (c_self, c_kids) = time.perf_counter(), cpu(), cpu_split()
        rb = robust_plan(s2, r, fs, jobs=cores)
        d_self, d_kids = (x - y for x, y in zip(cpu_split(), (c_self, c_kids)))
        sv = rb["solver"]
        gap = f"{sv['gap']:.3%}" if sv["gap"] is not None else "-"
        print(f"robust over {rb['draws']} draws: {time.perf_counter() - t:.1f} s (build "
              f"{sv['build_seconds']:.1f} s, extensive form {sv['status']} in "
              f"{sv['seconds']:.1f} s, gap {gap}, evaluation {rb['evaluate_seconds']:.1f} s); "
              f"VSS {rb['vss_usd']:,.0f}, EVPI {rb['evpi_usd']:,.0f}; CPU {cpu() - c:.1f} s "
              f"(extensive form, this process: {d_self:.1f} s; evaluation, {cores} worker "
              f"processes: {d_kids:.1f} s), {load()}")


if __name__ == "__main__":
    main()
