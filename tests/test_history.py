"""Run history: every tco run recorded, two at once included; history lists; diff explains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tco.diff import diff
from tco.history import HistoryError, list_runs, load

ROOT = Path(__file__).resolve().parent.parent
STARTUP = ROOT / "scenarios" / "startup.yaml"


def _run(scenario: Path, out: Path, history: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tco", "run", str(scenario), "--out", str(out),
                             "--no-analysis", "--history", str(history)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two `tco run` started at the same moment on one history: a base and a what-if."""
    d = tmp_path_factory.mktemp("hist")
    slower = d / "slower.yaml"
    slower.write_text(f"extends: {STARTUP}\nname: Start-up, slower growth\n"
                      "workloads:\n  - name: support-bot\n    growth_per_year: 0.5\n")
    history = d / "history.duckdb"
    procs = [_run(STARTUP, d / "a", history), _run(slower, d / "b", history)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "Recorded as run" in out
    return history


def test_concurrent_runs_are_both_recorded_whole(two_runs):
    runs = list_runs(two_runs)
    assert sorted(runs["scenario"]) == ["Start-up support bot", "Start-up, slower growth"]
    con = duckdb.connect(str(two_runs), read_only=True)
    try:
        for rid in runs["run_id"]:
            npv = con.execute("SELECT npv_usd FROM runs WHERE run_id = ?", [rid]).fetchone()[0]
            costs = con.execute("SELECT sum(npv_usd) FROM run_costs WHERE run_id = ?",
                                [rid]).fetchone()[0]
            assert costs == pytest.approx(npv, rel=1e-9)
            assert con.execute("SELECT count(*) FROM run_files WHERE run_id = ?",
                               [rid]).fetchone()[0] >= 2  # the scenario and base.yaml
    finally:
        con.close()


def test_diff_names_the_changed_input_and_decomposes_the_npv(two_runs):
    runs = list_runs(two_runs).set_index("scenario")
    a = load(two_runs, runs.loc["Start-up support bot", "run_id"])
    b = load(two_runs, runs.loc["Start-up, slower growth", "run_id"][:20])  # a prefix works
    d = diff(a, b)
    fields = dict(zip(d.inputs["field"], zip(d.inputs["a"], d.inputs["b"])))
    assert fields["workloads[support-bot].growth_per_year"] == (1.5, 0.5)
    assert fields["name"] == ("Start-up support bot", "Start-up, slower growth")
    assert len(fields) == 2  # nothing else changed
    assert d.npv_b < d.npv_a  # less traffic, less spend
    for table in (d.by_category, d.by_workload):
        assert table["change"].sum() == pytest.approx(d.npv_b - d.npv_a, rel=1e-9)
    assert set(d.by_workload["workload"]) <= {"support-bot", "(unattributed)"}


def test_unknown_run_and_missing_history_are_clear(two_runs, tmp_path):
    with pytest.raises(HistoryError, match="no run 'nope'"):
        load(two_runs, "nope")
    with pytest.raises(HistoryError, match="no run history yet"):
        list_runs(tmp_path / "none.duckdb")
    r = subprocess.run([sys.executable, "-m", "tco", "diff", "latest", "nope", "--history",
                        str(two_runs)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "no run 'nope'" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "tco", "history", "--history", str(two_runs)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "2 runs" in r.stdout


def test_no_history_records_nothing(tmp_path):
    history = tmp_path / "h.duckdb"
    r = subprocess.run([sys.executable, "-m", "tco", "run", str(STARTUP), "--out",
                        str(tmp_path / "out"), "--no-analysis", "--no-history", "--history",
                        str(history)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Recorded as run" not in r.stdout and not history.exists()


def test_default_history_is_beside_the_output_folder(tmp_path):
    """Without --history a run is kept beside its --out folder (reports/history.duckdb for the
    default reports/<scenario>), never in a reports/ folder of wherever tco was started."""
    from tco.history import DEFAULT, history_beside

    assert history_beside(Path("reports") / "startup") == DEFAULT
    assert history_beside(tmp_path / "plans" / "q1") == tmp_path / "plans" / "history.duckdb"
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    plan = ROOT / "tests" / "fixtures" / "quarterly" / "plan.yaml"
    r = subprocess.run([sys.executable, "-m", "tco", "run", str(plan), "--out",
                        str(tmp_path / "plans" / "q1"), "--no-analysis"],
                       capture_output=True, text=True, cwd=elsewhere, timeout=600)
    assert r.returncode == 0, r.stderr
    assert len(list_runs(tmp_path / "plans" / "history.duckdb")) == 1
    assert not (elsewhere / "reports").exists()
