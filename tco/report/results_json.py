"""results.json and one CSV per table: the machine-readable plan (documented in docs/results.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from tco import __version__
from tco.report.atomic import write_atomic, write_text_atomic
from tco.run import RunResult

TABLES = ("allocation", "fleet", "replicas", "staffing", "costs", "cost_views", "pnl", "committed",
          "unit_costs", "option_costs", "marginal", "fine_tunes", "levers", "moves",
          "api_operations", "tariffs",
          "tariff_providers", "tariff_breakeven")


def _clean(value):
    """JSON-safe: numpy scalars to Python, NaN/inf to null."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value == 0.0:
        return 0.0  # no -0.0 in the output
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(df: pd.DataFrame | None) -> list[dict]:
    """A table as a list of row objects."""
    if df is None:
        return []
    return _clean(df.astype(object).where(df.notna(), None).to_dict(orient="records"))


def results_dict(run: RunResult) -> dict:
    """Everything results.json holds."""
    sol = run.solution
    r = sol.result
    return _clean({
        "tco_version": __version__,
        "run_id": run.run_id,
        "scenario": run.scenario.name,
        "files": list(run.files),
        "periods": sol.periods,
        "npv_usd": sol.npv_usd,
        "cash_npv_usd": sol.cash_npv_usd,
        "expected_error_npv_usd": sol.error_npv_usd,
        "quality_adjusted_npv_usd": sol.npv_usd,
        "objective": {"minimised": sol.meta.get("objective"),
                      "why": sol.meta.get("objective_why"),
                      "npv_usd": sol.objective_npv_usd},
        "committed_npv_usd": float(sol["committed"]["npv_usd"].sum()),
        "solver": {"name": r.solver, "status": r.status, "termination": r.termination,
                   "objective": r.objective, "bound": r.bound, "gap": r.gap,
                   "seconds": r.seconds},
        "prices_snapshot": sol.meta.get("prices_snapshot", {}),
        "model": {k: v for k, v in sol.meta.items()
                  if k.startswith("options") or k == "deployments"},
        **{name: records(sol[name]) for name in TABLES},
        "strategies": records(run.strategies),
        "strategies_mip_rel_gap": (run.strategies.attrs.get("mip_rel_gap")
                                   if run.strategies is not None else None),
        "breakeven": run.breakeven,
        "curves": records(run.curves),
        "lever_values": None if run.lever_values is None else {
            "waterfall": run.lever_values["waterfall"],
            "levers": records(run.lever_values["levers"])},
        "constraint_costs": run.constraint_costs,
        "warnings": [str(w) for w in run.warnings],
        "timings_s": run.timings,
        **{k: v for k, v in (("sensitivity", run.sensitivity), ("montecarlo", run.montecarlo),
                             ("robust", run.robust)) if v is not None},
    })


def _no_negative_zero(df: pd.DataFrame) -> pd.DataFrame:
    """The table with -0.0 written as 0 (x + 0.0 is +0.0 for x = -0.0, x otherwise)."""
    floats = df.select_dtypes(include="float").columns
    if not len(floats):
        return df
    out = df.copy()
    out[floats] = out[floats] + 0.0
    return out


def write_results(run: RunResult, out_dir: str | Path) -> list[Path]:
    """Write results.json and <table>.csv into out_dir, each atomically."""
    out = Path(out_dir)
    written = [write_text_atomic(out / "results.json",
                                 json.dumps(results_dict(run), indent=2, allow_nan=False) + "\n")]
    for name in TABLES:
        df = _no_negative_zero(run.solution[name])
        written.append(write_atomic(out / f"{name}.csv",
                                    lambda p, df=df: df.to_csv(p, index=False)))
    for name, df in (("strategies", run.strategies), ("curves", run.curves)):
        if df is not None:
            df = _no_negative_zero(df)
            written.append(write_atomic(out / f"{name}.csv",
                                        lambda p, df=df: df.to_csv(p, index=False)))
    return written
