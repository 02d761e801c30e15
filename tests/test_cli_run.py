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


def test_unservable_workload_exits_1_with_reasons(tmp_path):
    r = tco("run", "tests/fixtures/infeasible/residency_quality.yaml", "--out", str(tmp_path),
            "--no-analysis")
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert "workload 'patient-notes' has no option left" in r.stderr
    assert "api:openai/gpt-4.1: residency: self_hosted only" in r.stderr
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
