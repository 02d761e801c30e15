"""`tco sensitivity` and `tco montecarlo` end to end through the installed command."""

from __future__ import annotations

import json

import pandas as pd
from test_cli_run import tco

FIXTURE = "tests/fixtures/uncertainty/startup-uncertain.yaml"


def test_montecarlo_writes_draws_and_resumes(tmp_path):
    r = tco("montecarlo", FIXTURE, "--out", str(tmp_path), "-j", "1")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    mc = res["montecarlo"]
    assert mc["draws"] == 3 and mc["seed"] == 5   # uncertainty.draws and .seed
    names = [s["strategy"] for s in mc["strategies"]]
    assert names[-1] == "plan_held_fixed" and "api_only" in names
    first = pd.read_parquet(tmp_path / "draws")
    assert sorted(first["draw"]) == [0, 1, 2]
    r = tco("montecarlo", FIXTURE, "--out", str(tmp_path), "-j", "1", "-n", "4", "--resume")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["montecarlo"]["draws"] == 4 and res["montecarlo"]["resumed"] == 3
    both = pd.read_parquet(tmp_path / "draws").sort_values("draw").reset_index(drop=True)
    pd.testing.assert_frame_equal(both.iloc[:3], first.sort_values("draw").reset_index(
        drop=True))
    assert "CVaR90" in r.stdout


def test_montecarlo_solves_only_the_strategies_named(tmp_path):
    r = tco("montecarlo", FIXTURE, "--out", str(tmp_path), "-j", "1", "-n", "2",
            "--strategies", "api_batch_cache, hybrid")
    assert r.returncode == 0, r.stderr
    names = [s["strategy"] for s in json.loads((tmp_path / "results.json").read_text())[
        "montecarlo"]["strategies"]]
    assert names == ["api_batch_cache", "hybrid", "plan_held_fixed"]
    r = tco("montecarlo", FIXTURE, "--out", str(tmp_path / "x"), "-j", "1", "-n", "2",
            "--strategies", "hybrid,cheapest")
    assert r.returncode == 2
    assert "Traceback" not in r.stdout + r.stderr
    assert "cheapest" in r.stderr and "hybrid" in r.stderr


def test_sensitivity_without_an_uncertainty_section_says_so(tmp_path):
    r = tco("sensitivity", "scenarios/startup.yaml", "--out", str(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stdout + r.stderr
    assert "uncertainty: the scenario has no uncertainty section" in r.stderr


def test_sensitivity_writes_the_tornado(tmp_path):
    r = tco("sensitivity", FIXTURE, "--out", str(tmp_path), "-j", "1")
    assert r.returncode == 0, r.stderr
    sens = json.loads((tmp_path / "results.json").read_text())["sensitivity"]
    assert [b["source"] for b in sens["bars"]][0] == "demand"
    swings = [b["swing_fixed_usd"] for b in sens["bars"]]
    assert swings == sorted(swings, reverse=True)
    assert "demand" in r.stdout


def test_run_robust_adds_the_robust_plan(tmp_path):
    r = tco("run", FIXTURE, "--out", str(tmp_path), "--no-analysis", "--robust", "-j", "1",
            "--no-history")
    assert r.returncode == 0, r.stderr
    rb = json.loads((tmp_path / "results.json").read_text())["robust"]
    assert rb["draws"] == 4 and not rb["enumerated"]        # robust_draws sampled draws
    assert rb["vss_usd"] >= -1e-6 and rb["evpi_usd"] >= -1e-6
    assert len(rb["per_draw"]) == 4
    assert "Value of the stochastic solution" in r.stdout
