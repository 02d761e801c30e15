"""Run history: every `tco run` kept in an embedded DuckDB file (default: history.duckdb beside
the output folder, so reports/history.duckdb for the default reports/<scenario>).

Tables (one row per run in `runs`, the others keyed by run_id):
- runs: run_id, started (UTC), tco_version, scenario, main_file, inputs_sha256 (of every
  scenario file read, in order), prices_snapshot (JSON), npv_usd, committed_npv_usd, status,
  out_dir, scenario_json (the validated scenario after `extends:`), results_json (everything
  results.json holds), assets_json (prices the plan was solved with: tco.orders.assets_of).
- run_files: run_id, path, sha256, content: each scenario file as read.
- run_costs: run_id, period, t, category, usd, npv_usd: the plan's costs table.
- run_workloads: run_id, workload, npv_usd, requests, tokens: the unit-cost table.

DuckDB lets one process at a time open a file for writing, so every access takes an exclusive
lock on `<file>.lock` first (flock; a second `tco run` waits for the first's few milliseconds
of writing) and each record is one transaction: a run is in the history whole or not at all.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from tco.errors import TcoError

DEFAULT = Path("reports") / "history.duckdb"
"""Where tco history, diff, review and roll look without --history: beside the default output
folder of tco run (reports/<scenario>)."""


def history_beside(out: Path) -> Path:
    """tco run's history without --history: history.duckdb beside its output folder.

    With the default --out (reports/<scenario>) that is DEFAULT; with --out elsewhere the
    history goes with the reports rather than into a reports/ folder of the current directory.
    """
    out = Path(out)
    parent = out.parent if out.name not in ("", ".", "..") else out.resolve().parent
    return parent / "history.duckdb"
LOCK_WAIT_S = 120.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY, started TIMESTAMP, tco_version VARCHAR, scenario VARCHAR,
  main_file VARCHAR, inputs_sha256 VARCHAR, prices_snapshot VARCHAR, npv_usd DOUBLE,
  committed_npv_usd DOUBLE, status VARCHAR, out_dir VARCHAR, scenario_json VARCHAR,
  results_json VARCHAR, assets_json VARCHAR);
CREATE TABLE IF NOT EXISTS run_files (
  run_id VARCHAR, path VARCHAR, sha256 VARCHAR, content VARCHAR);
CREATE TABLE IF NOT EXISTS run_costs (
  run_id VARCHAR, period VARCHAR, t INTEGER, category VARCHAR, usd DOUBLE, npv_usd DOUBLE);
CREATE TABLE IF NOT EXISTS run_workloads (
  run_id VARCHAR, workload VARCHAR, npv_usd DOUBLE, requests DOUBLE, tokens DOUBLE);
"""


class HistoryError(TcoError):
    """The history cannot be read or has no such run."""

    exit_code = 2


@contextmanager
def connect(path: Path, wait_s: float = LOCK_WAIT_S) -> Iterator:
    """A DuckDB connection to the history, held under an exclusive file lock."""
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HistoryError(f"{path}: still in use by another tco after "
                                       f"{wait_s:.0f} s (remove {lock.name} if no tco runs)")
                time.sleep(0.05)
        try:
            try:
                con = duckdb.connect(str(path))
            except duckdb.Error as e:
                raise HistoryError(f"{path}: not a tco history ({str(e).splitlines()[0]})") \
                    from None
            try:
                con.execute(SCHEMA)
                yield con
            finally:
                con.close()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(run, path: Path, out_dir: Path | None = None) -> str:
    """Keep a finished run in the history; returns its run id."""
    from tco import __version__
    from tco.orders import assets_of
    from tco.report.results_json import results_dict

    sol = run.solution
    files = []
    for f in run.files:
        data = Path(f).read_bytes()
        files.append((str(f), _sha(data), data.decode("utf-8", errors="replace")))
    inputs = _sha("".join(sha for _, sha, _ in files).encode())
    results = results_dict(run)
    row = (run.run_id, datetime.now(UTC).replace(tzinfo=None), __version__, run.scenario.name,
           files[0][0] if files else "", inputs, json.dumps(results.get("prices_snapshot", {})),
           float(sol.npv_usd), float(results["committed_npv_usd"]), sol.result.status,
           str(out_dir) if out_dir else None,
           run.scenario.model_dump_json(by_alias=True, exclude_none=False),
           json.dumps(results, allow_nan=False), json.dumps(assets_of(run)))
    costs = sol["costs"][["period", "t", "category", "usd", "npv_usd"]].copy()
    costs.insert(0, "run_id", run.run_id)
    uc = sol["unit_costs"][["workload", "npv_usd", "requests", "tokens"]].copy()
    uc.insert(0, "run_id", run.run_id)
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO runs VALUES (" + ", ".join("?" * len(row)) + ")", row)
        con.executemany("INSERT INTO run_files VALUES (?, ?, ?, ?)",
                        [(run.run_id, *f) for f in files])
        con.execute("INSERT INTO run_costs SELECT * FROM costs")
        con.execute("INSERT INTO run_workloads SELECT * FROM uc")
        con.execute("COMMIT")
    return run.run_id


def list_runs(path: Path) -> pd.DataFrame:
    """Every run, newest first: id, time, scenario, NPV, status, files' hash."""
    _exists(path)
    with connect(path) as con:
        return con.execute(
            "SELECT run_id, started, scenario, main_file, npv_usd, status, tco_version, "
            "left(inputs_sha256, 12) AS inputs, out_dir FROM runs ORDER BY started DESC, "
            "run_id DESC").df()


def _exists(path: Path) -> None:
    if not Path(path).exists():
        raise HistoryError(f"{path}: no run history yet (tco run records every run there; "
                           "or pass --history PATH)")


@dataclass
class StoredRun:
    """One run read back: the scenario as validated, its results and the prices it used."""

    run_id: str
    scenario: dict
    results: dict
    assets: dict
    files: list[tuple[str, str, str]]
    started: datetime

    def table(self, name: str) -> pd.DataFrame:
        """A plan table (allocation, fleet, staffing, costs, ...) as results.json holds it."""
        return pd.DataFrame(self.results.get(name) or [])


def load(path: Path, run_id: str) -> StoredRun:
    """A run by id, unique id prefix, `latest` or `previous` (the one before latest)."""
    _exists(path)
    with connect(path) as con:
        if run_id in ("latest", "previous"):
            ids = con.execute("SELECT run_id FROM runs ORDER BY started DESC, run_id DESC "
                              "LIMIT 1 OFFSET ?", [int(run_id == "previous")]).fetchall()
        else:
            ids = con.execute("SELECT run_id FROM runs WHERE starts_with(run_id, ?) "
                              "ORDER BY run_id", [run_id]).fetchall()
        if not ids:
            raise HistoryError(f"{path}: no run '{run_id}' (tco history lists them)")
        if len(ids) > 1:
            raise HistoryError(f"{path}: '{run_id}' names {len(ids)} runs ("
                               + ", ".join(i for (i,) in ids[:5])
                               + "); give more of the id")
        rid = ids[0][0]
        scen, res, assets, started = con.execute(
            "SELECT scenario_json, results_json, assets_json, started FROM runs "
            "WHERE run_id = ?", [rid]).fetchone()
        files = con.execute("SELECT path, sha256, content FROM run_files WHERE run_id = ?",
                            [rid]).fetchall()
    return StoredRun(rid, json.loads(scen), json.loads(res), json.loads(assets), files, started)
