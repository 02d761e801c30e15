"""The workbook's Risk sheet: the Monte Carlo summary as formulas LibreOffice recomputes."""

from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook
from test_montecarlo import _linear
from test_workbook_formulas import same_as_libreoffice

from tco.pipeline import plan
from tco.report.workbook import write_workbook
from tco.report.workbook.recalc import recalculate, soffice
from tco.run import RunResult
from tco.uncertainty import montecarlo as mc
from tco.uncertainty.sensitivity import sensitivity


def test_risk_sheet_recomputes_the_summary_in_libreoffice(tmp_path):
    if soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required on CI")
        pytest.skip("LibreOffice (soffice) is not installed: the Risk sheet's formulas cannot "
                    "be recalculated here (install libreoffice-calc)")
    s, r, fs = _linear({"dist": "uniform", "low": 0.5, "high": 1.5})
    summary, df = mc.montecarlo(s, r, fs, 12, tmp_path / "d", jobs=1,
                                strategies=["api_only", "api_batch_cache"])
    run = RunResult(scenario=s, resolved=r, solution=plan(s, r), montecarlo=summary, draws=df,
                    sensitivity=sensitivity(s, r, fs, jobs=1))
    write_workbook(run, tmp_path / "plan.xlsx")
    (out,) = recalculate([tmp_path / "plan.xlsx"], tmp_path / "recalculated")
    book = load_workbook(out, data_only=True)
    # the cached values tco writes (Python) are LibreOffice's results, Risk sheet included
    assert same_as_libreoffice(tmp_path / "plan.xlsx", book) > 100
    ws = book["Risk"]
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
    header = next(rw for (rw, cc), v in cells.items() if v == "NPV api_only (USD)")
    col = {v: cc for (rw, cc), v in cells.items() if rw == header and v}
    stat = {v: rw for (rw, cc), v in cells.items() if cc == 1 and isinstance(v, str)}
    figures = {x["strategy"]: x for x in summary["strategies"]}
    for name in ("api_only", "plan_held_fixed"):
        c = col[f"NPV {name} (USD)"]
        f = figures[name]
        for label, key in (("Mean", "mean_usd"), ("Standard error", "standard_error_usd"),
                           ("P10", "p10_usd"), ("P50", "p50_usd"), ("P90", "p90_usd"),
                           ("CVaR90", "cvar90_usd"), ("Mean regret", "mean_regret_usd")):
            assert cells[(stat[label], c)] == pytest.approx(f[key], rel=1e-9, abs=1e-6), label
        assert cells[(stat["Draws with a plan"], c)] == 12
    # how close to optimal the draws are, said above the table (issue 16)
    assert summary["gap_note"] in stat
    # the tornado's swing is a formula too
    swing = next(rw for (rw, cc), v in cells.items() if cc == 1 and v == "volume")
    assert cells[(swing, 7)] == pytest.approx(33_600 * 0.8)
