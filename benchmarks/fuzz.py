"""Fuzz tco's input handling at scale: N mutated examples, then the edge cases.

    .venv/bin/python benchmarks/fuzz.py                 # 10,000 mutants (the recorded run)
    .venv/bin/python benchmarks/fuzz.py -n 500 --seed 7

Mutants: the property test's strategy (tests/test_hostile_yaml.py: drop, replace, nest, alias or
rename one node of an example scenario, plus unicode, alias bombs, tabs or raw YAML spliced in)
over every example in scenarios/, each run through all of `tco validate` (load, checks, catalog
resolution). Edge cases: scenarios at the limits a user may reach (unicode names, 1e15 requests
a month, zero tokens, 1,000 workloads, 120 monthly periods), each planned as `tco run
--no-analysis` does, reports written into a temporary folder.

Each example is counted as accepted (a valid scenario; for edge cases a plan or tco's "no
feasible plan"), refused (tco's located ScenarioError), traceback (any other exception: a bug)
or hang (over --hang seconds). Tracebacks are printed with the input that caused them.
"""

from __future__ import annotations

import argparse
import copy
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_hostile_yaml import SPLICES, WEIRD, apply, paths_in  # noqa: E402

from tco.errors import InfeasibleError, ScenarioError  # noqa: E402
from tco.pipeline import plan, prepare  # noqa: E402

SCENARIOS = ROOT / "scenarios"
EXAMPLES = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


class Hang(Exception):
    """Raised by the alarm: the example ran past the hard limit."""


def _alarm(signum, frame):
    raise Hang()


def classify(job, hang_s: float) -> tuple[str, str]:
    """Run `job()`; its outcome and, for a traceback, the traceback text.

    A hang is over `hang_s` seconds of wall time; its detail gives the CPU seconds too, since
    on a shared machine wall time alone cannot tell a slow input from a busy machine.
    """
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(max(hang_s * 6, 30)))  # a hard stop for a true infinite loop
    start, cpu = time.perf_counter(), time.process_time()
    try:
        job()
        outcome, detail = "accepted", ""
    except ScenarioError as e:
        ok = e.problems and all(p.message and str(p) for p in e.problems)
        outcome, detail = ("refused", str(e)) if ok else ("traceback", f"empty problem: {e!r}")
    except InfeasibleError:
        outcome, detail = "accepted", ""
    except Hang:
        outcome, detail = "hang", ""
    except Exception:  # anything else is a bug in tco: counted and shown
        outcome, detail = "traceback", traceback.format_exc()
    finally:
        signal.alarm(0)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if outcome == "hang" or wall > hang_s:
        outcome, detail = "hang", f"wall {wall:.1f} s, cpu {cpu:.1f} s ({outcome}) {detail}"
    return outcome, detail


def mutant_text(example: str, pick: int, action: str, value, extra: str,
                splice: tuple[int, str]) -> str:
    """The property test's mutation of one example, as YAML text."""
    data = yaml.safe_load((SCENARIOS / f"{example}.yaml").read_text())
    paths = paths_in(data)
    data = apply(copy.deepcopy(data), paths[pick % len(paths)], action, value)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    if extra == "unicode":
        text = "# \u00e9\u4e2d\U0001f600\n" + text.replace("chat", "ch\u00e2t", 1)
    elif extra == "bomb":
        text += "".join(f"z{i}: &z{i} [{', '.join([f'*z{i - 1}'] * 9) if i else 'x'}]\n"
                        for i in range(9))
    elif extra == "tab":
        text = text.replace("  ", "\t", 1)
    elif extra == "splice":
        at = splice[0] % (len(text) + 1)
        text = text[:at] + splice[1] + text[at:]
    return text


def run_mutants(n: int, seed: int, workdir: Path, hang_s: float, counts: Counter,
                failures: list) -> None:
    # Warm up first: the first prepare() of a process loads genai-prices' snapshot and the
    # catalogs (0.3 s of CPU, several seconds of wall time on a loaded machine), which the
    # recorded 10,000-example run counted as a "hang" of its first example.
    prepare(SCENARIOS / "startup.yaml")
    progress = {"done": 0, "t0": time.perf_counter()}

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(example=st.sampled_from(EXAMPLES), pick=st.integers(min_value=0),
           action=st.sampled_from(["drop", "replace", "replace", "nest", "alias", "rename"]),
           value=WEIRD, extra=st.sampled_from(["", "", "unicode", "bomb", "tab", "splice"]),
           splice=st.tuples(st.integers(min_value=0), st.sampled_from(SPLICES)))
    def one(example, pick, action, value, extra, splice):
        text = mutant_text(example, pick, action, value, extra, splice)
        target = workdir / f"mutant-{example}.yaml"
        target.write_text(text, encoding="utf-8")
        outcome, detail = classify(lambda: prepare(target), hang_s)
        counts[outcome] += 1
        if outcome in ("traceback", "hang"):
            failures.append((outcome, f"{example} {action} {extra}", text[:2000], detail))
            print(f"  {outcome}: {example} {action} {extra}\n{detail}", flush=True)
        progress["done"] += 1
        if progress["done"] % 500 == 0:
            rate = progress["done"] / (time.perf_counter() - progress["t0"])
            print(f"  {progress['done']} mutants, {rate:.1f}/s: {dict(counts)}", flush=True)

    hypothesis_seed(seed)(one)()


