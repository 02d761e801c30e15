"""Monte Carlo: closed forms on a linear case, the same draws anywhere, resume after a stop."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan
from tco.uncertainty import montecarlo as mc
from tco.uncertainty.evaluate import first_stage_of

# One API-only workload: 3e6 requests a quarter x (1000 x $2 + 100 x $8) / 1e6 = $8,400 a
# quarter, 4 quarters, no discounting: NPV = $33,600 x v for a volume factor v.
NPV_AT_1 = 33_600.0


def _linear(dist: dict, seed: int = 11):
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)],
                 uncertainty={"seed": seed, "inputs": [{"driver": "volume", **dist}]})
    r = resolve_plain(s)
    return s, r, first_stage_of(plan(s, r))


def test_api_only_npv_is_linear_in_volume_and_matches_the_closed_form(tmp_path):
    # v ~ uniform(0.5, 1.5): mean 1, P10 0.6, P90 1.4, sd 1/sqrt(12).
    s, r, fs = _linear({"dist": "uniform", "low": 0.5, "high": 1.5})
    n = 40
    summary, df = mc.montecarlo(s, r, fs, n, tmp_path / "d", jobs=1, strategies=["api_only"])
    assert len(df) == n and list(df["draw"]) == list(range(n))
    # each draw exactly linear: NPV = 33,600 x v (the plan held fixed too: APIs are recourse)
    v = df["input:volume"].to_numpy()
    assert df["npv:api_only"].to_numpy() == pytest.approx(NPV_AT_1 * v, rel=1e-9)
    assert df[f"npv:{mc.PLAN}"].to_numpy() == pytest.approx(NPV_AT_1 * v, rel=1e-9)
    row = next(x for x in summary["strategies"] if x["strategy"] == "api_only")
    # sampling error the test computes: of the mean sd/sqrt(n); of a quantile p,
    # sqrt(p (1 - p) / n) / density, the density of uniform(0.5, 1.5) being 1 (x $33,600)
    se_mean = NPV_AT_1 / math.sqrt(12) / math.sqrt(n)
    se_q = NPV_AT_1 * math.sqrt(0.1 * 0.9 / n)
    assert row["mean_usd"] == pytest.approx(NPV_AT_1, abs=4 * se_mean)
    assert row["standard_error_usd"] == pytest.approx(se_mean, rel=0.3)
    assert row["p10_usd"] == pytest.approx(0.6 * NPV_AT_1, abs=4 * se_q)
    assert row["p90_usd"] == pytest.approx(1.4 * NPV_AT_1, abs=4 * se_q)
    # CVaR90: the mean of the dearest tenth, above P90 and below the largest draw
    assert row["p90_usd"] <= row["cvar90_usd"] <= df["npv:api_only"].max()
    # the plan held fixed is the api_only plan here: no regret, never beaten
    assert row["mean_regret_usd"] == pytest.approx(0.0, abs=1e-6)
    assert row["p_beats"][mc.PLAN] == 0.0


def test_summary_figures_by_hand():
    # Two strategies over 4 draws, written out: a = [1, 2, 3, 10], b = [2, 1, 4, 4].
    df = pd.DataFrame({"draw": range(4), "npv:a": [1.0, 2, 3, 10], "npv:b": [2.0, 1, 4, 4]})
    rows = {r["strategy"]: r for r in mc.summarise(df)["strategies"]}
    a = rows["a"]
    assert a["mean_usd"] == 4.0
    assert a["standard_error_usd"] == pytest.approx(np.std([1, 2, 3, 10], ddof=1) / 2)
    assert a["p50_usd"] == 2.5
    assert a["p90_usd"] == pytest.approx(3 + 0.7 * 7)      # numpy's linear interpolation
    assert a["cvar90_usd"] == 10.0                         # only 10 is at or above P90
    # perfect foresight = [1, 1, 3, 4]: regret a = [0, 1, 0, 6], b = [1, 0, 1, 0]
    assert a["mean_regret_usd"] == 1.75 and rows["b"]["mean_regret_usd"] == 0.5
    assert a["p_beats"]["b"] == 0.5 and rows["b"]["p_beats"]["a"] == 0.5


def test_each_draw_states_its_gap_and_the_summary_says_how_close_all_are(tmp_path):
    # Draws that stop at their time limit were counted as if optimal, with nothing saying so
    # (issue 16: every ranking states the gap it holds to). Each draw now keeps its gap, and
    # the summary counts the stopped solves and says the widest gap in words.
    s, r, fs = _linear({"dist": "uniform", "low": 0.5, "high": 1.5})
    summary, df = mc.montecarlo(s, r, fs, 4, tmp_path / "d", jobs=1, strategies=["api_only"])
    assert df["gap:api_only"].notna().all()
    assert (df["gap:api_only"] <= s.solver.mip_rel_gap).all()
    assert all(x["not_proven"] == 0 for x in summary["strategies"])
    assert summary["gap_note"].startswith("Every draw's NPV is proven within a 0.01%")
    # a: draws 1 and 2 stopped at the time limit 3% and 0.5% wide; b proven throughout
    df = pd.DataFrame({"draw": range(3), "npv:a": [1.0, 2, 3], "npv:b": [2.0, 1, 4],
                       "status:a": ["ok", "time_limit", "time_limit"],
                       "status:b": ["ok"] * 3, "gap:a": [0.0, 0.03, 0.005],
                       "gap:b": [0.0, 1e-5, 0.0]})
    out = mc.summarise(df)
    rows = {x["strategy"]: x for x in out["strategies"]}
    assert rows["a"]["not_proven"] == 2 and rows["a"]["max_gap"] == pytest.approx(0.03)
    assert rows["b"]["not_proven"] == 0 and rows["b"]["max_gap"] == pytest.approx(1e-5)
    note = mc.gap_note({**out, "target_gap": 1e-4})
    assert "except 2 solves" in note and "(a 2)" in note and "up to 3.00%" in note
    # draws stored before gaps were kept: counted from their status, no gap claimed
    old = mc.summarise(df.drop(columns=["gap:a", "gap:b"]))
    assert old["strategies"][0]["max_gap"] is None and old["strategies"][0]["not_proven"] == 2


def _stop_after(k: int):
    real = mc.draw_task
    calls = []

    def task(ctx, i):
        if len(calls) >= k:
            raise KeyboardInterrupt  # the run is stopped after k draws
        calls.append(i)
        return real(ctx, i)
    return task


def test_resume_after_a_stopped_run_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    s, r, fs = _linear({"dist": "lognormal", "median": 1.0, "sigma": 0.4})
    n = 8
    whole, df_whole = mc.montecarlo(s, r, fs, n, tmp_path / "whole", jobs=1,
                                    strategies=["api_only"])
    monkeypatch.setattr(mc, "draw_task", _stop_after(3))
    with pytest.raises(KeyboardInterrupt):
        mc.montecarlo(s, r, fs, n, tmp_path / "cut", jobs=1, strategies=["api_only"],
                      flush_rows=1)
    monkeypatch.undo()
    assert len(list((tmp_path / "cut").glob("part-*.parquet"))) == 3
    resumed, df = mc.montecarlo(s, r, fs, n, tmp_path / "cut", jobs=1, resume=True,
                                strategies=["api_only"])
    assert resumed["resumed"] == 3
    pd.testing.assert_frame_equal(df, df_whole)
    for k in ("strategies", "draws"):
        assert resumed[k] == whole[k]
    # resuming draws made from other inputs is refused, not mixed
    from tco.errors import ScenarioError
    with pytest.raises(ScenarioError, match="cannot resume"):
        mc.montecarlo(s, r, fs, n, tmp_path / "cut", jobs=1, resume=True, seed=99,
                      strategies=["api_only"])


def test_same_seed_same_draws_in_local_processes_and_on_a_dask_cluster(tmp_path):
    from distributed import LocalCluster

    s, r, fs = _linear({"dist": "triangular", "low": 0.5, "mode": 0.8, "high": 2.0})
    n = 4
    _, inline = mc.montecarlo(s, r, fs, n, tmp_path / "inline", jobs=1,
                              strategies=["api_only", "hybrid"])
    _, pool = mc.montecarlo(s, r, fs, n, tmp_path / "pool", jobs=2,
                            strategies=["api_only", "hybrid"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        _, dask = mc.montecarlo(s, r, fs, n, tmp_path / "dask", scheduler=cluster,
                                strategies=["api_only", "hybrid"])
    pd.testing.assert_frame_equal(inline, pool)
    pd.testing.assert_frame_equal(inline, dask)


@pytest.mark.parametrize("width", [72, 80, 100, 160])
def test_the_terminal_table_fits_its_width_without_cutting_a_number(width):
    # At 100 columns the table printed "$4,722,4…": rich cut the amounts to fit. The amounts
    # are now in whole dollars where they fit, else in $k, else in $M; nothing is cut.
    import io
    import re

    from rich.console import Console

    from tco.uncertainty.terminal import print_montecarlo

    keys = ("mean_usd", "standard_error_usd", "p10_usd", "p50_usd", "p90_usd", "cvar90_usd",
            "mean_regret_usd")
    rows = [{"strategy": name, "draws": 1000, "with_plan": 1000,
             **{k: 4_722_485.0 + 1_000_000 * i for i, k in enumerate(keys)}}
            for name in ("api_only", "api_batch_cache", "self_host_only", "plan_held_fixed")]
    out = io.StringIO()
    print_montecarlo(Console(file=out, width=width), {"draws": 1000, "seed": 7,
                                                      "strategies": rows})
    text = out.getvalue()
    assert "…" not in text and all(len(line) <= width for line in text.splitlines())
    first = next(line for line in text.splitlines() if line.startswith("api_only"))
    # the finest unit that fits: whole dollars on a wide terminal
    shown = [u for u, v in (("", "$4,722,485"), ("k", "$4,722k"), ("M", "$4.72M"))
             if re.search(re.escape(v) + r"(\s|$)", first)]
    assert len(shown) == 1 and (width < 160 or shown == [""])
    assert "api_batch_cache" in text


def test_the_tornado_fits_80_columns_with_its_names_and_signs_whole():
    # At 80 columns the tornado printed "api_price_t…": names and amounts are now whole
    # (amounts in $k where whole dollars do not fit), changes keep their sign.
    import io

    from rich.console import Console

    from tco.uncertainty.terminal import print_tornado

    bars = [{"source": name, "range": "P10/P90", "low": 0.5, "high": 1.5,
             "fixed_low_usd": 4_392_192 - 1_225_208, "fixed_high_usd": 4_392_192 + 1_803_055,
             "swing_fixed_usd": 3_028_263.0, "swing_reoptimised_usd": 2_973_767.0,
             "status": "ok"} for name in ("api_price_trend", "growth (all workloads)")]
    out = io.StringIO()
    print_tornado(Console(file=out, width=80), {"base_fixed_usd": 4_392_192.0, "bars": bars})
    text = out.getvalue()
    assert "…" not in text and "api_price_trend" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert ("-$1,225k" in text and "+$1,803k" in text) or (
        "-$1,225,208" in text and "+$1,803,055" in text)
    out = io.StringIO()
    print_tornado(Console(file=out, width=160), {"base_fixed_usd": 4_392_192.0, "bars": bars})
    assert "-$1,225,208" in out.getvalue() and "+$1,803,055" in out.getvalue()
