"""`tco diff RUN_A RUN_B`: what changed in the inputs, and the NPV change taken apart.

Inputs: the two validated scenarios (after `extends:`) flattened to field paths
(`workloads[support-chat].growth_per_year`, named list items by name) and compared; the price
snapshot dates too. NPV: the change by cost category (the costs table, which sums to the NPV)
and by workload (the unit-cost attribution of tco.solution: API and error costs to the
workload that incurs them, shared GPU and staff costs by GPU-hours, fine-tunes by tokens);
what attribution leaves over (costs of periods with no traffic) is shown as `(unattributed)`,
so each column sums to the NPV change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tco.history import StoredRun


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Field path -> leaf value; lists of named mappings keyed by their name or id."""
    out: dict[str, object] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list) and value and all(
            isinstance(v, dict) and ("name" in v or "id" in v) for v in value):
        for v in value:
            key = v.get("name", v.get("id"))
            out.update(flatten({k: x for k, x in v.items() if k not in ("name", "id")} or
                               {"(present)": True}, f"{prefix}[{key}]"))
    else:
        out[prefix] = value
    return out


@dataclass
class Diff:
    inputs: pd.DataFrame
    """field, a, b for every field that differs."""
    by_category: pd.DataFrame
    """category, npv_a, npv_b, change."""
    by_workload: pd.DataFrame
    """workload, npv_a, npv_b, change."""
    npv_a: float
    npv_b: float


def _npv(run: StoredRun, name: str, key: str) -> pd.Series:
    t = run.table(name)
    return t.groupby(key)["npv_usd"].sum() if len(t) else pd.Series(dtype=float)


def _side_by_side(a: pd.Series, b: pd.Series, key: str, total_a: float,
                  total_b: float) -> pd.DataFrame:
    df = pd.concat([a.rename("npv_a"), b.rename("npv_b")], axis=1).fillna(0.0)
    rest_a, rest_b = total_a - df["npv_a"].sum(), total_b - df["npv_b"].sum()
    if abs(rest_a) > 0.005 or abs(rest_b) > 0.005:
        df.loc["(unattributed)"] = (rest_a, rest_b)
    df["change"] = df["npv_b"] - df["npv_a"]
    df = df[(df.npv_a.abs() > 0.005) | (df.npv_b.abs() > 0.005)]
    return df.rename_axis(key).reset_index()


def diff(a: StoredRun, b: StoredRun) -> Diff:
    """Inputs changed and NPV change by category and workload, from A to B."""
    fa = flatten({**a.scenario, "prices_snapshot": a.results.get("prices_snapshot")})
    fb = flatten({**b.scenario, "prices_snapshot": b.results.get("prices_snapshot")})
    rows = [(k, fa.get(k, "(absent)"), fb.get(k, "(absent)"))
            for k in sorted(set(fa) | set(fb)) if fa.get(k, "(absent)") != fb.get(k, "(absent)")]
    inputs = pd.DataFrame(rows, columns=["field", "a", "b"])
    npv_a, npv_b = float(a.results["npv_usd"]), float(b.results["npv_usd"])
    return Diff(inputs,
                _side_by_side(_npv(a, "costs", "category"), _npv(b, "costs", "category"),
                              "category", npv_a, npv_b),
                _side_by_side(_npv(a, "unit_costs", "workload"),
                              _npv(b, "unit_costs", "workload"), "workload", npv_a, npv_b),
                npv_a, npv_b)