def edge_cases() -> dict[str, str]:
    """Scenarios at the limits, as YAML text extending base.yaml."""
    start = yaml.safe_load((SCENARIOS / "startup.yaml").read_text())
    wl = start["workloads"][0]

    def doc(**changes) -> str:
        d = copy.deepcopy(start)
        d.update(changes)
        return yaml.safe_dump(d, allow_unicode=True, sort_keys=False, width=1000)

    def workloads(n: int, **over) -> list[dict]:
        return [{**wl, "name": f"w{i:04d}", **over,
                 "requests_per_month": wl["requests_per_month"] * (1 + i % 7)} for i in range(n)]

    return {
        "unicode names": doc(name="Sant\u00e9 \u4e2d\u6587 \U0001f600 \u202eRTL",
                             workloads=[{**wl, "name": "\u652f\u6301-\u00e9\u00e8-\U0001f916"},
                                        {**wl, "name": "\u0645\u0631\u062d\u0628\u0627 chat"}]),
        "1e15 requests a month": doc(workloads=[{**wl, "requests_per_month": 1e15}],
                                     constraints={}),
        "zero tokens": doc(workloads=[{**wl, "input_tokens": 0, "output_tokens": 0}]),
        "zero input tokens": doc(workloads=[{**wl, "input_tokens": 0}]),
        "zero requests": doc(workloads=[{**wl, "requests_per_month": 0}]),
        "1,000 workloads": doc(workloads=workloads(1000), constraints={}),
        "120 monthly periods": doc(horizon={"start": "2027-01", "periods": 120,
                                            "period": "month"}, constraints={}),
    }


def run_edge_cases(workdir: Path, hang_s: float, counts: Counter, failures: list,
                   times: dict, only: str | None = None) -> None:
    from tco.report import write_report_set
    from tco.run import RunResult

    for label, text in edge_cases().items():
        if only is not None and only not in label:
            continue
        target = workdir / "edge.yaml"
        target.write_text(text, encoding="utf-8")

        def job():
            p = prepare(target)
            sol = plan(p.scenario, p.resolved)
            with tempfile.TemporaryDirectory() as out:
                write_report_set(RunResult(p.scenario, p.resolved, sol, p.files), out)

        t0 = time.perf_counter()
        outcome, detail = classify(job, hang_s)
        times[label] = (outcome, time.perf_counter() - t0, detail.splitlines()[:3])
        counts[outcome] += 1
        if outcome in ("traceback", "hang"):
            failures.append((outcome, label, text[:2000], detail))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000, help="mutated examples (default 10,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default=None,
                    help="run only the edge cases whose label has this ('none': no edge case)")
    ap.add_argument("--hang", type=float, default=5.0, help="seconds that count as a hang")
    ap.add_argument("--edge-hang", type=float, default=60.0,
                    help="seconds that count as a hang for an edge case (it is planned too)")
    args = ap.parse_args()
    mutants, edges, failures, times = Counter(), Counter(), [], {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "base.yaml").write_text((SCENARIOS / "base.yaml").read_text())  # extended
        if args.n:
            run_mutants(args.n, args.seed, Path(tmp), args.hang, mutants, failures)
        if args.only != "none":
            run_edge_cases(Path(tmp), args.edge_hang, edges, failures, times, args.only)
        for label, (outcome, s, said) in times.items():
            print(f"edge case {label}: {outcome} in {s:.1f} s", flush=True)
            if outcome == "refused":
                print("    " + "\n    ".join(said))
    for outcome, label, text, detail in failures:
        print(f"\n=== {outcome}: {label}\n{detail}\n--- input (first 2,000 chars)\n{text}")
    total = time.perf_counter() - t0
    keys = ("accepted", "refused", "traceback", "hang")
    print(f"\nmutants ({sum(mutants.values())}, {len(EXAMPLES)} examples): "
          + ", ".join(f"{k} {mutants[k]}" for k in keys))
    print(f"edge cases ({sum(edges.values())}): " + ", ".join(f"{k} {edges[k]}" for k in keys))
    print(f"{total:.0f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
