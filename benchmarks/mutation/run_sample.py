"""Run a sample of mutmut's mutants against each family's own tests (the `model` scope).

    cd /tmp/mut-model && nice -n 19 /path/to/.venv-mutmut/bin/mutmut run "tco.model.escalation*"
    cd mutants && nice -n 19 /path/to/.venv-mutmut/bin/python \
        /path/to/benchmarks/mutation/run_sample.py --rate 0.04 --min 6 --seed 2026 OUT.jsonl

mutmut (3.8.1) generates the mutants and records which tests reach each function; its own
runner then runs every such test against a surviving mutant. Every solve reaches build, data,
terms and every family's `add`, so on a shared 2-core machine a survivor there costs the whole
engine selection (~55 s CPU, minutes at nice 19): 152 mutants took 14 minutes. This driver
runs each sampled mutant only against the tests of its family's own files (FAMILY_TESTS) that
mutmut saw reach the mutated function, fastest first, stopping at the first failure: the same
trampoline (MUTANT_UNDER_TEST), a process forked per mutant from one that has imported the
tests. A survivor here may still die to another family's test; the score is against the
family's own tests. Results are appended one JSON line per mutant, so a run can be stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

# Per module of tco/model: the test files that check its numbers by hand.
FAMILY_TESTS = {
    "api_operations": ["test_cost_lines", "test_unit_cost_attribution"],
    "bracket": ["test_scale_replanner", "test_breakeven", "test_strategies"],
    "build": ["test_engine_costs", "test_formulation"],
    "capacity": ["test_engine_costs"],
    "data": ["test_engine_costs", "test_lead_times", "test_end_of_horizon", "test_resale"],
    "demand_rows": ["test_engine_costs", "test_cash_and_quality"],
    "escalation": ["test_escalation", "test_engine_costs"],
    "explain": ["test_engine_costs", "test_aggregate", "test_strategies"],
    "explain_reasons": ["test_engine_costs", "test_aggregate", "test_strategies"],
    "extensive": ["test_robust"],
    "fine_tuning": ["test_fine_tune_adoption", "test_engine_costs"],
    "gpu_overheads": ["test_cost_lines"],
    "hiring": ["test_lead_times", "test_engine_costs"],
    "lazy": ["test_scale_replanner", "test_switching", "test_engine_costs"],
    "levers": ["test_levers"],
    "policy": ["test_engine_costs", "test_tariffs", "test_cash_and_quality"],
    "procurement": ["test_engine_costs", "test_lead_times", "test_end_of_horizon", "test_resale"],
    "resolve": ["test_scale_replanner", "test_breakeven", "test_strategies"],
    "solve": ["test_engine_costs", "test_formulation"],
    "sprawl": ["test_engine_costs", "test_switching", "test_scale_replanner"],
    "staffing": ["test_engine_costs", "test_lead_times"],
    "switching": ["test_switching", "test_unit_cost_attribution"],
    "tariffs": ["test_tariffs"],
    "terms": ["test_engine_costs", "test_cash_and_quality"],
}


def sample(rate: float, least: int, seed: int, modules: list[str]) -> list[str]:
    """A uniform random sample of each module's mutants (at least `least`, all if fewer)."""
    out = []
    for mod in modules:
        meta = json.loads(Path(f"tco/model/{mod}.py.meta").read_text())
        names = sorted(meta["exit_code_by_key"])
        k = min(len(names), max(least, round(rate * len(names))))
        out += sorted(random.Random(f"{seed}:{mod}").sample(names, k))
    return out


def tests_for(name: str, stats: dict) -> list[str]:
    mod = name.split(".")[2]
    func = name.rsplit("__mutmut_", 1)[0]
    files = tuple(f"tests/{f}.py::" for f in FAMILY_TESTS[mod])
    reach = stats["tests_by_mangled_function_name"].get(func, [])
    own = [t for t in reach if t.startswith(files)]
    return sorted(own, key=lambda t: stats["duration_by_test"].get(t, 0.0))


def run_one(name: str, tests: list[str], timeout: float) -> tuple[str, float]:
    import pytest
    from mutmut.mutation.trampoline import set_mutant_under_test

    start = time.time()
    pid = os.fork()
    if pid == 0:
        set_mutant_under_test(name)
        sys.stdout = sys.stderr = open(os.devnull, "w")
        code = pytest.main(["--rootdir=.", "-x", "-q", "-p", "no:cacheprovider",
                            "-p", "no:randomly", *tests])
        os._exit(int(code))
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            verdict = {0: "survived", 1: "killed"}.get(code, f"error {code}")
            return verdict, time.time() - start
        if time.time() - start > timeout:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout", time.time() - start
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rate", type=float, default=0.04)
    ap.add_argument("--min", type=int, default=6)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--modules", default=",".join(FAMILY_TESTS))
    ap.add_argument("--names", help="a file of mutant names to run instead of a sample")
    ap.add_argument("--skip", help="a file of mutant names already checked")
    ap.add_argument("--part", default="0/1", help="i/n: run names i, i+n, ... (n drivers)")
    ap.add_argument("--tests", help="comma-separated test files to run every mutant against "
                                    "instead (e.g. re-running survivors against new tests)")
    args = ap.parse_args()
    sys.path.insert(0, os.getcwd())  # the mutated tco of mutants/, as mutmut's own runner does
    stats = json.loads(Path("mutmut-stats.json").read_text())
    names = (Path(args.names).read_text().split() if args.names
             else sample(args.rate, args.min, args.seed, args.modules.split(",")))
    skip = set(Path(args.skip).read_text().split()) if args.skip else set()
    done = set()
    if Path(args.out).exists():
        done = {json.loads(line)["mutant"] for line in Path(args.out).read_text().splitlines()}
    i, n = map(int, args.part.split("/"))
    todo = [m for m in names[i::n] if m not in skip and m not in done]
    import pytest

    # Import the tests once so that every forked child starts warm.
    given = args.tests.split(",") if args.tests else None
    files = given or sorted({f"tests/{f}.py" for n in todo
                             for f in FAMILY_TESTS[n.split(".")[2]]})
    with open(os.devnull, "w") as null:
        saved, sys.stdout = sys.stdout, null
        pytest.main(["--rootdir=.", "--collect-only", "-q", "-p", "no:cacheprovider", *files])
        sys.stdout = saved
    print(f"{len(todo)} mutants to run ({len(names)} sampled, {len(names) - len(todo)} skipped)",
          flush=True)
    with open(args.out, "a") as out:
        for i, name in enumerate(todo):
            tests = given or tests_for(name, stats)
            if not tests:
                verdict, secs = "no tests", 0.0
            else:
                expected = sum(stats["duration_by_test"].get(t, 1.0 if given is None else 10.0)
                               for t in tests)
                verdict, secs = run_one(name, tests, 60.0 + 20 * expected)
            out.write(json.dumps(dict(mutant=name, verdict=verdict, seconds=round(secs, 1),
                                      tests=len(tests))) + "\n")
            out.flush()
            print(f"{i + 1}/{len(todo)} {verdict:9} {secs:6.1f}s {name}", flush=True)


if __name__ == "__main__":
    main()
