"""`tco run` end to end through the installed command: files written, infeasible explained."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TCO = [sys.executable, "-m", "tco"]


def tco(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*TCO, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_run_writes_every_report(tmp_path):
    r = tco("run", "scenarios/startup.yaml", "--out", str(tmp_path), "--no-analysis")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    for name in ("results.json", "plan.xlsx", "report.html", "costs.csv", "allocation.csv",
                 "fleet.csv", "unit_costs.csv"):
        assert (tmp_path / name).is_file(), name
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["solver"]["status"] == "optimal"
    npv = sum(c["usd"] * c["discount_factor"] for c in res["costs"])
    assert abs(npv - res["npv_usd"]) <= 1e-6 * max(1.0, abs(npv))
    assert res["prices_snapshot"]["source"] == "genai-prices"
    assert res["prices_snapshot"]["date"]
    assert "NPV" in r.stdout
    assert not list(tmp_path.glob(".*.tmp")), "temporary files left behind"
    # The workbook's formula cells carry their results (LibreOffice recalculates them when
    # installed, and CI installs it): pandas, which does not calculate, reads the NPV.
    from tco.report.workbook.cached import available

    if available():
        summary = pd.read_excel(tmp_path / "plan.xlsx", sheet_name="Summary", header=None)
        rows = dict(zip(summary[0], summary[1]))
        assert abs(rows["NPV of the plan (USD)"] - res["npv_usd"]) <= 1e-6 * abs(res["npv_usd"])
        costs = pd.read_excel(tmp_path / "plan.xlsx", sheet_name="Costs")
        total = costs.loc[costs["Period"] == "Total", "Total (USD)"].iloc[0]
        usd = sum(c["usd"] for c in res["costs"])
        assert abs(total - usd) <= 1e-6 * max(1.0, abs(usd))


def test_unservable_workload_exits_2_with_reasons(tmp_path):
    # A workload nothing can serve is an input problem, found before any model (issue 18)
    r = tco("run", "tests/fixtures/infeasible/residency_quality.yaml", "--out", str(tmp_path),
            "--no-analysis")
    assert r.returncode == 2
    assert "Traceback" not in r.stdout + r.stderr
    assert "workload 'patient-notes' has no option left" in r.stderr
    # grouped: one line per reason with its count, then what to change (issue 18)
    assert "2 candidates: residency: self_hosted only: api:openai/gpt-4.1" in r.stderr
    assert "residency_quality.yaml:6: workloads[0]:" in r.stderr
    assert "to fix: lower min_quality" in r.stderr
    assert "quality: 66 below the minimum 85" in r.stderr
    assert not (tmp_path / "results.json").exists()


def test_budget_cap_exits_1_with_the_shortfall(tmp_path):
    r = tco("run", "tests/fixtures/infeasible/budget.yaml", "--out", str(tmp_path),
            "--no-analysis")
    assert r.returncode == 1
    assert "budget_usd_per_period 8,000 cannot hold in 2027Q1" in r.stderr
    assert "over by 400 USD" in r.stderr


def test_bad_command_line_solver_exits_2():
    r = tco("run", "scenarios/startup.yaml", "--no-analysis", "--solver", "nope")
    assert r.returncode == 2
    assert "solver.name" in r.stderr and "Traceback" not in r.stderr


def test_reports_are_readable_by_others(tmp_path):
    import os
    import stat

    from tco.report.atomic import write_text_atomic

    old = os.umask(0o022)
    try:
        p = write_text_atomic(tmp_path / "r.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_no_solver_banner_in_piped_output(tmp_path):
    r = tco("run", "scenarios/startup.yaml", "--out", str(tmp_path), "--no-analysis")
    assert r.returncode == 0, r.stderr  # a crash prints no banner either
    assert "Running HiGHS" not in r.stdout + r.stderr and "NPV" in r.stdout


def test_time_limit_returns_the_best_plan_and_says_so(tmp_path):
    # A 30-workload portfolio cannot be proven optimal to 1e-6 within 2 s (HiGHS needs minutes),
    # but has a plan long before: the plan comes back marked, not as optimal.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from io import StringIO

    from portfolio import portfolio
    from rich.console import Console

    from tco.pipeline import plan
    from tco.report.summary import print_summary
    from tco.run import RunResult

    s, resolved = portfolio(30, seed=1, catalog="plain", mip_rel_gap=1e-6, time_limit_s=2.0)
    sol = plan(s, resolved)
    assert sol.result.status == "time_limit"
    assert sol.result.gap > 1e-6
    out = StringIO()
    print_summary(Console(file=out, width=200), RunResult(s, resolved, sol))
    assert "NOT PROVEN OPTIMAL" in out.getvalue()


def test_plan_table_at_80_columns_folds_option_names_and_keeps_the_gpu():
    # The first-hour user saw "self:gpt-oss-120b@a100-8…" at 80 columns: the GPU was cut off.
    # A long self-hosted option name must wrap, never be cut, so the GPU stays on screen.
    sys.path.insert(0, str(ROOT / "tests"))
    from io import StringIO

    from engine_helpers import model, resolve_plain, scenario, workload
    from rich.console import Console

    from tco.pipeline import plan
    from tco.report.summary import print_summary
    from tco.run import RunResult

    gpu = "accelerator-with-a-very-long-name-80gb"
    s = scenario(workloads=[workload("a-workload-with-a-long-name", rpm=1e8)],
                 gpus=[{"name": gpu, "on_demand_usd_per_hour": 1.0}],
                 open_models=[model("an-open-model-with-a-long-name", gpu=gpu)])
    resolved = resolve_plain(s)
    sol = plan(s, resolved)
    out = StringIO()
    print_summary(Console(file=out, width=80), RunResult(s, resolved, sol))
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text
    # Folded cells: the name's pieces sit on consecutive lines of the same column; joined,
    # the option names the GPU.
    joined = "".join(part.strip() for line in text.splitlines() for part in line.split("│")[2:3])
    assert f"@{gpu}" in joined
