"""Benchmark `tco profile` on an OpenAI-style JSONL log: lines per second and peak memory.

    .venv/bin/python benchmarks/bench_profile.py --lines 1000000,10000000 [--gzip] [--threads 2]

Generates each log once into benchmarks/out/ (tco.profile.sample, deterministic; a 10-million
line log is about 2.2 GB plain), then runs `tco profile` on it in a fresh process and reports
wall-clock seconds, CPU seconds (user + system, all threads), lines per second and the peak
resident memory of that process. Memory flat in the file size is the target: compare the
peak across sizes. Target: >= 1 million lines per second on 2 cores from JSONL.

    .venv/bin/python benchmarks/bench_profile.py --lines 10000000 --breakdown

With --breakdown, where the CPU time goes, in this process (CPU seconds, best of two): the
CLI's imports (a fresh interpreter), DuckDB's JSON scan alone (the projected fields summed),
the whole aggregation query tco runs (scan + three grouping sets), and the statistics.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def generate(lines: int, gz: bool) -> Path:
    """The log of about `lines` lines (support-chat example), written once."""
    name = f"profile-{lines}.jsonl" + (".gz" if gz else "")
    path = OUT / name
    if not path.exists():
        from tco.profile.sample import EXAMPLES, MONTHS, write_log

        ex = EXAMPLES[0]
        per_scale = sum(ex.requests_per_month * (1 + ex.growth_per_year) ** (i / 12)
                        for i in range(MONTHS))
        t = time.perf_counter()
        n = write_log(path, ex, seed=0, scale=lines / per_scale)
        print(f"generated {path.name}: {n:,} lines, {path.stat().st_size / 1e9:.2f} GB "
              f"in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def run(path: Path, threads: int | None) -> dict:
    """One `tco profile` in a child process: wall, CPU, peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [sys.executable, "-m", "tco", "profile", str(path)]
    if threads:
        cmd += ["--threads", str(threads)]
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of any child so far (KiB on Linux): runs go from
    # the smallest log up, so each figure is that run's own peak unless an earlier one was
    # larger, which is the flat-memory question itself.
    return {"wall": wall, "cpu": cpu, "rss_mb": after.ru_maxrss / 1024}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def breakdown(path: Path, threads: int | None) -> None:
    """CPU seconds per stage of one profile (see the module docstring)."""
    import duckdb

    from tco.profile.formats import OPENAI
    from tco.profile.read import _query, _source, read_log
    from tco.profile.stats import profile_table

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import tco.cli, duckdb"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"  imports (tco.cli, duckdb)      cpu "
          f"{after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime:6.2f} s")
    src, _ = _source(path, OPENAI, None)
    scan = (f"SELECT sum(created), count(model), sum(usage.prompt_tokens), "
            f"sum(usage.completion_tokens), sum(usage.prompt_tokens_details.cached_tokens) "
            f"FROM {src}")
    for label, sql in (("JSON scan alone", scan),
                       ("scan + grouping sets", _query(path, OPENAI, None))):
        con = duckdb.connect()
        con.execute("SET memory_limit='512MB'")
        con.execute("SET preserve_insertion_order=false")
        con.execute("SET enable_progress_bar=false")
        if threads:
            con.execute(f"SET threads={int(threads)}")
        best = []
        for _ in range(2):
            c, w = _cpu(), time.perf_counter()
            con.sql(sql).fetchall()
            best.append((_cpu() - c, time.perf_counter() - w))
        cpu, wall = min(best)
        print(f"  {label:30s} cpu {cpu:6.2f} s  wall {wall:6.2f} s", flush=True)
        con.close()
    agg = read_log(path, fmt=OPENAI, group=None, threads=threads)
    c = _cpu()
    profile_table([agg], 1.0)
    print(f"  statistics (pandas)            cpu {_cpu() - c:6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="1000000,10000000")
    ap.add_argument("--gzip", action="store_true", help="Gzipped logs instead of plain.")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=2, help="Runs per size; the best is kept.")
    ap.add_argument("--breakdown", action="store_true",
                    help="Also CPU seconds per stage, in this process.")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with open("/proc/loadavg") as f:
        print(f"load average before: {f.read().split()[:3]}")
    for lines in (int(x) for x in a.lines.split(",")):
        path = generate(lines, a.gzip)
        best = min((run(path, a.threads) for _ in range(a.repeat)), key=lambda m: m["wall"])
        print(f"{lines:>12,} lines  {path.stat().st_size / 1e9:5.2f} GB  wall {best['wall']:6.2f} s"
              f"  cpu {best['cpu']:6.2f} s  {lines / best['wall'] / 1e6:5.2f} M lines/s"
              f"  peak RSS {best['rss_mb']:6.0f} MB", flush=True)
        if a.breakdown:
            breakdown(path, a.threads)
    with open("/proc/loadavg") as f:
        print(f"load average after: {f.read().split()[:3]}")


if __name__ == "__main__":
    main()
